/**
 * Redis key naming, shared by every module that keeps data in Redis.
 *
 * Every key starts with a configurable prefix (so several bots, or tests, share one Redis) and carries
 * exactly one hash tag `{…}`. Redis Cluster hashes only the tag, so keys with the same tag live in
 * the same slot and a Lua script may touch several of them:
 *
 *   state(key)                      `${prefix}:state:{<key>}`
 *   lock(conversationId)            `${prefix}:lock:{<conversationId>}`
 *   conversation(id, suffix)        `${prefix}:conv:{<conversationId>}:<suffix>`   (same slot as lock(id))
 *   global(name, suffix?)           `${prefix}:global:{<name>}[:<suffix>]`
 *
 * Any string works as a key, conversation id, name or suffix: the parts are escaped so that the
 * tag never ends early, is never empty (an empty tag `{}` would make Redis hash the whole key) and two
 * different strings never give the same key.
 */

/**
 * Escapes one key part:
 *  - `%`, `{`, `}` become `%25`, `%7B`, `%7D` (a `}` would close the hash tag early);
 *  - a lone UTF-16 surrogate becomes `%uXXXX` (UTF-8 cannot carry it: ioredis would send U+FFFD
 *    and two different JavaScript strings would share one Redis key);
 *  - the empty string becomes `%00` (never produced otherwise, since every `%` of the input is escaped).
 * Everything else (unicode, `:`, `/`, spaces, control characters) is kept as is: Redis keys are binary safe.
 */
export function encodeKeyPart(part: string): string {
  if (part === '') return '%00';
  return String(part).replace(
    /[%{}]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    (c) => {
      switch (c) {
        case '%':
          return '%25';
        case '{':
          return '%7B';
        case '}':
          return '%7D';
        default:
          return `%u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
      }
    },
  );
}

export interface Keyspace {
  /** The prefix every key starts with (no trailing colon). */
  readonly prefix: string;
  /** The hash tag for an id, braces included: every key built with the same id shares its slot. */
  tag(id: string): string;
  /** Key of one botbuilder storage item (RedisStorage). */
  state(storageKey: string): string;
  /** Key of a conversation's turn lock. */
  lock(conversationId: string): string;
  /** Any other per-conversation key; in the same Cluster slot as `lock(conversationId)`. */
  conversation(conversationId: string, suffix: string): string;
  /** A key that belongs to no conversation (queues, counters…); same name, same slot, whatever the suffix. */
  global(name: string, suffix?: string): string;
  /** A SCAN/KEYS pattern that matches every key of this keyspace (tests, maintenance). */
  pattern(): string;
}

/**
 * Builds the key helpers for one prefix. The prefix may hold anything but braces (a brace would
 * become the hash tag) and glob characters (so that `pattern()` matches exactly this keyspace).
 */
export function keyspace(prefix: string): Keyspace {
  if (typeof prefix !== 'string' || prefix === '' || /[{}*?[\]\\]/.test(prefix)) {
    throw new Error(`Invalid Redis key prefix ${JSON.stringify(prefix)}: non-empty, without { } * ? [ ] \\`);
  }
  const tag = (id: string): string => `{${encodeKeyPart(id)}}`;
  return {
    prefix,
    tag,
    state: (storageKey) => `${prefix}:state:${tag(storageKey)}`,
    lock: (conversationId) => `${prefix}:lock:${tag(conversationId)}`,
    conversation: (conversationId, suffix) => `${prefix}:conv:${tag(conversationId)}:${encodeKeyPart(suffix)}`,
    global: (name, suffix) =>
      suffix === undefined ? `${prefix}:global:${tag(name)}` : `${prefix}:global:${tag(name)}:${encodeKeyPart(suffix)}`,
    pattern: () => `${prefix}:*`,
  };
}
