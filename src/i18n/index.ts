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

/** A translate function bound to one language. Keys look like `common:welcome` or `refund:ask.order`. */
export function translator(lang: Language): TFunction {
  return i18n().getFixedT(lang);
}

const LOCALE_TAG: Record<Language, string> = { en: 'en-GB', fr: 'fr-FR' };

/** `4990, 'EUR'` → `49,90 €` in French, `€49.90` in English. Amounts are integer minor units. */
export function formatMoney(minor: number, currency: string, lang: Language): string {
  const fmt = new Intl.NumberFormat(LOCALE_TAG[lang], { style: 'currency', currency });
  const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  return fmt.format(minor / 10 ** digits);
}

/** `5000` → `5 000` (narrow no-break space) in French, `5,000` in English. */
export function formatNumber(n: number, lang: Language): string {
  return new Intl.NumberFormat(LOCALE_TAG[lang]).format(n);
}

/** A calendar date in the user's language, in the configured time zone. */
export function formatDate(date: Date | string, lang: Language, timeZone: string): string {
  const d = typeof date === 'string' ? new Date(date) : date;
  return new Intl.DateTimeFormat(LOCALE_TAG[lang], { dateStyle: 'long', timeZone }).format(d);
}

export { detectLanguage } from './detect';
