/**
 * Uploads cannot fill Redis: per-conversation caps, byte rates, the memory guard, and files the bot
 * did not ask for are not kept. Real Direct Line over HTTP, real Redis.
 */
import { randomBytes } from 'node:crypto';
import { startTestApp } from '../support/app';
import type { App } from '../../src/app';
import { botTexts, multipart, PNG_1x1, RawDirectLine } from '../channels/helpers';

const SECRET = randomBytes(32).toString('base64url');
const png = (bytes: number) => Buffer.concat([PNG_1x1, Buffer.alloc(Math.max(0, bytes - PNG_1x1.length))]);

async function setUp(env: Record<string, string>) {
  const started = await startTestApp({ DIRECTLINE_SECRET: SECRET, ...env });
  return { ...started, dl: new RawDirectLine(started.baseUrl) };
}

async function conversation(dl: RawDirectLine, locale = 'fr-FR') {
  const t = await dl.widgetToken();
  await dl.start(t.token, locale);
  await dl.waitFor(t.token, t.conversationId, (a) => botTexts(a).length > 0);
  return { token: t.token, conv: t.conversationId };
}

async function upload(baseUrl: string, token: string, conv: string, file: Buffer, name = 'recu.png', locale = 'fr-FR') {
  const body = multipart([
    { name: 'activity', type: 'application/vnd.microsoft.activity', data: Buffer.from(JSON.stringify({ type: 'message', locale })) },
    { name: 'file', filename: name, type: 'image/png', data: file },
  ]);
  return fetch(`${baseUrl}/v3/directline/conversations/${conv}/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': body.contentType },
    body: body.body,
  });
}

/** Goes to the proof question of a refund, in French. */
async function toProofQuestion(dl: RawDirectLine, token: string, conv: string) {
  const say = async (text: string, expected: string) => {
    await dl.post(token, conv, { type: 'message', text, locale: 'fr-FR' });
    await dl.waitFor(token, conv, (a) => botTexts(a).some((x) => x.includes(expected)));
  };
  await say('Je veux être remboursé de 49,00 € pour la commande FL-100001', 'Pour quelle raison');
  await say("J'ai payé par erreur", 'Avez-vous un justificatif');
}

describe('per-conversation caps', () => {
  let app: App;
  let baseUrl: string;
  let dl: RawDirectLine;
  beforeAll(async () => ({ app, baseUrl, dl } = await setUp({ UPLOAD_MAX_FILES_PER_CONVERSATION: '1', UPLOAD_MAX_BYTES_PER_CONVERSATION: '4096' })));
  afterAll(() => app.close());

  it('keeps the file the bot asked for, then refuses more files politely, in French, and the conversation goes on', async () => {
    const { token, conv } = await conversation(dl);
    await toProofQuestion(dl, token, conv);
    expect((await upload(baseUrl, token, conv, PNG_1x1)).status).toBe(200);
    await dl.waitFor(token, conv, (a) => botTexts(a).some((x) => x.includes('recu.png')));
    expect(await app.redis.keys(`${app.keys.conversation(conv, 'dl:att:')}*`)).toHaveLength(1);

    const second = await upload(baseUrl, token, conv, PNG_1x1, 'autre.png');
    expect(second.status).toBe(413);
    const all = await dl.waitFor(token, conv, (a) => botTexts(a).some((x) => x.includes('Je ne peux plus recevoir de fichier')));
    expect(botTexts(all).join('\n')).toContain('vous en avez déjà envoyé 1');
    expect(await app.redis.keys(`${app.keys.conversation(conv, 'dl:att:')}*`)).toHaveLength(1);
    // The conversation goes on.
    const posted = await dl.post(token, conv, { type: 'message', text: 'aide', locale: 'fr-FR' });
    expect(posted.status).toBe(200);
  });

  it('refuses a file that would take the conversation over its byte cap', async () => {
    const { token, conv } = await conversation(dl);
    const res = await upload(baseUrl, token, conv, png(5000));
    expect(res.status).toBe(413);
    const all = await dl.waitFor(token, conv, (a) => botTexts(a).some((x) => x.includes('Je ne peux pas recevoir ce fichier')));
    expect(botTexts(all).join('\n')).toMatch(/il dépasse 4\s?ko pour cette conversation/i);
    expect(await app.redis.keys(`${app.keys.conversation(conv, 'dl:att:')}*`)).toEqual([]);
  });

  it('a file the bot did not ask for is given back to the cap (not kept, not counted)', async () => {
    const { token, conv } = await conversation(dl);
    expect((await upload(baseUrl, token, conv, PNG_1x1)).status).toBe(200);
    expect((await upload(baseUrl, token, conv, PNG_1x1)).status).toBe(200);
    expect(await app.redis.keys(`${app.keys.conversation(conv, 'dl:att:')}*`)).toEqual([]);
  });
});

describe('byte rates', () => {
  let app: App;
  let baseUrl: string;
  let dl: RawDirectLine;
  beforeAll(async () => ({ app, baseUrl, dl } = await setUp({ UPLOAD_BYTES_PER_MINUTE_PER_TOKEN: '6000' })));
  afterAll(() => app.close());

  it('counts bytes, not requests, per web chat user', async () => {
    const { token, conv } = await conversation(dl, 'en-US');
    expect((await upload(baseUrl, token, conv, png(2000), 'a.png', 'en-US')).status).toBe(200);
    const res = await upload(baseUrl, token, conv, png(5000), 'b.png', 'en-US');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const all = await dl.waitFor(token, conv, (a) => botTexts(a).some((x) => x.includes('faster than I can take them')));
    expect(botTexts(all).join('\n')).toMatch(/Please wait \d+ seconds/);
  });
});

describe('when Redis is nearly full', () => {
  let app: App;
  let baseUrl: string;
  let dl: RawDirectLine;
  // A 1 MiB ceiling at 10 %: the test Redis is always above it (it has no maxmemory of its own).
  beforeAll(async () => ({ app, baseUrl, dl } = await setUp({ REDIS_MEMORY_CEILING_BYTES: '1048576', REDIS_MEMORY_UPLOAD_PERCENT: '10' })));
  afterAll(() => app.close());

  it('refuses uploads politely in the user\'s language, and conversations go on', async () => {
    const { token, conv } = await conversation(dl);
    const res = await upload(baseUrl, token, conv, PNG_1x1);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('60');
    const all = await dl.waitFor(token, conv, (a) => botTexts(a).some((x) => x.includes('je ne peux pas recevoir de fichier pour le moment')));
    expect(all.length).toBeGreaterThan(1);
    expect(await app.redis.keys(`${app.keys.conversation(conv, 'dl:att:')}*`)).toEqual([]);
    await dl.post(token, conv, { type: 'message', text: 'aide', locale: 'fr-FR' });
    await dl.waitFor(token, conv, (a) => botTexts(a).length >= 3);
  });
});
