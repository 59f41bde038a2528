/**
 * Section B: refunds in the `balance-only` profile (source 003). B ids follow the source's sections.
 * Every credit needs review (B4) and goes to internal balance (B3) unless B14 applies.
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
  proportionalMinor,
  quantities,
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
  if (mandatory) note(ctx, 'remedy.mandatory', { source: ctx.facts.mandatoryRemedy! }) && out.push('B14');
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
    note(ctx, 'quantity.inconsistent', { status: order.status, ordered, delivered });
    return conflict([...clauses, 'B5'], 'order.status', 'order.quantityDelivered');
  }
  const minor = proportionalMinor(order.amountPaid.minor, ordered, delivered);
  if (minor === 0) {
    // B5 / B6: everything was delivered, nothing is refundable.
    note(ctx, 'service.fully_consumed', { status: order.status, ordered, delivered });
    return refusal(['B5', 'B6']);
  }
  note(ctx, 'credit.proportional', {
    paid: order.amountPaid,
    ordered,
    delivered,
    undelivered: ordered - delivered,
    credit: { minor, currency: order.amountPaid.currency },
  });
  return credit(ctx, order, minor, [...clauses, 'B5']);
}

/** Adds B13 to a credit when an external change also affected the order. */
function withExternalChange(ctx: Ctx, order: OrderFacts, draft: Draft): Draft {
  if (!order.externalChange || draft.outcome === 'refusal') return draft;
  return { ...draft, clauses: [...draft.clauses, 'B13'], nextSteps: [...(draft.nextSteps ?? []), 'review_external_change'], reviewReasons: [...(draft.reviewReasons ?? []), 'external_change'] };
}

/** Where a digital order stands: before execution, processing, partly done, done, or unknown. */
type Execution = 'before' | 'queued' | 'processing' | 'partial' | 'cancelled' | 'done';

function execution(ctx: Ctx, order: OrderFacts): Execution {
  // An ad's own broadcast state tells whether it was executed (B2).
  if (order.serviceType === 'ad' && order.adBroadcast !== undefined) {
    if (order.adBroadcast === 'not_started' && order.status !== 'cancelled') return note(ctx, 'ad.not_broadcast') && 'before';
    if (order.adBroadcast !== 'not_started') note(ctx, 'ad.broadcast', { state: order.adBroadcast });
  }
  switch (order.status) {
    case 'pending':
      return 'before';
    case 'queued':
      return 'queued';
    case 'in_progress':
      return 'processing';
    case 'partial':
      return 'partial';
    case 'cancelled':
      return 'cancelled';
    case 'completed':
      return 'done';
  }
}

/**
 * B2, B4.x, B5, B6, B7, B12, B13: digital orders sent to a provider (also ads and premium services).
 * Final refusals first (the user's link or target: B6, B7); then the grounds of
 * B4, each from the order's facts whatever reason was picked; then, with no ground, the claims and
 * the refusals that describe the order's state (B2, B6, B12, B13).
 */
