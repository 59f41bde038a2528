import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyspace } from '../../src/storage/keys';
import { createRedisClient, isRedisReady, reconnectDelay, type RedisClient } from '../../src/storage/redisClient';
import { RedisStorage } from '../../src/storage/redisStorage';
import { TurnLock } from '../../src/storage/turnLock';
import { freePort, startRedis, type PrivateRedis } from '../support/redisServer';
import { close, connect, sleep, uniquePrefix } from './helpers';

const prefix = uniquePrefix('down');

async function timed<T>(p: Promise<T>): Promise<{ ms: number; error?: Error; value?: T }> {
  const started = Date.now();
  try {
    const value = await p;
    return { ms: Date.now() - started, value };
  } catch (error) {
    return { ms: Date.now() - started, error: error as Error };
  }
}

async function kill(server: PrivateRedis, signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise((r) => server.process.once('exit', r));
  server.process.kill(signal);
  await exited;
}

describe('createRedisClient', () => {
  it('takes exactly one of url, sentinels, clusterNodes', () => {
    expect(() => createRedisClient({})).toThrow(/exactly one/);
    expect(() =>
      createRedisClient({ url: 'redis://127.0.0.1:1', clusterNodes: [{ host: '127.0.0.1', port: 1 }] }),
    ).toThrow(/exactly one/);
    expect(() => createRedisClient({ sentinels: [{ host: '127.0.0.1', port: 1 }] })).toThrow(/sentinelName/);
    expect(() => createRedisClient({ clusterNodes: [] })).toThrow(/empty/);
  });

  it('retries forever with a backoff capped at one second', () => {
    expect([1, 2, 3, 4, 5, 6].map(reconnectDelay)).toEqual([50, 100, 200, 300, 300, 300]);
    expect(reconnectDelay(10_000)).toBe(300);
  });

  it('reports readiness quickly, and false for a client that cannot connect', async () => {
    const ok = await connect();
    expect(await isRedisReady(ok)).toBe(true);
    await close(ok);
    const nowhere = createRedisClient({ url: `redis://127.0.0.1:${await freePort()}` });
    nowhere.on('error', () => undefined);
    const o = await timed(isRedisReady(nowhere));
    expect(o.value).toBe(false);
    expect(o.ms).toBeLessThan(600);
    const read = await timed(new RedisStorage(nowhere, { prefix }).read(['k']));
    expect(read.error).toBeInstanceOf(Error);
    expect(read.ms).toBeLessThan(1500);
    nowhere.disconnect();
  });

  // (First in this file: ioredis leaves a 2 s disconnect timer behind after asking a sentinel.)
  it('finds the master through Sentinel', async () => {
    const master = await startRedis();
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'bot-sentinel-'));
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor refunds 127.0.0.1 ${master.port} 1`, ''].join('\n'),
    );
    let sentinel: ChildProcess | undefined;
    let client: RedisClient | undefined;
    try {
      sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
      client = createRedisClient({ sentinels: [{ host: '127.0.0.1', port }], sentinelName: 'refunds' });
      client.on('error', () => undefined);
      const deadline = Date.now() + 5000;
      while (!(await isRedisReady(client)) && Date.now() < deadline) await sleep(50);
      const storage = new RedisStorage(client, { prefix });
      await storage.write({ s: { v: 'via sentinel' } });
      const direct = await connect({ url: master.url });
      expect(await direct.hget(storage.redisKey('s'), 'd')).toContain('via sentinel');
      await close(direct);
    } finally {
      if (client) await close(client);
      if (sentinel && sentinel.exitCode === null) {
        const exited = new Promise((r) => sentinel!.once('exit', r));
        sentinel.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
      await master.stop();
    }
  });
});

describe('Redis down and back', () => {
  let server: PrivateRedis;
  let client: RedisClient;

  beforeAll(async () => {
    server = await startRedis();
    client = await connect({ url: server.url });
  });
  afterAll(async () => {
    await close(client);
    await server.stop();
  });

  it('fails each call within about a second while Redis is gone, then recovers by itself', async () => {
    const storage = new RedisStorage(client, { prefix, ttlSeconds: 60 });
    const lock = new TurnLock(client, keyspace(prefix));
    await storage.write({ conv: { step: 1 } });
    expect(await isRedisReady(client)).toBe(true);

    await kill(server, 'SIGKILL');
    const port = server.port;
    await server.stop(); // removes its directory

    // Right after the crash, and again while the client keeps trying to reconnect.
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(await timed(storage.read(['conv'])));
      outcomes.push(await timed(storage.write({ conv: { step: 2 } })));
      outcomes.push(await timed(lock.withLock('conv', async () => 'ran')));
      outcomes.push(await timed(isRedisReady(client)));
      await sleep(250);
    }
    for (const o of outcomes) {
      expect(o.ms).toBeLessThan(1500);
      expect(o.error ?? o.value).not.toBe('ran');
      if (o.value !== false) expect(o.error).toBeInstanceOf(Error);
    }

    // Redis comes back on the same address (empty: nothing was persisted).
    server = await startRedis({ port });
    const back = Date.now();
    while (!(await isRedisReady(client))) {
      expect(Date.now() - back).toBeLessThan(3000);
      await sleep(50);
    }
    expect(Date.now() - back).toBeLessThan(1500); // reconnection delay is capped at 1 s
    expect(await storage.read(['conv'])).toEqual({});
    await storage.write({ conv: { step: 3 } });
    expect((await storage.read(['conv'])).conv).toMatchObject({ step: 3 });
    expect(await lock.withLock('conv', async () => 'ran')).toBe('ran');
  });

  it('fails a call on a hung server after commandTimeout, and goes on once it answers', async () => {
    const storage = new RedisStorage(client, { prefix });
    await storage.write({ hung: { v: 1 } });
    server.process.kill('SIGSTOP');
    try {
      const o = await timed(storage.read(['hung']));
      expect(o.error?.message).toMatch(/timed out/i);
      expect(o.ms).toBeGreaterThanOrEqual(900);
      expect(o.ms).toBeLessThan(1500);
      expect(await timed(isRedisReady(client, 300))).toMatchObject({ value: false });
    } finally {
      server.process.kill('SIGCONT');
    }
    expect((await storage.read(['hung'])).hung).toMatchObject({ v: 1 });
  });

  it('does not replay a write that was reported as failed', async () => {
    const storage = new RedisStorage(client, { prefix });
    await storage.write({ ghost: { v: 'before' } });
    await kill(server, 'SIGKILL');
    const port = server.port;
    await server.stop();
    const failed = await timed(storage.write({ ghost: { v: 'failed write' } }));
    expect(failed.error).toBeInstanceOf(Error);
    server = await startRedis({ port });
    while (!(await isRedisReady(client))) await sleep(50);
    await sleep(100);
    expect(await storage.read(['ghost'])).toEqual({});
  });
});
