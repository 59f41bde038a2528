/**
 * The desk's data in Redis. Every key is `keys.global('desk', …)`: one hash tag, one Cluster slot,
 * so the Lua scripts below may touch several keys at once.
 *
 *   queue              sorted set of waiting conversation ids, score = serving order (see `queueScore`)
 *   c:<id>             hash: one conversation with the desk (status, tier, language, topic, reason,
 *                      severity, caseRef, since, assignedTo, ref = conversation reference JSON, …);
 *                      kept 30 days once released or closed
 *   mine:<agent>       set of the conversation ids an agent has claimed
 *   hb                 sorted set agent → last heartbeat (ms)
 *   t:<id>             stream: the conversation's transcript (redacted), for the agent and handoff.initiate
 *   out:<id>, cur:<id> stream of what goes to the customer, and the id delivered last (ordered relay)
 *   outpending         set of conversation ids whose outbox may hold undelivered entries
 *   events             stream of desk events (queue, message, typing, conversation): the agents' live feed
 *   waits              list of recent waiting times in seconds (newest first), for the estimate
 */
import { durabilityFor } from '../storage/durability';
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

/** KEYS[1] queue, KEYS[2] hash, KEYS[3] agent's set. ARGV id, agent, new status. 1 done, 0 not this agent's. */
const FINISH = luaScript<[queue: string, conversation: string, agentSet: string, id: string, agent: string, status: string], number>('deskFinish', 3, `
if redis.call('HGET', KEYS[2], 'status') ~= 'assigned' or redis.call('HGET', KEYS[2], 'assignedTo') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[2], 'status', ARGV[3])
redis.call('HDEL', KEYS[2], 'assignedTo')
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[2], 2592000)
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

/** KEYS[1] queue, KEYS[2] hash. ARGV id, expected assignedTo ('' for none), new status. Ends a waiting/assigned/external conversation. */
const STOP = luaScript<[queue: string, conversation: string, id: string, agent: string, status: string], number>('deskStop', 2, `
local st = redis.call('HGET', KEYS[2], 'status')
if st ~= 'waiting' and st ~= 'assigned' and st ~= 'external' then return 0 end
if (redis.call('HGET', KEYS[2], 'assignedTo') or '') ~= ARGV[2] then return -1 end
redis.call('HSET', KEYS[2], 'status', ARGV[3])
redis.call('HDEL', KEYS[2], 'assignedTo')
redis.call('ZREM', KEYS[1], ARGV[1])
if KEYS[3] then redis.call('SREM', KEYS[3], ARGV[1]) end
redis.call('EXPIRE', KEYS[2], 2592000)
return 1
`);
/** STOP of an assigned conversation: KEYS[3] the agent's set. */
const STOP_ASSIGNED = luaScript<[queue: string, conversation: string, agentSet: string, id: string, agent: string, status: string], number>('deskStopAssigned', 3, STOP.lua);

export type ClaimResult = { ok: true } | { ok: false; by: string } | { ok: false; notFound: true };

export class DeskStore {
  constructor(
    readonly redis: RedisClient,
    private readonly keys: Keyspace,
  ) {}

  key(suffix: string): string {
    return this.keys.global('desk', suffix);
  }
  get queueKey(): string {
    return this.key('queue');
  }
  convKey(id: string): string {
    return this.key(`c:${id}`);
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
    return r === 1;
  }

  async get(id: string): Promise<DeskConversation | null> {
    const h = await this.redis.hgetall(this.convKey(id));
    return h && h.status ? parseConversation(id, h) : null;
  }

  async getMany(ids: string[]): Promise<DeskConversation[]> {
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.convKey(id));
    const res = (await pipe.exec()) ?? [];
    const out: DeskConversation[] = [];
    res.forEach(([err, h], i) => {
      const hash = h as Record<string, string> | null;
      if (!err && hash && hash.status) out.push(parseConversation(ids[i], hash));
    });
    return out;
  }

  async set(id: string, fields: Record<string, string | number>): Promise<void> {
    await this.redis.hset(this.convKey(id), fields);
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
    return (await FINISH.run(this.redis, this.queueKey, this.convKey(id), this.mineKey(agent), id, agent, status)) === 1;
  }

  async requeue(id: string, agent: string, score: number, now: number): Promise<boolean> {
    return (await REQUEUE.run(this.redis, this.queueKey, this.convKey(id), this.mineKey(agent), id, agent, String(score), String(now))) === 1;
  }

  /** The customer stops waiting (or the contact centre ends): ends whatever state the conversation is in. */
  async stop(id: string, status: 'released' | 'closed'): Promise<{ stopped: boolean; agent?: string }> {
    for (let i = 0; i < 5; i++) {
      const agent = (await this.redis.hget(this.convKey(id), 'assignedTo')) ?? '';
      const r = agent
        ? await STOP_ASSIGNED.run(this.redis, this.queueKey, this.convKey(id), this.mineKey(agent), id, agent, status)
        : await STOP.run(this.redis, this.queueKey, this.convKey(id), id, agent, status);
      if (r === 1) return { stopped: true, agent: agent || undefined };
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
