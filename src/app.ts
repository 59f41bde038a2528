import { shareUserTokenClients } from './channels/connectorClients';
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
import { LockTimeoutError } from './storage/turnLock';
import { StateConflictError, TurnBusyError, TurnGate } from './storage/turnGate';
import { stateKeyFor, turnHandle, TurnConversationState } from './storage/conversationState';
import { isLanguage } from './i18n';
import {
  LanguageMiddleware,
  LineBreakMiddleware,
  localeLanguage,
  RedactionMiddleware,
  TurnGateMiddleware,
} from './bot/middleware';
import { SupportBot } from './bot/supportBot';
import { turnLanguage, TURN } from './bot/turnContext';
import { detectLanguage, translator } from './i18n';
import { createServer } from './server/createServer';
import { registerEligibilityRoutes } from './server/eligibilityRoutes';
import { registerWebChat, CONNECTOR_PATH } from './channels';
import { TeamsMiddleware } from './channels/teams';
import { MAX_PROOF_BYTES } from './cases/proof';
import { clientAddressResolver } from './server/clientAddress';
import { EdgeCloudAdapter } from './server/messages';
import { registerAgentConsole } from './agent/console';
import { attachmentOrigins, buildDialogs } from '../dialogs';
import type { MainDialog } from '../dialogs/mainDialog';
import { createServices } from './services';
import { RedisProofStore } from './cases/proofStore';
import { Desk } from './handoff/desk';
import { registerAgentApi } from './agent/routes';
import { createNotifications, type Notifications } from './services/notifications';
import { createMetrics, instrumentRedis, Metrics, mountMetrics, observeCases, TurnObserver } from './metrics';
import { DIALOG_STATE } from './bot/conversationData';
import { createNlu, NluRecognizer } from './nlu';
import { DisputeSweeper } from './disputes/sweep';
import { warmUp, warmUpTurns } from './warmup';

export interface App {
  config: Config;
  server: Server;
  adapter: CloudAdapter;
  redis: RedisClient;
  keys: Keyspace;
  logger: Logger;
  conversationState: ConversationState;
  /** The Redis key of a botbuilder storage key (conversation state lives in its conversation's hash tag). */
  stateKey(storageKey: string): string;
  /** The live handoff (queue, relay, agents' actions). */
  desk: Desk;
  /** E-mails to customers: `notifications.notifier` is what the agent desk calls (notifyDecision…). */
  notifications: Notifications;
  metrics: Metrics;
  /** The dispute sweep (D5 deadlines, D6.3), started by `listen`; `null` when DISPUTE_SWEEP_INTERVAL_SECONDS is 0. */
  disputeSweeper: DisputeSweeper | null;
  /** `metricsPort` when /metrics has its own port (METRICS_PORT). */
  listen(): Promise<{ port: number; metricsPort?: number }>;
  /** Stops taking requests, waits for turns in flight (bounded), closes Redis. */
  close(): Promise<void>;
}

/** The conversation is busy with another turn (or this one lost its lock to a newer one): try again. */
function isBusy(err: unknown): boolean {
  return err instanceof TurnBusyError || err instanceof LockTimeoutError || err instanceof StateConflictError;
}

/** Moved to ./storage/errors (recognised by error class or code); re-exported for existing callers. */
export { isStorageUnavailable };

