import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Request, Response, Server } from 'restify';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { LANGUAGES, Language, loadResources } from '../i18n';
import type { DirectLineChannel } from './directline/channel';
import { HttpError } from './directline/channel';
import { RateLimitedError } from './directline/limits';
import { MAX_PROOF_BYTES } from '../cases/proof';
import { projectDir } from '../util/projectDir';

/*
 * The web chat page and its files, all served by the bot (no CDN):
 *
 *   GET  /                    the chat page (Web Chat against the embedded Direct Line channel)
 *   GET  /widget/webchat.js   Web Chat, from node_modules/botframework-webchat/dist/webchat.js
 *   GET  /widget/app.js       the page's script (public/widget/app.js)
 *   GET  /widget/app.css      the page's styles
 *   GET  /embed.js            the script a host site adds to its pages (button + chat panel in an iframe)
 *   GET  /embed-example       a sample host page showing the snippet
 *   POST /widget/token        a Direct Line token for an anonymous visitor of the page (same origin only)
 *
 * Strings come from locales/<lang>/widget.json, inlined in the page as JSON (both languages, so the
 * language switch needs no round trip).
 */

export interface WidgetDeps {
  directLine: DirectLineChannel;
  config: Config;
  logger: Logger;
}

interface StaticFile {
  body: Buffer;
  gzip?: Buffer;
  type: string;
  etag: string;
}

/** The project's `public/` folder. */
export function publicDir(): string {
  return projectDir('public', 'index.html');
}

/** `node_modules/botframework-webchat/dist/webchat.js`, found through the package's own entry point. */
export function webChatBundlePath(): string {
  return resolve(dirname(require.resolve('botframework-webchat')), '..', 'dist', 'webchat.js');
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** JSON safe to put inside a <script> element or a JS file. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

function interpolate(s: string, vars: Record<string, string>): string {
  return s.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => vars[k] ?? '');
}

function file(body: Buffer, type: string, compress: boolean): StaticFile {
  return {
    body,
    type,
    gzip: compress ? gzipSync(body) : undefined,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
  };
}

function pickLanguage(req: IncomingMessage, fallback: Language): Language {
  const header = String(req.headers['accept-language'] ?? '');
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^q=([\d.]+)$/.exec(p.trim())).find(Boolean);
      return { lang: tag.toLowerCase().split('-')[0], q: q ? Number(q[1]) : 1 };
    })
    .filter((x) => x.lang)
    .sort((a, b) => b.q - a.q);
  for (const { lang } of ranked) if ((LANGUAGES as readonly string[]).includes(lang)) return lang as Language;
  return fallback;
}

