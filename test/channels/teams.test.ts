import { createServer, IncomingMessage, Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startTestApp } from '../support/app';
import type { App } from '../../src/app';

/*
 * Recorded Microsoft Teams payloads (test/fixtures/teams) replayed through POST /api/messages, as
 * Teams would send them, with serviceUrl pointing at a local server that plays the Bot Connector
 * and records the bot's replies (the bot answers by POSTing to
 * {serviceUrl}/v3/conversations/{conversationId}/activities/{replyToId}). No MicrosoftAppId is
 * configured, so the adapter neither checks the incoming token nor signs its replies.
 */

interface Recorded {
  method: string;
  path: string;
  authorization?: string;
  body: any;
}

function fixture(name: string): any {
  // `_source`: where the shape comes from (Microsoft docs, botbuilder-js recordings); not part of the activity.
  const { _source, ...activity } = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'teams', `${name}.json`), 'utf8'));
  return activity;
}

async function readJson(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

describe('Microsoft Teams payloads through /api/messages', () => {
  let app: App;
  let baseUrl: string;
  let connector: Server;
  let serviceUrl: string;
  const recorded: Recorded[] = [];

  beforeAll(async () => {
    ({ app, baseUrl } = await startTestApp({ BRAND_NAME: 'Acme' }));
    let n = 0;
    connector = createServer(async (req, res) => {
      const body = await readJson(req);
      recorded.push({ method: req.method ?? '', path: decodeURIComponent(req.url ?? ''), authorization: req.headers.authorization, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `1:reply-${++n}` }));
    });
    await new Promise<void>((r) => connector.listen(0, '127.0.0.1', () => r()));
    serviceUrl = `http://127.0.0.1:${(connector.address() as { port: number }).port}/emea/`;
  });
  afterAll(async () => {
    await app.close();
    connector.closeAllConnections();
    await new Promise((r) => connector.close(r));
  });

  /** A fixture in a conversation of its own, pointed at the recorder. */
  function teams(name: string, conversationId: string, patch: Record<string, unknown> = {}): any {
    const a = fixture(name);
    return { ...a, serviceUrl, conversation: { ...a.conversation, id: conversationId }, ...patch };
  }

  /** Posts one activity as Teams does and returns the replies the bot sent for it. */
  async function replay(activity: any): Promise<Recorded[]> {
    const before = recorded.length;
    const res = await fetch(`${baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity),
    });
    expect([200, 201, 202]).toContain(res.status);
    return recorded.slice(before);
  }

  const texts = (replies: Recorded[]) =>
    replies.flatMap((r) => [r.body.text, ...(r.body.attachments ?? []).map((a: any) => a.content?.text ?? JSON.stringify(a.content?.body ?? ''))]).filter(Boolean);

  const newConversation = () => `a:1${randomUUID().replace(/-/g, '')}`;

  it('welcomes the user when the app is installed in personal chat (only the bot is in membersAdded), in the activity locale', async () => {
    const conv = newConversation();
    const update = teams('members-added', conv);
    const replies = await replay(update);
    expect(replies.length).toBeGreaterThanOrEqual(1);
    expect(replies[0].method).toBe('POST');
    expect(replies[0].path).toBe(`/emea/v3/conversations/${conv}/activities/${update.id}`);
    expect(replies[0].authorization).toBeUndefined();
    expect(texts(replies)[0]).toContain("Bonjour, je suis l'assistant Acme pour vos paiements");
    // The reply goes back to the same tenant's conversation, from the bot to the user.
    expect(replies[0].body.conversation).toMatchObject({ id: conv, tenantId: update.conversation.tenantId, conversationType: 'personal' });
    expect(replies[0].body.from.id).toBe(update.recipient.id);
    expect(replies[0].body.recipient.id).toBe(update.from.id);
    expect(replies[0].body.replyToId).toBe(update.id);
    // A second installation event does not welcome again.
    expect(await replay({ ...update, id: `f:${randomUUID()}` })).toEqual([]);
  });

  it('answers a message in personal chat, ignoring the HTML copy Teams attaches to every message', async () => {
    const conv = newConversation();
    const replies = await replay(teams('message', conv));
    const all = texts(replies).join('\n');
    expect(all).toContain('I can help with four things');
    expect(replies.every((r) => r.path.startsWith(`/emea/v3/conversations/${conv}/activities/`))).toBe(true);
    expect(all).not.toContain("wasn't expecting a file");
  });

  it('takes the language from the clientInfo entity when the activity has no locale', async () => {
    const conv = newConversation();
    const a = teams('message', conv, { text: 'help', id: `${Date.now()}1` });
    delete a.locale;
    a.entities = [{ ...a.entities[0], locale: 'fr-FR', country: 'FR' }];
    const replies = await replay(a);
    expect(texts(replies).join('\n')).toContain('Je peux vous aider pour quatre choses');
  });

  it('takes a card submit (Action.Submit values in activity.value) through to a recorded case', async () => {
    const conv = newConversation();
    let id = 1741769000000;
    const say = (text: string) =>
      replay(teams('message', conv, { text, id: String(++id), attachments: [{ contentType: 'text/html', content: `<p>${text}</p>` }] }));

    const first = texts(await say('I want a refund for order FL-100001, I paid 49 € by mistake'));
    expect(first.join('\n')).toContain('I found order FL-100001');
    expect(first.join('\n')).toMatch(/proof of payment/i);
    const summary = await say('skip');
    const card = summary.flatMap((r) => r.body.attachments ?? []).find((a: any) => a.contentType === 'application/vnd.microsoft.card.adaptive');
    expect(card).toBeDefined();
    const confirm = card.content.actions.find((x: any) => x.type === 'Action.Submit' && x.data?.action === 'refund.confirm');
    expect(confirm).toBeDefined();
    const cardActivityId = summary.find((r) => r.body.attachments?.length)!.path.split('/').pop();

    const submit = teams('card-submit', conv, { id: `f:${randomUUID()}`, replyToId: cardActivityId, value: confirm.data });
    expect(submit.text).toBeUndefined();
    const decided = texts(await replay(submit)).join('\n');
    expect(decided).toMatch(/RF-[A-Z0-9]{5}/);
  });
});
