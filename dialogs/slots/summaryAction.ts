import { z } from 'zod';
import { CORRECTABLE_FIELDS, CorrectableField, fail, ok, Parsed, UserInput } from './types';

export type SummaryAction = { action: 'confirm' } | { action: 'correct'; field: CorrectableField };
/** The same for any topic's fields (dialogs/request). */
export type FieldAction = { action: 'confirm' } | { action: 'correct'; field: string };

/** What the summary card's buttons send (Action.Submit `data`), checked at the boundary. */
export const summarySubmitSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('refund.confirm') }),
  z.object({ action: z.literal('refund.correct'), field: z.enum(CORRECTABLE_FIELDS) }),
]);

/** Any topic's summary buttons (the same actions; the field is one of the topic's). */
const fieldSubmitSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('refund.confirm') }),
  z.object({ action: z.literal('refund.correct'), field: z.string().max(40) }),
]);

export interface SummaryWords {
  confirm: readonly string[];
  fields: Readonly<Partial<Record<CorrectableField, readonly string[]>>>;
}

const fold = (s: string) =>
  ` ${s.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[’']/g, "'").replace(/[^\p{L}\p{N}' ]+/gu, ' ').replace(/\s+/g, ' ').trim()} `;
const has = (text: string, word: string) => word.trim() !== '' && text.includes(fold(word));

/**
 * The answer to the summary: a card button, or text naming a field to change ("change the amount",
 * "le montant") or confirming ("oui", "confirm"). A field named wins over a confirming word.
 */
export function parseSummaryAction(input: UserInput, words: SummaryWords): Parsed<SummaryAction> {
  const submitted = summarySubmitSchema.safeParse(input.value);
  if (submitted.success) {
    return ok(submitted.data.action === 'refund.confirm' ? { action: 'confirm' } : { action: 'correct', field: submitted.data.field });
  }
  const text = fold(input.text ?? '');
  if (text.trim() === '') return fail('unclear');
  const fields = CORRECTABLE_FIELDS.filter((f) => (words.fields[f] ?? []).some((w) => has(text, w)));
  if (fields.length === 1) return ok({ action: 'correct', field: fields[0] });
  if (fields.length === 0 && words.confirm.some((w) => has(text, w))) return ok({ action: 'confirm' });
  return fail('unclear');
}

/** The answer to a topic's summary (dialogs/request): a button, or text naming one of `fields` or confirming. */
export function parseFieldAction(input: UserInput, confirm: readonly string[], fields: Readonly<Record<string, readonly string[]>>): Parsed<FieldAction> {
  const submitted = fieldSubmitSchema.safeParse(input.value);
  if (submitted.success) {
    if (submitted.data.action === 'refund.confirm') return ok({ action: 'confirm' });
    return submitted.data.field in fields ? ok({ action: 'correct', field: submitted.data.field }) : fail('unclear');
  }
  const text = fold(input.text ?? '');
  if (text.trim() === '') return fail('unclear');
  const named = Object.keys(fields).filter((f) => (fields[f] ?? []).some((w) => has(text, w)));
  if (named.length === 1) return ok({ action: 'correct', field: named[0] });
  if (named.length === 0 && confirm.some((w) => has(text, w))) return ok({ action: 'confirm' });
  return fail('unclear');
}
