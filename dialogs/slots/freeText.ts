import { fail, ok, Parsed } from './types';

export const MAX_REASON_TEXT = 500;

/** The "other" reason in the user's words: some letters, at most MAX_REASON_TEXT characters. */
export function parseReasonText(text: string | undefined, max = MAX_REASON_TEXT): Parsed<string> {
  const t = (text ?? '').replace(/\s+/g, ' ').trim();
  if (!/\p{L}{2,}/u.test(t)) return fail('empty');
  if (t.length > max) return fail('too_long');
  return ok(t);
}
