import { translator } from '../../src/i18n';
import { randomUUID } from 'node:crypto';
import { startTestApp, send, texts } from '../support/app';
import type { App } from '../../src/app';

describe('bot service over HTTP', () => {
  let app: App;
  let baseUrl: string;
  beforeAll(async () => ({ app, baseUrl } = await startTestApp({ BRAND_NAME: 'Acme' })));
  afterAll(() => app.close());

  it('answers the health checks', async () => {
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', redis: 'up' });
  });

  it('keeps an idle keep-alive connection longer than clients and proxies do (no reset race at 5 s)', async () => {
    const { Agent, request } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ status: number; reused: boolean; keepAlive: string }>((resolve, reject) => {
        const req = request(`${baseUrl}/healthz`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket, keepAlive: String(res.headers['keep-alive']) }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      const first = await get();
      expect(first).toMatchObject({ status: 200, reused: false, keepAlive: 'timeout=65' });
      await new Promise((r) => setTimeout(r, 5500)); // past Node's default of 5 s
      expect(await get()).toMatchObject({ status: 200, reused: true });
    } finally {
      agent.destroy();
    }
  });

  it('a message sent again after its answer was lost gets the same answer, and is not run twice', async () => {
    const conv = randomUUID();
    await send(baseUrl, conv, { text: 'I want a refund' });
    const id = randomUUID();
    const first = await send(baseUrl, conv, { id, text: 'FL-100001' });
    expect(texts(first).join(' ')).toMatch(/amount|how much/i);
    const again = await send(baseUrl, conv, { id, text: 'FL-100001' });
    expect(again).toEqual(first);
    // The conversation moved on once: the next answer is the amount's, not the order number's again.
    const next = texts(await send(baseUrl, conv, { text: '49 euros' })).join(' ');
    expect(next).not.toMatch(/how much/i);
    const kept = await app.redis.pttl(app.keys.conversation(conv, 'replies'));
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(120_000);
  });

  it('rejects malformed JSON and non-activities with 400, and keeps serving', async () => {
    const bad = await fetch(`${baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type": "message",' });
    expect(bad.status).toBe(400);
    const notActivity = await fetch(`${baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2]' });
    expect(notActivity.status).toBe(400);
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
  });

  it('refuses a body over the size limit', async () => {
    const res = await fetch(`${baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'x'.repeat(300 * 1024) }),
    });
    expect(res.status).toBe(413);
  });

  it('welcomes a new member in the language of the activity locale', async () => {
    const conv = randomUUID();
    const replies = await send(baseUrl, conv, {
      type: 'conversationUpdate',
      locale: 'fr-FR',
      membersAdded: [{ id: 'user-1' }],
    });
    expect(texts(replies)[0]).toContain("Bonjour, je suis l'assistant Acme pour vos paiements");
  });

  it('detects the language of the first message and switches on request', async () => {
    const conv = randomUUID();
    const first = texts(await send(baseUrl, conv, { text: 'Bonjour, je voudrais de l’aide pour mon paiement' }));
    expect(first[0]).toContain('Bonjour');
    const switched = texts(await send(baseUrl, conv, { text: 'English please' }));
    expect(switched[0]).toBe("Sure, I'll continue in English.");
    const help = texts(await send(baseUrl, conv, { text: 'aide' }));
    expect(help.join(' ')).toContain('I can help with four things');
  });

  it('removes a card number and warns the user', async () => {
    const conv = randomUUID();
    const replies = texts(await send(baseUrl, conv, { text: 'my card is 4111 1111 1111 1111', locale: 'en-US' }));
    expect(replies.join(' ')).toContain('I removed a card or bank account number');
  });

  it('does not run a duplicate activity id again: its client gets the answer already given', async () => {
    const conv = randomUUID();
    const id = randomUUID();
    const first = await send(baseUrl, conv, { id, text: 'help', locale: 'en-US' });
    expect(first.length).toBeGreaterThan(0);
    expect(await send(baseUrl, conv, { id, text: 'help', locale: 'en-US' })).toEqual(first);
  });
});

describe('message rate limit', () => {
  let app: App;
  let baseUrl: string;
  beforeAll(async () => ({ app, baseUrl } = await startTestApp({ RATE_LIMIT_MESSAGES_PER_MINUTE: '3' })));
  afterAll(() => app.close());

  it('asks a conversation that sends too fast to slow down, without touching other conversations', async () => {
    const conv = randomUUID();
    for (let i = 0; i < 3; i++) expect(texts(await send(baseUrl, conv, { text: 'help', locale: 'fr-FR' })).join(' ')).toContain('Je peux vous aider pour quatre choses');
    const limited = texts(await send(baseUrl, conv, { text: 'help', locale: 'fr-FR' }));
    expect(limited).toHaveLength(1);
    expect(limited[0]).toMatch(/^Vous envoyez des messages plus vite que je ne peux les lire\. Patientez \d+ secondes/);
    expect(texts(await send(baseUrl, randomUUID(), { text: 'help', locale: 'en-US' })).join(' ')).toContain('I can help with four things');
  });
});

describe('eligibility API on the bot service', () => {
  let app: App;
  let baseUrl: string;
  const key = 'eligibility-test-key-0123456789';
  beforeAll(async () => ({ app, baseUrl } = await startTestApp({ POLICY_PROFILE: 'balance-only', ELIGIBILITY_API_KEYS: `other-key-0123456789abcdef,${key}` })));
  afterAll(() => app.close());

  it('serves the schema and decides with the configured profile, to a caller with an API key only', async () => {
    expect((await fetch(`${baseUrl}/api/eligibility/schema`)).status).toBe(401);
    expect((await fetch(`${baseUrl}/api/eligibility/schema`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    const res = await fetch(`${baseUrl}/api/eligibility`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        case: {
          topic: 'refund',
          now: '2026-11-21T10:00:00Z',
          order: { id: 'FL-100001', serviceType: 'top_up', status: 'completed', amountPaid: { minor: 5000, currency: 'EUR' }, paymentMethod: 'card', credited: true },
          account: { tier: 'standard', fraudFlag: false, openChargeback: false },
          claims: { reason: 'changed_mind' },
        },
      }),
    });
    expect(res.status).toBe(200);
    const decision = (await res.json()) as { outcome: string; clauses: string[] };
    expect(decision.outcome).toBe('refusal');
    expect(decision.clauses.some((c) => c.startsWith('B8'))).toBe(true);
  });
});

describe('identity on /api/messages', () => {
  let app: App;
  let baseUrl: string;
  beforeAll(async () => ({ app, baseUrl } = await startTestApp()));
  afterAll(() => app.close());

  it('ignores an account a client claims in channelData: only the embedded channel may vouch for one', async () => {
    // FL-100002 belongs to ACC-NORTHWIND. Were the claimed ACC-CAMILLE trusted, the order would be
    // someone else's and "not found"; the claim is dropped, so the anonymous demo lookup finds it.
    const conv = randomUUID();
    const replies = texts(
      await send(baseUrl, conv, {
        text: 'I want a refund for order FL-100002',
        locale: 'en-US',
        channelData: { verifiedAccountId: 'ACC-CAMILLE', tier: 'pro' },
      }),
    );
    expect(replies.join(' ')).toContain('I found order FL-100002');
  });
});

describe('Bot Framework authentication', () => {
  let app: App;
  let baseUrl: string;
  beforeAll(async () => ({ app, baseUrl } = await startTestApp({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'not-a-real-secret' })));
  afterAll(() => app.close());

  it('refuses an activity without a token once an app id is configured', async () => {
    const res = await fetch(`${baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message', id: randomUUID(), channelId: 'msteams', serviceUrl: 'https://smba.trafficmanager.net/emea/',
        from: { id: 'u' }, recipient: { id: 'b' }, conversation: { id: randomUUID() }, text: 'help', deliveryMode: 'expectReplies',
      }),
    });
    expect(res.status).toBe(401);
  });
});

