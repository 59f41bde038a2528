/**
 * Test clients for the handoff: a customer on the embedded Direct Line channel, and an agent on the
 * agent API with its server-sent event stream (read with fetch, as the console does).
 */
import { RawDirectLine } from '../channels/helpers';

export class Customer {
  readonly dl: RawDirectLine;
  token = '';
  conv = '';
  user = '';

  constructor(readonly base: string) {
    this.dl = new RawDirectLine(base);
  }

  /** An anonymous widget visitor, or (with the secret) a visitor the host site vouches for. */
  async open(opts: { secret?: string; verifiedAccountId?: string; locale?: string } = {}): Promise<this> {
    if (opts.secret) {
      this.user = `u_${Math.random().toString(36).slice(2, 10)}`;
      const res = await fetch(`${this.base}/v3/directline/tokens/generate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ user: { id: this.user }, ...(opts.verifiedAccountId ? { verifiedAccountId: opts.verifiedAccountId } : {}) }),
      });
      if (res.status !== 200) throw new Error(`tokens/generate: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { token: string; conversationId: string };
      this.token = body.token;
      this.conv = body.conversationId;
    } else {
      const w = await this.dl.widgetToken();
      this.token = w.token;
      this.conv = w.conversationId;
    }
    const started = await this.dl.start(this.token, opts.locale ?? 'en-US');
    if (started.status !== 200 && started.status !== 201) throw new Error(`start: ${started.status}`);
    this.token = started.body.token ?? this.token;
    return this;
  }

  async say(text: string, extra: Record<string, unknown> = {}): Promise<void> {
    const r = await this.dl.post(this.token, this.conv, { type: 'message', from: { id: this.user || 'user' }, locale: 'en-US', text, ...extra });
    if (r.status !== 200) throw new Error(`post: ${r.status} ${JSON.stringify(r.body)}`);
  }

  /** Every activity so far, page by page (the channel answers at most 100 per call). */
  async all(): Promise<any[]> {
    const out: any[] = [];
    let watermark = '';
    for (;;) {
      const page = await this.dl.activities(this.token, this.conv, watermark);
      out.push(...page.activities);
      if (page.activities.length === 0 || page.watermark === watermark) return out;
      watermark = page.watermark;
    }
  }

  /** Bot messages (text and card text) so far. */
  async botTexts(): Promise<string[]> {
    return (await this.all())
      .filter((a) => a.from?.role === 'bot' && a.type === 'message')
      .map((a) => [a.text ?? '', ...(a.attachments ?? []).map((x: any) => cardText(x.content))].join(' ').trim());
  }

  async waitForText(predicate: (texts: string[]) => boolean, timeoutMs = 30000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const texts = await this.botTexts();
      if (predicate(texts)) return texts;
      if (Date.now() > deadline) throw new Error(`timed out; bot said:\n${texts.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export interface SseEvent {
  id: string;
  event: string;
  data: any;
}

export class Agent {
  token = '';

  constructor(
    readonly base: string,
    readonly name: string,
  ) {}

  async login(password: string): Promise<this> {
    const res = await fetch(`${this.base}/api/agent/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: this.name, password }),
    });
    if (res.status !== 200) throw new Error(`login ${this.name}: ${res.status} ${await res.text()}`);
    this.token = ((await res.json()) as { token: string }).token;
    return this;
  }

  call(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.base}/api/agent${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async json(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await this.call(method, path, body);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async queue(): Promise<{ items: any[]; mine: any[] }> {
    const r = await this.json('GET', '/queue');
    if (r.status !== 200) throw new Error(`queue: ${r.status}`);
    return r.body;
  }

  /** Opens the event stream; events are collected in `events` until `close()`. */
  stream(lastEventId?: string): EventStream {
    return new EventStream(this.base, this.token, lastEventId);
  }
}

export class EventStream {
  readonly events: SseEvent[] = [];
  private readonly controller = new AbortController();
  readonly done: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(base: string, token: string, lastEventId?: string) {
    this.done = (async () => {
      const res = await fetch(`${base}/api/agent/events`, {
        headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        signal: this.controller.signal,
      });
      if (res.status !== 200 || !res.body) throw new Error(`events: ${res.status}`);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev: Partial<SseEvent> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) ev.id = line.slice(4);
            else if (line.startsWith('event: ')) ev.event = line.slice(7);
            else if (line.startsWith('data: ')) ev.data = JSON.parse(line.slice(6));
          }
          if (ev.event) {
            this.events.push(ev as SseEvent);
            for (const w of this.waiters.splice(0)) w();
          }
        }
      }
    })().catch((err: Error) => {
      if (err.name !== 'AbortError') throw err;
    });
    this.done.catch(() => undefined);
  }

  async waitFor(predicate: (events: SseEvent[]) => boolean, timeoutMs = 15000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events)) {
      if (Date.now() > deadline) throw new Error(`timed out; events: ${JSON.stringify(this.events.map((e) => [e.id, e.event, e.data?.entry?.text ?? e.data?.status ?? '']))}`);
      await Promise.race([new Promise<void>((r) => this.waiters.push(r)), new Promise((r) => setTimeout(r, 200))]);
    }
    return this.events;
  }

  close(): void {
    this.controller.abort();
  }
}

/** The words of a card: a hero card's text, or every TextBlock of an Adaptive Card (the one-message answer). */
function cardText(content: any): string {
  if (!content || typeof content !== 'object') return '';
  const blocks: string[] = [];
  const walk = (items: any[]) => {
    for (const item of items ?? []) {
      if (item?.type === 'TextBlock' && typeof item.text === 'string') blocks.push(item.text);
      if (Array.isArray(item?.items)) walk(item.items);
      if (Array.isArray(item?.columns)) for (const c of item.columns) walk(c?.items);
    }
  };
  walk(content.body);
  return [content.title, content.text, ...blocks].filter((x) => typeof x === 'string' && x).join(' ');
}
