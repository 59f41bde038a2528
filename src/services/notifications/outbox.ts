/**
 * The outbox: e-mails wait in Redis until a worker has delivered them, so sending never blocks a turn
 * and a restart loses nothing queued.
 *
 * Shared keys (one hash tag, `{mail}`: the stream and what moves entries in and out of it; their
 * size follows what is waiting now, never the history):
 *   stream       Redis Stream of messages to deliver, read through the consumer group `senders`
 *   retry        sorted set: messages waiting for their next attempt, score = due time (ms)
 *   dead         list of messages given up after MAIL_MAX_ATTEMPTS (id, kind, masked address, error), newest 1000
 *   enqueuing    sorted set: enqueue calls under way (`<token>:<id>`, score = when they started, Redis
 *                time): the journal that lets a crashed call's message be queued anyway (below)
 *   stats        counters: queued, sent, retried, failed (given up), duplicates
 *
 * Per message, in its own hash tag (`global:{mail-msg:<id>}:…`, so 30 days of markers do not pile up
 * in one Redis Cluster slot):
 *   key          hash: "this message was queued" — t = the enqueuing call's token (idempotency: another
 *                call with the same id is a duplicate; the same call retried after a timeout is told
 *                that its own earlier attempt queued it), q = 1 once it is in the stream, mail = the
 *                message until then (for the recovery below); 30 days
 *   sent         "this message was delivered" (a message claimed again after a crash is not re-sent); 30 days
 *   lock         the instance delivering it right now (two instances never send one message at once)
 *
 * Enqueue, in steps that each touch one slot, each safe to retry (a timed-out attempt may have run):
 *   1. JOURNAL adds `<token>:<id>` to `enqueuing` (NX: a retry keeps the first time);
 *   2. MARK creates `key` with the token and the message, unless it exists: another call's token means
 *      a duplicate (nothing added; the journal entry is dropped), this call's token means an earlier
 *      attempt got here (q = 1: queued already). A MARK more than 5 minutes after its JOURNAL refuses,
 *      so no marker appears after the recovery gave its journal entry up (10 minutes);
 *   3. ADD removes the journal entry and XADDs, in one script: only the call (or recovery) that
 *      removes the entry adds the message, so a retried ADD never queues it twice;
 *   4. CONFIRM sets q = 1 and drops the message copy from `key`.
 *   A crash after 1: nothing was promised; the recovery drops the journal entry after 10 minutes.
 *   After 2: the recovery (any instance's worker, every few seconds) finds the journal entry older than
 *   30 s whose marker holds its token, and runs ADD with the message kept in the marker. After 3:
 *   queued; q stays 0 (the delivery drops the copy). So a call that resolved `true` has its message in
 *   the stream, and one that died after MARK has it there within a minute.
 *
 * Exactly one delivery: the consumer group hands each entry to one instance; an entry whose instance
 * died before acknowledging it is claimed by another after `claimIdleMs` (XAUTOCLAIM). TAKE checks
 * `sent` and takes `lock` in one script (the message's slot); SENT writes `sent` and gives `lock` back
 * in one script, then the entry is acknowledged and deleted (`{mail}`). A crash between the two leaves
 * the entry to be claimed again: TAKE finds `sent` and it is only acknowledged (the `sent` counter then
 * misses that one). The SMTP Message-ID is derived from the id, so even the one window no queue can
 * close (the server accepted the message and the instance died before writing `sent`) gives the
 * receiving server a duplicate it can recognise.
 *
 * Retries: attempt n waits `retryBaseMs × 2^(n-1)` (± 20 %, at most 10 minutes); after `maxAttempts`
 * the message goes to `dead`, is logged as an error and counted.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logger';
import type { Keyspace } from '../../storage/keys';
import type { RedisClient } from '../../storage/redisClient';
import { luaScript, type ScriptArg } from '../../storage/scripts';
import { retryWhileUnavailable } from '../../storage/errors';
import { maskEmail } from './address';
import type { MailTransport, OutgoingMail } from './types';

const GROUP = 'senders';
/** How long "queued" and "sent" markers are kept (a message re-queued after that would be sent again). */
const MARKER_TTL_SECONDS = 30 * 24 * 3600;
const MAX_BACKOFF_MS = 10 * 60 * 1000;
/** Pauses before the retries of an enqueue step that failed or timed out (ms). */
const ENQUEUE_RETRIES = [100, 400];
/** A journal entry this old whose marker holds its token is queued by the recovery. */
const RECOVER_AFTER_MS = 30_000;
/** A MARK this long after its JOURNAL refuses; a journal entry without marker is dropped after ABANDON_AFTER_MS. */
const MARK_WITHIN_MS = 5 * 60_000;
const ABANDON_AFTER_MS = 10 * 60_000;

