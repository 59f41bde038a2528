import { z } from 'zod';
import { REFUND_REASONS, type Money, type RefundReason } from '../../src/eligibility';
import type { Language } from '../../src/i18n';
import { parseAmount } from './amount';
import { parseOrderNumber } from './orderNumber';
import { parsePaymentReference } from './proof';
import type { RefundSlots, SlotField } from './types';

/** The form card's submit (Action.Submit data merged with the inputs), checked at the boundary. */
export const refundFormSchema = z.object({
  action: z.literal('refund.form'),
  orderNumber: z.string().max(200).optional(),
  amount: z.string().max(200).optional(),
  reason: z.string().max(100).optional(),
  proofReference: z.string().max(200).optional(),
  /** The form card's token (dialogs/cards/token.ts). */
  card: z.string().max(64).optional(),
});

export function isRefundFormSubmit(value: unknown): boolean {
  return refundFormSchema.safeParse(value).success;
}

export interface FormResult {
  /** The fields that passed the same validation as the questions. */
  slots: Pick<RefundSlots, 'amount' | 'reason' | 'proof'> & { orderNumber?: string };
  /** Fields filled in but wrong, with the error code of the question's re-prompt. */
  errors: { field: SlotField; error: string }[];
}

/**
 * Reads a form submission through the same parsers as the one-question-at-a-time path. An empty
 * field is simply missing (the dialog asks for it); a wrong one is reported.
 */
export function parseRefundForm(value: unknown, lang: Language, defaultCurrency = 'EUR'): FormResult | undefined {
  const parsed = refundFormSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const f = parsed.data;
  const out: FormResult = { slots: {}, errors: [] };
  const filled = (s: string | undefined): s is string => typeof s === 'string' && s.trim() !== '';

  if (filled(f.orderNumber)) {
    const r = parseOrderNumber(f.orderNumber);
    if (r.ok) out.slots.orderNumber = r.value;
    else out.errors.push({ field: 'order', error: r.error });
  }
  if (filled(f.amount)) {
    const r = parseAmount(f.amount, lang, defaultCurrency);
    if (r.ok) out.slots.amount = r.value as Money;
    else out.errors.push({ field: 'amount', error: r.error });
  }
  if (filled(f.reason)) {
    if ((REFUND_REASONS as readonly string[]).includes(f.reason)) out.slots.reason = f.reason as RefundReason;
    else out.errors.push({ field: 'reason', error: 'choice' });
  }
  if (filled(f.proofReference)) {
    const r = parsePaymentReference(f.proofReference);
    if (r.ok) out.slots.proof = { kind: 'reference', reference: r.value };
    else out.errors.push({ field: 'proof', error: r.error });
  }
  return out;
}
