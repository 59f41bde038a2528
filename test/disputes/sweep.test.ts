/**
 * The dispute sweep (D5 merchant deadline, D6.3 automatic closing) with an injected clock and TWO
 * sweepers, each with its own Redis connection, repository, merchants adapter and notifier, as two bot
 * instances would have, running at the same moments on one real Redis: every change is made once,
 * every customer told once.
 */
import Redis from 'ioredis';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { RedisCaseRepository, TELL_GRACE_MS } from '../../src/cases/repository';
import type { CaseOwner, CaseRecord, NewCase } from '../../src/cases/types';
import { DisputeSweeper, runSweep, type SweepReport } from '../../src/disputes/sweep';
import { DemoData } from '../../src/services/demo/data';
import { DemoAccountsAdapter, DemoMerchantsAdapter } from '../../src/services/demo/adapters';
import { createNotifications, type Notifications } from '../../src/services/notifications';
import { keyspace } from '../../src/storage/keys';
import { disputeCase } from '../support/disputeCases';

const T0 = new Date('2031-03-15T10:00:00.000Z');
let now = T0;
const clock = () => now;
const at = (ms: number) => (now = new Date(T0.getTime() + ms));
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const keys = keyspace(`test-sweep-${process.pid}-${Date.now()}`);
const data = DemoData.load();
const logger = pino({ level: 'silent' });
const config = loadConfig({ REDIS_URL: process.env.TEST_REDIS_URL, LOG_LEVEL: 'silent', BRAND_NAME: 'Acme', REDIS_KEY_PREFIX: keys.prefix });
const noah: CaseOwner = { channelId: 'directline', userId: 'noah', accountId: 'ACC-NOAH' };

interface Instance {
  name: string;
  redis: Redis;
  cases: RedisCaseRepository;
  merchants: DemoMerchantsAdapter;
  notifications: Notifications;
}
const chat: { instance: string; reference: string; conversationId: string; text: string }[] = [];
let a: Instance;
let b: Instance;

async function instance(name: string): Promise<Instance> {
  const redis = new Redis(process.env.TEST_REDIS_URL as string);
  const notifications = await createNotifications(config, redis, keys, new DemoAccountsAdapter(data, { now: clock }), logger);
  return { name, redis, cases: new RedisCaseRepository(redis, keys, { now: clock }), merchants: new DemoMerchantsAdapter(data, redis, keys, { now: clock }), notifications };
}

const sweep = (i: Instance): Promise<SweepReport> =>
  runSweep({
    cases: i.cases,
    merchants: i.merchants,
    notifier: i.notifications.notifier,
    // The chat side of a proactive message: what the conversation would receive, and from which instance.
    tellInChat: async (record, text) => void chat.push({ instance: i.name, reference: record.reference, conversationId: record.conversationReference.conversation!.id, text }),
    logger,
    now: clock,
    by: `system:sweep-${i.name}`,
  });

/** Both instances sweep at the same moment; their reports, merged. */
async function sweepBoth(): Promise<Record<keyof SweepReport, string[]>> {
  const [ra, rb] = await Promise.all([sweep(a), sweep(b)]);
  const merged = {} as Record<keyof SweepReport, string[]>;
  for (const k of Object.keys(ra) as (keyof SweepReport)[]) merged[k] = [...ra[k], ...rb[k]].sort();
  return merged;
}

/** A dispute whose delivery complaint was sent to the merchant through the merchants port (D5). */
async function sentToMerchant(orderId: string, extra: Partial<NewCase> = {}): Promise<CaseRecord> {
  const draft = await disputeCase(noah, { now, orderId, conversationId: `conv-${orderId}`, ...extra });
  const order = draft.facts.order!;
  const merchantName = data.order(orderId, now)!.merchantName!;
  const record = await a.cases.create({ ...draft, status: 'waiting_merchant' });
  const { deadline } = await a.merchants.sendComplaint({ caseRef: record.reference, merchantName, orderId: order.id, problem: 'not_arrived', language: 'fr', message: 'Colis jamais reçu.' });
  return (await a.cases.setDispute(record.reference, { merchantName, complaintType: 'delivery', complaintSentAt: now.toISOString(), merchantDeadline: deadline }, 'bot'))!;
}

