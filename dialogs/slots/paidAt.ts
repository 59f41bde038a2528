/*
 * When the customer paid (P1), as people say it, in French or English: "hier", "il y a 4 jours",
 * "3 Nov", "le 3 novembre à 23h", "last Tuesday", "yesterday at 11pm", "2 days ago".
 * `@microsoft/recognizers-text-date-time` does the reading; this file only picks, among its answers,
 * the latest moment that is not in the future, and turns the wall-clock time of `timeZone` into an
 * instant. A payment in the future is refused.
 *
 * The recognizer models are built once per language (module level) and are slow the first time
 * they read (several seconds for French): `warmPaymentDateParser()` does that first reading at start.
 */
import { Culture } from '@microsoft/recognizers-text';
import { DateTimeOptions, DateTimeRecognizer } from '@microsoft/recognizers-text-date-time';
import type { Language } from '../../src/i18n';
import { instantOfWallClock, wallClockAt, type WallClock } from '../../src/eligibility/calendar';

export type PaymentDate =
  | {
      ok: true;
      /** ISO date-time (UTC, `…Z`). A date without a time is the start of that day in the time zone. */
      value: string;
      /** The calendar date of the payment in the time zone, `YYYY-MM-DD`. */
      date: string;
      /** The customer gave a time of day (or "3 hours ago"), not only a day. */
      hasTime: boolean;
    }
  | {
      ok: false;
      /**
       * - `none`: no date in the text;
       * - `future`: every reading of it is later than now (a payment cannot be in the future);
       * - `vague`: a span, not a day ("last week", "in November").
       */
      reason: 'none' | 'future' | 'vague';
    };

const CULTURE: Record<Language, string> = { en: Culture.English, fr: Culture.French };

type Model = ReturnType<DateTimeRecognizer['getDateTimeModel']>;
const models = new Map<Language, Model>();

function model(lang: Language): Model {
  let m = models.get(lang);
  if (!m) {
    m = new DateTimeRecognizer(CULTURE[lang], DateTimeOptions.None).getDateTimeModel();
    models.set(lang, m);
  }
  return m;
}

/**
 * Builds both models and reads one sentence with each, so that the first customer does not wait
 * for the recognizers' first use (about 7 s for French on a small machine). Synchronous, CPU-bound.
 */
export function warmPaymentDateParser(langs: readonly Language[] = ['en', 'fr']): void {
  const ref = new Date();
  for (const lang of langs) model(lang).parse(lang === 'fr' ? 'hier à 23 h' : 'yesterday at 11pm', ref);
}

// ---------------------------------------------------------------- time zone arithmetic

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const isoDay = (w: Pick<WallClock, 'y' | 'mo' | 'd'>): string => `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)}`;

/** `2026-11-28` or `2026-11-28 23:00:00` (the recognizer's values) as a wall-clock time. */
function parseWall(value: string): { wall: WallClock; hasTime: boolean } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(value);
  if (!m) return undefined;
  const hasTime = m[4] !== undefined;
  return {
    wall: { y: +m[1]!, mo: +m[2]!, d: +m[3]!, h: hasTime ? +m[4]! : 0, mi: hasTime ? +m[5]! : 0, s: m[6] ? +m[6] : 0 },
    hasTime,
  };
}

/** Adds days to a calendar date (proleptic Gregorian, through UTC: no DST involved). */
function addDays(w: WallClock, days: number): WallClock {
  const t = new Date(Date.UTC(w.y, w.mo - 1, w.d + days));
  return { ...w, y: t.getUTCFullYear(), mo: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

// ---------------------------------------------------------------- reading

interface Candidate {
  ms: number;
  date: string;
  hasTime: boolean;
}

interface RecognizerValue {
  timex?: string;
  type?: string;
  value?: string;
  start?: string;
  end?: string;
}

/** A payment can be a minute "in the future" when clocks differ; later than that is refused. */
const SKEW_MS = 60_000;

/** Seconds of an ISO 8601 duration timex (`P4D`, `PT3H`, `P1W`); months and years are refused (vague). */
function durationSeconds(timex: string): { seconds: number; hasTime: boolean } | undefined {
  const m = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(timex);
  if (!m || timex === 'P' || timex === 'PT') return undefined;
  const [w, d, h, mi, s] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x))) as [number, number, number, number, number];
  return { seconds: (w * 7 + d) * 86400 + h * 3600 + mi * 60 + s, hasTime: h + mi + s > 0 };
}

/**
 * French has no "ago" in the recognizer: "il y a 4 jours" comes back as the duration "4 jours" and
 * "il y a 3 heures" as the time "3 heures" (three o'clock). Only this one phrase is read here, right
 * before what the recognizer found.
 */
function agoBefore(text: string, start: number, lang: Language): boolean {
  return lang === 'fr' && /\bil\s+y\s+a\s*$/i.test(text.slice(0, start));
}

/**
 * The French model reads "hier soir" (and "hier matin"…) as this evening of today. The day is what
 * counts here (a part of the day is not a time): those are read as "hier" / "avant-hier".
 */
function beforeReading(text: string, lang: Language): string {
  return lang === 'fr' ? text.replace(/\b(avant-hier|hier)\s+(?:au\s+)?(?:matin|midi|après-midi|apres-midi|soir)\b/gi, '$1') : text;
}

/** A calendar date the recognizer could not really resolve ("the 31st" in a 30-day month gives year 1). */
const plausible = (w: WallClock): boolean => w.y >= 1970 && w.y <= 9999;

