import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Activity, CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import type { Config } from '../../config';
import type { Logger } from '../../logger';
import type { Keyspace } from '../../storage/keys';
import type { RedisClient } from '../../storage/redisClient';
import { redactActivityInPlace } from '../../bot/redact';
import { jsonBody, jsonDepthExceeds, refuseUnreadBody } from '../../server/body';
import { AddressOf, clientAddressResolver } from '../../server/clientAddress';
import { TURN } from '../../bot/turnContext';
import { translator, isLanguage, type Language } from '../../i18n';
import { formatBytes } from '../../../dialogs/refund/format';
import { UploadGuard, UploadRefusedError } from './uploads';
import { isStorageUnavailable } from '../../storage/errors';
import { checkProofFile, MAX_PROOF_BYTES } from '../../cases/proof';
import { channelAuthResult, ChannelConnectorFactory, CONNECTOR_PATH, routeOwnServiceUrls } from './connector';
import { StreamHub } from './hub';
import { Limits, LimitName, LimitSettings, RateLimitedError } from './limits';
import { BodyTooLargeError, isMultipart, MalformedMultipartError, readMultipart } from './multipart';
import {
  buildUserActivity,
  ChannelContext,
  clientActivitySchema,
  DIRECTLINE_CHANNEL_ID,
  generateBodySchema,
  startBodySchema,
} from './sanitize';
import { resolveDirectLineSecret } from './secret';
import { ActivityStore, ConversationFullError, StoredActivity } from './store';
import { attachStream } from './stream';
import { bearer, deriveKey, randomId, safeEqual, TokenClaims, TokenService } from './tokens';

export const API_PATH = '/v3/directline';

export interface DirectLineDeps {
  adapter: CloudAdapter;
  /** The bot's turn logic, as given to `adapter.process` for /api/messages. */
  runTurn: (context: TurnContext) => Promise<void>;
  redis: RedisClient;
  keys: Keyspace;
  config: Config;
  logger: Logger;
  /** Overrides of the rate limits (tests). */
  limits?: Partial<LimitSettings>;
  /** How long a POST waits for the bot's turn before answering anyway (default 15 s, like Azure's). */
  replyWaitMs?: number;
  /** The customer is typing (the agent desk shows it to the person answering). */
  onTyping?: (conversationId: string) => Promise<void>;
  /** The language a conversation last used (for messages the channel itself writes, such as a refused upload). */
  languageOf?: (conversationId: string) => Language | undefined;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const CONV_ID = /^[A-Za-z0-9_-]{16,64}$/;
const ATT_ID = /^[A-Za-z0-9_-]{16,64}$/;
const MAX_ACTIVITY_BODY = 64 * 1024;
const MAX_FILES_PER_UPLOAD = 5;
const STREAM_TOKEN_SECONDS = 120;

type Handler = (req: Request, res: Response) => Promise<void>;

/**
 * The embedded Direct Line v3 channel: token generate / refresh, conversations (start, reconnect),
 * activities (post, get with a watermark), the WebSocket stream, upload, attachment download, and
 * the Bot Connector routes the bot replies to. State lives in Redis (see store.ts), so several
 * instances on one Redis behave as one channel.
 */
export class DirectLineChannel {
  readonly store: ActivityStore;
  readonly hub: StreamHub;
  readonly limits: Limits;
  readonly uploads: UploadGuard;
  private readonly addressOf: AddressOf;
  private tokens!: TokenService;
  private secret!: string;
  private connectorKey!: string;
  private attachmentKey!: Buffer;
  private connectorFactory!: ChannelConnectorFactory;
  private unroute: () => void = () => undefined;
  private detachStream: () => Promise<void> = async () => undefined;
  private readonly turns = new Set<Promise<void>>();
  private closing = false;
  /** Requests being handled (a POST may still be storing its activity before its turn starts). */
  private readonly requests = new Set<Promise<unknown>>();
  private closed?: Promise<void>;
  private readonly bot: { id: string; name: string };

  constructor(
    private readonly server: Server,
    private readonly deps: DirectLineDeps,
  ) {
    const { redis, keys, config, logger } = deps;
    this.store = new ActivityStore(redis, keys, config.directLine.activityTtlSeconds);
    this.hub = new StreamHub(redis, keys.global('directline', 'events'), logger);
    this.limits = new Limits(redis, keys, deps.limits);
    this.uploads = new UploadGuard(redis, keys, config.uploads, config.directLine.activityTtlSeconds);
    this.addressOf = clientAddressResolver(config.security.trustedProxies);
    this.bot = { id: config.botAuth.appId || 'support-bot', name: config.brandName };
  }

