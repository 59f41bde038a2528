/**
 * When the customer paid (P1): dates as people type them, in both languages, read by
 * @microsoft/recognizers-text-date-time into an instant of the bot's time zone.
 */
import fc from 'fast-check';
import { parsePaymentDate, warmPaymentDateParser } from '../../dialogs/slots/paidAt';

// Sunday 29 November 2026, 22:30 in Paris (UTC+1).
const NOW = new Date('2026-11-29T21:30:00Z');
const TZ = 'Europe/Paris';

beforeAll(() => {
  const started = Date.now();
  warmPaymentDateParser();
  // The first use is the slow one; measured for the report, not asserted.
  console.log(`recognizers warmed in ${Date.now() - started} ms`);
}, 60_000);

const en = (text: string, now = NOW, tz = TZ) => parsePaymentDate(text, 'en', now, tz);
const fr = (text: string, now = NOW, tz = TZ) => parsePaymentDate(text, 'fr', now, tz);
const day = (date: string) => ({ ok: true, date, hasTime: false });

describe('parsePaymentDate: English', () => {
  it.each([
    ['yesterday', { ...day('2026-11-28'), value: '2026-11-27T23:00:00.000Z' }],
    ['2 days ago', day('2026-11-27')],
    ['I paid 2 days ago', day('2026-11-27')],
    ['3 Nov', day('2026-11-03')],
    ['on the 3rd', day('2026-11-03')],
    ['today', day('2026-11-29')],
    ['yesterday at 11pm', { ok: true, value: '2026-11-28T22:00:00.000Z', date: '2026-11-28', hasTime: true }],
    ['on 3 November at 23:00', { ok: true, value: '2026-11-03T22:00:00.000Z', date: '2026-11-03', hasTime: true }],
    ['3 hours ago', { ok: true, value: '2026-11-29T18:30:00.000Z', date: '2026-11-29', hasTime: true }],
    ['2 days ago at 10am', { ok: true, value: '2026-11-27T09:00:00.000Z', date: '2026-11-27', hasTime: true }],
  ])('%s', (text, expected) => {
    expect(en(text)).toMatchObject(expected);
  });

  it('last Tuesday is a Tuesday, before today, at most two weeks back', () => {
    const r = en('last Tuesday');
    if (!r.ok) throw new Error('not read');
    expect(new Date(`${r.date}T12:00:00Z`).getUTCDay()).toBe(2);
    expect(r.date < '2026-11-29' && r.date >= '2026-11-16').toBe(true);
    expect(r.hasTime).toBe(false);
  });

  it.each([
    ['tomorrow', 'future'],
    ['in 2 days', 'future'],
    ['3 November 2027', 'future'],
    ['last week', 'vague'],
    ['hello', 'none'],
    ['FL-800002', 'none'],
    ['', 'none'],
  ])('%s → refused (%s)', (text, reason) => {
    expect(en(text)).toEqual({ ok: false, reason });
  });

  it('a day of the year without a year: the nearest one is meant, and refused when it is ahead', () => {
    const nov2 = new Date('2026-11-02T10:00:00Z');
    expect(en('3 Nov', nov2)).toEqual({ ok: false, reason: 'future' });
    expect(fr('le 29 novembre à 23h')).toEqual({ ok: false, reason: 'future' });
    expect(fr('le 29 novembre à 21h')).toMatchObject({ ok: true, value: '2026-11-29T20:00:00.000Z' });
    expect(en('30 December', new Date('2027-01-02T10:00:00Z'))).toMatchObject(day('2026-12-30'));
  });

  it('a date the recognizer cannot place is not made up', () => {
    expect(en('on the 31st')).toEqual({ ok: false, reason: 'vague' });
  });

  it('a time later today is refused; the same time yesterday is read when said so', () => {
    expect(en('today at 11pm')).toEqual({ ok: false, reason: 'future' });
    expect(en('yesterday at 11pm')).toMatchObject({ ok: true });
  });

  it('reads the time in the bot’s time zone', () => {
    expect(en('yesterday at 11pm', NOW, 'America/New_York')).toMatchObject({ value: '2026-11-29T04:00:00.000Z', date: '2026-11-28' });
    expect(en('yesterday at 11pm', NOW, 'UTC')).toMatchObject({ value: '2026-11-28T23:00:00.000Z' });
  });
});

