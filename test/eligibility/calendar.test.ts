/** Calendar and business days, from the injected "now", in the configured time zone. */
import { addBusinessDays, dayOf, instantMs, isAfter, isBusinessDay, isoDate, startOfDayMs } from '../../src/eligibility/calendar';
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

  test('business days also skip the public holidays of the configured country', () => {
    // France: Whit Monday 20 May 2024, Victory Day 8 May, Christmas; a plain Tuesday is a business day.
    expect(isBusinessDay(d('2024-05-20'), 'FR')).toBe(false);
    expect(isBusinessDay(d('2024-05-08'), 'FR')).toBe(false);
    expect(isBusinessDay(d('2024-12-25'), 'FR')).toBe(false);
    expect(isBusinessDay(d('2024-05-21'), 'FR')).toBe(true);
    // Another country, another calendar: 8 May is a working day in the US, 4 July is not.
    expect(isBusinessDay(d('2024-05-08'), 'US')).toBe(true);
    expect(isBusinessDay(d('2024-07-04'), 'US')).toBe(false);
    // Friday 17 May + 1 business day: Monday 20 is a holiday in France, so Tuesday 21.
    expect(isoDate(addBusinessDays(d('2024-05-17'), 1, 'FR'))).toBe('2024-05-21');
    expect(isoDate(addBusinessDays(d('2024-05-17'), 1, null))).toBe('2024-05-20');
    // Across the new year: 31 Dec 2024 (Tue) + 1 → 2 Jan 2025 (1 Jan is a holiday).
    expect(isoDate(addBusinessDays(d('2024-12-31'), 1, 'FR'))).toBe('2025-01-02');
  });

  test('an unknown holidays country is a configuration error', () => {
    const c = { case: { topic: 'refund' as const, now: '2024-05-15', claims: {}, proof: {} } };
    expect(() => evaluate(c, { timeZone: 'Europe/Paris', holidaysCountry: 'ZZ' })).toThrow(RangeError);
  });

  test('a calendar date alone is the start of that day in the time zone, across daylight saving changes', () => {
    expect(new Date(startOfDayMs(d('2024-05-15'), 'Europe/Paris')).toISOString()).toBe('2024-05-14T22:00:00.000Z');
    expect(new Date(startOfDayMs(d('2024-01-15'), 'Europe/Paris')).toISOString()).toBe('2024-01-14T23:00:00.000Z');
    expect(new Date(startOfDayMs(d('2024-03-31'), 'Europe/Paris')).toISOString()).toBe('2024-03-30T23:00:00.000Z');
    expect(new Date(startOfDayMs(d('2024-11-03'), 'America/New_York')).toISOString()).toBe('2024-11-03T04:00:00.000Z');
    expect(instantMs('2024-05-15T10:00:00+02:00', 'UTC')).toBe(Date.UTC(2024, 4, 15, 8));
  });

  test('"later than now": exact times, with a few minutes of tolerance; calendar dates by day', () => {
    const now = '2024-05-15T10:00:00+02:00';
    expect(isAfter('2024-05-15T10:10:00+02:00', now, 'Europe/Paris', 5 * 60_000)).toBe(true);
    expect(isAfter('2024-05-15T10:04:00+02:00', now, 'Europe/Paris', 5 * 60_000)).toBe(false);
    expect(isAfter('2024-05-15', now, 'Europe/Paris')).toBe(false);
    expect(isAfter('2024-05-16', now, 'Europe/Paris')).toBe(true);
    expect(isAfter('2024-05-15T23:30:00+02:00', '2024-05-15', 'Europe/Paris')).toBe(false);
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

  test('R5.1: 3–10 business days counted from today in the time zone (weekends only)', () => {
    expect(decide(approval, 'standard', 'Europe/Paris', null).timeline).toEqual({
      kind: 'business_days', min: 3, max: 10, earliest: '2024-05-22', latest: '2024-05-31',
    });
    expect(decide(approval, 'standard', 'America/New_York', null).timeline).toEqual({
      kind: 'business_days', min: 3, max: 10, earliest: '2024-05-22', latest: '2024-05-31',
    });
    const monday = { ...approval, now: '2024-05-20T08:00:00+02:00' };
    expect(decide(monday, 'standard', 'Europe/Paris', null).timeline).toMatchObject({ earliest: '2024-05-23', latest: '2024-06-03' });
  });

  test('R5.1: with French public holidays, Whit Monday (20 May 2024) is not a business day', () => {
    // Saturday 18 May in Paris: Tue 21, Wed 22, Thu 23 … Mon 3 June.
    expect(decide(approval, 'standard', 'Europe/Paris', 'FR').timeline).toEqual({
      kind: 'business_days', min: 3, max: 10, earliest: '2024-05-23', latest: '2024-06-03',
    });
    // The default is France, as HOLIDAYS_COUNTRY's.
    expect(decide(approval, 'standard', 'Europe/Paris').timeline).toMatchObject({ earliest: '2024-05-23' });
    // In the US, 20 May is a working day (Memorial Day is the 27th).
    expect(decide(approval, 'standard', 'Europe/Paris', 'US').timeline).toEqual({
      kind: 'business_days', min: 3, max: 10, earliest: '2024-05-22', latest: '2024-06-03',
    });
  });

  test('P1: "wait 3 days" is 72 hours from the payment date and time', () => {
    // Paid at 23:00 on the 17th (Paris): can be reported from 23:00 on the 20th, not at midnight.
    const c = (now: string) =>
      kase({
        topic: 'payment_not_received',
        now,
        order: order({ serviceType: 'merchant_purchase', paymentRegistered: false, paidAt: undefined }),
        claims: { paidAt: '2024-05-17T23:00:00+02:00', amountDebited: true, payeeDetailsCorrect: true, paidMerchantDirectly: false },
        proof: { paymentReference: 'REF-1' },
      });
    const atMidnight = decide(c('2024-05-20T00:00:00+02:00'), 'standard', 'Europe/Paris');
    expect(atMidnight.outcome).toBe('wait');
    expect(atMidnight.timeline).toEqual({ kind: 'wait_until', date: '2024-05-20', at: '2024-05-20T21:00:00.000Z' });
    expect(atMidnight.facts).toContainEqual({ code: 'payment.wait_period', values: { paidAt: '2024-05-17T23:00:00+02:00', until: '2024-05-20T21:00:00.000Z' } });
    expect(decide(c('2024-05-20T22:59:00+02:00'), 'standard', 'Europe/Paris').outcome).toBe('wait');
    const at23 = decide(c('2024-05-20T23:00:00+02:00'), 'standard', 'Europe/Paris');
    expect(at23.outcome).toBe('report_filed');
    expect(at23.facts).toContainEqual({ code: 'payment.wait_over', values: { paidAt: '2024-05-17T23:00:00+02:00', since: '2024-05-20T21:00:00.000Z' } });
  });

  test('P1: the date of "wait until" is the day the 72 hours end, in the time zone', () => {
    const c = kase({
      topic: 'payment_not_received',
      now: '2024-05-15T12:00:00Z',
      order: order({ serviceType: 'merchant_purchase', paymentRegistered: false, paidAt: undefined }),
      claims: { paidAt: '2024-05-14T22:30:00Z' }, // ends 2024-05-17T22:30Z: 18 May in Paris, 17 May in New York
    });
    expect(decide(c, 'standard', 'Europe/Paris').timeline).toEqual({ kind: 'wait_until', date: '2024-05-18', at: '2024-05-17T22:30:00.000Z' });
    expect(decide(c, 'standard', 'America/New_York').timeline).toEqual({ kind: 'wait_until', date: '2024-05-17', at: '2024-05-17T22:30:00.000Z' });
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

describe('any date in the future goes to a person, naming the fact', () => {
  test.each([
    ['dispute: transaction date', kase({ topic: 'dispute', order: order({ serviceType: 'merchant_purchase', status: 'completed', transactionAt: '2024-05-16' }), claims: { problem: 'not_arrived', merchantContact: 'no_reply' } }), 'order.transactionAt', 'D6.3'],
    ['dispute: merchant contacted tomorrow', kase({ topic: 'dispute', order: order({ serviceType: 'merchant_purchase', status: 'completed' }), claims: { problem: 'not_arrived', merchantContact: 'no_reply', merchantContactedAt: '2024-05-16T09:00:00+02:00' } }), 'claims.merchantContactedAt', 'D6.3'],
    ['payment not registered: the order says it was paid in an hour', kase({ topic: 'payment_not_received', order: order({ serviceType: 'merchant_purchase', paymentRegistered: false, paidAt: '2024-05-15T11:00:00+02:00' }) }), 'order.paidAt', 'P1'],
  ] as const)('%s', (_name, c, fact, clause) => {
    for (const profile of ['standard', 'balance-only'] as const) {
      const dec = decide(c, profile);
      expect(dec.outcome).toBe('needs_review');
      expect(dec.clauses).toEqual([clause]);
      expect(dec.conflictingFacts).toEqual([fact, 'now']);
      expect(dec.facts).toContainEqual({ code: 'date.in_future', values: expect.objectContaining({ fact }) });
    }
  });

  test('a payment a minute "ahead" is clock skew between services, not the future', () => {
    const c = kase({ order: order({ adBroadcast: 'not_started', paidAt: '2024-05-15T10:01:00+02:00' }), claims: { reason: 'paid_by_mistake', amount: eur(3000) } });
    expect(decide(c).outcome).toBe('provisional_approval');
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
