import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { SubjectRateLimiter } from '../../storage/rateLimit';
import type { RedisClient } from '../../storage/redisClient';
import type { Keyspace } from '../../storage/keys';

/*
 * Rate limits of the embedded Direct Line channel, counted in Redis so that they hold across
 * instances. Subjects: the conversation of the token (most routes) or the client's address (routes
 * that come before a token, and a coarse cap on the rest).
 *
 * The address is the TCP peer. Behind a reverse proxy every visitor shares the proxy's address, so
 * the per-address limits are generous; the per-conversation ones do the real work.
 *
 * These are abuse limits, not conversation pacing: the bot itself asks a user who types too fast
 * to slow down (RATE_LIMIT_MESSAGES_PER_MINUTE).
 */

export const DEFAULT_LIMITS = {
  /** Anonymous widget tokens, per address. */
  widgetToken: { points: 60, duration: 60 },
  /** Token generation with the secret: failed attempts per address (successes are not counted). */
  generateFailures: { points: 20, duration: 300 },
  /** Token refresh, per conversation. */
  refresh: { points: 30, duration: 60 },
  /** Start / reconnect, per conversation. */
  conversation: { points: 60, duration: 60 },
  /** Activities posted, per conversation. */
  post: { points: 120, duration: 60 },
  /** Activities read by polling, per conversation (directlinejs polls once a second). */
  poll: { points: 600, duration: 60 },
  /** Uploads, per conversation. */
  upload: { points: 20, duration: 60 },
  /** WebSocket connections, per conversation. */
  stream: { points: 60, duration: 60 },
  /** Attachment downloads, per address. */
  download: { points: 300, duration: 60 },
  /** Any Direct Line request, per address. */
  address: { points: 1200, duration: 60 },
} as const;

export type LimitName = keyof typeof DEFAULT_LIMITS;
export type LimitSettings = Record<LimitName, { points: number; duration: number }>;

export class RateLimitedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many requests');
  }
}

export class Limits {
  private readonly limiters = new Map<LimitName, RateLimiterRedis>();

  constructor(redis: RedisClient, keys: Keyspace, settings: Partial<LimitSettings> = {}) {
    for (const name of Object.keys(DEFAULT_LIMITS) as LimitName[]) {
      const { points, duration } = settings[name] ?? DEFAULT_LIMITS[name];
      this.limiters.set(
        name,
        // Each subject's counter in its own Cluster slot (src/storage/rateLimit.ts).
        new SubjectRateLimiter(redis, keys, `dl-${name}`, { points, duration }),
      );
    }
  }

  /** Takes one point; throws RateLimitedError when the subject is over its limit. Redis errors propagate. */
  async consume(name: LimitName, subject: string): Promise<void> {
    try {
      await this.limiters.get(name)!.consume(subject);
    } catch (res) {
      if (res instanceof RateLimiterRes) throw new RateLimitedError(Math.max(1, Math.ceil(res.msBeforeNext / 1000)));
      throw res;
    }
  }

  /** True when the subject is already over the limit (without taking a point). */
  async exceeded(name: LimitName, subject: string): Promise<number | undefined> {
    const limiter = this.limiters.get(name)!;
    const res = await limiter.get(subject);
    if (res && res.consumedPoints >= limiter.points) return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    return undefined;
  }

  /** Takes one point without throwing (to count failures). */
  async penalise(name: LimitName, subject: string): Promise<void> {
    await this.limiters.get(name)!.penalty(subject, 1);
  }
}
