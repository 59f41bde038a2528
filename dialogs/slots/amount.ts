/*
 * Amounts as people type them, in French or English: `49,90 €`, `49.90`, `€49.90`, `49 euros 90`,
 * `quarante-neuf euros`, `49 euros et 90 centimes`.
 *
 * Plain forms (digits, at most one currency sign or code: `49`, `49,90 €`, `€49.90`, `49.90 eur`) are
 * read here directly: the Microsoft recognizers cost milliseconds a call in English, 20-50 ms in
 * French, and seconds for their first calls in a process (src/warmup.ts makes those before ready).
 * The recognizers read what needs them (numbers in words, `49 euros et 90 centimes`, digit groups), in
 * the conversation's language first, the other language only when the first finds nothing; inside a
 * longer message, only when a currency is mentioned outside the plain forms. Property tests
 * (test/dialogs/amountFastPath.test.ts) keep both readings in step.
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

/** The recognizers' candidates in `lang`, then in the other language when `lang` finds none. */
function recognizedCurrency(input: string, lang: Language): Candidate | undefined {
  const other: Language = lang === 'fr' ? 'en' : 'fr';
  return best(currencyCandidates(input, lang, 0)) ?? best(currencyCandidates(input, other, 1));
}

/** The answer to "how much did you pay?", read by the recognizers only (the slow path). */
export function recognizedAmount(text: string | undefined, lang: Language, defaultCurrency = 'EUR'): Parsed<Money> {
  const input = normalise(text ?? '');
  if (!input) return fail('not_amount');
  const withUnit = recognizedCurrency(input, lang);
  if (withUnit) return check(withUnit.major, withUnit.currency);
  // A bare number: read it in the user's language first ("49,90" is 49.90 in both).
  const other: Language = lang === 'fr' ? 'en' : 'fr';
  for (const l of [lang, other]) {
    const numbers = recognizeNumber(input, CULTURE[l]);
    if (numbers.length !== 1) continue;
    const major = numberOf((numbers[0].resolution as { value?: unknown } | undefined)?.value, l);
    if (Number.isNaN(major) || toMinor(major) === undefined) continue;
    return check(major, defaultCurrency);
  }
  return fail('not_amount');
}

/*
 * The plain forms. A number is digits without grouping, with one or two decimals after `.` or `,`
 * (the same in both languages); a currency is a sign or an ISO code (`normalise` has made `eur` a €).
 * Anything else (digit groups, three decimals, words) goes to the recognizers.
 */
const SIGN: Record<string, string> = { '€': 'EUR', $: 'USD', '£': 'GBP' };
const CODES = 'EUR|USD|GBP|CHF';
const NUM = '(?:0|[1-9]\\d{0,6})(?:[.,]\\d{1,2})?';
const PREFIX = `[€$£]|(?:${CODES})(?![A-Za-z])`;
const SUFFIX = `[€$£]|(?<![A-Za-z])(?:${CODES})(?![A-Za-z])|(?<![A-Za-z])euros?(?![A-Za-z])`;
/** `€49.90`, `49,90 €`, `49.90 EUR`, and `49€90` / `49 euros 90` (the cents after the unit). */
const FORMS =
  `(?:(?<pre>${PREFIX})\\s?(?<n1>${NUM})` +
  `|(?<units>0|[1-9]\\d{0,6})\\s?(?<mid>[€$£]|(?<![A-Za-z])euros?)\\s?(?<cents>\\d{2})(?![\\d\\p{L}]|[.,]\\d)` +
  `|(?<n2>${NUM})\\s?(?<suf>${SUFFIX}))`;
const WHOLE = new RegExp(`^(?<minus>-\\s?)?(?:${FORMS}|(?<bare>${NUM}))$`, 'u');
const INSIDE = new RegExp(`(?<![\\d.,\\p{L}])${FORMS}(?![\\d\\p{L}]|[.,]\\d)`, 'gu');

