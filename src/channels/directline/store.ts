import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Activity } from 'botbuilder';
import type { RedisClient } from '../../storage/redisClient';
import type { Keyspace } from '../../storage/keys';
import { durabilityFor } from '../../storage/durability';
import { luaScript } from '../../storage/scripts';

/*
 * Where the embedded Direct Line channel keeps a conversation, in Redis, so that any instance can
 * serve any request and a page reload finds everything again:
 *
 *   conversation(id, 'dl:meta')         hash: user, acct, name, locale, started, createdAt, seq
 *   conversation(id, 'dl:log')          list of activities, oldest first: "<activity id> <seq>\n<json>"
 *   conversation(id, 'dl:att:<attId>')  hash: bytes, type, name (uploaded proof files)
 *
 * All three share the conversation's hash tag, so the append script is Cluster-safe. Every write
 * renews the TTL (DIRECTLINE_ACTIVITY_TTL_SECONDS) of the log and the meta: an idle conversation
 * disappears, an active one stays.
 *
 * Compact: an entry is `"<id> <seq>\n<body>"`, the id left empty when it is the usual
 * `<conversation id>|<seq>`; the body is the activity without what a client never needs or what the
 * key already says (serviceUrl, the conversation, the conversation id inside replyToId),
 * deflated with a preset dictionary of the activity JSON's usual fragments (about a quarter of the JSON).
 * Entries written before (plain JSON bodies) are still read.
 *
 * Every log entry carries a sequence number, `"<activity id> <seq>\n<json>"`, and a watermark is
 * the sequence number of the last activity the client has: "give me what comes after seq N". A
 * sequence number is `max(last + 1, Redis TIME in µs)`: increasing along the log, and it never goes
 * back or repeats after a failover that threw away the last entries (the new master's clock is
 * past them; clocks need to agree to within the failover's duration, as NTP gives). Ids are
 * `<conversation id>|<seq>` like the real service's, so they never repeat either. A client whose
 * watermark is ahead of the log (it saw entries a failover lost) gets what is appended next at once. An updated activity (the bot editing a card) is
 * appended again with the same id and a new sequence number; Web Chat replaces by id.
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

const APPEND = luaScript<[log: string, meta: string, idPrefix: string, body: Buffer, ttlSeconds: string, keepId: string, max: string], [string, string]>('dlAppend', 2, `
local id = ARGV[4]
if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[5]) then
  return redis.error_reply('DLFULL')
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local last = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0')
local seq = math.max(last + 1, now)
local s = string.format('%d', seq)
redis.call('HSET', KEYS[2], 'seq', s)
redis.call('RPUSH', KEYS[1], id .. ' ' .. s .. '\\n' .. ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
if id == '' then id = ARGV[1] .. s end
return {id, s}
`);

/**
 * KEYS[1] log. ARGV[1] watermark, ARGV[2] max. The entries whose sequence number is above the
 * watermark (at most max), found from the end (clients are near the end). Entries from before sequence numbers existed count as 0.
 */
const READ = luaScript<[log: string, watermark: string, max: string], string[]>('dlRead', 1, `
local wm = tonumber(ARGV[1])
local n = redis.call('LLEN', KEYS[1])
local function seqOf(item)
  return tonumber(string.match(item, '^[^\\n]* (%d+)\\n') or '0')
end
local start = n
while start > 0 do
  local from = math.max(0, start - 64)
  local items = redis.call('LRANGE', KEYS[1], from, start - 1)
  local found = false
  for i = #items, 1, -1 do
    if seqOf(items[i]) <= wm then
      start = from + i
      found = true
      break
    end
  end
  if found then break end
  start = from
end
return redis.call('LRANGE', KEYS[1], start, start + tonumber(ARGV[2]) - 1)
`);

