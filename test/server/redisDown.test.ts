import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { createApp, App } from '../../src/app';
import { startRedis, PrivateRedis } from '../support/redisServer';
import { send, texts } from '../support/app';

/**
 * Redis goes away in the middle of a conversation: the turn fails fast with a clear message in the
 * user's language, the process stays up, /readyz says 503, and once Redis is back the same
 * conversation carries on. Redis keeps an append-only file here so its data survives the kill.
 */
describe('Redis down', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bot-redis-down-'));
  const persist = ['--appendonly', 'yes', '--appendfsync', 'always'];
  let redis: PrivateRedis;
  let app: App;
  let baseUrl: string;

  beforeAll(async () => {
    redis = await startRedis({ dir, keepDir: true, extraArgs: persist });
    const config = loadConfig({ REDIS_URL: redis.url, HOST: '127.0.0.1', LOG_LEVEL: 'silent', REDIS_COMMAND_TIMEOUT_MS: '500' });
    config.port = 0;
    app = await createApp(config);
    baseUrl = `http://127.0.0.1:${(await app.listen()).port}`;
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails the turn within about a second, in French, stays up, and resumes the conversation', async () => {
    const conv = randomUUID();
    // The user picks French explicitly: that choice lives in conversation state.
    expect(texts(await send(baseUrl, conv, { text: 'parle français' }))[0]).toBe('Très bien, je continue en français.');

    redis.process.kill('SIGKILL');
    await new Promise((r) => redis.process.once('exit', r));

    const started = Date.now();
    const replies = texts(await send(baseUrl, conv, { text: 'aide' }));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(1500);
    // The state can't be read, so the language comes from the text; the message says what happened.
    expect(replies.join(' ')).toContain('problème technique');

    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(503);

    redis = await startRedis({ port: redis.port, dir, keepDir: true, extraArgs: persist });
    const deadline = Date.now() + 10000;
    while ((await fetch(`${baseUrl}/readyz`)).status !== 200) {
      if (Date.now() > deadline) throw new Error('bot never saw Redis come back');
      await new Promise((r) => setTimeout(r, 100));
    }

    // Same conversation, no locale, English-looking text: the stored explicit French choice still holds.
    const after = texts(await send(baseUrl, conv, { text: 'help' }));
    expect(after.join(' ')).toContain('Je peux vous aider pour quatre choses');
  }, 30000);
});
