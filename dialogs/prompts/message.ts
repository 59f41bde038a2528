import type { TFunction } from 'i18next';
import { formatMoney, isLanguage } from '../../src/i18n';

/**
 * A message kept as a locale key and its arguments, rendered when it is sent: a question asked in
 * English is asked again in French after the user switches language.
 */
export interface Msg {
  key: string;
  args?: Record<string, unknown>;
}

export const msg = (key: string, args?: Record<string, unknown>): Msg => (args ? { key, args } : { key });

const isMsg = (v: unknown): v is Msg => typeof v === 'object' && v !== null && typeof (v as Msg).key === 'string';

/** An amount kept as money, formatted in the language of the moment it is shown. */
export interface MoneyArg {
  minor: number;
  currency: string;
}
const isMoney = (v: unknown): v is MoneyArg =>
  typeof v === 'object' && v !== null && typeof (v as MoneyArg).minor === 'number' && typeof (v as MoneyArg).currency === 'string';

/** Interpolation arguments as shown: messages translated, amounts formatted in t's language. */
export function renderArgs(t: TFunction, args: Record<string, unknown> = {}): Record<string, unknown> {
  const lng = (t as unknown as { lng?: string }).lng;
  const lang = isLanguage(lng) ? lng : 'en';
  return Object.fromEntries(
    Object.entries(args).map(([k, v]) => [k, isMsg(v) ? render(t, v) : isMoney(v) ? formatMoney(v.minor, v.currency, lang) : v]),
  );
}

/** Renders messages; an argument that is itself a Msg is translated too (e.g. a topic name). */
export function render(t: TFunction, m: Msg | Msg[]): string {
  const list = Array.isArray(m) ? m : [m];
  return list
    .map((x) => {
      return t(x.key, renderArgs(t, x.args)) as string;
    })
    .join(' ');
}
