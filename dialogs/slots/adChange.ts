import { Culture, recognizeNumber } from '@microsoft/recognizers-text-suite';
import type { Language } from '../../src/i18n';
import { fail, ok, Parsed } from './types';

/** "Paris, Lyon et Marseille" → ["Paris", "Lyon", "Marseille"]: 1 to 20 places of 2 to 60 characters. */
export function parseLocations(text: string | undefined): Parsed<string[]> {
  const parts = (text ?? '')
    .split(/\s*(?:[,;\n/]|\bet\b|\band\b)\s*/i)
    .map((p) => p.trim().replace(/\s+/g, ' '))
    .filter(Boolean);
  const unique = [...new Map(parts.map((p) => [p.toLowerCase(), p])).values()];
  if (unique.length === 0 || unique.length > 20) return fail('locations');
  if (unique.some((p) => p.length < 2 || p.length > 60 || !/\p{L}/u.test(p))) return fail('locations');
  return ok(unique);
}

export const MAX_AD_DAYS = 90;

/** A number of days between 1 and MAX_AD_DAYS, in figures or words ("7", "sept", "two weeks" is not). */
export function parseDays(text: string | undefined, lang: Language): Parsed<number> {
  const input = (text ?? '').trim();
  for (const culture of lang === 'fr' ? [Culture.French, Culture.English] : [Culture.English, Culture.French]) {
    const found = recognizeNumber(input, culture);
    if (found.length !== 1) continue;
    const raw = String((found[0].resolution as { value?: unknown }).value ?? '').replace(',', '.');
    const n = Number(raw);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_AD_DAYS) return ok(n);
    return fail('days');
  }
  return fail('days');
}

export const MAX_POST_TEXT = 500;

export function parsePostText(text: string | undefined): Parsed<string> {
  const t = (text ?? '').trim();
  if (!/\p{L}{2,}/u.test(t) || t.length > MAX_POST_TEXT) return fail('post');
  return ok(t);
}
