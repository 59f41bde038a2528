/**
 * Relative instants for the demo data, so that "paid 1 day ago" stays true in any year.
 *
 * In `data/demo/*.json`, a date field (a key ending in `At`, or the key `at`) may hold:
 *  - `now`;
 *  - an offset from now: `-1d`, `+10d`, `-3h`, `-30m`, or several, e.g. `-1d-2h`;
 *  - an absolute ISO 8601 value, kept as is.
 * Offsets are resolved against the clock at lookup time into ISO date-times (`…Z`).
 */

const RELATIVE = /^(?:now|(?:[+-]\d{1,5}[dhm])+)$/;
const PART = /([+-])(\d{1,5})([dhm])/g;
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;

export function isRelativeInstant(value: string): boolean {
  return RELATIVE.test(value);
}

/** `-1d` → the ISO date-time one day before `now`; a non-relative string is returned unchanged. */
export function resolveInstant(value: string, now: Date): string {
  if (!RELATIVE.test(value)) return value;
  let ms = now.getTime();
  for (const m of value.matchAll(PART)) {
    const delta = Number(m[2]) * UNIT_MS[m[3] as keyof typeof UNIT_MS];
    ms += m[1] === '-' ? -delta : delta;
  }
  return new Date(ms).toISOString();
}

function isDateKey(key: string): boolean {
  return key === 'at' || /At$/.test(key);
}

/** A deep copy of `value` with every relative date field resolved against `now`. */
export function resolveRelativeDates<T>(value: T, now: Date): T {
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (typeof v === 'string') return key !== undefined && isDateKey(key) ? resolveInstant(v, now) : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, undefined));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = walk(x, k);
      return out;
    }
    return v;
  };
  return walk(value, undefined) as T;
}
