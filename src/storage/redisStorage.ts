import { randomBytes } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import type { RedisClient } from './redisClient';
import { luaScript } from './scripts';
import { keyspace, type Keyspace } from './keys';

export interface RedisStorageOptions {
  /** Key prefix (see keys.ts); every item lives at `${prefix}:state:{<key>}`. */
  prefix?: string;
  /** Or the keyspace the rest of the app already uses (give `prefix` or `keyspace`, not both). */
  keyspace?: Keyspace;
  /**
   * Sliding expiry of idle items, in seconds: every read and every write of an item restarts its
   * clock. 0 (the default) keeps items forever.
   */
  ttlSeconds?: number;
  /**
   * The Redis key of an item (default: `keyspace.state(key)`). The app keeps conversation state in its
   * conversation's hash tag, next to the turn lock, so that one script can commit a turn.
   */
  keyFor?: (key: string) => string;
}

/**
 * Each item is one Redis hash, `e` = its eTag and `d` = the item as JSON (eTag included), so a
 * compare-and-set needs no JSON parsing in Lua and touches a single key (Cluster-safe).
 *
 * Write. ARGV: mode, expected eTag, new eTag, JSON, ttl ms, dry run.
 *   mode 'any': write whatever is there; 'match': write when absent or when the stored eTag equals
 *   the expected one; 'absent': write only when absent.
 *   JSON '' means "store nothing" (the item serialised to undefined): the key is deleted.
 *   Dry run: only say whether the write would happen.
 * Returns 1 when written (or would be), 0 when refused.
 */
const WRITE_LUA = `
local mode = ARGV[1]
if mode ~= 'any' then
  local current = redis.call('HGET', KEYS[1], 'e')
  if current and (mode == 'absent' or current ~= ARGV[2]) then
    return 0
  end
end
if ARGV[6] == '1' then
  return 1
end
if ARGV[4] == '' then
  redis.call('DEL', KEYS[1])
  return 1
end
redis.call('HSET', KEYS[1], 'e', ARGV[3], 'd', ARGV[4])
local ttl = tonumber(ARGV[5])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('PERSIST', KEYS[1])
end
return 1
`;

/** Read and restart the idle clock. ARGV: ttl ms (> 0). Returns the JSON or nil. */
const READ_LUA = `
local doc = redis.call('HGET', KEYS[1], 'd')
if doc then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return doc
`;

/** Called by hash (./scripts). */
const READ = luaScript<[key: string, ttlMs: number], string | null>('botStorageRead', 1, READ_LUA);
const WRITE = luaScript<[key: string, mode: WriteMode, expectedETag: string, newETag: string, json: string, ttlMs: number, dryRun: '0' | '1'], number>(
  'botStorageWrite',
  1,
  WRITE_LUA,
);

type WriteMode = 'any' | 'match' | 'absent';

/** One key of a write batch, prepared in the batch's key order. */
interface WriteOp {
  key: string;
  mode: WriteMode;
  expected: string;
  eTag: string;
  json: string;
  /**
   * 'item': an ordinary item; refused means eTag conflict, and the batch goes on.
   * 'nullItem': null or undefined. MemoryStorage stores `{ eTag }` when the key is absent and, when it
   *   exists, throws a TypeError reading `.eTag` of it, which stops the rest of the batch.
   * 'unserializable': JSON.stringify threw. MemoryStorage serialises only what it saves: if the
   *   write would happen, the batch stops with that error; if the eTag conflicts, it is a conflict.
   */
  kind: 'item' | 'nullItem' | 'unserializable';
  /** The error JSON.stringify threw, for 'unserializable'. */
  serializeError?: unknown;
  /** 'null' or 'undefined', for 'nullItem'. */
  nullish?: string;
}

/**
 * botbuilder `Storage` on Redis, observably the same as botbuilder's `MemoryStorage` (4.23) on the
 * same calls:
 * - read: unknown keys are absent from the result; items come back with their eTag; `read(undefined)`
 *   rejects with a ReferenceError.
 * - write: per key, in `Object.keys` order: no eTag, `''` or `'*'` overwrites; an eTag on a missing
 *   key creates it; a different eTag on an existing key is refused with
 *   `Storage: error writing "<key>" due to eTag conflict.`; the other keys of the batch are still
 *   written, and the promise rejects with the first conflict. Every write issues a new eTag (random,
 *   unique across instances); the caller's objects are never mutated. `write(undefined)` rejects with
 *   a ReferenceError.
 * - delete: unknown keys are fine; `delete(undefined)` rejects with a TypeError.
 * - any key string works (see keys.ts), including those that break MemoryStorage (`constructor`,
 *   `__proto__`).
 * One Redis round trip per key, all keys of a call in parallel; no multi-key command.
 */
export class RedisStorage implements Storage {
  private readonly client: RedisClient;
  private readonly keys: Keyspace;
  private readonly ttlMs: number;
  private readonly keyFor: (key: string) => string;

