import type { TFunction } from 'i18next';

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

/** Renders messages; an argument that is itself a Msg is translated too (e.g. a topic name). */
export function render(t: TFunction, m: Msg | Msg[]): string {
  const list = Array.isArray(m) ? m : [m];
  return list
    .map((x) => {
      const args = Object.fromEntries(Object.entries(x.args ?? {}).map(([k, v]) => [k, isMsg(v) ? render(t, v) : v]));
      return t(x.key, args) as string;
    })
    .join(' ');
}

/** Splits a `|`-separated keyword list from the locales. */
export function words(t: TFunction, key: string): string[] {
  return (t(key) as string).split('|').map((w) => w.trim()).filter(Boolean);
}
