import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Redis, { Cluster } from 'ioredis';
import { MemoryStorage } from 'botbuilder';
import { keyspace } from '../../src/storage/keys';
import { isRedisReady, type RedisClient } from '../../src/storage/redisClient';
import { RedisStorage } from '../../src/storage/redisStorage';
import { TurnLock } from '../../src/storage/turnLock';
import { freePort, startRedis, type PrivateRedis } from '../support/redisServer';
import { close, connect, countSocketWrites, dropPrefix, sleep, uniquePrefix } from './helpers';
import { round, SCRIPTS_PER_ROUND, stats } from './scriptsScenario';
import { dialogScenario, ODD_KEYS, storageScenario } from './parityScenario';

const run = promisify(execFile);

/** Three masters, no replicas, on loopback; each node on its own free port and bus port. */
async function startCluster(): Promise<PrivateRedis[]> {
  const nodes: PrivateRedis[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const busPort = await freePort();
      nodes.push(
        await startRedis({
          extraArgs: [
            '--cluster-enabled', 'yes',
            '--cluster-config-file', 'nodes.conf', // relative to the server's own temporary --dir
            '--cluster-port', String(busPort),
            '--cluster-node-timeout', '5000',
          ],
        }),
      );
    }
    await run('redis-cli', [
      '--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas', '0', '--cluster-yes',
    ]);
    const deadline = Date.now() + 10000;
    for (const node of nodes) {
      const r = new Redis(node.port, '127.0.0.1', { lazyConnect: true });
      try {
        while (!/cluster_state:ok/.test(await r.cluster('INFO'))) {
          if (Date.now() > deadline) throw new Error(`cluster not ok on ${node.port}`);
          await sleep(50);
        }
      } finally {
        r.disconnect();
      }
    }
    return nodes;
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw err;
  }
}

