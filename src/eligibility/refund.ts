/**
 * Section R: refund and cancellation, standard profile (source 000).
 * Each clause id below is the rule that applies it; `grep -rn "R1.1" src/` lands here.
 */
import {
  alreadyRefundedMinor,
  captures,
  claimConflicts,
  conflict,
  MAX_NORMAL_CAPTURES,
  missing,
  needsReview,
  note,
  quantities,
  refusal,
  succeededPayments,
  type Ctx,
} from './common';
import { addBusinessDays, isoDate } from './calendar';
import type { Alternative, Draft, NextStep, ReviewReason } from './decision';
import type { OrderFacts } from './schema';

const R_SERVICE_TYPES: ReadonlySet<string> = new Set(['ad', 'top_up', 'pro_account', 'premium_service']);

/** R5.1: an approved refund is processed in 3 to 10 business days. */
const REFUND_MIN_BUSINESS_DAYS = 3;
const REFUND_MAX_BUSINESS_DAYS = 10;

/** R7: what can be changed instead of refunding an ad; pausing only makes sense while it runs. */
export function adAlternatives(order: OrderFacts): Alternative[] {
  const list: Alternative[] = ['change_targeting', 'change_call_to_action', 'adjust_duration', 'edit_post'];
  if (order.adBroadcast === 'broadcasting') list.push('pause_ad');
  return list;
}

/**
 * R4: every approval is provisional (the team checks the order, the ad, the account, the related
 * transactions and anomalies). R5: timeline and destination; R5.4: a notification confirms.
 */
function approve(ctx: Ctx, order: OrderFacts, clauses: string[]): Draft {
  const amount = { ...order.amountPaid };
  if (order.paymentMethod === 'balance') {
    // R5.3: refunds to the balance can be immediate. R5.4: a notification confirms the decision.
    return {
      outcome: 'provisional_approval',
      clauses: [...clauses, 'R4', 'R5.3', 'R5.4'],
      refund: { destination: 'balance', amount },
      timeline: { kind: 'immediate' },
      nextSteps: ['await_confirmation'],
    };
  }
  // R5.1: 3 to 10 business days; R5.2: card payments go back to the same card. R5.4: confirmation.
  const card = order.paymentMethod === 'card';
  return {
    outcome: 'provisional_approval',
    clauses: [...clauses, 'R4', 'R5.1', ...(card ? ['R5.2'] : []), 'R5.4'],
    refund: { destination: card ? 'same_card' : 'original_method', amount },
    timeline: {
      kind: 'business_days',
      min: REFUND_MIN_BUSINESS_DAYS,
      max: REFUND_MAX_BUSINESS_DAYS,
      earliest: isoDate(addBusinessDays(ctx.today, REFUND_MIN_BUSINESS_DAYS, ctx.holidaysCountry)),
      latest: isoDate(addBusinessDays(ctx.today, REFUND_MAX_BUSINESS_DAYS, ctx.holidaysCountry)),
    },
    nextSteps: ['await_confirmation'],
  };
}

/** How far the bought service was used, for the R1 clause of its type. */
type Use =
  /** Not used: the R2.2 / R2.3 ground holds from the order's facts. */
  | { kind: 'unused'; clause: string; ground: 'R2.2' | 'R2.3' }
  /** Partly used (premium service in progress): a person decides (R1.4). */
  | { kind: 'partial'; clause: string }
  /** Used: the clause's refusal applies unless a ground holds. */
  | { kind: 'used'; clause: string; refusal: string[]; consumed: boolean }
  /** Refused by law whatever ground is claimed (R1.2, R6.4: a credited top-up). */
  | { kind: 'legal'; clause: string; refusal: string[] }
  /** The fact that tells is unknown. */
  | { kind: 'unknown'; clause: string; fact: string }
  /** The order's own facts contradict each other. */
  | { kind: 'conflict'; clause: string; facts: string[] };

