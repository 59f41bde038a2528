import Redis, { Cluster, type RedisOptions, type ClusterOptions } from 'ioredis';
import { needsReconnect } from './errors';

/** Where Redis is: exactly one of `url`, `sentinels` (with `sentinelName`) or `clusterNodes`. */
export interface RedisConnectionOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://…` for TLS. */
  url?: string;
  sentinels?: { host: string; port: number }[];
  /** The master name the sentinels monitor. */
  sentinelName?: string;
  clusterNodes?: { host: string; port: number }[];
  /** Overrides a password in the URL; also used for the sentinels and every cluster node. */
  password?: string;
  /** A command that has no answer after this long fails (default 1000 ms). */
  commandTimeoutMs?: number;
  /** A connection attempt that takes longer is dropped and retried (default 2000 ms). */
  connectTimeoutMs?: number;
}

export type RedisClient = Redis | Cluster;

export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 2000;
/**
 * Reconnection delay: 50 ms, 100 ms, 200 ms… capped at this, and never gives up. Capped low so that
 * once Redis is back, a turn that gave up its lock gives it back within a second (issue 13).
 */
export const MAX_RECONNECT_DELAY_MS = 300;

/** Delay before reconnection attempt number `times` (1-based): exponential, capped, forever. */
export function reconnectDelay(times: number): number {
  return Math.min(50 * 2 ** Math.min(Math.max(times, 1) - 1, 10), MAX_RECONNECT_DELAY_MS);
}

/**
 * Creates the ioredis client for one of the three topologies, tuned so that a command fails fast
 * (about `commandTimeoutMs`, often at once) while Redis is unreachable, instead of ioredis' default
 * of queueing it and retrying for a minute, and so that the client reconnects by itself, forever,
 * once Redis is back.
 *
 * - `enableOfflineQueue: false`: while the connection is down a command is rejected at once, and a
 *   command that was reported as failed is never sent later behind the caller's back. Consequence:
 *   commands sent before the first connection is up fail too; call `waitUntilReady` at start-up.
 * - `maxRetriesPerRequest: 0`, `autoResendUnfulfilledCommands: false`: commands in flight when the
 *   connection drops are failed, not replayed on the next connection.
 * - `commandTimeout`: bounds a command on a connection that hangs (server stuck, network black hole).
 * - `retryStrategy` / `clusterRetryStrategy`: capped exponential backoff, never `null`.
 * - Sentinel: `failoverDetector` subscribes to the sentinels' `+switch-master` and reconnects to the
 *   new master as soon as they announce it, instead of writing to the demoted master until it is
 *   reconfigured (about 10 s, writes then thrown away). Writes the user is told about also go
 *   through ./durability (WAIT, and a check of the master with the sentinels).
 */
