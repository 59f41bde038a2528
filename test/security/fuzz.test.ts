/**
 * Property-based fuzzing of what an outsider can reach: random activities, texts, card values and
 * headers at POST /api/messages, and random requests at the Direct Line routes (tokens,
 * conversations, activities, upload, stream, attachments). The process stays up, every request
 * gets an answer, and none is a 5xx (Redis is up throughout; 503 is only for Redis down).
 *
 * Bounded in `npm test`; longer with FUZZ_RUNS=<runs per property> (e.g. FUZZ_RUNS=2000).
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { startTestApp } from '../support/app';
import type { App } from '../../src/app';
import { multipart, PNG_1x1, RawDirectLine } from '../channels/helpers';
import { startRedis } from '../support/redisServer';

const RUNS = Number(process.env.FUZZ_RUNS ?? 0);
const SECRET = randomBytes(32).toString('base64url');

// ------------------------------------------------------------------ arbitraries

const cardLike = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 20 }), fc.constantFrom('', ' ', '-', '.', '\u00a0', '\u202f', '\u200b', '   ', '/'))
  .map(([ds, sep]) => ds.map(String).join('').match(/.{1,4}/g)!.join(sep));

const text = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  cardLike,
  fc.constantFrom('refund', 'help', 'je veux un remboursement', 'FL-100001', '49,90 €', 'skip', 'English', 'where is my request RF-7KQ2M', ''),
  fc.tuple(fc.constantFrom('refund for order FL-100001 ', 'my card is ', 'IBAN FR76 3000 6000 0112 3456 7890 189 '), cardLike).map(([a, b]) => a + b),
);

const id = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.uuid(), fc.integer(), fc.constant(null), fc.object({ maxDepth: 1 }), fc.string({ minLength: 500, maxLength: 700 }));

const cardValue = fc.oneof(
  fc.record({ action: fc.constantFrom('refund.form', 'refund.confirm', 'refund.correct', 'x'), orderNumber: fc.option(text), amount: fc.option(text), reason: fc.option(fc.string()), proofReference: fc.option(text), field: fc.option(fc.string()) }, { requiredKeys: ['action'] }),
  fc.anything({ maxDepth: 4 }),
);

const activity = fc.record(
  {
    type: fc.oneof(fc.constantFrom('message', 'message', 'message', 'conversationUpdate', 'event', 'invoke', 'typing', 'messageReaction'), fc.string(), fc.integer()),
    id,
    channelId: fc.oneof(fc.constantFrom('test', 'webchat', 'msteams', 'directline', 'emulator'), id),
    serviceUrl: fc.oneof(fc.constant('http://127.0.0.1:1/'), fc.webUrl(), fc.string(), fc.constant('http://127.0.0.1:1/directline-connector/')),
    deliveryMode: fc.constantFrom('expectReplies', 'expectReplies', 'normal', undefined),
    from: fc.oneof(fc.record({ id, name: fc.option(fc.string()), role: fc.option(fc.string()) }), fc.anything({ maxDepth: 1 })),
    recipient: fc.oneof(fc.record({ id }), fc.constant(undefined)),
    conversation: fc.oneof(fc.record({ id: fc.oneof(fc.uuid(), id) }), fc.anything({ maxDepth: 1 })),
    text: fc.option(text),
    value: fc.option(cardValue),
    locale: fc.option(fc.oneof(fc.constantFrom('en-US', 'fr-FR', 'de'), fc.string())),
    attachments: fc.option(fc.array(fc.record({ contentType: fc.string(), contentUrl: fc.oneof(fc.webUrl(), fc.constant('http://127.0.0.1:6379/'), fc.string()), name: fc.string() }), { maxLength: 2 })),
    channelData: fc.option(fc.anything({ maxDepth: 3 })),
    membersAdded: fc.option(fc.array(fc.record({ id }), { maxLength: 2 })),
  },
  { requiredKeys: [] },
);

/** Activities the edge lets through, so the fuzzing reaches the middleware and the dialogs. */
const wellFormed = fc
  .record({
    conv: fc.constantFrom('fuzz-a', 'fuzz-b', 'fuzz-c'),
    user: fc.constantFrom('demo-camille', 'u1'),
    text: fc.option(text),
    value: fc.option(cardValue),
    locale: fc.option(fc.constantFrom('en-US', 'fr-FR', 'xx', '')),
    type: fc.constantFrom('message', 'message', 'message', 'conversationUpdate', 'event'),
  })
  .map((a) => ({
    type: a.type,
    id: `${Math.random()}`,
    channelId: 'test',
    serviceUrl: 'http://127.0.0.1:1/',
    deliveryMode: 'expectReplies',
    from: { id: a.user },
    recipient: { id: 'bot' },
    conversation: { id: a.conv },
    ...(a.text !== null ? { text: a.text } : {}),
    ...(a.value !== null ? { value: a.value } : {}),
    ...(a.locale ? { locale: a.locale } : {}),
  }));