/** R1.1–R1.4: the state of the service, recorded as facts. */
function use(ctx: Ctx, order: OrderFacts): Use {
  switch (order.serviceType) {
    case 'ad': {
      // R1.1: an ad is refundable only before it starts broadcasting (R2.2, R6.2).
      const state = order.adBroadcast;
      if (state === undefined) return { kind: 'unknown', clause: 'R1.1', fact: 'order.adBroadcast' };
      if (state === 'not_started') return note(ctx, 'ad.not_broadcast') && { kind: 'unused', clause: 'R1.1', ground: 'R2.2' };
      note(ctx, 'ad.broadcast', { state });
      return { kind: 'used', clause: 'R1.1', refusal: ['R1.1', 'R6.2'], consumed: false };
    }
    case 'top_up': {
      // R1.2 / R6.4: a top-up credited to the balance is not refundable (legally, like any e-wallet).
      if (order.credited === undefined) return { kind: 'unknown', clause: 'R1.2', fact: 'order.credited' };
      if (order.credited) return note(ctx, 'topup.credited', { amount: order.amountPaid }) && { kind: 'legal', clause: 'R1.2', refusal: ['R1.2', 'R6.4'] };
      return note(ctx, 'topup.not_credited') && { kind: 'unused', clause: 'R1.2', ground: 'R2.3' };
    }
    case 'pro_account': {
      // R1.3: refundable only before activation; R6.1: once activated the service is used.
      // (An activation date in the future never gets here: the engine sends it to review first.)
      if (order.activatedAt === undefined) return { kind: 'unknown', clause: 'R1.3', fact: 'order.activatedAt' };
      if (order.activatedAt !== null) {
        note(ctx, 'plan.activated', { at: order.activatedAt });
        return { kind: 'used', clause: 'R1.3', refusal: ['R1.3', 'R6.1'], consumed: false };
      }
      return note(ctx, 'plan.not_activated') && { kind: 'unused', clause: 'R1.3', ground: 'R2.3' };
    }
    default: {
      // R1.4: premium package or service: not started → refundable, partly delivered → review,
      // fully consumed → refused (R6.1).
      const p = progress(order);
      const values = { status: order.status, ...quantities(order) };
      if (p === 'conflict') {
        note(ctx, 'quantity.inconsistent', values);
        return { kind: 'conflict', clause: 'R1.4', facts: ['order.status', 'order.quantityDelivered'] };
      }
      if (p === 'not_started') return note(ctx, 'service.not_started', values) && { kind: 'unused', clause: 'R1.4', ground: 'R2.3' };
      if (p === 'partial') return note(ctx, 'service.partly_delivered', values) && { kind: 'partial', clause: 'R1.4' };
      note(ctx, 'service.fully_consumed', values);
      return { kind: 'used', clause: 'R1.4', refusal: ['R1.4', 'R6.1'], consumed: true };
    }
  }
}

type Progress = 'not_started' | 'partial' | 'consumed' | 'conflict';

/** How far a premium service has progressed (R1.4), cross-checked with the quantities when known. */
function progress(order: OrderFacts): Progress {
  const { quantityOrdered: ordered, quantityDelivered: delivered } = order;
  const known = ordered !== undefined && delivered !== undefined;
  if (known && delivered > ordered) return 'conflict';
  switch (order.status) {
    case 'pending':
    case 'queued':
    case 'cancelled':
      return known && delivered > 0 ? 'conflict' : 'not_started';
    case 'in_progress':
    case 'partial':
      return 'partial';
    case 'completed':
      return known && delivered < ordered ? 'conflict' : 'consumed';
  }
}

/**
 * Section R, standard profile. Order of evaluation:
 * 1. what is missing or contradicts the order (R3, R4), anomalies (R4), what is outside the
 *    conditions or already refunded (R6.3);
 * 2. the grounds of R2, each checked on its own from the order's facts, whatever reason the
 *    customer picked: R2.5 (two captures), R2.2 (ad not broadcast), R2.3 (not consumed), with
 *    R2.1 (paid by mistake) and R2.4 (verified error) cited beside them — except a credited top-up,
 *    which no ground makes refundable (R1.2, R6.4) beyond its duplicate capture;
 * 3. with no ground, what the customer claimed (a verified error on a used service is reviewed,
 *    a claim the facts cannot support is checked), then the refusal or the R7 alternative.
 */