/** Starts a conversation once: the first caller gets 1 and writes the meta, later callers get 0. */
const START = luaScript<[meta: string, started: string, ttlSeconds: string, ...fields: string[]], number>('dlStart', 1, `
if redis.call('HSETNX', KEYS[1], 'started', ARGV[1]) == 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return 0
end
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
`);

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
    // Durable (src/storage/durability.ts): a conversation the client was told exists survives a
    // failover; when that cannot be confirmed the start fails (503) and the client starts again
    // (idempotent: the same conversation id, meta written once).
    const key = this.metaKey(conv);
    const [started] = await durabilityFor(this.redis).write(key, (p) => START.queue(p, key, new Date().toISOString(), String(this.ttlSeconds), ...fields));
    return started === 1;
  }

  async meta(conv: string): Promise<ConversationMeta | undefined> {
    const h = await this.redis.hgetall(this.metaKey(conv));
    if (!h || !h.started || !h.user) return undefined;
    return { user: h.user, acct: h.acct, name: h.name, locale: h.locale, createdAt: h.createdAt ?? h.started };
  }

  /** Appends one activity (its `id` is assigned unless `keepId` is given) and returns id and its sequence number. */
  async append(conv: string, activity: Omit<StoredActivity, 'id'>, keepId?: string): Promise<{ id: string; watermark: number }> {
    const body = encodeBody(activity, conv);
    let result: unknown;
    try {
      result = await APPEND.run(
        this.redis,
        this.logKey(conv),
        this.metaKey(conv),
        `${conv}|`,
        body,
        String(this.ttlSeconds),
        keepId && keepId !== '' ? keepId : '',
        String(this.maxActivities),
      );
    } catch (err) {
      if (err instanceof Error && err.message.includes('DLFULL')) throw new ConversationFullError();
      throw err;
    }
    const [id, seq] = result as [string, string];
    return { id, watermark: Number(seq) };
  }

  /**
   * Activities after `watermark` (at most `max`), and the watermark to ask from next time: the last
   * one's sequence number, or the client's own watermark when there is nothing new.
   */
  async read(conv: string, watermark: number, max = 100): Promise<{ activities: StoredActivity[]; watermark: number }> {
    const from = Math.max(0, Math.floor(watermark));
    const items = (await READ.runBuffer(this.redis, this.logKey(conv), String(from), String(max))) as Buffer[];
    const entries = items.map((item) => parseEntry(item, conv));
    // Nothing new: the client keeps its watermark (never moved back), even when it is ahead of the
    // log's end (entries a failover lost): what is appended next has a higher sequence number anyway.
    const next = entries.length ? entries[entries.length - 1].seq : from;
    return { activities: entries.map((e) => e.activity), watermark: next };
  }

  /** The whole log (at most `max` entries), oldest first, each with its sequence number. */
  async entries(conv: string, max = 1000): Promise<{ activity: StoredActivity; seq: number }[]> {
    const items = (await READ.runBuffer(this.redis, this.logKey(conv), '0', String(max))) as Buffer[];
    return items.map((item) => parseEntry(item, conv));
  }

  async length(conv: string): Promise<number> {
    return this.redis.llen(this.logKey(conv));
  }

  /** The activity with this id, if it is still in the log (latest version). Scans: for rare lookups only. */
  async find(conv: string, id: string): Promise<StoredActivity | undefined> {
    const items = await this.redis.lrangeBuffer(this.logKey(conv), 0, -1);
    for (let i = items.length - 1; i >= 0; i--) {
      const entry = parseEntry(items[i], conv);
      if (entry.activity.id === id) return entry.activity;
    }
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

/**
 * Fragments the activity JSON of this bot usually holds: deflate finds them here instead of spelling
 * them out in every entry. Never change it in place (entries written with it must stay readable): add
 * a new version byte and dictionary instead.
 */
const DICTIONARY_V1 = Buffer.from(
  [
    '"wrap":true},{"type":"TextBlock","text":"',
    '"spacing":"Medium"',
    '"weight":"Bolder","size":"Medium"',
    '"isSubtle":true',
    '{"type":"FactSet","facts":[{"title":"',
    '","value":"',
    '"actions":[{"type":"Action.Submit","title":"',
    '"style":"positive","data":{"action":"',
    '"attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard","$schema":"http://adaptivecards.io/schemas/adaptive-card.json","version":"1.3","speak":"',
    '"body":[{"type":"TextBlock","text":"',
    '"attachments":[{"contentType":"application/vnd.microsoft.card.hero","content":{"text":"',
    '"buttons":[{"type":"messageBack","title":"',
    '","displayText":"',
    '","text":"',
    '"value":{"topic":"',
    '"value":{"action":"',
    '"suggestedActions":{"actions":[{"type":"imBack","title":"',
    '"attachmentLayout":"list"',
    '"inputHint":"acceptingInput"',
    '"replyToId":"|',
    '"timestamp":"20',
    '"locale":"en-GB"',
    '"locale":"fr-FR"',
    '"from":{"id":"',
    '","name":"',
    '","role":"bot"}',
    '","role":"user"}',
    '{"type":"message","channelId":"directline",',
    '{"type":"message","text":"',
  ].join(''),
);

/** The activity as stored: without what the key says or a client never needs, deflated (version byte 1). */
function encodeBody(activity: Omit<StoredActivity, 'id'>, conv: string): Buffer {
  const a: Record<string, unknown> = { ...activity };
  delete a.id;
  delete a.serviceUrl;
  const c = a.conversation as { id?: unknown } | undefined;
  if (c && c.id === conv && Object.keys(c).length === 1) delete a.conversation;
  if (typeof a.replyToId === 'string' && a.replyToId.startsWith(`${conv}|`)) a.replyToId = a.replyToId.slice(conv.length);
  if (a.channelData && typeof a.channelData === 'object' && Object.keys(a.channelData).length === 0) delete a.channelData;
  const packed = deflateRawSync(Buffer.from(JSON.stringify(a)), { dictionary: DICTIONARY_V1, level: 9 });
  return Buffer.concat([Buffer.from([1]), packed]);
}

function decodeBody(body: Buffer, conv: string): StoredActivity {
  if (body[0] !== 1) return JSON.parse(body.toString('utf8')) as StoredActivity; // written before compaction
  const a = JSON.parse(inflateRawSync(body.subarray(1), { dictionary: DICTIONARY_V1 }).toString('utf8')) as Record<string, unknown>;
  if (a.conversation === undefined) a.conversation = { id: conv };
  if (typeof a.replyToId === 'string' && a.replyToId.startsWith('|')) a.replyToId = `${conv}${a.replyToId}`;
  return a as StoredActivity;
}

/**
 * `"<id> <seq>\n<body>"` (or `"<id>\n<json>"`, written before sequence numbers: seq 0); an empty id is
 * the usual `<conversation id>|<seq>`.
 */
function parseEntry(item: Buffer, conv: string): { activity: StoredActivity; seq: number } {
  const nl = item.indexOf(10);
  const header = item.subarray(0, nl).toString('utf8');
  const sp = header.lastIndexOf(' ');
  const seq = sp === -1 ? 0 : Number(header.slice(sp + 1));
  const id = (sp === -1 ? header : header.slice(0, sp)) || `${conv}|${header.slice(sp + 1)}`;
  const activity = decodeBody(item.subarray(nl + 1), conv);
  activity.id = id;
  return { activity, seq };
}