const REDIS_MS = `local __t = redis.call('TIME') local now = tonumber(__t[1]) * 1000 + math.floor(tonumber(__t[2]) / 1000)`;

/** KEYS enqueuing. ARGV member. The journal entry's time (ms, Redis clock). */
const JOURNAL = luaScript<ScriptArg[]>('outboxJournal', 1, `
${REDIS_MS}
redis.call('ZADD', KEYS[1], 'NX', now, ARGV[1])
return redis.call('ZSCORE', KEYS[1], ARGV[1])
`);

/**
 * KEYS key. ARGV token, ttl, mail JSON, journal time (ms), MARK_WITHIN_MS.
 * 1 marked by this call (go on with ADD), 2 this call queued it already, 0 another call's, -1 too late.
 */
const MARK = luaScript<ScriptArg[]>('outboxMark', 1, `
local t = redis.call('HGET', KEYS[1], 't')
if not t then
  ${REDIS_MS}
  if now - tonumber(ARGV[4]) > tonumber(ARGV[5]) then return -1 end
  redis.call('HSET', KEYS[1], 't', ARGV[1], 'q', '0', 'mail', ARGV[3])
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return 1
end
if t ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'q') == '1' then return 2 end
return 1
`);

/** KEYS enqueuing, stream, stats. ARGV member, id, mail JSON. 1 added, 0 the journal entry was gone (added before). */
const ADD = luaScript<ScriptArg[]>('outboxAdd', 3, `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', 'id', ARGV[2], 'mail', ARGV[3], 'attempt', '0')
redis.call('HINCRBY', KEYS[3], 'queued', 1)
return 1
`);

/** KEYS key. ARGV token. The message is in the stream: its copy in the marker goes. */
const CONFIRM = luaScript<ScriptArg[]>('outboxConfirm', 1, `
if redis.call('HGET', KEYS[1], 't') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'q', '1')
redis.call('HDEL', KEYS[1], 'mail')
return 1
`);

/** KEYS enqueuing, stats. ARGV member. A duplicate: its journal entry goes, counted once. */
const DUPLICATE = luaScript<ScriptArg[]>('outboxDuplicate', 2, `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then redis.call('HINCRBY', KEYS[2], 'duplicates', 1) end
return 1
`);

/** KEYS enqueuing. ARGV age (ms), limit. Journal entries older than `age`, with their age. */
const STALE = luaScript<ScriptArg[]>('outboxStale', 1, `
${REDIS_MS}
local rows = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]), 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i = 1, #rows, 2 do
  out[#out + 1] = rows[i]
  out[#out + 1] = tostring(now - tonumber(rows[i + 1]))
end
return out
`);

/** KEYS sent, lock. ARGV consumer, lock ms. 1 locked, 0 another instance has it, 2 delivered already. */
const TAKE = luaScript<ScriptArg[]>('outboxTake', 2, `
if redis.call('EXISTS', KEYS[1]) == 1 then return 2 end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
`);

/** KEYS sent, lock, key. ARGV ttl, consumer. Delivered: marked, lock given back, the marker's copy dropped. */
const SENT = luaScript<ScriptArg[]>('outboxSent', 3, `
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('HSET', KEYS[3], 'q', '1')
  redis.call('HDEL', KEYS[3], 'mail')
end
return 1
`);

/** KEYS lock. ARGV consumer. */
const UNLOCK = luaScript<ScriptArg[]>('outboxUnlock', 1, `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`);

/** KEYS stream, stats. ARGV entry id, count (1 = it was a delivery). */
const DONE = luaScript<ScriptArg[]>('outboxDone', 2, `
redis.call('XACK', KEYS[1], '${GROUP}', ARGV[1])
redis.call('XDEL', KEYS[1], ARGV[1])
if ARGV[2] == '1' then redis.call('HINCRBY', KEYS[2], 'sent', 1) end
return 1
`);