function digitalOrder(ctx: Ctx, order: OrderFacts, reason: RefundReason): Draft {
  // B6 / B7: the user's link, profile or target was wrong, or the user did not follow instructions.
  if (order.targetIssue) {
    note(ctx, 'target.issue', { issue: order.targetIssue });
    return refusal(LINK_ISSUES.has(order.targetIssue) ? ['B6', 'B7'] : ['B6']);
  }
  const { quantityOrdered: ordered, quantityDelivered: delivered } = order;
  if (ordered !== undefined && delivered !== undefined && delivered > ordered) {
    note(ctx, 'quantity.inconsistent', { status: order.status, ordered, delivered });
    return conflict(['B5'], 'order.quantityDelivered', 'order.quantityOrdered');
  }
  const values = { status: order.status, ...quantities(order) };
  const stage = execution(ctx, order);
  const incident = order.incidentVerified;
  if (incident === true) note(ctx, 'incident.verified');
  const verified = incident === true ? ['B4.3'] : [];

  // The grounds of B4 that the order's status shows.
  switch (stage) {
    case 'before':
      // B4.1 cancelled before execution; B4.4 service unavailable before execution.
      note(ctx, 'service.not_started', values);
      if (reason === 'service_unavailable') note(ctx, 'service.unavailable');
      return withExternalChange(ctx, order, credit(ctx, order, order.amountPaid.minor, [reason === 'service_unavailable' ? 'B4.4' : 'B4.1', ...verified]));
    case 'cancelled': {
      // B4.1 cancelled before execution by the customer or the platform; B4.2 the provider marked it cancelled.
      if (order.cancelledBy === undefined) return missing(['B4.1', 'B4.2'], 'order.cancelledBy');
      note(ctx, 'order.cancelled', { by: order.cancelledBy, ...quantities(order) });
      return withExternalChange(ctx, order, creditUndelivered(ctx, order, [order.cancelledBy === 'provider' ? 'B4.2' : 'B4.1', ...verified]));
    }
    case 'partial':
      // B4.2: the provider marked it partial.
      note(ctx, 'service.partly_delivered', values);
      return withExternalChange(ctx, order, creditUndelivered(ctx, order, ['B4.2', ...verified]));
    case 'queued':
      // B2: sent to a provider, it is not returnable like a physical good; B4.4 still applies.
      if (reason === 'service_unavailable') {
        note(ctx, 'service.unavailable');
        return withExternalChange(ctx, order, creditUndelivered(ctx, order, ['B2', 'B4.4', ...verified]));
      }
      break;
    default:
      break;
  }

  // B4.3: a verified platform error on an order that ran.
  if (incident === true) {
    if (order.serviceType === 'ad') {
      // An ad that broadcast was partly used: how much the error spoiled is for a person to say.
      return needsReview(['B4.3', 'B4'], { reasons: ['partial_progress'] });
    }
    if (stage === 'done' && (ordered === undefined || delivered === undefined || delivered >= ordered)) {
      // Fully consumed, yet a verified error: the facts conflict.
      note(ctx, 'service.fully_consumed', values);
      return conflict(['B4.3', 'B6'], 'order.incidentVerified', 'order.status');
    }
    return withExternalChange(ctx, order, creditUndelivered(ctx, order, ['B4.3']));
  }
  // B4.5: a wrong amount charged by a system error: the overcharge is credited.
  const list = order.listPrice;
  if (list && list.currency === order.amountPaid.currency && list.minor < order.amountPaid.minor) {
    const difference = { minor: order.amountPaid.minor - list.minor, currency: list.currency };
    note(ctx, 'amount.overcharged', { paid: order.amountPaid, listPrice: list, difference });
    return withExternalChange(ctx, order, credit(ctx, order, difference.minor, ['B4.5']));
  }

  // No ground from the facts: what the customer claims.
  if (reason === 'wrong_amount') {
    if (!list) return missing(['B4.5'], 'order.listPrice');
    note(ctx, 'claim.contradicts_order', { claim: 'claims.reason', fact: 'order.listPrice' });
    return conflict(['B4.5'], 'claims.reason', 'order.listPrice');
  }
  if (reason === 'technical_error' && incident === undefined) {
    if (stage === 'done') {
      // A fully consumed service claimed as "a technical error prevented use": the facts conflict.
      note(ctx, 'service.fully_consumed', values);
      return conflict(['B4.3', 'B6'], 'claims.reason', 'order.status');
    }
    // B4.3: a platform error must be verifiable; until it is checked, support decides (B4.6).
    return needsReview(['B4.3', 'B4.6'], { missing: ['order.incidentVerified'], reasons: ['unverified_incident'] });
  }
  if (reason === 'technical_error') note(ctx, 'incident.not_verified');
  if (reason === 'provider_cancelled') {
    note(ctx, 'claim.contradicts_order', { claim: 'claims.reason', fact: 'order.status' });
    return conflict(['B4.2'], 'claims.reason', 'order.status');
  }
  if (reason === 'partial_delivery' && stage !== 'processing') {
    note(ctx, 'claim.contradicts_order', { claim: 'claims.reason', fact: 'order.status' });
    return conflict(['B4.2', 'B5'], 'claims.reason', 'order.status');
  }
  if (order.externalChange) {
    // B13: processed correctly on the information available then → no refund; otherwise support
    // reviews cancellation, replacement, waiting, retry or credit (B4.6).
    note(ctx, 'external.change', { status: order.status });
    if (stage === 'done') return refusal(['B13']);
    const steps: NextStep[] = ['review_external_change'];
    const clauses = ['B13', 'B4.6'];
    if (inProcess(order)) {
      clauses.push('B10');
      steps.push('order_continues_during_review');
    }
    return needsReview(clauses, { reasons: ['external_change'], nextSteps: steps });
  }
  // B6: duplicate orders on the same target (one that ran: a cancelled one is credited above).
  if (reason === 'duplicate_order') return note(ctx, 'order.duplicate') && refusal(['B6']);
  // B12 / B6: a subjective, advertising or commercial result was never guaranteed.
  if (reason === 'results_too_low') return note(ctx, 'result.not_guaranteed') && refusal(['B6', 'B12']);
  if (stage === 'queued' || stage === 'processing') {
    // B2 / B6: processing with no verifiable error, depends on provider timing; B10: the order goes on.
    note(ctx, 'service.in_process', values);
    return refusal(['B2', 'B6', 'B10'], ['order_continues_during_review']);
  }
  if (ordered !== undefined && delivered !== undefined && delivered < ordered) {
    note(ctx, 'quantity.inconsistent', values);
    return conflict(['B6'], 'order.status', 'order.quantityDelivered');
  }
  // B6: completed orders are not refundable.
  note(ctx, 'service.fully_consumed', values);
  return refusal(['B6']);
}

