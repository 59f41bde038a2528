/**
 * The desk's opening hours (DESK_HOURS), read in TIME_ZONE.
 *
 * Format: groups separated by `;`, each `<days> <from>-<to>[,<from>-<to>…]`, days `mon`..`sun`, one
 * day or a range (`mon-fri`, `sat`, `fri-mon` wraps). Times `HH:MM`, 24 h, `to` after `from`
 * (`24:00` allowed as an end). Example: `mon-fri 09:00-18:00; sat 10:00-13:00`.
 * Unset means always open.
 */

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** Per weekday (0 = Sunday), the open ranges in minutes since midnight. */
export type DeskHours = { ranges: [number, number][][]; source: string };

function minutes(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59 || (Number(m[1]) === 24 && Number(m[2]) !== 0)) throw new Error(`"${hhmm}" is not a time HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export function parseDeskHours(text: string): DeskHours {
  const ranges: [number, number][][] = DAYS.map(() => []);
  const groups = text.split(';').map((g) => g.trim()).filter(Boolean);
  if (groups.length === 0) throw new Error('must list at least one day and time range, e.g. mon-fri 09:00-18:00');
  for (const group of groups) {
    const m = /^([a-z]{3})(?:-([a-z]{3}))?\s+(.+)$/i.exec(group);
    if (!m) throw new Error(`"${group}" is not "<days> HH:MM-HH:MM", e.g. mon-fri 09:00-18:00`);
    const from = DAYS.indexOf(m[1].toLowerCase() as (typeof DAYS)[number]);
    const to = m[2] ? DAYS.indexOf(m[2].toLowerCase() as (typeof DAYS)[number]) : from;
    if (from < 0 || to < 0) throw new Error(`"${group}": days are mon, tue, wed, thu, fri, sat, sun`);
    const times = m[3].split(',').map((r) => {
      const [a, b] = r.trim().split('-');
      if (!a || !b) throw new Error(`"${r.trim()}" is not HH:MM-HH:MM`);
      const start = minutes(a.trim());
      const end = minutes(b.trim());
      if (end <= start) throw new Error(`"${r.trim()}": the end must come after the start`);
      return [start, end] as [number, number];
    });
    for (let d = from; ; d = (d + 1) % 7) {
      ranges[d].push(...times);
      if (d === to) break;
    }
  }
  for (const r of ranges) r.sort((x, y) => x[0] - y[0]);
  return { ranges, source: text };
}

/** Weekday (0 = Sunday) and minutes since midnight of `at` in `timeZone`. */
const formats = new Map<string, Intl.DateTimeFormat>();
function local(at: Date, timeZone: string): { day: number; minute: number } {
  let f = formats.get(timeZone);
  if (!f) formats.set(timeZone, (f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  const parts = f.formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const day = DAYS.indexOf(get('weekday').toLowerCase().slice(0, 3) as (typeof DAYS)[number]);
  return { day, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

export function isOpen(hours: DeskHours | undefined, at: Date, timeZone: string): boolean {
  if (!hours) return true;
  const { day, minute } = local(at, timeZone);
  return hours.ranges[day].some(([a, b]) => minute >= a && minute < b);
}

/** The next moment the desk opens after `at` (minute precision), or undefined when always open / never open. */
export function nextOpening(hours: DeskHours | undefined, at: Date, timeZone: string): Date | undefined {
  if (!hours || hours.ranges.every((r) => r.length === 0)) return undefined;
  // Walk forward minute by minute over at most 8 days, in 15-minute steps then refine: ranges start on whole minutes.
  const start = Math.ceil(at.getTime() / 60000) * 60000;
  let wasOpen = isOpen(hours, new Date(start), timeZone);
  for (let t = start; t < start + 8 * 86400000; t += 60000) {
    const open = isOpen(hours, new Date(t), timeZone);
    if (open && !wasOpen) return new Date(t);
    if (open && t === start) return new Date(t);
    wasOpen = open;
  }
  return undefined;
}