/** KEYS retry, stream, stats. ARGV due, member, entry id. */
const RETRY_LATER = luaScript<ScriptArg[]>('outboxRetryLater', 3, `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('XACK', KEYS[2], '${GROUP}', ARGV[3])
redis.call('XDEL', KEYS[2], ARGV[3])
redis.call('HINCRBY', KEYS[3], 'retried', 1)
return 1
`);

/** KEYS dead, stream, stats. ARGV record, entry id. */
const GIVE_UP = luaScript<ScriptArg[]>('outboxGiveUp', 3, `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, 999)
redis.call('XACK', KEYS[2], '${GROUP}', ARGV[2])
redis.call('XDEL', KEYS[2], ARGV[2])
redis.call('HINCRBY', KEYS[3], 'failed', 1)
return 1
`);

/** KEYS retry, stream. ARGV now, limit. Moves due retries back into the stream, atomically. */
const PROMOTE = luaScript<ScriptArg[]>('outboxPromote', 2, `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do
  redis.call('ZREM', KEYS[1], member)
  local e = cjson.decode(member)
  redis.call('XADD', KEYS[2], '*', 'id', e.id, 'mail', e.mail, 'attempt', tostring(e.attempt))
end
return #due
`);

/** Where a message's own keys live (`key`, `sent`, `lock`): one hash tag per message. */
export function mailMessageKey(keys: Keyspace, id: string, suffix: 'key' | 'sent' | 'lock'): string {
  return keys.global(`mail-msg:${id}`, suffix);
}

export interface OutboxOptions {
  /** Delivery attempts before giving up (MAIL_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** First retry delay (MAIL_RETRY_BASE_MS), doubled at each attempt. */
  retryBaseMs: number;
  /** How often an idle worker looks for work (ms). Default 250. */
  pollMs?: number;
  /** An entry left unacknowledged this long by a dead instance is taken over (ms). Default 60 s. */
  claimIdleMs?: number;
  /** A send that takes longer counts as failed (ms). Default 30 s. */
  sendTimeoutMs?: number;
  /** This instance's name in the consumer group. */
  consumer?: string;
}

export interface OutboxStats {
  queued: number;
  sent: number;
  retried: number;
  failed: number;
  duplicates: number;
  /** Waiting in the stream or for a retry right now. */
  pending: number;
}

interface Entry {
  entryId: string;
  id: string;
  mail: string;
  attempt: number;
}

export class Outbox {
  private readonly k: (suffix: string) => string;
  private readonly m: (id: string, suffix: 'key' | 'sent' | 'lock') => string;
  private readonly opts: Required<OutboxOptions>;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private groupReady = false;
  private lastClaim = 0;

  constructor(
    private readonly redis: RedisClient,
    keys: Keyspace,
    private readonly transport: MailTransport,
    private readonly logger: Logger,
    opts: OutboxOptions,
  ) {
    this.k = (suffix) => keys.global('mail', suffix);
    this.m = (id, suffix) => mailMessageKey(keys, id, suffix);
    this.opts = {
      pollMs: 250,
      claimIdleMs: 60_000,
      sendTimeoutMs: 30_000,
      consumer: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      ...opts,
    };
  }

  get transportKind(): MailTransport['kind'] {
    return this.transport.kind;
  }

  /** Queues one message; `false` when a message with this id was queued before (nothing is added). */
  async enqueue(mail: OutgoingMail): Promise<boolean> {
    // A step that timed out on the client may still have been applied by Redis ("maybe applied"): each
    // step is retried, and each recognises its own earlier success (see the top of this file), so the
    // message is queued once and the caller is told so, whichever attempt queued it.
    const token = randomUUID();
    const member = `${token}:${mail.id}`;
    const json = JSON.stringify(mail);
    const marker = this.m(mail.id, 'key');
    const journalAt = String(await this.retrying(() => JOURNAL.run(this.redis, this.k('enqueuing'), member)));
    const marked = Number(await this.retrying(() => MARK.run(this.redis, marker, token, String(MARKER_TTL_SECONDS), json, journalAt, String(MARK_WITHIN_MS))));
    if (marked === -1) {
      await this.redis.zrem(this.k('enqueuing'), member).catch(() => undefined);
      throw new Error('e-mail not queued: the enqueue took too long (Redis unavailable?)');
    }
    if (marked === 0) {
      await this.retrying(() => DUPLICATE.run(this.redis, this.k('enqueuing'), this.k('stats'), member));
      return false;
    }
    if (marked === 1) await this.retrying(() => ADD.run(this.redis, this.k('enqueuing'), this.k('stream'), this.k('stats'), member, mail.id, json));
    else await this.redis.zrem(this.k('enqueuing'), member).catch(() => undefined);
    // Best effort: the delivery drops the marker's copy of the message too.
    await CONFIRM.run(this.redis, marker, token).catch(() => undefined);
    this.logger.info({ mailId: mail.id, kind: mail.kind, caseRef: mail.reference, to: maskEmail(mail.to) }, 'e-mail queued');
    this.wake?.();
    return true;
  }

