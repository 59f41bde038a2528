/**
 * Section B: refunds in the `balance-only` profile (source 003). B ids follow the source's sections.
 * Every credit needs review (B4) and goes to internal balance (B3) unless B14 applies.
 */
import {
  alreadyRefundedMinor,
  otherOrderNumber,
  claimedAmountMatches,
  conflict,
  dayIn,
  missing,
  needsReview,
  proportionalMinor,
  refusal,
  succeededPayments,
  type Ctx,
} from './common';
import type { Draft, NextStep } from './decision';
import { adAlternatives } from './refund';
import type { OrderFacts, RefundReason, TargetIssue } from './schema';

/** B7: problems with links, profiles and user-submitted data. The others are B6 only. */
const LINK_ISSUES: ReadonlySet<TargetIssue> = new Set<TargetIssue>([
  'wrong_link',
  'private_profile',
  'deleted_content',
  'restricted_target',
  'changed_during_delivery',
]);

function inProcess(order: OrderFacts): boolean {
  return order.status === 'queued' || order.status === 'in_progress';
}

/**
 * A proposed credit: never automatic (B4), as internal balance (B3), or, when a mandatory rule,
 * authority, court or payment provider requires it, to the original method to the minimum extent
 * (B14). Never more than was paid (B5).
 */
function credit(ctx: Ctx, order: OrderFacts, minor: number, clauses: string[]): Draft {
  const paid = order.amountPaid;
  const amount = { minor: Math.min(Math.max(Math.floor(minor), 0), paid.minor), currency: paid.currency };
  const mandatory = ctx.facts.mandatoryRemedy !== undefined;
  const nextSteps: NextStep[] = ['agent_review'];
  const out = [...clauses];
  if (mandatory) out.push('B14');
  else {
    out.push('B3');
    nextSteps.push('balance_not_withdrawable');
  }
  out.push('B4');
  if (inProcess(order)) {
    // B10: a review does not stop an order already in process.
    out.push('B10');
    nextSteps.push('order_continues_during_review');
  }
  return {
    outcome: 'needs_review',
    clauses: out,
    refund: {
      destination: mandatory ? (order.paymentMethod === 'card' ? 'same_card' : 'original_method') : 'balance',
      amount,
    },
    timeline: null,
    nextSteps,
    reviewReasons: mandatory ? ['profile_requires_review', 'mandatory_remedy'] : ['profile_requires_review'],
  };
}

/**
 * Credit for what was not delivered. Not started or cancelled with nothing delivered: the amount
 * paid. Otherwise B5: paid × undelivered ÷ ordered; the delivered part is not refundable.
 */
function creditUndelivered(ctx: Ctx, order: OrderFacts, clauses: string[]): Draft {
  const { quantityOrdered: ordered, quantityDelivered: delivered } = order;
  const nothingStarted = order.status === 'pending' || order.status === 'queued' || order.status === 'cancelled';
  if (nothingStarted && (delivered === undefined || delivered === 0)) {
    return credit(ctx, order, order.amountPaid.minor, clauses);
  }
  const absent: string[] = [];
  if (ordered === undefined) absent.push('order.quantityOrdered');
  if (delivered === undefined) absent.push('order.quantityDelivered');
  if (ordered === undefined || delivered === undefined) return missing([...clauses, 'B5'], ...absent);
  if (order.status === 'partial' && delivered >= ordered) {
    return conflict([...clauses, 'B5'], 'order.status', 'order.quantityDelivered');
  }
  const minor = proportionalMinor(order.amountPaid.minor, ordered, delivered);
  // B5 / B6: everything was delivered, nothing is refundable.
  if (minor === 0) return refusal(['B5', 'B6']);
  return credit(ctx, order, minor, [...clauses, 'B5']);
}

/** B4.3: a platform error must be verifiable; unverified → support decides (B4.6); none → B6. */
function platformError(ctx: Ctx, order: OrderFacts, clauses: string[], onNoError: string[]): Draft {
  if (order.incidentVerified === undefined) {
    return needsReview([...clauses, 'B4.3', 'B4.6'], { missing: ['order.incidentVerified'], reasons: ['unverified_incident'] });
  }
  if (!order.incidentVerified) return refusal(onNoError);
  return creditUndelivered(ctx, order, [...clauses, 'B4.3']);
}

