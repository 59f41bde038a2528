import { createHash, randomBytes } from 'node:crypto';
import type { RedisClient } from './redisClient';
import { luaScript } from './scripts';
import type { Keyspace } from './keys';
import { durabilityFor, NotDurableError } from './durability';
import { isStorageUnavailable } from './errors';

/*
 * One conversation turn in three Redis round trips, correct when Redis stalls.
 *
 *   1. begin:  one script: drop a duplicate activity, count the message against the conversation's
 *              rate limit, take the turn lock, and read the continuity marker and last language.
 *   2. read:   the conversation state (RedisStorage, by the bot), with anything else the turn needs
 *              read alongside it (the desk's record of the conversation).
 *   3. commit: one script: write the state only if its eTag is still the one read in step 2,
 *              remember the activity id as done, raise the continuity marker, store the language and
 *              release the lock; sent in one pipeline with WAIT (./durability) when there are
 *              replicas, alongside any deferred write of the turn (the desk's transcript lines).
 *
 * Every key is in the conversation's hash tag (one Cluster slot), so each script is Cluster-safe:
 *
 *   lock(conv)                     "<token> <activity id hash>", PX ttl (renewed while the turn runs)
 *   conversation(conv, 'turn')     hash: n (continuity marker), lang, done (last activity id hashes),
 *                                  rl / rlt (rate-limit count and window start), last (token of the
 *                                  last committed turn)
 *   conversation(conv, 's:<channel>')  the conversation state (RedisStorage's hash: e = eTag, d = JSON)
 *
 * "Maybe applied": a begin or a commit that timed out on the client may still run on the server once it
 * answers again. The turn is then resolved with one script (RESOLVE): did the commit land (`last` is our
 * token)? and the lock is deleted if it still holds our token. The resolution is tried for a short while
 * in the turn (the user is told the truth: saved, or not), then in the background until Redis answers or
 * the lock's own expiry makes it moot, so a lock its holder gave up never blocks the conversation for its
 * whole lifetime. A duplicate of a committed activity is dropped (its id is in `done`, written in the same
 * script as the state); a copy that arrives while its original still holds the lock waits for it, and
 * runs once if that turn did not commit.
 */

/**
 * KEYS lock, turn, replies. ARGV value, id hash, lock ttl ms, rate max (0: none), rate window ms, turn ttl
 * ms (0: none). A duplicate gets the replies its original turn stored, when they are still there.
 */
const BEGIN_LUA = `
local cur = redis.call('GET', KEYS[1])
local idh = ARGV[2]
if idh ~= '' then
  local done = redis.call('HGET', KEYS[2], 'done')
  if done and string.find(' ' .. done .. ' ', ' ' .. idh .. ' ', 1, true) then
    local r = redis.call('GET', KEYS[3])
    if r and string.sub(r, 1, #idh + 1) == idh .. ' ' then return {'dup', string.sub(r, #idh + 2)} end
    return {'dup'}
  end
end
-- A copy of a message whose turn holds the lock waits like any other message: that turn may yet fail
-- (or be a lock its holder gave up after a timeout), and then this copy must run.
if cur then return {'busy', tostring(redis.call('PTTL', KEYS[1]))} end
-- a message of this conversation committed before (its id, or the continuity marker)
local existed = redis.call('HEXISTS', KEYS[2], 'done') + redis.call('HEXISTS', KEYS[2], 'n')
local max = tonumber(ARGV[4])
if max > 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local window = tonumber(ARGV[5])
  local f = redis.call('HMGET', KEYS[2], 'rl', 'rlt')
  local count = tonumber(f[1] or '0')
  local start = tonumber(f[2] or '0')
  if now - start >= window then
    count = 0
    start = now
  end
  if count >= max then return {'limited', tostring(start + window - now), redis.call('HGET', KEYS[2], 'lang') or ''} end
  redis.call('HSET', KEYS[2], 'rl', tostring(count + 1), 'rlt', tostring(start))
  if tonumber(ARGV[6]) > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[6]) end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
local m = redis.call('HMGET', KEYS[2], 'n', 'lang')
return {'ok', m[1] or '0', m[2] or '', tostring(existed)}
`;

/**
 * KEYS lock, turn, state, replies. ARGV:
 *  1 lock value, 2 token, 3 id hash ('' none), 4 how many ids to remember, 5 marker ('' none),
 *  6 language ('' none), 7 turn ttl ms, 8 state: 'none' | 'any' | 'match' | 'absent', 9 expected eTag,
 *  10 new eTag, 11 JSON ('' deletes), 12 state ttl ms, 13 the turn's replies as JSON ('' none: kept for
 *  a retry of an expectReplies message), 14 how long they are kept (ms).
 * {'ok'} or {'conflict'} (the state changed since it was read: nothing written, the lock released if ours).
 */
