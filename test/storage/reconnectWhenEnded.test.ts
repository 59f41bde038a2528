/**
 * A Redis client that ioredis ended without being asked to connects again (src/storage/redisClient.ts,
 * reconnectWhenEnded). ioredis ends a client for good when its connector is told to disconnect while
 * it connects; in a Sentinel failover the failover detector of the broken connection does exactly
 * that, and the instance then failed every turn ("Connection is closed.") until it was restarted.
 * Here the same interruption is made on purpose, on a private redis-server and on a real Sentinel set.
 */
import type Redis from 'ioredis';
import { createRedisClient, waitUntilReady, type RedisClient } from '../../src/storage/redisClient';
import { startRedis, type PrivateRedis } from '../support/redisServer';
import { SentinelSet, SENTINEL_NAME, until } from '../failover/topology';
import { sleep } from './helpers';

/** Disconnects the client's connector while it is connecting again, as the failover detector does. */
async function interruptReconnection(client: Redis): Promise<{ ended: () => boolean }> {
  let ended = false;
  client.once('end', () => (ended = true));
  client.once('connecting', () => (client as unknown as { connector: { disconnect(): void } }).connector.disconnect());
  client.disconnect(true); // drop the connection and reconnect, as after a failover
  return { ended: () => ended };
}

async function servesAgain(client: Redis): Promise<void> {
  await until('the client to be ready again', async () => client.status === 'ready', 10000, 50);
  expect(await client.ping()).toBe('PONG');
}

describe('a Redis client ended by ioredis connects again', () => {
  let server: PrivateRedis;
  const clients: RedisClient[] = [];
  const open = async (opts: Parameters<typeof createRedisClient>[0]): Promise<Redis> => {
    const client = createRedisClient(opts) as Redis;
    client.on('error', () => undefined);
    clients.push(client);
    await waitUntilReady(client);
    return client;
  };

  beforeAll(async () => {
    server = await startRedis();
  }, 20000);

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server?.stop();
  });

  it('a single Redis: ended while reconnecting, it serves again', async () => {
    const client = await open({ url: server.url });
    const run = await interruptReconnection(client);
    await until('ioredis to end the client', async () => run.ended(), 5000, 10);
    await servesAgain(client);
  });

  it('its duplicates too (the hub subscriber, the desk reader)', async () => {
    const client = await open({ url: server.url });
    const dup = client.duplicate();
    dup.on('error', () => undefined);
    clients.push(dup);
    await waitUntilReady(dup);
    const run = await interruptReconnection(dup);
    await until('ioredis to end the duplicate', async () => run.ended(), 5000, 10);
    await servesAgain(dup);
  });

  it('a client closed on purpose stays closed', async () => {
    const quitted = await open({ url: server.url });
    await quitted.quit();
    const disconnected = await open({ url: server.url });
    disconnected.disconnect();
    await sleep(1500); // several reconnection delays
    expect(quitted.status).toBe('end');
    expect(disconnected.status).toBe('end');
  });

  describe('on Sentinel', () => {
    let set: SentinelSet | undefined;
    beforeAll(async () => {
      set = await SentinelSet.start();
    }, 60000);
    afterAll(async () => {
      for (const c of clients) c.disconnect();
      await set?.stop();
    }, 30000);

    it('ended while asking the sentinels for the master again, it serves again', async () => {
      const client = await open({ sentinels: set!.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })), sentinelName: SENTINEL_NAME });
      const run = await interruptReconnection(client);
      await until('ioredis to end the client', async () => run.ended(), 5000, 10);
      await servesAgain(client);
    }, 30000);
  });
});
