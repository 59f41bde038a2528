/** Section D: a dispute between a buyer and a merchant (source 002). */
import { isoDate } from './calendar';
import { conflict, dayIn, missing, needsReview, note, otherOrderNumber, refusal, sameMoney, type Ctx } from './common';
import type { Draft } from './decision';
import type { ComplaintType, MerchantContactState } from './schema';

/** D6.3: a case closes automatically when no new request was filed within 180 days of the transaction. */
const AUTO_CLOSE_DAYS = 180;

/** D2.1–D2.3: why the platform steps in after the buyer contacted the merchant. */
const STEP_IN: Record<Exclude<MerchantContactState, 'not_contacted'>, string> = {
  no_reply: 'D2.1',
  invalid_address: 'D2.2',
  unsatisfactory_offer: 'D2.3',
};

export function dispute(ctx: Ctx): Draft {
  const { order, claims } = ctx.facts;
  // D3: a complaint is filed on a transaction: it must be known.
  if (!order) return missing(['D3'], 'order');

  const conflicts: string[] = [];
  if (otherOrderNumber(claims.orderNumber, order.id)) {
    note(ctx, 'order_number.differs', { claimed: claims.orderNumber!, order: order.id });
    conflicts.push('claims.orderNumber', 'order.id');
  }
  if (claims.amount && !sameMoney(claims.amount, order.amountPaid)) {
    note(ctx, 'amount.differs', { claimed: claims.amount, paid: order.amountPaid });
    conflicts.push('claims.amount', 'order.amountPaid');
  }
  if (conflicts.length) return conflict(['D3'], ...conflicts);

  // (A transaction date in the future never gets here: the engine sends it to review first.)
  const txAt = order.transactionAt ?? order.paidAt;
  if (txAt === undefined) return missing(['D6.3'], 'order.transactionAt');
  const txDay = dayIn(ctx, txAt);

  const existing = order.dispute;
  if (existing?.status === 'open') {
    note(ctx, 'dispute.open');
    return { outcome: 'report_filed', clauses: ['D3'], refund: null, timeline: null, nextSteps: ['follow_dispute'] };
  }
  if (existing?.status === 'closed') {
    if (existing.closedBy) note(ctx, 'dispute.closed', { by: existing.closedBy });
    // D6.1 closed by the buyer, D6.2 by the platform once the parties agreed: reopening is a person's call.
    if (existing.closedBy === 'buyer') return needsReview(['D6.1'], { reasons: ['dispute_reopen'] });
    if (existing.closedBy === 'platform') return needsReview(['D6.2'], { reasons: ['dispute_reopen'] });
    if (existing.closedBy === 'automatic') return refusal(['D6.3'], ['dispute_closed']);
    return missing(['D6.1', 'D6.2', 'D6.3'], 'order.dispute.closedBy');
  }
  // D6.3: more than 180 days after the transaction date, the case is closed.
  const days = ctx.today - txDay;
  if (days > AUTO_CLOSE_DAYS) {
    note(ctx, 'dispute.expired', { transactionAt: txAt, days, limit: AUTO_CLOSE_DAYS });
    return refusal(['D6.3'], ['dispute_closed']);
  }

  // D1: covered problems: never arrived, damaged, not the product ordered, payment problems.
  const problem = claims.problem;
  if (problem === undefined) return missing(['D1'], 'claims.problem');
  if (problem === 'other') return note(ctx, 'dispute.not_covered', { problem }) && refusal(['D1']);
  note(ctx, 'dispute.problem', { problem });
  // D3: the complaint is about payment or delivery, and must agree with the problem.
  const type: ComplaintType = problem === 'payment_problem' ? 'payment' : 'delivery';
  if (claims.complaintType !== undefined && claims.complaintType !== type) {
    note(ctx, 'dispute.complaint_mismatch', { complaintType: claims.complaintType, problem });
    return conflict(['D3'], 'claims.complaintType', 'claims.problem');
  }

  // D2: first the buyer contacts the merchant.
  const contact = claims.merchantContact;
  if (contact === undefined) return missing(['D2'], 'claims.merchantContact');
  if (contact === 'not_contacted') {
    note(ctx, 'merchant.not_contacted');
    return { outcome: 'contact_merchant_first', clauses: ['D2'], refund: null, timeline: null, nextSteps: ['contact_merchant'] };
  }
  const stepIn = STEP_IN[contact];
  note(ctx, 'merchant.contacted', { state: contact, ...(claims.merchantContactedAt ? { at: claims.merchantContactedAt } : {}) });

  if (type === 'payment') {
    // D4: the platform handles a payment complaint itself, the same day where possible.
    return {
      outcome: 'report_filed',
      clauses: ['D1', stepIn, 'D3', 'D4'],
      refund: null,
      timeline: { kind: 'same_day', date: isoDate(ctx.today) },
      nextSteps: ['platform_handles_payment', 'follow_dispute'],
      urgent: true,
    };
  }
  // D5: a delivery complaint goes to the merchant, the platform informed; it steps in if no answer.
  return {
    outcome: 'report_filed',
    clauses: ['D1', stepIn, 'D3', 'D5'],
    refund: null,
    timeline: null,
    nextSteps: ['sent_to_merchant', 'follow_dispute'],
  };
}
