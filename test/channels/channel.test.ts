import { ActivityStore } from '../../src/channels/directline/store';
import { randomUUID } from 'node:crypto';
import restify from 'restify';
import { WebSocket } from 'ws';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, TurnContext } from 'botbuilder';
import { loadConfig, Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { keyspace } from '../../src/storage/keys';
import { createRedisClient, RedisClient, waitUntilReady } from '../../src/storage/redisClient';
import { registerWebChat, DirectLineHandle } from '../../src/channels';
import { botTexts, multipart, PNG_1x1, RawDirectLine } from './helpers';

/*
 * The channel on its own restify server, with a recording bot: checks what the BOT receives (the
 * HTTP tests see what the client sees), several instances on one Redis, the WebSocket stream, rate
 * limits, and a bot with a MicrosoftAppId.
 */

interface Instance {
  base: string;
  redis: RedisClient;
  prefix: string;
  handle: DirectLineHandle;
  received: any[];
  close(): Promise<void>;
}

const redisClients: RedisClient[] = [];

async function instance(prefix: string, env: Record<string, string> = {}, opts: { limits?: any } = {}): Promise<Instance> {
  const config: Config = loadConfig({
    HOST: '127.0.0.1',
    REDIS_URL: process.env.TEST_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    BRAND_NAME: 'Acme',
    ...env,
  });
  const redis = createRedisClient({ url: config.redis.url });
  await waitUntilReady(redis);
  redisClients.push(redis);
  const adapter = new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: config.botAuth.appId ?? '',
      MicrosoftAppPassword: config.botAuth.appPassword ?? '',
      MicrosoftAppType: config.botAuth.appType,
    }),
  );
  const received: any[] = [];
  const runTurn = async (context: TurnContext) => {
    received.push(JSON.parse(JSON.stringify(context.activity)));
    if (context.activity.type !== 'message') return;
    const a = context.activity;
    if (a.text === 'slow') await new Promise((r) => setTimeout(r, 500));
    if (a.attachments?.length) {
      const bytes = Buffer.from(await (await fetch(a.attachments[0].contentUrl!)).arrayBuffer());
      await context.sendActivity(`got ${a.attachments[0].name} (${bytes.length} bytes, png=${bytes.equals(PNG_1x1)})`);
    } else {
      await context.sendActivity(`echo: ${a.text}`);
    }
  };
  const server = restify.createServer();
  const handle = await registerWebChat(server, { adapter, runTurn, redis, keys: keyspace(prefix), config, logger: createLogger('silent'), limits: opts.limits });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    base: `http://127.0.0.1:${port}`,
    redis,
    prefix,
    handle,
    received,
    async close() {
      await handle.close();
      server.server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const instances: Instance[] = [];
afterAll(async () => {
  for (const i of instances) await i.close();
  for (const r of redisClients) await r.quit();
});

async function started(dl: RawDirectLine, locale = 'en-US') {
  const t = await dl.widgetToken();
  expect((await dl.start(t.token, locale)).status).toBe(201);
  return { token: t.token, conv: t.conversationId, user: JSON.parse(Buffer.from(t.token.split('.')[1], 'base64url').toString()).user };
}

function streamMessages(url: string): { messages: any[]; ws: WebSocket; opened: Promise<void>; next: (pred: (all: any[]) => boolean, ms?: number) => Promise<any[]> } {
  const ws = new WebSocket(url);
  const messages: any[] = [];
  ws.on('message', (data) => {
    const text = data.toString();
    if (text) messages.push(JSON.parse(text));
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  const next = async (pred: (all: any[]) => boolean, ms = 5000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const all = messages.flatMap((m) => m.activities);
      if (pred(all)) return all;
      if (Date.now() > deadline) throw new Error(`stream: timed out with ${JSON.stringify(all.map((a) => a.text))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { messages, ws, opened, next };
}

describe('Direct Line channel: what the bot receives', () => {
  let one: Instance;
  let dl: RawDirectLine;
  beforeAll(async () => {
    one = await instance(`t${randomUUID().slice(0, 8)}`);
    instances.push(one);
    dl = new RawDirectLine(one.base);
  });

  it('sends conversationUpdate with the bot and the user added, then messages whose user comes from the token only', async () => {
    const { token, conv, user } = await started(dl, 'fr-FR');
    await dl.post(token, conv, {
      type: 'message',
      text: 'bonjour',
      from: { id: 'forged-user' },
      channelData: { clientActivityID: 'c1', verifiedAccountId: 'ACC-FORGED', accountTier: 'pro' },
      entities: [{ type: 'clientInfo', locale: 'fr-FR', timezone: 'Europe/Paris' }, { type: 'mention', text: '<at>x</at>' }],
    });
    const mine = one.received.filter((a) => a.conversation.id === conv);
    expect(mine.map((a) => a.type)).toEqual(['conversationUpdate', 'message']);
    const [update, message] = mine;
    expect(update.membersAdded.map((m: any) => m.id)).toEqual(['support-bot', user]);
    expect(update.locale).toBe('fr-FR');
    expect(update.channelId).toBe('directline');
    expect(message.from).toEqual({ id: user, role: 'user' });
    expect(message.channelData).toEqual({ clientActivityID: 'c1' });
    expect(message.entities).toEqual([{ type: 'clientInfo', locale: 'fr-FR', timezone: 'Europe/Paris' }]);
    expect(message.serviceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/directline-connector\/$/);
    expect(message.id).toMatch(new RegExp(`^${conv}\\|\\d{7,16}$`));
  });

  it('hands over an uploaded proof the bot can download from its contentUrl', async () => {
    const { token, conv } = await started(dl);
    const upload = multipart([
      { name: 'activity', type: 'application/vnd.microsoft.activity', data: Buffer.from(JSON.stringify({ type: 'message', text: 'my receipt' })) },
      { name: 'file', filename: 'C:\\Users\\me\\receipt.png', type: 'application/octet-stream', data: PNG_1x1 },
    ]);
    const res = await fetch(`${one.base}/v3/directline/conversations/${conv}/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': upload.contentType },
      body: upload.body,
    });
    expect(res.status).toBe(200);
    const got = one.received.filter((a) => a.conversation.id === conv && a.type === 'message');
    expect(got).toHaveLength(1);
    expect(got[0].text).toBe('my receipt');
    expect(got[0].attachments).toEqual([{ contentType: 'image/png', name: 'receipt.png', contentUrl: expect.stringContaining(`/conversations/${conv}/attachments/`) }]);
    const all = (await dl.activities(token, conv)).activities;
    expect(botTexts(all)).toContain(`got receipt.png (${PNG_1x1.length} bytes, png=true)`);
  });
});

