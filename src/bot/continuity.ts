import { ActivityTypes, ConversationState, Middleware, StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { CaseRepository } from '../cases/types';
import type { Logger } from '../logger';
import { durabilityFor } from '../storage/durability';
import { isStorageUnavailable } from '../storage/errors';
import type { Keyspace } from '../storage/keys';
import type { RedisClient } from '../storage/redisClient';
import { luaScript } from '../storage/scripts';
import { DIALOG_STATE } from './conversationData';
import { tr } from './turnContext';
import { turnHandle } from '../storage/conversationState';

/**
 * KEYS[1] the conversation's turn record (field `n`, see src/storage/turnGate.ts). ARGV[1] turn
 * number, ARGV[2] TTL in s (0: none). Keeps the highest number.
 */
const RAISE = luaScript<[marker: string, seq: string, ttlSeconds: string], number>('turnMarkerRaise', 1, `
local cur = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if tonumber(ARGV[1]) > cur then redis.call('HSET', KEYS[1], 'n', ARGV[1]) end
if tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return cur
`);

interface Continuity {
  /** Turns of this conversation whose state was saved. */
  seq?: number;
}

const CONTINUITY = 'continuity';
export const LOST_TRACK = Symbol('lostTrack');

export interface ContinuityOptions {
  conversationState: ConversationState;
  redis: RedisClient;
  keys: Keyspace;
  cases: CaseRepository;
  logger: Logger;
  /** Same as the conversation state's sliding TTL (0: none). */
  ttlSeconds: number;
  /** How long an unconfirmed marker is retried in the background (default 30 s). */
  retryForMs?: number;
}

/**
 * Notices a conversation whose state was lost (a failover threw away its last writes, so the state
 * went back a few turns, or to nothing), instead of restarting it silently.
 *
 * Each saved turn numbers itself in the state (`continuity.seq`) and then raises a small marker kept
 * apart from the state (field `n` of `conv:{id}:turn`) to that number, durably (src/storage/durability.ts: the
 * replicas have the marker, hence the state written before it). When that cannot be confirmed, this
 * instance keeps raising the marker in the background until it lands (on the new master, after a
 * failover). A turn that finds the marker ahead of its state knows the state is older than what the
 * customer saw: it says it lost track of the last few messages, names the customer's latest recorded
 * request if there is one, and handles the message on a fresh dialog stack.
 */
export class ContinuityMiddleware implements Middleware {
  private readonly data: StatePropertyAccessor<Continuity>;
  private readonly dialogState: StatePropertyAccessor<unknown>;
  private readonly pending = new Map<string, { seq: number; since: number }>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly opts: ContinuityOptions) {
    this.data = opts.conversationState.createProperty<Continuity>(CONTINUITY);
    this.dialogState = opts.conversationState.createProperty(DIALOG_STATE);
  }

  private markerKey(conversationId: string): string {
    return this.opts.keys.conversation(conversationId, 'turn');
  }

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const a = context.activity;
    const conversationId = a.conversation?.id;
    if (a.type !== ActivityTypes.Message || !conversationId) return next();
    const data = await this.data.get(context, {});
    // Read with the lock (src/storage/turnGate.ts), or on its own outside the gate.
    const handle = turnHandle(context);
    const marker = handle ? handle.storedMarker : Number((await this.opts.redis.hget(this.markerKey(conversationId), 'n')) ?? 0);
    const seq = data.seq ?? 0;
    if (marker > seq) {
      this.opts.logger.warn({ conversationId, stateTurn: seq, markerTurn: marker }, 'conversation state went back: lost track');
      context.turnState.set(LOST_TRACK, true);
      await this.dialogState.delete(context);
      await context.sendActivity(await this.lostTrackMessage(context));
    }
    data.seq = Math.max(seq, marker) + 1;
    await next();
    // The state is saved (bot.run ends with saveChanges): the marker follows it, in the turn's commit
    // (same script as the state, then WAIT; when WAIT falls short, `confirmLater` raises it again).
    if (handle) handle.marker = data.seq;
    else await this.raise(conversationId, data.seq);
  }

  /** A committed turn whose replication was not confirmed: its marker is raised again until it lands. */
  confirmLater(conversationId: string, seq: number): void {
    const prev = this.pending.get(conversationId);
    this.pending.set(conversationId, { seq: Math.max(seq, prev?.seq ?? 0), since: prev?.since ?? Date.now() });
    this.schedule();
  }

  private async lostTrackMessage(context: TurnContext): Promise<string> {
    const t = tr(context);
    const a = context.activity;
    try {
      const [latest] = await this.opts.cases.listByOwner({ channelId: a.channelId, userId: a.from?.id ?? 'unknown' }, { limit: 1 });
      if (latest) {
        return t('common:continuity.lostTrackWithCase', {
          reference: latest.reference,
          topic: t(`status:topics.${latest.topic}`),
          status: t(`status:statuses.${latest.status}`),
        });
      }
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'could not list cases after losing track');
    }
    return t('common:continuity.lostTrack');
  }

  private async raise(conversationId: string, seq: number): Promise<void> {
    const key = this.markerKey(conversationId);
    try {
      await durabilityFor(this.opts.redis).write(key, (p) => RAISE.queue(p, key, String(seq), String(this.opts.ttlSeconds)));
      this.pending.delete(conversationId);
    } catch (err) {
      if (!isStorageUnavailable(err)) throw err;
      // The turn is answered; its marker is raised later, wherever the master is then.
      const prev = this.pending.get(conversationId);
      this.pending.set(conversationId, { seq: Math.max(seq, prev?.seq ?? 0), since: prev?.since ?? Date.now() });
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.retryPending();
    }, 250);
    this.timer.unref();
  }

  private async retryPending(): Promise<void> {
    const retryFor = this.opts.retryForMs ?? 30000;
    for (const [conversationId, { seq, since }] of [...this.pending]) {
      if (Date.now() - since > retryFor) {
        this.pending.delete(conversationId);
        this.opts.logger.warn({ conversationId, turn: seq }, 'turn marker could not be confirmed: given up');
        continue;
      }
      await this.raise(conversationId, seq).catch(() => undefined);
    }
  }

  /** Markers still waiting for confirmation (tests, shutdown). */
  pendingCount(): number {
    return this.pending.size;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
