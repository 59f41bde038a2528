import { SubjectRateLimiter } from '../../storage/rateLimit';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { UploadConfig } from '../../config';
import type { Keyspace } from '../../storage/keys';
import type { RedisClient } from '../../storage/redisClient';
import { luaScript } from '../../storage/scripts';

/*
 * What keeps web chat uploads from filling Redis:
 * - per conversation, at most N files and B bytes held (a Lua check-and-add, so two instances can't
 *   both take the last slot); a file the bot did not ask for is deleted at the end of its turn and
 *   given back;
 * - per client address and per web chat user (token), a rate in bytes per minute;
 * - when Redis uses REDIS_MEMORY_UPLOAD_PERCENT of its maxmemory (or of REDIS_MEMORY_CEILING_BYTES
 *   when it has none), uploads are refused; conversations go on.
 */

export type UploadRefusal = 'files' | 'bytes' | 'rate' | 'memory';

export class UploadRefusedError extends Error {
  constructor(
    readonly reason: UploadRefusal,
    readonly retryAfterSeconds?: number,
  ) {
    super(`upload refused: ${reason}`);
  }
}

const RESERVE = luaScript<[counts: string, bytes: string, maxFiles: string, maxBytes: string, ttlSeconds: string], string>('dlUploadReserve', 1, `
local files = tonumber(redis.call('HGET', KEYS[1], 'files') or '0')
local bytes = tonumber(redis.call('HGET', KEYS[1], 'bytes') or '0')
if files + 1 > tonumber(ARGV[2]) then return 'files' end
if bytes + tonumber(ARGV[1]) > tonumber(ARGV[3]) then return 'bytes' end
redis.call('HINCRBY', KEYS[1], 'files', 1)
redis.call('HINCRBY', KEYS[1], 'bytes', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 'ok'
`);

const RELEASE = luaScript<[counts: string, bytes: string], number>('dlUploadRelease', 1, `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local files = redis.call('HINCRBY', KEYS[1], 'files', -1)
local bytes = redis.call('HINCRBY', KEYS[1], 'bytes', -tonumber(ARGV[1]))
if files < 0 then redis.call('HSET', KEYS[1], 'files', 0) end
if bytes < 0 then redis.call('HSET', KEYS[1], 'bytes', 0) end
return 1
`);

/** Parses `used_memory` and `maxmemory` out of INFO memory. */
export function parseMemoryInfo(info: string): { used: number; max: number } {
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { used: field('used_memory'), max: field('maxmemory') };
}

export class UploadGuard {
  private readonly perAddress: RateLimiterRedis;
  private readonly perToken: RateLimiterRedis;
  private memory?: { at: number; full: boolean };

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
    private readonly config: UploadConfig,
    private readonly ttlSeconds: number,
  ) {
    // Each subject's counter in its own Cluster slot (src/storage/rateLimit.ts).
    this.perAddress = new SubjectRateLimiter(redis, keys, 'upload-bytes-addr', { points: config.bytesPerMinutePerAddress, duration: 60 });
    this.perToken = new SubjectRateLimiter(redis, keys, 'upload-bytes-user', { points: config.bytesPerMinutePerToken, duration: 60 });
  }

  private countKey(conv: string): string {
    return this.keys.conversation(conv, 'dl:uploads');
  }

  /** True when Redis is too full for uploads (INFO read at most once a second per instance). */
  async memoryFull(): Promise<boolean> {
    const now = Date.now();
    if (this.memory && now - this.memory.at < 1000) return this.memory.full;
    const { used, max } = parseMemoryInfo(await this.redis.info('memory'));
    const ceiling = max > 0 ? max : (this.config.memoryCeilingBytes ?? 0);
    const full = ceiling > 0 && used >= (ceiling * this.config.memoryUploadPercent) / 100;
    this.memory = { at: now, full };
    return full;
  }

  /** Refuses before the body is read: Redis too full, or the conversation already holds its number of files. */
  async precheck(conv: string): Promise<void> {
    if (await this.memoryFull()) throw new UploadRefusedError('memory');
    const files = Number((await this.redis.hget(this.countKey(conv), 'files')) ?? 0);
    if (files >= this.config.maxFilesPerConversation) throw new UploadRefusedError('files');
  }

  /** Takes `bytes` from the address's and the user's rates per minute. */
  async consumeRate(address: string, user: string, bytes: number): Promise<void> {
    if (bytes <= 0) return;
    try {
      await this.perAddress.consume(address, bytes);
      await this.perToken.consume(user, bytes);
    } catch (res) {
      if (res instanceof RateLimiterRes) throw new UploadRefusedError('rate', Math.max(1, Math.ceil(res.msBeforeNext / 1000)));
      throw res;
    }
  }

  /** Counts one file of `bytes` against the conversation's caps, or refuses it. */
  async reserve(conv: string, bytes: number): Promise<void> {
    const r = await RESERVE.run(
      this.redis,
      this.countKey(conv),
      String(bytes),
      String(this.config.maxFilesPerConversation),
      String(this.config.maxBytesPerConversation),
      String(this.ttlSeconds),
    );
    if (r !== 'ok') throw new UploadRefusedError(r === 'files' ? 'files' : 'bytes');
  }

  /** Gives back a file that was not kept. */
  async release(conv: string, bytes: number): Promise<void> {
    await RELEASE.run(this.redis, this.countKey(conv), String(bytes));
  }
}