describe('Direct Line channel: WebSocket stream', () => {
  let one: Instance;
  let dl: RawDirectLine;
  beforeAll(async () => {
    one = await instance(`t${randomUUID().slice(0, 8)}`);
    instances.push(one);
    dl = new RawDirectLine(one.base);
  });

  it('streams the history from the watermark, then new activities as they come', async () => {
    const { token, conv } = await started(dl);
    await dl.post(token, conv, { type: 'message', text: 'first' });
    const reconnect = (await (await dl.call('GET', `/conversations/${conv}`, token)).json()) as { streamUrl: string };
    const s = streamMessages(reconnect.streamUrl);
    await s.opened;
    await s.next((all) => botTexts(all).includes('echo: first'));
    await dl.post(token, conv, { type: 'message', text: 'second' });
    const all = await s.next((a) => botTexts(a).includes('echo: second'));
    expect(all.map((a) => a.text)).toEqual(['first', 'echo: first', 'second', 'echo: second']);
    expect(s.messages.every((m) => typeof m.watermark === 'string')).toBe(true);
    // From a watermark (the one sent with 'echo: first'): only what comes after it.
    const wm = s.messages.find((m) => botTexts(m.activities).includes('echo: first'))!.watermark;
    const later = (await (await dl.call('GET', `/conversations/${conv}?watermark=${wm}`, token)).json()) as { streamUrl: string };
    const s2 = streamMessages(later.streamUrl);
    await s2.opened;
    expect((await s2.next((a) => a.length >= 2)).map((a) => a.text)).toEqual(['second', 'echo: second']);
    s.ws.close();
    s2.ws.close();
  });

  it('refuses a stream without a valid stream token for that conversation', async () => {
    const a = await started(dl);
    const b = await started(dl);
    const aStream = (await (await dl.call('GET', `/conversations/${a.conv}`, a.token)).json()) as { streamUrl: string };
    await expect(streamMessages(aStream.streamUrl.replace(a.conv, b.conv)).opened).rejects.toThrow('HTTP 403');
    await expect(streamMessages(aStream.streamUrl.replace(/t=[^&]+/, `t=${a.token}`)).opened).rejects.toThrow('HTTP 403');
    await expect(streamMessages(aStream.streamUrl.replace(/&t=[^&]+/, '')).opened).rejects.toThrow('HTTP 403');
  });
});