/** B2, B4.x, B5, B6, B7, B12, B13: digital orders sent to a provider (also ads and premium services). */
function digitalOrder(ctx: Ctx, order: OrderFacts, reason: RefundReason): Draft {
  // B6 / B7: the user's link, profile or target was wrong, or the user did not follow instructions.
  if (order.targetIssue) return refusal(LINK_ISSUES.has(order.targetIssue) ? ['B6', 'B7'] : ['B6']);
  // B6: duplicate orders on the same target.
  if (reason === 'duplicate_order') return refusal(['B6']);
  // B12 / B6: a subjective, advertising or commercial result was never guaranteed.
  if (reason === 'results_too_low') return refusal(['B6', 'B12']);
  const { quantityOrdered: ordered, quantityDelivered: delivered } = order;
  if (ordered !== undefined && delivered !== undefined && delivered > ordered) {
    return conflict(['B5'], 'order.quantityDelivered', 'order.quantityOrdered');
  }
  if (order.externalChange) {
    // B13: processed correctly on the information available then → no refund; otherwise support
    // reviews cancellation, replacement, waiting, retry or credit (B4.6).
    if (order.status === 'completed') return refusal(['B13']);
    const steps: NextStep[] = ['review_external_change'];
    const clauses = ['B13', 'B4.6'];
    if (inProcess(order)) {
      clauses.push('B10');
      steps.push('order_continues_during_review');
    }
    return needsReview(clauses, { reasons: ['external_change'], nextSteps: steps });
  }
  if (reason === 'wrong_amount') {
    // B4.5: a wrong amount charged by a system error: the overcharge is credited.
    const list = order.listPrice;
    if (!list) return missing(['B4.5'], 'order.listPrice');
    if (list.currency !== order.amountPaid.currency || list.minor >= order.amountPaid.minor) {
      return conflict(['B4.5'], 'claims.reason', 'order.listPrice');
    }
    return credit(ctx, order, order.amountPaid.minor - list.minor, ['B4.5']);
  }
  // B6: processing with no verifiable error is not refundable.
  if (reason === 'technical_error') return platformError(ctx, order, [], ['B6']);
  if (reason === 'provider_cancelled' && order.status !== 'cancelled') {
    return conflict(['B4.2'], 'claims.reason', 'order.status');
  }
  if (reason === 'partial_delivery' && order.status !== 'partial' && order.status !== 'in_progress') {
    return conflict(['B4.2', 'B5'], 'claims.reason', 'order.status');
  }
  switch (order.status) {
    case 'pending':
      // B4.1 cancelled before execution; B4.4 service unavailable before execution.
      return credit(ctx, order, order.amountPaid.minor, [reason === 'service_unavailable' ? 'B4.4' : 'B4.1']);
    case 'queued':
      // B2: sent to a provider, it is not returnable like a physical good; only B4.4 applies.
      if (reason === 'service_unavailable') return creditUndelivered(ctx, order, ['B2', 'B4.4']);
      // B6: depends on provider timing; B10: the order goes on.
      return refusal(['B2', 'B6', 'B10'], ['order_continues_during_review']);
    case 'in_progress':
      return refusal(['B2', 'B6', 'B10'], ['order_continues_during_review']);
    case 'cancelled':
    case 'partial':
      // B4.2: the provider marked it cancelled or partial.
      return creditUndelivered(ctx, order, ['B4.2']);
    case 'completed':
      if (ordered !== undefined && delivered !== undefined && delivered < ordered) {
        return conflict(['B6'], 'order.status', 'order.quantityDelivered');
      }
      // B6: completed orders are not refundable.
      return refusal(['B6']);
  }
}

/** B8: top-ups are balance; no cash-out; crediting errors and incidents are corrected on the balance. */
function topUp(ctx: Ctx, order: OrderFacts, reason: RefundReason): Draft {
  if (reason === 'technical_error') return platformError(ctx, order, ['B8'], ['B8']);
  if (order.credited === undefined) return missing(['B8'], 'order.credited');
  if (!order.credited) return credit(ctx, order, order.amountPaid.minor, ['B8']);
  return refusal(['B8'], ['balance_not_withdrawable']);
}

