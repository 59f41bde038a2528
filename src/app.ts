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
import { configureDurability, NotDurableError } from './storage/durability';
import { isStorageUnavailable } from './storage/errors';
import { ContinuityMiddleware } from './bot/continuity';
import { RedisCaseRepository } from './cases/repository';
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

/** Moved to ./storage/errors (recognised by error class or code); re-exported for existing callers. */
export { isStorageUnavailable };

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
  const durability = configureDurability(redis, {
    replicas: config.redis.waitReplicas,
    timeoutMs: Math.min(config.redis.waitTimeoutMs, Math.max(10, config.redis.commandTimeoutMs - 100)),
    ...(config.redis.sentinels && config.redis.sentinelName
      ? { sentinel: { sentinels: config.redis.sentinels, name: config.redis.sentinelName, password: config.redis.password } }
      : {}),
  });

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
  const language = new LanguageMiddleware(conversationState, config.defaultLanguage);
  const continuity = new ContinuityMiddleware({
    conversationState,
    redis,
    keys,
    cases: new RedisCaseRepository(redis, keys),
    logger,
    ttlSeconds: config.redis.stateTtlSeconds,
  });
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
    continuity,
  );

  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    // The previous turn of this conversation still holds the lock: not a failure, just too soon.
    const busy = error instanceof LockTimeoutError;
    // A write the user would be told about could not be confirmed durable: say so, never a reference.
    const notConfirmed = !busy && error instanceof NotDurableError;
    const storageDown = !busy && !notConfirmed && isStorageUnavailable(error);
    const conversationId = context.activity.conversation?.id;
    if (busy) logger.info({ conversationId }, 'turn refused: the conversation is busy');
    else if (notConfirmed) logger.warn({ conversationId, err: error.message }, 'turn failed: write not confirmed durable');
    else if (storageDown) logger.warn({ conversationId, err: error.message }, 'turn failed: storage unavailable');
    else logger.error({ conversationId, err: error }, 'turn failed');
    // State may be unreadable (Redis down): the activity's locale, then detection on its text, then
    // what this instance last saw of the conversation.
    const lang = context.turnState.get(TURN.language)
      ? turnLanguage(context)
      : (localeLanguage(context.activity.locale) ??
        detectLanguage(context.activity.text ?? '') ??
        language.lastKnown(conversationId) ??
        config.defaultLanguage);
    if (context.activity.type === ActivityTypes.Message || context.activity.type === ActivityTypes.ConversationUpdate) {
      const t = translator(lang);
      await context
        .sendActivity(
          t(busy ? 'common:error.busy' : notConfirmed ? 'common:error.notConfirmed' : storageDown ? 'common:error.storageUnavailable' : 'common:error.generic'),
        )
        .catch((err: Error) => logger.warn({ err: err.message }, 'could not send the error message'));
    }
  };

  const dialog = buildDialogs({ config, redis, keys, logger });
  const bot = new SupportBot({ conversationState, dialog, brandName: config.brandName, logger });

  const { server, inFlight } = createServer({
    adapter,
    runTurn: (context) => bot.run(context),
    isReady: () => isRedisReady(redis, 500, config.redis.sentinels ? () => durability.sentinelMasters() : undefined),
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
        continuity.close();
        durability.close();
        await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
    },
  };
}
