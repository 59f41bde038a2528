/**
 * Calendar arithmetic for the rules, in a configured IANA time zone.
 *
 * A "day" is a whole number of days since 1970-01-01 for the calendar date as seen in the time
 * zone (so 2024-05-02T23:30:00Z is 2024-05-03 in Europe/Paris). Business days (R5.1) are Monday to
 * Friday except the public holidays of a configured country (`HOLIDAYS_COUNTRY`), from the
 * `date-holidays` package: computed from rules shipped with the package, no I/O.
 * An instant is a point in time: a date-time is itself; a calendar date alone is read as the start
 * of that day in the time zone.
 */
import Holidays from 'date-holidays';

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

/** A wall-clock time: what a clock in some time zone shows (month 1-12). */
export interface WallClock {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

const wallFormatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time of an instant in `timeZone`. */
export function wallClockAt(ms: number, timeZone: string): WallClock {
  let f = wallFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      calendar: 'gregory',
      numberingSystem: 'latn',
    });
    wallFormatters.set(timeZone, f);
  }
  const v: Record<string, number> = {};
  for (const p of f.formatToParts(ms)) if (p.type !== 'literal') v[p.type] = Number(p.value);
  return { y: v.year!, mo: v.month!, d: v.day!, h: v.hour!, mi: v.minute!, s: v.second! };
}

/** Milliseconds the time zone is ahead of UTC at `ms`. */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallClockAt(ms, timeZone);
  const local = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  return local - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The instant a wall-clock time of `timeZone` names (DST-safe: a time in the spring gap moves forward). */
export function instantOfWallClock(w: WallClock, timeZone: string): number {
  const asUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  let ms = asUtc - offsetAt(asUtc, timeZone);
  const again = asUtc - offsetAt(ms, timeZone);
  if (again !== ms) ms = Math.max(ms, again);
  return ms;
}

const dayStarts = new Map<string, number>();

/** Epoch milliseconds of the start of `day` in `timeZone` (DST-safe). Memoised: batches repeat days. */
export function startOfDayMs(day: number, timeZone: string): number {
  const key = timeZone + '|' + day;
  const hit = dayStarts.get(key);
  if (hit !== undefined) return hit;
  const utc = day * 86_400_000;
  let ms = utc - offsetAt(utc, timeZone);
  const again = utc - offsetAt(ms, timeZone);
  if (again !== ms) ms = again;
  if (dayStarts.size >= MEMO_MAX) dayStarts.clear();
  dayStarts.set(key, ms);
  return ms;
}

/** True when the instant is a calendar date without a time. */
export function isDateOnly(instant: string): boolean {
  return DATE_ONLY.test(instant);
}

/** Epoch milliseconds of an ISO instant; a calendar date is the start of that day in `timeZone`. */
export function instantMs(instant: string, timeZone: string): number {
  const m = DATE_ONLY.exec(instant);
  if (m) return startOfDayMs(daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])), timeZone);
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO instant: ${instant}`);
  return ms;
}

/**
 * True when `instant` is later than `now`. When either is a calendar date alone, calendar days are
 * compared (a payment "today" is not in the future); otherwise the exact times, with `skewMs` of
 * tolerance for clocks of different services.
 */
export function isAfter(instant: string, now: string, timeZone: string, skewMs = 0): boolean {
  if (isDateOnly(instant) || isDateOnly(now)) return dayOf(instant, timeZone) > dayOf(now, timeZone);
  return instantMs(instant, timeZone) > instantMs(now, timeZone) + skewMs;
}

/** `YYYY-MM-DD` for a day number. */
export function isoDate(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. 1970-01-01 was a Thursday. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

// ---------------------------------------------------------------- public holidays

/** Country codes `date-holidays` knows (ISO 3166-1 alpha-2), e.g. FR, BE, DE, US. */
let countryCodes: ReadonlySet<string> | undefined;
export function holidayCountries(): ReadonlySet<string> {
  countryCodes ??= new Set(Object.keys(new Holidays().getCountries()));
  return countryCodes;
}

/** Throws RangeError when `country` is not a country `date-holidays` knows. */
export function assertHolidaysCountry(country: string): void {
  if (!holidayCountries().has(country)) throw new RangeError(`unknown holidays country: ${country}`);
}

const holidaysByCountry = new Map<string, InstanceType<typeof Holidays>>();
/** Public holidays (type `public`) per country and year, as day numbers. */
const holidayYears = new Map<string, ReadonlySet<number>>();

function publicHolidays(country: string, year: number): ReadonlySet<number> {
  const key = `${country}|${year}`;
  let set = holidayYears.get(key);
  if (!set) {
    let hd = holidaysByCountry.get(country);
    if (!hd) {
      assertHolidaysCountry(country);
      hd = new Holidays(country);
      holidaysByCountry.set(country, hd);
    }
    const days = new Set<number>();
    for (const h of hd.getHolidays(year)) {
      if (h.type !== 'public') continue;
      const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(h.date);
      if (m) days.add(daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])));
    }
    set = days;
    holidayYears.set(key, set);
  }
  return set;
}

function yearOf(day: number): number {
  return new Date(day * 86_400_000).getUTCFullYear();
}

/** A public holiday of `country` (null: none known). */
export function isPublicHoliday(day: number, country: string | null): boolean {
  return country !== null && publicHolidays(country, yearOf(day)).has(day);
}

/** Monday to Friday, and not a public holiday of `country` (null: weekends only). */
export function isBusinessDay(day: number, country: string | null = null): boolean {
  const w = weekday(day);
  return w !== 0 && w !== 6 && !isPublicHoliday(day, country);
}

const businessDayMemo = new Map<string, number>();

/** The day `n` business days after `day` (n ≥ 0; `day` itself is not counted). Memoised. */
export function addBusinessDays(day: number, n: number, country: string | null = null): number {
  const key = `${country}|${day}|${n}`;
  const hit = businessDayMemo.get(key);
  if (hit !== undefined) return hit;
  let d = day;
  let left = n;
  while (left > 0) {
    d += 1;
    if (isBusinessDay(d, country)) left -= 1;
  }
  if (businessDayMemo.size >= MEMO_MAX) businessDayMemo.clear();
  businessDayMemo.set(key, d);
  return d;
}
