import { randomBytes } from 'node:crypto';
import type { RedisClient } from './redisClient';
import { luaScript } from './scripts';
import type { Keyspace } from './keys';

export interface TurnLockOptions {
  /** How long the lock lives in Redis without renewal (default 8000 ms): a crashed holder blocks the conversation at most this long. */
  ttlMs?: number;
  /** How long `withLock` waits for a busy lock before throwing LockTimeoutError (default 10000 ms). */
  waitMs?: number;
  /** How often a held lock is renewed (default ttlMs / 3). */
  renewEveryMs?: number;
  /** Polling while waiting: first delay, doubled up to retryMaxMs, each with jitter (defaults 5 and 100 ms). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Called when a renewal finds the lock gone or taken (the turn ran past the ttl without renewal). */
  onLockLost?: (conversationId: string) => void;
  /** Called with an error from a renewal or a release (the turn itself is not failed by them). */
  onError?: (err: unknown, conversationId: string) => void;
}

/** The lock of a conversation stayed busy for the whole wait. */
export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
  constructor(
    readonly conversationId: string,
    readonly waitedMs: number,
  ) {
    super(`Turn lock of conversation "${conversationId}" still busy after ${waitedMs} ms`);
  }
}

/** A lock this process holds. */
export interface LockHandle {
  readonly conversationId: string;
  readonly token: string;
  /** True once a renewal found the lock gone or held by someone else. */
  readonly lost: boolean;
  /** Extends the lock by ttlMs; false when it is no longer ours. */
  renew(): Promise<boolean>;
  /** Stops renewal and deletes the lock if it is still ours; false when it was not. */
  release(): Promise<boolean>;
}

// Both check the token, so nobody can extend or delete a lock someone else holds.
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;
const RENEW_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

/** Called by hash (./scripts). */
const RELEASE = luaScript<[lock: string, token: string], number>('turnLockRelease', 1, RELEASE_LUA);
const RENEW = luaScript<[lock: string, token: string, ttlMs: number], number>('turnLockRenew', 1, RENEW_LUA);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Per-conversation mutual exclusion across every process on one Redis: `SET <lock key> <random
 * token> NX PX ttl`, polled with jittered exponential backoff until `waitMs`, renewed every
 * `renewEveryMs` while the turn runs, released by a token-checking script.
 *
 * Not re-entrant: calling `withLock` for a conversation from inside its own `withLock` waits for
 * itself and ends in LockTimeoutError.
 */
export class TurnLock {
  private readonly client: RedisClient;
  private readonly ttlMs: number;
  private readonly waitMs: number;
  private readonly renewEveryMs: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;

  constructor(
    client: RedisClient,
    private readonly keys: Keyspace,
    private readonly opts: TurnLockOptions = {},
  ) {
    this.ttlMs = Math.ceil(positive('ttlMs', opts.ttlMs ?? 8000));
    this.waitMs = nonNegative('waitMs', opts.waitMs ?? 10000);
    this.renewEveryMs = positive('renewEveryMs', opts.renewEveryMs ?? Math.max(1, Math.floor(this.ttlMs / 3)));
    if (this.renewEveryMs >= this.ttlMs) throw new Error('TurnLock: renewEveryMs must be shorter than ttlMs');
    this.retryMinMs = positive('retryMinMs', opts.retryMinMs ?? 5);
    this.retryMaxMs = Math.max(this.retryMinMs, positive('retryMaxMs', opts.retryMaxMs ?? 100));
    this.client = client;
  }

  /** Runs `fn` while holding the conversation's lock; always releases it, whatever `fn` does. */
  async withLock<T>(conversationId: string, fn: () => Promise<T>): Promise<T> {
    const handle = await this.acquire(conversationId);
    try {
      return await fn();
    } finally {
      await handle.release().catch((err: unknown) => this.opts.onError?.(err, conversationId));
    }
  }

  /** Takes the lock once, without waiting; null when someone holds it. */
  async tryAcquire(conversationId: string): Promise<LockHandle | null> {
    const key = this.keys.lock(conversationId);
    const token = randomBytes(16).toString('hex');
    const ok = await this.client.set(key, token, 'PX', this.ttlMs, 'NX');
    return ok === 'OK' ? this.hold(conversationId, key, token) : null;
  }

  /**
   * Waits for the lock up to `waitMs`, then throws LockTimeoutError. A Redis error is thrown as is,
   * at once (the client fails fast while Redis is down).
   */
  async acquire(conversationId: string, waitMs = this.waitMs): Promise<LockHandle> {
    const started = Date.now();
    const deadline = started + waitMs;
    for (let attempt = 0; ; attempt++) {
      const handle = await this.tryAcquire(conversationId);
      if (handle) return handle;
      const left = deadline - Date.now();
      if (left <= 0) throw new LockTimeoutError(conversationId, Date.now() - started);
      const cap = Math.min(this.retryMaxMs, this.retryMinMs * 2 ** Math.min(attempt, 20));
      // Jitter in [cap/2, cap]: waiters spread out instead of polling in lockstep.
      await sleep(Math.min(left, cap / 2 + Math.random() * (cap / 2)));
    }
  }

  private hold(conversationId: string, key: string, token: string): LockHandle {
    let lost = false;
    let released = false;
    let timer: NodeJS.Timeout | undefined;
    const stopRenewing = (): void => {
      if (timer) clearInterval(timer);
      timer = undefined;
    };
    const renew = async (): Promise<boolean> => {
      if (released || lost) return false;
      const ok = (await RENEW.run(this.client, key, token, this.ttlMs)) === 1;
      if (!ok && !released && !lost) {
        lost = true;
        stopRenewing();
        this.opts.onLockLost?.(conversationId);
      }
      return ok;
    };
    timer = setInterval(() => {
      renew().catch((err: unknown) => this.opts.onError?.(err, conversationId));
    }, this.renewEveryMs);
    timer.unref();
    return {
      conversationId,
      token,
      get lost() {
        return lost;
      },
      renew,
      release: async () => {
        if (released) return false;
        released = true;
        stopRenewing();
        return (await RELEASE.run(this.client, key, token)) === 1;
      },
    };
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`TurnLock: ${name} must be a number > 0`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new Error(`TurnLock: ${name} must be a number >= 0`);
  return value;
}
