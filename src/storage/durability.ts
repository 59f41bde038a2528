/**
 * Durable writes: a write the customer or an agent is told about ("your request is recorded under
 * RF-7K2Q9", a status or decision changed, a handoff queue entry, an agent's message) must survive
 * the loss of the Redis master. Redis replicates asynchronously, so a write acknowledged by the
 * master alone can vanish in a failover. This module is the one place that makes a write durable:
 *
 *   const results = await durabilityFor(redis).write(routeKey, (p) => SCRIPT.queue(p, key, arg));
 *
 * - The commands `build` adds are sent in one pipeline, followed by `WAIT <replicas> <timeout>`, on
 *   the connection of the master that owns `routeKey` (on a Cluster: the master of its slot; every
 *   key of the pipeline must share that slot, which our hash tags guarantee). WAIT blocks until that
 *   many replicas have everything this connection wrote.
 * - Replicas needed (REDIS_WAIT_REPLICAS): `auto` (default) waits for every replica in sync with
 *   that master (read from `INFO replication`, cached for a few seconds), so a write is on whichever
 *   replica gets promoted, and for at least one once the deployment has shown a replica (a master
 *   just promoted, whose replicas are still syncing, confirms nothing). Never on a deployment that
 *   never had a replica (a single Redis: nothing to wait for, see the README's operations section).
 *   A number waits for exactly that many; 0 never waits.
 * - On Sentinel, once the replicas acknowledged, the sentinels are asked which server is the master:
 *   if they name another one (a failover has started), the write may be thrown away when this server
 *   is demoted, so it does not count.
 * - When the acknowledgement does not come, `write` rejects with `NotDurableError` *after* the commands
 *   ran: the write may or may not survive. Callers make their writes idempotent (same key, same
 *   request id) and retry, and never tell a person about a write that did not resolve.
 *   `isStorageUnavailable` counts it as "not available right now".
 *
 * Human handoff (queue entries, agent messages) uses it the same way: build the write in `write`,
 * keyed by the conversation's or the queue's key, and tell the agent or the customer only after it
 * resolved; on `NotDurableError`, retry with the same message id (idempotent), or say it could not be
 * confirmed yet.
 */
import Redis, { Cluster, type ChainableCommander } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import type { RedisClient } from './redisClient';
import { scriptsResentIn } from './scripts';

export class NotDurableError extends Error {
  override readonly name = 'NotDurableError';
  constructor(
    readonly acknowledged: number,
    readonly needed: number,
    reason: string,
  ) {
    super(`write not confirmed durable: ${reason}`);
  }
}

export type ReplicaSetting = number | 'auto';

export interface DurabilityOptions {
  /** `auto` (default): every replica connected to the master; a number: exactly that many; 0: never wait. */
  replicas?: ReplicaSetting;
  /** How long WAIT may block (default 500 ms); keep it under the command timeout. */
  timeoutMs?: number;
  /** Sentinel deployments: the sentinels' addresses and master name, to check the master after WAIT. */
  sentinel?: { sentinels: { host: string; port: number }[]; name: string; password?: string };
  /** How long a replica count read from INFO stays valid (default 2000 ms). */
  replicaCacheMs?: number;
}

interface Address {
  host: string;
  port: number;
}

const normaliseHost = (h: string | undefined): string => (h ?? '').replace(/^::ffff:/, '').replace(/^localhost$/, '127.0.0.1');

export class Durability {
  readonly timeoutMs: number;
  private readonly replicas: ReplicaSetting;
  private readonly cacheMs: number;
  private readonly replicaCache = new Map<string, { count: number; at: number }>();
  private readonly refreshing = new Set<string>();
  /** A replica was seen once: from then on a write always waits for at least one (see replicasNeeded). */
  private hadReplicas = false;
  private readonly sentinels: Redis[] = [];
  private readonly sentinelName?: string;

  constructor(
    private readonly redis: RedisClient,
    opts: DurabilityOptions = {},
  ) {
    this.replicas = opts.replicas ?? 'auto';
    this.timeoutMs = opts.timeoutMs ?? 500;
    this.cacheMs = opts.replicaCacheMs ?? 2000;
    if (opts.sentinel) {
      this.sentinelName = opts.sentinel.name;
      for (const s of opts.sentinel.sentinels) {
        const client = new Redis({
          host: s.host,
          port: s.port,
          commandTimeout: 300,
          connectTimeout: 1000,
          maxRetriesPerRequest: 0,
          retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
          ...(opts.sentinel.password ? { password: opts.sentinel.password } : {}),
        });
        client.on('error', () => undefined); // a sentinel down is expected; the others answer
        this.sentinels.push(client);
      }
    }
    // After a reconnection (a failover), the master may have other replicas.
    redis.on('ready', () => this.replicaCache.clear());
    redis.on('+node', () => this.replicaCache.clear());
  }

