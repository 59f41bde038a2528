import { Observable } from 'rxjs/Observable';
import type { AjaxCreationMethod, AjaxRequest } from 'rxjs/observable/dom/AjaxObservable';

/** A Direct Line v3 client written by hand (fetch), to check the protocol itself. */
export class RawDirectLine {
  constructor(readonly base: string) {}

  async widgetToken(headers: Record<string, string> = {}): Promise<{ token: string; conversationId: string; expires_in: number }> {
    const res = await fetch(`${this.base}/widget/token`, { method: 'POST', headers });
    if (res.status !== 200) throw new Error(`widget token: ${res.status} ${await res.text()}`);
    return (await res.json()) as { token: string; conversationId: string; expires_in: number };
  }

  call(method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.base}/v3/directline${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async start(token: string, locale?: string): Promise<{ status: number; body: { conversationId: string; token: string; streamUrl: string; expires_in: number } }> {
    const res = await this.call('POST', '/conversations', token, locale ? { locale } : {});
    return { status: res.status, body: (await res.json()) as never };
  }

  async post(token: string, conv: string, activity: Record<string, unknown>): Promise<{ status: number; body: any }> {
    const res = await this.call('POST', `/conversations/${conv}/activities`, token, activity);
    return { status: res.status, body: await res.json() };
  }

  async activities(token: string, conv: string, watermark = ''): Promise<{ activities: any[]; watermark: string }> {
    const res = await this.call('GET', `/conversations/${conv}/activities?watermark=${watermark}`, token);
    if (res.status !== 200) throw new Error(`get activities: ${res.status} ${await res.text()}`);
    return (await res.json()) as { activities: any[]; watermark: string };
  }

  /** Polls until `predicate` holds for the activities so far (from the start), or fails after `timeoutMs`. */
  async waitFor(token: string, conv: string, predicate: (all: any[]) => boolean, timeoutMs = 10000): Promise<any[]> {
    const deadline = Date.now() + timeoutMs;
    let all: any[] = [];
    for (;;) {
      all = (await this.activities(token, conv)).activities;
      if (predicate(all)) return all;
      if (Date.now() > deadline) throw new Error(`timed out; activities so far:\n${JSON.stringify(all.map(summary), null, 1)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export function summary(a: any): string {
  const cards = (a.attachments ?? []).map((x: any) => x.content?.text ?? x.content?.title ?? x.contentType);
  return `${a.from?.role ?? a.from?.id}: ${a.type} ${a.text ?? ''} ${cards.join(' | ')}`.trim();
}

/** What a person reads in each bot message: its text, and the text blocks of its cards. */
export const botTexts = (all: any[]) =>
  all
    .filter((a) => a.from?.role === 'bot' && a.type === 'message')
    .map((a) =>
      [a.text ?? '', ...(a.attachments ?? []).flatMap((x: any) => [x.content?.text ?? '', ...(Array.isArray(x.content?.body) ? x.content.body.map((b: any) => b.text ?? '') : [])])]
        .filter(Boolean)
        .join('\n'),
    );

/** A PNG that checkProofFile accepts (1×1, valid header). */
export const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

export function multipart(parts: { name: string; filename?: string; type: string; data: Buffer }[]): { body: Blob; contentType: string } {
  const boundary = `----test${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\nContent-Type: ${p.type}\r\n\r\n`,
      ),
      p.data,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: new Blob([new Uint8Array(Buffer.concat(chunks))]), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * `ajax` for botframework-directlinejs in Node, on fetch (directlinejs expects RxJS 5's
 * Observable.ajax, which needs XMLHttpRequest). Answers like AjaxResponse / AjaxError do: `response`,
 * `status`, and `xhr.getResponseHeader` for Retry-After.
 */
export const fetchAjax = ((request: AjaxRequest) =>
  Observable.create((subscriber: { next(v: unknown): void; error(e: unknown): void; complete(): void }) => {
    const controller = new AbortController();
    const timer = request.timeout ? setTimeout(() => controller.abort(), request.timeout) : undefined;
    const headers = { ...((request.headers as Record<string, string>) ?? {}) };
    let body: BodyInit | undefined;
    if (request.body instanceof FormData) body = request.body;
    else if (request.body !== undefined) {
      body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      headers['Content-Type'] ??= 'application/json';
    }
    fetch(request.url as string, { method: request.method ?? 'GET', headers, body, signal: controller.signal })
      .then(async (res) => {
        const xhr = { getResponseHeader: (name: string) => res.headers.get(name) };
        const response = request.responseType === 'arraybuffer' ? await res.arrayBuffer() : await res.text().then((t) => (t ? JSON.parse(t) : null));
        if (res.status >= 400) subscriber.error({ status: res.status, response, xhr });
        else {
          subscriber.next({ status: res.status, response, xhr });
          subscriber.complete();
        }
      })
      .catch((err: Error) => subscriber.error({ status: 0, message: err.message, xhr: { getResponseHeader: () => null } }))
      .finally(() => timer && clearTimeout(timer));
    return () => controller.abort();
  })) as unknown as AjaxCreationMethod;
