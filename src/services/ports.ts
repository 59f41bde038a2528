/**
 * Ports to the outside: orders, accounts, ads, invoices, merchants. Dialogs depend on these interfaces only; `createServices`
 * (./index.ts) picks the adapters (demo data in the repository, or HTTP APIs; see docs/services-api.md).
 *
 * Every port answers in one of three ways, and callers handle each:
 *  - a value, validated with zod (the engine's `orderFactsSchema` / `accountFactsSchema` for facts);
 *  - `null`: not found. A normal answer (wrong number, or an order that belongs to someone else);
 *  - a thrown `ServiceUnavailableError` (timeout, connection refused, 5xx, rejected credentials) or
 *    `ServiceContractError` (the service answered something that does not fit the contract).
 *    Both mean "cannot tell right now": the dialog says so and never treats it as "not found".
 *
 * Ownership (orders and ads): a lookup carries the verified account id of the person asking, when
 * there is one. An order or ad owned by another account is answered as `null`, exactly like an unknown
 * number, so nobody learns that someone else's order exists. A lookup without an account id
 * (anonymous web user) is answered only by adapters that allow anonymous lookups: the demo adapter
 * does (it is a demo), the HTTP adapter does not by default (see `OrderLookupOptions`).
 */
import type { AccountFacts, DisputeProblem, Money, OrderFacts } from '../eligibility/schema';

export type ServiceName = 'orders' | 'accounts' | 'ads' | 'invoices' | 'merchants';
export type { DisputeProblem, Money };