describe('parsePaymentDate: French', () => {
  it.each([
    ['hier', { ...day('2026-11-28'), value: '2026-11-27T23:00:00.000Z' }],
    ['avant-hier', day('2026-11-27')],
    ['il y a 4 jours', day('2026-11-25')],
    ["j'ai payé il y a deux jours", day('2026-11-27')],
    ['il y a une semaine', day('2026-11-22')],
    ['3 Nov', day('2026-11-03')],
    ["aujourd'hui", day('2026-11-29')],
    ['le 3 novembre à 23h', { ok: true, value: '2026-11-03T22:00:00.000Z', date: '2026-11-03', hasTime: true }],
    ['hier à 23h', { ok: true, value: '2026-11-28T22:00:00.000Z', date: '2026-11-28', hasTime: true }],
    ['il y a 3 heures', { ok: true, value: '2026-11-29T18:30:00.000Z', date: '2026-11-29', hasTime: true }],
    ['vendredi dernier à 14h30', { ok: true, date: '2026-11-20', hasTime: true, value: '2026-11-20T13:30:00.000Z' }],
  ])('%s', (text, expected) => {
    expect(fr(text)).toMatchObject(expected);
  });

  it('mardi dernier is a Tuesday, before today, at most two weeks back', () => {
    const r = fr('mardi dernier');
    if (!r.ok) throw new Error('not read');
    expect(new Date(`${r.date}T12:00:00Z`).getUTCDay()).toBe(2);
    expect(r.date < '2026-11-29' && r.date >= '2026-11-16').toBe(true);
  });

  it('"hier soir", "hier matin": the day before (the model alone reads them as today)', () => {
    expect(fr('hier soir')).toMatchObject(day('2026-11-28'));
    expect(fr("j'ai payé hier matin")).toMatchObject(day('2026-11-28'));
    expect(fr('avant-hier soir')).toMatchObject(day('2026-11-27'));
    expect(fr('ce matin')).toMatchObject(day('2026-11-29'));
  });

  it.each([
    ['demain', 'future'],
    ['dans 3 jours', 'future'],
    ['la semaine dernière', 'vague'],
    ['bonjour', 'none'],
  ])('%s → refused (%s)', (text, reason) => {
    expect(fr(text)).toEqual({ ok: false, reason });
  });

  it('across the change to summer time, each day keeps its own offset', () => {
    const monday = new Date('2026-03-30T10:00:00Z'); // summer time since Sunday 29 March, 03:00
    expect(fr('hier à 23h', monday)).toMatchObject({ value: '2026-03-29T21:00:00.000Z' });
    expect(fr('avant-hier à 23h', monday)).toMatchObject({ value: '2026-03-28T22:00:00.000Z' });
  });
});

describe('parsePaymentDate: properties', () => {
  const nows = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true });
  const zones = fc.constantFrom('Europe/Paris', 'UTC', 'America/New_York', 'Asia/Tokyo');
  const todayIn = (now: Date, tz: string) => new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(now);
  const minusDays = (iso: string, n: number) => new Date(Date.parse(`${iso}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

  it('"n days ago" / "il y a n jours" is n calendar days before today, wherever and whenever', () => {
    fc.assert(
      fc.property(nows, zones, fc.integer({ min: 1, max: 60 }), (now, tz, n) => {
        const expected = minusDays(todayIn(now, tz), n);
        const a = en(`${n} days ago`, now, tz);
        const b = fr(`il y a ${n} jours`, now, tz);
        return a.ok && b.ok && a.date === expected && b.date === expected && !a.hasTime && !b.hasTime;
      }),
      { numRuns: 60 },
    );
  });

  it('an accepted date is never in the future', () => {
    const texts = ['yesterday at 11pm', 'today', '3 Nov', 'at 9pm', 'hier à 23h', 'le 3 novembre à 23h', 'à 21h', 'mardi'];
    fc.assert(
      fc.property(nows, zones, fc.constantFrom(...texts), (now, tz, text) => {
        const r = parsePaymentDate(text, /[àéè]|hier|mardi/.test(text) ? 'fr' : 'en', now, tz);
        if (!r.ok) return true;
        return r.hasTime ? Date.parse(r.value) <= now.getTime() + 60_000 : r.date <= todayIn(now, tz);
      }),
      { numRuns: 80 },
    );
  });
});