/** B9: VIP plans and subscriptions: not refundable once started, unless an error or a cancellation before activation. */
function vipPlan(ctx: Ctx, order: OrderFacts, reason: RefundReason): Draft {
  if (reason === 'technical_error') {
    if (order.incidentVerified === undefined) {
      return needsReview(['B9', 'B4.3', 'B4.6'], { missing: ['order.incidentVerified'], reasons: ['unverified_incident'] });
    }
    if (!order.incidentVerified) return refusal(['B9']);
    return credit(ctx, order, order.amountPaid.minor, ['B9', 'B4.3']);
  }
  if (order.activatedAt === undefined) return missing(['B9'], 'order.activatedAt');
  if (order.activatedAt !== null && dayIn(ctx, order.activatedAt) <= ctx.today) return refusal(['B9']);
  return credit(ctx, order, order.amountPaid.minor, ['B9', 'B4.1']);
}

export function refundBalanceOnly(ctx: Ctx): Draft {
  const { account, order, claims, proof } = ctx.facts;
  // B11: the chargeback and abuse state of the account must be known.
  if (!account) return missing(['B11'], 'account');
  // B10: a request gives the order number, the link, useful screenshots and a clear explanation.
  if (!order) return missing(['B10'], 'order');
  // B6 / B10: the user does not give the information needed to review.
  if (proof.declined) return refusal(['B6', 'B10']);
  const absent: string[] = [];
  if (!claims.reason) absent.push('claims.reason');
  const needsLink = order.serviceType === 'digital_service';
  if (needsLink && !proof.link) absent.push('proof.link');
  if (!claims.reason || absent.length) return missing(['B10'], ...absent);
  const reason = claims.reason;

  // B11: contradictory claims are checked by a person.
  const conflicts: string[] = [];
  if (otherOrderNumber(claims.orderNumber, order.id)) conflicts.push('claims.orderNumber', 'order.id');
  if (claims.amount && !claimedAmountMatches(order, claims.amount, reason === 'double_payment')) {
    conflicts.push('claims.amount', 'order.amountPaid');
  }
  if (order.paidAt !== undefined && dayIn(ctx, order.paidAt) > ctx.today) conflicts.push('order.paidAt', 'now');
  if (conflicts.length) return conflict(['B11'], ...conflicts);
  if (order.serviceType === 'merchant_purchase') return conflict(['B10'], 'order.serviceType');

  // B11: an attempt at double compensation.
  const refunded = alreadyRefundedMinor(order);
  if (refunded > 0 && refunded >= order.amountPaid.minor) return refusal(['B11']);
  if (refunded > 0) return conflict(['B11'], 'order.transactions');
  // B8: bonuses, promotional balance, coupons, gifts and free credits are never refundable.
  if (order.promotional) return refusal(['B8']);
  // B5: never credit more than was paid: nothing paid, nothing to credit.
  if (order.amountPaid.minor === 0) return refusal(['B5']);

  if (reason === 'double_payment') {
    // B8: a duplicate payment is corrected on the balance.
    const n = succeededPayments(order);
    if (n === undefined) return missing(['B8'], 'order.transactions');
    if (n < 2) return conflict(['B8'], 'claims.reason', 'order.transactions');
    return credit(ctx, order, order.amountPaid.minor, ['B8']);
  }

  switch (order.serviceType) {
    case 'top_up':
      return topUp(ctx, order, reason);
    case 'vip_plan':
    case 'pro_account':
      return vipPlan(ctx, order, reason);
    default: {
      const draft = digitalOrder(ctx, order, reason);
      // R7 still applies to an ad that ran: offer to change or pause it.
      if (order.serviceType === 'ad' && order.adBroadcast !== undefined && order.adBroadcast !== 'not_started' && draft.outcome === 'refusal') {
        return { ...draft, clauses: [...draft.clauses, 'R7'], alternatives: adAlternatives(order) };
      }
      return draft;
    }
  }
}
