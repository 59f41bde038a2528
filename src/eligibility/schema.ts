/**
 * Input of the eligibility engine: the facts of one case, as zod schemas, and their TS types.
 *
 * Conventions:
 * - Money is integer minor units plus an ISO 4217 currency: `{ minor: 2000, currency: 'EUR' }`.
 * - Instants are ISO 8601 date-times with an offset (`2024-05-02T09:30:00Z`) or calendar dates
 *   (`2024-05-02`, read in the engine's configured time zone).
 * - Absent means unknown. The engine never guesses an unknown fact: a rule that needs it answers
 *   `needs_review` and names the fact (e.g. `order.adBroadcast`).
 * - `order` and `account` have the shape an order / account service can return; unknown extra keys
 *   there are dropped. `claims`, `proof` and the case itself are strict: a misspelt key is an error.
 */
import { z } from 'zod';

// ---------------------------------------------------------------- enums (stable codes)

/** The three conversation topics the engine decides. `refund` uses section R, or B in `balance-only`. */
export const TOPICS = ['refund', 'payment_not_received', 'dispute'] as const;
export type Topic = (typeof TOPICS)[number];

/** `standard` (default): section R refunds to the card / original method. `balance-only`: section B. */
export const PROFILES = ['standard', 'balance-only'] as const;
export type Profile = (typeof PROFILES)[number];

/**
 * What was bought.
 * - `ad`, `top_up`, `pro_account`, `premium_service`: section R (standard profile).
 * - `digital_service` (e.g. followers, views: sent to a provider), `vip_plan` (subscription,
 *   benefits): section B (balance-only profile); `top_up` is also B8.
 * - `merchant_purchase`: a purchase from a third-party shop (payment not received, dispute).
 */
export const SERVICE_TYPES = [
  'ad',
  'top_up',
  'pro_account',
  'premium_service',
  'digital_service',
  'vip_plan',
  'merchant_purchase',
] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/**
 * Order progress, as the order service sees it.
 * `pending`: paid, not started nor sent to a provider. `queued`: sent to a provider or queued (B2).
 * `in_progress`: started / delivering. `partial`: ended with part delivered (provider marked it partial).
 * `completed`: fully delivered / consumed. `cancelled`: cancelled by the platform or the provider.
 */
