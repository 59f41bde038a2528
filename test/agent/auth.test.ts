import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { hashPassword, verifyPassword } from '../../src/agent/auth';
import { loadConfig } from '../../src/config';
import { startTestApp } from '../support/app';

describe('agent passwords and sign-in', () => {
  it('scrypt hashes verify only the right password, with a fresh salt each time', async () => {
    const h1 = await hashPassword('s3cret passphrase');
    const h2 = await hashPassword('s3cret passphrase');
    expect(h1).not.toBe(h2);
    expect(await verifyPassword('s3cret passphrase', h1)).toBe(true);
    expect(await verifyPassword('s3cret passphrase!', h1)).toBe(false);
    expect(await verifyPassword('s3cret passphrase', 'plain')).toBe(false);
  });

  it('npm run -s agent-hash prints, on its last line, a hash AGENTS accepts', () => {
    const r = spawnSync('npm', ['run', '-s', 'agent-hash', '--', 'pa ss:word,1'], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' });
    expect(r.status).toBe(0);
    const hash = r.stdout.trim().split('\n').pop()!;
    const config = loadConfig({ AGENTS: `alice:${hash}` });
    expect(config.handoff.agents).toEqual([{ name: 'alice', hash }]);
    return verifyPassword('pa ss:word,1', hash).then((ok) => expect(ok).toBe(true));
  }, 60000);

  it('AGENTS must be name:hash pairs; DEMO_AGENT never in production', () => {
    expect(() => loadConfig({ AGENTS: 'alice:password' })).toThrow(/AGENTS/);
    expect(() => loadConfig({ AGENTS: 'alice' })).toThrow(/AGENTS/);
    expect(loadConfig({ DEMO_AGENT: 'true' }).handoff.demoAgent).toBe(true);
    expect(loadConfig({ DEMO_AGENT: 'true', NODE_ENV: 'production' } as NodeJS.ProcessEnv).handoff.demoAgent).toBe(false);
    expect(loadConfig({}).handoff).toMatchObject({ mode: 'desk', agents: [], demoAgent: false, hours: undefined });
  });

  it('sign-in is rate limited per name (429 after 5 failures, even with the right password), and bodies are checked', async () => {
    const hash = await hashPassword('right password');
    const { app, baseUrl } = await startTestApp({ AGENTS: `alice:${hash},bob:${hash}` });
    const login = (body: unknown) =>
      fetch(`${baseUrl}/api/agent/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    try {
      expect((await login({ name: 'alice' })).status).toBe(400);
      expect((await login({ name: 'alice', password: 'x', extra: 1 })).status).toBe(400);
      for (let i = 0; i < 5; i++) expect((await login({ name: 'alice', password: `wrong ${i}` })).status).toBe(401);
      const limited = await login({ name: 'alice', password: 'right password' });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another agent from the same address is not locked out by alice's failures.
      const bob = await login({ name: 'bob', password: 'right password' });
      expect(bob.status).toBe(200);
      const body = (await bob.json()) as { token: string; name: string; expiresAt: string };
      expect(body.name).toBe('bob');
      expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(7 * 3600 * 1000);
      // The session lives in Redis as a hash of the token, never the token itself.
      const keys = await app.redis.keys(`${app.keys.prefix}:*`);
      for (const k of keys) if ((await app.redis.type(k)) === 'string') expect(await app.redis.get(k)).not.toContain(body.token);
    } finally {
      await app.close();
    }
  }, 60000);
});
