/** Section P: a payment not received or not registered (source 001). */
import { dayOf, instantMs, isoDate } from './calendar';
import { conflict, missing, needsReview, note, otherOrderNumber, refusal, sameMoney, type Ctx } from './common';
import type { Draft, NextStep } from './decision';

/**
 * P1: wait 3 days after paying before checking: 72 hours from the payment's date and time. A
 * payment date without a time counts from the start of that day in the time zone.
 */
export const WAIT_MS = 72 * 3_600_000;

export function paymentNotReceived(ctx: Ctx): Draft {
  const { order, claims, proof } = ctx.facts;
  // P4: the report is made on the purchase; it must be known.
  if (!order) return missing(['P4'], 'order');
  const paidAt = claims.paidAt ?? order.paidAt;
  const method = claims.paymentMethod ?? order.paymentMethod;
  const absent: string[] = [];
  if (paidAt === undefined) absent.push('claims.paidAt');
  if (order.paymentRegistered === undefined) absent.push('order.paymentRegistered');
  if (paidAt === undefined || absent.length) return missing(['P1'], ...absent);

  const conflicts: string[] = [];
  if (otherOrderNumber(claims.orderNumber, order.id)) {
    note(ctx, 'order_number.differs', { claimed: claims.orderNumber!, order: order.id });
    conflicts.push('claims.orderNumber', 'order.id');
  }
  if (claims.amount && !sameMoney(claims.amount, order.amountPaid)) {
    note(ctx, 'amount.differs', { claimed: claims.amount, paid: order.amountPaid });
    conflicts.push('claims.amount', 'order.amountPaid');
  }
  if (conflicts.length) return conflict(['P4'], ...conflicts);

  // P1: a confirmation e-mail is sent for every payment; the record says it is registered.
  if (order.paymentRegistered) {
    note(ctx, 'payment.registered', { paidAt });
    return needsReview(['P1'], {
      conflicting: ['topic', 'order.paymentRegistered'],
      nextSteps: ['check_confirmation_email'],
    });
  }

  // P2: a manual bank transfer can take a few days; a reminder near the due date can be ignored.
  const transfer = method === 'bank_transfer' && note(ctx, 'payment.bank_transfer');
  const transferClauses = transfer ? ['P2'] : [];
  const transferSteps: NextStep[] = transfer ? ['ignore_reminder_if_paid'] : [];

  // P1: before 72 hours the answer is "wait until <date and time>", not a report. P5: keep a proof meanwhile.
  const from = new Date(instantMs(paidAt, ctx.timeZone) + WAIT_MS).toISOString();
  if (instantMs(ctx.facts.now, ctx.timeZone) < Date.parse(from)) {
    note(ctx, 'payment.wait_period', { paidAt, until: from });
    return {
      outcome: 'wait',
      clauses: ['P1', ...transferClauses, 'P5'],
      refund: null,
      timeline: { kind: 'wait_until', date: isoDate(dayOf(from, ctx.timeZone)), at: from },
      nextSteps: ['check_confirmation_email', ...transferSteps, 'keep_proof'],
    };
  }

  note(ctx, 'payment.wait_over', { paidAt, since: from });
  // P3.3: paid the shop directly by mistake: ask the shop for a refund; the invoice stays due.
  if (claims.paidMerchantDirectly === true) {
    note(ctx, 'payment.paid_merchant_directly');
    return {
      outcome: 'contact_merchant_first',
      clauses: ['P3.3'],
      refund: null,
      timeline: null,
      nextSteps: ['ask_merchant_refund', 'invoice_still_due'],
    };
  }
  // P3.1: the amount never left the bank account: nothing to report, the invoice is due.
  if (claims.amountDebited === false) return note(ctx, 'payment.not_debited') && refusal(['P3.1'], ['check_bank_debit', 'invoice_still_due']);
  // P3.2: wrong payee or payment details: the payment did not reach us.
  if (claims.payeeDetailsCorrect === false) return note(ctx, 'payment.payee_wrong') && refusal(['P3.2'], ['check_payee_details', 'invoice_still_due']);
  // P3: the three checks must be answered before a report.
  const unchecked: string[] = [];
  if (claims.amountDebited === undefined) unchecked.push('claims.amountDebited');
  if (claims.payeeDetailsCorrect === undefined) unchecked.push('claims.payeeDetailsCorrect');
  if (claims.paidMerchantDirectly === undefined) unchecked.push('claims.paidMerchantDirectly');
  if (unchecked.length) return missing(['P3'], ...unchecked);

  // P5: the report needs a proof of payment (screenshot or payment reference).
  if (!proof.screenshot && !proof.paymentReference) {
    return needsReview(['P5'], { missing: ['proof.paymentReference'], nextSteps: ['provide_proof'] });
  }

  note(ctx, 'proof.present', { kind: proof.paymentReference ? 'payment_reference' : 'screenshot' });
  // P4: report "payment not registered"; the invoice is paused. P6: an e-mail confirms; follow it.
  return {
    outcome: 'report_filed',
    clauses: ['P3.1', 'P3.2', 'P3.3', ...transferClauses, 'P4', 'P5', 'P6'],
    refund: null,
    timeline: null,
    nextSteps: ['invoice_paused', 'await_pause_email', 'follow_report', 'keep_proof'],
  };
}
