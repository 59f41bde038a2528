import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { keyspace } from '../../src/storage/keys';
import { DeskStore, queueScore, SEVERITIES, type Severity, type Tier } from '../../src/handoff/store';
import { isOpen, nextOpening, parseDeskHours } from '../../src/handoff/hours';

describe('desk queue (real Redis)', () => {
  const redis = new Redis(process.env.TEST_REDIS_URL as string);
  afterAll(() => redis.quit());
  const fresh = () => new DeskStore(redis as never, keyspace(`dq${randomUUID().slice(0, 8)}`));

  async function add(store: DeskStore, id: string, tier: Tier, severity: Severity, since: number) {
    return store.enqueue(
      { id, status: 'waiting', tier, language: 'en', topic: 'refund', reason: 'user_asked', severity, caseRef: null, since, firstSince: since, ref: '{}', channelId: 'test' },
      queueScore(tier, severity, since),
    );
  }

  it('serves Pro first, then suspended, urgent, review, normal, then oldest first', async () => {
    const store = fresh();
    const t0 = Date.now();
    // Added in an order that is none of the expected ones.
    await add(store, 'std-normal-old', 'standard', 'normal', t0 - 9000);
    await add(store, 'std-review', 'standard', 'review', t0 - 1000);
    await add(store, 'pro-normal', 'pro', 'normal', t0);
    await add(store, 'std-suspended', 'standard', 'suspended', t0);
    await add(store, 'std-urgent', 'standard', 'urgent', t0 - 500);
    await add(store, 'pro-suspended-new', 'pro', 'suspended', t0 + 10);
    await add(store, 'pro-suspended-old', 'pro', 'suspended', t0 - 10);
    await add(store, 'std-normal-new', 'standard', 'normal', t0);
    expect(await store.queueIds()).toEqual([
      'pro-suspended-old',
      'pro-suspended-new',
      'pro-normal',
      'std-suspended',
      'std-urgent',
      'std-review',
      'std-normal-old',
      'std-normal-new',
    ]);
    expect(await store.position('std-review')).toBe(6);
  });

  it('a conversation put back after a silent agent goes to the front of its tier', async () => {
    const store = fresh();
    const t0 = Date.now();
    await add(store, 'pro', 'pro', 'normal', t0);
    await add(store, 'urgent', 'standard', 'suspended', t0 - 5000);
    await add(store, 'back', 'standard', 'normal', t0 - 100);
    expect((await store.claim('back', 'alice', t0)).ok).toBe(true);
    expect(await store.requeue('back', 'alice', queueScore('standard', 'returned', t0 + 50), t0 + 50)).toBe(true);
    expect(await store.queueIds()).toEqual(['pro', 'back', 'urgent']);
    // Only once: the agent no longer has it.
    expect(await store.requeue('back', 'alice', 1, t0)).toBe(false);
    expect(await store.mine('alice')).toEqual([]);
  });

  it('the score keeps tier and severity apart for any arrival time (integers below 2^53)', () => {
    const latest = 4102444800000; // 2100-01-01
    for (const s of SEVERITIES) expect(queueScore('pro', s, latest)).toBeLessThan(queueScore('standard', 'returned', 0));
    expect(queueScore('standard', 'normal', latest)).toBeLessThan(Number.MAX_SAFE_INTEGER);
  });

  it('claim: one winner among 50 concurrent claims; the others learn who won; nothing left to claim after', async () => {
    const store = fresh();
    await add(store, 'c1', 'standard', 'review', Date.now());
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.claim('c1', `agent${i}`, Date.now())));
    const winners = results.map((r, i) => (r.ok ? `agent${i}` : undefined)).filter(Boolean);
    expect(winners).toHaveLength(1);
    for (const r of results) if (!r.ok) expect(r).toEqual({ ok: false, by: winners[0] });
    expect(await store.queueIds()).toEqual([]);
    expect(await store.mine(winners[0]!)).toEqual(['c1']);
    expect(await store.claim('nope', 'agent1', Date.now())).toEqual({ ok: false, notFound: true });
  });

  it('enqueue twice keeps one entry and its place; finish only by the agent who has it', async () => {
    const store = fresh();
    const t0 = Date.now();
    expect(await add(store, 'x', 'standard', 'normal', t0)).toBe(true);
    expect(await add(store, 'x', 'pro', 'normal', t0 + 1)).toBe(false);
    expect(await store.queueIds()).toEqual(['x']);
    await store.claim('x', 'alice', t0);
    expect(await store.finish('x', 'bob', 'closed')).toBe(false);
    expect(await store.finish('x', 'alice', 'closed')).toBe(true);
    expect((await store.get('x'))?.status).toBe('closed');
    // Closed: a new request queues it again.
    expect(await add(store, 'x', 'standard', 'normal', t0 + 2)).toBe(true);
  });
});

