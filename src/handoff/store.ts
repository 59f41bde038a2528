/**
 * The desk's data in Redis.
 *
 * Shared slot — `keys.global('desk', …)`, one hash tag `{desk}`, so the Lua scripts below may touch
 * several of these keys at once. Only what the desk coordinates *now* lives here; its size follows the
 * live desk (conversations waiting or with an agent, agents), never the history:
 *
 *   queue              sorted set of waiting conversation ids, score = serving order (see `queueScore`)
 *   c:<id>             hash: a conversation *live* at the desk (status waiting, assigned or external:
 *                      tier, language, topic, reason, severity, caseRef, since, assignedTo,
 *                      ref = conversation reference JSON, …)
 *   mine:<agent>       set of the conversation ids an agent has claimed
 *   hb                 sorted set agent → last heartbeat (ms)
 *   archiving          set of conversation ids whose record is being moved to its archive (below)
 *   outpending         set of conversation ids whose outbox may hold undelivered entries
 *   events             stream of desk events (queue, message, typing, conversation): the agents' live feed
 *   waits              list of recent waiting times in seconds (newest first), for the estimate
 *   proofkey           the key signing proof links (src/agent/auth.ts)
 *
 * In the conversation's own hash tag — `keys.conversation(id, …)`, one slot per conversation (issue 13:
 * no key family that grows with the history in one Redis Cluster slot); no script needs them with
 * the queue:
 *
 *   desk:c             the archived record: the same hash once the conversation left the desk
 *                      (released or closed), kept 30 days
 *   desk:t             stream: the conversation's transcript (redacted), for the agent and handoff.initiate
 *   desk:out, desk:cur stream of what goes to the customer, and the id delivered last (ordered relay)
 *   desk:outlock       the instance delivering that outbox right now
 *   desk:prochecked    "the Pro offer was considered" (turns without a turn handle only)
 *
 * Agent sessions have one tag each: `global:{desk-session:<sha-256 of the token>}` (src/agent/auth.ts).
 *
 * Moving a record between the two places (`archive`), crash-safe and idempotent:
 *   - the scripts that end a conversation (FINISH, STOP) set its status and add its id to `archiving`
 *     in the same script: the move is journalled atomically with the change that calls for it;
 *   - the live hash is copied to `desk:c` (DEL + HSET + PEXPIRE with the live one's TTL), written
 *     durably (src/storage/durability.ts);
 *   - ARCHIVED deletes the live hash and removes the id from `archiving`, only if the live hash is still
 *     byte for byte what was copied (DUMP) and still ended; if it changed meanwhile, the copy is made
 *     again; if it is live again (queued anew), there is nothing to move.
 *   A crash at any step leaves the id in `archiving`: the sweeper (Desk.sweep) finishes the move.
 *   Until then both copies may exist; every reader (`get`, `getMany`, `customerTyping`) looks at both
 *   and prefers the live one. A conversation queued again is written live by ENQUEUE (which starts
 *   from an empty hash, as before) and its archived copy is then deleted (a leftover is shadowed by
 *   the live one and expires).
 *   Writes to a record (`set`, `incrUnread`) go to wherever it is, and never create one.
 */
import { durabilityFor } from '../storage/durability';
import type { Logger } from '../logger';
import type { Keyspace } from '../storage/keys';
import type { RedisClient } from '../storage/redisClient';
import { luaScript } from '../storage/scripts';