  /**
   * Runs the commands `build` adds, in one pipeline on the master owning `routeKey`, then WAIT.
   * Resolves with their results once the write is durable; rejects with the first command error,
   * or with `NotDurableError` when the acknowledgement did not come (the commands did run).
   */
  async write(routeKey: string, build: (p: ChainableCommander) => unknown): Promise<unknown[]> {
    const needed = await this.replicasNeeded(routeKey);
    const pipeline = this.redis.pipeline();
    build(pipeline);
    const commands = pipeline.length;
    if (needed > 0) pipeline.call('WAIT', String(needed), String(this.timeoutMs));
    const replies = (await pipeline.exec()) ?? [];
    const results: unknown[] = [];
    for (let i = 0; i < commands; i++) {
      const [err, value] = replies[i] ?? [new Error('no reply')];
      if (err) throw err;
      results.push(value);
    }
    if (needed > 0) {
      const [err, acked] = replies[commands] ?? [new Error('no reply to WAIT')];
      if (err) throw err;
      if (Number(acked) < needed) {
        this.replicaCache.clear(); // a replica may have gone: count again next time
        throw new NotDurableError(Number(acked), needed, `${acked} of ${needed} replicas acknowledged within ${this.timeoutMs} ms`);
      }
      // A script the server no longer had (NOSCRIPT) ran again after that WAIT (./scripts): wait
      // once more, on the same connection, so that its write is covered too.
      if (scriptsResentIn(pipeline)) await this.waitAgain(routeKey, needed);
    }
    await this.checkMaster();
    return results;
  }

  private async waitAgain(routeKey: string, needed: number): Promise<void> {
    const connection = this.masterFor(routeKey);
    if (!connection) throw new NotDurableError(0, needed, 'no master known for the key');
    const acked = Number(await connection.call('WAIT', String(needed), String(this.timeoutMs)));
    if (acked < needed) {
      this.replicaCache.clear();
      throw new NotDurableError(acked, needed, `${acked} of ${needed} replicas acknowledged within ${this.timeoutMs} ms`);
    }
  }

  /** Replicas a write on `routeKey` waits for (see REDIS_WAIT_REPLICAS). */
  async replicasNeeded(routeKey: string): Promise<number> {
    if (this.replicas !== 'auto') return this.replicas;
    if (this.sentinels.length > 0) return this.sentinelReplicaCount();
    const node = this.masterFor(routeKey);
    if (!node) return 0;
    const id = `${node.options.host}:${node.options.port}`;
    const cached = this.replicaCache.get(id);
    if (cached && Date.now() - cached.at < this.cacheMs) return Math.max(cached.count, this.hadReplicas ? 1 : 0);
    if (cached) {
      // Stale: answer with it and count again in the background, so that a turn's commit is not held
      // up by an INFO round trip every few seconds (a failover clears the cache: counted before use).
      if (!this.refreshing.has(id)) {
        this.refreshing.add(id);
        void this.countReplicas(node, id)
          .catch(() => undefined)
          .finally(() => this.refreshing.delete(id));
      }
      return Math.max(cached.count, this.hadReplicas ? 1 : 0);
    }
    const count = await this.countReplicas(node, id);
    // A deployment with replicas whose master has none in sync right now (just promoted, its
    // replicas still syncing, or its only replica lost) cannot make a write durable: wait for one
    // anyway, so that the write is reported as not confirmed instead of silently at risk.
    return Math.max(count, this.hadReplicas ? 1 : 0);
  }

  private async countReplicas(node: Redis, id: string): Promise<number> {
    const info = await node.info('replication');
    // Replicas in sync only (a replica still loading the master's snapshot cannot acknowledge).
    const count = (info.match(/^slave\d+:.*state=online/gm) ?? []).length;
    if (count > 0) this.hadReplicas = true;
    this.replicaCache.set(id, { count, at: Date.now() });
    return count;
  }

