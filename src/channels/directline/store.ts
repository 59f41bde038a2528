import type { Activity } from 'botbuilder';
import type { RedisClient } from '../../storage/redisClient';
import type { Keyspace } from '../../storage/keys';

/*
 * Where the embedded Direct Line channel keeps a conversation, in Redis, so that any instance can
 * serve any request and a page reload finds everything again:
 *
 *   conversation(id, 'dl:meta')         hash: user, acct, name, locale, started, createdAt, seq
 *   conversation(id, 'dl:log')          list of activities, oldest first: "<activity id>\n<json>"
 *   conversation(id, 'dl:att:<attId>')  hash: bytes, type, name (uploaded proof files)
 *
 * All three share the conversation's hash tag, so the append script is Cluster-safe. Every write
 * renews the TTL (DIRECTLINE_ACTIVITY_TTL_SECONDS) of the log and the meta: an idle conversation
 * disappears, an active one stays.
 *
 * A watermark is a position in the log: "give me what comes after the first N activities". Ids are
 * `<conversation id>|<7-digit sequence>` like the real service's. An updated activity (the bot
 * editing a card) is appended again with the same id; Web Chat replaces by id.
 */

export type StoredActivity = Partial<Activity> & { id: string; type: string };

export interface ConversationMeta {
  user: string;
  acct?: string;
  name?: string;
  locale?: string;
  createdAt: string;
}

export interface Attachment {
  bytes: Buffer;
  contentType: string;
  name: string;
}

export class ConversationFullError extends Error {
  constructor() {
    super('This conversation has reached its maximum length');
  }
}

const APPEND = `
local id = ARGV[4]
if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[5]) then
  return redis.error_reply('DLFULL')
end
if id == '' then
  local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
  id = ARGV[1] .. string.format('%07d', seq)
end
local len = redis.call('RPUSH', KEYS[1], id .. '\\n' .. ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return {id, len}
`;

/** Starts a conversation once: the first caller gets 1 and writes the meta, later callers get 0. */
const START = `
if redis.call('HSETNX', KEYS[1], 'started', ARGV[1]) == 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return 0
end
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
`;

export class ActivityStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
    private readonly ttlSeconds: number,
    private readonly maxActivities = 5000,
  ) {}

  private metaKey(conv: string): string {
    return this.keys.conversation(conv, 'dl:meta');
  }

  private logKey(conv: string): string {
    return this.keys.conversation(conv, 'dl:log');
  }

  private attKey(conv: string, attId: string): string {
    return this.keys.conversation(conv, `dl:att:${attId}`);
  }

  /** Records the conversation's owner; true only for the call that actually started it. */
  async start(conv: string, meta: ConversationMeta): Promise<boolean> {
    const fields: string[] = [];
    for (const [k, v] of Object.entries(meta)) if (v !== undefined) fields.push(k, String(v));
    const started = await this.redis.eval(START, 1, this.metaKey(conv), new Date().toISOString(), String(this.ttlSeconds), ...fields);
    return started === 1;
  }

  async meta(conv: string): Promise<ConversationMeta | undefined> {
    const h = await this.redis.hgetall(this.metaKey(conv));
    if (!h || !h.started || !h.user) return undefined;
    return { user: h.user, acct: h.acct, name: h.name, locale: h.locale, createdAt: h.createdAt ?? h.started };
  }

  /** Appends one activity (its `id` is assigned unless `keepId` is given) and returns id and new length. */
  async append(conv: string, activity: Omit<StoredActivity, 'id'>, keepId?: string): Promise<{ id: string; watermark: number }> {
    const body = JSON.stringify({ ...activity, id: undefined });
    let result: unknown;
    try {
      result = await this.redis.eval(
        APPEND,
        2,
        this.logKey(conv),
        this.metaKey(conv),
        `${conv}|`,
        body,
        String(this.ttlSeconds),
        keepId ?? '',
        String(this.maxActivities),
      );
    } catch (err) {
      if (err instanceof Error && err.message.includes('DLFULL')) throw new ConversationFullError();
      throw err;
    }
    const [id, len] = result as [string, number];
    return { id, watermark: Number(len) };
  }

  /** Activities after `watermark` (at most `max`), and the watermark to ask from next time. */
  async read(conv: string, watermark: number, max = 100): Promise<{ activities: StoredActivity[]; watermark: number }> {
    const from = Math.max(0, Math.floor(watermark));
    const items = await this.redis.lrange(this.logKey(conv), from, from + max - 1);
    const activities = items.map(parseItem);
    return { activities, watermark: from + activities.length };
  }

  async length(conv: string): Promise<number> {
    return this.redis.llen(this.logKey(conv));
  }

  /** The activity with this id, if it is still in the log (latest version). Scans: for rare lookups only. */
  async find(conv: string, id: string): Promise<StoredActivity | undefined> {
    const items = await this.redis.lrange(this.logKey(conv), 0, -1);
    for (let i = items.length - 1; i >= 0; i--) if (items[i].startsWith(`${id}\n`)) return parseItem(items[i]);
    return undefined;
  }

  async putAttachment(conv: string, attId: string, att: Attachment, ttlSeconds = this.ttlSeconds): Promise<void> {
    const key = this.attKey(conv, attId);
    const results = await this.redis
      .multi()
      .hset(key, 'bytes', att.bytes, 'type', att.contentType, 'name', att.name)
      .expire(key, ttlSeconds)
      .exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error('directline: attachment transaction aborted');
  }

  async deleteAttachment(conv: string, attId: string): Promise<void> {
    await this.redis.del(this.attKey(conv, attId));
  }

  async getAttachment(conv: string, attId: string): Promise<Attachment | undefined> {
    const [bytes, type, name] = await this.redis.hmgetBuffer(this.attKey(conv, attId), 'bytes', 'type', 'name');
    if (!bytes || !type) return undefined;
    return { bytes, contentType: type.toString('utf8'), name: name?.toString('utf8') ?? 'file' };
  }
}

function parseItem(item: string): StoredActivity {
  const nl = item.indexOf('\n');
  const id = item.slice(0, nl);
  const activity = JSON.parse(item.slice(nl + 1)) as StoredActivity;
  activity.id = id;
  return activity;
}
