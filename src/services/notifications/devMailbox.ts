/**
 * The development mailbox: what `npm start` uses when no SMTP_URL is set. Delivered e-mails are kept
 * in Redis (the newest 200, for 7 days) and shown at /dev/outbox, so a person trying the demo sees
 * what a customer would receive. Never used, nor served, in production (NODE_ENV=production).
 */
import type { Request, Response, Server } from 'restify';
import { translator, type Language } from '../../i18n';
import type { Keyspace } from '../../storage/keys';
import type { RedisClient } from '../../storage/redisClient';
import { luaScript } from '../../storage/scripts';
import { escapeHtml } from './templates';
import type { MailTransport, OutgoingMail } from './types';

const KEEP = 200;
const TTL_SECONDS = 7 * 24 * 3600;
const ID = /^[A-Za-z0-9:._-]{1,120}$/;

export interface DevMail extends OutgoingMail {
  deliveredAt: string;
}

/** KEYS mail, list. ARGV json, id, ttl, keep. Idempotent: a message delivered twice is kept once. */
const STORE = luaScript<[mail: string, list: string, json: string, id: string, ttlSeconds: string, keep: string], number>('devMailStore', 2, `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[3]) then
  redis.call('LPUSH', KEYS[2], ARGV[2])
  redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
return 1
`);

export class DevMailbox implements MailTransport {
  readonly kind = 'dev' as const;
  private readonly k: (suffix: string) => string;

  constructor(
    private readonly redis: RedisClient,
    keys: Keyspace,
  ) {
    this.k = (suffix) => keys.global('mail', `dev:${suffix}`);
  }

  async send(mail: OutgoingMail): Promise<void> {
    const stored: DevMail = { ...mail, deliveredAt: new Date().toISOString() };
    await STORE.run(this.redis, this.k(`msg:${mail.id}`), this.k('list'), JSON.stringify(stored), mail.id, String(TTL_SECONDS), String(KEEP));
  }

  /** Newest first. */
  async list(limit = 50): Promise<DevMail[]> {
    const ids = await this.redis.lrange(this.k('list'), 0, Math.max(0, Math.min(limit, KEEP) - 1));
    if (!ids.length) return [];
    const raws = await this.redis.mget(...ids.map((id) => this.k(`msg:${id}`)));
    return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as DevMail);
  }

  async get(id: string): Promise<DevMail | null> {
    if (!ID.test(id)) return null;
    const raw = await this.redis.get(this.k(`msg:${id}`));
    return raw ? (JSON.parse(raw) as DevMail) : null;
  }
}

const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** GET /dev/outbox (list), /dev/outbox/:id (the HTML e-mail), /dev/outbox/:id/text (its plain text). */
export function registerDevOutbox(server: Server, mailbox: DevMailbox, opts: { language: Language }): void {
  const t = translator(opts.language);
  const headers = (type: string) => ({
    'Content-Type': `${type}; charset=utf-8`,
    'Content-Security-Policy': PAGE_CSP,
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Robots-Tag': 'noindex',
  });
  const notFound = (res: Response) => {
    res.writeHead(404, headers('text/plain'));
    res.end(t('email:devOutbox.notFound'));
  };

  server.get('/dev/outbox', async (_req: Request, res: Response) => {
    const mails = await mailbox.list(100);
    const e = escapeHtml;
    const rows = mails
      .map((m) => {
        const href = `/dev/outbox/${encodeURIComponent(m.id)}`;
        return `<tr><td>${e(new Date(m.deliveredAt).toISOString().replace('T', ' ').slice(0, 19))}</td><td>${e(m.to)}</td><td>${e(m.language)}</td>` +
          `<td><a href="${e(href)}">${e(m.subject)}</a></td><td><a href="${e(href)}/text">${e(t('email:devOutbox.text'))}</a></td></tr>`;
      })
      .join('');
    const body = mails.length
      ? `<table><thead><tr><th>${e(t('email:devOutbox.sentAt'))}</th><th>${e(t('email:devOutbox.to'))}</th><th>${e(t('email:devOutbox.language'))}</th><th>${e(t('email:devOutbox.subject'))}</th><th>${e(t('email:devOutbox.text'))}</th></tr></thead><tbody>${rows}</tbody></table>`
      : `<p>${e(t('email:devOutbox.empty'))}</p>`;
    res.writeHead(200, headers('text/html'));
    res.end(`<!doctype html><html lang="${opts.language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(t('email:devOutbox.title'))}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#1f2937}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:8px;border-bottom:1px solid #e5e7eb;font-size:14px}a{color:#1d4ed8}</style></head>
<body><h1>${e(t('email:devOutbox.title'))}</h1><p>${e(t('email:devOutbox.intro'))}</p>${body}</body></html>`);
  });

  server.get('/dev/outbox/:id', async (req: Request, res: Response) => {
    const mail = await mailbox.get(String(req.params.id ?? ''));
    if (!mail) return notFound(res);
    res.writeHead(200, headers('text/html'));
    res.end(mail.html);
  });

  server.get('/dev/outbox/:id/text', async (req: Request, res: Response) => {
    const mail = await mailbox.get(String(req.params.id ?? ''));
    if (!mail) return notFound(res);
    res.writeHead(200, headers('text/plain'));
    res.end(`${mail.subject}\n\n${mail.text}`);
  });
}
