/**
 * Issue 13: every Lua script is loaded once per connection and then called by hash (EVALSHA), and
 * still runs after the server lost its script cache (SCRIPT FLUSH: NOSCRIPT, then sent in full once).
 * Proved on private redis-servers of this file, so that `INFO commandstats` counts only our calls.
 */
import Redis from 'ioredis';
import { DevMailbox } from '../../src/services/notifications/devMailbox';
import { Durability } from '../../src/storage/durability';
import { keyspace } from '../../src/storage/keys';
import { waitUntilReady, type RedisClient } from '../../src/storage/redisClient';
import { luaScript } from '../../src/storage/scripts';
import { startRedis, type PrivateRedis } from '../support/redisServer';
import { close, connect, sleep } from './helpers';
import { mail, round, SCRIPTS_PER_ROUND, stats } from './scriptsScenario';

describe('Lua scripts go by hash (EVALSHA), on a private Redis', () => {
  let server: PrivateRedis;
  let admin: Redis;
  let redis: RedisClient;
  let n = 0;

  beforeAll(async () => {
    server = await startRedis();
    admin = new Redis(server.port, '127.0.0.1');
    redis = await connect({ url: server.url });
  }, 20000);

  afterAll(async () => {
    await close(redis);
    admin?.disconnect();
    await server?.stop();
  });

  it('after its first call on a connection, no script is sent in full again', async () => {
    await round(redis, 't-scripts', ++n); // first use on this connection: each script once in full
    await admin.config('RESETSTAT');
    const calls = (await round(redis, 't-scripts', ++n)) + (await round(redis, 't-scripts', ++n));
    const s = await stats(admin);
    expect(s.eval).toBe(0);
    expect(s.evalsha).toBe(calls);
    expect(s.noscript).toBe(0);
  });

  it('after SCRIPT FLUSH every call still works, and each script is sent in full once more, then by hash', async () => {
    await admin.script('FLUSH');
    await admin.config('RESETSTAT');
    const calls = await round(redis, 't-scripts', ++n);
    const afterFlush = await stats(admin);
    expect(afterFlush.noscript).toBeGreaterThan(0);
    expect(afterFlush.eval).toBe(afterFlush.noscript); // each NOSCRIPT answered by one EVAL, nothing else
    expect(afterFlush.eval).toBeLessThanOrEqual(SCRIPTS_PER_ROUND);
    expect(afterFlush.evalsha - afterFlush.noscript + afterFlush.eval).toBe(calls);

    await admin.config('RESETSTAT');
    const again = await round(redis, 't-scripts', ++n);
    expect(await stats(admin)).toMatchObject({ eval: 0, noscript: 0, evalsha: again });
  });

  it('a duplicated client (its own connection) sends a script in full once, then by hash', async () => {
    const dup = (redis as Redis).duplicate();
    try {
      await waitUntilReady(dup, 10000);
      const box = new DevMailbox(dup, keyspace('t-scripts-dup'));
      await admin.config('RESETSTAT');
      for (let i = 0; i < 3; i++) await box.send(mail(`dup-${i}`, 's'));
      expect(await stats(admin)).toMatchObject({ eval: 1, evalsha: 2, noscript: 0 });
      expect((await box.list()).map((m) => m.id)).toEqual(['dup-2', 'dup-1', 'dup-0']);
    } finally {
      dup.disconnect();
    }
  });

  it("a client's keyPrefix applies to a script's keys, as to any other command", async () => {
    const prefixed = new Redis(server.port, '127.0.0.1', { keyPrefix: 't-scripts-pre:' });
    try {
      const SET = luaScript<[key: string, value: string], string>('t-set', 1, `return redis.call('SET', KEYS[1], ARGV[1])`);
      expect(await SET.run(prefixed, 'k', 'v')).toBe('OK');
      expect(await admin.get('t-scripts-pre:k')).toBe('v');
      expect(await prefixed.get('k')).toBe('v');
    } finally {
      prefixed.disconnect();
    }
  });

  it('two different scripts cannot be declared under one name', () => {
    luaScript('t-same-name', 1, `return 1`);
    expect(() => luaScript('t-same-name', 1, `return 1`)).not.toThrow();
    expect(() => luaScript('t-same-name', 1, `return 2`)).toThrow(/declared twice/);
  });
});

describe('a durable write by script after SCRIPT FLUSH is still covered by WAIT', () => {
  let master: PrivateRedis;
  let replica: PrivateRedis;
  let client: Redis;
  const SET_IF = luaScript<[key: string, value: string], number>('t-setIfAbsent', 1, `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 1 end
return 0
`);

  beforeAll(async () => {
    master = await startRedis({ extraArgs: ['--repl-diskless-sync-delay', '0'] });
    replica = await startRedis({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] });
    client = new Redis(master.port, '127.0.0.1', { commandTimeout: 5000, maxRetriesPerRequest: 0 });
    while (!/slave0:.*state=online/.test(await client.info('replication'))) await sleep(50);
  }, 20000);

  afterAll(async () => {
    client?.disconnect();
    await Promise.all([master?.stop(), replica?.stop()]);
  });

  it('the script sent again after NOSCRIPT ran after the pipeline\'s WAIT: it waits once more, and the replica has the write', async () => {
    const d = new Durability(client, { timeoutMs: 3000 });
    expect(await d.write('k1', (p) => SET_IF.queue(p, 'k1', 'v1'))).toEqual([1]); // loads it on this connection
    await client.config('RESETSTAT');
    expect(await d.write('k2', (p) => SET_IF.queue(p, 'k2', 'v2'))).toEqual([1]);
    expect(await stats(client)).toMatchObject({ eval: 0, evalsha: 1, wait: 1 });

    await client.script('FLUSH');
    await client.config('RESETSTAT');
    expect(await d.write('k3', (p) => SET_IF.queue(p, 'k3', 'v3'))).toEqual([1]);
    // EVALSHA (NOSCRIPT) and WAIT in the pipeline, then EVAL, then a second WAIT that covers it.
    expect(await stats(client)).toMatchObject({ eval: 1, evalsha: 1, noscript: 1, wait: 2 });
    const r = new Redis(replica.port, '127.0.0.1');
    try {
      expect(await r.mget('k1', 'k2', 'k3')).toEqual(['v1', 'v2', 'v3']);
    } finally {
      r.disconnect();
    }
  });
});
