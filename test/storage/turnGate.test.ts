import { randomUUID } from 'node:crypto';
import { createRedisClient, RedisClient, waitUntilReady } from '../../src/storage/redisClient';
import { keyspace } from '../../src/storage/keys';
import { StateConflictError, TurnBusyError, TurnGate, type TurnHandle } from '../../src/storage/turnGate';
import { startRedis, type PrivateRedis } from '../support/redisServer';

/*
 * The turn gate (src/storage/turnGate.ts) on its own private Redis, which the tests hang with SIGSTOP:
 * a begin or a commit that timed out on the client is "maybe applied", and is resolved once Redis
 * answers again.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('TurnGate', () => {
  let server: PrivateRedis;
  let redis: RedisClient;
  let probe: RedisClient;
  const keys = keyspace(`tg${randomUUID().slice(0, 6)}`);

  beforeAll(async () => {
    server = await startRedis();
    redis = createRedisClient({ url: server.url, commandTimeoutMs: 300 });
    probe = createRedisClient({ url: server.url, commandTimeoutMs: 3000 });
    await Promise.all([waitUntilReady(redis), waitUntilReady(probe)]);
  });
  afterAll(async () => {
    server.process.kill('SIGCONT');
    redis.disconnect();
    probe.disconnect();
    await server.stop();
  });

  const gate = (opts = {}) => new TurnGate(redis, keys, { waitMs: 300, lockTtlMs: 8000, rateMax: 3, rateWindowMs: 60000, ...opts });
  /** Hangs Redis for `ms` while `during` runs, then waits until it answers again. */
  const stall = async <T>(ms: number, during: () => Promise<T>): Promise<T> => {
    server.process.kill('SIGSTOP');
    const resumed = new Promise<void>((r) =>
      setTimeout(() => {
        server.process.kill('SIGCONT');
        r();
      }, ms),
    );
    try {
      return await during();
    } finally {
      await resumed;
    }
  };
  const staged = (conv: string, json: string, expected = '') => ({
    key: keys.conversation(conv, 's:test'),
    mode: expected ? ('match' as const) : ('absent' as const),
    expected,
    eTag: randomUUID(),
    json,
  });

  it('a copy waits while its original runs, and is dropped once that turn committed; another message waits for the lock', async () => {
    const g = gate();
    const conv = randomUUID();
    const first = await g.begin(conv, { activityId: 'a1', rateLimited: true });
    expect(first.kind).toBe('ok');
    await expect(g.begin(conv, { activityId: 'a1' })).rejects.toBeInstanceOf(TurnBusyError);
    await expect(g.begin(conv, { activityId: 'a2' })).rejects.toBeInstanceOf(TurnBusyError);
    const copy = g.begin(conv, { activityId: 'a1' });
    await sleep(50);
    await (first as { turn: TurnHandle }).turn.commit();
    expect((await copy).kind).toBe('duplicate');
    expect((await g.begin(conv, { activityId: 'a1' })).kind).toBe('duplicate');
    const second = await g.begin(conv, { activityId: 'a2' });
    expect(second.kind).toBe('ok');
    await (second as { turn: TurnHandle }).turn.abort();
    // Not committed: its retry runs.
    const retry = await g.begin(conv, { activityId: 'a2' });
    expect(retry.kind).toBe('ok');
    await (retry as { turn: TurnHandle }).turn.commit();
  });

  it('counts messages against the conversation’s rate limit, in the same script', async () => {
    const g = gate();
    const conv = randomUUID();
    for (let i = 0; i < 3; i++) {
      const r = await g.begin(conv, { activityId: `m${i}`, rateLimited: true });
      await (r as { turn: TurnHandle }).turn.commit();
    }
    const over = await g.begin(conv, { activityId: 'm3', rateLimited: true });
    expect(over.kind).toBe('limited');
    expect((over as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(50000);
  });

  it('writes the state only if its eTag is still the one read: a turn that lost its lock cannot overwrite newer state', async () => {
    const g = gate({ lockTtlMs: 200 });
    const conv = randomUUID();
    const a = (await g.begin(conv, { activityId: 'x1' })) as { turn: TurnHandle };
    a.turn.staged = staged(conv, '{"v":1}');
    await a.turn.commit();
    const eTag = await probe.hget(keys.conversation(conv, 's:test'), 'e');
    // Turn B reads v1, stalls past its lock; turn C takes the lock and writes v2.
    const b = (await g.begin(conv, { activityId: 'x2' })) as { turn: TurnHandle };
    // B's process stalls (its event loop blocked, as by a slow recogniser): no renewal, the lock expires.
    const until = Date.now() + 400;
    while (Date.now() < until) {
      /* blocked */
    }
    const c = (await g.begin(conv, { activityId: 'x3' })) as { turn: TurnHandle };
    c.turn.staged = staged(conv, '{"v":2}', eTag!);
    await c.turn.commit();
    b.turn.staged = staged(conv, '{"v":"stale"}', eTag!);
    await expect(b.turn.commit()).rejects.toBeInstanceOf(StateConflictError);
    expect(await probe.hget(keys.conversation(conv, 's:test'), 'd')).toBe('{"v":2}');
    // B's message was not marked done: its retry runs.
    expect((await g.begin(conv, { activityId: 'x2' })).kind).toBe('ok');
  });

  it('a begin that timed out during a stall: its lock is given back as soon as Redis answers', async () => {
    const g = gate();
    const conv = randomUUID();
    await stall(1500, async () => {
      await expect(g.begin(conv, { activityId: 'b1' })).rejects.toThrow();
    });
    // The script ran once Redis woke up (the lock was taken for 8 s), and was given back right after.
    await sleep(500);
    expect(await probe.exists(keys.lock(conv))).toBe(0);
    await g.settled();
    expect((await g.begin(conv, { activityId: 'b1' })).kind).toBe('ok');
  });

  it('a commit that timed out but was applied counts as committed: the turn is not failed, its retry is a duplicate', async () => {
    const g = gate({ resolveInTurnMs: 3000 });
    const conv = randomUUID();
    const t = (await g.begin(conv, { activityId: 'c1' })) as { turn: TurnHandle };
    t.turn.staged = staged(conv, '{"v":"saved"}');
    await stall(1000, () => t.turn.commit()); // resolves: the commit ran once Redis answered
    expect(await probe.hget(keys.conversation(conv, 's:test'), 'd')).toBe('{"v":"saved"}');
    expect(await probe.exists(keys.lock(conv))).toBe(0);
    expect((await g.begin(conv, { activityId: 'c1' })).kind).toBe('duplicate');
  });

  it('a commit still unanswered after the wait fails the turn, and the lock is given back once Redis answers', async () => {
    const g = gate({ resolveInTurnMs: 200 });
    const conv = randomUUID();
    const t = (await g.begin(conv, { activityId: 'd1' })) as { turn: TurnHandle };
    t.turn.staged = staged(conv, '{"v":1}');
    const started = Date.now();
    await stall(1500, async () => {
      await expect(t.turn.commit()).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1400);
    });
    await sleep(500);
    await g.settled();
    expect(await probe.exists(keys.lock(conv))).toBe(0);
  });
});
