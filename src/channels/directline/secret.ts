import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../../storage/redisClient';
import type { Keyspace } from '../../storage/keys';

/**
 * The Direct Line secret: DIRECTLINE_SECRET when set; otherwise one generated on first start and
 * kept in Redis (`SET NX`, no expiry), so every instance on the same Redis signs and checks tokens
 * with the same secret, and a restart does not log everybody out.
 *
 * Why Redis rather than deriving it from something: every instance already trusts that Redis with the
 * conversations themselves, and there is nothing else all instances share that is secret. The cost:
 * a Redis flush changes the secret (open widgets then start a new conversation) and anyone who can
 * read Redis can read it. Production deployments that let a host site generate tokens should set
 * DIRECTLINE_SECRET, since the host site has to know it.
 *
 * The secret is never logged; `source` says where it came from.
 */
export async function resolveDirectLineSecret(
  configured: string | undefined,
  redis: RedisClient,
  keys: Keyspace,
): Promise<{ secret: string; source: 'config' | 'redis' | 'generated' }> {
  if (configured) return { secret: configured, source: 'config' };
  const key = keys.global('directline', 'secret');
  const candidate = randomBytes(32).toString('base64url');
  const set = await redis.set(key, candidate, 'NX');
  if (set === 'OK') return { secret: candidate, source: 'generated' };
  const existing = await redis.get(key);
  if (!existing || existing.length < 32) throw new Error('Direct Line: the shared secret in Redis is missing or too short');
  return { secret: existing, source: 'redis' };
}
