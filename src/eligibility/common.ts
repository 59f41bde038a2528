/** Helpers shared by the section rules: the evaluation context, draft builders, money and transactions. */
import { dayOf, isAfter } from './calendar';
import type { Alternative, DecisionFact, Draft, FactCode, FactValue, NextStep, ReviewReason } from './decision';
import type { CaseFacts, Money, OrderFacts, Profile } from './schema';

export interface Ctx {
  facts: CaseFacts;
  profile: Profile;
  timeZone: string;
  /** Public holidays of this country are not business days (R5.1); null: weekends only. */
  holidaysCountry: string | null;
  /** Today's calendar day (days since 1970-01-01) in the time zone, from the injected `now`. */
  today: number;
  /** The facts that decided the case, collected as the rules look at them (docs/decision-codes.md). */
  why: DecisionFact[];
}

/** Records a fact behind the decision. Returns true so it reads inside conditions. */
export function note(ctx: Ctx, code: FactCode, values?: Record<string, FactValue>): true {
  ctx.why.push(values ? { code, values } : { code });
  return true;
}

/** A date in the facts later than `now` by more than this is impossible (clocks of services differ a little). */
export const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Every date of the case that lies in the future (dotted path and value), in a fixed order:
 * order dates, then its transactions, then what the user said.
 */
export function futureDates(facts: CaseFacts, timeZone: string): { fact: string; at: string }[] {
  const out: { fact: string; at: string }[] = [];
  const check = (fact: string, at: string | null | undefined) => {
    if (at && isAfter(at, facts.now, timeZone, CLOCK_SKEW_MS)) out.push({ fact, at });
  };
  const o = facts.order;
  if (o) {
    check('order.paidAt', o.paidAt);
    check('order.transactionAt', o.transactionAt);
    check('order.activatedAt', o.activatedAt);
    o.transactions?.forEach((t, i) => check(`order.transactions.${i}.at`, t.at));
  }
  check('claims.paidAt', facts.claims.paidAt);
  check('claims.merchantContactedAt', facts.claims.merchantContactedAt);
  return out;
}

/** Succeeded payment captures on the order, whatever their amount; undefined when transactions are unknown. */
export function captures(order: OrderFacts): number | undefined {
  if (!order.transactions) return undefined;
  let n = 0;
  for (const t of order.transactions) if (t.kind === 'payment' && t.status === 'succeeded') n += 1;
  return n;
}

/** R4 anomaly: more than this many successful captures on one order. */
export const MAX_NORMAL_CAPTURES = 2;

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
 * Compares what the user says they paid with what the order says. When the order shows the same
 * payment captured more than once, the user may state either one payment or their total.
 */
export function claimedAmountMatches(order: OrderFacts, claimed: Money): boolean {
  if (sameMoney(claimed, order.amountPaid)) return true;
  if (claimed.currency !== order.amountPaid.currency) return false;
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
    note(ctx, 'account.fraud_flag');
    return { outcome: 'suspended', clauses: [clause], reviewReasons: ['fraud_flag'], nextSteps: ['agent_review'] };
  }
  if (account.openChargeback) {
    note(ctx, 'account.open_chargeback');
    return {
      outcome: 'suspended',
      clauses: [clause],
      reviewReasons: ['open_chargeback'],
      nextSteps: ['await_processor_decision', 'agent_review'],
    };
  }
  return null;
}

/**
 * The claims that must match the order: the order number the user typed and the amount they say
 * they paid. Each difference is recorded as a fact and returned as the conflicting paths.
 */
export function claimConflicts(ctx: Ctx, order: OrderFacts): string[] {
  const { claims } = ctx.facts;
  const out: string[] = [];
  if (otherOrderNumber(claims.orderNumber, order.id)) {
    note(ctx, 'order_number.differs', { claimed: claims.orderNumber!, order: order.id });
    out.push('claims.orderNumber', 'order.id');
  }
  if (claims.amount && !claimedAmountMatches(order, claims.amount)) {
    note(ctx, 'amount.differs', { claimed: claims.amount, paid: order.amountPaid });
    out.push('claims.amount', 'order.amountPaid');
  }
  return out;
}

/** Quantities of the order as fact values, when known. */
export function quantities(order: OrderFacts): Record<string, number> {
  const out: Record<string, number> = {};
  if (order.quantityOrdered !== undefined) out.ordered = order.quantityOrdered;
  if (order.quantityDelivered !== undefined) out.delivered = order.quantityDelivered;
  return out;
}