export function createRedisClient(opts: RedisConnectionOptions): RedisClient {
  const chosen = [opts.url !== undefined, opts.sentinels !== undefined, opts.clusterNodes !== undefined].filter(
    Boolean,
  ).length;
  if (chosen !== 1) {
    throw new Error('Redis: set exactly one of url, sentinels (with sentinelName) or clusterNodes');
  }

  const common: RedisOptions = {
    commandTimeout: opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    connectTimeout: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    enableReadyCheck: true,
    retryStrategy: reconnectDelay,
    // After a failover the old master answers READONLY (or MASTERDOWN): drop the connection and find
    // the new master. The failed command is not resent (it was reported as failed).
    reconnectOnError: (err) => (needsReconnect(err) ? 1 : false),
    ...(opts.password !== undefined ? { password: opts.password } : {}),
  };

  if (opts.clusterNodes) {
    if (opts.clusterNodes.length === 0) throw new Error('Redis: clusterNodes is empty');
    const clusterOptions: ClusterOptions = {
      // Node connections are created by ioredis with their own offline queue; this one is the
      // cluster's queue (used before the slot map is known, and while reconnecting).
      enableOfflineQueue: false,
      enableReadyCheck: true,
      clusterRetryStrategy: reconnectDelay,
      slotsRefreshTimeout: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      // Re-read the slot map often enough to notice a promoted replica without waiting for a MOVED.
      slotsRefreshInterval: 2000,
      // Redirections during a failover: a few quick tries, then the turn fails as "unavailable".
      maxRedirections: 6,
      retryDelayOnMoved: 0,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      retryDelayOnFailover: 100,
      redisOptions: {
        commandTimeout: common.commandTimeout,
        connectTimeout: common.connectTimeout,
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        reconnectOnError: common.reconnectOnError,
        ...(opts.password !== undefined ? { password: opts.password } : {}),
      },
    };
    return coalescingWrites(new Cluster(opts.clusterNodes, clusterOptions));
  }

  if (opts.sentinels) {
    if (opts.sentinels.length === 0) throw new Error('Redis: sentinels is empty');
    if (!opts.sentinelName) throw new Error('Redis: sentinelName is required with sentinels');
    return coalescingWrites(
      reconnectWhenEnded(
        new Redis({
          ...common,
          sentinels: opts.sentinels,
          name: opts.sentinelName,
          sentinelRetryStrategy: reconnectDelay,
          failoverDetector: true,
          ...(opts.password !== undefined ? { sentinelPassword: opts.password } : {}),
        }),
      ),
    );
  }

  return coalescingWrites(reconnectWhenEnded(new Redis(opts.url as string, common)));
}

/**
 * Connects again, after the reconnection delay, a client that ioredis ended without being asked to.
 *
 * ioredis gives a client up for good (status `end`: every command then fails with "Connection is
 * closed.", forever) when its connector is told to disconnect while it is connecting. With Sentinel
 * this happens in a failover: the failover detector of the connection the failover just broke is
 * still subscribed, and its `+switch-master` arrives while the client is already reconnecting (seen
 * in the Sentinel failover test: one of two instances failed every turn from the SIGKILL of the
 * master to the end; redis/ioredis#1683 reports the same in production). A client closed on purpose
 * (`quit`, `disconnect()`) stays closed. Its duplicates (the Direct Line hub's subscriber, the desk's
 * blocking reader) get the same care.
 */
export function reconnectWhenEnded(client: Redis): Redis {
  let closing = false;
  let attempts = 0;
  const quit = client.quit.bind(client);
  const disconnect = client.disconnect.bind(client);
  const duplicate = client.duplicate.bind(client);
  client.quit = ((...args: Parameters<Redis['quit']>) => {
    closing = true;
    return quit(...args);
  }) as Redis['quit'];
  client.disconnect = (reconnect = false) => {
    if (!reconnect) closing = true;
    disconnect(reconnect);
  };
  client.duplicate = (...args: Parameters<Redis['duplicate']>) => reconnectWhenEnded(duplicate(...args));
  client.on('ready', () => (attempts = 0));
  client.on('end', () => {
    if (closing) return;
    const delay = reconnectDelay(++attempts);
    if (client.listenerCount('error') > 0) client.emit('error', new Error(`Redis: the client ended without being closed; connecting again in ${delay} ms`));
    setTimeout(() => {
      if (!closing && client.status === 'end') client.connect().catch(() => undefined);
    }, delay).unref();
  });
  return client;
}

type Writer = (...args: unknown[]) => boolean;

/**
 * Writes every command sent during one turn of the event loop to the socket in one system call.
 *
 * ioredis writes each command (and each script call) to its socket as it is sent: some twelve
 * `write` calls per turn, and on loopback each one costs the sender the whole TCP delivery (about a
 * tenth of a turn's CPU in the benchmark). Here the socket is corked at the first write of an
 * event-loop turn and uncorked by `setImmediate`, after the I/O callbacks of that turn: the commands
 * of all the conversations handled in it leave together (`writev`). Nothing waits longer than the
 * rest of the current loop turn; order and replies are unchanged. Applied to each connection as it
 * connects: the single client, the sentinels' master, and every node of a Cluster.
 */
