import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './config';
import { createApp } from './app';
import { DevRedis, ensureRedis, NoRedisError } from './devRedis';
import { createLogger } from './logger';
import { warmPaymentDateParser } from '../dialogs/slots/paidAt';

/** Process entry: config, Redis (a private one on a fresh machine), the server, graceful stop. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, undefined, { instanceId: config.instanceId });

  let devRedis: DevRedis | undefined;
  const redisConfigured = config.redis.url || config.redis.sentinels || config.redis.clusterNodes;
  if (!redisConfigured) {
    if (!config.redis.autostart) {
      config.redis.url = 'redis://127.0.0.1:6379';
    } else {
      try {
        devRedis = await ensureRedis(resolve(__dirname, __dirname.includes('/dist/') ? '../..' : '..'));
      } catch (err) {
        if (err instanceof NoRedisError) {
          process.stderr.write(`${err.message}\n`);
          process.exit(1);
        }
        throw err;
      }
      config.redis.url = devRedis.url;
      if (devRedis.child) logger.info({ url: devRedis.url }, 'started a private redis-server for this bot (data in .data/redis)');
    }
  }

  const app = await createApp(config, { logger });
  if (config.recognizersWarmup) {
    // Before listening: the date recognizers' first use takes seconds of CPU (French most of all).
    const started = Date.now();
    warmPaymentDateParser();
    logger.info({ ms: Date.now() - started }, 'date recognizers ready');
  }
  const { port, metricsPort } = await app.listen();
  logger.info({ port, ...(metricsPort ? { metricsPort } : {}) }, `bot listening on http://localhost:${port}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const hardStop = setTimeout(() => process.exit(1), 10000);
    hardStop.unref();
    await app.close();
    await devRedis?.stop();
    clearTimeout(hardStop);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`Start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