const isoOf = (c: string): string => SIGN[c] ?? (/^euros?$/i.test(c) ? 'EUR' : c.toUpperCase());
const plainNumber = (n: string): number => Number(n.replace(',', '.'));

/** A plain form's amount and currency (undefined currency: a bare number). */
function plainForm(g: Record<string, string | undefined>): { major: number; currency: string | undefined } {
  if (g.units !== undefined) return { major: Number(g.units) + Number(g.cents) / 100, currency: isoOf(g.mid!) };
  const currency = g.pre ?? g.suf;
  return { major: plainNumber(g.n1 ?? g.n2 ?? g.bare!), currency: currency ? isoOf(currency) : undefined };
}

/**
 * What may still hold an amount with its currency once the plain forms are taken out: a currency
 * sign, code or name (the currencies this service is paid in, in both languages, as people write
 * them). Without one, the recognizers would find no amount with a currency either, so a message like
 * "j'ai payé deux fois" costs no recognizer call (the French model takes 20-50 ms a call).
 */
const CURRENCY_LEFT = /[€$£]|(?<!\p{L})(?:eur|euros?|usd|gbp|chf|dollars?|pounds?|livres?|sterling|francs?|cents?|centimes?|bucks?|quid|balles?)(?!\p{L})/iu;

/**
 * The answer to "how much did you pay?". A number without a currency (`49.90`, `49,90`) is read in
 * `defaultCurrency` (the order's currency when the order is known).
 */
export function parseAmount(text: string | undefined, lang: Language, defaultCurrency = 'EUR'): Parsed<Money> {
  const input = normalise(text ?? '');
  if (!input) return fail('not_amount');
  const m = WHOLE.exec(input);
  if (m?.groups) {
    const { major, currency } = plainForm(m.groups);
    return check(m.groups.minus ? -major : major, currency ?? defaultCurrency);
  }
  return recognizedAmount(input, lang, defaultCurrency);
}

/**
 * An amount written with its currency inside a longer message ("remboursé de 49,90 € pour…"); bare
 * numbers are ignored there (order numbers, "deux fois"). Undefined when there is none.
 */
export function findAmountInText(text: string | undefined, lang: Language): Money | undefined {
  const input = normalise(text ?? '');
  if (!input) return undefined;
  const plain: Candidate[] = [];
  let rest = input;
  for (const m of input.matchAll(INSIDE)) {
    const { major, currency } = plainForm(m.groups!);
    plain.push({ major, currency, start: m.index!, end: m.index! + m[0].length - 1, rank: 0 });
    rest = rest.slice(0, m.index) + ' '.repeat(m[0].length) + rest.slice(m.index! + m[0].length);
  }
  const c = CURRENCY_LEFT.test(rest) ? recognizedCurrency(input, lang) : best(plain);
  if (!c) return undefined;
  const r = check(c.major, c.currency);
  return r.ok ? r.value : undefined;
}

/** `findAmountInText` read by the recognizers only (the slow path); for tests and comparisons. */
export function recognizedAmountInText(text: string | undefined, lang: Language): Money | undefined {
  const input = normalise(text ?? '');
  const c = input ? recognizedCurrency(input, lang) : undefined;
  const r = c && check(c.major, c.currency);
  return r && r.ok ? r.value : undefined;
}

/** The recognizers' models, loaded before the first turn: their first call in a process takes seconds. */
export function warmAmounts(): void {
  // Twice: a model's regular expressions may be compiled again on their second run (src/warmup.ts).
  for (const lang of ['en', 'fr', 'en', 'fr'] as const) {
    recognizedAmount(lang === 'fr' ? 'quarante-neuf euros et 90 centimes' : 'forty-nine euros', lang);
    recognizedAmount(lang === 'fr' ? 'quarante-neuf' : 'forty-nine', lang);
    findAmountInText(lang === 'fr' ? 'remboursement de quarante-neuf euros le 3 mars' : 'a refund of forty-nine euros on 3 March', lang);
  }
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
