/**
 * HANDOFF_MODE=external on a recorded Teams conversation (test/fixtures/teams): the bot sends the
 * standard `handoff.initiate` event with the context and the redacted transcript to the channel, then
 * follows the contact centre's `handoff.status` events.
 */
import { createServer, IncomingMessage, Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startTestApp } from '../support/app';
import type { App } from '../../src/app';
import { translator } from '../../src/i18n';

const en = translator('en');

function fixture(name: string): any {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'teams', `${name}.json`), 'utf8'));
}

async function readJson(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

describe('HANDOFF_MODE=external on Teams', () => {
  let app: App;
  let baseUrl: string;
  let connector: Server;
  let serviceUrl: string;
  const sent: any[] = [];

  beforeAll(async () => {
    ({ app, baseUrl } = await startTestApp({ HANDOFF_MODE: 'external' }));
    let n = 0;
    connector = createServer(async (req, res) => {
      // A PUT is Teams' update of a card already sent (its buttons taken away once out of date), not a new message.
      sent.push({ ...(await readJson(req)), _update: req.method === 'PUT' });
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

  let seq = 1741770000000;
  async function replay(conv: string, patch: Record<string, unknown>): Promise<any[]> {
    const base = fixture('message');
    const activity = { ...base, id: String(seq++), serviceUrl, conversation: { ...base.conversation, id: conv }, attachments: [], ...patch };
    const before = sent.length;
    const res = await fetch(`${baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    expect([200, 201, 202]).toContain(res.status);
    return sent.slice(before);
  }
  const texts = (out: any[]) => out.filter((a) => a.type === 'message' && !a._update).map((a) => [a.text, ...(a.attachments ?? []).map((x: any) => x.content?.text)].filter(Boolean).join(' '));

  it('sends handoff.initiate with the case context and the redacted transcript, then follows handoff.status', async () => {
    const conv = `a:1${randomUUID().replace(/-/g, '')}`;
    await replay(conv, { text: 'I want a refund, my card is 4111 1111 1111 1111', locale: 'en-US' });
    for (const text of ['FL-999999', 'FL-999999', 'FL-999999', '49.90', 'I paid twice', 'PAY-2024-001234']) await replay(conv, { text });
    const out = await replay(conv, { text: '', value: { action: 'refund.confirm' } });

    const initiate = out.find((a) => a.type === 'event' && a.name === 'handoff.initiate');
    if (!initiate) throw new Error(JSON.stringify(sent.map((a) => [a.type, a.name, a.text ?? a.attachments?.[0]?.content?.text ?? JSON.stringify(a.attachments?.[0]?.content?.body ?? '').slice(0, 200)])));
    const ref = initiate.value.caseRef as string;
    expect(ref).toMatch(/^RF-/);
    expect(initiate.value).toMatchObject({ topic: 'refund', language: 'en', tier: 'standard', reason: 'unknown_order', severity: 'review' });
    expect(initiate.value.decision.outcome).toBe('needs_review');
    expect(initiate.value.decision.clauses.length).toBeGreaterThan(0);
    expect(initiate.conversation.id).toBe(conv);
    // The transcript: both sides, in order, card number redacted.
    const transcript = initiate.attachments.find((x: any) => x.name === 'Transcript').content.activities;
    const lines = transcript.map((x: any) => x.text as string);
    expect(lines[0]).toBe('I want a refund, my card is •••• 1111');
    expect(lines.some((l: string) => l.includes('PAY-2024-001234'))).toBe(true);
    expect(JSON.stringify(transcript)).not.toMatch(/4111 ?1111/);
    expect(transcript.filter((x: any) => x.from?.role === 'bot').length).toBeGreaterThan(3);
    // Said in the answer itself (one message), under "what happens next".
    expect(JSON.stringify(out.filter((a) => a.type === 'message'))).toContain(en('handoff:external.waiting'));

    // The contact centre accepts: the bot stays quiet.
    expect(await replay(conv, { type: 'event', name: 'handoff.status', value: { state: 'accepted' }, text: undefined })).toEqual([]);
    expect(texts(await replay(conv, { text: 'hello?' }))).toEqual([]);
    expect((await app.desk.store.get(conv))?.status).toBe('external');

    // It completes: the customer is told and the bot answers again.
    const done = await replay(conv, { type: 'event', name: 'handoff.status', value: { state: 'completed' }, text: undefined });
    expect(texts(done)).toEqual([en('handoff:external.completed')]);
    expect(texts(await replay(conv, { text: 'help' })).join('\n')).toContain('I can help with four things');
  }, 60000);
});
