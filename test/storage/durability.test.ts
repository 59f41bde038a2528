import Redis from 'ioredis';
import { Durability, NotDurableError } from '../../src/storage/durability';
import { isStorageUnavailable } from '../../src/storage/errors';
import { startRedis, type PrivateRedis } from '../support/redisServer';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A master with one replica, on loopback, private to this file. */
describe('durable writes and error classes, on a real master and replica', () => {
  let master: PrivateRedis;
  let replica: PrivateRedis;
  let lone: PrivateRedis;
  let client: Redis;
  const quick = { commandTimeout: 300, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 50, lazyConnect: true };
  const connect = async (port: number): Promise<Redis> => {
    const r = new Redis(port, '127.0.0.1', quick);
    await r.connect();
    return r;
  };

  beforeAll(async () => {
    master = await startRedis({ extraArgs: ['--repl-diskless-sync-delay', '0'] });
    replica = await startRedis({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] });
    lone = await startRedis({ extraArgs: ['--min-replicas-to-write', '1'] });
    // The master's client waits longer than a WAIT may block (a loaded machine is slow); the short
    // command timeout stays on the clients of the timeout test below.
    client = new Redis(master.port, '127.0.0.1', { ...quick, commandTimeout: 5000 });
    await client.connect();
    for (;;) {
      if (/slave0:.*state=online/.test(await client.info('replication').catch(() => ''))) break;
      await sleep(50);
    }
  }, 20000);

  afterAll(async () => {
    client?.disconnect();
    replica?.process.kill('SIGCONT');
    await Promise.all([master?.stop(), replica?.stop(), lone?.stop()]);
  });

  it('a durable write resolves once the replica has it; the replica can read it at once', async () => {
    // Generous: on a loaded machine a healthy replica may take longer than 200 ms to acknowledge.
    const d = new Durability(client, { timeoutMs: 3000 });
    expect(await d.replicasNeeded('k')).toBe(1);
    expect(await d.write('k', (p) => p.set('k', 'v1'))).toEqual(['OK']);
    const r = await connect(replica.port);
    try {
      expect(await r.get('k')).toBe('v1');
    } finally {
      r.disconnect();
    }
  });

  it('rejects with NotDurableError, a "not available right now" error, when the replica does not acknowledge', async () => {
    const d = new Durability(client, { timeoutMs: 200 });
    expect(await d.replicasNeeded('k')).toBe(1);
    replica.process.kill('SIGSTOP');
    try {
      const err = await d.write('k', (p) => p.set('k', 'v2')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotDurableError);
      expect(isStorageUnavailable(err)).toBe(true);
      // The write ran on the master (it may survive or not): callers retry it idempotently.
      expect(await client.get('k')).toBe('v2');
      // Once a replica was seen, a master with none in sync confirms nothing (not "no replicas: fine").
      expect(await d.replicasNeeded('k')).toBeGreaterThanOrEqual(1);
    } finally {
      replica.process.kill('SIGCONT');
    }
  });

  it('waits for nothing on a Redis that never had a replica, and for exactly the number set otherwise', async () => {
    const single = await connect(lone.port);
    try {
      expect(await new Durability(single).replicasNeeded('x')).toBe(0);
      expect(await new Durability(single, { replicas: 2 }).replicasNeeded('x')).toBe(2);
      expect(await new Durability(single, { replicas: 0 }).replicasNeeded('x')).toBe(0);
    } finally {
      single.disconnect();
    }
  });

  it('classifies real Redis errors by class or code: READONLY, NOREPLICAS, timeouts, closed connections are "unavailable"; bugs are not', async () => {
    const onReplica = await connect(replica.port);
    const single = await connect(lone.port);
    try {
      const readonly = await onReplica.set('a', '1').catch((e: unknown) => e);
      expect(String(readonly)).toContain('READONLY');
      expect(isStorageUnavailable(readonly)).toBe(true);

      const noReplicas = await single.set('a', '1').catch((e: unknown) => e);
      expect(String(noReplicas)).toContain('NOREPLICAS');
      expect(isStorageUnavailable(noReplicas)).toBe(true);

      replica.process.kill('SIGSTOP');
      const timedOut = await onReplica.get('a').catch((e: unknown) => e);
      replica.process.kill('SIGCONT');
      expect(String(timedOut)).toContain('timed out');
      expect(isStorageUnavailable(timedOut)).toBe(true);

      onReplica.disconnect();
      const closed = await onReplica.get('a').catch((e: unknown) => e);
      expect(isStorageUnavailable(closed)).toBe(true);

      await client.set('h', 'x');
      const wrongType = await client.hget('h', 'f').catch((e: unknown) => e);
      expect(String(wrongType)).toContain('WRONGTYPE');
      expect(isStorageUnavailable(wrongType)).toBe(false);
      const scriptBug = await client.eval('return redis.call("NOPE")', 0).catch((e: unknown) => e);
      expect(isStorageUnavailable(scriptBug)).toBe(false);
      expect(isStorageUnavailable(new TypeError('x is undefined'))).toBe(false);
      // The message some code would write with "Redis" in it is not a Redis outage.
      expect(isStorageUnavailable(new Error('Redis key prefix is invalid'))).toBe(false);
    } finally {
      onReplica.disconnect();
      single.disconnect();
    }
  });
});