  async start(): Promise<void> {
    const { config, redis, keys, logger, adapter } = this.deps;
    const { secret, source } = await resolveDirectLineSecret(config.directLine.secret, redis, keys);
    if (source !== 'config') {
      logger.info({ source }, 'directline: DIRECTLINE_SECRET is not set; using the generated secret shared through Redis');
    }
    this.secret = secret;
    this.tokens = new TokenService(secret, config.directLine.tokenTtlSeconds);
    this.connectorKey = deriveKey(secret, 'connector').toString('base64url');
    this.attachmentKey = deriveKey(secret, 'attachment');
    this.connectorFactory = new ChannelConnectorFactory(() => `${this.loopbackBase()}${CONNECTOR_PATH}`, this.connectorKey);
    await this.hub.start();
    this.unroute = routeOwnServiceUrls(adapter, (url) => this.isOwnServiceUrl(url), this.connectorFactory, logger);
    this.registerRoutes();
    this.detachStream = attachStream(this.server.server, {
      path: new RegExp(`^${API_PATH}/conversations/([^/]+)/stream$`),
      authorize: (conv, req) => this.authorizeStream(conv, req),
      store: this.store,
      hub: this.hub,
      toClient,
      logger,
    });
  }

  // ------------------------------------------------------------------ addresses

  /** This instance, as seen from itself (replies never leave the machine). */
  private loopbackBase(): string {
    const addr = this.server.server.address() as AddressInfo | null;
    if (!addr) throw new Error('directline: the server is not listening');
    let host = addr.address;
    if (host === '0.0.0.0' || host === '::' || host === '') host = '127.0.0.1';
    if (host.includes(':')) host = `[${host}]`;
    return `http://${host}:${addr.port}`;
  }

  /** The serviceUrl the bot sees on activities from this channel (and keeps in conversation references). */
  get serviceUrl(): string {
    const base = this.deps.config.publicUrl?.replace(/\/+$/, '') ?? this.loopbackBase();
    return `${base}${CONNECTOR_PATH}/`;
  }

  isOwnServiceUrl(url: string | undefined): boolean {
    if (!url) return false;
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return false;
    }
    if (!(u.pathname === CONNECTOR_PATH || u.pathname.startsWith(`${CONNECTOR_PATH}/`))) return false;
    const pub = this.deps.config.publicUrl ? new URL(this.deps.config.publicUrl) : undefined;
    if (pub && u.host === pub.host) return true;
    return ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  }

