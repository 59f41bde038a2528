import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Request, Response, Server } from 'restify';
import type { Metrics } from './registry';

export interface MetricsEndpointConfig {
  /** A separate port for /metrics only (not behind the public proxy). */
  port?: number;
  /** Interface of that port. */
  host: string;
  /** When set, a scrape must send `Authorization: Bearer <token>`. */
  token?: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** True when the request carries the bearer token (compared in constant time). */
export function hasToken(authorization: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return !!m && timingSafeEqual(digest(m[1]), digest(token));
}

interface Scrape {
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function scrape(metrics: Metrics, token: string | undefined, authorization: string | undefined): Promise<Scrape> {
  if (token && !hasToken(authorization, token)) {
    return { status: 401, headers: { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="metrics"' }, body: 'unauthorized\n' };
  }
  const { contentType, body } = await metrics.render();
  return { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body };
}

/**
 * Where /metrics is served, never publicly by default:
 * - `port` set: on its own HTTP server (and port), with the token too when one is set;
 * - only `token` set: on the bot's port, for requests with the bearer token;
 * - neither: nowhere (the bot's port answers 404).
 */
export function mountMetrics(server: Server, metrics: Metrics, cfg: MetricsEndpointConfig): { listen(): Promise<number | undefined>; close(): Promise<void> } {
  if (cfg.port === undefined) {
    if (cfg.token) {
      const token = cfg.token;
      server.get('/metrics', async (req: Request, res: Response) => {
        const r = await scrape(metrics, token, req.headers.authorization);
        for (const [k, v] of Object.entries(r.headers)) res.setHeader(k, v);
        res.sendRaw(r.status, r.body);
      });
    }
    return { listen: async () => undefined, close: async () => undefined };
  }
  let http: HttpServer | undefined;
  return {
    listen: () =>
      new Promise((resolve, reject) => {
        http = createServer((req, res) => {
          const path = (req.url ?? '').split('?')[0];
          // (restify replaces ServerResponse's writeHead with one that does not return `res`: no chaining.)
          const reply = (status: number, headers: Record<string, string>, body?: string) => {
            res.writeHead(status, headers);
            res.end(req.method === 'HEAD' ? undefined : body);
          };
          if (path !== '/metrics') return reply(404, { 'content-type': 'text/plain' }, 'not found\n');
          if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, { allow: 'GET, HEAD' });
          scrape(metrics, cfg.token, req.headers.authorization).then(
            (r) => reply(r.status, r.headers, r.body),
            () => reply(500, {}),
          );
        });
        http.requestTimeout = 10000;
        http.once('error', reject);
        http.listen(cfg.port, cfg.host, () => resolve((http?.address() as AddressInfo).port));
      }),
    close: () =>
      new Promise((resolve) => {
        if (!http) return resolve();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