/** B8: top-ups are balance; no cash-out; crediting errors and incidents are corrected on the balance. */
function topUp(ctx: Ctx, order: OrderFacts, reason: RefundReason): Draft {
  // B8: a crediting error (paid, never credited) is corrected on the balance.
  if (order.credited === false) return note(ctx, 'topup.not_credited') && credit(ctx, order, order.amountPaid.minor, ['B8']);
  if (order.credited === true && order.incidentVerified === true) {
    // B8: a credited top-up is never cashed out; a verified incident may be corrected on the balance,
    // by how much only a person can say (the top-up itself was credited).
    note(ctx, 'topup.credited', { amount: order.amountPaid });
    note(ctx, 'incident.verified');
    return {
      ...needsReview(['B8', 'B4.3', 'B4'], { reasons: ['profile_requires_review'], nextSteps: ['balance_not_withdrawable'] }),
      refund: null,
    };
  }
  if (order.incidentVerified === true) return note(ctx, 'incident.verified') && credit(ctx, order, order.amountPaid.minor, ['B8', 'B4.3']);
  if (reason === 'technical_error' && order.incidentVerified === undefined) {
    return needsReview(['B8', 'B4.3', 'B4.6'], { missing: ['order.incidentVerified'], reasons: ['unverified_incident'] });
  }
  if (reason === 'technical_error') note(ctx, 'incident.not_verified');
  if (order.credited === undefined) return missing(['B8'], 'order.credited');
  note(ctx, 'topup.credited', { amount: order.amountPaid });
  return refusal(['B8'], ['balance_not_withdrawable']);
}

/** B9: VIP plans and subscriptions: not refundable once started, unless an error or a cancellation before activation. */
function vipPlan(ctx: Ctx, order: OrderFacts, reason: RefundReason): Draft {
  if (order.activatedAt === null) return note(ctx, 'plan.not_activated') && credit(ctx, order, order.amountPaid.minor, ['B9', 'B4.1']);
  if (order.incidentVerified === true) return note(ctx, 'incident.verified') && credit(ctx, order, order.amountPaid.minor, ['B9', 'B4.3']);
  const absent: string[] = [];
  if (order.activatedAt === undefined) absent.push('order.activatedAt');
  if (reason === 'technical_error' && order.incidentVerified === undefined) absent.push('order.incidentVerified');
  if (absent.length) {
    const clauses = absent.includes('order.incidentVerified') ? ['B9', 'B4.3', 'B4.6'] : ['B9'];
    return needsReview(clauses, { missing: absent, ...(absent.includes('order.incidentVerified') ? { reasons: ['unverified_incident'] } : {}) });
  }
  if (reason === 'technical_error') note(ctx, 'incident.not_verified');
  note(ctx, 'plan.activated', { at: order.activatedAt! });
  return refusal(['B9']);
}

/**
 * Section B, balance-only profile. Order: what is missing or contradicts the order (B10, B11),
 * anomalies, double compensation (B11), what is never refundable (B8 promotional); a duplicate
 * payment (B8); then the service's own rules, grounds before refusals.
 */