export function registerWidget(server: Server, deps: WidgetDeps): void {
  const { config, directLine, logger } = deps;
  const dir = publicDir();
  const resources = loadResources();
  const strings = Object.fromEntries(LANGUAGES.map((l) => [l, resources[l].widget ?? {}])) as Record<Language, Record<string, Record<string, string>>>;
  const brand = config.brandName;
  const maxUploadBytes = Math.min(config.limits.maxUploadBytes, MAX_PROOF_BYTES);
  // What the page's script needs (the embed and Teams strings are used elsewhere).
  const pageStrings = Object.fromEntries(
    LANGUAGES.map((l) => {
      const { page, language, upload, status, notice } = strings[l];
      return [l, { page, language, upload, status, notice }];
    }),
  );

  const read = (name: string) => readFileSync(join(dir, name));
  const appJs = file(read('widget/app.js'), 'application/javascript; charset=utf-8', true);
  const appCss = file(read('widget/app.css'), 'text/css; charset=utf-8', true);
  const pageTemplate = read('index.html').toString('utf8');
  const exampleTemplate = read('embed-example.html').toString('utf8');
  const embedJs = file(
    Buffer.from(
      read('embed.js')
        .toString('utf8')
        .replace(
          '__WIDGET_STRINGS__',
          scriptJson(Object.fromEntries(LANGUAGES.map((l) => [l, { ...strings[l].embed, frameTitle: interpolate(strings[l].embed.frameTitle, { brand }) }]))),
        ),
    ),
    'application/javascript; charset=utf-8',
    true,
  );
  let webChat: StaticFile | undefined; // 3.9 MB: read and compressed on first request

  const send = (req: Request, res: Response, f: StaticFile, cache: string) => {
    if (req.headers['if-none-match'] === f.etag) {
      res.writeHead(304, { ETag: f.etag, 'Cache-Control': cache });
      res.end();
      return;
    }
    const gz = f.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gz ? f.gzip! : f.body;
    res.writeHead(200, {
      'Content-Type': f.type,
      'Content-Length': String(body.length),
      'Cache-Control': cache,
      ETag: f.etag,
      Vary: 'Accept-Encoding',
      ...(gz ? { 'Content-Encoding': 'gzip' } : {}),
    });
    res.end(body);
  };

  const pageHeaders = (req: IncomingMessage) => {
    const host = String(req.headers.host ?? '');
    const ws = /^[A-Za-z0-9.:[\]-]+$/.test(host) ? ` ws://${host} wss://${host}` : '';
    return {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      // The page is meant to be framed by host sites (embed.js), so no frame-ancestors restriction.
      'Content-Security-Policy': [
        "default-src 'self'",
        "script-src 'self'",
        // Web Chat makes upload thumbnails in a worker it creates from a blob: URL.
        "worker-src 'self' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' data: blob:",
        "font-src 'self' data:",
        `connect-src 'self' blob: data:${ws}`,
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
      ].join('; '),
    };
  };

  server.get('/', async (req: Request, res: Response) => {
    const lang = pickLanguage(req, config.defaultLanguage);
    const s = strings[lang];
    const pageConfig = {
      brand,
      defaultLanguage: config.defaultLanguage,
      strings: pageStrings,
      upload: { maxBytes: maxUploadBytes, maxFiles: 5, types: ['image/png', 'image/jpeg', 'application/pdf'] },
    };
    const html = interpolate(pageTemplate, {
      lang,
      title: escapeHtml(interpolate(s.page.title, { brand })),
      heading: escapeHtml(interpolate(s.page.heading, { brand })),
      intro: escapeHtml(s.page.intro),
      loading: escapeHtml(s.page.loading),
      noScript: escapeHtml(s.page.noScript),
      languageLabel: escapeHtml(s.language.label),
      dismiss: escapeHtml(s.notice.dismiss),
      config: scriptJson(pageConfig),
    });
    res.writeHead(200, pageHeaders(req));
    res.end(html);
  });

  server.get('/embed-example', async (req: Request, res: Response) => {
    const lang = pickLanguage(req, config.defaultLanguage);
    const e = strings[lang].embed;
    const origin = (config.publicUrl ?? `http://${req.headers.host ?? 'localhost'}`).replace(/\/+$/, '');
    const snippet = `<script src="${origin}/embed.js" async></script>`;
    const verified = `<script src="${origin}/embed.js" data-token-url="/support/chat-token" async></script>`;
    const html = interpolate(exampleTemplate, {
      lang,
      title: escapeHtml(e.exampleTitle),
      intro: escapeHtml(e.exampleIntro),
      snippet: escapeHtml(snippet),
      verifiedText: escapeHtml(e.exampleVerified),
      verifiedSnippet: escapeHtml(verified),
      live: escapeHtml(e.exampleLive),
    });
    res.writeHead(200, pageHeaders(req));
    res.end(html);
  });

  server.get('/widget/app.js', async (req: Request, res: Response) => send(req, res, appJs, 'no-cache'));
  server.get('/widget/app.css', async (req: Request, res: Response) => send(req, res, appCss, 'no-cache'));
  server.get('/embed.js', async (req: Request, res: Response) => send(req, res, embedJs, 'public, max-age=300'));
  server.get('/widget/webchat.js', async (req: Request, res: Response) => {
    try {
      webChat ??= file(readFileSync(webChatBundlePath()), 'application/javascript; charset=utf-8', true);
    } catch (err) {
      logger.error({ err }, 'widget: cannot read botframework-webchat/dist/webchat.js');
      res.send(500, { error: { code: 'WebChatMissing', message: 'Web Chat is not installed.' } });
      return;
    }
    send(req, res, webChat, 'public, max-age=86400');
  });

  server.post('/widget/token', async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      res.send(200, await directLine.widgetToken(req));
    } catch (err) {
      if (err instanceof HttpError) res.send(err.status, { error: { code: err.code, message: err.message } });
      else if (err instanceof RateLimitedError) {
        res.setHeader('Retry-After', String(err.retryAfterSeconds));
        res.send(429, { error: { code: 'TooManyRequests', message: 'Too many requests; slow down.' } });
      } else {
        logger.error({ err }, 'widget: token failed');
        res.send(503, { error: { code: 'ServiceUnavailable', message: 'The chat service is unavailable; try again shortly.' } });
      }
    }
  });
}