const empty = { closedAuto: [], movedToPlatform: [], merchantAnswered: [], told: [], skipped: [] };

beforeAll(async () => {
  a = await instance('a');
  b = await instance('b');
});
afterAll(async () => {
  const found = await a.redis.keys(keys.pattern());
  if (found.length) await a.redis.del(...found);
  for (const i of [a, b]) {
    await i.notifications.stop();
    await i.redis.quit();
  }
});

describe('dispute sweep, two instances, injected clock', () => {
  let silent: CaseRecord; // Atelier Verre never answers; 7 days
  let answers: CaseRecord; // SoundPoint answers after 2 hours; 7 days
  let quick: CaseRecord; // Colis Express never answers; 3 minutes; no conversation kept
  let old: CaseRecord; // transaction 179 days and 23 hours ago: D6.3 in one hour
  let untouched: CaseRecord; // open, merchant not contacted yet

  it('nothing is due: nothing changes', async () => {
    at(0);
    silent = await sentToMerchant('FL-900004');
    answers = await sentToMerchant('FL-900005');
    quick = await sentToMerchant('FL-900007', { conversationReference: {} });
    old = await a.cases.create(await disputeCase(noah, { now, orderId: 'FL-900008' }));
    untouched = await a.cases.create(await disputeCase(noah, { now, orderId: 'FL-900001' }));
    at(1 * MIN);
    expect(await sweepBoth()).toEqual(empty);
  });

  it('after 2 hours: the old dispute is closed (D6.3) and the 3-minute merchant’s case goes to the platform, once each', async () => {
    at(2 * HOUR);
    expect(await sweepBoth()).toEqual({ ...empty, closedAuto: [old.reference], movedToPlatform: [quick.reference], told: [quick.reference] });
    const closed = (await a.cases.get(old.reference))!;
    expect(closed.status).toBe('closed_auto');
    expect(closed.history.filter((h) => h.status === 'closed_auto')).toHaveLength(1);
    const moved = (await a.cases.get(quick.reference))!;
    expect(moved.status).toBe('platform_review');
    expect(moved.dispute).toMatchObject({ merchantName: 'Colis Express', deadlinePassedAt: now.toISOString(), customerToldAt: now.toISOString() });
    expect(moved.history.filter((h) => h.status === 'platform_review' && h.note?.includes('no answer'))).toHaveLength(1);
    // No conversation kept on that case: no chat message, the e-mail only.
    expect(chat).toEqual([]);
  });

  it('after 7 days: the silent merchant’s case moves to the platform and the customer is told in the chat once; the merchant who answered: open again', async () => {
    at(7 * DAY + 1 * MIN);
    expect(await sweepBoth()).toEqual({ ...empty, movedToPlatform: [silent.reference], merchantAnswered: [answers.reference], told: [silent.reference] });
    expect((await a.cases.get(silent.reference))!.status).toBe('platform_review');
    const reopened = (await a.cases.get(answers.reference))!;
    expect(reopened.status).toBe('open');
    expect(reopened.dispute?.merchantAnsweredAt).toBe(new Date(T0.getTime() + 2 * HOUR).toISOString());
    expect((await a.cases.get(untouched.reference))!.status).toBe('open');

    expect(chat).toHaveLength(1);
    expect(chat[0]).toMatchObject({ reference: silent.reference, conversationId: 'conv-FL-900004' });
    expect(chat[0]!.text).toBe(`À propos de votre demande ${silent.reference}\u202f: Atelier Verre n'a pas répondu à temps, notre équipe prend donc le relais. Nous contactons le vendeur et revenons vers vous. Vous n'avez rien à faire.`);
  });

  it('one e-mail per case moved, to the account’s address, in the customer’s language', async () => {
    while ((await a.notifications.outbox!.tick()) > 0);
    const mails = (await a.notifications.devMailbox!.list(100)).filter((m) => m.kind === 'merchant_deadline');
    expect(mails.map((m) => m.reference).sort()).toEqual([quick.reference, silent.reference].sort());
    expect(mails.every((m) => m.to === 'noah.lefebvre@example.com' && m.language === 'fr')).toBe(true);
    expect(mails.find((m) => m.reference === silent.reference)!.text).toContain('Atelier Verre');
  });

  it('later runs change nothing, and the sweep indexes no longer list the moved or closed cases', async () => {
    at(8 * DAY);
    expect(await sweepBoth()).toEqual(empty);
    const deadlines = await a.redis.zrange(a.cases.sweepKey('deadline'), 0, -1);
    expect(deadlines).not.toEqual(expect.arrayContaining([silent.reference]));
    expect(deadlines).toEqual([]);
    expect(await a.redis.zscore(a.cases.sweepKey('expiry'), old.reference)).toBeNull();
  });

  it('180 days after their transactions, every open dispute is closed, once', async () => {
    at(200 * DAY);
    const r = await sweepBoth();
    expect(r.closedAuto).toEqual([silent.reference, answers.reference, quick.reference, untouched.reference].sort());
    for (const c of [silent, answers, quick, untouched]) {
      const rec = (await a.cases.get(c.reference))!;
      expect(rec.status).toBe('closed_auto');
      expect(rec.history.filter((h) => h.status === 'closed_auto')).toHaveLength(1);
    }
  });

  it('an instance that moved a case and stopped before telling: another tells the customer after the grace period, once', async () => {
    at(201 * DAY);
    const c = await sentToMerchant('FL-900004');
    at(208 * DAY + MIN);
    // The crashed instance: the move, and nothing after it.
    await a.cases.transition(c.reference, { from: ['waiting_merchant'], to: 'platform_review', by: 'system:sweep-crashed', patch: { deadlinePassedAt: now.toISOString() } });
    chat.length = 0;
    at(208 * DAY + MIN + TELL_GRACE_MS - 1000);
    expect(await sweepBoth()).toEqual(empty);
    at(208 * DAY + MIN + TELL_GRACE_MS);
    expect(await sweepBoth()).toEqual({ ...empty, told: [c.reference] });
    expect(chat.map((m) => m.reference)).toEqual([c.reference]);
    expect((await a.cases.get(c.reference))!.dispute?.customerToldAt).toBe(now.toISOString());
    expect(await sweepBoth()).toEqual(empty);
  });

  it('the merchants service down: the case waits for the next run, nothing is lost', async () => {
    at(300 * DAY);
    const c = await sentToMerchant('FL-900004');
    at(307 * DAY + MIN);
    const dead = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const r = await runSweep({ cases: a.cases, merchants: new DemoMerchantsAdapter(data, dead, keys, { now: clock }), logger, now: clock });
    dead.disconnect();
    expect(r).toEqual({ ...empty, skipped: [c.reference] });
    expect((await a.cases.get(c.reference))!.status).toBe('waiting_merchant');
    expect((await sweepBoth()).movedToPlatform).toEqual([c.reference]);
  });
});

describe('DisputeSweeper (the timer)', () => {
  it('runs on its interval, and stop() ends it, waiting for a run in progress', async () => {
    at(400 * DAY);
    const c = await a.cases.create(await disputeCase(noah, { now, orderId: 'FL-900008' }));
    at(400 * DAY + 2 * HOUR);
    const sweeper = new DisputeSweeper({ cases: a.cases, merchants: a.merchants, logger, now: clock, intervalMs: 30 });
    sweeper.start();
    const deadline = Date.now() + 5000;
    while ((await a.cases.get(c.reference))!.status !== 'closed_auto' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sweeper.stop();
    expect((await a.cases.get(c.reference))!.status).toBe('closed_auto');
    // Stopped: a case due now stays as it is.
    const d = await a.cases.create(await disputeCase(noah, { now: new Date(now.getTime() - 2 * HOUR), orderId: 'FL-900008' }));
    await new Promise((r) => setTimeout(r, 150));
    expect((await a.cases.get(d.reference))!.status).toBe('open');
  });
});