const COMMIT_LUA = `
local mode = ARGV[8]
if mode ~= 'none' then
  if mode ~= 'any' then
    local e = redis.call('HGET', KEYS[3], 'e')
    if e and (mode == 'absent' or e ~= ARGV[9]) then
      if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
      return {'conflict'}
    end
  end
  if ARGV[11] == '' then
    redis.call('DEL', KEYS[3])
  else
    redis.call('HSET', KEYS[3], 'e', ARGV[10], 'd', ARGV[11])
    if tonumber(ARGV[12]) > 0 then redis.call('PEXPIRE', KEYS[3], ARGV[12]) else redis.call('PERSIST', KEYS[3]) end
  end
end
-- 'last': this turn's token, so that a commit whose reply was lost can be told apart (RESOLVE).
redis.call('HSET', KEYS[2], 'last', ARGV[2])
if ARGV[3] ~= '' then
  local done = redis.call('HGET', KEYS[2], 'done') or ''
  local ids = {}
  for w in string.gmatch(done, '%S+') do ids[#ids + 1] = w end
  ids[#ids + 1] = ARGV[3]
  local keep = tonumber(ARGV[4])
  local from = math.max(1, #ids - keep + 1)
  redis.call('HSET', KEYS[2], 'done', table.concat(ids, ' ', from, #ids))
  if ARGV[13] ~= '' then redis.call('SET', KEYS[4], ARGV[3] .. ' ' .. ARGV[13], 'PX', ARGV[14]) end
end
if ARGV[5] ~= '' then
  local n = tonumber(redis.call('HGET', KEYS[2], 'n') or '0')
  if tonumber(ARGV[5]) > n then redis.call('HSET', KEYS[2], 'n', ARGV[5]) end
end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[2], 'lang', ARGV[6]) end
if tonumber(ARGV[7]) > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[7]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return {'ok'}
`;

/** KEYS lock, turn. ARGV lock value, token. 1 when the turn with this token committed; deletes the lock if still ours. */
const RESOLVE_LUA = `
local committed = 0
if redis.call('HGET', KEYS[2], 'last') == ARGV[2] then committed = 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return committed
`;

/** KEYS lock. ARGV value, ttl ms. */
const RENEW_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** Called by hash (./scripts). */
const GATE = {
  begin: luaScript<[lock: string, turn: string, replies: string, value: string, idHash: string, ttlMs: number, rateMax: number, rateWindowMs: number, turnTtlMs: number], string[]>('turnBegin', 3, BEGIN_LUA),
  commit: luaScript<[lock: string, turn: string, state: string, replies: string, ...args: string[]], string[]>('turnCommit', 4, COMMIT_LUA),
  resolve: luaScript<[lock: string, turn: string, value: string, token: string], number>('turnResolve', 2, RESOLVE_LUA),
  renew: luaScript<[lock: string, value: string, ttlMs: number], number>('turnRenew', 1, RENEW_LUA),
};

/** The conversation's lock stayed busy for the whole wait. */
export class TurnBusyError extends Error {
  override readonly name = 'TurnBusyError';
  constructor(readonly conversationId: string, readonly waitedMs: number) {
    super(`Turn lock of conversation "${conversationId}" still busy after ${waitedMs} ms`);
  }
}

/** The state changed since this turn read it (the turn lost its lock to a newer one): nothing was written. */
export class StateConflictError extends Error {
  override readonly name = 'StateConflictError';
  constructor(readonly conversationId: string) {
    super(`Conversation "${conversationId}": state changed since it was read; this turn's changes were not saved`);
  }
}

/** A state write staged for the commit (see TurnConversationState). */
export interface StagedState {
  key: string;
  mode: 'any' | 'match' | 'absent';
  expected: string;
  eTag: string;
  json: string;
}

export type BeginResult =
  /** `replies`: what the committed original answered, as JSON, when it was kept (see TurnHandle.replies). */
  | { kind: 'duplicate'; replies?: string }
  | { kind: 'limited'; retryAfterMs: number; language?: string }
  | { kind: 'ok'; turn: TurnHandle };

