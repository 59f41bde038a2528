import { ActivityStore } from '../../src/channels/directline/store';
import { randomBytes } from 'node:crypto';
import { startTestApp } from '../support/app';
import type { App } from '../../src/app';
import { botTexts, multipart, PNG_1x1, RawDirectLine } from './helpers';

const SECRET = randomBytes(32).toString('base64url');

describe('embedded Direct Line channel over HTTP', () => {
  let app: App;
  let baseUrl: string;
  let dl: RawDirectLine;

  beforeAll(async () => {
    ({ app, baseUrl } = await startTestApp({ BRAND_NAME: 'Acme', DIRECTLINE_SECRET: SECRET }));
    dl = new RawDirectLine(baseUrl);
  });
  afterAll(() => app.close());

  async function startedConversation(locale?: string) {
    const t = await dl.widgetToken();
    const started = await dl.start(t.token, locale);
    expect(started.status).toBe(201);
    return { token: t.token, conv: t.conversationId };
  }

  it('starts a conversation and sends the welcome in the locale the client starts with', async () => {
    const t = await dl.widgetToken();
    expect(t.expires_in).toBeGreaterThan(60);
    const started = await dl.start(t.token, 'fr-FR');
    expect(started.status).toBe(201);
    expect(started.body.conversationId).toBe(t.conversationId);
    expect(started.body.streamUrl).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/v3/directline/conversations/${t.conversationId}/stream\\?watermark=&t=`));
    const all = await dl.waitFor(t.token, t.conversationId, (a) => botTexts(a).length > 0);
    expect(botTexts(all)[0]).toContain("Bonjour, je suis l'assistant Acme pour vos paiements");
    // Starting again is a reconnection, not a second welcome.
    expect((await dl.start(t.token, 'fr-FR')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(botTexts((await dl.activities(t.token, t.conversationId)).activities).filter((x) => x.includes('Bonjour'))).toHaveLength(1);
  });

  it('posts a message, echoes it with the client id, and delivers the bot reply; from.id comes from the token', async () => {
    const { token, conv } = await startedConversation('en-US');
    await dl.waitFor(token, conv, (a) => botTexts(a).length > 0);
    const { watermark } = await dl.activities(token, conv);
    const posted = await dl.post(token, conv, {
      type: 'message',
      text: 'help',
      locale: 'en-US',
      from: { id: 'someone-else', name: 'Mallory', role: 'bot' },
      conversation: { id: 'another-conversation' },
      channelData: { clientActivityID: 'client-1', verifiedAccountId: 'ACC-FORGED', tier: 'pro' },
    });
    expect(posted.status).toBe(200);
    expect(posted.body.id).toMatch(new RegExp(`^${conv}\\|\\d{7,16}$`));
    const after = await dl.activities(token, conv, watermark);
    const echo = after.activities.find((a) => a.id === posted.body.id);
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    expect(echo.from).toEqual({ id: claims.user, role: 'user' });
    expect(echo.conversation).toEqual({ id: conv });
    expect(echo.channelData).toEqual({ clientActivityID: 'client-1' });
    expect(echo.serviceUrl).toBeUndefined();
    // POST returns once the bot has answered (as Azure's Direct Line does).
    expect(botTexts(after.activities).join(' ')).toContain('I can help with four things');
    expect(Number(after.watermark)).toBeGreaterThan(Number(watermark));
  });

  it('never stores a card number, and the bot still tells the user it removed one', async () => {
    const { token, conv } = await startedConversation('en-US');
    await dl.post(token, conv, { type: 'message', text: 'my card is 4111 1111 1111 1111', locale: 'en-US' });
    const all = await dl.waitFor(token, conv, (a) => botTexts(a).some((t) => t.includes('I removed a card')));
    const mine = all.filter((a) => a.from.role === 'user');
    expect(JSON.stringify(mine)).not.toContain('4111 1111 1111 1111');
    // The log is stored compacted (deflated): read it as the channel does.
    const raw = (await new ActivityStore(app.redis, app.keys, 60).entries(conv)).map((e) => JSON.stringify(e.activity));
    expect(raw.join('\n')).toContain('my card is');
    expect(raw.join('\n')).not.toMatch(/4111 ?1111 ?1111 ?1111/);
  });

  it('refuses a token for another conversation, a missing, tampered or expired token', async () => {
    const a = await startedConversation();
    const b = await startedConversation();
    expect((await dl.call('GET', `/conversations/${b.conv}/activities`, a.token)).status).toBe(403);
    expect((await dl.post(a.token, b.conv, { type: 'message', text: 'hi' })).status).toBe(403);
    expect((await dl.call('GET', `/conversations/${b.conv}`, a.token)).status).toBe(403);
    const upload = multipart([{ name: 'file', filename: 'p.png', type: 'image/png', data: PNG_1x1 }]);
    const up = await fetch(`${baseUrl}/v3/directline/conversations/${b.conv}/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.token}`, 'content-type': upload.contentType },
      body: upload.body,
    });
    expect(up.status).toBe(403);
    expect((await dl.call('GET', `/conversations/${a.conv}/activities`, undefined)).status).toBe(401);
    const [h, p, s] = a.token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, conv: b.conv })).toString('base64url')}.${s}`;
    expect((await dl.call('GET', `/conversations/${b.conv}/activities`, forged)).status).toBe(403);
    const expired = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: 1 })).toString('base64url')}.${s}`;
    expect((await dl.call('GET', `/conversations/${a.conv}/activities`, expired)).status).toBe(403);
    // b's own token still works, and nothing from a reached b.
    const bAll = (await dl.activities(b.token, b.conv)).activities;
    expect(bAll.filter((x) => x.from.role === 'user')).toEqual([]);
  });

  it('refreshes a token for the same conversation and user', async () => {
    const { token, conv } = await startedConversation();
    const res = await dl.call('POST', '/tokens/refresh', token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; conversationId: string };
    expect(body.conversationId).toBe(conv);
    expect(body.token).not.toBe(token);
    const claims = (t: string) => JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString());
    expect(claims(body.token).user).toBe(claims(token).user);
    expect((await dl.call('GET', `/conversations/${conv}/activities`, body.token)).status).toBe(200);
  });

  it('reconnects to a conversation with a fresh stream URL', async () => {
    const { token, conv } = await startedConversation();
    const res = await dl.call('GET', `/conversations/${conv}?watermark=3`, token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { streamUrl: string; conversationId: string };
    expect(body.conversationId).toBe(conv);
    expect(body.streamUrl).toContain('watermark=3&t=');
    const t = await dl.widgetToken();
    expect((await dl.call('GET', `/conversations/${t.conversationId}`, t.token)).status).toBe(404); // never started
  });

  describe('token generation (server to server, with the secret)', () => {
    it('binds the user id and the verified account id given by the host site', async () => {
      const res = await dl.call('POST', '/tokens/generate', SECRET, { user: { id: 'shop-user-42', name: 'Ada' }, verifiedAccountId: 'ACC-PRO-1' });
      expect(res.status).toBe(200);
      const { token, conversationId } = (await res.json()) as { token: string; conversationId: string };
      expect((await dl.start(token, 'en-US')).status).toBe(201);
      await dl.post(token, conversationId, { type: 'message', text: 'help', channelData: { verifiedAccountId: 'ACC-SOMEONE-ELSE' } });
      const all = (await dl.activities(token, conversationId)).activities;
      const mine = all.find((a) => a.from.role === 'user');
      expect(mine.from).toEqual({ id: 'shop-user-42', name: 'Ada', role: 'user' });
      expect(mine.channelData.verifiedAccountId).toBe('ACC-PRO-1');
    });

    it('refuses a wrong secret, a browser (Origin header) and a bad body', async () => {
      expect((await dl.call('POST', '/tokens/generate', 'x'.repeat(43), {})).status).toBe(403);
      expect((await dl.call('POST', '/tokens/generate', undefined, {})).status).toBe(403);
      const fromBrowser = await dl.call('POST', '/tokens/generate', SECRET, {}, { origin: 'https://shop.example.com' });
      expect(fromBrowser.status).toBe(403);
      expect(fromBrowser.headers.get('access-control-allow-origin')).toBeNull();
      expect((await dl.call('POST', '/tokens/generate', SECRET, { user: { id: 'bad id with spaces' } })).status).toBe(400);
      expect((await dl.call('POST', '/tokens/generate', SECRET, { tier: 'pro' })).status).toBe(400);
    });
  });

  it('hands the widget page a token only for its own origin', async () => {
    expect((await fetch(`${baseUrl}/widget/token`, { method: 'POST', headers: { origin: 'https://evil.example.com' } })).status).toBe(403);
    expect((await fetch(`${baseUrl}/widget/token`, { method: 'POST', headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    const ok = await fetch(`${baseUrl}/widget/token`, { method: 'POST', headers: { origin: baseUrl, 'sec-fetch-site': 'same-origin' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBeNull();
    expect(ok.headers.get('cache-control')).toBe('no-store');
  });

  describe('upload', () => {
    it('accepts a PNG, the bot receives it, and a file it did not ask for is not kept', async () => {
      const { token, conv } = await startedConversation('en-US');
      const upload = multipart([
        { name: 'activity', type: 'application/vnd.microsoft.activity', data: Buffer.from(JSON.stringify({ type: 'message', channelData: { clientActivityID: 'up-1', attachmentSizes: [PNG_1x1.length] } })) },
        { name: 'file', filename: 'receipt.png', type: 'image/png', data: PNG_1x1 },
      ]);
      const res = await fetch(`${baseUrl}/v3/directline/conversations/${conv}/upload?userId=ignored`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': upload.contentType },
        body: upload.body,
      });
      expect(res.status).toBe(200);
      const { id } = (await res.json()) as { id: string };
      const all = (await dl.activities(token, conv)).activities;
      const msg = all.find((a) => a.id === id);
      expect(msg.attachments).toHaveLength(1);
      expect(msg.attachments[0]).toMatchObject({ contentType: 'image/png', name: 'receipt.png' });
      // The bot was not asking for a file: once its turn is over, the file is gone (from Redis too).
      expect((await fetch(msg.attachments[0].contentUrl)).status).toBe(404);
      expect(await app.redis.keys(`${app.keys.conversation(conv, 'dl:att:')}*`)).toEqual([]);
      // Without the signature, or with another one, nothing.
      const url = new URL(msg.attachments[0].contentUrl);
      url.searchParams.set('sig', 'x'.repeat(43));
      expect((await fetch(url)).status).toBe(404);
    });

    it('refuses a file that is not PNG, JPEG or PDF (by its bytes), and one over the size limit', async () => {
      const { token, conv } = await startedConversation();
      const exe = multipart([{ name: 'file', filename: 'receipt.png', type: 'image/png', data: Buffer.from('MZ\x90\x00 not an image') }]);
      const bad = await fetch(`${baseUrl}/v3/directline/conversations/${conv}/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': exe.contentType },
        body: exe.body,
      });
      expect(bad.status).toBe(415);
      const big = multipart([{ name: 'file', filename: 'big.png', type: 'image/png', data: Buffer.concat([PNG_1x1, Buffer.alloc(10 * 1024 * 1024)]) }]);
      const tooBig = await fetch(`${baseUrl}/v3/directline/conversations/${conv}/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': big.contentType },
        body: big.body,
      });
      expect(tooBig.status).toBe(413);
      const users = (await dl.activities(token, conv)).activities.filter((a) => a.from.role === 'user');
      expect(users).toEqual([]);
    });
  });

  it('refuses an oversized text activity and one of a type clients may not send', async () => {
    const { token, conv } = await startedConversation();
    const big = await dl.post(token, conv, { type: 'message', text: 'x'.repeat(70 * 1024) });
    expect(big.status).toBe(413);
    expect((await dl.post(token, conv, { type: 'invoke', name: 'x' })).status).toBe(400);
    expect((await dl.post(token, conv, { type: 'message', text: 'x'.repeat(10001) })).status).toBe(400);
  });

  it('pages activities by watermark', async () => {
    const { token, conv } = await startedConversation('en-US');
    for (let i = 0; i < 3; i++) await dl.post(token, conv, { type: 'message', text: 'help' });
    const all = await dl.activities(token, conv);
    // A watermark is the sequence number of the last activity the client has (the end of its id).
    const seq = (a: { id: string }) => a.id.slice(a.id.lastIndexOf('|') + 1);
    expect(all.watermark).toBe(seq(all.activities.at(-1)));
    const tail = await dl.activities(token, conv, seq(all.activities.at(-3)));
    expect(tail.activities.map((a) => a.id)).toEqual(all.activities.slice(-2).map((a) => a.id));
    expect((await dl.activities(token, conv, all.watermark)).activities).toEqual([]);
  });

  it('keeps the activities in Redis with a TTL', async () => {
    const { token, conv } = await startedConversation();
    await dl.post(token, conv, { type: 'message', text: 'help' });
    const ttl = await app.redis.ttl(app.keys.conversation(conv, 'dl:log'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600);
  });

  it('does not let anyone but the bot post to the connector routes, not even from loopback', async () => {
    const { conv } = await startedConversation();
    const res = await fetch(`${baseUrl}/directline-connector/v3/conversations/${conv}/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'I am the bot, send me your card number' }),
    });
    expect(res.status).toBe(401);
  });

  it('delivers a proactive message (continueConversationAsync) to a web chat conversation', async () => {
    const { token, conv } = await startedConversation('en-US');
    const all = await dl.waitFor(token, conv, (a) => botTexts(a).length > 0);
    const botMsg = all.find((a) => a.from.role === 'bot');
    const reference = {
      channelId: 'directline',
      serviceUrl: `${baseUrl}/directline-connector/`,
      conversation: { id: conv },
      bot: botMsg.from,
      user: botMsg.recipient,
    };
    await app.adapter.continueConversationAsync('', reference as never, async (context) => {
      await context.sendActivity('An agent has replied to your request.');
    });
    const after = await dl.waitFor(token, conv, (a) => botTexts(a).includes('An agent has replied to your request.'));
    expect(after.at(-1).from.role).toBe('bot');
  });
});
