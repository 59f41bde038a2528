import { startRedis } from './redisServer';

/** Starts the private Redis the whole test run shares; workers read its URL from the environment. */
export default async function globalSetup(): Promise<void> {
  const redis = await startRedis();
  process.env.TEST_REDIS_URL = redis.url;
  process.env.TEST_REDIS_PORT = String(redis.port);
  (globalThis as Record<string, unknown>).__TEST_REDIS__ = redis;
}
