/*
 * Amounts as people type them, in French or English: `49,90 €`, `49.90`, `€49.90`, `49 euros 90`,
 * `quarante-neuf euros`, `49 euros et 90 centimes`. The Microsoft recognizers do the reading; this
 * file only picks the best of their answers and turns it into integer minor units.
 */
import { recognizeCurrency } from '@microsoft/recognizers-text-number-with-unit';
import { Culture, recognizeNumber } from '@microsoft/recognizers-text-suite';
import type { Language } from '../../src/i18n';
import type { Money } from '../../src/eligibility';
import { fail, ok, Parsed, type UserInput } from './types';

const CULTURE: Record<Language, string> = { en: Culture.English, fr: Culture.French };

/** Upper bound for one order, in major units; above it the user most likely mistyped. */
export const MAX_AMOUNT_MAJOR = 100_000;

/** Unit names the recognizers give without an ISO code (the French model never gives one). */
const UNIT_TO_ISO: Record<string, string> = {
  euro: 'EUR',
  dollar: 'USD',
  'united states dollar': 'USD',
  'dollar américain': 'USD',
  'british pound': 'GBP',
  'pound sterling': 'GBP',
  'livre sterling': 'GBP',
  'swiss franc': 'CHF',
  'franc suisse': 'CHF',
};
const SUBUNITS = new Set(['cent', 'cents', 'centime', 'centimes']);

interface Candidate {
  major: number;
  currency: string | undefined;
  start: number;
  end: number;
  /** 0 when read in the user's language, 1 in the other: breaks ties. */
  rank: number;
}

/** A recognizer value (`49,9` in French, `49.9` in English) as a number; NaN when absent. */
function numberOf(value: unknown, lang: Language): number {
  if (typeof value !== 'string' || value.trim() === '') return NaN;
  const v = lang === 'fr' ? value.replace(/\s/g, '').replace(',', '.') : value.replace(/,/g, '');
  return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
}

/** Amount with at most two decimals, as minor units; undefined when it has more (a misreading). */
function toMinor(major: number): number | undefined {
  const minor = Math.round(major * 100);
  return Math.abs(minor - major * 100) < 1e-6 ? minor : undefined;
}

/** Digit groups separated by a plain space (`1 234,56`) read as one number by the French model. */
function normalise(text: string): string {
  // "50 eur", as people type the ISO code in lower case.
  return text.replace(/\s+/g, ' ').replace(/(\d)\s*eur\b/gi, '$1 €').replace(/(\d) (?=\d{3}(?!\d))/g, '$1\u202f').trim();
}

function currencyCandidates(text: string, lang: Language, rank: number): Candidate[] {
  const results = recognizeCurrency(text, CULTURE[lang]);
  const out: Candidate[] = [];
  for (const r of results) {
    const res = (r.resolution ?? {}) as { value?: unknown; unit?: string; isoCurrency?: string };
    const unit = (res.unit ?? '').toLowerCase();
    const major = numberOf(res.value, lang);
    if (Number.isNaN(major)) continue;
    if (SUBUNITS.has(unit)) {
      // "49 euros et 90 centimes": the cents complete the amount just before them.
      const prev = out[out.length - 1];
      if (prev && prev.end < r.start && text.slice(prev.end + 1, r.start).trim().length <= 3 && major < 100) {
        prev.major += major / 100;
        prev.end = r.end;
      }
      continue;
    }
    out.push({ major, currency: res.isoCurrency || UNIT_TO_ISO[unit], start: r.start, end: r.end, rank });
  }
  return out;
}

function best(candidates: Candidate[]): Candidate | undefined {
  const valid = candidates.filter((c) => toMinor(c.major) !== undefined);
  valid.sort((a, b) => b.end - b.start - (a.end - a.start) || a.rank - b.rank || a.start - b.start);
  return valid[0];
}

function check(major: number, currency: string | undefined): Parsed<Money> {
  if (!currency) return fail('currency');
  if (major <= 0) return fail('zero');
  if (major > MAX_AMOUNT_MAJOR) return fail('too_large');
  const minor = toMinor(major);
  return minor === undefined ? fail('not_amount') : ok({ minor, currency });
}

/**
 * The answer to "how much did you paid?". A number without a currency (`49.90`, `49,90`) is read in
 * `defaultCurrency` (the order's currency when the order is known).
 */
export function parseAmount(text: string | undefined, lang: Language, defaultCurrency = 'EUR'): Parsed<Money> {
  const input = normalise(text ?? '');
  if (!input) return fail('not_amount');
  const other: Language = lang === 'fr' ? 'en' : 'fr';
  const withUnit = best([...currencyCandidates(input, lang, 0), ...currencyCandidates(input, other, 1)]);
  if (withUnit) return check(withUnit.major, withUnit.currency);
  // A bare number: read it in the user's language first ("49,90" is 49.90 in both).
  for (const l of [lang, other]) {
    const numbers = recognizeNumber(input, CULTURE[l]);
    if (numbers.length !== 1) continue;
    const major = numberOf((numbers[0].resolution as { value?: unknown } | undefined)?.value, l);
    if (Number.isNaN(major) || toMinor(major) === undefined) continue;
    return check(major, defaultCurrency);
  }
  return fail('not_amount');
}

/**
 * An amount written with its currency inside a longer message ("remboursé de 49,90 € pour…"); bare
 * numbers are ignored there (order numbers, "deux fois"). Undefined when there is none.
 */
export function findAmountInText(text: string | undefined, lang: Language): Money | undefined {
  const input = normalise(text ?? '');
  if (!input) return undefined;
  const other: Language = lang === 'fr' ? 'en' : 'fr';
  const c = best([...currencyCandidates(input, lang, 0), ...currencyCandidates(input, other, 1)]);
  if (!c) return undefined;
  const r = check(c.major, c.currency);
  return r.ok ? r.value : undefined;
}

/** The answer to "You paid €49.00 for this order. Is that the amount?". */
export type AmountCheck = { kind: 'confirm' } | { kind: 'other' } | { kind: 'amount'; amount: Money };

const foldTitle = (s: string) => s.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

/**
 * Yes (the recogniser's `yes`), "another amount" (its button, or no), or the amount itself
 * ("no, it was 45 €": an amount typed wins over the no).
 */
export function parseAmountCheck(input: UserInput, lang: Language, currency: string, otherTitles: readonly string[]): Parsed<AmountCheck> {
  const text = input.text ?? '';
  if (/\d/.test(text)) {
    const amount = parseAmount(text, lang, currency);
    if (amount.ok) return ok({ kind: 'amount', amount: amount.value });
  }
  if (otherTitles.some((t) => foldTitle(t) === foldTitle(text)) || input.intent === 'no') return ok({ kind: 'other' });
  if (input.intent === 'yes') return ok({ kind: 'confirm' });
  return fail('unclear');
}
