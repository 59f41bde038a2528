/**
 * What an outsider can reach over HTTP: bodies (type, size, depth), who may call /api/messages and
 * with what, Bot Framework tokens, client addresses behind proxies, token generation lock-out.
 * Real server, real Redis.
 */
import http from 'node:http';
import { createHmac, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startTestApp } from '../support/app';
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { multipart, RawDirectLine } from '../channels/helpers';
import { clientAddressResolver } from '../../src/server/clientAddress';

const SECRET = 'edge-test-secret-0123456789abcdefghijklmnop';
const ELIGIBILITY_KEY = 'edge-eligibility-key-0123456789';

function activity(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'message',
    id: randomUUID(),
    channelId: 'test',
    serviceUrl: 'http://127.0.0.1:1/',
    deliveryMode: 'expectReplies',
    from: { id: 'user-1', name: 'User' },
    recipient: { id: 'bot' },
    conversation: { id: randomUUID() },
    text: 'help',
    locale: 'en-US',
    ...patch,
  };
}

/** One raw HTTP request on a given agent (keep-alive), answered or failed. */
function request(
  agent: http.Agent,
  url: string,
  opts: { method?: string; headers?: Record<string, string | number>; body?: Buffer | string },
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

describe('bodies', () => {
  let app: App;
  let baseUrl: string;
  let dl: RawDirectLine;
  let tmp: string;
  const savedTmp = process.env.TMPDIR;
  beforeAll(async () => {
    // formidable (restify's bodyParser) writes multipart files to os.tmpdir(): watch a private one.
    tmp = mkdtempSync(join(tmpdir(), 'edge-tmp-'));
    process.env.TMPDIR = tmp;
    ({ app, baseUrl } = await startTestApp({ DIRECTLINE_SECRET: SECRET, ELIGIBILITY_API_KEYS: ELIGIBILITY_KEY, MAX_BODY_BYTES: '65536' }));
    dl = new RawDirectLine(baseUrl);
  });
  afterAll(async () => {
    process.env.TMPDIR = savedTmp;
    await app.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  async function jsonRoutes(): Promise<{ name: string; url: string; headers: Record<string, string>; refusedFirst?: number }[]> {
    const { token, conversationId: conv } = await dl.widgetToken();
    await dl.start(token);
    return [
      { name: '/api/messages', url: `${baseUrl}/api/messages`, headers: {} },
      { name: '/api/eligibility', url: `${baseUrl}/api/eligibility`, headers: { authorization: `Bearer ${ELIGIBILITY_KEY}` } },
      { name: '/api/eligibility (no key: 401)', url: `${baseUrl}/api/eligibility`, headers: {}, refusedFirst: 401 },
      { name: 'tokens/generate', url: `${baseUrl}/v3/directline/tokens/generate`, headers: { authorization: `Bearer ${SECRET}` } },
      { name: 'tokens/generate (wrong secret: 403)', url: `${baseUrl}/v3/directline/tokens/generate`, headers: { authorization: 'Bearer wrong' } },
      { name: 'conversations', url: `${baseUrl}/v3/directline/conversations`, headers: { authorization: `Bearer ${token}` } },
      { name: 'activities', url: `${baseUrl}/v3/directline/conversations/${conv}/activities`, headers: { authorization: `Bearer ${token}` } },
      { name: 'connector', url: `${baseUrl}/directline-connector/v3/conversations/${conv}/activities`, headers: { authorization: 'Bearer not-the-bot' } },
    ];
  }

  it('refuses multipart and urlencoded bodies on every JSON route with 415, and writes nothing to disk', async () => {
    const big = Buffer.alloc(40_000, 0x41);
    for (const route of await jsonRoutes()) {
      const form = multipart([{ name: 'file', filename: 'x.bin', type: 'application/octet-stream', data: big }]);
      const res = await fetch(route.url, { method: 'POST', headers: { ...route.headers, 'content-type': form.contentType }, body: form.body });
      expect([route.name, res.status]).toEqual([route.name, route.refusedFirst ?? 415]);
      const urlencoded = await fetch(route.url, {
        method: 'POST',
        headers: { ...route.headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'type=message&text=hello',
      });
      expect([route.name, urlencoded.status]).toEqual([route.name, route.refusedFirst ?? 415]);
    }
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('refuses JSON nested deeper than MAX_JSON_DEPTH with 400 on every JSON route (never 503)', async () => {
    const deep = (n: number) => `{"type":"message","text":"hi","value":${'['.repeat(n)}1${']'.repeat(n)}}`;
    for (const route of await jsonRoutes()) {
      const res = await fetch(route.url, { method: 'POST', headers: { ...route.headers, 'content-type': 'application/json' }, body: deep(200) });
      expect([route.name, res.status]).toEqual([route.name, route.refusedFirst ?? 400]);
    }
    const { token, conversationId: conv } = await dl.widgetToken();
    await dl.start(token);
    const ok = await fetch(`${baseUrl}/v3/directline/conversations/${conv}/activities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: deep(10),
    });
    expect(ok.status).toBe(200);
  });

  it('after a 413 the connection is closed, so a keep-alive client\'s next request works', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = JSON.stringify(activity({ text: 'x'.repeat(200_000) }));
      const declared = await request(agent, `${baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, body });
      expect(declared.status).toBe(413);
      expect(declared.headers.connection).toBe('close');
      expect((await request(agent, `${baseUrl}/healthz`, {})).status).toBe(200);
      // Chunked (no Content-Length): cut off while reading, same outcome.
      const chunked = await request(agent, `${baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body });
      expect(chunked.status).toBe(413);
      expect((await request(agent, `${baseUrl}/healthz`, {})).status).toBe(200);
      // The same on the upload route, whose body is multipart.
      const { token, conversationId: conv } = await dl.widgetToken();
      await dl.start(token);
      const head = `--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`;
      const huge = Buffer.concat([Buffer.from(head), Buffer.alloc(11 * 1024 * 1024), Buffer.from('\r\n--b--\r\n')]);
      const upload = await request(agent, `${baseUrl}/v3/directline/conversations/${conv}/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'multipart/form-data; boundary=b', 'transfer-encoding': 'chunked' },
        body: huge,
      }).catch((err: Error) => ({ status: -1, body: err.message, headers: {} }));
      expect([413, -1]).toContain(upload.status);
      expect((await request(agent, `${baseUrl}/healthz`, {})).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});

describe('/api/messages without a Bot Framework registration', () => {
  let app: App;
  let baseUrl: string;
  beforeAll(async () => ({ app, baseUrl } = await startTestApp({ TRUSTED_PROXIES: 'loopback' })));
  afterAll(() => app.close());

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('answers loopback callers, and refuses anyone else (a visitor behind the trusted proxy)', async () => {
    expect((await post(activity())).status).toBe(200);
    const res = await post(activity(), { 'x-forwarded-for': '203.0.113.9' });
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('I can help with four things');
  });

  it('accepts a serviceUrl on loopback only, and never the embedded channel\'s own connector', async () => {
    for (const serviceUrl of ['https://evil.example.com/', 'http://10.0.0.8:3978/', 'https://smba.trafficmanager.net/emea/', 'file:///etc/passwd', 'not a url']) {
      expect([serviceUrl, (await post(activity({ serviceUrl }))).status]).toEqual([serviceUrl, 400]);
    }
    const port = new URL(baseUrl).port;
    for (const serviceUrl of [`http://127.0.0.1:${port}/directline-connector/`, `http://localhost:${port}//directline-connector/v3`]) {
      expect([serviceUrl, (await post(activity({ serviceUrl }))).status]).toEqual([serviceUrl, 400]);
    }
    expect((await post(activity({ serviceUrl: 'http://localhost:9/' }))).status).toBe(200);
  });

  it('validates the activity at the edge: ids are bounded strings, never objects', async () => {
    const bad = [
      { conversation: { id: { toString: 'x' } } },
      { conversation: { id: ['a'] } },
      { from: { id: 42 } },
      { from: { id: 'u'.repeat(600) } },
      { channelId: { x: 1 } },
      { conversation: {} },
      { type: 7 },
    ];
    for (const patch of bad) expect([patch, (await post(activity(patch))).status]).toEqual([patch, 400]);
    // Nothing was stored under "[object Object]".
    expect(await app.redis.keys(`*object Object*`)).toEqual([]);
  });
});

describe('/api/messages with ALLOW_UNAUTHENTICATED_MESSAGES=true', () => {
  it('answers any address, and start-up warns that it does', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
    const config = loadConfig({ PORT: '1', HOST: '127.0.0.1', REDIS_URL: process.env.TEST_REDIS_URL, REDIS_KEY_PREFIX: `t${randomUUID().slice(0, 8)}`, ALLOW_UNAUTHENTICATED_MESSAGES: 'true', TRUSTED_PROXIES: 'loopback' });
    config.port = 0;
    const app = await createApp(config, { logger: createLogger('info', sink) });
    try {
      const { port } = await app.listen();
      const res = await fetch(`http://127.0.0.1:${port}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
        body: JSON.stringify(activity()),
      });
      expect(res.status).toBe(200);
      expect(lines.join('')).toContain('ALLOW_UNAUTHENTICATED_MESSAGES=true');
    } finally {
      await app.close();
    }
  });
});

describe('/api/messages with a Bot Framework registration', () => {
  let app: App;
  let baseUrl: string;
  const lines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
    const config = loadConfig({
      PORT: '1',
      HOST: '127.0.0.1',
      REDIS_URL: process.env.TEST_REDIS_URL,
      REDIS_KEY_PREFIX: `t${randomUUID().slice(0, 8)}`,
      MicrosoftAppId: '00000000-0000-0000-0000-000000000001',
      MicrosoftAppPassword: 'not-a-real-secret',
    });
    config.port = 0;
    app = await createApp(config, { logger: createLogger('info', sink) });
    baseUrl = `http://127.0.0.1:${(await app.listen()).port}`;
  });
  afterAll(() => app.close());

  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: 'https://api.botframework.com', aud: '00000000-0000-0000-0000-000000000001', serviceurl: 'https://smba.trafficmanager.net/emea/' };
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rs256 = (payload: object, kid = 'forged-kid') => {
    const head = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(payload)}`;
    return `${head}.${sign('sha256', Buffer.from(head), privateKey).toString('base64url')}`;
  };
  const tokens: Record<string, string> = {
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, nbf: now - 60, exp: now + 3600 })}.`,
    'HS256 forged': (() => {
      const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...claims, exp: now + 3600 })}`;
      return `${head}.${createHmac('sha256', 'guess').update(head).digest('base64url')}`;
    })(),
    'RS256 with an unknown key': rs256({ ...claims, nbf: now - 60, exp: now + 3600 }),
    expired: rs256({ ...claims, nbf: now - 7200, exp: now - 3600 }),
    garbage: 'not.a.jwt',
    empty: '',
  };

  it.each(Object.keys(tokens))('a %s token gets 401, with no upstream error text, logged as one JSON line', async (name) => {
    lines.length = 0;
    const res = await fetch(`${baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(tokens[name] ? { authorization: `Bearer ${tokens[name]}` } : {}) },
      body: JSON.stringify(activity({ channelId: 'msteams', serviceUrl: 'https://smba.trafficmanager.net/emea/' })),
    });
    expect(res.status).toBe(401);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ error: { code: 'Unauthorized', message: 'The request is not authenticated.' } });
    const auth = lines.filter((l) => l.includes('auth_failed'));
    expect(auth).toHaveLength(1);
    expect(auth[0].trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(auth[0])).toMatchObject({ event: 'auth_failed', route: '/api/messages' });
  }, 20000);

  it('refuses a serviceUrl that is not a Bot Framework channel host, before any token check', async () => {
    for (const serviceUrl of ['http://127.0.0.1:1/', 'https://smba.trafficmanager.net.evil.com/', 'https://evil.trafficmanager.net/', 'http://smba.trafficmanager.net/emea/']) {
      const res = await fetch(`${baseUrl}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity({ channelId: 'msteams', serviceUrl })),
      });
      expect([serviceUrl, res.status]).toEqual([serviceUrl, 400]);
    }
  });
});

describe('Direct Line token generation', () => {
  let app: App;
  let baseUrl: string;
  beforeAll(async () => ({ app, baseUrl } = await startTestApp({ DIRECTLINE_SECRET: SECRET })));
  afterAll(() => app.close());

  const generate = (secret: string) =>
    fetch(`${baseUrl}/v3/directline/tokens/generate`, { method: 'POST', headers: { authorization: `Bearer ${secret}` } });

  it('a client that keeps failing the secret cannot lock the host site out (failures count per credential)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await generate('a-wrong-secret-tried-again-and-again')).status);
    expect(statuses.slice(0, 20).every((s) => s === 403)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // Same address, the right secret: served.
    const ok = await generate(SECRET);
    expect(ok.status).toBe(200);
    expect((await ok.json()).token).toBeTruthy();
  });
});

describe('client addresses behind proxies', () => {
  async function seen(trusted: string[], headers: Record<string, string>): Promise<string> {
    const addressOf = clientAddressResolver(trusted);
    const server = http.createServer((req, res) => res.end(addressOf(req)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const { port } = server.address() as { port: number };
      return await (await fetch(`http://127.0.0.1:${port}/`, { headers })).text();
    } finally {
      server.close();
    }
  }

  it('reads X-Forwarded-For only when the peer is a trusted proxy', async () => {
    expect(await seen([], { 'x-forwarded-for': '203.0.113.9' })).toBe('127.0.0.1');
    expect(await seen(['10.0.0.0/8'], { 'x-forwarded-for': '203.0.113.9' })).toBe('127.0.0.1');
    expect(await seen(['loopback'], { 'x-forwarded-for': '203.0.113.9' })).toBe('203.0.113.9');
    // A client cannot choose its address by prepending entries: the nearest untrusted hop counts.
    expect(await seen(['loopback'], { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' })).toBe('203.0.113.9');
  });

  it('the web widget token limit counts the real client, not what X-Forwarded-For claims', async () => {
    const { app, baseUrl } = await startTestApp({ DIRECTLINE_SECRET: SECRET });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 62; i++) {
        const res = await fetch(`${baseUrl}/widget/token`, { method: 'POST', headers: { 'x-forwarded-for': `203.0.113.${i}` } });
        statuses.push(res.status);
      }
      expect(statuses.at(-1)).toBe(429);
    } finally {
      await app.close();
    }
  });
});