/** The service cannot answer now: timeout, connection refused, 5xx, 429, rejected credentials. */
export class ServiceUnavailableError extends Error {
  override readonly name = 'ServiceUnavailableError';
  constructor(
    readonly service: ServiceName,
    message: string,
    /** HTTP status when the service answered, undefined for network errors and timeouts. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`${service} service unavailable: ${message}`, options);
  }
}

/** The service answered, but not with what the contract promises (bad JSON, wrong shape, odd status). */
export class ServiceContractError extends Error {
  override readonly name = 'ServiceContractError';
  constructor(
    readonly service: ServiceName,
    message: string,
    /** Where the answer is wrong (zod issue paths, or a short description); never the raw body. */
    readonly issues: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(`${service} service answered outside its contract: ${message}`, options);
  }
}

/** True for the two "cannot tell right now" errors of a port (the dialog's `catch`). */
export function isServiceFailure(err: unknown): err is ServiceUnavailableError | ServiceContractError {
  return err instanceof ServiceUnavailableError || err instanceof ServiceContractError;
}

/** Who asks. `accountId` is a verified account id (from the account service), never self-declared. */
export interface LookupOptions {
  accountId?: string;
}

// ---------------------------------------------------------------- orders

/** One order as the order port returns it. */
export interface Order {
  /** The engine's facts, ready to pass as `case.order`. `facts.id` is the normalised order number. */
  facts: OrderFacts;
  /** The account that owns the order. */
  ownerAccountId: string;
  /** What was bought, as the shop names it (a product name, not a sentence of the bot). */
  label?: string;
  /** For `ad` orders: the ad to change or pause through the ads port (R7). */
  adId?: string;
  /** For `merchant_purchase` orders: the shop's name (disputes, P3.3). */
  merchantName?: string;
}

export interface OrdersPort {
  /**
   * The order with this number, or `null` when there is none that the asker may see.
   * The number is normalised first (`normaliseOrderNumber`); an invalid number answers `null`.
   */
  findOrder(orderNumber: string, opts?: LookupOptions): Promise<Order | null>;
}

// ---------------------------------------------------------------- accounts

/** The engine's account facts with the id always set. `tier` is verified by the account service. */
export type Account = AccountFacts & { id: string; displayName?: string; /** Verified address; notifications go there. */ email?: string };

/** A user as a channel knows them (Teams, web chat): used to find their verified account. */
export interface ChannelUser {
  channelId: string;
  userId: string;
}

export interface AccountsPort {
  /** The account with this id, or `null`. */
  getAccount(accountId: string): Promise<Account | null>;
  /**
   * The account verified for this channel user (e.g. a signed-in Teams user), or `null` when the
   * user is anonymous or unknown. Never derived from anything the user typed.
   */
  findAccountForUser(user: ChannelUser): Promise<Account | null>;
}

// ---------------------------------------------------------------- ads (R7)

export const CALLS_TO_ACTION = ['learn_more', 'shop_now', 'sign_up', 'contact_us', 'call_now', 'book_now', 'get_offer'] as const;
export type CallToAction = (typeof CALLS_TO_ACTION)[number];

export interface AdTargeting {
  /** ISO 3166-1 alpha-2 country codes or city names, as the ads service knows them. */
  locations: string[];
  ageMin: number;
  ageMax: number;
  interests: string[];
}

export interface AdPost {
  title: string;
  text: string;
  imageUrl?: string;
}

export type AdStatus = 'not_started' | 'broadcasting' | 'paused' | 'finished';

export interface Ad {
  id: string;
  /** The order that paid for the ad. */
  orderId: string;
  ownerAccountId: string;
  status: AdStatus;
  targeting: AdTargeting;
  callToAction: CallToAction;
  /** ISO date-times. */
  startsAt: string;
  endsAt: string;
  post: AdPost;
  /** Last change, ISO date-time. */
  updatedAt: string;
}

/** One R7 change. Each kind maps to the engine's `Alternative` of the same meaning. */
export type AdChange =
  | { kind: 'targeting'; targeting: Partial<AdTargeting> }
  | { kind: 'call_to_action'; callToAction: CallToAction }
  /** New end, ISO date-time; must be after the start (and, for a running ad, in the future). */
  | { kind: 'duration'; endsAt: string }
  | { kind: 'post'; post: Partial<AdPost> }
  | { kind: 'pause' }
  | { kind: 'resume' };
export type AdChangeKind = AdChange['kind'];

/** What changed, field by field, so the bot can confirm "before → after". */
export type AdFieldChange =
  | { field: 'targeting'; before: AdTargeting; after: AdTargeting }
  | { field: 'callToAction'; before: CallToAction; after: CallToAction }
  | { field: 'endsAt'; before: string; after: string }
  | { field: 'post'; before: AdPost; after: AdPost }
  | { field: 'status'; before: AdStatus; after: AdStatus };

/**
 * Why a change was not made (a normal answer, not an error):
 * - `ad_finished`: pause / resume on a finished ad;
 * - `not_paused`: resume on an ad that is not paused;
 * - `already_paused`: pause on a paused ad; `not_started`: pause on an ad not yet broadcasting;
 * - `invalid_change`: the change itself is wrong (end before start or in the past, ages reversed…);
 * - `no_change`: the change would leave the ad as it is.
 */
export const AD_CHANGE_REFUSALS = ['ad_finished', 'not_paused', 'already_paused', 'not_started', 'invalid_change', 'no_change'] as const;
export type AdChangeRefusal = (typeof AD_CHANGE_REFUSALS)[number];

export type AdChangeResult =
  | { ok: true; ad: Ad; changes: AdFieldChange[] }
  | { ok: false; reason: AdChangeRefusal; ad: Ad };

export interface AdsPort {
  /** The ad, or `null` when there is none that the asker may see (same ownership rule as orders). */
  getAd(adId: string, opts?: LookupOptions): Promise<Ad | null>;
  /**
   * Carries out one R7 change. `null` when the ad does not exist for the asker.
   * `by` names who asked (e.g. `user:<channel user id>` or `agent:<id>`), kept by the ads service.
   */
  changeAd(adId: string, change: AdChange, opts?: LookupOptions & { by?: string }): Promise<AdChangeResult | null>;
}

// ---------------------------------------------------------------- invoices (P4, P6)

export const INVOICE_STATUSES = ['due', 'paused', 'paid', 'cancelled'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/** The invoice of a purchase (pay later / shop purchase): what the customer still owes. */
export interface Invoice {
  id: string;
  /** The order (purchase) the invoice is for. */
  orderId: string;
  ownerAccountId: string;
  amountDue: Money;
  /** ISO date (`2026-12-02`). */
  dueDate: string;
  status: InvoiceStatus;
}

/**
 * The answer to a pause. `alreadyPaused`: the invoice was paused before this call (by this report,
 * a retry, or another one); it stays paused. A paid or cancelled invoice is not paused (a normal
 * answer, not an error).
 */
export type InvoicePauseResult =
  | { ok: true; invoice: Invoice; alreadyPaused: boolean }
  | { ok: false; reason: 'paid' | 'cancelled'; invoice: Invoice };

export interface InvoicesPort {
  /** The invoice of a purchase the asker may see, or `null` (same ownership rule as orders). */
  findForOrder(orderId: string, opts?: LookupOptions): Promise<Invoice | null>;
  /**
   * P4/P6: pauses the invoice while a "payment not registered" report is checked. Idempotent per
   * `caseRef` (a retry answers the same). `by` names who asked (`user:<id>`, `agent:<id>`).
   * `null` = no such invoice for the asker.
   */
  pause(invoiceId: string, input: { caseRef: string; by: string }, opts?: LookupOptions): Promise<InvoicePauseResult | null>;
}

// ---------------------------------------------------------------- merchants (D5)

/** A delivery complaint sent to a merchant, in the customer's language (the platform is informed). */
export interface MerchantComplaint {
  /** The dispute case reference (`DS-…`): the idempotency key. */
  caseRef: string;
  merchantName: string;
  orderId: string;
  /** The engine's D1 problem (`not_arrived`, `damaged`, `not_as_ordered`, `payment_problem`, `other`). */
  problem: DisputeProblem;
  language: 'en' | 'fr';
  /** What the customer says, as sent to the merchant (already redacted). */
  message: string;
}

export interface MerchantComplaintStatus {
  answered: boolean;
  /** ISO date-time of the merchant's answer, when answered. */
  answeredAt?: string;
}

export interface MerchantsPort {
  /**
   * D5: sends a delivery complaint to the merchant, the platform informed at the same time.
   * Idempotent per `caseRef` (sending again answers the first deadline). Returns the date-time by
   * which the merchant should answer (ISO); after it, the sweep moves the case to the platform.
   */
  sendComplaint(complaint: MerchantComplaint): Promise<{ deadline: string }>;
  /** Whether the merchant has answered (for the sweep); `null` = no complaint known for this case. */
  complaintStatus(caseRef: string): Promise<MerchantComplaintStatus | null>;
}

// ---------------------------------------------------------------- all ports

export interface Services {
  orders: OrdersPort;
  accounts: AccountsPort;
  ads: AdsPort;
  invoices: InvoicesPort;
  merchants: MerchantsPort;
  /** Which adapter each port uses, for logs and /readyz. */
  kinds: Record<ServiceName, 'demo' | 'http'>;
}