const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/vnd.api+json',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'text/plain',
  '',
  'application/json; boundary="x"',
);

const rawBody = fc.oneof(
  wellFormed.map((a) => JSON.stringify(a)),
  wellFormed.map((a) => JSON.stringify(a)),
  activity.map((a) => JSON.stringify(a)),
  activity.map((a) => JSON.stringify(a)),
  fc.string({ maxLength: 300 }),
  fc.integer({ min: 1, max: 400 }).map((n) => `{"type":"message","value":${'['.repeat(n)}${']'.repeat(n)}}`),
  fc.constantFrom('', 'null', '[]', '"x"', '{', '{"type":"message"}', 'type=message&text=hi'),
);

const authorization = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 80 }), fc.constant('Bearer '), fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`));

/** HTTP header values must be ByteStrings without control characters: fetch refuses others (a client-side error, not the server). */
const headerSafe = (s: string | undefined) => (s === undefined ? undefined : s.replace(/[^\x20-\x7e]/g, '').trim());

// ------------------------------------------------------------------ the runs

describe('fuzzing the HTTP edge', () => {
  let app: App;
  let baseUrl: string;
  let dl: RawDirectLine;
  let valid: { token: string; conv: string };
  let other: { token: string; conv: string };
  const statuses = new Map<number, number>();
  const record = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);

  beforeAll(async () => {
    ({ app, baseUrl } = await startTestApp({ DIRECTLINE_SECRET: SECRET, RATE_LIMIT_MESSAGES_PER_MINUTE: '100000' }));
    dl = new RawDirectLine(baseUrl);
    const a = await dl.widgetToken();
    await dl.start(a.token);
    valid = { token: a.token, conv: a.conversationId };
    const b = await dl.widgetToken();
    await dl.start(b.token);
    other = { token: b.token, conv: b.conversationId };
  }, 60000);
  afterAll(async () => {
    await app.close();
  });

  async function expectAnswered(res: Promise<Response>): Promise<void> {
    const r = await res;
    await r.arrayBuffer();
    record(r.status);
    expect(r.status).toBeGreaterThanOrEqual(200);
    expect(r.status).toBeLessThan(500);
  }

  it('POST /api/messages: random activities, bodies and headers', async () => {
    await fc.assert(
      fc.asyncProperty(rawBody, contentType, authorization, async (body, type, auth) => {
        const headers: Record<string, string> = {};
        if (type) headers['content-type'] = type;
        const a = headerSafe(auth);
        if (a) headers.authorization = a;
        await expectAnswered(fetch(`${baseUrl}/api/messages`, { method: 'POST', headers, body }));
      }),
      { numRuns: RUNS || 120, interruptAfterTimeLimit: RUNS ? undefined : 12000 },
    );
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    // Some runs went all the way through a turn.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
  }, 180000);

  it('Direct Line: random requests at every route', async () => {
    const route = fc.constantFrom(
      { method: 'POST', path: () => '/tokens/generate' },
      { method: 'POST', path: () => '/tokens/refresh' },
      { method: 'POST', path: () => '/conversations' },
      { method: 'GET', path: (c: string) => `/conversations/${c}` },
      { method: 'GET', path: (c: string) => `/conversations/${c}/activities?watermark=${Math.floor(Math.random() * 5)}` },
      { method: 'POST', path: (c: string) => `/conversations/${c}/activities` },
      { method: 'POST', path: (c: string) => `/conversations/${c}/activities` },
      { method: 'POST', path: (c: string) => `/conversations/${c}/upload` },
      { method: 'GET', path: (c: string) => `/conversations/${c}/stream?t=x` },
      { method: 'GET', path: (c: string) => `/conversations/${c}/attachments/${'A'.repeat(22)}?sig=x` },
      { method: 'PUT', path: (c: string) => `/conversations/${c}/activities/x` },
    );
    const who = fc.constantFrom('valid', 'other', 'secret', 'garbage', 'none');
    const conv = fc.oneof(fc.constant('valid'), fc.constant('other'), fc.string({ maxLength: 70 }).map((s) => encodeURIComponent(s)));
    const clientActivity = fc.record(
      { type: fc.oneof(fc.constantFrom('message', 'typing', 'event'), fc.string()), text: fc.option(text), value: fc.option(cardValue), locale: fc.option(fc.string()), attachments: fc.option(fc.anything({ maxDepth: 2 })), channelData: fc.option(fc.anything({ maxDepth: 2 })) },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      clientActivity.map((a) => ({ type: 'application/json', body: JSON.stringify(a) as BodyInit })),
      rawBody.map((b) => ({ type: 'application/json', body: b as BodyInit })),
      fc.tuple(clientActivity, fc.constantFrom(PNG_1x1, Buffer.from('MZ not an image'), Buffer.alloc(0)), fc.string({ maxLength: 40 })).map(([a, file, name]) => {
        const m = multipart([
          { name: 'activity', type: 'application/vnd.microsoft.activity', data: Buffer.from(JSON.stringify(a)) },
          { name: 'file', filename: name.replace(/["\r\n]/g, ''), type: 'image/png', data: file },
        ]);
        return { type: m.contentType, body: m.body as BodyInit };
      }),
      fc.tuple(contentType, fc.string({ maxLength: 200 })).map(([t, b]) => ({ type: t, body: b as BodyInit })),
      fc.constant({ type: '', body: undefined as BodyInit | undefined }),
    );
    await fc.assert(
      fc.asyncProperty(route, who, conv, body, async (r, w, c, b) => {
        const convId = c === 'valid' ? valid.conv : c === 'other' ? other.conv : c;
        const token = w === 'valid' ? valid.token : w === 'other' ? other.token : w === 'secret' ? SECRET : w === 'garbage' ? 'x.y.z' : undefined;
        const headers: Record<string, string> = {};
        if (token) headers.authorization = `Bearer ${token}`;
        if (b.type) headers['content-type'] = b.type;
        const method = r.method;
        await expectAnswered(
          fetch(`${baseUrl}/v3/directline${r.path(convId)}`, { method, headers, body: method === 'GET' ? undefined : b.body }),
        );
      }),
      { numRuns: RUNS || 200, interruptAfterTimeLimit: RUNS ? undefined : 12000 },
    );
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    // The statuses seen, for whoever reads the run.
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
  }, 180000);
});

describe('fuzzing while Redis is down', () => {
  it('answers every request, with 503 as the only 5xx', async () => {
    const redis = await startRedis();
    const { app, baseUrl } = await startTestApp({ REDIS_URL: redis.url, DIRECTLINE_SECRET: SECRET, REDIS_COMMAND_TIMEOUT_MS: '200' });
    const dl = new RawDirectLine(baseUrl);
    const t = await dl.widgetToken();
    await dl.start(t.token);
    await redis.stop();
    try {
      const target = fc.oneof(
        rawBody.map((body) => ({ url: `${baseUrl}/api/messages`, method: 'POST', headers: { 'content-type': 'application/json' }, body })),
        fc.constantFrom(
          { url: `${baseUrl}/v3/directline/conversations/${t.conversationId}/activities`, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token}` }, body: '{"type":"message","text":"hi"}' },
          { url: `${baseUrl}/v3/directline/conversations/${t.conversationId}/activities`, method: 'GET', headers: { authorization: `Bearer ${t.token}` }, body: undefined },
          { url: `${baseUrl}/v3/directline/tokens/refresh`, method: 'POST', headers: { authorization: `Bearer ${t.token}` }, body: undefined },
          { url: `${baseUrl}/widget/token`, method: 'POST', headers: {}, body: undefined },
          { url: `${baseUrl}/readyz`, method: 'GET', headers: {}, body: undefined },
        ),
      );
      await fc.assert(
        fc.asyncProperty(target, async (r) => {
          const res = await fetch(r.url, { method: r.method, headers: r.headers as Record<string, string>, body: r.body });
          await res.arrayBuffer();
          expect(res.status < 500 || res.status === 503).toBe(true);
        }),
        { numRuns: RUNS ? Math.ceil(RUNS / 10) : 25, interruptAfterTimeLimit: RUNS ? undefined : 8000 },
      );
      expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    } finally {
      await app.close();
    }
  }, 120000);
});