describe('a conversation whose previous turn is still running', () => {
  let app: App;
  let baseUrl: string;
  beforeAll(async () => ({ app, baseUrl } = await startTestApp({ TURN_LOCK_WAIT_MS: '200' })));
  afterAll(() => app.close());

  it('is asked to wait a moment, not told that storage is down', async () => {
    const conv = randomUUID();
    await app.redis.set(app.keys.lock(conv), 'another-instance', 'PX', 5000);
    const replies = texts(await send(baseUrl, conv, { text: 'help', locale: 'en-US' }));
    expect(replies).toEqual(['I\'m still working on your previous message. Please wait a moment and try again.']);
  });
});

describe('the main menu', () => {
  let app: App;
  let baseUrl: string;
  beforeAll(async () => ({ app, baseUrl } = await startTestApp()));
  afterAll(() => app.close());

  it('says what it can do when asked something else, with the topics and a person as buttons', async () => {
    const conv = randomUUID();
    await send(baseUrl, conv, { type: 'conversationUpdate', locale: 'en-GB', membersAdded: [{ id: 'user-1' }] });
    const replies = await send(baseUrl, conv, { text: 'what is the weather in Lyon?', locale: 'en-GB' });
    expect(texts(replies)).toEqual([translator('en')('common:outOfScope')]);
    const buttons = replies[0].attachments?.[0].content.buttons.map((b: { title: string }) => b.title);
    expect(buttons).toEqual(['Refund or cancellation', "A payment isn't showing", 'A problem with a merchant', 'Where is my request?', 'Talk to a person']);
  });

  it('says it did not understand a message that means nothing it knows, and shows the topics that work', async () => {
    const conv = randomUUID();
    await send(baseUrl, conv, { type: 'conversationUpdate', locale: 'en-GB', membersAdded: [{ id: 'user-1' }] });
    const replies = await send(baseUrl, conv, { text: 'zxqv plorp', locale: 'en-GB' });
    expect(texts(replies)).toEqual(['Please pick one of the options below, or tell me in a few words what you need.']);
    const buttons = replies[0].attachments?.[0].content.buttons.map((b: { title: string }) => b.title);
    expect(buttons).toEqual(['Refund or cancellation', "A payment isn't showing", 'A problem with a merchant', 'Where is my request?']);
  });
});