export const TIERS = ['pro', 'standard'] as const;
export type Tier = (typeof TIERS)[number];
export const SEVERITIES = ['suspended', 'urgent', 'review', 'normal'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const DESK_STATUSES = ['waiting', 'assigned', 'closed', 'released', 'external'] as const;
export type DeskStatus = (typeof DESK_STATUSES)[number];
export type DeskTopic = 'refund' | 'payment_not_received' | 'dispute' | 'none';

export interface DeskConversation {
  id: string;
  status: DeskStatus;
  tier: Tier;
  language: 'en' | 'fr';
  topic: DeskTopic;
  reason: string;
  severity: Severity;
  caseRef: string | null;
  /** When it (last) entered the queue, ms. */
  since: number;
  /** When it first entered the queue, ms (for the recorded waiting time). */
  firstSince: number;
  assignedTo?: string;
  preview?: string;
  unread: number;
  ref: string;
  channelId: string;
  email?: string;
  emailAsked?: boolean;
  maxWaitTold?: boolean;
  toldPos?: number;
}

/**
 * Serving order as one number, lowest first: tier, then severity, then arrival (ms). A conversation
 * put back after an agent went silent gets severity rank -1: the front of its tier's queue.
 * Fits in a double exactly (< 2^53).
 */
export function queueScore(tier: Tier, severity: Severity | 'returned', sinceMs: number): number {
  const t = tier === 'pro' ? 0 : 1;
  const s = severity === 'returned' ? -1 : SEVERITIES.indexOf(severity);
  return t * 1e15 + s * 1e14 + sinceMs;
}

/** KEYS[1] queue, KEYS[2] hash. ARGV[1] id, ARGV[2] score, ARGV[3..] field, value pairs. 1 queued, 0 already with the desk. */
const ENQUEUE = luaScript<[queue: string, conversation: string, id: string, score: string, ...fields: string[]], number>('deskEnqueue', 2, `
local st = redis.call('HGET', KEYS[2], 'status')
if st == 'waiting' or st == 'assigned' or st == 'external' then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
redis.call('PERSIST', KEYS[2])
if redis.call('HGET', KEYS[2], 'status') == 'waiting' then redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1]) end
return 1
`);

/** KEYS[1] queue, KEYS[2] hash, KEYS[3] agent's set. ARGV id, agent, now. {1,''} won, {0,by} taken, {-1,''} nothing waits. */
const CLAIM = luaScript<[queue: string, conversation: string, agentSet: string, id: string, agent: string, now: string], [number, string]>('deskClaim', 3, `
local st = redis.call('HGET', KEYS[2], 'status')
if st == 'assigned' then return {0, redis.call('HGET', KEYS[2], 'assignedTo') or ''} end
if st ~= 'waiting' or redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return {-1, ''} end
redis.call('HSET', KEYS[2], 'status', 'assigned', 'assignedTo', ARGV[2], 'claimedAt', ARGV[3], 'unread', 0)
redis.call('SADD', KEYS[3], ARGV[1])
return {1, ''}
`);

/**
 * KEYS[1] queue, KEYS[2] hash, KEYS[3] agent's set, KEYS[4] archiving. ARGV id, agent, new status.
 * 1 done (and the record's move to its archive journalled), 0 not this agent's.
 */
const FINISH = luaScript<[queue: string, conversation: string, agentSet: string, archiving: string, id: string, agent: string, status: string], number>('deskFinish', 4, `
if redis.call('HGET', KEYS[2], 'status') ~= 'assigned' or redis.call('HGET', KEYS[2], 'assignedTo') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[2], 'status', ARGV[3])
redis.call('HDEL', KEYS[2], 'assignedTo')
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[2], 2592000)
redis.call('SADD', KEYS[4], ARGV[1])
return 1
`);

/** KEYS[1] queue, KEYS[2] hash, KEYS[3] agent's set. ARGV id, agent, score, now. 1 back in the queue, 0 not (any more) this agent's. */
const REQUEUE = luaScript<[queue: string, conversation: string, agentSet: string, id: string, agent: string, score: string, now: string], number>('deskRequeue', 3, `
if redis.call('HGET', KEYS[2], 'status') ~= 'assigned' or redis.call('HGET', KEYS[2], 'assignedTo') ~= ARGV[2] then
  redis.call('SREM', KEYS[3], ARGV[1])
  return 0
end
redis.call('HSET', KEYS[2], 'status', 'waiting', 'since', ARGV[4], 'returned', '1')
redis.call('HDEL', KEYS[2], 'assignedTo')
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
`);

/**
 * KEYS[1] queue, KEYS[2] hash, KEYS[3] archiving, KEYS[4] agent's set (when assigned). ARGV id, expected
 * assignedTo ('' for none), new status. Ends a waiting/assigned/external conversation and journals the
 * record's move to its archive.
 */
const STOP = luaScript<[queue: string, conversation: string, archiving: string, id: string, agent: string, status: string], number>('deskStop', 3, `
local st = redis.call('HGET', KEYS[2], 'status')
if st ~= 'waiting' and st ~= 'assigned' and st ~= 'external' then return 0 end
if (redis.call('HGET', KEYS[2], 'assignedTo') or '') ~= ARGV[2] then return -1 end
redis.call('HSET', KEYS[2], 'status', ARGV[3])
redis.call('HDEL', KEYS[2], 'assignedTo')
redis.call('ZREM', KEYS[1], ARGV[1])
if KEYS[4] then redis.call('SREM', KEYS[4], ARGV[1]) end
redis.call('EXPIRE', KEYS[2], 2592000)
redis.call('SADD', KEYS[3], ARGV[1])
return 1
`);
/** STOP of an assigned conversation: KEYS[4] the agent's set. */
const STOP_ASSIGNED = luaScript<[queue: string, conversation: string, archiving: string, agentSet: string, id: string, agent: string, status: string], number>('deskStopAssigned', 4, STOP.lua);

/**
 * The second half of a record's move (see the top of this file). KEYS[1] live hash, KEYS[2] archiving.
 * ARGV id, DUMP of the live hash that was copied. 1 moved, 0 nothing live (moved already),
 * 2 live again (nothing to move), -1 changed since the copy (copy again).
 */
const ARCHIVED = luaScript<[live: string, archiving: string, id: string, dump: Buffer | string], number>('deskArchived', 2, `
local st = redis.call('HGET', KEYS[1], 'status')
if not st then
  redis.call('SREM', KEYS[2], ARGV[1])
  return 0
end
if st == 'waiting' or st == 'assigned' or st == 'external' then
  redis.call('SREM', KEYS[2], ARGV[1])
  return 2
end
if redis.call('DUMP', KEYS[1]) ~= ARGV[2] then return -1 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 1
`);

/** KEYS[1] hash. ARGV field, value pairs. Writes only into a record that exists (never creates one). */
const SET_IF_EXISTS = luaScript<[hash: string, ...fields: string[]], number>('deskSetIfExists', 1, `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
`);

/** KEYS[1] hash. +1 unread on a record that exists. */
const INCR_UNREAD = luaScript<[hash: string], number>('deskIncrUnread', 1, `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HINCRBY', KEYS[1], 'unread', 1)
`);

const LIVE: ReadonlySet<string> = new Set(['waiting', 'assigned', 'external']);
const ARCHIVE_TTL_MS = 30 * 86400 * 1000;

export type ClaimResult = { ok: true } | { ok: false; by: string } | { ok: false; notFound: true };

export class DeskStore {
  constructor(
    readonly redis: RedisClient,
    private readonly keys: Keyspace,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {}

  key(suffix: string): string {
    return this.keys.global('desk', suffix);
  }
  get queueKey(): string {
    return this.key('queue');
  }
  /** The record of a conversation live at the desk (waiting, assigned, external). */
  convKey(id: string): string {
    return this.key(`c:${id}`);
  }
  /** The record once the conversation left the desk (released, closed), in the conversation's own slot. */
  archiveKey(id: string): string {
    return this.keys.conversation(id, 'desk:c');
  }
  get archivingKey(): string {
    return this.key('archiving');
  }
  /** The conversation's customer outbox (stream), its cursor and its delivery lock (./relay.ts). */
  outKey(id: string): string {
    return this.keys.conversation(id, 'desk:out');
  }
  cursorKey(id: string): string {
    return this.keys.conversation(id, 'desk:cur');
  }
  outLockKey(id: string): string {
    return this.keys.conversation(id, 'desk:outlock');
  }
  /** "The Pro offer was considered for this conversation" (turns without a turn handle). */
  proCheckedKey(id: string): string {
    return this.keys.conversation(id, 'desk:prochecked');
  }
  mineKey(agent: string): string {
    return this.key(`mine:${agent}`);
  }
  /** In the conversation's own hash tag: every conversation has one, so they must not share a slot. */
  transcriptKey(id: string): string {
    return this.keys.conversation(id, 'desk:t');
  }

  async enqueue(c: Omit<DeskConversation, 'unread'>, score: number): Promise<boolean> {
    const fields: string[] = [];
    for (const [k, v] of Object.entries({ ...c, unread: 0 })) {
      if (v === undefined || v === null) continue;
      fields.push(k, typeof v === 'boolean' ? (v ? '1' : '') : String(v));
    }
    // The customer is told they are in the queue: the entry must survive a failover (src/storage/durability.ts).
    const [r] = await durabilityFor(this.redis).write(this.queueKey, (p) => ENQUEUE.queue(p, this.queueKey, this.convKey(c.id), c.id, String(score), ...fields));
    // Back at the desk: the archived copy of an earlier handoff is now shadowed by the live record.
    if (r === 1) await this.redis.del(this.archiveKey(c.id)).catch(() => undefined);
    return r === 1;
  }

  /** The record, live or archived (the live one when both exist: see the top of this file). */
  async get(id: string): Promise<DeskConversation | null> {
    // Both at once (two slots on a Cluster): one round trip, as a single read was.
    const [live, archived] = await Promise.all([this.redis.hgetall(this.convKey(id)), this.redis.hgetall(this.archiveKey(id))]);
    if (live && live.status) return parseConversation(id, live);
    return archived && archived.status ? parseConversation(id, archived) : null;
  }

  /** Records of several conversations (those found), in the order of `ids`; live ones in one pipeline. */
  async getMany(ids: string[]): Promise<DeskConversation[]> {
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.convKey(id));
    const res = (await pipe.exec()) ?? [];
    const found: (Record<string, string> | null)[] = res.map(([err, h]) => {
      const hash = h as Record<string, string> | null;
      return !err && hash && hash.status ? hash : null;
    });
    // The callers ask for queued or claimed ids, which are live; an id that is not is looked up in its archive.
    await Promise.all(
      ids.map(async (id, i) => {
        if (found[i]) return;
        const h = await this.redis.hgetall(this.archiveKey(id));
        if (h && h.status) found[i] = h;
      }),
    );
    const out: DeskConversation[] = [];
    found.forEach((h, i) => {
      if (h) out.push(parseConversation(ids[i], h));
    });
    return out;
  }

  /** Writes fields into the record wherever it is (live first); never creates a record. */
  async set(id: string, fields: Record<string, string | number>): Promise<void> {
    const args = Object.entries(fields).flatMap(([k, v]) => [k, String(v)]);
    if (args.length === 0) return;
    if ((await SET_IF_EXISTS.run(this.redis, this.convKey(id), ...args)) === 1) return;
    await SET_IF_EXISTS.run(this.redis, this.archiveKey(id), ...args);
  }

  /** One more message the agent has not read (live records only: only an assigned one counts them). */
  async incrUnread(id: string): Promise<void> {
    await INCR_UNREAD.run(this.redis, this.convKey(id));
  }

  /** Status and agent of a live record (the customer's typing goes to the agent who has it). */
  async liveAssignment(id: string): Promise<{ status?: string; assignedTo?: string }> {
    const [status, assignedTo] = await this.redis.hmget(this.convKey(id), 'status', 'assignedTo');
    return { ...(status ? { status } : {}), ...(assignedTo ? { assignedTo } : {}) };
  }

  /**
   * Moves an ended conversation's record from the shared slot to its own (see the top of this file).
   * Safe to call any number of times, from any instance, at any moment; true when nothing is left to do.
   */
  async archive(id: string): Promise<boolean> {
    const live = this.convKey(id);
    const archived = this.archiveKey(id);
    for (let attempt = 0; attempt < 3; attempt++) {
      // One snapshot of the live record: what is copied is what the DUMP stands for.
      const snap = (await this.redis.multi().hgetall(live).pttl(live).dumpBuffer(live).exec()) ?? [];
      const failed = snap.find(([err]) => err);
      if (failed) throw failed[0];
      const h = snap[0]?.[1] as Record<string, string> | null;
      const ttl = Number(snap[1]?.[1]);
      const dump = snap[2]?.[1] as Buffer | null;
      if (h && h.status && !LIVE.has(h.status) && dump) {
        await durabilityFor(this.redis).write(archived, (p) => p.del(archived).hset(archived, h).pexpire(archived, ttl > 0 ? ttl : ARCHIVE_TTL_MS));
      }
      const r = Number(await ARCHIVED.run(this.redis, live, this.archivingKey, id, dump ?? ''));
      if (r !== -1) return true;
    }
    return false;
  }

  /** Finishes the moves a crash (or a failed write) interrupted; the sweeper calls it. */
  async finishArchiving(limit = 100): Promise<number> {
    const ids = (await this.redis.srandmember(this.archivingKey, limit)) as string[];
    let done = 0;
    for (const id of ids) if (await this.archive(id)) done++;
    return done;
  }

  private async archiveNow(id: string): Promise<void> {
    try {
      await this.archive(id);
    } catch (err) {
      // Still journalled in `archiving`: the sweeper finishes the move; readers find it live meanwhile.
      this.logger?.warn({ conversationId: id, err: (err as Error).message }, 'desk: record not archived yet; the sweeper will');
    }
  }

  /** Waiting ids in serving order (at most `limit`). */
  async queueIds(limit = 200): Promise<string[]> {
    return this.redis.zrange(this.queueKey, 0, limit - 1);
  }

  /** 1-based place in the queue, or undefined when not waiting. */
  async position(id: string): Promise<number | undefined> {
    const r = await this.redis.zrank(this.queueKey, id);
    return r === null ? undefined : r + 1;
  }

  async queueLength(): Promise<number> {
    return this.redis.zcard(this.queueKey);
  }

  async claim(id: string, agent: string, now: number): Promise<ClaimResult> {
    const [code, by] = await CLAIM.run(this.redis, this.queueKey, this.convKey(id), this.mineKey(agent), id, agent, String(now));
    if (code === 1) return { ok: true };
    if (code === 0) return { ok: false, by };
    return { ok: false, notFound: true };
  }

  /** The agent ends its part: `released` (back to the bot) or `closed`. */
  async finish(id: string, agent: string, status: 'released' | 'closed'): Promise<boolean> {
    const done = (await FINISH.run(this.redis, this.queueKey, this.convKey(id), this.mineKey(agent), this.archivingKey, id, agent, status)) === 1;
    if (done) await this.archiveNow(id);
    return done;
  }

  async requeue(id: string, agent: string, score: number, now: number): Promise<boolean> {
    return (await REQUEUE.run(this.redis, this.queueKey, this.convKey(id), this.mineKey(agent), id, agent, String(score), String(now))) === 1;
  }

  /** The customer stops waiting (or the contact centre ends): ends whatever state the conversation is in. */
  async stop(id: string, status: 'released' | 'closed'): Promise<{ stopped: boolean; agent?: string }> {
    for (let i = 0; i < 5; i++) {
      const agent = (await this.redis.hget(this.convKey(id), 'assignedTo')) ?? '';
      const r = agent
        ? await STOP_ASSIGNED.run(this.redis, this.queueKey, this.convKey(id), this.archivingKey, this.mineKey(agent), id, agent, status)
        : await STOP.run(this.redis, this.queueKey, this.convKey(id), this.archivingKey, id, agent, status);
      if (r === 1) {
        await this.archiveNow(id);
        return { stopped: true, agent: agent || undefined };
      }
      if (r === 0) return { stopped: false };
    }
    return { stopped: false };
  }

  async mine(agent: string): Promise<string[]> {
    return this.redis.smembers(this.mineKey(agent));
  }

  // ---------------------------------------------------------------- heartbeats

  async heartbeat(agent: string, now: number): Promise<void> {
    await this.redis.zadd(this.key('hb'), now, agent);
  }
  async agentsOnline(now: number, timeoutMs: number): Promise<number> {
    return this.redis.zcount(this.key('hb'), now - timeoutMs, '+inf');
  }
  async silentAgents(now: number, timeoutMs: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.key('hb'), '-inf', now - timeoutMs);
  }
  async forgetAgent(agent: string, ifBefore: number): Promise<void> {
    // Only if it did not come back meanwhile.
    const score = await this.redis.zscore(this.key('hb'), agent);
    if (score !== null && Number(score) <= ifBefore) await this.redis.zrem(this.key('hb'), agent);
  }
  async signOut(agent: string): Promise<void> {
    await this.redis.zrem(this.key('hb'), agent);
  }

  // ---------------------------------------------------------------- waits (estimate)

  async recordWait(seconds: number): Promise<void> {
    await this.redis.multi().lpush(this.key('waits'), String(Math.max(0, Math.round(seconds)))).ltrim(this.key('waits'), 0, 49).exec();
  }
  /** Median of the recent waits, in seconds, or undefined with none recorded. */
  async typicalWait(): Promise<number | undefined> {
    const list = (await this.redis.lrange(this.key('waits'), 0, 49)).map(Number).filter((n) => Number.isFinite(n)).sort((a, b) => a - b);
    if (list.length === 0) return undefined;
    return list[Math.floor(list.length / 2)];
  }
}

function parseConversation(id: string, h: Record<string, string>): DeskConversation {
  return {
    id,
    status: h.status as DeskStatus,
    tier: h.tier === 'pro' ? 'pro' : 'standard',
    language: h.language === 'fr' ? 'fr' : 'en',
    topic: (h.topic as DeskTopic) || 'none',
    reason: h.reason ?? 'user_asked',
    severity: (SEVERITIES as readonly string[]).includes(h.severity) ? (h.severity as Severity) : 'normal',
    caseRef: h.caseRef || null,
    since: Number(h.since) || 0,
    firstSince: Number(h.firstSince) || Number(h.since) || 0,
    ...(h.assignedTo ? { assignedTo: h.assignedTo } : {}),
    ...(h.preview ? { preview: h.preview } : {}),
    unread: Number(h.unread) || 0,
    ref: h.ref ?? '{}',
    channelId: h.channelId ?? '',
    ...(h.email ? { email: h.email } : {}),
    emailAsked: h.emailAsked === '1',
    maxWaitTold: h.maxWaitTold === '1',
    ...(h.toldPos ? { toldPos: Number(h.toldPos) } : {}),
  };
}