export function coalescingWrites<C extends RedisClient>(client: C): C {
  const hook = (redis: Redis) =>
    redis.on('connect', () => {
      const stream = (redis as unknown as { stream?: import('node:net').Socket }).stream;
      if (stream) coalesceSocket(stream);
    });
  if (client instanceof Cluster) client.on('+node', (node: Redis) => hook(node));
  else hook(client as Redis);
  return client;
}

const COALESCED = Symbol('coalesced');

function coalesceSocket(socket: import('node:net').Socket): void {
  const s = socket as import('node:net').Socket & { [COALESCED]?: true; write: Writer };
  if (s[COALESCED]) return;
  s[COALESCED] = true;
  const write = s.write.bind(s) as Writer;
  let corked = false;
  const uncork = () => {
    corked = false;
    s.uncork();
  };
  s.write = (...args: unknown[]) => {
    if (!corked && !s.destroyed) {
      corked = true;
      s.cork();
      setImmediate(uncork);
    }
    return write(...args);
  };
}

/**
 * Resolves once the client can take commands (needed after creation, since commands are not queued
 * while disconnected); rejects after `timeoutMs` with the last connection error, if any.
 */
export function waitUntilReady(client: RedisClient, timeoutMs = 5000): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: Error | undefined;
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const onError = (err: Error): void => {
      lastError = err;
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error('Redis: the client was closed before it was ready'));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis: not ready after ${timeoutMs} ms${lastError ? `: ${lastError.message}` : ''}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
      client.off('end', onEnd);
    };
    client.on('ready', onReady);
    client.on('error', onError);
    client.on('end', onEnd);
  });
}

/** Resolves with `p`'s value, or with `fallback` after `ms` (never rejects when `p` is caught). */
function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.catch(() => fallback),
    new Promise<T>((resolve) => {
      timer = setTimeout(() => resolve(fallback), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** True when this server answers ROLE and says it is a master (a demoted master says `slave`). */
async function isMaster(node: Redis, timeoutMs: number): Promise<boolean> {
  return within(
    (node.call('ROLE') as Promise<unknown[]>).then((r) => Array.isArray(r) && r[0] === 'master'),
    timeoutMs,
    false,
  );
}

/**
 * True when the bot can serve turns (for /readyz). Never throws, never waits longer than `timeoutMs`.
 * - Standalone and Sentinel: the connection is ready and the server is a master (`ROLE`); with
 *   `sentinelMasters` (Sentinel), also at least one sentinel names a master and none names another.
 * - Cluster: the slot map covers every slot with a master, `CLUSTER INFO` says `cluster_state:ok`,
 *   and every master the slot map names answers `ROLE` as master (a killed master stays in the map,
 *   and `cluster_state` stays ok, until the cluster notices: the bot cannot serve its slots meanwhile).
 */
export async function isRedisReady(
  client: RedisClient,
  timeoutMs = 500,
  sentinelMasters?: () => Promise<{ host: string; port: number }[]>,
): Promise<boolean> {
  if (client.status !== 'ready') return false;
  if (client instanceof Cluster) {
    const slots = (client as unknown as { slots: (string[] | undefined)[] }).slots;
    for (let i = 0; i < 16384; i++) if (!slots[i]?.[0]) return false;
    const owners = new Set(slots.map((s) => s?.[0] as string));
    const masters = client.nodes('master').filter((n) => owners.has(`${n.options.host}:${n.options.port}`));
    if (masters.length < owners.size) return false;
    const [state, ...roles] = await Promise.all([
      within(client.cluster('INFO').then((info) => /cluster_state:ok/.test(String(info))), timeoutMs, false),
      ...masters.map((m) => isMaster(m, timeoutMs)),
    ]);
    return state && roles.every(Boolean);
  }
  if (!(await isMaster(client, timeoutMs))) return false;
  if (!sentinelMasters) return true;
  const stream = (client as unknown as { stream?: { remotePort?: number } }).stream;
  const named = await within(sentinelMasters(), timeoutMs, []);
  return named.length > 0 && named.every((a) => a.port === stream?.remotePort);
}
