import { MemoryStorage } from 'botbuilder';
import { keyspace } from '../../src/storage/keys';
import { RedisStorage } from '../../src/storage/redisStorage';
import type { RedisClient } from '../../src/storage/redisClient';
import { close, connect, dropPrefix, uniquePrefix } from './helpers';
import { dialogScenario, storageScenario } from './parityScenario';

describe('RedisStorage behaves as MemoryStorage', () => {
  const prefix = uniquePrefix('parity');
  let client: RedisClient;

  beforeAll(async () => {
    client = await connect();
  });
  afterAll(async () => {
    await dropPrefix(client, prefix);
    await close(client);
  });

  it('on the whole Storage contract, call by call', async () => {
    const expected = await storageScenario(new MemoryStorage());
    const actual = await storageScenario(new RedisStorage(client, { prefix: `${prefix}-a` }));
    expect(actual).toEqual(expected);
    // Same key order in every item and result, too.
    expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
    // The sequence did exercise the branches it claims to.
    const errors = expected.filter((e) => e.error).map((e) => e.error!);
    expect(errors.filter((e) => e.conflict).length).toBeGreaterThanOrEqual(8);
    expect(errors.map((e) => e.name)).toEqual(expect.arrayContaining(['ReferenceError', 'TypeError', 'Error']));
    const unchanged = expected.filter((e) => /mutate|caller/.test(e.step)).map((e) => e.result);
    expect(unchanged).toEqual(Array(unchanged.length).fill({ unchanged: true }));
  });

  it('with a sliding TTL set, on the same calls', async () => {
    const expected = await storageScenario(new MemoryStorage());
    const actual = await storageScenario(new RedisStorage(client, { prefix: `${prefix}-b`, ttlSeconds: 60 }));
    expect(actual).toEqual(expected);
  });

  it('through ConversationState and a waterfall dialog, turn by turn', async () => {
    const expected = await dialogScenario(new MemoryStorage());
    const actual = await dialogScenario(new RedisStorage(client, { prefix: `${prefix}-c` }));
    expect(actual.transcript).toEqual(expected.transcript);
    expect(actual.calls).toEqual(expected.calls);
    expect(actual.state).toEqual(expected.state);
    expect(Object.keys(expected.state as object)).toEqual(['test/conversations/Convo1/']);
    // The dialog really ran to the end twice, with a reprompt.
    expect(expected.transcript).toEqual(
      expect.arrayContaining(['bot: A positive number, please.', 'bot: Refund of 42 for Alice filed.', 'bot: Cancelled.']),
    );
  });

  it('handles the keys MemoryStorage itself gets wrong (Object.prototype names)', async () => {
    // MemoryStorage keeps items in a plain object: read(['constructor']) rejects there, and
    // '__proto__' cannot be stored. Here they are ordinary keys.
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
    await expect(new MemoryStorage().read(['constructor'])).rejects.toThrow();
    const storage = new RedisStorage(client, { prefix: `${prefix}-g` });
    expect(await storage.read(names)).toEqual({});
    const changes = JSON.parse('{"__proto__": {"v": "proto"}, "constructor": {"v": "ctor"}}');
    await storage.write(changes);
    const items = await storage.read(names);
    expect(Object.keys(items).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(items)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(items, '__proto__')?.value).toMatchObject({ v: 'proto' });
    expect(items.constructor).toMatchObject({ v: 'ctor' });
    const proto = Object.getOwnPropertyDescriptor(items, '__proto__')?.value;
    await expect(storage.write(JSON.parse(`{"__proto__": {"eTag": "stale"}}`))).rejects.toThrow('eTag conflict');
    await storage.write(JSON.parse(`{"__proto__": ${JSON.stringify({ ...proto, v: 'proto 2' })}}`));
    expect(Object.getOwnPropertyDescriptor(await storage.read(['__proto__']), '__proto__')?.value).toMatchObject({ v: 'proto 2' });
    await storage.delete(names);
    expect(await storage.read(names)).toEqual({});
  });

  it('stores each item under the prefix, one Redis key per item', async () => {
    const storage = new RedisStorage(client, { prefix: `${prefix}-d` });
    await storage.write({ 'emulator/conversations/abc': { v: 1 }, '{}': { v: 2 } });
    const keys = (await client.keys(`${prefix}-d:*`)).sort();
    expect(keys).toEqual([storage.redisKey('emulator/conversations/abc'), storage.redisKey('{}')].sort());
    expect(keys).toContain(`${prefix}-d:state:{emulator/conversations/abc}`);
    expect(keys).toContain(`${prefix}-d:state:{%7B%7D}`);
  });

  it('issues eTags that differ across instances on one Redis', async () => {
    const one = new RedisStorage(client, { prefix: `${prefix}-e` });
    const two = new RedisStorage(client, { prefix: `${prefix}-e` });
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      await (i % 2 ? one : two).write({ k: { i } });
      seen.add((await one.read(['k'])).k.eTag);
    }
    expect(seen.size).toBe(20);
    // An eTag read through one instance is honoured by the other.
    const item = (await two.read(['k'])).k;
    await one.write({ k: { ...item, i: 'via one' } });
    await expect(two.write({ k: { ...item, i: 'stale via two' } })).rejects.toThrow('eTag conflict');
  });

  it('accepts either a prefix or a keyspace, not both or none', () => {
    expect(() => new RedisStorage(client, {})).toThrow();
    expect(() => new RedisStorage(client, { prefix: 'a', keyspace: keyspace('a') })).toThrow();
    expect(new RedisStorage(client, { keyspace: keyspace(`${prefix}-f`) }).redisKey('k')).toBe(`${prefix}-f:state:{k}`);
    expect(() => new RedisStorage(client, { prefix: 'a', ttlSeconds: -1 })).toThrow();
  });
});