export function refundBalanceOnly(ctx: Ctx): Draft {
  const { account, order, claims, proof } = ctx.facts;
  // B11: the chargeback and abuse state of the account must be known. B10: a request gives the
  // order number, the link, useful screenshots and a clear explanation. Everything missing is named.
  const absent: string[] = [];
  const clauses: string[] = [];
  if (!account) absent.push('account') && clauses.push('B11');
  if (!order) absent.push('order');
  if (!order || !account) {
    if (!claims.reason) absent.push('claims.reason');
    return missing([...clauses, ...(order ? [] : ['B10'])], ...absent);
  }
  // B6 / B10: the user does not give the information needed to review.
  if (proof.declined) return note(ctx, 'proof.declined') && refusal(['B6', 'B10']);
  if (!claims.reason) absent.push('claims.reason');
  if (order.serviceType === 'digital_service' && !proof.link) absent.push('proof.link');
  if (!claims.reason || absent.length) return missing(['B10'], ...absent);
  const reason = claims.reason;
  note(ctx, 'request.reason', { reason });

  // B11: contradictory claims are checked by a person.
  const conflicts = claimConflicts(ctx, order);
  if (conflicts.length) return conflict(['B11'], ...conflicts);
  if (order.serviceType === 'merchant_purchase') {
    note(ctx, 'service.not_covered', { serviceType: order.serviceType });
    return conflict(['B10'], 'order.serviceType');
  }
  // B10: support reviews the history and the transactions: more than two captures is an anomaly.
  const n = captures(order);
  if (n !== undefined && n > MAX_NORMAL_CAPTURES) {
    note(ctx, 'payment.captures_anomaly', { captures: n, amount: order.amountPaid });
    return needsReview(['B10'], { reasons: ['anomaly'] });
  }

  // B11: an attempt at double compensation: already credited or refunded, or an earlier request
  // on this order was already compensated.
  const refunded = alreadyRefundedMinor(order);
  const refundedMoney = { minor: refunded, currency: order.amountPaid.currency };
  if (refunded > 0 && refunded >= order.amountPaid.minor) {
    note(ctx, 'refund.already_made', { refunded: refundedMoney, paid: order.amountPaid });
    return refusal(['B11']);
  }
  if (refunded > 0) {
    note(ctx, 'refund.partly_made', { refunded: refundedMoney, paid: order.amountPaid });
    return conflict(['B11'], 'order.transactions');
  }
  const history = ctx.facts.requestHistory;
  if (history && history.compensatedRequests > 0) {
    note(ctx, 'request.already_compensated', { compensated: history.compensatedRequests });
    return refusal(['B11']);
  }
  // B10: a repeated request may be closed without credit: it goes on, but a person decides.
  const repeated = history !== undefined && history.earlierRequests > 0;
  const draft = decideService(ctx, order, reason);
  if (!repeated) return draft;
  note(ctx, 'request.repeated', { earlier: history.earlierRequests });
  if (draft.outcome === 'refusal') return { ...draft, clauses: [...draft.clauses, 'B10'] };
  return {
    ...draft,
    outcome: 'needs_review',
    clauses: [...draft.clauses, 'B10'],
    reviewReasons: [...(draft.reviewReasons ?? []), 'repeated_request'],
    nextSteps: [...(draft.nextSteps ?? []), ...(draft.nextSteps?.includes('agent_review') ? [] : ['agent_review' as const])],
  };
}

function decideService(ctx: Ctx, order: OrderFacts, reason: RefundReason): Draft {
  // B8: bonuses, promotional balance, coupons, gifts and free credits are never refundable.
  if (order.promotional) return note(ctx, 'payment.promotional') && refusal(['B8']);
  // B5: never credit more than was paid: nothing paid, nothing to credit.
  if (order.amountPaid.minor === 0) return note(ctx, 'amount.zero') && refusal(['B5']);

  // B8: a duplicate payment is corrected on the balance, whatever reason was picked.
  const payments = succeededPayments(order);
  if (payments === 2) {
    note(ctx, 'payment.duplicate', { captures: 2, amount: order.amountPaid });
    return credit(ctx, order, order.amountPaid.minor, ['B8']);
  }
  if (reason === 'double_payment') {
    if (payments === undefined) return missing(['B8'], 'order.transactions');
    note(ctx, 'payment.single', { captures: payments });
    return conflict(['B8'], 'claims.reason', 'order.transactions');
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