  /** Origin the client used (for URLs handed back to it): PUBLIC_URL, else the Host header. */
  private clientBase(req: IncomingMessage): string {
    const pub = this.deps.config.publicUrl;
    if (pub) return pub.replace(/\/+$/, '');
    const host = req.headers.host ?? '';
    const safeHost = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(host) ? host : this.loopbackBase().replace(/^http:\/\//, '');
    const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true || req.headers['x-forwarded-proto'] === 'https';
    return `${encrypted ? 'https' : 'http'}://${safeHost}`;
  }

  private streamUrl(req: IncomingMessage, claims: TokenClaims, watermark: string): string {
    const { token } = this.tokens.issue({ conv: claims.conv, user: claims.user }, 'stream', STREAM_TOKEN_SECONDS);
    const base = this.clientBase(req).replace(/^http/, 'ws');
    const wm = /^\d{1,16}$/.test(watermark) ? watermark : '';
    return `${base}${API_PATH}/conversations/${encodeURIComponent(claims.conv)}/stream?watermark=${wm}&t=${encodeURIComponent(token)}`;
  }

  private attachmentUrl(base: string, conv: string, attId: string): string {
    return `${base}${API_PATH}/conversations/${conv}/attachments/${attId}?sig=${this.attachmentSig(conv, attId)}`;
  }

  private attachmentSig(conv: string, attId: string): string {
    return createHmac('sha256', this.attachmentKey).update(`${conv}\n${attId}`).digest('base64url');
  }

  // ------------------------------------------------------------------ checks

  /** The client's address: the TCP peer, or X-Forwarded-For when the peer is a trusted proxy. */
  private address(req: IncomingMessage): string {
    return this.addressOf(req);
  }

  private async limit(name: LimitName, subject: string): Promise<void> {
    await this.limits.consume(name, subject);
  }

  /** The token's claims; its conversation must be `conv` when one is named in the URL. */
  private authorize(req: Request, conv?: string): TokenClaims {
    const token = bearer(req.headers.authorization);
    if (!token) throw new HttpError(401, 'Unauthorized', 'A bearer token is required.');
    const claims = this.tokens.verify(token);
    if (!claims) throw new HttpError(403, 'TokenInvalid', 'The token is invalid or has expired.');
    if (conv !== undefined && claims.conv !== conv) {
      throw new HttpError(403, 'Forbidden', 'The token is not valid for this conversation.');
    }
    return claims;
  }

  private convParam(req: Request): string {
    const conv = String((req.params as Record<string, unknown>).conversationId ?? '');
    if (!CONV_ID.test(conv)) throw new HttpError(404, 'NotFound', 'Unknown conversation.');
    return conv;
  }

  private async requireConversation(conv: string): Promise<void> {
    if (!(await this.store.meta(conv))) throw new HttpError(404, 'NotFound', 'The conversation does not exist or has expired.');
  }

  private authorizeStream = async (conv: string, req: IncomingMessage): Promise<number> => {
    if (!CONV_ID.test(conv)) throw new HttpError(404, 'NotFound', 'Unknown conversation.');
    const url = new URL(req.url ?? '', 'http://x');
    const claims = this.tokens.verify(url.searchParams.get('t') ?? undefined, 'stream');
    if (!claims || claims.conv !== conv) throw new HttpError(403, 'Forbidden', 'The stream token is invalid or has expired.');
    try {
      await this.limit('address', this.address(req));
      await this.limit('stream', conv);
    } catch (err) {
      if (err instanceof RateLimitedError) throw new HttpError(429, 'TooManyRequests', 'Too many requests.');
      throw err;
    }
    await this.requireConversation(conv);
    const wm = url.searchParams.get('watermark') ?? '';
    return /^\d{1,16}$/.test(wm) ? Number(wm) : 0;
  };

  // ------------------------------------------------------------------ handing over to the bot

  private channelContext(claims: TokenClaims, conv: string): ChannelContext {
    return { claims, conversationId: conv, serviceUrl: this.serviceUrl, bot: this.bot };
  }

  /**
   * Runs the bot's turn for an activity, in process. Waits up to `replyWaitMs` so that the client's
   * POST returns after the bot has answered (as Azure's Direct Line does), then lets a slow turn
   * finish on its own; `close()` waits for it.
   */
  private async deliver(activity: Record<string, unknown>, afterTurn?: (kept: ReadonlySet<string>) => Promise<void>): Promise<void> {
    let kept: ReadonlySet<string> = new Set();
    const logic = async (context: TurnContext) => {
      try {
        await this.deps.runTurn(context);
      } finally {
        kept = (context.turnState.get(TURN.attachmentsKept) as Set<string> | undefined) ?? kept;
      }
    };
    const turn = this.deps.adapter
      .processActivityDirect(channelAuthResult(this.deps.config.botAuth.appId, this.connectorFactory), activity as Partial<Activity> as Activity, logic)
      .catch((err: Error) => {
        this.deps.logger.error({ err: err.message, conversationId: (activity.conversation as { id?: string })?.id }, 'directline: turn failed');
      })
      .then(() => afterTurn?.(kept))
      .catch((err: Error) => {
        this.deps.logger.warn({ err: err.message }, 'directline: clean-up after the turn failed');
      });
    this.turns.add(turn);
    void turn.finally(() => this.turns.delete(turn));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([turn, new Promise<void>((r) => (timer = setTimeout(r, this.deps.replyWaitMs ?? 15000)))]);
    if (timer) clearTimeout(timer);
  }

  /** Stores a customer's activity (secrets redacted), wakes listeners, hands it to the bot unredacted. */
  private async acceptFromClient(
    activity: Record<string, unknown>,
    conv: string,
    forBot: Record<string, unknown> = {},
    afterTurn?: (kept: ReadonlySet<string>) => Promise<void>,
  ): Promise<string> {
    const stored: Record<string, unknown> = { ...activity };
    redactActivityInPlace(stored);
    let id: string;
    try {
      ({ id } = await this.store.append(conv, stored as Omit<StoredActivity, 'id'>));
    } catch (err) {
      if (err instanceof ConversationFullError) throw new HttpError(409, 'ConversationFull', err.message);
      throw err;
    }
    await this.hub.notify(conv);
    // The bot's own middleware redacts again and tells the user why (it needs the original to count).
    await this.deliver({ ...activity, ...forBot, id }, afterTurn);
    return id;
  }

  /** Continues a web chat conversation from anywhere (an agent's message, a reminder). */
  async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: 'event', name: 'ContinueConversation' }, reference, true);
    await this.deps.adapter.processActivityDirect(
      channelAuthResult(this.deps.config.botAuth.appId, this.connectorFactory),
      activity as Activity,
      logic,
    );
  }

  /** The bot tells the user, in their language, why a file was not taken; the conversation goes on. */
  private async explainRefusal(conv: string, err: UploadRefusedError): Promise<void> {
    try {
      const meta = await this.store.meta(conv);
      const fromLocale = meta?.locale?.toLowerCase().split(/[-_]/)[0];
      const lang: Language = this.deps.languageOf?.(conv) ?? (isLanguage(fromLocale) ? fromLocale : this.deps.config.defaultLanguage);
      const u = this.deps.config.uploads;
      const text = translator(lang)(`common:upload.${err.reason}`, {
        max: err.reason === 'files' ? u.maxFilesPerConversation : formatBytes(u.maxBytesPerConversation, lang),
        seconds: err.retryAfterSeconds ?? 60,
      });
      await this.store.append(conv, {
        type: 'message',
        channelId: DIRECTLINE_CHANNEL_ID,
        from: { ...this.bot, role: 'bot' },
        conversation: { id: conv },
        text,
        locale: lang,
        timestamp: new Date().toISOString(),
      } as unknown as Omit<StoredActivity, 'id'>);
      await this.hub.notify(conv);
    } catch (e) {
      this.deps.logger.warn({ err: (e as Error).message, conversationId: conv }, 'directline: could not explain a refused upload');
    }
  }

  // ------------------------------------------------------------------ tokens

  private tokenResponse(claims: TokenClaims, token: string) {
    return { conversationId: claims.conv, token, expires_in: Math.max(0, claims.exp - Math.floor(Date.now() / 1000)) };
  }

  /** A token for an anonymous visitor of the widget page (no verified account). */
  issueWidgetToken(): { conversationId: string; token: string; expires_in: number } {
    const { token, claims } = this.tokens.issue({ conv: randomId(), user: `dl_${randomId(12)}` });
    return this.tokenResponse(claims, token);
  }

  /** For the widget page's own token route: same-origin only, rate limited per address. */
  async widgetToken(req: Request): Promise<{ conversationId: string; token: string; expires_in: number }> {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') throw new HttpError(403, 'Forbidden', 'Tokens are only handed to the widget page itself.');
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== this.clientBase(req)) throw new HttpError(403, 'Forbidden', 'Tokens are only handed to the widget page itself.');
    await this.limit('widgetToken', this.address(req));
    return this.issueWidgetToken();
  }

  // ------------------------------------------------------------------ routes

  private route(handler: Handler, opts: { duringShutdown?: boolean } = {}): Handler {
    return async (req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      try {
        if (this.closing && !opts.duringShutdown) throw new HttpError(503, 'ServiceUnavailable', 'The chat service is restarting; try again shortly.');
        // Tracked from the start: a message accepted just before shutdown (still being stored) gets its turn.
        const handling = Promise.resolve(handler(req, res));
        const tracked = handling.then(
          () => undefined,
          () => undefined,
        );
        this.requests.add(tracked);
        try {
          await handling;
        } finally {
          this.requests.delete(tracked);
        }
      } catch (err) {
        this.fail(req, res, err);
      }
    };
  }

  private fail(req: Request, res: Response, err: unknown): void {
    let e: HttpError;
    if (err instanceof HttpError) e = err;
    else if (err instanceof RateLimitedError) {
      e = new HttpError(429, 'TooManyRequests', 'Too many requests; slow down.', { 'Retry-After': String(err.retryAfterSeconds) });
    } else if (err instanceof BodyTooLargeError) e = new HttpError(413, 'PayloadTooLarge', err.message);
    else if (err instanceof UploadRefusedError) {
      const status = err.reason === 'rate' ? 429 : err.reason === 'memory' ? 503 : 413;
      e = new HttpError(status, 'UploadRefused', `The file was not accepted (${err.reason}).`, err.retryAfterSeconds ? { 'Retry-After': String(err.retryAfterSeconds) } : err.reason === 'memory' ? { 'Retry-After': '60' } : {});
    }
    else if (err instanceof MalformedMultipartError) e = new HttpError(400, 'BadRequest', `Malformed upload: ${err.message}`);
    else {
      if (isStorageUnavailable(err)) this.deps.logger.warn({ err: (err as Error).message, path: req.path() }, 'directline: storage unavailable');
      else this.deps.logger.error({ err, path: req.path() }, 'directline: request failed');
      e = new HttpError(503, 'ServiceUnavailable', 'The chat service is unavailable; try again shortly.');
    }
    if (res.headersSent) return;
    if (e.status === 413 || e.status === 415 || e.status === 429 || e.status === 503 || e.status === 401 || e.status === 403) refuseUnreadBody(req, res);
    for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
    res.send(e.status, { error: { code: e.code, message: e.message } });
  }

  private registerRoutes(): void {
    const s = this.server;
    const depth = this.deps.config.security.maxJsonDepth;
    const small = jsonBody(4 * 1024, depth);
    const activityBody = jsonBody(MAX_ACTIVITY_BODY, depth);
    const addressLimit = async (req: Request) => this.limit('address', this.address(req));

    // Token generation, server to server, with the secret. No CORS: a browser must never hold the secret.
    s.post(`${API_PATH}/tokens/generate`, small, this.route(async (req, res) => {
      if (req.headers.origin !== undefined) {
        throw new HttpError(403, 'Forbidden', 'Token generation is server to server: call it from your backend, never from a browser.');
      }
      // Failures are counted per presented credential (a hash of it), and only ever slow down that
      // credential: a client that keeps failing cannot lock the host site, which presents the right
      // secret, out of token generation, even from the same address or behind the same proxy.
      const secret = bearer(req.headers.authorization);
      if (!secret || !safeEqual(secret, this.secret)) {
        const credential = createHmac('sha256', this.attachmentKey).update(secret ?? '').digest('base64url').slice(0, 22);
        const wait = await this.limits.exceeded('generateFailures', credential);
        if (wait) throw new RateLimitedError(wait);
        await this.limits.penalise('generateFailures', credential);
        throw new HttpError(403, 'Forbidden', 'The secret is missing or wrong.');
      }
      const body = generateBodySchema.safeParse(req.body ?? {});
      if (!body.success) throw new HttpError(400, 'BadRequest', z.prettifyError(body.error));
      const { token, claims } = this.tokens.issue({
        conv: randomId(),
        user: body.data.user?.id ?? `dl_${randomId(12)}`,
        name: body.data.user?.name,
        acct: body.data.verifiedAccountId,
      });
      res.send(200, this.tokenResponse(claims, token));
    }));

    s.post(`${API_PATH}/tokens/refresh`, this.route(async (req, res) => {
      await addressLimit(req);
      const claims = this.authorize(req);
      await this.limit('refresh', claims.conv);
      const { token, claims: fresh } = this.tokens.issue({ conv: claims.conv, user: claims.user, name: claims.name, acct: claims.acct });
      res.send(200, this.tokenResponse(fresh, token));
    }));

    // Start a conversation (the one the token was made for). The first start tells the bot that the
    // bot and the user joined, so the welcome comes, in the locale the client starts with.
    s.post(`${API_PATH}/conversations`, small, this.route(async (req, res) => {
      await addressLimit(req);
      const claims = this.authorize(req);
      await this.limit('conversation', claims.conv);
      const { locale } = startBodySchema.parse(req.body ?? {});
      const first = await this.store.start(claims.conv, {
        user: claims.user,
        acct: claims.acct,
        name: claims.name,
        locale,
        createdAt: new Date().toISOString(),
      });
      if (first) void this.deliver(this.conversationUpdate(claims, locale));
      res.send(first ? 201 : 200, {
        ...this.tokenResponse(claims, bearer(req.headers.authorization)!),
        streamUrl: this.streamUrl(req, claims, ''),
      });
    }));

    // Reconnect: a fresh stream URL for an existing conversation.
    s.get(`${API_PATH}/conversations/:conversationId`, this.route(async (req, res) => {
      await addressLimit(req);
      const conv = this.convParam(req);
      const claims = this.authorize(req, conv);
      await this.limit('conversation', conv);
      await this.requireConversation(conv);
      const watermark = query(req, 'watermark');
      res.send(200, { ...this.tokenResponse(claims, bearer(req.headers.authorization)!), streamUrl: this.streamUrl(req, claims, watermark) });
    }));

    s.get(`${API_PATH}/conversations/:conversationId/activities`, this.route(async (req, res) => {
      await addressLimit(req);
      const conv = this.convParam(req);
      this.authorize(req, conv);
      await this.limit('poll', conv);
      await this.requireConversation(conv);
      const raw = query(req, 'watermark');
      const { activities, watermark } = await this.store.read(conv, /^\d{1,16}$/.test(raw) ? Number(raw) : 0);
      res.send(200, { activities: activities.map(toClient), watermark: String(watermark) });
    }));

    s.post(`${API_PATH}/conversations/:conversationId/activities`, activityBody, this.route(async (req, res) => {
      await addressLimit(req);
      const conv = this.convParam(req);
      const claims = this.authorize(req, conv);
      await this.limit('post', conv);
      await this.requireConversation(conv);
      const parsed = clientActivitySchema.safeParse(req.body);
      if (!parsed.success) throw new HttpError(400, 'BadRequest', `Not an activity this channel accepts: ${z.prettifyError(parsed.error)}`);
      if (parsed.data.type === 'typing') {
        // Typing from the browser is not kept and runs no bot turn; only a person answering may want it.
        if (this.deps.onTyping) await this.deps.onTyping(conv).catch((err: Error) => this.deps.logger.debug({ err: err.message }, 'directline: typing not passed on'));
        res.send(200, { id: `${conv}|typing` });
        return;
      }
      const activity = buildUserActivity(parsed.data, this.channelContext(claims, conv));
      const id = await this.acceptFromClient(activity, conv);
      res.send(200, { id });
    }));

    // Upload: multipart with one `activity` part and `file` parts, as directlinejs sends them,
    // streamed through busboy under the limits (nothing on disk). Refused politely, with a message
    // from the bot in the conversation, when the conversation holds its files, the client sends
    // too many bytes per minute, or Redis is nearly full.
    s.post(`${API_PATH}/conversations/:conversationId/upload`, this.route(async (req, res) => {
      await addressLimit(req);
      const conv = this.convParam(req);
      const claims = this.authorize(req, conv);
      await this.limit('upload', conv);
      await this.requireConversation(conv);
      if (!isMultipart(req.headers['content-type'])) throw new HttpError(415, 'UnsupportedMediaType', 'Expected multipart/form-data.');
      const maxFile = Math.min(this.deps.config.limits.maxUploadBytes, MAX_PROOF_BYTES);
      const address = this.address(req);
      const declared = Number(req.headers['content-length']);
      try {
        await this.uploads.precheck(conv);
        if (Number.isFinite(declared) && declared > 0) await this.uploads.consumeRate(address, claims.user, Math.min(declared, maxFile * MAX_FILES_PER_UPLOAD));
      } catch (err) {
        if (err instanceof UploadRefusedError) await this.explainRefusal(conv, err);
        throw err;
      }
      const parts = await readMultipart(req, {
        fileBytes: maxFile,
        // Browsers send the activity part as a Blob, which arrives as one more file.
        files: MAX_FILES_PER_UPLOAD + 1,
        fieldBytes: MAX_ACTIVITY_BODY,
        totalBytes: maxFile * MAX_FILES_PER_UPLOAD + MAX_ACTIVITY_BODY,
      });
      const activityPart = parts.find((p) => p.name === 'activity');
      const files = parts.filter((p) => p.name === 'file');
      if (files.length === 0) throw new HttpError(400, 'BadRequest', 'No file in the upload.');
      if (files.length > MAX_FILES_PER_UPLOAD) throw new HttpError(400, 'TooManyFiles', `At most ${MAX_FILES_PER_UPLOAD} files at once.`);
      let template: unknown = { type: 'message' };
      if (activityPart) {
        const text = activityPart.data.toString('utf8');
        if (jsonDepthExceeds(text, this.deps.config.security.maxJsonDepth)) throw new HttpError(400, 'BadRequest', 'The activity part is nested too deeply.');
        try {
          template = JSON.parse(text);
        } catch {
          throw new HttpError(400, 'BadRequest', 'The activity part is not JSON.');
        }
      }
      const parsed = clientActivitySchema.safeParse(template);
      if (!parsed.success || parsed.data.type !== 'message') throw new HttpError(400, 'BadRequest', 'The activity part must be a message.');
      const checked = files.map((file) => {
        const name = cleanFileName(file.filename);
        const check = checkProofFile({ name, contentType: file.contentType, bytes: file.data }, maxFile);
        if (!check.ok) {
          const code = check.reason === 'too_large' ? 'FileTooLarge' : check.reason === 'empty' ? 'EmptyFile' : 'UnsupportedFileType';
          throw new HttpError(check.reason === 'too_large' ? 413 : 415, code, `${name}: ${check.reason.replace('_', ' ')}. PNG, JPEG or PDF, up to ${maxFile} bytes.`);
        }
        return { file, name, contentType: check.contentType };
      });
      const total = checked.reduce((n, c) => n + c.file.data.length, 0);
      try {
        if (!(Number.isFinite(declared) && declared > 0)) await this.uploads.consumeRate(address, claims.user, total);
        for (const c of checked) await this.uploads.reserve(conv, c.file.data.length);
      } catch (err) {
        if (err instanceof UploadRefusedError) await this.explainRefusal(conv, err);
        throw err;
      }

      // The client gets links on the address it used; the bot gets links it can reach and trusts
      // (PUBLIC_URL, else this instance's loopback address: the dialogs download from those only).
      const base = this.clientBase(req);
      const botBase = this.deps.config.publicUrl?.replace(/\/+$/, '') ?? this.loopbackBase();
      const attachments: { contentType: string; contentUrl: string; name: string }[] = [];
      const botAttachments: typeof attachments = [];
      const stored: { attId: string; bytes: number; botUrl: string }[] = [];
      const retention = Math.min(this.deps.config.uploads.retentionSeconds, this.deps.config.directLine.activityTtlSeconds);
      for (const { file, name, contentType } of checked) {
        const attId = randomId();
        await this.store.putAttachment(conv, attId, { bytes: file.data, contentType, name }, retention);
        attachments.push({ contentType, contentUrl: this.attachmentUrl(base, conv, attId), name });
        const botUrl = this.attachmentUrl(botBase, conv, attId);
        botAttachments.push({ contentType, contentUrl: botUrl, name });
        stored.push({ attId, bytes: file.data.length, botUrl });
      }
      const activity = buildUserActivity(parsed.data, this.channelContext(claims, conv), { attachments });
      // A file the bot did not take (it was not asking for one, or refused it) is not kept.
      const discardUntaken = async (kept: ReadonlySet<string>) => {
        for (const f of stored) {
          if (kept.has(f.botUrl)) continue;
          await this.store.deleteAttachment(conv, f.attId);
          await this.uploads.release(conv, f.bytes);
        }
      };
      const id = await this.acceptFromClient(activity, conv, { attachments: botAttachments }, discardUntaken);
      res.send(200, { id });
    }));

    // Uploaded files, by capability URL (the signature): Web Chat shows them with <img src>, and the
    // bot downloads them, neither with a bearer token.
    s.get(`${API_PATH}/conversations/:conversationId/attachments/:attachmentId`, this.route(async (req, res) => {
      await this.limit('download', this.address(req));
      const conv = this.convParam(req);
      const attId = String((req.params as Record<string, unknown>).attachmentId ?? '');
      const sig = query(req, 'sig');
      if (!ATT_ID.test(attId) || !safeEqual(sig, this.attachmentSig(conv, attId))) throw new HttpError(404, 'NotFound', 'No such file.');
      const att = await this.store.getAttachment(conv, attId);
      if (!att) throw new HttpError(404, 'NotFound', 'No such file, or it has expired.');
      const inline = att.contentType.startsWith('image/');
      res.writeHead(200, {
        'Content-Type': att.contentType,
        'Content-Length': String(att.bytes.length),
        'Content-Disposition': `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(att.name)}`,
        'Cache-Control': 'private, max-age=3600',
        'Content-Security-Policy': "default-src 'none'; sandbox",
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(att.bytes);
    }));

    this.registerConnectorRoutes();
  }

  private conversationUpdate(claims: TokenClaims, locale: string | undefined): Record<string, unknown> {
    return {
      type: 'conversationUpdate',
      id: `${claims.conv}|start`,
      channelId: DIRECTLINE_CHANNEL_ID,
      serviceUrl: this.serviceUrl,
      from: { id: claims.user, ...(claims.name ? { name: claims.name } : {}), role: 'user' },
      recipient: { ...this.bot, role: 'bot' },
      conversation: { id: claims.conv },
      membersAdded: [{ id: this.bot.id, name: this.bot.name }, { id: claims.user, ...(claims.name ? { name: claims.name } : {}) }],
      ...(locale ? { locale } : {}),
      channelData: claims.acct ? { verifiedAccountId: claims.acct } : {},
      timestamp: new Date().toISOString(),
    };
  }

  // ------------------------------------------------------------------ Bot Connector routes (bot → channel)

  private registerConnectorRoutes(): void {
    const s = this.server;
    const body = jsonBody(this.deps.config.limits.maxBodyBytes, this.deps.config.security.maxJsonDepth);
    const base = `${CONNECTOR_PATH}/v3/conversations/:conversationId/activities`;

    const checkConnector = (req: Request): string => {
      const key = bearer(req.headers.authorization);
      if (!key || !safeEqual(key, this.connectorKey)) throw new HttpError(401, 'Unauthorized', 'Not the bot.');
      return this.convParam(req);
    };

    const fromBot = async (req: Request, keepId?: string): Promise<string> => {
      const conv = checkConnector(req);
      const a = req.body as Record<string, unknown> | undefined;
      if (!a || typeof a !== 'object' || typeof a.type !== 'string') throw new HttpError(400, 'BadRequest', 'Body must be an activity.');
      const activity = { ...a };
      delete activity.serviceUrl;
      delete activity.callerId;
      delete activity.id;
      activity.channelId = DIRECTLINE_CHANNEL_ID;
      activity.conversation = { ...((a.conversation as object | undefined) ?? {}), id: conv };
      activity.from = { ...this.bot, ...((a.from as object | undefined) ?? {}), role: 'bot' };
      activity.timestamp = new Date().toISOString();
      const { id } = await this.store.append(conv, activity as Omit<StoredActivity, 'id'>, keepId);
      await this.hub.notify(conv);
      return id;
    };

    // Replies of turns still running during shutdown must land: these routes stay open until the end.
    const always = { duringShutdown: true };
    s.post(base, body, this.route(async (req, res) => {
      res.send(200, { id: await fromBot(req) });
    }, always));
    s.post(`${base}/:activityId`, body, this.route(async (req, res) => {
      const replyToId = String((req.params as Record<string, unknown>).activityId ?? '');
      if (req.body && typeof req.body === 'object' && replyToId) (req.body as Record<string, unknown>).replyToId = replyToId;
      res.send(200, { id: await fromBot(req) });
    }, always));
    // Update: the new version is appended with the same id; Web Chat replaces the old one by id.
    s.put(`${base}/:activityId`, body, this.route(async (req, res) => {
      const conv = checkConnector(req);
      const activityId = String((req.params as Record<string, unknown>).activityId ?? '');
      if (!activityId.startsWith(`${conv}|`) || !(await this.store.find(conv, activityId))) {
        throw new HttpError(404, 'NotFound', 'No such activity.');
      }
      res.send(200, { id: await fromBot(req, activityId) });
    }, always));
  }

  // ------------------------------------------------------------------ shutdown

  /** Refuses new work, closes the streams, waits (bounded) for turns in flight, stops the subscriber. */
  close(timeoutMs = this.deps.config.shutdownTimeoutMs): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      await this.detachStream();
      const deadline = Date.now() + timeoutMs;
      while ((this.turns.size > 0 || this.requests.size > 0) && Date.now() < deadline) {
        await Promise.race([...this.turns, ...this.requests, new Promise((r) => setTimeout(r, 50))]);
      }
      this.unroute();
      await this.hub.close();
    })();
    return this.closed;
  }
}

/** What a client sees of a stored activity: everything but the channel's plumbing. */
export function toClient(a: StoredActivity): StoredActivity {
  const { serviceUrl: _s, callerId: _c, ...rest } = a;
  return rest as StoredActivity;
}

/** One query parameter, read from the URL itself (no dependency on a query parser plugin). */
function query(req: IncomingMessage, name: string): string {
  return new URL(req.url ?? '/', 'http://localhost').searchParams.get(name) ?? '';
}

function cleanFileName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 120);
  return clean || 'file';
}
