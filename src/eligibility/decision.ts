/**
 * Output of the eligibility engine: a decision made of stable codes (never sentences).
 * The chat layer translates the codes; agents see the same codes and the clause ids.
 */
import type { Money, Profile, Topic } from './schema';

/** POLICY.md "Decisions" table. */
export const OUTCOMES = [
  'provisional_approval',
  'refusal',
  'needs_review',
  'suggest_alternative',
  'wait',
  'contact_merchant_first',
  'report_filed',
  'suspended',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Where the money goes: the same card (R5.2), the original payment method, or internal balance. */
export const DESTINATIONS = ['same_card', 'original_method', 'balance'] as const;
export type Destination = (typeof DESTINATIONS)[number];

/** When. Dates are `YYYY-MM-DD` calendar dates in the engine's time zone. */
export type Timeline =
  | { kind: 'business_days'; min: number; max: number; earliest: string; latest: string }
  | { kind: 'immediate' }
  /** `date`: the calendar day it becomes possible; `at`: the exact instant (ISO, UTC), when known. */
  | { kind: 'wait_until'; date: string; at?: string }
  | { kind: 'same_day'; date: string };

/** Queue priority: `pro` first, then `high`, then `normal` (then oldest first, in the queue). */
export const PRIORITIES = ['pro', 'high', 'normal'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const PRIORITY_RANK: Readonly<Record<Priority, number>> = { pro: 0, high: 1, normal: 2 };

export const NEXT_STEPS = [
  'await_confirmation', // a notification or e-mail confirms the decision
  'offer_priority_agent', // Pro account: a priority agent is offered
  'contact_support_payments_billing', // urgent: Support → Payments and billing
  'provide_missing_facts', // the dialog asks for `missingFacts`
  'agent_review', // an agent reviews the case
  'check_confirmation_email', // a confirmation e-mail is sent for every payment
  'ignore_reminder_if_paid', // manual transfer: a reminder may arrive, ignore it if paid
  'keep_proof', // keep a screenshot or payment reference
  'provide_proof', // the report needs a proof of payment
  'check_bank_debit', // check that the amount left the bank account
  'check_payee_details', // check the payee and payment details
  'ask_merchant_refund', // paid the shop directly: ask the shop for a refund
  'invoice_still_due', // the invoice stays due
  'invoice_paused', // the invoice is paused while the report is looked into
  'await_pause_email', // an e-mail confirms the pause
  'follow_report', // the user can follow the report
  'contact_merchant', // contact the merchant first
  'platform_handles_payment', // payment complaint: the platform answers, same day where possible
  'sent_to_merchant', // delivery complaint: sent to the merchant, platform informed
  'follow_dispute', // the user can follow the dispute
  'dispute_closed', // the dispute is closed
  'order_continues_during_review', // a review does not stop an order already in process
  'balance_not_withdrawable', // internal balance cannot be cashed out
  'review_external_change', // cancellation, replacement, waiting, retry or credit is reviewed
  'await_processor_decision', // open chargeback: the review waits for the processor
] as const;
export type NextStep = (typeof NEXT_STEPS)[number];

/** R7: instead of a refund, change or pause the ad. */
export const ALTERNATIVES = ['change_targeting', 'change_call_to_action', 'adjust_duration', 'edit_post', 'pause_ad'] as const;
export type Alternative = (typeof ALTERNATIVES)[number];

/** Why a human looks at it (agent-facing; `fraud_flag` is never shown to the user). */
export const REVIEW_REASONS = [
  'missing_facts',
  'conflicting_facts',
  'profile_requires_review',
  'partial_progress',
  'unverified_incident',
  'fraud_flag',
  'open_chargeback',
  'urgent',
  'dispute_reopen',
  'external_change',
  'mandatory_remedy',
  'anomaly',
  'repeated_request',
] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];

/**
 * Stable codes of the facts that decided a case, documented in docs/decision-codes.md (a test
 * fails when a code is emitted that the document does not list). Each comes with the values that
 * matter (dates, amounts, quantities), so the bot and the agent desk can say it in plain words
 * without re-deriving anything.
 */
export const FACT_CODES = [
  // any topic
  'fact.missing',
  'order_number.differs',
  'amount.differs',
  'date.in_future',
  'account.fraud_flag',
  'account.open_chargeback',
  'account.pro',
  'request.urgent',
  'request.reason',
  // refunds: grounds and what stands in their way
  'service.not_covered',
  'amount.zero',
  'refund.already_made',
  'refund.partly_made',
  'payment.duplicate',
  'payment.single',
  'payment.captures_anomaly',
  'request.repeated',
  'request.already_compensated',
  'ad.not_broadcast',
  'ad.broadcast',
  'ad.alternative_declined',
  'topup.credited',
  'topup.not_credited',
  'plan.activated',
  'plan.not_activated',
  'service.not_started',
  'service.in_process',
  'service.partly_delivered',
  'service.fully_consumed',
  'quantity.inconsistent',
  'incident.verified',
  'incident.not_verified',
  'claim.contradicts_order',
  'order.cancelled',
  'credit.proportional',
  'amount.overcharged',
  'target.issue',
  'payment.promotional',
  'result.not_guaranteed',
  'order.duplicate',
  'proof.declined',
  'external.change',
  'remedy.mandatory',
  'service.unavailable',
  // payment not registered
  'payment.registered',
  'payment.wait_period',
  'payment.wait_over',
  'payment.bank_transfer',
  'payment.paid_merchant_directly',
  'payment.not_debited',
  'payment.payee_wrong',
  'proof.present',
  // dispute
  'dispute.open',
  'dispute.closed',
  'dispute.expired',
  'dispute.problem',
  'dispute.not_covered',
  'dispute.complaint_mismatch',
  'merchant.not_contacted',
  'merchant.contacted',
] as const;
export type FactCode = (typeof FACT_CODES)[number];

/** A value of a fact: a string (date, code, path), a number (quantity, count, days), a boolean or money. */
export type FactValue = string | number | boolean | Money;

/** One fact behind a decision: a stable code and its values (documented per code). */
export interface DecisionFact {
  code: FactCode;
  values?: Record<string, FactValue>;
}

export interface Decision {
  outcome: Outcome;
  /** Clause ids behind the decision, in the order the rules applied them, no duplicates. */
  clauses: string[];
  topic: Topic;
  profile: Profile;
  /** What the user gets. Null when nothing is (yet) due: refusals, waits, reports, alternatives. */
  refund: { destination: Destination; amount: Money } | null;
  timeline: Timeline | null;
  nextSteps: NextStep[];
  alternatives: Alternative[];
  /** Dotted paths into the case (`order.adBroadcast`, `claims.amount`), for the dialog to ask. */
  missingFacts: string[];
  /** Dotted paths of facts that contradict each other (`claims.amount`, `order.amountPaid`). */
  conflictingFacts: string[];
  review: { required: boolean; priority: Priority; reasons: ReviewReason[] };
  /** The facts that decided it, as stable codes with their values (docs/decision-codes.md). */
  facts: DecisionFact[];
}

/** What a rule returns; the engine completes it (priority, R8, dedupe) into a Decision. */
export interface Draft {
  outcome: Outcome;
  clauses: string[];
  refund?: { destination: Destination; amount: Money } | null;
  timeline?: Timeline | null;
  nextSteps?: NextStep[];
  alternatives?: Alternative[];
  missingFacts?: string[];
  conflictingFacts?: string[];
  reviewReasons?: ReviewReason[];
  /** Raises the queue priority to `high` (e.g. a same-day payment complaint, D4). */
  urgent?: boolean;
}
