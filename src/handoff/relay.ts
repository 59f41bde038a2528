/**
 * What moves between customers and agents, through Redis, whatever instance each side is on.
 *
 * - Transcript: one stream per conversation (`desk:t`, in the conversation's hash tag), entries already redacted. Its ids are the
 *   `seq` the agent API shows.
 * - Desk events: one stream (`events`) every instance reads with a blocking XREAD and fans out to its
 *   agents' event streams. A reconnecting agent reads it again from its Last-Event-ID (XRANGE), so
 *   nothing is missed and the order is the stream's.
 * - Customer outbox: one stream per conversation (`desk:out`, in the conversation's hash tag) plus a
 *   cursor (`desk:cur`, the last id delivered). Any instance may deliver; a short Redis lock per conversation makes one deliverer
 *   at a time, so the customer gets the entries in order; the cursor moves after each delivery, so an
 *   entry is delivered at least once (again if an instance dies between sending and moving the
 *   cursor) and never twice otherwise. `outpending` lets any instance finish another's work.
 */
import { durabilityFor } from '../storage/durability';
import { randomUUID } from 'node:crypto';
import { redactSecrets } from '../bot/redact';
import type { Logger } from '../logger';
import type { RedisClient } from '../storage/redisClient';
import { luaScript } from '../storage/scripts';
import type { DeskStore } from './store';

export interface TranscriptAttachment {
  name: string;
  contentType: string;
  /** Proof store id, when the file was kept (signed link at read time). */
  storeId?: string;
}

export interface TranscriptEntry {
  seq: string;
  from: 'customer' | 'bot' | 'agent' | 'system';
  agent?: string;
  text: string;
  at: string;
  attachments?: TranscriptAttachment[];
  /**
   * A desk event (system entries): the console shows it in the agent's language from
   * `transcript.events.<key>` in locales/<lang>/agent.json; `text` keeps a plain English line for the record.
   */
  event?: TranscriptEvent;
}

/** Every desk event a system entry may carry (the console has a string for each). */
export const TRANSCRIPT_EVENT_KEYS = ['claimed', 'released', 'closed', 'agentSilent', 'customerStopped', 'decision'] as const;

/** What a system entry of the transcript says happened. */
export type TranscriptEvent =
  | { key: 'claimed' | 'released' | 'closed' | 'agentSilent'; vars: { agent: string } }
  | { key: 'customerStopped' }
  | { key: 'decision'; vars: { outcome: string; reason: string; note?: string } };

export type DeskEvent =
  | { type: 'queue' }
  | { type: 'message'; conversationId: string; assignedTo: string | null; entry: TranscriptEntry }
  | { type: 'typing'; conversationId: string; assignedTo: string | null }
  | { type: 'conversation'; conversationId: string; status: string; assignedTo: string | null };

export interface StoredEvent {
  id: string;
  event: DeskEvent;
}

/** What the customer is sent, in order. */
export type OutboxItem =
  | { kind: 'agent'; agent: string; text: string; seq: string }
  | { kind: 'notice'; key: string; vars?: Record<string, string | number>; stopButton?: boolean; menu?: boolean; seq?: string };

const TRANSCRIPT_MAX = 1000;
const EVENTS_MAX = 20000;
const TRANSCRIPT_TTL_SECONDS = 30 * 86400;

/** KEYS[1] a lock. ARGV[1] the holder's token. Deletes the lock only if that holder still has it. */
const RELEASE_LOCK = luaScript<[lock: string, token: string], number>(
  'relayReleaseLock',
  1,
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
);

export class Relay {
  constructor(
    private readonly store: DeskStore,
    private readonly logger: Logger,
  ) {}

  private get redis(): RedisClient {
    return this.store.redis;
  }

  // ---------------------------------------------------------------- transcript

  async append(conversationId: string, entry: Omit<TranscriptEntry, 'seq' | 'at'> & { at?: string }): Promise<TranscriptEntry> {
    const clean = { ...entry, text: redactSecrets(entry.text).text, at: entry.at ?? new Date().toISOString() };
    const key = this.store.transcriptKey(conversationId);
    if (clean.from === 'agent') {
      // An agent's message is something a person is told was sent: it must survive a failover
      // (src/storage/durability.ts). The API answers only once it resolved.
      const [seq] = await durabilityFor(this.redis).write(key, (p) =>
        p.xadd(key, 'MAXLEN', '~', String(TRANSCRIPT_MAX), '*', 'e', JSON.stringify(clean)).expire(key, TRANSCRIPT_TTL_SECONDS),
      );
      return { seq: seq as string, ...clean };
    }
    // One round trip: the entry and its expiry together.
    const replies = await this.redis.pipeline().xadd(key, 'MAXLEN', '~', String(TRANSCRIPT_MAX), '*', 'e', JSON.stringify(clean)).expire(key, TRANSCRIPT_TTL_SECONDS).exec();
    const [err, seq] = replies?.[0] ?? [new Error('desk transcript: no reply')];
    if (err) throw err;
    return { seq: seq as string, ...clean };
  }

  /** Several lines of the customer or the bot (not an agent), in order, in one round trip. */
  async appendMany(conversationId: string, entries: (Omit<TranscriptEntry, 'seq' | 'at'> & { at: string })[]): Promise<void> {
    const key = this.store.transcriptKey(conversationId);
    const p = this.redis.pipeline();
    for (const entry of entries) p.xadd(key, 'MAXLEN', '~', String(TRANSCRIPT_MAX), '*', 'e', JSON.stringify({ ...entry, text: redactSecrets(entry.text).text }));
    p.expire(key, TRANSCRIPT_TTL_SECONDS);
    const replies = (await p.exec()) ?? [];
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
  }

