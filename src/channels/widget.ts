import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { brotliCompress, constants as zlibConstants, gzip, gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
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
 *   GET  /widget/webchat/<version>/webchat.js
 *                             Web Chat, from node_modules/botframework-webchat/dist/webchat.js: brotli or
 *                             gzip (compressed once at start), ETag, cached for a year (`immutable`),
 *                             the version being a hash of the file. The page names this URL.
 *   GET  /widget/webchat.js   the same file at a fixed address (revalidated on every use)
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
  br?: Buffer;
  type: string;
  etag: string;
}

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** A year: the versioned Web Chat URL changes whenever the file does. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The encoding to send: brotli, else gzip, else none, as the client's Accept-Encoding allows (q=0 refuses). */
export function pickEncoding(header: string | string[] | undefined, available: { br?: boolean; gzip?: boolean }): 'br' | 'gzip' | undefined {
  const accepted = new Map<string, number>();
  for (const part of String(header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
    accepted.set(name, q ? Number(q[1]) : 1);
  }
  const ok = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (available.br && ok('br')) return 'br';
  if (available.gzip && ok('gzip')) return 'gzip';
  return undefined;
}

/** Web Chat's bundle with its version, and its brotli and gzip forms computed once, off the main thread. */
async function compressedWebChat(body: Buffer): Promise<StaticFile> {
  const [br, gz] = await Promise.all([
    brotliAsync(body, {
      params: {
        // Quality 9: 0.4 s for 3.9 MB → 0.71 MB; 11 saves 70 KB more for 8 s of CPU at every start.
        [zlibConstants.BROTLI_PARAM_QUALITY]: 9,
        [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    }),
    gzipAsync(body, { level: 9 }),
  ]);
  return { body, br, gzip: gz, type: 'application/javascript; charset=utf-8', etag: `"${contentHash(body)}"` };
}

const contentHash = (body: Buffer) => createHash('sha256').update(body).digest('base64url').slice(0, 27);

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
    etag: `"${contentHash(body)}"`,
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

export function registerWidget(server: Server, deps: WidgetDeps): { ready: Promise<void> } {
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
  // Web Chat (3.9 MB): read, hashed and compressed once at start; requests wait for it if they come first.
  let webChatVersion = 'missing';
  let webChat: Promise<StaticFile | undefined>;
  try {
    const body = readFileSync(webChatBundlePath());
    webChatVersion = createHash('sha256').update(body).digest('hex').slice(0, 16);
    webChat = compressedWebChat(body).catch((err) => {
      logger.error({ err }, 'widget: cannot compress Web Chat');
      return file(body, 'application/javascript; charset=utf-8', false);
    });
  } catch (err) {
    logger.error({ err }, 'widget: cannot read botframework-webchat/dist/webchat.js');
    webChat = Promise.resolve(undefined);
  }
  const webChatUrl = `/widget/webchat/${webChatVersion}/webchat.js`;

  const send = (req: Request, res: Response, f: StaticFile, cache: string) => {
    const encoding = pickEncoding(req.headers['accept-encoding'], { br: !!f.br, gzip: !!f.gzip });
    // One ETag per encoding: the bytes differ.
    const etag = encoding ? `${f.etag.slice(0, -1)}-${encoding}"` : f.etag;
    const common = { 'Cache-Control': cache, ETag: etag, Vary: 'Accept-Encoding' };
    const matches = String(req.headers['if-none-match'] ?? '')
      .split(',')
      .map((x) => x.trim().replace(/^W\//, ''))
      .includes(etag);
    if (matches) {
      res.writeHead(304, common);
      res.end();
      return;
    }
    const body = encoding === 'br' ? f.br! : encoding === 'gzip' ? f.gzip! : f.body;
    res.writeHead(200, {
      'Content-Type': f.type,
      'Content-Length': String(body.length),
      ...common,
      ...(encoding ? { 'Content-Encoding': encoding } : {}),
      'X-Content-Type-Options': 'nosniff',
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
      webChatUrl,
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
  const serveWebChat = async (req: Request, res: Response, cache: string) => {
    const f = await webChat;
    if (!f) {
      res.send(500, { error: { code: 'WebChatMissing', message: 'Web Chat is not installed.' } });
      return;
    }
    send(req, res, f, cache);
  };
  server.get('/widget/webchat/:version/webchat.js', async (req: Request, res: Response) =>
    // An old version (a page cached across a deploy) gets today's file, revalidated, never pinned for a year.
    serveWebChat(req, res, req.params.version === webChatVersion ? IMMUTABLE : 'no-cache'),
  );
  server.get('/widget/webchat.js', async (req: Request, res: Response) => serveWebChat(req, res, 'no-cache'));

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
  return { ready: webChat.then(() => undefined) };
}