  constructor(client: RedisClient, options: RedisStorageOptions) {
    const ttlSeconds = options.ttlSeconds ?? 0;
    if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0) {
      throw new Error(`RedisStorage: ttlSeconds must be a number >= 0, got ${String(options.ttlSeconds)}`);
    }
    if ((options.prefix === undefined) === (options.keyspace === undefined)) {
      throw new Error('RedisStorage: give either prefix or keyspace');
    }
    this.keys = options.keyspace ?? keyspace(options.prefix as string);
    this.ttlMs = Math.ceil(ttlSeconds * 1000);
    const keys = this.keys;
    this.keyFor = options.keyFor ?? ((key) => keys.state(key));
    this.client = client;
  }

  /** The Redis key an item is stored under. */
  redisKey(key: string): string {
    return this.keyFor(key);
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (!keys) throw new ReferenceError('Keys are required when reading.');
    const wanted = uniqueKeys(keys);
    const docs = await Promise.all(
      wanted.map((key) =>
        this.ttlMs > 0
          ? READ.run(this.client, this.keyFor(key), this.ttlMs)
          : this.client.hget(this.keyFor(key), 'd'),
      ),
    );
    const data: StoreItems = {};
    wanted.forEach((key, i) => {
      const doc = docs[i];
      if (doc !== null && doc !== undefined) {
        // defineProperty, not assignment: a key named `__proto__` must stay an ordinary entry.
        Object.defineProperty(data, key, { value: JSON.parse(doc), enumerable: true, writable: true, configurable: true });
      }
    });
    return data;
  }

  async write(changes: StoreItems): Promise<void> {
    if (!changes) throw new ReferenceError('Changes are required when writing.');
    const ops = Object.keys(changes).map((key) => prepare(key, changes[key]));
    if (ops.length === 0) return;

    // Keys are independent, so they go out in parallel, except that a key which may stop the batch
    // (see WriteOp.kind) must be settled before any later key is sent.
    const errors: { index: number; error: unknown }[] = [];
    let next = 0;
    while (next < ops.length) {
      let end = next;
      while (end < ops.length - 1 && ops[end].kind === 'item') end++;
      const segment = ops.slice(next, end + 1);
      const outcomes = await Promise.allSettled(
        segment.map((op) =>
          WRITE.run(
            this.client,
            this.keyFor(op.key),
            op.mode,
            op.expected,
            op.eTag,
            op.json,
            this.ttlMs,
            op.kind === 'unserializable' ? '1' : '0',
          ),
        ),
      );
      let stop = false;
      outcomes.forEach((outcome, i) => {
        const op = segment[i];
        const index = next + i;
        if (outcome.status === 'rejected') {
          errors.push({ index, error: outcome.reason });
          if (op.kind !== 'item') stop = true;
        } else if (outcome.value === 1) {
          if (op.kind === 'unserializable') {
            errors.push({ index, error: op.serializeError });
            stop = true;
          }
        } else if (op.kind === 'nullItem') {
          errors.push({ index, error: new TypeError(`Cannot read properties of ${op.nullish} (reading 'eTag')`) });
          stop = true;
        } else {
          errors.push({ index, error: new Error(`Storage: error writing "${op.key}" due to eTag conflict.`) });
        }
      });
      if (stop) break;
      next = end + 1;
    }
    if (errors.length > 0) {
      errors.sort((a, b) => a.index - b.index);
      throw errors[0].error;
    }
  }

  async delete(keys: string[]): Promise<void> {
    const wanted = uniqueKeys(keys);
    await Promise.all(wanted.map((key) => this.client.del(this.keyFor(key))));
  }
}

/** The keys as MemoryStorage sees them: iterated with forEach, used as property names (strings). */
function uniqueKeys(keys: string[]): string[] {
  const seen = new Set<string>();
  keys.forEach((key) => seen.add(String(key)));
  return [...seen];
}

function newETag(): string {
  return randomBytes(12).toString('base64url');
}

/** Decides how one key of a batch is written, exactly along MemoryStorage's branches. */
function prepare(key: string, item: unknown): WriteOp {
  const eTag = newETag();
  if (item === null || item === undefined) {
    // Written as `{ eTag }` when the key is absent (a copy of null is `{}`).
    return { key, mode: 'absent', expected: '', eTag, json: JSON.stringify({ eTag }), kind: 'nullItem', nullish: String(item) };
  }
  const given: unknown = (item as { eTag?: unknown }).eTag;
  let mode: WriteMode;
  let expected = '';
  if (!given || given === '*') {
    mode = 'any';
  } else if (typeof given === 'string') {
    mode = 'match';
    expected = given;
  } else {
    // A truthy eTag that is not a string never equals a stored (string) eTag: it can only create.
    mode = 'absent';
  }
  // MemoryStorage's saveItem: a shallow copy with the new eTag, through JSON.stringify.
  const clone: Record<string, unknown> = Object.assign({}, item);
  clone.eTag = eTag;
  let json: string | undefined;
  try {
    json = JSON.stringify(clone) as string | undefined;
  } catch (serializeError) {
    return { key, mode, expected, eTag, json: '', kind: 'unserializable', serializeError };
  }
  // JSON.stringify gives undefined only when a toJSON says so; MemoryStorage then stores undefined,
  // which reads as absent: '' tells the script to delete the key.
  return { key, mode, expected, eTag, json: json ?? '', kind: 'item' };
}