export const ORDER_STATUSES = ['pending', 'queued', 'in_progress', 'partial', 'completed', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Broadcast state of an ad (R1.1, R6.2, R7). `paused` means it has broadcast, then was paused. */
export const AD_BROADCAST_STATES = ['not_started', 'broadcasting', 'paused', 'finished'] as const;
export type AdBroadcastState = (typeof AD_BROADCAST_STATES)[number];

export const PAYMENT_METHODS = ['card', 'balance', 'bank_transfer', 'paypal', 'wallet', 'pay_later', 'other'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export const ACCOUNT_TIERS = ['standard', 'pro'] as const;
export type AccountTier = (typeof ACCOUNT_TIERS)[number];

/**
 * Why the user asks for a refund: the choice list the refund dialog presents.
 * | code                 | clause it can meet             |
 * |----------------------|--------------------------------|
 * | `paid_by_mistake`    | R2.1 (B4.1 before execution)   |
 * | `not_broadcast`      | R2.2 (ad not broadcast)        |
 * | `not_consumed`       | R2.3 (B4.1 before execution)   |
 * | `technical_error`    | R2.4, B4.3 (verifiable error)  |
 * | `double_payment`     | R2.5, B8                       |
 * | `provider_cancelled` | B4.2                           |
 * | `partial_delivery`   | B4.2, B5                       |
 * | `service_unavailable`| B4.4                           |
 * | `wrong_amount`       | B4.5                           |
 * | `not_delivered`      | B2 / B6 (depends on status)    |
 * | `duplicate_order`    | B6 (user ordered twice)        |
 * | `results_too_low`    | none: R7 alternative, B12      |
 * | `changed_mind`       | none by itself                 |
 * | `other`              | none by itself                 |
 */
export const REFUND_REASONS = [
  'paid_by_mistake',
  'not_broadcast',
  'not_consumed',
  'technical_error',
  'double_payment',
  'provider_cancelled',
  'partial_delivery',
  'service_unavailable',
  'wrong_amount',
  'not_delivered',
  'duplicate_order',
  'results_too_low',
  'changed_mind',
  'other',
] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

/** D1: the problem in a dispute with a merchant. `other` is not covered by the dispute service. */
export const DISPUTE_PROBLEMS = ['not_arrived', 'damaged', 'not_as_ordered', 'payment_problem', 'other'] as const;
export type DisputeProblem = (typeof DISPUTE_PROBLEMS)[number];

/** D3: what the complaint is about. */
export const COMPLAINT_TYPES = ['payment', 'delivery'] as const;
export type ComplaintType = (typeof COMPLAINT_TYPES)[number];

/** D2: whether the buyer contacted the merchant, and how it went. */
export const MERCHANT_CONTACT_STATES = [
  'not_contacted', // D2: contact the merchant first
  'no_reply', // D2.1
  'invalid_address', // D2.2
  'unsatisfactory_offer', // D2.3
] as const;
export type MerchantContactState = (typeof MERCHANT_CONTACT_STATES)[number];

/** B6 / B7: a problem with what the user submitted, found on the order (link, profile, target). */
export const TARGET_ISSUES = [
  'wrong_link',
  'private_profile',
  'deleted_content',
  'restricted_target',
  'changed_during_delivery',
  'instructions_not_followed',
  'duplicate_order_same_target',
  'incompatible_with_account',
] as const;
export type TargetIssue = (typeof TARGET_ISSUES)[number];

/**
 * Who cancelled a cancelled order: `customer` or `platform` before execution (B4.1), or the
 * `provider` marked it cancelled (B4.2).
 */
export const CANCELLED_BY = ['customer', 'platform', 'provider'] as const;
export type CancelledBy = (typeof CANCELLED_BY)[number];

/** B14: who requires a remedy other than internal balance. */
export const MANDATORY_REMEDY_SOURCES = ['law', 'authority', 'court', 'payment_provider'] as const;
export type MandatoryRemedySource = (typeof MANDATORY_REMEDY_SOURCES)[number];

export const TRANSACTION_KINDS = ['payment', 'refund', 'balance_credit', 'chargeback'] as const;
export const TRANSACTION_STATUSES = ['succeeded', 'pending', 'failed'] as const;

// ---------------------------------------------------------------- building blocks

/** ISO 4217 codes this runtime knows (Intl), e.g. EUR, USD; `XYZ` or `eur` are not. */
let currencies: ReadonlySet<string> | undefined;
export function isCurrencyCode(code: string): boolean {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return currencies.has(code);
}

export const moneySchema = z
  .object({
    minor: z.number().int().nonnegative().describe('amount in minor units (cents)'),
    currency: z
      .string()
      .refine(isCurrencyCode, { message: 'must be an ISO 4217 currency code, e.g. EUR' })
      .describe('ISO 4217 currency code'),
  })
  .strict();
export type Money = z.infer<typeof moneySchema>;

/** An ISO date-time with offset, or a calendar date read in the engine's time zone. */
export const instantSchema = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
export type Instant = z.infer<typeof instantSchema>;

export const transactionSchema = z.object({
  id: z.string().min(1),
  kind: z.enum(TRANSACTION_KINDS),
  amount: moneySchema,
  at: instantSchema,
  status: z.enum(TRANSACTION_STATUSES).default('succeeded'),
});
export type Transaction = z.infer<typeof transactionSchema>;

/** What the order service knows about the order. `order` null or absent = unknown order. */
export const orderFactsSchema = z.object({
  id: z.string().min(1).describe('order number'),
  serviceType: z.enum(SERVICE_TYPES),
  status: z.enum(ORDER_STATUSES),
  cancelledBy: z.enum(CANCELLED_BY).optional().describe('status cancelled: who cancelled (B4.1 customer / platform before execution, B4.2 provider)'),
  amountPaid: moneySchema.describe('amount actually paid for the order, after discounts and bonuses (B5); for payment_not_received, the invoice amount'),
  paymentMethod: z.enum(PAYMENT_METHODS),
  paidAt: instantSchema.optional().describe('when the order was paid'),
  transactionAt: instantSchema.optional().describe('transaction date for disputes (D6.3); defaults to paidAt'),
  adBroadcast: z.enum(AD_BROADCAST_STATES).optional().describe('ads only (R1.1)'),
  activatedAt: instantSchema.nullable().optional().describe('pro_account / vip_plan: null = not activated (R1.3, B9)'),
  credited: z.boolean().optional().describe('top_up: credited to the balance (R1.2, B8)'),
  quantityOrdered: z.number().int().positive().optional().describe('B5'),
  quantityDelivered: z.number().int().nonnegative().optional().describe('B5'),
  incidentVerified: z.boolean().optional().describe('a technical / platform incident on this order is verified (R2.4, B4.3)'),
  listPrice: moneySchema.optional().describe('what should have been charged (B4.5 wrong amount)'),
  promotional: z.boolean().optional().describe('paid with bonus, coupon, gift or promotional balance (B8)'),
  targetIssue: z.enum(TARGET_ISSUES).optional().describe('a problem with the link / profile / target the user gave (B6, B7)'),
  externalChange: z.boolean().optional().describe('an external platform / provider change affected the order (B13)'),
  paymentRegistered: z.boolean().optional().describe('payment_not_received: the payment is registered on the invoice'),
  dispute: z
    .object({
      status: z.enum(['open', 'closed']),
      closedBy: z.enum(['buyer', 'platform', 'automatic']).optional().describe('D6.1 buyer, D6.2 platform, D6.3 automatic'),
    })
    .optional()
    .describe('an existing dispute on this transaction'),
  transactions: z.array(transactionSchema).optional().describe('transactions on the order; absent = unknown'),
});
export type OrderFacts = z.infer<typeof orderFactsSchema>;

export const accountFactsSchema = z.object({
  id: z.string().optional(),
  tier: z.enum(ACCOUNT_TIERS).describe('pro is verified by the account service, never self-declared'),
  fraudFlag: z.boolean(),
  openChargeback: z.boolean().describe('an open payment dispute / chargeback (B11)'),
});
export type AccountFacts = z.infer<typeof accountFactsSchema>;

/** What the user says. Compared with the order facts; a difference is a conflict, never ignored. */
export const claimsSchema = z
  .object({
    orderNumber: z.string().min(1).optional().describe('the order number the user gave (R3)'),
    amount: moneySchema.optional().describe('the amount the user says they paid (R3)'),
    reason: z.enum(REFUND_REASONS).optional().describe('refund reason (R3)'),
    insistsOnRefund: z.boolean().optional().describe('the user declined the R7 alternative and still wants money back'),
    urgent: z.boolean().optional().describe('the user says the request is urgent (R8)'),
    paidAt: instantSchema.optional().describe('payment_not_received: when the user paid'),
    paymentMethod: z.enum(PAYMENT_METHODS).optional().describe('payment_not_received: how the user paid (P2)'),
    amountDebited: z.boolean().optional().describe('P3.1: the amount left the bank account'),
    payeeDetailsCorrect: z.boolean().optional().describe('P3.2: payee and payment details were right'),
    paidMerchantDirectly: z.boolean().optional().describe('P3.3: paid the shop directly by mistake'),
    problem: z.enum(DISPUTE_PROBLEMS).optional().describe('dispute problem (D1)'),
    complaintType: z.enum(COMPLAINT_TYPES).optional().describe('D3'),
    merchantContact: z.enum(MERCHANT_CONTACT_STATES).optional().describe('D2'),
    merchantContactedAt: instantSchema.optional(),
  })
  .strict();
export type Claims = z.infer<typeof claimsSchema>;

/** The proof the user gave (R3 screenshot optional, P5, B10). */
export const proofSchema = z
  .object({
    screenshot: z.boolean().optional(),
    paymentReference: z.string().min(1).optional(),
    link: z.string().min(1).optional().describe('B10: the link / target of a digital service'),
    declined: z.boolean().optional().describe('the user refuses to give the information needed (B6, B10)'),
  })
  .strict();
export type Proof = z.infer<typeof proofSchema>;

/** The facts of one case. */
export const caseFactsSchema = z
  .object({
    topic: z.enum(TOPICS),
    now: instantSchema.describe('the current instant, injected (never read from the clock)'),
    order: orderFactsSchema.nullish().describe('null or absent: unknown order'),
    account: accountFactsSchema.nullish().describe('null or absent: unknown account'),
    claims: claimsSchema.default({}),
    proof: proofSchema.default({}),
    requestHistory: z
      .object({
        earlierRequests: z.number().int().nonnegative().describe('requests for this order recorded before this one'),
        compensatedRequests: z
          .number()
          .int()
          .nonnegative()
          .default(0)
          .describe('of those, how many were approved or credited (a new one is a double-compensation attempt, B11)'),
      })
      .strict()
      .optional()
      .describe('from the case history of this order (B10, B11); absent = no earlier request known'),
    mandatoryRemedy: z
      .enum(MANDATORY_REMEDY_SOURCES)
      .optional()
      .describe('B14: a mandatory rule / authority / court / payment provider requires a non-balance remedy'),
  })
  .strict();
export type CaseFacts = z.infer<typeof caseFactsSchema>;
export type CaseFactsInput = z.input<typeof caseFactsSchema>;

/** Body of `POST /api/eligibility` and one line of `npm run eligibility`. */
export const eligibilityInputSchema = z
  .object({
    profile: z.enum(PROFILES).optional().describe('defaults to the configured profile (standard)'),
    case: caseFactsSchema,
  })
  .strict();
export type EligibilityInput = z.infer<typeof eligibilityInputSchema>;
export type EligibilityInputRaw = z.input<typeof eligibilityInputSchema>;