describe('on a real Redis Cluster (3 masters)', () => {
  const prefix = uniquePrefix('cluster');
  const keys = keyspace(prefix);
  let nodes: PrivateRedis[] = [];
  let client: RedisClient;
  let other: RedisClient;

  beforeAll(async () => {
    nodes = await startCluster();
    const clusterNodes = [{ host: '127.0.0.1', port: nodes[0].port }];
    [client, other] = await Promise.all([connect({ clusterNodes }), connect({ clusterNodes })]);
  }, 20000);
  afterAll(async () => {
    if (client) {
      await dropPrefix(client, prefix);
      await close(client);
    }
    if (other) await close(other);
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it('connects through createRedisClient({ clusterNodes }) and is ready', async () => {
    expect(client).toBeInstanceOf(Cluster);
    expect(await isRedisReady(client)).toBe(true);
    expect((client as Cluster).nodes('master')).toHaveLength(3);
  });

  it('RedisStorage gives the same results as MemoryStorage', async () => {
    const expected = await storageScenario(new MemoryStorage());
    const actual = await storageScenario(new RedisStorage(client, { prefix: `${prefix}-s`, ttlSeconds: 60 }));
    expect(actual).toEqual(expected);
    expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
  });

  it('runs the waterfall dialog the same as MemoryStorage', async () => {
    const expected = await dialogScenario(new MemoryStorage());
    const actual = await dialogScenario(new RedisStorage(client, { prefix: `${prefix}-d` }));
    expect(actual).toEqual(expected);
  });

  it('spreads a batch over the masters, one slot per item', async () => {
    const storage = new RedisStorage(client, { prefix: `${prefix}-b` });
    await storage.write(Object.fromEntries(ODD_KEYS.map((k, i) => [k, { i }])));
    expect(Object.keys(await storage.read(ODD_KEYS))).toHaveLength(ODD_KEYS.length);
    const slots = await Promise.all(ODD_KEYS.map((k) => client.cluster('KEYSLOT', storage.redisKey(k))));
    expect(new Set(slots).size).toBeGreaterThan(10);
    const perNode = await Promise.all(
      (client as Cluster).nodes('master').map(async (n) => (await n.keys(`${prefix}-b:*`)).length),
    );
    expect(perNode.filter((count) => count > 0).length).toBe(3);
    await storage.delete(ODD_KEYS);
    expect(await storage.read(ODD_KEYS)).toEqual({});
  });

  it('sends the commands of one event-loop turn to each master in one write (coalescingWrites)', async () => {
    const masters = (client as Cluster).nodes('master');
    await Promise.all(masters.map((m) => m.ping())); // every master's connection is up
    const counters = masters.map(countSocketWrites);
    try {
      const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => client.set(`${prefix}:w{${i}}`, String(i))));
      expect(replies).toEqual(Array(30).fill('OK'));
      const writes = counters.map((c) => c.calls());
      expect(writes.every((n) => n <= 1)).toBe(true);
      expect(writes.filter((n) => n === 1).length).toBeGreaterThanOrEqual(2); // 30 keys spread over the masters
    } finally {
      counters.forEach((c) => c.stop());
    }
    expect(await client.get(`${prefix}:w{29}`)).toBe('29');
  });

  it('puts every key of a conversation in one slot, so multi-key scripts work', async () => {
    for (const id of ['a', '19:abc@thread.tacv2', '{', '}', '', 'x{y}z']) {
      const slot = await client.cluster('KEYSLOT', keys.lock(id));
      expect(await client.cluster('KEYSLOT', keys.conversation(id, 'inbox'))).toBe(slot);
      expect(await client.cluster('KEYSLOT', keys.conversation(id, 'seen:{1}'))).toBe(slot);
      expect(
        await client.eval("return redis.call('EXISTS', KEYS[1], KEYS[2])", 2, keys.lock(id), keys.conversation(id, 'inbox')),
      ).toBe(0);
    }
    // Different conversations do land on different slots.
    const spread = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => client.cluster('KEYSLOT', keys.lock(id))));
    expect(new Set(spread).size).toBeGreaterThan(1);
  });

  it('every script goes by hash on each node, and still runs after SCRIPT FLUSH on every node', async () => {
    const masters = (client as Cluster).nodes('master');
    const perNode = () => Promise.all(masters.map((m) => stats(m)));
    const resetStats = () => Promise.all(masters.map((m) => m.config('RESETSTAT')));
    // Several conversations, cases and queues: their keys are spread over the three masters.
    const rounds = async (from: number) => {
      let calls = 0;
      for (let i = from; i < from + 8; i++) calls += await round(client, `${prefix}-lua`, i);
      return calls;
    };
    await resetStats();
    const calls = await rounds(0);
    const first = await perNode();
    // The text goes at most once per script to each node's connection; everything else by hash.
    for (const s of first) {
      expect(s.noscript).toBe(0);
      expect(s.eval).toBeLessThanOrEqual(SCRIPTS_PER_ROUND);
    }
    expect(first.filter((s) => s.evalsha > 0)).toHaveLength(3);
    const sum = (all: typeof first, k: 'eval' | 'evalsha' | 'noscript') => all.reduce((n, s) => n + s[k], 0);
    expect(sum(first, 'eval') + sum(first, 'evalsha')).toBe(calls);
    expect(sum(first, 'evalsha')).toBeGreaterThan(calls / 2);

    await Promise.all(masters.map((m) => m.script('FLUSH')));
    await resetStats();
    const afterFlush = await rounds(20);
    const second = await perNode();
    expect(sum(second, 'noscript')).toBeGreaterThan(0);
    for (const s of second) {
      // Loaded again: once per script and node at most (after NOSCRIPT, or at once on a node it never reached).
      expect(s.eval).toBeLessThanOrEqual(SCRIPTS_PER_ROUND);
      expect(s.noscript).toBeLessThanOrEqual(s.eval);
    }
    expect(sum(second, 'evalsha') - sum(second, 'noscript') + sum(second, 'eval')).toBe(afterFlush);
  });

  it('TurnLock serialises concurrent turns through two cluster clients', async () => {
    const locks = [new TurnLock(client, keys, { retryMaxMs: 20 }), new TurnLock(other, keys, { retryMaxMs: 20 })];
    const counter = keys.conversation('cluster-conv', 'counter');
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        locks[i % 2].withLock('cluster-conv', async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          const n = Number((await client.get(counter)) ?? 0);
          await sleep(2);
          await client.set(counter, String(n + 1));
          inside--;
        }),
      ),
    );
    expect(await client.get(counter)).toBe('20');
    expect(maxInside).toBe(1);
    const held = await locks[0].acquire('cluster-conv');
    expect(await locks[1].tryAcquire('cluster-conv')).toBeNull();
    expect(await held.release()).toBe(true);
  });
});