describe('desk records leave the shared slot when the conversation leaves the desk (real Redis)', () => {
  const redis = new Redis(process.env.TEST_REDIS_URL as string);
  afterAll(() => redis.quit());
  const fresh = () => new DeskStore(redis as never, keyspace(`da${randomUUID().slice(0, 8)}`));
  const add = (store: DeskStore, id: string, since = Date.now()) =>
    store.enqueue(
      { id, status: 'waiting', tier: 'standard', language: 'fr', topic: 'refund', reason: 'user_asked', severity: 'normal', caseRef: 'RF-ABCDE', since, firstSince: since, ref: '{}', channelId: 'test' },
      queueScore('standard', 'normal', since),
    );

  it('closed or released: the record is in the conversation\'s own slot, found by every reader, 30 days; queued again: live again', async () => {
    const store = fresh();
    await add(store, 'a');
    await add(store, 'b');
    expect(await redis.exists(store.convKey('a'))).toBe(1);
    await store.claim('a', 'alice', Date.now());
    expect(await store.finish('a', 'alice', 'closed')).toBe(true);
    expect((await store.stop('b', 'released')).stopped).toBe(true);
    for (const [id, status] of [['a', 'closed'], ['b', 'released']] as const) {
      expect(await redis.exists(store.convKey(id))).toBe(0);
      expect(await redis.hget(store.archiveKey(id), 'status')).toBe(status);
      const ttl = await redis.ttl(store.archiveKey(id));
      expect(ttl).toBeGreaterThan(30 * 86400 - 60);
      expect(ttl).toBeLessThanOrEqual(30 * 86400);
      expect(await store.get(id)).toMatchObject({ id, status, language: 'fr', caseRef: 'RF-ABCDE' });
    }
    expect((await store.getMany(['a', 'b', 'none'])).map((c) => c.status)).toEqual(['closed', 'released']);
    expect(await redis.scard(store.archivingKey)).toBe(0);
    // A write to an archived record goes there, and never creates a live one.
    await store.set('a', { email: 'x@example.org' });
    await store.incrUnread('a');
    expect(await redis.exists(store.convKey('a'))).toBe(0);
    expect((await store.get('a'))?.email).toBe('x@example.org');
    await store.set('never-queued', { toldPos: 3 });
    expect(await store.get('never-queued')).toBeNull();
    expect(await redis.exists(store.convKey('never-queued'), store.archiveKey('never-queued'))).toBe(0);
    // Queued again: a fresh live record (as before), the archived copy gone.
    expect(await add(store, 'a')).toBe(true);
    expect(await store.get('a')).toMatchObject({ status: 'waiting' });
    expect((await store.get('a'))?.email).toBeUndefined();
    expect(await redis.exists(store.archiveKey('a'))).toBe(0);
    expect(await store.queueIds()).toEqual(['a']);
  });

  it('a move interrupted at any step is finished by the sweeper; meanwhile readers prefer the live copy', async () => {
    const store = fresh();
    await add(store, 'x');
    await store.claim('x', 'alice', Date.now());
    await store.finish('x', 'alice', 'closed');
    const archived = await redis.hgetall(store.archiveKey('x'));

    // Crash after the script ended the conversation, before the copy: live hash only, journalled.
    await redis.hset(store.convKey('x'), { ...archived, preview: 'live copy' });
    await redis.expire(store.convKey('x'), 30 * 86400);
    await redis.del(store.archiveKey('x'));
    await redis.sadd(store.archivingKey, 'x');
    expect((await store.get('x'))?.preview).toBe('live copy');
    expect(await store.finishArchiving()).toBe(1);
    expect(await redis.exists(store.convKey('x'))).toBe(0);
    expect(await store.get('x')).toMatchObject({ status: 'closed', preview: 'live copy' });

    // Crash after the copy, before the delete: both copies; the live one wins until the sweeper runs.
    await redis.hset(store.convKey('x'), { ...archived, preview: 'newer live copy' });
    await redis.sadd(store.archivingKey, 'x');
    expect((await store.get('x'))?.preview).toBe('newer live copy');
    await store.finishArchiving();
    expect(await redis.exists(store.convKey('x'))).toBe(0);
    expect((await store.get('x'))?.preview).toBe('newer live copy');
    expect(await redis.scard(store.archivingKey)).toBe(0);

    // Journalled, but queued again before the sweeper ran: nothing moves, the journal entry goes.
    await add(store, 'x');
    await redis.sadd(store.archivingKey, 'x');
    await store.finishArchiving();
    expect(await store.get('x')).toMatchObject({ status: 'waiting' });
    expect(await redis.exists(store.convKey('x'))).toBe(1);
    expect(await redis.scard(store.archivingKey)).toBe(0);
    // Run again and again: nothing to do.
    expect(await store.archive('x')).toBe(true);
    expect(await store.archive('gone')).toBe(true);
  });
});

describe('DESK_HOURS', () => {
  const hours = parseDeskHours('mon-fri 09:00-18:00; sat 10:00-13:00');
  const tz = 'Europe/Paris';

  it('is open inside the hours, in TIME_ZONE', () => {
    expect(isOpen(hours, new Date('2026-12-01T08:30:00Z'), tz)).toBe(true); // Tue 09:30 Paris
    expect(isOpen(hours, new Date('2026-12-01T07:30:00Z'), tz)).toBe(false); // Tue 08:30 Paris
    expect(isOpen(hours, new Date('2026-12-06T10:00:00Z'), tz)).toBe(false); // Sunday
    expect(isOpen(undefined, new Date(), tz)).toBe(true);
  });

  it('knows the next opening', () => {
    // Saturday 14:00 Paris → Monday 09:00 Paris.
    expect(nextOpening(hours, new Date('2026-12-05T13:00:00Z'), tz)?.toISOString()).toBe('2026-12-07T08:00:00.000Z');
  });

  it('refuses what it cannot read', () => {
    for (const bad of ['', 'monday 9-5', 'mon 18:00-09:00', 'xyz 09:00-10:00', 'mon 25:00-26:00']) expect(() => parseDeskHours(bad)).toThrow();
  });
});
