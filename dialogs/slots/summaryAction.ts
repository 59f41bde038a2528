import { z } from 'zod';
import { foldTitle } from '../../src/i18n/fold';
import { CONFIDENT, type Scored, type SummaryReading, type Understanding } from '../../src/nlu/types';
import { CORRECTABLE_FIELDS, CorrectableField, fail, ok, Parsed, UserInput } from './types';

export type SummaryAction = { action: 'confirm' } | { action: 'correct'; field: CorrectableField };
/** The same for any topic's fields (dialogs/request). */
export type FieldAction = { action: 'confirm' } | { action: 'correct'; field: string };

/**
 * What the summary card's buttons send (Action.Submit `data`), checked at the boundary. `card` is
 * the token of the card that was shown (dialogs/cards/token.ts): an older summary's buttons are out of date.
 */
export const summarySubmitSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('refund.confirm'), card: z.string().max(64).optional() }),
  z.object({ action: z.literal('refund.correct'), field: z.enum(CORRECTABLE_FIELDS), card: z.string().max(64).optional() }),
]);

/** Any topic's summary buttons (the same actions; the field is one of the topic's). */
const fieldSubmitSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('refund.confirm'), card: z.string().max(64).optional() }),
  z.object({ action: z.literal('refund.correct'), field: z.string().max(40), card: z.string().max(64).optional() }),
]);

/** The summary's button titles, in every language: a title typed or pressed as text is that button. */
export interface SummaryTitles {
  confirm: readonly string[];
  fields: Readonly<Partial<Record<CorrectableField, readonly string[]>>>;
}

/** The answer to the summary: a button, or words the recogniser reads (summaryFromReading). */
export type SummaryAnswer = { kind: 'action'; action: SummaryAction } | { kind: 'text'; text: string };

const button = (action: SummaryAction): Parsed<SummaryAnswer> => ok({ kind: 'action', action });

/** A card button, a button title typed as text, or text for the recogniser. Pure. */
export function parseSummaryAction(input: UserInput, titles: SummaryTitles): Parsed<SummaryAnswer> {
  const submitted = summarySubmitSchema.safeParse(input.value);
  if (submitted.success) {
    return button(submitted.data.action === 'refund.confirm' ? { action: 'confirm' } : { action: 'correct', field: submitted.data.field });
  }
  const text = (input.text ?? '').trim();
  if (text === '') return fail('unclear');
  const n = foldTitle(text);
  if (titles.confirm.some((t) => foldTitle(t) === n)) return button({ action: 'confirm' });
  const field = CORRECTABLE_FIELDS.find((f) => (titles.fields[f] ?? []).some((t) => foldTitle(t) === n));
  if (field) return button({ action: 'correct', field });
  return ok({ kind: 'text', text });
}

/**
 * What the recogniser read in a typed answer to the summary, as an action. A field named wins
 * (any topic's field: the caller checks that its summary shows it)
 * ("yes but the amount is wrong"); a confirmation needs the summary model sure of it and no other
 * intent meant, or a plain yes; a plain no asks which field to change. Pure.
 */
export function summaryFromReading(reading: Scored<SummaryReading>, u: Pick<Understanding, 'intent' | 'score'>): Parsed<FieldAction> {
  const sure = reading.score >= CONFIDENT;
  if (sure && reading.name !== 'confirm' && reading.name !== 'none') return ok({ action: 'correct', field: reading.name });
  const saysYes = u.intent === 'yes' && u.score >= CONFIDENT;
  const meansOther = u.intent !== 'yes' && u.intent !== 'none' && u.score >= CONFIDENT;
  if (saysYes || (sure && reading.name === 'confirm' && !meansOther)) return ok({ action: 'confirm' });
  if (u.intent === 'no' && u.score >= CONFIDENT) return fail('which');
  return fail('unclear');
}

/** The answer to a topic's summary: a button (or its title typed), or words for the recogniser. */
export type FieldAnswer = { kind: 'action'; action: FieldAction } | { kind: 'text'; text: string };

/** A topic's summary (dialogs/request): a card button, a button title typed as text, or text for the recogniser. Pure. */
export function parseFieldAnswer(input: UserInput, confirm: readonly string[], titles: Readonly<Record<string, readonly string[]>>): Parsed<FieldAnswer> {
  const submitted = fieldSubmitSchema.safeParse(input.value);
  if (submitted.success) {
    if (submitted.data.action === 'refund.confirm') return ok({ kind: 'action', action: { action: 'confirm' } });
    return submitted.data.field in titles ? ok({ kind: 'action', action: { action: 'correct', field: submitted.data.field } }) : fail('unclear');
  }
  const text = (input.text ?? '').trim();
  if (text === '') return fail('unclear');
  const n = foldTitle(text);
  if (confirm.some((t) => foldTitle(t) === n)) return ok({ kind: 'action', action: { action: 'confirm' } });
  const field = Object.keys(titles).find((f) => (titles[f] ?? []).some((t) => foldTitle(t) === n));
  if (field) return ok({ kind: 'action', action: { action: 'correct', field } });
  return ok({ kind: 'text', text });
}
