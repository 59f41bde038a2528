import i18next, { i18n as I18n, TFunction } from 'i18next';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectDir } from '../util/projectDir';

export const LANGUAGES = ['en', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

export function isLanguage(v: unknown): v is Language {
  return v === 'en' || v === 'fr';
}

/** The project's `locales/` folder. */
export function localesDir(): string {
  return projectDir('locales', 'en');
}

export type Resources = Record<Language, Record<string, Record<string, unknown>>>;

/** Reads every `locales/<lang>/<namespace>.json`. */
export function loadResources(dir = localesDir()): Resources {
  const out = {} as Resources;
  for (const lang of LANGUAGES) {
    out[lang] = {};
    for (const file of readdirSync(join(dir, lang)).filter((f) => f.endsWith('.json')).sort()) {
      out[lang][file.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(dir, lang, file), 'utf8'));
    }
  }
  return out;
}

let shared: I18n | undefined;

/** One i18next instance for the process, initialised synchronously from the JSON files. */
export function i18n(): I18n {
  if (shared) return shared;
  const resources = loadResources();
  const instance = i18next.createInstance();
  void instance.init({
    resources,
    lng: 'en',
    fallbackLng: false,
    supportedLngs: [...LANGUAGES],
    ns: Object.keys(resources.en),
    defaultNS: 'common',
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
    showSupportNotice: false,
  });
  shared = instance;
  return instance;
}

const translators = new Map<string, TFunction>();

const isEmptyOptions = (o: unknown) => o === undefined || (typeof o === 'object' && o !== null && Object.keys(o).length === 0);

/**
 * i18next's fixed-language function, with the texts of keys asked without options (no interpolation,
 * no plural, no context) kept once read: the tables never change while the process runs, and most
 * of a turn's texts are such keys. Calls with options go to i18next as they are.
 */
function memoised(t: TFunction, lang: Language): TFunction {
  const texts = new Map<string, string>();
  const call = (t as unknown as (...a: unknown[]) => unknown).bind(t);
  const f = (key: unknown, ...rest: unknown[]) => {
    if (typeof key !== 'string' || rest.length > 1 || !isEmptyOptions(rest[0])) return call(key, ...rest);
    let text = texts.get(key);
    if (text === undefined) {
      const v = call(key);
      if (typeof v !== 'string') return v;
      texts.set(key, (text = v));
    }
    return text;
  };
  // What callers read from a fixed t (renderArgs reads `lng`).
  return Object.assign(f, { lng: lang, ns: (t as unknown as { ns?: unknown }).ns, keyPrefix: (t as unknown as { keyPrefix?: unknown }).keyPrefix }) as unknown as TFunction;
}

/**
 * A translate function bound to one language. Keys look like `common:welcome` or `refund:ask.order`.
 * One per language for the process (i18next's getFixedT builds a new function at each call).
 */
export function translator(lang: Language): TFunction {
  let t = translators.get(lang);
  if (!t) {
    t = memoised(i18n().getFixedT(lang), lang);
    translators.set(lang, t);
  }
  return t;
}

const LOCALE_TAG: Record<Language, string> = { en: 'en-GB', fr: 'fr-FR' };

/*
 * Intl formatters are costly to build (tens of microseconds, and garbage) and immutable once built:
 * one per language and currency (or time zone) for the process. The keys come from a closed set
 * (two languages, ISO currency codes, the configured time zone), so the caches stay small.
 */
const moneyFormats = new Map<string, { fmt: Intl.NumberFormat; scale: number }>();
const numberFormats = new Map<Language, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function moneyFormat(currency: string, lang: Language): { fmt: Intl.NumberFormat; scale: number } {
  const key = `${lang}:${currency}`;
  let f = moneyFormats.get(key);
  if (!f) {
    const fmt = new Intl.NumberFormat(LOCALE_TAG[lang], { style: 'currency', currency });
    f = { fmt, scale: 10 ** (fmt.resolvedOptions().maximumFractionDigits ?? 2) };
    moneyFormats.set(key, f);
  }
  return f;
}

/** `4990, 'EUR'` → `49,90 €` in French, `€49.90` in English. Amounts are integer minor units. */
export function formatMoney(minor: number, currency: string, lang: Language): string {
  const { fmt, scale } = moneyFormat(currency, lang);
  return fmt.format(minor / scale);
}

/** `5000` → `5 000` (narrow no-break space) in French, `5,000` in English. */
export function formatNumber(n: number, lang: Language): string {
  let fmt = numberFormats.get(lang);
  if (!fmt) {
    fmt = new Intl.NumberFormat(LOCALE_TAG[lang]);
    numberFormats.set(lang, fmt);
  }
  return fmt.format(n);
}

/** A calendar date in the user's language, in the configured time zone. */
export function formatDate(date: Date | string, lang: Language, timeZone: string): string {
  const d = typeof date === 'string' ? new Date(date) : date;
  const key = `${lang}:${timeZone}`;
  let fmt = dateFormats.get(key);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat(LOCALE_TAG[lang], { dateStyle: 'long', timeZone });
    dateFormats.set(key, fmt);
  }
  return fmt.format(d);
}

/**
 * Builds, before the first turn, what every turn uses: the i18next instance and its tables, one
 * translator per language, and the formatters for the currencies and time zone in use.
 */
export function warmI18n(opts: { currencies?: readonly string[]; timeZone?: string } = {}): void {
  i18n();
  for (const lang of LANGUAGES) {
    const t = translator(lang);
    t('common:error.generic');
    for (const c of opts.currencies ?? ['EUR']) formatMoney(4990, c, lang);
    formatNumber(5000, lang);
    if (opts.timeZone) formatDate(new Date(0), lang, opts.timeZone);
  }
}

export { detectLanguage } from './detect';
