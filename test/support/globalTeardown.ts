import type { PrivateRedis } from './redisServer';

export default async function globalTeardown(): Promise<void> {
  const redis = (globalThis as Record<string, unknown>).__TEST_REDIS__ as PrivateRedis | undefined;
  if (redis) await redis.stop();
}
