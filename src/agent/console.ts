import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Request, Response, Server } from 'restify';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { LANGUAGES, Language, isLanguage, loadResources } from '../i18n';
import { projectDir } from '../util/projectDir';

/*
 * The agent desk page, served by the bot (no CDN, no framework):
 *
 *   GET /agent                     the console page (public/agent/index.html)
 *   GET /agent/app.js, app.css     its script and styles
 *   GET /agent/locales/{lang}.json the console's strings (locales/<lang>/agent.json), no token needed
 *
 * Everything it does after that goes through the agent API (docs/agent-api.md) with the agent's token.
 * The page is never framed (frame-ancestors 'none') and runs no inline script.
 */

export interface AgentConsoleDeps {
  config: Pick<Config, 'brandName' | 'defaultLanguage'>;
  logger: Pick<Logger, 'debug'>;
}

interface StaticFile {
  body: Buffer;
  gzip: Buffer;
  type: string;
  etag: string;
}

/** The Content-Security-Policy of every console response: same-origin only, no inline script or style. */
export const AGENT_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'Content-Security-Policy': AGENT_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
};

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** JSON safe inside a <script type="application/json"> element. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

const interpolate = (s: string, vars: Record<string, string>) => s.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => vars[k] ?? '');

function staticFile(body: Buffer, type: string): StaticFile {
  return { body, gzip: gzipSync(body), type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

function pickLanguage(req: IncomingMessage, fallback: Language): Language {
  const ranked = String(req.headers['accept-language'] ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^q=([\d.]+)$/.exec(p.trim())).find(Boolean);
      return { lang: tag.toLowerCase().split('-')[0], q: q ? Number(q[1]) : 1 };
    })
    .filter((x) => x.lang)
    .sort((a, b) => b.q - a.q);
  return (ranked.map((r) => r.lang).find(isLanguage) as Language | undefined) ?? fallback;
}

export function registerAgentConsole(server: Server, deps: AgentConsoleDeps): void {
  const { config } = deps;
  const dir = projectDir('public', join('agent', 'index.html'));
  const resources = loadResources();
  const strings = Object.fromEntries(LANGUAGES.map((l) => [l, resources[l].agent ?? {}])) as Record<Language, Record<string, Record<string, string>>>;
  const template = readFileSync(join(dir, 'agent', 'index.html'), 'utf8');
  const appJs = staticFile(readFileSync(join(dir, 'agent', 'app.js')), 'application/javascript; charset=utf-8');
  const appCss = staticFile(readFileSync(join(dir, 'agent', 'app.css')), 'text/css; charset=utf-8');
  const locales = Object.fromEntries(
    LANGUAGES.map((l) => [l, staticFile(Buffer.from(JSON.stringify(strings[l])), 'application/json; charset=utf-8')]),
  ) as Record<Language, StaticFile>;

  const send = (req: Request, res: Response, f: StaticFile) => {
    const headers = { ...SECURITY_HEADERS, ETag: f.etag, 'Cache-Control': 'no-cache', Vary: 'Accept-Encoding' };
    if (req.headers['if-none-match'] === f.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const gz = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gz ? f.gzip : f.body;
    res.writeHead(200, { ...headers, 'Content-Type': f.type, 'Content-Length': String(body.length), ...(gz ? { 'Content-Encoding': 'gzip' } : {}) });
    res.end(body);
  };

  const page = async (req: Request, res: Response) => {
    const lang = pickLanguage(req, config.defaultLanguage);
    const s = strings[lang];
    const html = interpolate(template, {
      lang,
      title: escapeHtml(interpolate(s.page.title, { brand: config.brandName })),
      heading: escapeHtml(s.page.heading),
      loading: escapeHtml(s.page.loading),
      noScript: escapeHtml(s.page.noScript),
      config: scriptJson({ brand: config.brandName, defaultLanguage: config.defaultLanguage }),
    });
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(html);
  };

  server.get('/agent', page);
  server.get('/agent/', page);
  server.get('/agent/app.js', async (req: Request, res: Response) => send(req, res, appJs));
  server.get('/agent/app.css', async (req: Request, res: Response) => send(req, res, appCss));
  server.get('/agent/locales/:file', async (req: Request, res: Response) => {
    const m = /^([a-z]{2})\.json$/.exec(String(req.params?.file ?? ''));
    if (!m || !isLanguage(m[1])) {
      res.writeHead(404, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: 'not_found', message: 'No such console language.' }));
      return;
    }
    send(req, res, locales[m[1]]);
  });
}
