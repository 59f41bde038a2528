/**
 * Issue 13 (CPU per turn): the commands sent during one event-loop turn leave in one socket write
 * (src/storage/redisClient.ts, coalescingWrites), on a private redis-server. Each reply still goes
 * to its own command, scripts and pipelines included, and a new connection (after a drop) is
 * coalesced too.
 */
import type Redis from 'ioredis';
import { type RedisClient } from '../../src/storage/redisClient';
import { luaScript } from '../../src/storage/scripts';
import { startRedis, type PrivateRedis } from '../support/redisServer';
import { close, connect, countSocketWrites as countWrites, sleep, uniquePrefix } from './helpers';

const ECHO = luaScript<[key: string, value: string], string>('testCoalesceEcho', 1, `redis.call('SET', KEYS[1], ARGV[1]) return ARGV[1]`);

describe('Redis commands of one event-loop turn go out in one write', () => {
  let server: PrivateRedis;
  let redis: RedisClient;
  const prefix = uniquePrefix('coalesce');

  beforeAll(async () => {
    server = await startRedis();
    redis = await connect({ url: server.url });
  }, 20000);

  afterAll(async () => {
    await close(redis);
    await server?.stop();
  });

  it('40 commands sent together (plain, scripts, a pipeline) are one write, and each gets its own reply', async () => {
    const client = redis as Redis;
    await ECHO.run(client, `${prefix}:warm`, 'x'); // the script's text goes once; then by hash
    const writes = countWrites(client);
    try {
      const sets = Array.from({ length: 20 }, (_, i) => client.set(`${prefix}:k${i}`, `v${i}`));
      const scripts = Array.from({ length: 15 }, (_, i) => ECHO.run(client, `${prefix}:s${i}`, `script-${i}`));
      const pipeline = client.pipeline();
      for (let i = 0; i < 5; i++) pipeline.get(`${prefix}:warm`);
      const [setReplies, scriptReplies, piped] = await Promise.all([Promise.all(sets), Promise.all(scripts), pipeline.exec()]);
      expect(writes.calls()).toBe(1);
      expect(setReplies).toEqual(Array(20).fill('OK'));
      expect(scriptReplies).toEqual(Array.from({ length: 15 }, (_, i) => `script-${i}`));
      expect(piped).toEqual(Array(5).fill([null, 'x']));
      expect(await client.mget(`${prefix}:k0`, `${prefix}:k19`, `${prefix}:s14`)).toEqual(['v0', 'v19', 'script-14']);
    } finally {
      writes.stop();
    }
  });

  it('commands awaited one after another are each written at once (nothing is held back)', async () => {
    const client = redis as Redis;
    const writes = countWrites(client);
    try {
      for (let i = 0; i < 5; i++) expect(await client.incr(`${prefix}:seq`)).toBe(i + 1);
      expect(writes.calls()).toBe(5);
    } finally {
      writes.stop();
    }
  });

  it('a command timeout still fires while the server does not answer', async () => {
    const client = await connect({ url: server.url, commandTimeoutMs: 200 });
    try {
      server.process.kill('SIGSTOP');
      const started = Date.now();
      try {
        await expect((client as Redis).get(`${prefix}:k0`)).rejects.toThrow(/timed out/i);
      } finally {
        server.process.kill('SIGCONT');
      }
      expect(Date.now() - started).toBeLessThan(600);
      expect(await (client as Redis).get(`${prefix}:k0`)).toBe('v0');
    } finally {
      await close(client);
    }
  });

  it('after the connection drops, the new connection is coalesced too', async () => {
    const client = await connect({ url: server.url });
    try {
      const id = await (client as Redis).client('ID');
      const admin = await connect({ url: server.url });
      expect(await (admin as Redis).client('KILL', 'ID', String(id))).toBe(1);
      await close(admin);
      await sleep(100);
      const deadline = Date.now() + 5000;
      while ((client as Redis).status !== 'ready' && Date.now() < deadline) await sleep(20);
      while (Date.now() < deadline) {
        if ((await (client as Redis).ping().catch(() => '')) === 'PONG') break;
        await sleep(20);
      }
      expect(await (client as Redis).client('ID')).not.toBe(id);
      const writes = countWrites(client as Redis);
      try {
        const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => (client as Redis).echo(`after-${i}`)));
        expect(replies).toEqual(Array.from({ length: 10 }, (_, i) => `after-${i}`));
        expect(writes.calls()).toBe(1);
      } finally {
        writes.stop();
      }
    } finally {
      await close(client);
    }
  });
});