/**
 * When the customer paid, from what they typed. `now` is the current instant; `timeZone` the bot's
 * (TIME_ZONE): "yesterday at 11pm" is 23:00 there.
 */
export function parsePaymentDate(text: string, lang: Language, now: Date, timeZone: string): PaymentDate {
  const input = text.trim();
  if (input === '') return { ok: false, reason: 'none' };
  const nowMs = now.getTime();
  const nowWall = wallClockAt(nowMs, timeZone);
  const today = isoDay(nowWall);
  // The recognizer reads the reference's local fields: give it the wall-clock time of `timeZone`.
  const reference = new Date(nowWall.y, nowWall.mo - 1, nowWall.d, nowWall.h, nowWall.mi, nowWall.s);
  const results = model(lang).parse(beforeReading(input, lang), reference);

  let sawFuture = false;
  let sawVague = false;
  const found: Candidate[] = [];
  const past = (c: Candidate): boolean => (c.hasTime ? c.ms <= nowMs + SKEW_MS : c.date <= today);
  const consider = (c: Candidate): boolean => {
    if (past(c)) return true;
    sawFuture = true;
    return false;
  };

  for (const r of results) {
    const kind = r.typeName.replace(/^datetimeV2\./, '');
    const values = ((r.resolution as { values?: RecognizerValue[] } | undefined)?.values ?? []) as RecognizerValue[];
    const readings: Candidate[] = [];
    if (kind === 'date' || kind === 'datetime') {
      for (const v of values) {
        const p = v.value ? parseWall(v.value) : undefined;
        if (!p || !plausible(p.wall)) {
          sawVague = true;
          continue;
        }
        readings.push({ ms: instantOfWallClock(p.wall, timeZone), date: isoDay(p.wall), hasTime: p.hasTime });
      }
      // "3 Nov" said on 2 November is tomorrow, not a year ago: with a day of the year and no year,
      // the reading nearest to now is meant, and a future one is refused.
      if (readings.length > 1 && values.every((v) => /^XXXX-\d{2}-\d{2}/.test(v.timex ?? ''))) {
        const nearest = readings.reduce((a, b) => (Math.abs(b.ms - nowMs) < Math.abs(a.ms - nowMs) ? b : a));
        readings.splice(0, readings.length, nearest);
      }
    } else if (kind === 'time') {
      for (const v of values) {
        const hm = /^T(\d{2})(?::(\d{2}))?/.exec(v.timex ?? '');
        if (!hm) continue;
        if (agoBefore(input, r.start, lang)) {
          // "il y a 3 heures": 3 hours ago (the recognizer gives T03 and T15; the first is meant).
          const ms = nowMs - (Number(hm[1]) % 12 || 12) * 3_600_000 - Number(hm[2] ?? 0) * 60_000;
          readings.push({ ms, date: isoDay(wallClockAt(ms, timeZone)), hasTime: true });
          break;
        }
        // A time alone: its latest occurrence, today or yesterday.
        for (const day of [nowWall, addDays(nowWall, -1)]) {
          const p = v.value ? parseWall(`${isoDay(day)} ${v.value}`) : undefined;
          if (p) readings.push({ ms: instantOfWallClock(p.wall, timeZone), date: isoDay(p.wall), hasTime: true });
        }
      }
    } else if (kind === 'duration') {
      // A duration answering "when did you pay?" counts back from now ("4 days", "il y a 4 jours").
      for (const v of values) {
        const d = v.timex ? durationSeconds(v.timex) : undefined;
        if (!d) {
          sawVague = true;
          continue;
        }
        const ms = nowMs - d.seconds * 1000;
        const wall = d.hasTime ? wallClockAt(ms, timeZone) : addDays(nowWall, -Math.round(d.seconds / 86400));
        readings.push({ ms: d.hasTime ? ms : instantOfWallClock({ ...wall, h: 0, mi: 0, s: 0 }, timeZone), date: isoDay(wall), hasTime: d.hasTime });
      }
    } else if (kind === 'datetimerange' || kind === 'timerange') {
      // "yesterday evening", "this morning": the day is known, not the time.
      for (const v of values) {
        const start = v.start ? parseWall(v.start.length === 8 ? `${today} ${v.start}` : v.start) : undefined;
        const end = v.end ? parseWall(v.end.length === 8 ? `${today} ${v.end}` : v.end) : undefined;
        if (!start || !end || isoDay(start.wall) !== isoDay(end.wall)) {
          sawVague = true;
          continue;
        }
        const wall = { ...start.wall, h: 0, mi: 0, s: 0 };
        readings.push({ ms: instantOfWallClock(wall, timeZone), date: isoDay(wall), hasTime: false });
      }
    } else {
      // daterange ("last week"), set ("every Monday"): not one day.
      sawVague = true;
    }
    const usable = readings.filter(consider);
    if (usable.length) found.push(usable.reduce((a, b) => (b.ms > a.ms ? b : a)));
  }

  if (found.length === 0) return { ok: false, reason: sawFuture ? 'future' : sawVague ? 'vague' : 'none' };
  // Several dates in one message: the one with a time of day wins, then the latest.
  const best = found.reduce((a, b) => (b.hasTime !== a.hasTime ? (b.hasTime ? b : a) : b.ms > a.ms ? b : a));
  return { ok: true, value: new Date(best.ms).toISOString(), date: best.date, hasTime: best.hasTime };
}
