import { WebSocket } from 'ws';
import { ConnectionStatus, DirectLine, Message } from 'botframework-directlinejs';
import { startTestApp } from '../support/app';
import type { App } from '../../src/app';
import { fetchAjax, PNG_1x1, RawDirectLine } from './helpers';

/*
 * The official client, botframework-directlinejs, unchanged, against the embedded channel with a
 * custom domain: polling and WebSocket, posting, upload, and a token that must not open another
 * conversation. In Node it needs an `ajax` (RxJS 5 Observable.ajax needs XMLHttpRequest: see
 * fetchAjax) and a WebSocket class (the `ws` package; directlinejs also checks the global one).
 */

type Activity = { type: string; id?: string; text?: string; from: { id: string; role?: string }; attachments?: any[] };

describe('botframework-directlinejs against the embedded channel', () => {
  let app: App;
  let baseUrl: string;
  let raw: RawDirectLine;
  const clients: DirectLine[] = [];
  const hadWebSocket = 'WebSocket' in globalThis;

  beforeAll(async () => {
    ({ app, baseUrl } = await startTestApp({ BRAND_NAME: 'Acme' }));
    raw = new RawDirectLine(baseUrl);
    if (!hadWebSocket) (globalThis as Record<string, unknown>).WebSocket = WebSocket;
  });
  afterAll(async () => {
    for (const c of clients) c.end();
    if (!hadWebSocket) delete (globalThis as Record<string, unknown>).WebSocket;
    await app.close();
  });

  function client(token: string, opts: { webSocket: boolean; conversationId?: string; locale?: string }): { dl: DirectLine; seen: Activity[]; statuses: ConnectionStatus[] } {
    const dl = new DirectLine({
      token,
      domain: `${baseUrl}/v3/directline`,
      webSocket: opts.webSocket,
      pollingInterval: 200,
      timeout: 5000,
      conversationId: opts.conversationId,
      conversationStartProperties: { locale: opts.locale ?? 'en-US' },
      ajax: fetchAjax,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    clients.push(dl);
    const seen: Activity[] = [];
    const statuses: ConnectionStatus[] = [];
    // Error handlers matter: directlinejs errors these streams when a conversation ends.
    dl.connectionStatus$.subscribe({ next: (s) => statuses.push(s), error: () => undefined });
    dl.activity$.subscribe({ next: (a) => seen.push(a as Activity), error: () => undefined });
    return { dl, seen, statuses };
  }

  async function until<T>(what: string, fn: () => T | undefined | false, ms = 10000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  const post = (dl: DirectLine, activity: Record<string, unknown>) =>
    new Promise<string>((resolve, reject) => dl.postActivity(activity as unknown as Message).subscribe({ next: resolve, error: reject }));

  const botTexts = (seen: Activity[]) => seen.filter((a) => a.from.role === 'bot' && a.type === 'message').map((a) => a.text ?? '');

  it('polling: starts, gets the welcome, posts and gets the reply', async () => {
    const t = await raw.widgetToken();
    const { dl, seen } = client(t.token, { webSocket: false, locale: 'fr-FR' });
    await until('welcome', () => botTexts(seen).find((x) => x.includes('Bonjour')));
    expect(dl.connectionStatus$.getValue()).toBe(ConnectionStatus.Online);
    const id = await post(dl, { type: 'message', from: { id: 'whatever' }, text: 'aide' });
    expect(id).toMatch(new RegExp(`^${t.conversationId}\\|`));
    await until('help', () => botTexts(seen).find((x) => x.includes('Je peux vous aider pour quatre choses')));
    const mine = seen.find((a) => a.id === id)!;
    expect(mine.from.id).toBe(JSON.parse(Buffer.from(t.token.split('.')[1], 'base64url').toString()).user);
  });

  it('WebSocket: starts, gets the welcome through the stream, posts and gets the reply', async () => {
    const t = await raw.widgetToken();
    const { dl, seen } = client(t.token, { webSocket: true });
    await until('welcome', () => botTexts(seen).find((x) => x.includes('Hello')));
    await post(dl, { type: 'message', from: { id: 'x' }, text: 'help' });
    await until('help', () => botTexts(seen).find((x) => x.includes('I can help with four things')));
    // Each activity arrives once.
    const ids = seen.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('reconnects to an existing conversation (page reload) and gets its history', async () => {
    const t = await raw.widgetToken();
    const first = client(t.token, { webSocket: true });
    await until('welcome', () => botTexts(first.seen).length > 0);
    await post(first.dl, { type: 'message', from: { id: 'x' }, text: 'help' });
    await until('help', () => botTexts(first.seen).find((x) => x.includes('I can help with four things')));
    first.dl.end();
    const seenBefore = first.seen.map((a) => a.id);
    const second = client(t.token, { webSocket: true, conversationId: t.conversationId });
    // The history arrives in one or more batches: wait for all of it, then check the order.
    await until('history', () => seenBefore.every((id) => second.seen.some((a) => a.id === id)));
    expect(second.seen.map((a) => a.id).slice(0, seenBefore.length)).toEqual(seenBefore);
  });

  it('uploads a proof file through postActivity with an attachment', async () => {
    const t = await raw.widgetToken();
    const { dl, seen } = client(t.token, { webSocket: false });
    await until('welcome', () => botTexts(seen).length > 0);
    const id = await post(dl, {
      type: 'message',
      from: { id: 'x' },
      attachments: [{ contentType: 'image/png', contentUrl: `data:image/png;base64,${PNG_1x1.toString('base64')}`, name: 'receipt.png' }],
    });
    const echoed = await until('echo', () => seen.find((a) => a.id === id));
    expect(echoed.attachments).toEqual([{ contentType: 'image/png', name: 'receipt.png', contentUrl: expect.stringContaining('/attachments/') }]);
  });

  it('a token for one conversation cannot read or post to another', async () => {
    const mine = await raw.widgetToken();
    const theirs = await raw.widgetToken();
    const victim = client(theirs.token, { webSocket: false });
    await until('victim welcome', () => botTexts(victim.seen).length > 0);
    await post(victim.dl, { type: 'message', from: { id: 'x' }, text: 'my order FL-123456, card 4111 1111 1111 1111' });

    // Reconnecting to the victim's conversation with my token: refused, nothing received.
    for (const webSocket of [false, true]) {
      const intruder = client(mine.token, { webSocket, conversationId: theirs.conversationId });
      await until('refusal', () => intruder.statuses.includes(ConnectionStatus.FailedToConnect) || intruder.statuses.includes(ConnectionStatus.ExpiredToken));
      await new Promise((r) => setTimeout(r, 300));
      expect(intruder.seen).toEqual([]);
      intruder.dl.end();
    }

    // Posting into it with my token: refused by the channel.
    const res = await raw.post(mine.token, theirs.conversationId, { type: 'message', text: 'hello from outside' });
    expect(res.status).toBe(403);
    const victimView = (await raw.activities(theirs.token, theirs.conversationId)).activities;
    expect(victimView.map((a) => a.text)).not.toContain('hello from outside');
  });
});
