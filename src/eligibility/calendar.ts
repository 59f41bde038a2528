/**
 * Calendar arithmetic for the rules, in a configured IANA time zone, with Intl only.
 *
 * A "day" is a whole number of days since 1970-01-01 for the calendar date as seen in the time
 * zone (so 2024-05-02T23:30:00Z is 2024-05-03 in Europe/Paris). Business days are Monday to
 * Friday; public holidays are not known to the engine.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws a RangeError for an unknown time zone: a configuration error, reported at once.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      calendar: 'gregory',
      numberingSystem: 'latn',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws RangeError when `timeZone` is not a time zone Intl knows. */
export function assertTimeZone(timeZone: string): void {
  formatter(timeZone);
}

function daysFromCivil(y: number, m: number, d: number): number {
  return Math.floor(Date.UTC(y, m - 1, d) / 86_400_000);
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

// Small bounded memo: a batch repeats the same "now" and dates many times.
const memo = new Map<string, number>();
const MEMO_MAX = 4096;

/** The calendar day of an ISO instant (date-time with offset, or a plain date) in `timeZone`. */
export function dayOf(instant: string, timeZone: string): number {
  const key = timeZone + '|' + instant;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  let day: number;
  const m = DATE_ONLY.exec(instant);
  if (m) {
    day = daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
  } else {
    const ms = Date.parse(instant);
    if (Number.isNaN(ms)) throw new RangeError(`not an ISO instant: ${instant}`);
    let y = 0;
    let mo = 0;
    let d = 0;
    for (const p of formatter(timeZone).formatToParts(ms)) {
      if (p.type === 'year') y = Number(p.value);
      else if (p.type === 'month') mo = Number(p.value);
      else if (p.type === 'day') d = Number(p.value);
    }
    day = daysFromCivil(y, mo, d);
  }
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(key, day);
  return day;
}

/** `YYYY-MM-DD` for a day number. */
export function isoDate(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. 1970-01-01 was a Thursday. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export function isBusinessDay(day: number): boolean {
  const w = weekday(day);
  return w !== 0 && w !== 6;
}

/** The day `n` business days after `day` (n ≥ 0; `day` itself is not counted). */
export function addBusinessDays(day: number, n: number): number {
  let d = day;
  let left = n;
  while (left > 0) {
    d += 1;
    if (isBusinessDay(d)) left -= 1;
  }
  return d;
}