describe('Direct Line channel: several instances on one Redis behave as one', () => {
  let a: Instance;
  let b: Instance;
  beforeAll(async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    a = await instance(prefix);
    b = await instance(prefix);
    instances.push(a, b);
  });

  it('a token from one instance works on the other, and a stream on one sees what is posted on the other', async () => {
    const dlA = new RawDirectLine(a.base);
    const dlB = new RawDirectLine(b.base);
    const { token, conv } = await started(dlA);
    const streamA = (await (await dlA.call('GET', `/conversations/${conv}`, token)).json()) as { streamUrl: string };
    const s = streamMessages(streamA.streamUrl);
    await s.opened;
    const posted = await dlB.post(token, conv, { type: 'message', text: 'via b' });
    expect(posted.status).toBe(200);
    const all = await s.next((x) => botTexts(x).includes('echo: via b'));
    expect(all.map((x) => x.text)).toEqual(['via b', 'echo: via b']);
    expect(b.received.some((x) => x.text === 'via b')).toBe(true);
    expect(a.received.some((x) => x.text === 'via b')).toBe(false);
    // And the other way round, reading by polling.
    await dlA.post(token, conv, { type: 'message', text: 'via a' });
    expect(botTexts((await dlB.activities(token, conv)).activities)).toContain('echo: via a');
    s.ws.close();
  });
});

describe('Direct Line channel: rate limits', () => {
  it('answers 429 with Retry-After when a conversation posts too fast', async () => {
    const one = await instance(`t${randomUUID().slice(0, 8)}`, {}, { limits: { post: { points: 3, duration: 60 } } });
    instances.push(one);
    const dl = new RawDirectLine(one.base);
    const { token, conv } = await started(dl);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await dl.call('POST', `/conversations/${conv}/activities`, token, { type: 'message', text: `m${i}` });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Another conversation is not affected.
    const other = await started(dl);
    expect((await dl.post(other.token, other.conv, { type: 'message', text: 'hi' })).status).toBe(200);
  });

  it('limits anonymous tokens per address', async () => {
    const one = await instance(`t${randomUUID().slice(0, 8)}`, {}, { limits: { widgetToken: { points: 2, duration: 60 } } });
    instances.push(one);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${one.base}/widget/token`, { method: 'POST' })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('Direct Line channel with a MicrosoftAppId (Azure registration)', () => {
  it('still hands activities to the bot and delivers its replies, with no call to Azure', async () => {
    const one = await instance(`t${randomUUID().slice(0, 8)}`, {
      MicrosoftAppId: '00000000-0000-0000-0000-000000000001',
      MicrosoftAppPassword: 'not-a-real-password',
    });
    instances.push(one);
    const dl = new RawDirectLine(one.base);
    const { token, conv } = await started(dl);
    await dl.post(token, conv, { type: 'message', text: 'hello' });
    const all = (await dl.activities(token, conv)).activities;
    expect(botTexts(all)).toEqual(['echo: hello']);
    expect(all.at(-1).from.id).toBe('00000000-0000-0000-0000-000000000001');
  });
});

describe('Direct Line channel: shutdown', () => {
  it('refuses new requests but delivers the replies of a turn still running', async () => {
    const one = await instance(`t${randomUUID().slice(0, 8)}`);
    const dl = new RawDirectLine(one.base);
    const { token, conv } = await started(dl);
    const posting = dl.post(token, conv, { type: 'message', text: 'slow' }).catch((err: Error) => err);
    await new Promise((r) => setTimeout(r, 150));
    const closing = one.handle.close();
    await new Promise((r) => setTimeout(r, 50));
    expect((await dl.post(token, conv, { type: 'message', text: 'too late' })).status).toBe(503);
    await closing;
    const log = await new ActivityStore(one.redis, keyspace(one.prefix), 60).entries(conv);
    expect(log.map((x) => x.activity.text)).toEqual(['slow', 'echo: slow']);
    await posting;
    await one.close();
  });
});