  /**
   * Sentinel: how many replicas the sentinels consider healthy replicas of the master we are
   * connected to (up, in sync with it, reporting the replica role), the most any sentinel reports;
   * at least one once a replica was seen. A replica that has just been promoted still counts until
   * the sentinels notice, so a write to the old master during that second is not confirmed (the
   * replica gone cannot acknowledge it): it is reported as not durable instead of being lost quietly.
   */
  private async sentinelReplicaCount(): Promise<number> {
    const cached = this.replicaCache.get('sentinel');
    if (cached && Date.now() - cached.at < Math.min(this.cacheMs, 500)) return cached.count;
    const port = this.connectedPort();
    const answers = await Promise.allSettled(
      this.sentinels.map((s) =>
        Promise.race([
          s.call('SENTINEL', 'REPLICAS', this.sentinelName as string) as Promise<string[][]>,
          new Promise<null>((resolve) => setTimeout(() => resolve(null), 300).unref()),
        ]),
      ),
    );
    let count = 0;
    for (const a of answers) {
      if (a.status !== 'fulfilled' || !Array.isArray(a.value)) continue;
      const healthy = a.value.filter((flat) => {
        const f = new Map<string, string>();
        for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i], flat[i + 1]);
        return (
          !/s_down|o_down|disconnected/.test(f.get('flags') ?? '') &&
          f.get('role-reported') === 'slave' &&
          f.get('master-link-status') === 'ok' &&
          Number(f.get('master-port')) === port
        );
      }).length;
      count = Math.max(count, healthy);
    }
    if (count > 0) this.hadReplicas = true;
    count = Math.max(count, this.hadReplicas ? 1 : 0);
    this.replicaCache.set('sentinel', { count, at: Date.now() });
    return count;
  }

  private connectedPort(): number {
    return (this.redis as unknown as { stream?: { remotePort?: number } }).stream?.remotePort ?? 0;
  }

  /** The connection to the master that owns `key` (the client itself outside a Cluster). */
  private masterFor(key: string): Redis | undefined {
    if (!(this.redis instanceof Cluster)) return this.redis;
    const slot = calculateSlot(key);
    const owner = (this.redis as unknown as { slots: string[][] }).slots[slot]?.[0];
    if (!owner) return undefined;
    return this.redis.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
  }

  /** On Sentinel: rejects unless every sentinel that answers names the server we are connected to. */
  async checkMaster(): Promise<void> {
    if (this.sentinels.length === 0 || !(this.redis instanceof Redis)) return;
    const stream = (this.redis as unknown as { stream?: { remoteAddress?: string; remotePort?: number } }).stream;
    const ours: Address = { host: normaliseHost(stream?.remoteAddress), port: stream?.remotePort ?? 0 };
    const named = await this.sentinelMasters();
    if (named.length === 0) throw new NotDurableError(0, 1, 'no sentinel answered');
    const other = named.find((a) => a.port !== ours.port || normaliseHost(a.host) !== ours.host);
    if (other) throw new NotDurableError(0, 1, `the sentinels name ${other.host}:${other.port} as master, not ${ours.host}:${ours.port}`);
  }

  /** The master address each reachable sentinel names (for /readyz and the check above). */
  async sentinelMasters(): Promise<Address[]> {
    const answers = await Promise.allSettled(
      this.sentinels.map((s) =>
        Promise.race([
          s.call('SENTINEL', 'get-master-addr-by-name', this.sentinelName as string) as Promise<[string, string] | null>,
          new Promise<null>((resolve) => setTimeout(() => resolve(null), 300).unref()),
        ]),
      ),
    );
    const out: Address[] = [];
    for (const a of answers) if (a.status === 'fulfilled' && Array.isArray(a.value)) out.push({ host: a.value[0], port: Number(a.value[1]) });
    return out;
  }

  close(): void {
    for (const s of this.sentinels) s.disconnect();
  }
}

const registry = new WeakMap<object, Durability>();

/** Attaches the durability settings to a client (app start-up); replaces any earlier ones. */
export function configureDurability(redis: RedisClient, opts: DurabilityOptions): Durability {
  registry.get(redis)?.close();
  const d = new Durability(redis, opts);
  registry.set(redis, d);
  return d;
}

/** The durability of this client: what `configureDurability` set, or the defaults (auto, 500 ms). */
export function durabilityFor(redis: RedisClient): Durability {
  let d = registry.get(redis);
  if (!d) {
    d = new Durability(redis);
    registry.set(redis, d);
  }
  return d;
}
