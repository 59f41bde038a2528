/** Calendar and business days, from the injected "now", in the configured time zone. */
import { addBusinessDays, dayOf, isoDate } from '../../src/eligibility/calendar';
import { evaluate } from '../../src/eligibility';
import { decide, eur, kase, order } from './fixtures';

const d = (iso: string) => dayOf(iso, 'UTC');

describe('calendar', () => {
  test('the calendar day depends on the time zone', () => {
    expect(isoDate(dayOf('2024-05-14T23:30:00Z', 'Europe/Paris'))).toBe('2024-05-15');
    expect(isoDate(dayOf('2024-05-14T23:30:00Z', 'America/New_York'))).toBe('2024-05-14');
    expect(isoDate(dayOf('2024-05-15T01:00:00+02:00', 'UTC'))).toBe('2024-05-14');
    expect(isoDate(dayOf('2024-05-15', 'Pacific/Kiritimati'))).toBe('2024-05-15');
  });

  test('daylight saving change does not shift days', () => {
    expect(isoDate(dayOf('2024-03-31T01:30:00Z', 'Europe/Paris'))).toBe('2024-03-31');
    expect(isoDate(dayOf('2024-10-26T22:30:00Z', 'Europe/Paris'))).toBe('2024-10-27');
  });

  test('business days skip weekends', () => {
    expect(isoDate(addBusinessDays(d('2024-05-17'), 1))).toBe('2024-05-20'); // Friday → Monday
    expect(isoDate(addBusinessDays(d('2024-05-18'), 3))).toBe('2024-05-22'); // Saturday → Wednesday
    expect(isoDate(addBusinessDays(d('2024-05-17'), 10))).toBe('2024-05-31');
    expect(isoDate(addBusinessDays(d('2024-05-17'), 0))).toBe('2024-05-17');
  });

  test('an unknown time zone is a configuration error', () => {
    const c = { case: { topic: 'refund' as const, now: '2024-05-15', claims: {}, proof: {} } };
    expect(() => evaluate(c, { timeZone: 'Mars/Olympus' })).toThrow(RangeError);
  });
});

describe('dates in decisions follow the configured time zone', () => {
  const approval = kase({
    now: '2024-05-17T22:30:00Z', // Friday evening in New York, Saturday 00:30 in Paris
    order: order({ adBroadcast: 'not_started', paidAt: '2024-05-10' }),
    claims: { reason: 'paid_by_mistake', amount: eur(3000) },
  });

  test('R5.1: 3–10 business days counted from today in the time zone', () => {
    expect(decide(approval, 'standard', 'Europe/Paris').timeline).toEqual({
      kind: 'business_days', min: 3, max: 10, earliest: '2024-05-22', latest: '2024-05-31',
    });
    expect(decide(approval, 'standard', 'America/New_York').timeline).toEqual({
      kind: 'business_days', min: 3, max: 10, earliest: '2024-05-22', latest: '2024-05-31',
    });
    const monday = { ...approval, now: '2024-05-20T08:00:00+02:00' };
    expect(decide(monday, 'standard', 'Europe/Paris').timeline).toMatchObject({ earliest: '2024-05-23', latest: '2024-06-03' });
  });

  test('P1: "wait until" is paid day + 3 calendar days in the time zone', () => {
    const c = kase({
      topic: 'payment_not_received',
      now: '2024-05-15T12:00:00Z',
      order: order({ serviceType: 'merchant_purchase', paymentRegistered: false, paidAt: undefined }),
      claims: { paidAt: '2024-05-14T22:30:00Z' }, // 15 May in Paris, 14 May in New York
    });
    expect(decide(c, 'standard', 'Europe/Paris').timeline).toEqual({ kind: 'wait_until', date: '2024-05-18' });
    expect(decide(c, 'standard', 'America/New_York').timeline).toEqual({ kind: 'wait_until', date: '2024-05-17' });
    // On day 3 itself the wait is over.
    const day3 = { ...c, now: '2024-05-18T00:10:00+02:00' };
    expect(decide(day3, 'standard', 'Europe/Paris').outcome).not.toBe('wait');
    expect(decide({ ...c, now: '2024-05-17T23:50:00+02:00' }, 'standard', 'Europe/Paris').outcome).toBe('wait');
  });

  test('D6.3: the 180th day closes at midnight in the time zone', () => {
    const c = kase({
      topic: 'dispute',
      now: '2024-05-15T22:30:00Z', // 16 May in Paris (181 days), 15 May in UTC (180 days)
      order: order({ serviceType: 'merchant_purchase', status: 'completed', transactionAt: '2023-11-17' }),
      claims: { problem: 'not_arrived', merchantContact: 'no_reply' },
    });
    expect(decide(c, 'standard', 'Europe/Paris').outcome).toBe('refusal');
    expect(decide(c, 'standard', 'UTC').outcome).toBe('report_filed');
  });
});

describe('suspension stops every topic, with the profile clause', () => {
  test.each([
    ['payment_not_received', 'standard', 'R6.5'],
    ['payment_not_received', 'balance-only', 'B11'],
    ['dispute', 'standard', 'R6.5'],
    ['dispute', 'balance-only', 'B11'],
  ] as const)('%s in %s', (topic, profile, clause) => {
    const c = kase({ topic, account: { tier: 'standard', fraudFlag: false, openChargeback: true } });
    const dec = decide(c, profile);
    expect(dec.outcome).toBe('suspended');
    expect(dec.clauses).toEqual([clause]);
    expect(dec.review).toEqual({ required: true, priority: 'high', reasons: ['open_chargeback'] });
  });

  test('a Pro account keeps the highest priority when suspended', () => {
    const dec = decide(kase({ account: { tier: 'pro', fraudFlag: true, openChargeback: false } }));
    expect(dec.review.priority).toBe('pro');
  });
});
