// Every test worker: quiet logs, and never a Redis other than the private one.
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'silent';
if (!process.env.TEST_REDIS_URL) {
  throw new Error('TEST_REDIS_URL is not set: the jest global setup starts the private Redis');
}