  async transcript(conversationId: string, limit = 500): Promise<TranscriptEntry[]> {
    const rows = await this.redis.xrevrange(this.store.transcriptKey(conversationId), '+', '-', 'COUNT', limit);
    return rows.reverse().map(([seq, fields]) => ({ seq, ...(JSON.parse(fields[1]) as Omit<TranscriptEntry, 'seq'>) }));
  }

  // ---------------------------------------------------------------- desk events

  async publish(event: DeskEvent): Promise<string> {
    return (await this.redis.xadd(this.store.key('events'), 'MAXLEN', '~', String(EVENTS_MAX), '*', 'e', JSON.stringify(event))) as string;
  }

  /** Events after `afterId` (exclusive), oldest first, at most `count`. */
  async eventsAfter(afterId: string, count = 1000): Promise<StoredEvent[]> {
    const rows = await this.redis.xrange(this.store.key('events'), `(${afterId}`, '+', 'COUNT', count);
    return rows.map(([id, fields]) => ({ id, event: JSON.parse(fields[1]) as DeskEvent }));
  }

  async lastEventId(): Promise<string> {
    const rows = await this.redis.xrevrange(this.store.key('events'), '+', '-', 'COUNT', 1);
    return rows[0]?.[0] ?? '0-0';
  }

  // ---------------------------------------------------------------- customer outbox

  async enqueueForCustomer(conversationId: string, item: OutboxItem): Promise<void> {
    const key = this.store.outKey(conversationId);
    await this.redis.xadd(key, 'MAXLEN', '~', '2000', '*', 'i', JSON.stringify(item));
    await this.redis.expire(key, TRANSCRIPT_TTL_SECONDS);
    await this.redis.sadd(this.store.key('outpending'), conversationId);
  }

  async pendingConversations(): Promise<string[]> {
    return this.redis.srandmember(this.store.key('outpending'), 100) as Promise<string[]>;
  }

  /**
   * Delivers every entry after the cursor, in order, one deliverer per conversation at a time.
   * `deliver` throws when the customer's channel refused: the entry stays for the next try.
   */
  async drain(conversationId: string, deliver: (item: OutboxItem) => Promise<void>): Promise<void> {
    const lockKey = this.store.outLockKey(conversationId);
    const curKey = this.store.cursorKey(conversationId);
    const outKey = this.store.outKey(conversationId);
    for (let round = 0; round < 20; round++) {
      const token = randomUUID();
      if ((await this.redis.set(lockKey, token, 'PX', 30000, 'NX')) !== 'OK') return; // another instance is on it; it checks again after
      let delivered = 0;
      try {
        for (;;) {
          const cursor = (await this.redis.get(curKey)) ?? '0-0';
          const rows = await this.redis.xrange(outKey, `(${cursor}`, '+', 'COUNT', 50);
          if (rows.length === 0) break;
          for (const [id, fields] of rows) {
            await deliver(JSON.parse(fields[1]) as OutboxItem);
            await this.redis.set(curKey, id, 'EX', TRANSCRIPT_TTL_SECONDS);
            delivered++;
          }
        }
      } finally {
        await RELEASE_LOCK.run(this.redis, lockKey, token);
      }
      // Anything appended while the lock was held by us and after our last read?
      const cursor = (await this.redis.get(curKey)) ?? '0-0';
      const more = await this.redis.xrange(outKey, `(${cursor}`, '+', 'COUNT', 1);
      if (more.length === 0) {
        await this.redis.srem(this.store.key('outpending'), conversationId);
        // Re-check after removing: an entry added in between must not be left without a deliverer.
        const late = await this.redis.xrange(outKey, `(${cursor}`, '+', 'COUNT', 1);
        if (late.length === 0) return;
        await this.redis.sadd(this.store.key('outpending'), conversationId);
      }
      if (delivered === 0 && round > 0) await new Promise((r) => setTimeout(r, 50));
    }
    this.logger.warn({ conversationId }, 'desk: outbox still busy after 20 rounds; the sweeper will finish');
  }
}

/**
 * One blocking reader of the desk event stream per instance, fanning out to local listeners.
 * Uses its own Redis connection (XREAD BLOCK holds it).
 */
export class EventFeed {
  private readonly listeners = new Set<(e: StoredEvent) => void>();
  private running = false;
  private reader?: RedisClient;
  private loop?: Promise<void>;

  constructor(
    private readonly redis: RedisClient,
    private readonly streamKey: string,
    private readonly logger: Logger,
    /** How long one XREAD blocks: below the client's command timeout, which applies to it too. */
    private readonly blockMs = 500,
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.reader = (this.redis as unknown as { duplicate(): RedisClient }).duplicate();
    this.reader.on('error', (err: Error) => this.logger.debug({ err: err.message }, 'desk: event reader connection error'));
    const first = await this.redis.xrevrange(this.streamKey, '+', '-', 'COUNT', 1);
    let last = first[0]?.[0] ?? '0-0';
    this.loop = (async () => {
      while (this.running) {
        try {
          const res = (await this.reader!.xread('COUNT', 500, 'BLOCK', this.blockMs, 'STREAMS', this.streamKey, last)) as [string, [string, string[]][]][] | null;
          if (!res) continue;
          for (const [id, fields] of res[0][1]) {
            last = id;
            let event: DeskEvent;
            try {
              event = JSON.parse(fields[1]) as DeskEvent;
            } catch {
              continue;
            }
            for (const l of this.listeners) l({ id, event });
          }
        } catch (err) {
          if (!this.running) break;
          this.logger.debug({ err: (err as Error).message }, 'desk: event read failed, retrying');
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    })();
  }

  subscribe(listener: (e: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.reader?.disconnect();
    await this.loop?.catch(() => undefined);
  }
}
