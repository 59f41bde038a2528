/**
 * The outbox: e-mails wait in Redis until a worker has delivered them, so sending never blocks a turn
 * and a restart loses nothing queued.
 *
 * Keys (one hash tag, `{mail}`, so every script touches one Redis Cluster slot):
 *   stream       Redis Stream of messages to deliver, read through the consumer group `senders`
 *   retry        sorted set: messages waiting for their next attempt, score = due time (ms)
 *   dead         list of messages given up after MAIL_MAX_ATTEMPTS (id, kind, masked address, error)
 *   key:<id>     "this message was queued", holding the enqueuing call's token (idempotency: a second
 *                enqueue with the same id is a no-op; the same call retried after a timeout is told
 *                that its own earlier attempt queued it)
 *   sent:<id>    "this message was delivered" (a message claimed again after a crash is not re-sent)
 *   lock:<id>    the instance delivering it right now (two instances never send one message at once)
 *   stats        counters: queued, sent, retried, failed (given up), duplicates
 *
 * Exactly one delivery: the consumer group hands each entry to one instance; an entry whose instance
 * died before acknowledging it is claimed by another after `claimIdleMs` (XAUTOCLAIM), which first
 * checks `sent:<id>` and takes `lock:<id>`. The SMTP Message-ID is derived from the id, so even the
 * one window no queue can close (the server accepted the message and the instance died before
 * writing `sent:<id>`) gives the receiving server a duplicate it can recognise.
 *
 * Retries: attempt n waits `retryBaseMs × 2^(n-1)` (± 20 %, at most 10 minutes); after `maxAttempts`
 * the message goes to `dead`, is logged as an error and counted.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logger';
import type { Keyspace } from '../../storage/keys';
import type { RedisClient } from '../../storage/redisClient';
import { maskEmail } from './address';
import type { MailTransport, OutgoingMail } from './types';

const GROUP = 'senders';
/** How long "queued" and "sent" markers are kept (a message re-queued after that would be sent again). */
const MARKER_TTL_SECONDS = 30 * 24 * 3600;
const MAX_BACKOFF_MS = 10 * 60 * 1000;
/** Pauses before the retries of an enqueue that failed or timed out (ms). */
const ENQUEUE_RETRIES = [100, 400];

/**
 * KEYS key, stream, stats. ARGV ttl, id, mail JSON, the call's token. 1 = queued (now, or by an earlier
 * attempt of the same call), 0 = already queued by another call.
 */
const ENQUEUE = `
local held = redis.call('GET', KEYS[1])
if held then
  if held == ARGV[4] then return 1 end
  redis.call('HINCRBY', KEYS[3], 'duplicates', 1)
  return 0
end
redis.call('SET', KEYS[1], ARGV[4], 'EX', ARGV[1])
redis.call('XADD', KEYS[2], '*', 'id', ARGV[2], 'mail', ARGV[3], 'attempt', '0')
redis.call('HINCRBY', KEYS[3], 'queued', 1)
return 1
`;

/** KEYS sent, stream, lock, stats. ARGV ttl, entry id, consumer, count (1 = it was a delivery). */
const DONE = `
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
redis.call('XACK', KEYS[2], '${GROUP}', ARGV[2])
redis.call('XDEL', KEYS[2], ARGV[2])
if redis.call('GET', KEYS[3]) == ARGV[3] then redis.call('DEL', KEYS[3]) end
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[4], 'sent', 1) end
return 1
`;

/** KEYS retry, stream, lock, stats. ARGV due, member, entry id, consumer. */
const RETRY_LATER = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('XACK', KEYS[2], '${GROUP}', ARGV[3])
redis.call('XDEL', KEYS[2], ARGV[3])
if redis.call('GET', KEYS[3]) == ARGV[4] then redis.call('DEL', KEYS[3]) end
redis.call('HINCRBY', KEYS[4], 'retried', 1)
return 1
`;

/** KEYS dead, stream, lock, stats. ARGV record, entry id, consumer. */
const GIVE_UP = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, 999)
redis.call('XACK', KEYS[2], '${GROUP}', ARGV[2])
redis.call('XDEL', KEYS[2], ARGV[2])
if redis.call('GET', KEYS[3]) == ARGV[3] then redis.call('DEL', KEYS[3]) end
redis.call('HINCRBY', KEYS[4], 'failed', 1)
return 1
`;