export function refundStandard(ctx: Ctx): Draft {
  const { account, order, claims } = ctx.facts;
  // R4: the team checks account activity, so the account must be known. R3: the request needs the
  // order number, the amount paid and the reason (screenshot optional). Everything missing is named.
  const absent: string[] = [];
  const clauses: string[] = [];
  if (!account) absent.push('account') && clauses.push('R4');
  if (!order) absent.push('order');
  if (!claims.reason) absent.push('claims.reason');
  if (!claims.amount) absent.push('claims.amount');
  if (!order || !claims.reason || !claims.amount) clauses.push('R3');
  if (absent.length || !order || !claims.reason || !claims.amount) return missing(clauses, ...absent);
  const reason = claims.reason;
  note(ctx, 'request.reason', { reason });

  // R3 / R4: what the user says must match the order; a difference is checked by a person.
  const conflicts = claimConflicts(ctx, order);
  if (conflicts.length) return conflict(['R3', 'R4'], ...conflicts);

  // R4: the team checks anomalies: more than two successful captures is never approved automatically.
  const n = captures(order);
  if (n !== undefined && n > MAX_NORMAL_CAPTURES) {
    note(ctx, 'payment.captures_anomaly', { captures: n, amount: order.amountPaid });
    return needsReview(['R4'], { reasons: ['anomaly'] });
  }

  // R6.3: outside the conditions: not a service this policy covers, nothing paid, or already refunded.
  if (!R_SERVICE_TYPES.has(order.serviceType)) {
    note(ctx, 'service.not_covered', { serviceType: order.serviceType });
    return conflict(['R6.3'], 'order.serviceType');
  }
  if (order.amountPaid.minor === 0) return note(ctx, 'amount.zero') && refusal(['R6.3']);
  const refunded = alreadyRefundedMinor(order);
  const refundedMoney = { minor: refunded, currency: order.amountPaid.currency };
  if (refunded >= order.amountPaid.minor) {
    note(ctx, 'refund.already_made', { refunded: refundedMoney, paid: order.amountPaid });
    return refusal(['R6.3']);
  }
  // R4: a partial refund already made: the team checks the related transactions.
  if (refunded > 0) {
    note(ctx, 'refund.partly_made', { refunded: refundedMoney, paid: order.amountPaid });
    return conflict(['R4'], 'order.transactions');
  }
  // R4: an earlier request on this order was already approved or credited: the team checks the
  // related transactions before anything is paid twice. (Section R has no rule on mere repetition.)
  const history = ctx.facts.requestHistory;
  if (history && history.earlierRequests > 0) note(ctx, 'request.repeated', { earlier: history.earlierRequests });
  if (history && history.compensatedRequests > 0) {
    note(ctx, 'request.already_compensated', { compensated: history.compensatedRequests });
    return needsReview(['R4'], { reasons: ['repeated_request'] });
  }

  // R2: the grounds, each from the order's facts.
  const state = use(ctx, order);
  const payments = succeededPayments(order);
  const duplicate = payments === 2;
  if (duplicate) note(ctx, 'payment.duplicate', { captures: 2, amount: order.amountPaid });
  const incident = order.incidentVerified;
  if (incident === true) note(ctx, 'incident.verified');
  if (incident === false && reason === 'technical_error') note(ctx, 'incident.not_verified');

  if (state.kind === 'unused' || duplicate) {
    const grounds: string[] = [];
    if (state.kind === 'unused') {
      grounds.push(state.clause);
      // R2.1: paid by mistake is cited beside the ground the facts show; alone it proves nothing.
      if (reason === 'paid_by_mistake') grounds.push('R2.1');
      grounds.push(state.ground);
      // R2.4: a verified technical error that prevented use.
      if (incident === true) grounds.push('R2.4');
    }
    // R2.5: double payment: one of the two payments is refunded (for a credited top-up, the
    // duplicate capture, which was never credited).
    if (duplicate) grounds.push('R2.5');
    return approve(ctx, order, grounds);
  }

  // R1.2 / R6.4: a credited top-up stays refused, whatever the reason or a verified error.
  if (state.kind === 'legal') {
    if (reason === 'double_payment') {
      if (payments === undefined) return missing(['R2.5'], 'order.transactions');
      note(ctx, 'payment.single', { captures: payments });
      return conflict(['R2.5'], 'claims.reason', 'order.transactions');
    }
    return refusal(state.refusal);
  }
  if (state.kind === 'conflict') return conflict([state.clause], ...state.facts);

  // A fully consumed service with a technical error claimed (or verified): the facts conflict.
  if (state.kind === 'used' && state.consumed && (incident === true || (reason === 'technical_error' && incident !== false))) {
    const paths = [...(reason === 'technical_error' ? ['claims.reason'] : []), ...(incident === true ? ['order.incidentVerified'] : []), 'order.status'];
    return conflict([state.clause, 'R2.4', 'R6.1'], ...paths);
  }
  // R2.4 on a service already (partly) used: the error may have spoiled part of it: a person decides.
  if (incident === true) {
    return needsReview([state.clause, 'R2.4', 'R4'], { reasons: ['partial_progress'], ...(state.kind === 'unknown' ? { missing: [state.fact] } : {}) });
  }

  // What the customer claims needs facts that are not known yet.
  const unknown: string[] = [];
  const unknownClauses: string[] = [];
  if (state.kind === 'unknown') unknown.push(state.fact) && unknownClauses.push(state.clause);
  if (reason === 'technical_error' && incident === undefined) unknown.push('order.incidentVerified') && unknownClauses.push('R2.4');
  if (reason === 'double_payment' && payments === undefined) unknown.push('order.transactions') && unknownClauses.push('R2.5');
  if (unknown.length) return missing(unknownClauses, ...unknown);
  if (reason === 'double_payment') {
    note(ctx, 'payment.single', { captures: payments! });
    return conflict(['R2.5'], 'claims.reason', 'order.transactions');
  }
  if (reason === 'wrong_amount') {
    // R4: a charging anomaly is for the team to check.
    return needsReview(['R4'], { reasons: ['unverified_incident'] });
  }
  if (state.kind === 'partial') return needsReview(['R1.4'], { reasons: ['partial_progress'] });
  // (An unknown state was returned as missing above; this only tells the type checker.)
  if (state.kind === 'unknown') return missing([state.clause], state.fact);

  if (order.serviceType === 'ad') {
    if (reason === 'not_broadcast') {
      note(ctx, 'claim.contradicts_order', { claim: 'claims.reason', fact: 'order.adBroadcast' });
      return conflict(['R1.1', 'R2.2'], 'claims.reason', 'order.adBroadcast');
    }
    const alternatives = adAlternatives(order);
    // R6.2: the ad already broadcast; the user declined the R7 change and still wants money back.
    if (claims.insistsOnRefund) return note(ctx, 'ad.alternative_declined') && refusal(['R1.1', 'R6.2', 'R7'], [], alternatives);
    // R7: change or pause the ad so the budget is used without loss.
    return { outcome: 'suggest_alternative', clauses: ['R7', 'R1.1'], alternatives, refund: null, timeline: null };
  }
  return refusal(state.refusal);
}

/**
 * R8: urgent requests go to a person (Support → Payments and billing); Pro accounts are offered a
 * priority agent. Applies to refund decisions in both profiles.
 */
export function priorityAgent(ctx: Ctx, draft: Draft): Draft {
  const pro = ctx.facts.account?.tier === 'pro';
  const urgent = ctx.facts.claims.urgent === true;
  if (!pro && !urgent) return draft;
  const nextSteps: NextStep[] = [...(draft.nextSteps ?? [])];
  const reviewReasons: ReviewReason[] = [...(draft.reviewReasons ?? [])];
  if (pro) nextSteps.push('offer_priority_agent') && note(ctx, 'account.pro');
  if (urgent) {
    note(ctx, 'request.urgent');
    nextSteps.push('contact_support_payments_billing');
    reviewReasons.push('urgent');
  }
  return { ...draft, clauses: [...draft.clauses, 'R8'], nextSteps, reviewReasons, urgent: draft.urgent === true || urgent };
}
