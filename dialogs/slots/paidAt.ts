// PLACEHOLDER until branch h12back lands its dialogs/slots/paidAt.ts (same signature): take theirs on merge.
import { recognizeDateTime } from '@microsoft/recognizers-text-suite';
import type { Language } from '../../src/i18n';

const CULTURE: Record<Language, string> = { en: 'en-us', fr: 'fr-fr' };

function wallClock(now: Date, timeZone: string): Date {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(now).map((x) => [x.type, x.value]));
  return new Date(Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second));
}

function toInstant(wall: string, timeZone: string): string {
  const guess = Date.parse(`${wall.replace(' ', 'T')}Z`);
  const offset = wallClock(new Date(guess), timeZone).getTime() - guess;
  return new Date(guess - offset).toISOString();
}

export function parsePaymentDate(text: string, lang: Language, now: Date, timeZone: string): { ok: true; value: string; hasTime: boolean } | { ok: false } {
  const ref = wallClock(now, timeZone);
  const results = recognizeDateTime(text, CULTURE[lang], 0, ref);
  for (const r of results) {
    const values = ((r.resolution as { values?: { type: string; value?: string }[] })?.values ?? []).filter((v) => v.value && (v.type === 'date' || v.type === 'datetime'));
    const past = values.filter((v) => Date.parse(`${v.value!.replace(' ', 'T')}Z`) <= ref.getTime() + 60_000);
    const v = past.at(-1) ?? values[0];
    if (!v?.value) continue;
    if (v.type === 'date') return { ok: true, value: v.value.slice(0, 10), hasTime: false };
    return { ok: true, value: toInstant(v.value, timeZone), hasTime: true };
  }
  return { ok: false };
}