export interface TurnGateOptions {
  /** Lock lifetime without renewal (default 8000 ms). */
  lockTtlMs?: number;
  /** How long a busy lock is waited for (default 10000 ms). */
  waitMs?: number;
  /** Messages per window per conversation (0: no limit). */
  rateMax?: number;
  rateWindowMs?: number;
  /** Sliding TTL of the state and the turn record (0: none), in seconds. */
  ttlSeconds?: number;
  /** How long a turn's replies are kept for a retry of its message (default 120000 ms). */
  repliesTtlMs?: number;
  /** Activity ids remembered per conversation for de-duplication (default 16). */
  rememberIds?: number;
  /** How long a maybe-applied commit is resolved inside the turn before giving up (default 2500 ms). */
  resolveInTurnMs?: number;
  /** Called with the marker of a committed turn whose replication could not be confirmed. */
  onUnconfirmed?: (conversationId: string, marker: number) => void;
  onError?: (err: unknown, conversationId: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function activityHash(id: string): string {
  return createHash('sha256').update(id).digest('base64url').slice(0, 10);
}

export class TurnGate {
  private readonly client: RedisClient;
  readonly lockTtlMs: number;
  readonly waitMs: number;
  private readonly ttlMs: number;
  /** Resolutions running in the background (tests, shutdown). */
  private readonly resolving = new Set<Promise<void>>();

  constructor(
    client: RedisClient,
    readonly keys: Keyspace,
    private readonly opts: TurnGateOptions = {},
  ) {
    this.lockTtlMs = opts.lockTtlMs ?? 8000;
    this.waitMs = opts.waitMs ?? 10000;
    this.ttlMs = Math.ceil((opts.ttlSeconds ?? 0) * 1000);
    this.client = client;
  }

  turnKey(conversationId: string): string {
    return this.keys.conversation(conversationId, 'turn');
  }

  /** The last expectReplies turn's replies: "<id hash> <JSON>", for a retry of that message. */
  repliesKey(conversationId: string): string {
    return this.keys.conversation(conversationId, 'replies');
  }

  /**
   * Round trip 1. `activityId` (messages) turns on de-duplication; `rateLimited` counts it against the
   * conversation's rate limit. Waits while another turn holds the lock, up to `waitMs`.
   */
  async begin(conversationId: string, opts: { activityId?: string; rateLimited?: boolean } = {}): Promise<BeginResult> {
    const idHash = opts.activityId ? activityHash(opts.activityId) : '';
    const lock = this.keys.lock(conversationId);
    const turn = this.turnKey(conversationId);
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const token = randomBytes(9).toString('base64url');
      const value = `${token} ${idHash}`;
      let reply: string[];
      try {
        reply = await GATE.begin.run(this.client, lock, turn, this.repliesKey(conversationId), value, idHash, this.lockTtlMs, opts.rateLimited ? (this.opts.rateMax ?? 0) : 0, this.opts.rateWindowMs ?? 60000, this.ttlMs);
      } catch (err) {
        // Maybe applied: the lock may be ours once Redis answers. Give it back then.
        if (isStorageUnavailable(err)) this.resolveLater(conversationId, value, token);
        throw err;
      }
      if (reply[0] === 'dup') return reply[1] !== undefined ? { kind: 'duplicate', replies: reply[1] } : { kind: 'duplicate' };
      if (reply[0] === 'limited') return { kind: 'limited', retryAfterMs: Number(reply[1]), language: reply[2] || undefined };
      if (reply[0] === 'ok') {
        return {
          kind: 'ok',
          turn: new TurnHandle(this, conversationId, token, value, idHash, Number(reply[1]), reply[2] || undefined, reply[3] === '0'),
        };
      }
      const left = started + this.waitMs - Date.now();
      if (left <= 0) throw new TurnBusyError(conversationId, Date.now() - started);
      const cap = Math.min(100, 5 * 2 ** Math.min(attempt, 10));
      await sleep(Math.min(left, cap / 2 + Math.random() * (cap / 2)));
    }
  }

  /** Round trip 3 (see TurnHandle.commit). */
  async commitTurn(t: TurnHandle, deferred: (() => Promise<unknown>)[]): Promise<void> {
    const lock = this.keys.lock(t.conversationId);
    const turn = this.turnKey(t.conversationId);
    const s = t.staged;
    const stateKey = s?.key ?? turn;
    const args = [
      t.value,
      t.token,
      t.idHash,
      String(this.opts.rememberIds ?? 16),
      t.marker !== undefined ? String(t.marker) : '',
      t.language ?? '',
      String(this.ttlMs),
      s ? s.mode : 'none',
      s?.expected ?? '',
      s?.eTag ?? '',
      s?.json ?? '',
      String(this.ttlMs),
      t.idHash ? (t.replies ?? '') : '',
      String(this.opts.repliesTtlMs ?? 120_000),
    ];
    let reply: string[];
    const others = Promise.allSettled(deferred.map((fn) => fn()));
    try {
      const [r] = await durabilityFor(this.client).write(lock, (p) => GATE.commit.queue(p, lock, turn, stateKey, this.repliesKey(t.conversationId), ...args));
      reply = r as string[];
    } catch (err) {
      if (err instanceof NotDurableError) {
        // Written on the master, not confirmed on its replicas: the turn stands; the marker is raised
        // again later wherever the master is then (ContinuityMiddleware), so a lost state is noticed.
        if (t.marker !== undefined) this.opts.onUnconfirmed?.(t.conversationId, t.marker);
        await others;
        return;
      }
      if (!isStorageUnavailable(err)) throw err;
      // Maybe applied. Find out, for a short while, so the user is told the truth.
      const committed = await this.resolveWithin(t, this.opts.resolveInTurnMs ?? 2500);
      await others;
      if (committed === true) return;
      if (committed === undefined) this.resolveLater(t.conversationId, t.value, t.token);
      throw err;
    }
    await others;
    if (reply[0] === 'conflict') throw new StateConflictError(t.conversationId);
  }

  /** Gives the lock back after a failed turn (nothing committed); in the background if Redis does not answer. */
  async abort(t: TurnHandle): Promise<void> {
    try {
      await GATE.resolve.run(this.client, this.keys.lock(t.conversationId), this.turnKey(t.conversationId), t.value, t.token);
    } catch (err) {
      this.resolveLater(t.conversationId, t.value, t.token);
      this.opts.onError?.(err, t.conversationId);
    }
  }

  async renew(t: TurnHandle): Promise<boolean> {
    return (await GATE.renew.run(this.client, this.keys.lock(t.conversationId), t.value, this.lockTtlMs)) === 1;
  }

  /** true: committed; false: not committed (lock released); undefined: Redis did not answer in time. */
  private async resolveWithin(t: TurnHandle, ms: number): Promise<boolean | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        return (await GATE.resolve.run(this.client, this.keys.lock(t.conversationId), this.turnKey(t.conversationId), t.value, t.token)) === 1;
      } catch {
        if (Date.now() >= deadline) return undefined;
        await sleep(100);
      }
    }
  }

  /** Resolves in the background until Redis answers or the lock has expired by itself anyway. */
  private resolveLater(conversationId: string, value: string, token: string): void {
    const until = Date.now() + this.lockTtlMs + 1000;
    const lock = this.keys.lock(conversationId);
    const turn = this.turnKey(conversationId);
    const job = (async () => {
      while (Date.now() < until) {
        try {
          await GATE.resolve.run(this.client, lock, turn, value, token);
          return;
        } catch {
          await sleep(100);
        }
      }
    })();
    this.resolving.add(job);
    void job.finally(() => this.resolving.delete(job));
  }

  /** Waits for the background resolutions (shutdown, tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.resolving]);
  }
}

/** A turn that holds its conversation's lock. */
export class TurnHandle {
  /** The continuity marker to raise the conversation to at commit (ContinuityMiddleware). */
  marker?: number;
  /** The language to remember at commit (for the "unavailable" message on any instance). */
  language?: string;
  /** The state write to make at commit (TurnConversationState.saveChanges). */
  staged?: StagedState;
  /**
   * The replies of an expectReplies message, as JSON, kept with the commit for a while: a client that
   * lost the answer and sends the message again gets them, instead of nothing (the turn is not run twice).
   */
  replies?: string;
  private readonly deferred: (() => Promise<unknown>)[] = [];
  private timer?: NodeJS.Timeout;
  lost = false;

  constructor(
    private readonly gate: TurnGate,
    readonly conversationId: string,
    readonly token: string,
    readonly value: string,
    readonly idHash: string,
    /** The continuity marker read at begin. */
    readonly storedMarker: number,
    /** The language the last committed turn stored. */
    readonly storedLanguage: string | undefined,
    /** No message of this conversation committed before this one. */
    readonly firstTurn: boolean,
  ) {
    this.timer = setInterval(() => {
      this.gate.renew(this).then(
        (ok) => {
          if (!ok) {
            this.lost = true;
            this.stop();
          }
        },
        () => undefined,
      );
    }, Math.max(1, Math.floor(gate.lockTtlMs / 3)));
    this.timer.unref();
  }

  /** A write that belongs to this turn but need not happen before it ends: sent alongside the commit. */
  defer(write: () => Promise<unknown>): void {
    this.deferred.push(write);
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async commit(): Promise<void> {
    this.stop();
    await this.gate.commitTurn(this, this.deferred.splice(0));
  }

  async abort(): Promise<void> {
    this.stop();
    await this.gate.abort(this);
  }
}
