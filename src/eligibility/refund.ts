/**
 * Section R: refund and cancellation, standard profile (source 000).
 * Each clause id below is the rule that applies it; `grep -rn "R1.1" src/` lands here.
 */
import {
  alreadyRefundedMinor,
  otherOrderNumber,
  claimedAmountMatches,
  conflict,
  dayIn,
  missing,
  needsReview,
  refusal,
  succeededPayments,
  type Ctx,
} from './common';
import { addBusinessDays, isoDate } from './calendar';
import type { Alternative, Draft, NextStep, ReviewReason } from './decision';
import type { OrderFacts, RefundReason } from './schema';

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
      earliest: isoDate(addBusinessDays(ctx.today, REFUND_MIN_BUSINESS_DAYS)),
      latest: isoDate(addBusinessDays(ctx.today, REFUND_MAX_BUSINESS_DAYS)),
    },
    nextSteps: ['await_confirmation'],
  };
}

/** R2.1 when the user paid by mistake, otherwise the factual ground `fallback` (R2.2 or R2.3). */
function ground(reason: RefundReason, fallback: 'R2.2' | 'R2.3'): string {
  return reason === 'paid_by_mistake' ? 'R2.1' : fallback;
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

export function refundStandard(ctx: Ctx): Draft {
  const { account, order, claims } = ctx.facts;
  // R4: the team checks account activity, so the account must be known.
  if (!account) return missing(['R4'], 'account');
  // R3: the request needs the order number, the amount paid and the reason (screenshot optional).
  if (!order) return missing(['R3'], 'order');
  const absent: string[] = [];
  if (!claims.reason) absent.push('claims.reason');
  if (!claims.amount) absent.push('claims.amount');
  if (!claims.reason || !claims.amount) return missing(['R3'], ...absent);
  const reason = claims.reason;

  // R3 / R4: what the user says must match the order; a difference is checked by a person.
  const conflicts: string[] = [];
  if (otherOrderNumber(claims.orderNumber, order.id)) conflicts.push('claims.orderNumber', 'order.id');
  if (!claimedAmountMatches(order, claims.amount, reason === 'double_payment')) conflicts.push('claims.amount', 'order.amountPaid');
  if (order.paidAt !== undefined && dayIn(ctx, order.paidAt) > ctx.today) conflicts.push('order.paidAt', 'now');
  if (conflicts.length) return conflict(['R3', 'R4'], ...conflicts);

  // R6.3: outside the conditions: not a service this policy covers, nothing paid, or already refunded.
  if (!R_SERVICE_TYPES.has(order.serviceType)) return conflict(['R6.3'], 'order.serviceType');
  if (order.amountPaid.minor === 0) return refusal(['R6.3']);
  const refunded = alreadyRefundedMinor(order);
  if (refunded >= order.amountPaid.minor) return refusal(['R6.3']);
  // R4: a partial refund already made: the team checks the related transactions.
  if (refunded > 0) return conflict(['R4'], 'order.transactions');

  if (reason === 'double_payment') {
    // R2.5: double payment: one of the two payments is refunded.
    const n = succeededPayments(order);
    if (n === undefined) return missing(['R2.5'], 'order.transactions');
    if (n < 2) return conflict(['R2.5'], 'claims.reason', 'order.transactions');
    return approve(ctx, order, ['R2.5']);
  }
  if (reason === 'technical_error') {
    // R2.4: a technical error prevented use; it must be verified on the order.
    if (order.incidentVerified === undefined) return missing(['R2.4'], 'order.incidentVerified');
    if (!order.incidentVerified) return conflict(['R2.4', 'R4'], 'claims.reason', 'order.incidentVerified');
    return approve(ctx, order, ['R2.4']);
  }
  if (reason === 'wrong_amount') {
    // R4: a charging anomaly is for the team to check.
    return needsReview(['R4'], { reasons: ['unverified_incident'] });
  }

  switch (order.serviceType) {
    case 'ad': {
      // R1.1: an ad is refundable only before it starts broadcasting.
      const state = order.adBroadcast;
      if (state === undefined) return missing(['R1.1'], 'order.adBroadcast');
      if (state === 'not_started') return approve(ctx, order, ['R1.1', ground(reason, 'R2.2')]);
      if (reason === 'not_broadcast') return conflict(['R1.1', 'R2.2'], 'claims.reason', 'order.adBroadcast');
      const alternatives = adAlternatives(order);
      // R6.2: the ad already broadcast; the user declined the R7 change and still wants money back.
      if (claims.insistsOnRefund) return refusal(['R1.1', 'R6.2', 'R7'], [], alternatives);
      // R7: change or pause the ad so the budget is used without loss.
      return { outcome: 'suggest_alternative', clauses: ['R7', 'R1.1'], alternatives, refund: null, timeline: null };
    }
    case 'top_up': {
      // R1.2 / R6.4: a top-up credited to the balance is not refundable.
      if (order.credited === undefined) return missing(['R1.2'], 'order.credited');
      if (order.credited) return refusal(['R1.2', 'R6.4']);
      return approve(ctx, order, ['R1.2', ground(reason, 'R2.3')]);
    }
    case 'pro_account': {
      // R1.3: refundable only before activation; R6.1: once activated the service is used.
      if (order.activatedAt === undefined) return missing(['R1.3'], 'order.activatedAt');
      if (order.activatedAt !== null && dayIn(ctx, order.activatedAt) <= ctx.today) return refusal(['R1.3', 'R6.1']);
      return approve(ctx, order, ['R1.3', ground(reason, 'R2.3')]);
    }
    default: {
      // R1.4: premium package or service: not started → refundable, partly delivered → review,
      // fully consumed → refused (R6.1).
      const p = progress(order);
      if (p === 'conflict') return conflict(['R1.4'], 'order.status', 'order.quantityDelivered');
      if (p === 'not_started') return approve(ctx, order, ['R1.4', ground(reason, 'R2.3')]);
      if (p === 'partial') return needsReview(['R1.4'], { reasons: ['partial_progress'] });
      return refusal(['R1.4', 'R6.1']);
    }
  }
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
  if (pro) nextSteps.push('offer_priority_agent');
  if (urgent) {
    nextSteps.push('contact_support_payments_billing');
    reviewReasons.push('urgent');
  }
  return { ...draft, clauses: [...draft.clauses, 'R8'], nextSteps, reviewReasons, urgent: draft.urgent === true || urgent };
}
