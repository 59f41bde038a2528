import type { RedisClient } from '../../src/storage/redisClient';
import { RedisStorage } from '../../src/storage/redisStorage';
import { close, connect, dropPrefix, sleep, uniquePrefix } from './helpers';

describe('RedisStorage sliding TTL', () => {
  const prefix = uniquePrefix('ttl');
  let client: RedisClient;

  beforeAll(async () => {
    client = await connect();
  });
  afterAll(async () => {
    await dropPrefix(client, prefix);
    await close(client);
  });

  it('sets the TTL on write and restarts it on every read', async () => {
    const storage = new RedisStorage(client, { prefix, ttlSeconds: 2 });
    await storage.write({ conv: { step: 1 } });
    const key = storage.redisKey('conv');
    const afterWrite = await client.pttl(key);
    expect(afterWrite).toBeGreaterThan(1900);
    expect(afterWrite).toBeLessThanOrEqual(2000);

    // Read every 900 ms, three times: the item outlives its 2 s TTL because each read restarts the clock.
    for (let i = 0; i < 3; i++) {
      await sleep(900);
      expect(await client.pttl(key)).toBeLessThan(1150);
      expect((await storage.read(['conv'])).conv).toMatchObject({ step: 1 });
      expect(await client.pttl(key)).toBeGreaterThan(1900);
    }

    // Idle for longer than the TTL: gone.
    await sleep(2150);
    expect(await storage.read(['conv'])).toEqual({});
    expect(await client.exists(key)).toBe(0);
  });

  it('restarts the TTL on write too, and an eTag write to an expired item creates it', async () => {
    const storage = new RedisStorage(client, { prefix, ttlSeconds: 1 });
    await storage.write({ w: { v: 1 } });
    const item = (await storage.read(['w'])).w;
    await sleep(600);
    await storage.write({ w: { ...item, v: 2 } });
    expect(await client.pttl(storage.redisKey('w'))).toBeGreaterThan(900);
    await sleep(1150);
    expect(await storage.read(['w'])).toEqual({});
    // As MemoryStorage does for a missing key: the eTag is not checked.
    await storage.write({ w: { ...item, v: 3 } });
    expect((await storage.read(['w'])).w).toMatchObject({ v: 3 });
  });

  it('keeps items forever with ttlSeconds 0, even one written before with a TTL', async () => {
    const withTtl = new RedisStorage(client, { prefix, ttlSeconds: 60 });
    const forever = new RedisStorage(client, { prefix, ttlSeconds: 0 });
    await withTtl.write({ p: { v: 1 } });
    expect(await client.pttl(withTtl.redisKey('p'))).toBeGreaterThan(59000);
    await forever.read(['p']);
    expect(await client.pttl(forever.redisKey('p'))).toBeGreaterThan(59000); // a read without TTL leaves it
    await forever.write({ p: { v: 2 } });
    expect(await client.pttl(forever.redisKey('p'))).toBe(-1);
    await forever.write({ q: { v: 1 } });
    expect(await client.pttl(forever.redisKey('q'))).toBe(-1);
  });

  it('refreshes nothing for unknown keys', async () => {
    const storage = new RedisStorage(client, { prefix, ttlSeconds: 1 });
    expect(await storage.read(['never'])).toEqual({});
    expect(await client.exists(storage.redisKey('never'))).toBe(0);
  });
});
