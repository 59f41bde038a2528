import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import Redis, { Cluster } from 'ioredis';
import { createRedisClient, waitUntilReady, type RedisClient, type RedisConnectionOptions } from '../../src/storage/redisClient';

/** A prefix no other test file (or run) uses. */
export function uniquePrefix(name: string): string {
  return `t-${name}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** A client for the private test Redis (or the given options), ready to take commands. */
export async function connect(opts: RedisConnectionOptions = { url: process.env.TEST_REDIS_URL! }): Promise<RedisClient> {
  const client = createRedisClient(opts);
  client.on('error', () => undefined); // expected while servers are killed; tests assert on commands
  await waitUntilReady(client, 10000);
  return client;
}

/** Deletes every key under the prefix (on each master of a cluster); never touches other keys. */
export async function dropPrefix(client: RedisClient, prefix: string): Promise<void> {
  const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) await node.del(key);
    } while (cursor !== '0');
  }
}

export async function close(client: RedisClient): Promise<void> {
  await client.quit().catch(() => client.disconnect());
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Counts the writes that reach a connection's socket handle (`_write` / `_writev`: one system call each). */
export function countSocketWrites(redis: Redis): { calls: () => number; stop: () => void } {
  const socket = (redis as unknown as { stream: Socket & { _write: unknown; _writev: unknown } }).stream;
  const original = { _write: socket._write, _writev: socket._writev };
  let calls = 0;
  for (const name of ['_write', '_writev'] as const) {
    const fn = original[name] as (...a: unknown[]) => unknown;
    socket[name] = function (this: unknown, ...a: unknown[]) {
      calls++;
      return fn.apply(this, a);
    };
  }
  return { calls: () => calls, stop: () => Object.assign(socket, original) };
}
