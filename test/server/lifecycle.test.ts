import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { loadConfig, ConfigError } from '../../src/config';
import { ensureRedis } from '../../src/devRedis';
import { keyspace } from '../../src/storage/keys';
import { freePort } from '../support/redisServer';
import { startBotProcess, runBotToExit } from '../support/botProcess';
import { send, texts } from '../support/app';

describe('configuration', () => {
  it('has defaults for everything a first start needs', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3978);
    expect(c.policyProfile).toBe('standard');
    expect(c.redis.keyPrefix).toBe('rsb');
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be a whole number'],
    [{ PORT: '70000' }, 'PORT must be at most 65535'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL must start with redis://'],
    [{ DEFAULT_LANGUAGE: 'de' }, 'DEFAULT_LANGUAGE must be en or fr'],
    [{ POLICY_PROFILE: 'cash' }, 'POLICY_PROFILE must be standard or balance-only'],
    [{ TIME_ZONE: 'Mars/Olympus' }, 'TIME_ZONE must be an IANA time zone'],
    [{ REDIS_SENTINELS: 'a:1' }, 'REDIS_SENTINEL_NAME is required'],
    [{ REDIS_CLUSTER_NODES: 'a:1,b' }, 'REDIS_CLUSTER_NODES "b" is not host:port'],
    [{ REDIS_URL: 'redis://a', REDIS_CLUSTER_NODES: 'a:1' }, 'REDIS_CLUSTER_NODES cannot be combined with REDIS_URL'],
    [{ MicrosoftAppId: 'x' }, 'MicrosoftAppPassword is required'],
    [{ STATE_TTL_SECONDS: '-5' }, 'STATE_TTL_SECONDS must be a whole number'],
  ])('%j is refused with a line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('stops start-up with one clear line and no stack trace', async () => {
    const { code, stderr } = await runBotToExit({ PORT: 'abc', REDIS_URL: process.env.TEST_REDIS_URL! });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('Configuration error: PORT must be a whole number');
  }, 30000);
});

describe('graceful stop', () => {
  it('on SIGTERM finishes the turn in flight, closes Redis and exits 0', async () => {
    const prefix = `gs${randomUUID().slice(0, 6)}`;
    const bot = await startBotProcess({ REDIS_URL: process.env.TEST_REDIS_URL!, REDIS_KEY_PREFIX: prefix });
    const redis = new Redis(process.env.TEST_REDIS_URL!);
    try {
      const conv = randomUUID();
      // Someone else holds this conversation's turn lock for a moment, so our turn is still waiting
      // when SIGTERM arrives.
      await redis.set(keyspace(prefix).lock(conv), 'other-holder', 'PX', 1500);
      const inFlight = send(bot.baseUrl, conv, { text: 'help', locale: 'en-US' });
      await new Promise((r) => setTimeout(r, 300));
      const signalledAt = Date.now();
      bot.child.kill('SIGTERM');
      const replies = texts(await inFlight);
      expect(replies.join(' ')).toContain('I can help with four things');
      expect(await bot.exited).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(10000);
      // No new requests once stopping.
      await expect(fetch(`${bot.baseUrl}/healthz`)).rejects.toThrow();
    } finally {
      await bot.stop();
      await redis.quit();
    }
  }, 40000);
});

describe('Redis for a first start', () => {
  it('starts a private redis-server when nothing answers, and stops it', async () => {
    const project = mkdtempSync(join(tmpdir(), 'bot-project-'));
    const unused = await freePort();
    const dev = await ensureRedis(project, unused);
    try {
      expect(dev.child).toBeDefined();
      expect(existsSync(join(project, '.data', 'redis'))).toBe(true);
      const client = new Redis(dev.url);
      expect(await client.ping()).toBe('PONG');
      await client.quit();
    } finally {
      await dev.stop();
      rmSync(project, { recursive: true, force: true });
    }
    expect(dev.child!.exitCode !== null || dev.child!.signalCode !== null).toBe(true);
  });

  it('uses a Redis that already answers instead of starting one', async () => {
    const port = Number(process.env.TEST_REDIS_PORT);
    const dev = await ensureRedis('/nonexistent', port);
    expect(dev.child).toBeUndefined();
    expect(dev.url).toBe(`redis://127.0.0.1:${port}`);
  });
});