  private retrying<T>(step: () => Promise<T>): Promise<T> {
    return retryWhileUnavailable(step, ENQUEUE_RETRIES);
  }

  /**
   * Queues the messages of enqueue calls that died after marking them (journal entries older than
   * 30 s whose marker holds their token), and drops journal entries nobody will finish. Returns how
   * many it queued.
   */
  async recover(): Promise<number> {
    const flat = (await STALE.run(this.redis, this.k('enqueuing'), String(RECOVER_AFTER_MS), '50')) as string[];
    let queued = 0;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const member = flat[i];
      const age = Number(flat[i + 1]);
      const colon = member.indexOf(':');
      const token = member.slice(0, colon);
      const id = member.slice(colon + 1);
      const marker = await this.redis.hgetall(this.m(id, 'key'));
      if (marker.t === token && marker.q !== '1' && marker.mail) {
        if (Number(await ADD.run(this.redis, this.k('enqueuing'), this.k('stream'), this.k('stats'), member, id, marker.mail)) === 1) {
          queued++;
          this.logger.warn({ mailId: id }, 'e-mail queued by the recovery (the call that marked it did not finish)');
        }
        await CONFIRM.run(this.redis, this.m(id, 'key'), token);
      } else if (marker.t || age > ABANDON_AFTER_MS) {
        // Queued already, another call's message, or a call that never marked it (and now never will).
        await this.redis.zrem(this.k('enqueuing'), member);
      }
    }
    if (queued) this.wake?.();
    return queued;
  }

  async stats(): Promise<OutboxStats> {
    const [h, len, retry] = await Promise.all([this.redis.hgetall(this.k('stats')), this.redis.xlen(this.k('stream')), this.redis.zcard(this.k('retry'))]);
    const n = (x: string | undefined) => Number(x ?? 0);
    return { queued: n(h.queued), sent: n(h.sent), retried: n(h.retried), failed: n(h.failed), duplicates: n(h.duplicates), pending: len + retry };
  }

  /** Starts delivering in the background (one loop per instance). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Stops after the message being delivered (if any), waiting at most `timeoutMs` (shutdown must stay
   * quick): a send still running then is abandoned, and another instance takes the message over once
   * its lock expires. What is still queued stays in Redis.
   */
  async stop(timeoutMs = 3000): Promise<void> {
    this.running = false;
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.loop = undefined;
  }

  /** One pass: promote due retries, take over abandoned entries, deliver new ones. Returns how many were handled. */
  async tick(): Promise<number> {
    await this.ensureGroup();
    await PROMOTE.run(this.redis, this.k('retry'), this.k('stream'), String(Date.now()), '100');
    let handled = 0;
    if (Date.now() - this.lastClaim >= Math.min(this.opts.claimIdleMs, 5000)) {
      this.lastClaim = Date.now();
      handled += await this.recover();
      const claimed = (await this.redis.xautoclaim(this.k('stream'), GROUP, this.opts.consumer, this.opts.claimIdleMs, '0-0', 'COUNT', 10)) as [string, [string, string[]][]];
      for (const e of parseEntries(claimed[1] ?? [])) {
        if (!this.running && handled > 0) break;
        await this.handle(e);
        handled++;
      }
    }
    const read = (await this.redis.xreadgroup('GROUP', GROUP, this.opts.consumer, 'COUNT', 10, 'STREAMS', this.k('stream'), '>')) as [string, [string, string[]][]][] | null;
    for (const e of parseEntries(read?.[0]?.[1] ?? [])) {
      await this.handle(e);
      handled++;
    }
    return handled;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.tick();
        failures = 0;
      } catch (err) {
        failures++;
        if (failures === 1 || failures % 20 === 0) this.logger.warn({ err: (err as Error).message }, 'outbox unavailable; will retry');
      }
      if (!this.running) break;
      if (handled === 0) await this.sleep(failures ? Math.min(1000 * failures, 5000) : this.opts.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  private async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    try {
      await this.redis.xgroup('CREATE', this.k('stream'), GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!/BUSYGROUP/.test((err as Error).message)) throw err;
    }
    this.groupReady = true;
  }

  private async handle(e: Entry): Promise<void> {
    const consumer = this.opts.consumer;
    const ttl = String(MARKER_TTL_SECONDS);
    const [sent, lock, marker] = [this.m(e.id, 'sent'), this.m(e.id, 'lock'), this.m(e.id, 'key')];
    const stream = this.k('stream');
    const stats = this.k('stats');
    // `sent` checked and `lock` taken at once: whoever delivered it wrote `sent` before giving the lock back.
    const took = Number(await TAKE.run(this.redis, sent, lock, consumer, String(this.opts.sendTimeoutMs + 5000)));
    if (took === 0) return; // Another instance is sending it right now; the entry stays pending.
    if (took === 2) {
      await DONE.run(this.redis, stream, stats, e.entryId, '0');
      return;
    }
    let mail: OutgoingMail;
    try {
      mail = JSON.parse(e.mail) as OutgoingMail;
    } catch {
      await UNLOCK.run(this.redis, lock, consumer);
      await GIVE_UP.run(this.redis, this.k('dead'), stream, stats, JSON.stringify({ id: e.id, error: 'unreadable entry' }), e.entryId);
      this.logger.error({ mailId: e.id }, 'e-mail dropped: unreadable outbox entry');
      return;
    }
    const attempt = e.attempt + 1;
    const log = { mailId: mail.id, kind: mail.kind, caseRef: mail.reference, to: maskEmail(mail.to), attempt };
    try {
      await withTimeout(this.transport.send(mail), this.opts.sendTimeoutMs);
    } catch (err) {
      const error = describeError(err);
      // Given back first: the entry is still pending for this consumer alone (no other instance reads it
      // before it is idle for `claimIdleMs`), and its retry, once in the stream, finds the lock free.
      // A crash right after: the entry is claimed again once idle, and sent (it was not).
      await UNLOCK.run(this.redis, lock, consumer);
      if (attempt >= this.opts.maxAttempts) {
        await GIVE_UP.run(this.redis, this.k('dead'),
          stream,
          stats,
          JSON.stringify({ id: mail.id, kind: mail.kind, reference: mail.reference, to: maskEmail(mail.to), error, at: new Date().toISOString() }),
          e.entryId,
        );
        this.logger.error({ ...log, err: error }, 'e-mail given up after the last attempt');
      } else {
        const delay = Math.min(this.opts.retryBaseMs * 2 ** (attempt - 1), MAX_BACKOFF_MS) * (0.8 + Math.random() * 0.4);
        const member = JSON.stringify({ id: e.id, mail: e.mail, attempt, n: randomUUID().slice(0, 8) });
        await RETRY_LATER.run(this.redis, this.k('retry'), stream, stats, String(Math.round(Date.now() + delay)), member, e.entryId);
        this.logger.warn({ ...log, err: error, retryInMs: Math.round(delay) }, 'e-mail not delivered; will retry');
      }
      return;
    }
    await SENT.run(this.redis, sent, lock, marker, ttl, consumer);
    await DONE.run(this.redis, stream, stats, e.entryId, '1');
    this.logger.info(log, 'e-mail delivered');
  }
}

function parseEntries(raw: [string, string[] | null][]): Entry[] {
  const out: Entry[] = [];
  for (const [entryId, fields] of raw) {
    if (!fields) continue; // deleted meanwhile
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
    out.push({ entryId, id: f.id ?? entryId, mail: f.mail ?? '', attempt: Number(f.attempt ?? 0) || 0 });
  }
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`send timed out after ${ms} ms`)), ms);
    }),
  ]);
}

/** The transport's error without any address in it (SMTP replies may quote the recipient). */
function describeError(err: unknown): string {
  const e = err as { message?: string; responseCode?: number; code?: string };
  const msg = `${e.code ? `${e.code} ` : ''}${e.responseCode ? `${e.responseCode} ` : ''}${e.message ?? String(err)}`;
  return msg.replace(/[^\s<>()"',;:]+@[^\s<>()"',;:]+/g, (a) => maskEmail(a)).slice(0, 300);
}
