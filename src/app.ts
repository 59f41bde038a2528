import {
  ActivityTypes,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConversationState,
  TurnContext,
} from 'botbuilder';
import type { Server } from 'restify';
import type { Config } from './config';
import { createLogger, Logger } from './logger';
import { createRedisClient, isRedisReady, RedisClient, waitUntilReady } from './storage/redisClient';
import { keyspace, Keyspace } from './storage/keys';
import { RedisStorage } from './storage/redisStorage';
import { LockTimeoutError, TurnLock } from './storage/turnLock';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import {
  DedupeMiddleware,
  LanguageMiddleware,
  LineBreakMiddleware,
  localeLanguage,
  RateLimitMiddleware,
  RedactionMiddleware,
  TurnLockMiddleware,
} from './bot/middleware';
import { SupportBot } from './bot/supportBot';
import { turnLanguage, TURN } from './bot/turnContext';
import { detectLanguage, translator } from './i18n';
import { createServer } from './server/createServer';
import { registerEligibilityRoutes } from './server/eligibilityRoutes';
import { registerWebChat } from './channels';
import { buildDialogs } from '../dialogs';
import { createNlu, NluRecognizer } from './nlu';

export interface App {
  config: Config;
  server: Server;
  adapter: CloudAdapter;
  redis: RedisClient;
  keys: Keyspace;
  logger: Logger;
  conversationState: ConversationState;
  listen(): Promise<{ port: number }>;
  /** Stops taking requests, waits for turns in flight (bounded), closes Redis. */
  close(): Promise<void>;
}

/** Errors that mean Redis could not be reached in time (not a bug in a turn). */
export function isStorageUnavailable(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: string } | undefined;
  const text = `${e?.name ?? ''} ${e?.message ?? ''} ${e?.code ?? ''}`;
  return /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|Command timed out|enableOfflineQueue|MaxRetriesPerRequest|ClusterAllFailed|Redis/i.test(text);
}

export async function createApp(config: Config, opts: { logger?: Logger } = {}): Promise<App> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const redis = createRedisClient({
    url: config.redis.url,
    sentinels: config.redis.sentinels,
    sentinelName: config.redis.sentinelName,
    clusterNodes: config.redis.clusterNodes,
    password: config.redis.password,
    commandTimeoutMs: config.redis.commandTimeoutMs,
  });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  await waitUntilReady(redis, 10000);

  const keys = keyspace(config.redis.keyPrefix);
  const storage = new RedisStorage(redis, { keyspace: keys, ttlSeconds: config.redis.stateTtlSeconds });
  const conversationState = new ConversationState(storage);
  const lock = new TurnLock(redis, keys, { waitMs: config.redis.turnLockWaitMs });

  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.botAuth.appId ?? '',
    MicrosoftAppPassword: config.botAuth.appPassword ?? '',
    MicrosoftAppType: config.botAuth.appType,
    MicrosoftAppTenantId: config.botAuth.tenantId ?? '',
  });
  const adapter = new CloudAdapter(auth);
  // The recogniser is trained before the server exists, so /readyz never answers before it can understand.
  const nlu = createNlu(config.nlu.provider);
  await nlu.train();
  const language = new LanguageMiddleware(conversationState, config.defaultLanguage, new NluRecognizer(nlu));
  const messageLimiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: keys.global('ratelimit', 'messages'),
    points: config.limits.messagesPerMinute,
    duration: 60,
  });
  adapter.use(
    new LineBreakMiddleware(),
    new DedupeMiddleware(async (conversationId, activityId) => {
      const set = await redis.set(keys.conversation(conversationId, `seen:${activityId}`), '1', 'EX', 600, 'NX');
      return set === 'OK';
    }),
    new RedactionMiddleware(),
    new RateLimitMiddleware(
      async (conversationId) => {
        try {
          await messageLimiter.consume(conversationId);
          return { allowed: true };
        } catch (res) {
          if (res instanceof RateLimiterRes) return { allowed: false, retryAfterMs: res.msBeforeNext };
          throw res; // Redis unreachable: the turn fails like any other storage failure.
        }
      },
      async (context, retryAfterMs) => {
        const lang = language.lastKnown(context.activity.conversation?.id) ?? localeLanguage(context.activity.locale) ?? config.defaultLanguage;
        await context.sendActivity(translator(lang)('common:error.tooFast', { seconds: Math.ceil(retryAfterMs / 1000) }));
      },
    ),
    new TurnLockMiddleware((conversationId, fn) => lock.withLock(conversationId, fn)),
    language,
  );

  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    // The previous turn of this conversation still holds the lock: not a failure, just too soon.
    const busy = error instanceof LockTimeoutError;
    const storageDown = !busy && isStorageUnavailable(error);
    const conversationId = context.activity.conversation?.id;
    if (busy) logger.info({ conversationId }, 'turn refused: the conversation is busy');
    else if (storageDown) logger.warn({ conversationId, err: error.message }, 'turn failed: storage unavailable');
    else logger.error({ conversationId, err: error }, 'turn failed');
    // State may be unreadable (Redis down): fall back to what this instance last saw, then the activity.
    const lang = context.turnState.get(TURN.language)
      ? turnLanguage(context)
      : (language.lastKnown(conversationId) ??
        localeLanguage(context.activity.locale) ??
        detectLanguage(context.activity.text ?? '') ??
        config.defaultLanguage);
    if (context.activity.type === ActivityTypes.Message || context.activity.type === ActivityTypes.ConversationUpdate) {
      const t = translator(lang);
      await context
        .sendActivity(t(busy ? 'common:error.busy' : storageDown ? 'common:error.storageUnavailable' : 'common:error.generic'))
        .catch((err: Error) => logger.warn({ err: err.message }, 'could not send the error message'));
    }
  };

  const dialog = buildDialogs({ config, redis, keys, logger, nlu });
  const bot = new SupportBot({ conversationState, dialog, brandName: config.brandName, logger });

  const { server, inFlight } = createServer({
    adapter,
    runTurn: (context) => bot.run(context),
    isReady: () => isRedisReady(redis),
    logger,
    maxBodyBytes: config.limits.maxBodyBytes,
  });
  registerEligibilityRoutes(server, {
    timeZone: config.timeZone,
    defaultProfile: config.policyProfile,
    maxBodyBytes: config.limits.maxBodyBytes,
  });
  const webChat = await registerWebChat(server, { adapter, runTurn: (context) => bot.run(context), redis, keys, config, logger });

  let closing: Promise<void> | undefined;
  return {
    config,
    server,
    adapter,
    redis,
    keys,
    logger,
    conversationState,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          const addr = server.server.address();
          resolve({ port: typeof addr === 'object' && addr ? addr.port : config.port });
        });
      }),
    close() {
      closing ??= (async () => {
        await webChat.close();
        const deadline = Date.now() + config.shutdownTimeoutMs;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.server.closeIdleConnections();
        while (inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        server.server.closeAllConnections();
        await Promise.race([stopped, new Promise((r) => setTimeout(r, 1000))]);
        await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
    },
  };
}
