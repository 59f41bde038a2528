import { keyspace } from '../../src/storage/keys';
import type { RedisClient } from '../../src/storage/redisClient';
import { LockTimeoutError, TurnLock } from '../../src/storage/turnLock';
import { close, connect, dropPrefix, sleep, uniquePrefix } from './helpers';

describe('TurnLock', () => {
  const prefix = uniquePrefix('lock');
  const keys = keyspace(prefix);
  // Three clients stand for three bot instances on one Redis.
  let clients: RedisClient[];

  beforeAll(async () => {
    clients = await Promise.all([connect(), connect(), connect()]);
  });
  afterAll(async () => {
    await dropPrefix(clients[0], prefix);
    await Promise.all(clients.map(close));
  });

  it('serialises many concurrent turns of one conversation across instances', async () => {
    const locks = clients.map((c) => new TurnLock(c, keys, { retryMaxMs: 20 }));
    const counter = keys.conversation('conv-mutex', 'counter');
    let inside = 0;
    let maxInside = 0;
    const turns = Array.from({ length: 45 }, (_, i) =>
      locks[i % locks.length].withLock('conv-mutex', async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        const n = Number((await clients[0].get(counter)) ?? 0);
        await sleep(2);
        await clients[0].set(counter, String(n + 1));
        inside--;
        return i;
      }),
    );
    expect(await Promise.all(turns)).toEqual(Array.from({ length: 45 }, (_, i) => i));
    expect(await clients[0].get(counter)).toBe('45');
    expect(maxInside).toBe(1);
    expect(await clients[0].exists(keys.lock('conv-mutex'))).toBe(0);
  });

  it('without the lock the same turns lose updates (the test can see a race)', async () => {
    const counter = keys.conversation('conv-race', 'counter');
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const n = Number((await clients[0].get(counter)) ?? 0);
        await sleep(2);
        await clients[0].set(counter, String(n + 1));
      }),
    );
    expect(Number(await clients[0].get(counter))).toBeLessThan(10);
  });

  it('does not make other conversations wait', async () => {
    const lock = new TurnLock(clients[0], keys);
    let releaseA!: () => void;
    const a = lock.withLock('conv-a', () => new Promise<void>((r) => (releaseA = r)));
    await sleep(20);
    const started = Date.now();
    await lock.withLock('conv-b', async () => undefined);
    expect(Date.now() - started).toBeLessThan(100);
    releaseA();
    await a;
  });

  it('gives up after the bounded wait with LockTimeoutError', async () => {
    const holder = new TurnLock(clients[0], keys);
    const waiter = new TurnLock(clients[1], keys, { waitMs: 300 });
    let release!: () => void;
    const held = holder.withLock('conv-busy', () => new Promise<void>((r) => (release = r)));
    await sleep(20);
    const started = Date.now();
    const err = await waiter.withLock('conv-busy', async () => 'ran').catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as LockTimeoutError).name).toBe('LockTimeoutError');
    expect((err as LockTimeoutError).conversationId).toBe('conv-busy');
    expect((err as Error).message).toContain('conv-busy');
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(600);
    release();
    await held;
    // Once free, the waiter gets it.
    expect(await waiter.withLock('conv-busy', async () => 'ran')).toBe('ran');
  });

  it('renews the lock while a turn runs longer than its ttl', async () => {
    const lock = new TurnLock(clients[0], keys, { ttlMs: 300, renewEveryMs: 100 });
    const other = new TurnLock(clients[1], keys, { ttlMs: 300 });
    const probes: (unknown | null)[] = [];
    await lock.withLock('conv-long', async () => {
      for (let i = 0; i < 4; i++) {
        await sleep(250);
        probes.push(await other.tryAcquire('conv-long'));
      }
      expect(await clients[0].pttl(keys.lock('conv-long'))).toBeGreaterThan(100);
    });
    expect(probes).toEqual([null, null, null, null]);
    expect(await clients[0].exists(keys.lock('conv-long'))).toBe(0);
  });

  it('never releases or renews a lock that someone else now holds', async () => {
    const lost: string[] = [];
    const a = new TurnLock(clients[0], keys, { onLockLost: (id) => lost.push(id) });
    const b = new TurnLock(clients[1], keys);
    const handleA = await a.acquire('conv-steal');
    // A's lock expires (simulated) and B takes the conversation.
    await clients[0].del(keys.lock('conv-steal'));
    const handleB = await b.acquire('conv-steal', 0);
    expect(await handleA.renew()).toBe(false);
    expect(handleA.lost).toBe(true);
    expect(lost).toEqual(['conv-steal']);
    expect(await handleA.release()).toBe(false);
    expect(await clients[0].get(keys.lock('conv-steal'))).toBe(handleB.token);
    expect(await handleB.release()).toBe(true);
    expect(await clients[0].exists(keys.lock('conv-steal'))).toBe(0);
    expect(await handleB.release()).toBe(false);
  });

  it('releases the lock when the turn throws, and passes the error on', async () => {
    const lock = new TurnLock(clients[0], keys, { waitMs: 0 });
    await expect(
      lock.withLock('conv-throw', async () => {
        throw new Error('turn failed');
      }),
    ).rejects.toThrow('turn failed');
    expect(await lock.withLock('conv-throw', async () => 'next turn')).toBe('next turn');
  });

  it('a crashed holder blocks the conversation only until the ttl', async () => {
    const crashed = new TurnLock(clients[0], keys, { ttlMs: 200 });
    await clients[0].set(keys.lock('conv-crash'), 'token-of-a-dead-process', 'PX', 200);
    const started = Date.now();
    expect(await crashed.withLock('conv-crash', async () => 'ok')).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(700);
  });

  it('stores the lock under the conversation hash tag', async () => {
    const lock = new TurnLock(clients[0], keys);
    const handle = await lock.acquire('19:abc@thread.tacv2;messageid={1}');
    expect(await clients[0].get(`${prefix}:lock:{19:abc@thread.tacv2;messageid=%7B1%7D}`)).toBe(handle.token);
    expect(await clients[0].pttl(keys.lock('19:abc@thread.tacv2;messageid={1}'))).toBeGreaterThan(7000);
    await handle.release();
  });

  it('rejects nonsensical options', () => {
    expect(() => new TurnLock(clients[0], keys, { ttlMs: 0 })).toThrow();
    expect(() => new TurnLock(clients[0], keys, { ttlMs: 100, renewEveryMs: 100 })).toThrow();
    expect(() => new TurnLock(clients[0], keys, { waitMs: -1 })).toThrow();
  });
});
