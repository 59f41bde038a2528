/** Helpers shared by the section rules: the evaluation context, draft builders, money and transactions. */
import { dayOf } from './calendar';
import type { Alternative, Draft, NextStep, ReviewReason } from './decision';
import type { CaseFacts, Money, OrderFacts, Profile } from './schema';

export interface Ctx {
  facts: CaseFacts;
  profile: Profile;
  timeZone: string;
  /** Today's calendar day (days since 1970-01-01) in the time zone, from the injected `now`. */
  today: number;
}

export function dayIn(ctx: Ctx, instant: string): number {
  return dayOf(instant, ctx.timeZone);
}

export function needsReview(
  clauses: string[],
  opts: { missing?: string[]; conflicting?: string[]; reasons?: ReviewReason[]; nextSteps?: NextStep[] } = {},
): Draft {
  const reasons: ReviewReason[] = [];
  if (opts.missing?.length) reasons.push('missing_facts');
  if (opts.conflicting?.length) reasons.push('conflicting_facts');
  if (opts.reasons) reasons.push(...opts.reasons);
  const nextSteps: NextStep[] = opts.missing?.length ? ['provide_missing_facts', 'agent_review'] : ['agent_review'];
  if (opts.nextSteps) nextSteps.push(...opts.nextSteps);
  return {
    outcome: 'needs_review',
    clauses,
    missingFacts: opts.missing ?? [],
    conflictingFacts: opts.conflicting ?? [],
    reviewReasons: reasons,
    nextSteps,
  };
}

export function missing(clauses: string[], ...facts: string[]): Draft {
  return needsReview(clauses, { missing: facts });
}

export function conflict(clauses: string[], ...facts: string[]): Draft {
  return needsReview(clauses, { conflicting: facts });
}

export function refusal(clauses: string[], nextSteps: NextStep[] = [], alternatives: Alternative[] = []): Draft {
  return { outcome: 'refusal', clauses, nextSteps, alternatives, refund: null, timeline: null };
}

/** The order number the user typed names this order (case and surrounding spaces ignored). */
export function otherOrderNumber(claimed: string | undefined, orderId: string): boolean {
  return claimed !== undefined && claimed.trim().toUpperCase() !== orderId.trim().toUpperCase();
}

export function sameMoney(a: Money, b: Money): boolean {
  return a.minor === b.minor && a.currency === b.currency;
}

/** Succeeded payments on the order, or undefined when the transactions are unknown. */
export function succeededPayments(order: OrderFacts): number | undefined {
  if (!order.transactions) return undefined;
  let n = 0;
  for (const t of order.transactions) {
    if (t.kind === 'payment' && t.status === 'succeeded' && sameMoney(t.amount, order.amountPaid)) n += 1;
  }
  return n;
}

/** Minor units already given back on the order (refunds and balance credits that succeeded). */
export function alreadyRefundedMinor(order: OrderFacts): number {
  let sum = 0;
  for (const t of order.transactions ?? []) {
    if ((t.kind === 'refund' || t.kind === 'balance_credit') && t.status === 'succeeded' && t.amount.currency === order.amountPaid.currency) {
      sum += t.amount.minor;
    }
  }
  return sum;
}

/**
 * Compares what the user says they paid with what the order says. For a double payment, the user
 * may state either one payment or the total of the duplicated payments.
 */
export function claimedAmountMatches(order: OrderFacts, claimed: Money, doublePayment: boolean): boolean {
  if (sameMoney(claimed, order.amountPaid)) return true;
  if (!doublePayment || claimed.currency !== order.amountPaid.currency) return false;
  const n = succeededPayments(order) ?? 0;
  return n > 1 && claimed.minor === order.amountPaid.minor * n;
}

/**
 * Proportional share of `paidMinor` for the undelivered quantity, in integer minor units, rounded
 * down, never negative and never above what was paid. Callers make sure 0 ≤ delivered ≤ ordered.
 */
export function proportionalMinor(paidMinor: number, ordered: number, delivered: number): number {
  if (!(ordered > 0) || paidMinor <= 0) return 0;
  const undelivered = Math.min(Math.max(ordered - delivered, 0), ordered);
  const product = paidMinor * undelivered;
  const share = Number.isSafeInteger(product)
    ? Math.floor(product / ordered)
    : Number((BigInt(paidMinor) * BigInt(undelivered)) / BigInt(ordered));
  return Math.min(Math.max(share, 0), paidMinor);
}

/** Fraud flag or open chargeback stops the review, whatever the topic (POLICY.md "suspended"). */
export function suspension(ctx: Ctx): Draft | null {
  const account = ctx.facts.account;
  if (!account) return null;
  const clause = ctx.profile === 'balance-only' ? 'B11' : 'R6.5';
  if (account.fraudFlag) {
    return { outcome: 'suspended', clauses: [clause], reviewReasons: ['fraud_flag'], nextSteps: ['agent_review'] };
  }
  if (account.openChargeback) {
    return {
      outcome: 'suspended',
      clauses: [clause],
      reviewReasons: ['open_chargeback'],
      nextSteps: ['await_processor_decision', 'agent_review'],
    };
  }
  return null;
}
