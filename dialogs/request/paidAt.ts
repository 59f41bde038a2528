import type { Language } from '../../src/i18n';
import { parsePaymentDate } from '../slots/paidAt';
import { fail, ok, type Parsed, type UserInput } from '../slots/types';

/**
 * "When did you pay?": a date (and time when said) before now, read by the date slot
 * (dialogs/slots/paidAt.ts). Params: `now` (ISO, the flow's clock) and `timeZone`.
 */
export function parsePaidAtAnswer(input: UserInput, lang: Language, params: Record<string, unknown>): Parsed<{ at: string; hasTime: boolean }> {
  const now = typeof params.now === 'string' ? new Date(params.now) : new Date();
  const timeZone = typeof params.timeZone === 'string' ? params.timeZone : 'Europe/Paris';
  const r = parsePaymentDate(input.text ?? '', lang, now, timeZone);
  if (!r.ok) return fail(r.reason === 'none' ? 'format' : r.reason);
  if (Date.parse(r.value) > now.getTime() + 60_000) return fail('future');
  return ok({ at: r.value, hasTime: r.hasTime });
}
