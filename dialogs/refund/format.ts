import type { Language } from '../../src/i18n';

const TAG: Record<Language, string> = { en: 'en-GB', fr: 'fr-FR' };

/** A file size as people read it: `240 kB`, `1.2 MB` / `240 ko`, `1,2 Mo`. */
export function formatBytes(bytes: number, lang: Language): string {
  const [unit, value] =
    bytes >= 1024 * 1024 ? (['megabyte', bytes / (1024 * 1024)] as const) : bytes >= 1024 ? (['kilobyte', bytes / 1024] as const) : (['byte', bytes] as const);
  return new Intl.NumberFormat(TAG[lang], { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: value < 10 ? 1 : 0 }).format(value);
}