/** `warmUp`: build everything slow before returning (src/warmup.ts); default on, except under jest. */
export async function createApp(config: Config, opts: { logger?: Logger; warmUp?: boolean } = {}): Promise<App> {
  const logger = opts.logger ?? createLogger(config.logLevel, undefined, { instanceId: config.instanceId });
  const metrics = createMetrics({ instanceId: config.instanceId, version: process.env.npm_package_version });
  const redis = createRedisClient({
    url: config.redis.url,
    sentinels: config.redis.sentinels,
    sentinelName: config.redis.sentinelName,
    clusterNodes: config.redis.clusterNodes,
    password: config.redis.password,
    commandTimeoutMs: config.redis.commandTimeoutMs,
  });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  instrumentRedis(redis, metrics);
  await waitUntilReady(redis, 10000);
  const durability = configureDurability(redis, {
    replicas: config.redis.waitReplicas,
    timeoutMs: Math.min(config.redis.waitTimeoutMs, Math.max(10, config.redis.commandTimeoutMs - 100)),
    ...(config.redis.sentinels && config.redis.sentinelName
      ? { sentinel: { sentinels: config.redis.sentinels, name: config.redis.sentinelName, password: config.redis.password } }
      : {}),
  });

  const keys = keyspace(config.redis.keyPrefix);
  let onUnconfirmed: (conversationId: string, marker: number) => void = () => undefined;
  const gate = new TurnGate(redis, keys, {
    waitMs: config.redis.turnLockWaitMs,
    rateMax: config.limits.messagesPerMinute,
    rateWindowMs: 60000,
    ttlSeconds: config.redis.stateTtlSeconds,
    onUnconfirmed: (conversationId, marker) => onUnconfirmed(conversationId, marker),
    onError: (err, conversationId) => logger.warn({ conversationId, err: (err as Error).message }, 'turn lock: could not give the lock back yet'),
  });
  // Conversation state lives in its conversation's hash tag, next to the lock: one script commits a turn.
  const stateKeyOf = stateKeyFor(keys);
  const storage = new RedisStorage(redis, { keyspace: keys, ttlSeconds: config.redis.stateTtlSeconds, keyFor: stateKeyOf });
  const conversationState: ConversationState = new TurnConversationState(storage, stateKeyOf);

  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.botAuth.appId ?? '',
    MicrosoftAppPassword: config.botAuth.appPassword ?? '',
    MicrosoftAppType: config.botAuth.appType,
    MicrosoftAppTenantId: config.botAuth.tenantId ?? '',
    ...config.botAuth.endpoints,
  });
  shareUserTokenClients(auth);
  const adapter = new EdgeCloudAdapter(auth);
  const turnObserver = new TurnObserver({
    metrics,
    logger,
    conversationState,
    dialogStateProperty: DIALOG_STATE,
    classify: (err) => (isBusy(err) ? 'busy' : isStorageUnavailable(err) ? 'storage_unavailable' : 'error'),
  });
  // The recogniser is trained before the server exists, so /readyz never answers before it can understand.
  const nlu = createNlu(config.nlu.provider);
  await nlu.train();
  // Everything else slow (recognizers-text models, i18n, formatters, choice recogniser) is built now
  // too: the first turn after ready is as fast as the tenth (src/warmup.ts).
  // In-process tests (jest sets NODE_ENV=test) skip it unless they ask: each test file would pay
  // 5-15 s for models most never use. Bot processes (npm start) warm up; RECOGNIZERS_WARMUP=false
  // turns it off (test bot processes that do not measure the first turn, see test/support/botProcess).
  const warm = opts.warmUp ?? (process.env.NODE_ENV !== 'test' && config.recognizersWarmup);
  if (warm) {
    const t0 = Date.now();
    const took = await warmUp({ nlu, timeZone: config.timeZone });
    logger.info({ ms: Date.now() - t0, ...took }, 'warmed up');
  }
  const language = new LanguageMiddleware(conversationState, config.defaultLanguage, new NluRecognizer(nlu));
  const continuity = new ContinuityMiddleware({
    conversationState,
    redis,
    keys,
    cases: new RedisCaseRepository(redis, keys),
    logger,
    ttlSeconds: config.redis.stateTtlSeconds,
  });
  onUnconfirmed = (conversationId, marker) => continuity.confirmLater(conversationId, marker);
  // Set once the desk exists: its record of the conversation is read alongside the state.
  let prefetch: ((context: TurnContext) => void) | undefined;
  adapter.use(
    turnObserver,
    new LineBreakMiddleware(),
    new RedactionMiddleware(),
    new TurnGateMiddleware(gate, {
      load: (context) => conversationState.load(context),
      prefetch: (context) => prefetch?.(context),
      onLimited: async (context, retryAfterMs, stored) => {
        metrics.rateLimitRejections.inc({ limit: 'messages' });
        const lang =
          localeLanguage(context.activity.locale) ?? (isLanguage(stored) ? stored : undefined) ?? language.lastKnown(context.activity.conversation?.id) ?? config.defaultLanguage;
        await context.sendActivity(translator(lang)('common:error.tooFast', { seconds: Math.ceil(retryAfterMs / 1000) }));
      },
    }),
    // Teams: mentions and HTML removed, scopes, files, Universal Actions, used cards (before anything reads the text).
    new TeamsMiddleware({
      conversationState,
      fileHosts: config.teams.fileHosts,
      maxBytes: Math.min(config.limits.maxUploadBytes, MAX_PROOF_BYTES),
      timeoutMs: Math.max(config.services.timeoutMs, 5000),
      defaultLanguage: config.defaultLanguage,
      brandName: config.brandName,
      appId: config.botAuth.appId,
      publicUrl: config.publicUrl,
      logger,
    }),
    language,
    continuity,
  );

  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    // The previous turn of this conversation still holds the lock: not a failure, just too soon.
    const busy = isBusy(error);
    // A write the user would be told about could not be confirmed durable: say so, never a reference.
    const notConfirmed = !busy && error instanceof NotDurableError;
    const storageDown = !busy && !notConfirmed && isStorageUnavailable(error);
    const conversationId = context.activity.conversation?.id;
    if (busy) logger.info({ conversationId }, 'turn refused: the conversation is busy');
    else if (notConfirmed) logger.warn({ conversationId, err: error.message }, 'turn failed: write not confirmed durable');
    else if (storageDown) logger.warn({ conversationId, err: error.message }, 'turn failed: storage unavailable');
    else logger.error({ conversationId, err: error }, 'turn failed');
    // State may be unreadable (Redis down): the activity's locale, then detection on its text, then the
    // language the last committed turn stored in Redis (read with the lock, on any instance), then what
    // this instance last saw of the conversation.
    const stored = turnHandle(context)?.storedLanguage;
    const lang = context.turnState.get(TURN.language)
      ? turnLanguage(context)
      : (localeLanguage(context.activity.locale) ??
        detectLanguage(context.activity.text ?? '') ??
        (isLanguage(stored) ? stored : undefined) ??
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

  // The web chat's files are fetched from this instance's own address, known once it listens.
  let listening: Server | undefined;
  const ownOrigins = () => {
    const addr = listening?.server.address();
    if (!addr || typeof addr !== 'object') return [];
    const bound = ['0.0.0.0', '::', ''].includes(addr.address) ? [] : [`http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`];
    return [`http://127.0.0.1:${addr.port}`, `http://localhost:${addr.port}`, `http://[::1]:${addr.port}`, ...bound];
  };
  const services = createServices(config, redis, keys);
  const notifications = await createNotifications(config, redis, keys, services.accounts, logger);
  const cases = observeCases(new RedisCaseRepository(redis, keys), metrics, turnObserver);
  const proofs = new RedisProofStore(redis, keys, { maxBytes: config.limits.maxUploadBytes });
  let dialog: MainDialog | undefined;
  const desk = new Desk({
    config,
    redis,
    keys,
    logger,
    adapter,
    cases,
    proofs,
    accounts: services.accounts,
    notifier: notifications.notifier,
    sendMenu: async (context) => dialog?.sendMenu(context),
    attachments: { allowedOrigins: attachmentOrigins(config), ownOrigins, maxBytes: config.limits.maxUploadBytes, timeoutMs: Math.max(config.services.timeoutMs, 5000) },
  });
  // After redaction, the lock and the language: the transcript holds only redacted text, in turn order.
  adapter.use(desk.middleware());
  prefetch = (context) => desk.prefetch(context);
  dialog = buildDialogs({ config, redis, keys, logger, services, cases, proofs, onHumanOffer: desk.onOffer, notifier: notifications.notifier, ownOrigins, nlu });
  const bot = new SupportBot({ conversationState, dialog, brandName: config.brandName, logger, intercept: desk.intercept });

  const { server, inFlight } = createServer({
    adapter,
    runTurn: (context) => bot.run(context),
    isReady: () => isRedisReady(redis, 500, config.redis.sentinels ? () => durability.sentinelMasters() : undefined),
    logger,
    maxBodyBytes: config.limits.maxBodyBytes,
    maxJsonDepth: config.security.maxJsonDepth,
    auth,
    authenticated: !!config.botAuth.appId,
    allowUnauthenticated: config.security.allowUnauthenticatedMessages,
    addressOf: clientAddressResolver(config.security.trustedProxies),
    ownConnectorPath: CONNECTOR_PATH,
  });
  if (!config.botAuth.appId) {
    logger.warn(
      { allowUnauthenticatedMessages: config.security.allowUnauthenticatedMessages },
      config.security.allowUnauthenticatedMessages
        ? 'MicrosoftAppId is not set and ALLOW_UNAUTHENTICATED_MESSAGES=true: /api/messages accepts unauthenticated activities from any address. Never do this in production.'
        : 'MicrosoftAppId is not set: /api/messages is for local testing and answers loopback callers only.',
    );
  }
  registerEligibilityRoutes(server, {
    apiKeys: config.security.eligibilityApiKeys,
    maxJsonDepth: config.security.maxJsonDepth,
    timeZone: config.timeZone,
    defaultProfile: config.policyProfile,
    holidaysCountry: config.holidaysCountry,
    maxBodyBytes: config.limits.maxBodyBytes,
  });
  notifications.registerRoutes(server);
  const metricsEndpoint = mountMetrics(server, metrics, config.metrics);
  registerAgentConsole(server, { config, logger });
  listening = server;
  const webChat = await registerWebChat(server, {
    adapter,
    runTurn: (context) => bot.run(context),
    redis,
    keys,
    config,
    logger,
    onTyping: (conversationId) => desk.customerTyping(conversationId),
    languageOf: (id) => language.lastKnown(id),
  });
  // The Web Chat bundle is compressed before the app is returned, so before it listens and /readyz
  // answers (without the warm-up, a request for it waits for the compression instead).
  if (warm) await webChat.staticReady;
  if (warm) {
    // A few real turns, so that the first customer's turn runs warm code (src/warmup.ts). They are
    // not counted in the metrics; a failure here is logged, and the bot starts anyway.
    const t0 = Date.now();
    const turns = await warmUpTurns({ adapter, logic: (context) => bot.run(context), appId: config.botAuth.appId, redis, keys }).catch((err: Error) => {
      logger.warn({ err: err.message }, 'warm-up turns failed');
      return 0;
    });
    metrics.resetTraffic();
    logger.info({ ms: Date.now() - t0, turns }, 'warm-up turns done');
  }
  // The web chat's log keeps its conversations whole: the desk reads it instead of keeping a copy.
  desk.setConversationLog({
    owns: (a) => webChat.channel.isOwnServiceUrl(a.serviceUrl),
    activities: (id) => webChat.channel.store.entries(id),
  });
  const agentApi = registerAgentApi(server, { config, redis, keys, logger, desk, cases, proofs });
  await desk.start();
  // The desk's queue, read from Redis at each scrape: every instance reports the same shared queue.
  metrics.onCollect(async () => metrics.handoffQueueLength.set({ priority: 'all' }, await desk.store.queueLength()));
  if (config.handoff.demoAgent) logger.warn('agent desk: DEMO_AGENT is on: the agent "demo" signs in with the password "demo" (never in production)');
  else if (!agentApi.auth.configured && config.handoff.mode === 'desk') logger.info('agent desk: no AGENTS configured; nobody can sign in at /agent (see npm run agent-hash)');

  // D5 / D6.3: every instance sweeps; a compare-and-set on each case makes each change once.
  const disputeSweeper =
    config.disputes.sweepIntervalSeconds > 0
      ? new DisputeSweeper({
          cases,
          merchants: services.merchants,
          notifier: notifications.notifier,
          // A message in the customer's conversation, through the channel it came from (as the desk does).
          tellInChat: (record, text) =>
            adapter.continueConversationAsync(config.botAuth.appId ?? '', record.conversationReference, async (ctx) => {
              ctx.turnState.set(TURN.language, record.language);
              await ctx.sendActivity(text);
            }),
          logger,
          now: () => new Date(),
          intervalMs: config.disputes.sweepIntervalSeconds * 1000,
        })
      : null;

  let closing: Promise<void> | undefined;
  return {
    config,
    server,
    adapter,
    redis,
    keys,
    logger,
    conversationState,
    stateKey: stateKeyOf,
    desk,
    notifications,
    metrics,
    disputeSweeper,
    listen: () =>
      new Promise<{ port: number }>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          const addr = server.server.address();
          resolve({ port: typeof addr === 'object' && addr ? addr.port : config.port });
        });
      }).then(async ({ port }) => {
        notifications.setLocalPort(port);
        notifications.start();
        disputeSweeper?.start();
        return { port, metricsPort: await metricsEndpoint.listen() };
      }),
    close() {
      closing ??= (async () => {
        agentApi.close();
        await disputeSweeper?.stop();
        // The desk first: its last deliveries to web chat customers go through the channel.
        await desk.stop();
        await webChat.close();
        const deadline = Date.now() + config.shutdownTimeoutMs;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.server.closeIdleConnections();
        while (inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        server.server.closeAllConnections();
        await Promise.race([stopped, new Promise((r) => setTimeout(r, 1000))]);
        await notifications.stop();
        await metricsEndpoint.close();
        continuity.close();
        await Promise.race([gate.settled(), new Promise((r) => setTimeout(r, 1000))]);
        durability.close();
        await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
    },
  };
}
