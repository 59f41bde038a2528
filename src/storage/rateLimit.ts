import { RateLimiterRedis } from 'rate-limiter-flexible';
import { encodeKeyPart, type Keyspace } from './keys';
import type { RedisClient } from './redisClient';

/**
 * A rate limiter (rate-limiter-flexible on Redis) whose counters are spread over the Redis Cluster:
 * every subject (a conversation, an address, a name) gets its own hash tag, `${prefix}:rl:<name>:{<subject>}`,
 * instead of every counter of every limit sharing one `{ratelimit}` slot (an unbounded key family on
 * one node). Each counter is a single key, so its scripts stay Cluster-safe.
 */
export class SubjectRateLimiter extends RateLimiterRedis {
  constructor(
    redis: RedisClient,
    private readonly keys: Keyspace,
    name: string,
    opts: Omit<ConstructorParameters<typeof RateLimiterRedis>[0], 'storeClient' | 'keyPrefix'>,
  ) {
    super({ ...opts, storeClient: redis, keyPrefix: `${keys.prefix}:rl:${encodeKeyPart(name)}` });
  }

  override getKey(key: string | number): string {
    return `${this.keyPrefix}:${this.keys.tag(String(key))}`;
  }

  override parseKey(rlKey: string): string {
    return rlKey.slice(this.keyPrefix.length + 1);
  }
}