/** KEYS retry, stream. ARGV now, limit. Moves due retries back into the stream, atomically. */
const PROMOTE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do
  redis.call('ZREM', KEYS[1], member)
  local e = cjson.decode(member)
  redis.call('XADD', KEYS[2], '*', 'id', e.id, 'mail', e.mail, 'attempt', tostring(e.attempt))
end
return #due
`;

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
    // A call that timed out on the client may still have been applied by Redis ("maybe applied"):
    // it is retried with the same token, and the script recognises its own earlier success, so the
    // message is queued once and the caller is told so, whichever attempt queued it.
    const token = randomUUID();
    const args = [this.k(`key:${mail.id}`), this.k('stream'), this.k('stats'), String(MARKER_TTL_SECONDS), mail.id, JSON.stringify(mail), token] as const;
    let queued: unknown;
    for (let attempt = 0; ; attempt++) {
      try {
        queued = await this.redis.eval(ENQUEUE, 3, ...args);
        break;
      } catch (err) {
        if (attempt >= ENQUEUE_RETRIES.length) throw err;
        await new Promise((r) => setTimeout(r, ENQUEUE_RETRIES[attempt]));
      }
    }
    if (queued === 1) {
      this.logger.info({ mailId: mail.id, kind: mail.kind, caseRef: mail.reference, to: maskEmail(mail.to) }, 'e-mail queued');
      this.wake?.();
    }
    return queued === 1;
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
    await this.redis.eval(PROMOTE, 2, this.k('retry'), this.k('stream'), String(Date.now()), '100');
    let handled = 0;
    if (Date.now() - this.lastClaim >= Math.min(this.opts.claimIdleMs, 5000)) {
      this.lastClaim = Date.now();
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
    const keys = (...names: string[]) => names.map((n) => this.k(n));
    const locked = await this.redis.set(this.k(`lock:${e.id}`), consumer, 'PX', this.opts.sendTimeoutMs + 5000, 'NX');
    if (locked !== 'OK') return; // Another instance is sending it right now; the entry stays pending.
    // Checked under the lock: whoever delivered it wrote `sent` before releasing the lock.
    if (await this.redis.exists(this.k(`sent:${e.id}`))) {
      await this.redis.eval(DONE, 4, ...keys(`sent:${e.id}`, 'stream', `lock:${e.id}`, 'stats'), ttl, e.entryId, consumer, '0');
      return;
    }
    let mail: OutgoingMail;
    try {
      mail = JSON.parse(e.mail) as OutgoingMail;
    } catch {
      await this.redis.eval(GIVE_UP, 4, ...keys('dead', 'stream', `lock:${e.id}`, 'stats'), JSON.stringify({ id: e.id, error: 'unreadable entry' }), e.entryId, consumer);
      this.logger.error({ mailId: e.id }, 'e-mail dropped: unreadable outbox entry');
      return;
    }
    const attempt = e.attempt + 1;
    const log = { mailId: mail.id, kind: mail.kind, caseRef: mail.reference, to: maskEmail(mail.to), attempt };
    try {
      await withTimeout(this.transport.send(mail), this.opts.sendTimeoutMs);
    } catch (err) {
      const error = describeError(err);
      if (attempt >= this.opts.maxAttempts) {
        await this.redis.eval(
          GIVE_UP,
          4,
          ...keys('dead', 'stream', `lock:${e.id}`, 'stats'),
          JSON.stringify({ id: mail.id, kind: mail.kind, reference: mail.reference, to: maskEmail(mail.to), error, at: new Date().toISOString() }),
          e.entryId,
          consumer,
        );
        this.logger.error({ ...log, err: error }, 'e-mail given up after the last attempt');
      } else {
        const delay = Math.min(this.opts.retryBaseMs * 2 ** (attempt - 1), MAX_BACKOFF_MS) * (0.8 + Math.random() * 0.4);
        const member = JSON.stringify({ id: e.id, mail: e.mail, attempt, n: randomUUID().slice(0, 8) });
        await this.redis.eval(RETRY_LATER, 4, ...keys('retry', 'stream', `lock:${e.id}`, 'stats'), String(Math.round(Date.now() + delay)), member, e.entryId, consumer);
        this.logger.warn({ ...log, err: error, retryInMs: Math.round(delay) }, 'e-mail not delivered; will retry');
      }
      return;
    }
    await this.redis.eval(DONE, 4, ...keys(`sent:${e.id}`, 'stream', `lock:${e.id}`, 'stats'), ttl, e.entryId, consumer, '1');
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
