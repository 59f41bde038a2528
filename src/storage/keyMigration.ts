/**
 * Moves the keys an earlier version wrote to the key layout of this version (issue 13: no unbounded
 * key family in one Redis Cluster slot). Run by `npm run migrate:keys` (scripts/migrate-keys.ts).
 *
 * Old layout → new layout (P = REDIS_KEY_PREFIX; every part escaped as ./keys.ts does):
 *
 *   P:global:{case}:<reference>            → P:global:{case:<reference>}              record (string)
 *   P:global:{case}:owner:<index id>       → P:global:{case-owner:<index id>}         owner index (zset)
 *   P:global:{case}:order:<ORDER ID>       → P:global:{case-order:<ORDER ID>}         order index (zset)
 *   P:global:{case}:req:<request key>      → P:global:{case-req:<request key>}        request claim (string, 30 days)
 *   P:global:{case}:sweep:deadline|expiry  → P:global:{case-sweep:deadline|expiry}    dispute sweep indexes (zset)
 *   P:state:{<channel>/conversations/<id>/} → P:conv:{<id>}:s:<channel>               conversation state (hash)
 *   P:conv:{<id>}:turns                    → field `n` of P:conv:{<id>}:turn          continuity marker (string → hash field)
 *   P:global:{desk}:t:<conversation id>    → P:conv:{<id>}:desk:t                     desk transcript (stream)
 *   P:global:{desk}:c:<conversation id>    → P:conv:{<id>}:desk:c                     desk record of a conversation released
 *                                                                                     or closed (hash, 30 days); one still
 *                                                                                     waiting, assigned or external stays
 *                                                                                     (this version keeps live ones there)
 *   P:global:{desk}:out:<conversation id>  → P:conv:{<id>}:desk:out                   customer outbox (stream)
 *   P:global:{desk}:cur:<conversation id>  → P:conv:{<id>}:desk:cur                   its delivery cursor (string)
 *   P:global:{desk}:s:<token hash>         → P:global:{desk-session:<token hash>}     agent session (string, its TTL)
 *   P:global:{mail}:key:<mail id>          → P:global:{mail-msg:<mail id>}:key        "queued" marker (string token →
 *                                                                                     hash t = token, q = 1), 30 days
 *   P:global:{mail}:sent:<mail id>         → P:global:{mail-msg:<mail id>}:sent       "sent" marker (string), 30 days
 *
 * Left to expire, never moved (short-lived, and the new code does not read them):
 *   P:global:{ratelimit}:…, P:global:{desk}:login-addr:…, P:global:{desk}:login-name:…,
 *   P:global:{mail}:typed-address-limit:…                                                rate-limit counters (≤ 1 hour)
 *   P:conv:{<id>}:seen:<activity id>                                                     de-duplication markers
 *   P:global:{desk}:outlock:<id>, P:global:{mail}:lock:<mail id>                         delivery locks (≤ 35 s)
 *   P:global:{desk}:prochecked:<id>                                                      "Pro offer considered" (7 days; only
 *                                                                                        turns without a turn gate read it: at
 *                                                                                        worst a Pro customer is offered a person
 *                                                                                        once more)
 *
 * How a key moves, whatever its family:
 *   - the new key is absent: DUMP the old key and RESTORE it under the new name with the old key's
 *     remaining TTL (each command goes to its own key's node, so this works across Cluster slots);
 *   - the new key exists (the upgraded bot wrote it already, or a run was interrupted): merged by type —
 *     sorted-set indexes are unioned (a member in both keeps the new key's score); a case record in
 *     both keeps the copy updated last (the new one on a tie) and the other copy is kept aside at
 *     P:global:{case-conflict:<reference>} for a person to look at; a request claim and a conversation
 *     state keep the new one; continuity markers keep the higher number; transcripts are merged by
 *     entry id. The new key keeps its own TTL;
 *   - the write to the new key is confirmed durable (./durability: WAIT for the replicas) before the
 *     old key is deleted, and the old key is deleted only if it still holds what was copied (a key an
 *     instance of the old version changed meanwhile is left for the next run).
 * So a run can be interrupted at any point and run again; a second run finds nothing to do.
 * A desk record moves the way the desk itself archives one (DeskStore.archive: copy, then delete the
 * live-slot copy only if unchanged and still ended), and a customer outbox moved is put back in the
 * desk's `outpending` set so that what it still holds is delivered.
 * Case records are moved in a first pass and the indexes in a second one, so that no index (above all
 * a sweep index, whose reader drops entries whose record it cannot find) points at a record that
 * is not there yet.
 *
 * What it reports holds ids only (references, conversation ids, index ids), never a value.
 */
import { Cluster, type Redis } from 'ioredis';
import { sessionKey } from '../agent/auth';
import { DeskStore } from '../handoff/store';
import { mailMessageKey } from '../services/notifications/outbox';
import { parseConversationStorageKey, stateKeyFor } from './conversationState';
import { durabilityFor, NotDurableError } from './durability';
import { encodeKeyPart, type Keyspace } from './keys';
import type { RedisClient } from './redisClient';

export const FAMILIES = [
  'case-record',
  'case-owner-index',
  'case-order-index',
  'case-request-claim',
  'case-sweep-index',
  'conversation-state',
  'continuity-marker',
  'desk-transcript',
  'desk-record',
  'desk-outbox',
  'desk-outbox-cursor',
  'agent-session',
  'mail-queued-marker',
  'mail-sent-marker',
] as const;
export type Family = (typeof FAMILIES)[number];

export const EPHEMERAL = ['rate-limit-counter', 'dedupe-marker', 'delivery-lock', 'pro-check-marker'] as const;
export type Ephemeral = (typeof EPHEMERAL)[number];

/** Families moved in the second pass, once every record is in place. */
const SECOND_PASS: ReadonlySet<Family> = new Set(['case-owner-index', 'case-order-index', 'case-request-claim', 'case-sweep-index']);

export interface OldKey {
  family: Family;
  oldKey: string;
  newKey: string;
  /** What a report may name: a reference, a conversation id, an index id, a request key. */
  id: string;
}

export type Classified = OldKey | { ephemeral: Ephemeral } | { unknown: true } | undefined;

/**
 * The inverse of `encodeKeyPart`, or `undefined` when `encoded` is not something it produces
 * (checked by encoding the result again).
 */
export function decodeKeyPart(encoded: string): string | undefined {
  if (encoded === '%00') return '';
  const decoded = encoded.replace(/%(25|7B|7D|u([0-9A-F]{4}))/g, (_m, code: string, hex?: string) => {
    if (hex) return String.fromCharCode(parseInt(hex, 16));
    return code === '25' ? '%' : code === '7B' ? '{' : '}';
  });
  return encodeKeyPart(decoded) === encoded ? decoded : undefined;
}

/** The new keys, built by the same rules as src/cases/repository.ts and the rest of the app. */
export function newLayout(keys: Keyspace) {
  return {
    caseKey: (reference: string) => keys.global(`case:${reference}`),
    ownerIndex: (indexId: string) => keys.global(`case-owner:${indexId}`),
    orderIndex: (orderId: string) => keys.global(`case-order:${orderId.trim().toUpperCase()}`),
    requestClaim: (requestKey: string) => keys.global(`case-req:${requestKey}`),
    sweepIndex: (kind: 'deadline' | 'expiry') => keys.global(`case-sweep:${kind}`),
    conflict: (reference: string) => keys.global(`case-conflict:${reference}`),
    state: stateKeyFor(keys),
    turn: (conversationId: string) => keys.conversation(conversationId, 'turn'),
    transcript: (conversationId: string) => keys.conversation(conversationId, 'desk:t'),
    deskRecord: (conversationId: string) => new DeskStore({} as RedisClient, keys).archiveKey(conversationId),
    deskOutbox: (conversationId: string) => new DeskStore({} as RedisClient, keys).outKey(conversationId),
    deskCursor: (conversationId: string) => new DeskStore({} as RedisClient, keys).cursorKey(conversationId),
    session: (tokenHash: string) => sessionKey(keys, tokenHash),
    mailQueued: (mailId: string) => mailMessageKey(keys, mailId, 'key'),
    mailSent: (mailId: string) => mailMessageKey(keys, mailId, 'sent'),
  };
}

/** The old keys, as the previous version built them (tests write them with these). */
export function oldLayout(keys: Keyspace) {
  return {
    caseKey: (reference: string) => keys.global('case', reference),
    ownerIndex: (indexId: string) => keys.global('case', `owner:${indexId}`),
    orderIndex: (orderId: string) => keys.global('case', `order:${orderId.trim().toUpperCase()}`),
    requestClaim: (requestKey: string) => keys.global('case', `req:${requestKey}`),
    sweepIndex: (kind: 'deadline' | 'expiry') => keys.global('case', `sweep:${kind}`),
    state: (storageKey: string) => keys.state(storageKey),
    marker: (conversationId: string) => keys.conversation(conversationId, 'turns'),
    transcript: (conversationId: string) => keys.global('desk', `t:${conversationId}`),
    deskRecord: (conversationId: string) => keys.global('desk', `c:${conversationId}`),
    deskOutbox: (conversationId: string) => keys.global('desk', `out:${conversationId}`),
    deskCursor: (conversationId: string) => keys.global('desk', `cur:${conversationId}`),
    deskOutLock: (conversationId: string) => keys.global('desk', `outlock:${conversationId}`),
    proChecked: (conversationId: string) => keys.global('desk', `prochecked:${conversationId}`),
    session: (tokenHash: string) => keys.global('desk', `s:${tokenHash}`),
    mailQueued: (mailId: string) => keys.global('mail', `key:${mailId}`),
    mailSent: (mailId: string) => keys.global('mail', `sent:${mailId}`),
    mailLock: (mailId: string) => keys.global('mail', `lock:${mailId}`),
    rateLimitPrefixes: [keys.global('ratelimit'), keys.global('desk', 'login-addr'), keys.global('desk', 'login-name'), keys.global('mail', 'typed-address-limit')],
    dedupe: (conversationId: string, activityId: string) => keys.conversation(conversationId, `seen:${activityId}`),
  };
}

/** Which old family a key belongs to, and its new name; `undefined` for a key of the new layout (or any other). */
export function classify(keys: Keyspace, key: string): Classified {
  const P = keys.prefix;
  const old = oldLayout(keys);
  const neu = newLayout(keys);
  if (old.rateLimitPrefixes.some((p) => key.startsWith(`${p}:`))) return { ephemeral: 'rate-limit-counter' };

  const casePrefix = `${P}:global:{case}:`;
  if (key.startsWith(casePrefix)) {
    const suffix = decodeKeyPart(key.slice(casePrefix.length));
    if (suffix === undefined || keys.global('case', suffix) !== key) return { unknown: true };
    const colon = suffix.indexOf(':');
    if (colon < 0) return suffix === '' ? { unknown: true } : { family: 'case-record', oldKey: key, newKey: neu.caseKey(suffix), id: suffix };
    const kind = suffix.slice(0, colon);
    const rest = suffix.slice(colon + 1);
    if (kind === 'owner') return { family: 'case-owner-index', oldKey: key, newKey: neu.ownerIndex(rest), id: rest };
    if (kind === 'order') return { family: 'case-order-index', oldKey: key, newKey: neu.orderIndex(rest), id: rest };
    if (kind === 'req') return { family: 'case-request-claim', oldKey: key, newKey: neu.requestClaim(rest), id: rest };
    if (kind === 'sweep' && (rest === 'deadline' || rest === 'expiry')) return { family: 'case-sweep-index', oldKey: key, newKey: neu.sweepIndex(rest), id: rest };
    return { unknown: true };
  }

  const deskPrefix = `${P}:global:{desk}:`;
  if (key.startsWith(deskPrefix)) {
    const suffix = decodeKeyPart(key.slice(deskPrefix.length));
    if (suffix === undefined || keys.global('desk', suffix) !== key) return undefined;
    const colon = suffix.indexOf(':');
    if (colon < 0) return undefined; // queue, hb, events, waits, archiving, outpending, proofkey: same key in this version
    const kind = suffix.slice(0, colon);
    const id = suffix.slice(colon + 1);
    if (kind === 't') return { family: 'desk-transcript', oldKey: key, newKey: neu.transcript(id), id };
    if (kind === 'c') return { family: 'desk-record', oldKey: key, newKey: neu.deskRecord(id), id };
    if (kind === 'out') return { family: 'desk-outbox', oldKey: key, newKey: neu.deskOutbox(id), id };
    if (kind === 'cur') return { family: 'desk-outbox-cursor', oldKey: key, newKey: neu.deskCursor(id), id };
    if (kind === 's') return { family: 'agent-session', oldKey: key, newKey: neu.session(id), id: `${id.slice(0, 8)}…` };
    if (kind === 'outlock') return { ephemeral: 'delivery-lock' };
    if (kind === 'prochecked') return { ephemeral: 'pro-check-marker' };
    return undefined; // mine:<agent> and the rest: same key in this version
  }

  const mailPrefix = `${P}:global:{mail}:`;
  if (key.startsWith(mailPrefix)) {
    const suffix = decodeKeyPart(key.slice(mailPrefix.length));
    if (suffix === undefined || keys.global('mail', suffix) !== key) return undefined;
    if (suffix.startsWith('key:')) return { family: 'mail-queued-marker', oldKey: key, newKey: neu.mailQueued(suffix.slice(4)), id: suffix.slice(4) };
    if (suffix.startsWith('sent:')) return { family: 'mail-sent-marker', oldKey: key, newKey: neu.mailSent(suffix.slice(5)), id: suffix.slice(5) };
    if (suffix.startsWith('lock:')) return { ephemeral: 'delivery-lock' };
    return undefined; // stream, retry, dead, stats, the development mailbox: same keys in this version
  }

  const statePrefix = `${P}:state:{`;
  if (key.startsWith(statePrefix) && key.endsWith('}')) {
    const storageKey = decodeKeyPart(key.slice(statePrefix.length, -1));
    if (storageKey === undefined || keys.state(storageKey) !== key) return undefined;
    const conv = parseConversationStorageKey(storageKey);
    if (!conv) return undefined; // any other item stays where it is
    return { family: 'conversation-state', oldKey: key, newKey: neu.state(storageKey), id: conv.conversationId };
  }

  const convPrefix = `${P}:conv:{`;
  if (key.startsWith(convPrefix)) {
    const end = key.indexOf('}:', convPrefix.length);
    if (end < 0) return undefined;
    const id = decodeKeyPart(key.slice(convPrefix.length, end));
    const suffix = decodeKeyPart(key.slice(end + 2));
    if (id === undefined || suffix === undefined || keys.conversation(id, suffix) !== key) return undefined;
    if (suffix === 'turns') return { family: 'continuity-marker', oldKey: key, newKey: neu.turn(id), id };
    if (suffix.startsWith('seen:')) return { ephemeral: 'dedupe-marker' };
  }
  return undefined;
}

export interface FamilyCounts {
  /** Moved to a new key that did not exist. */
  moved: number;
  /** Merged into a new key that existed already. */
  merged: number;
  /** Both existed and differed: see the log (a case record's other copy is kept aside). */
  conflicts: number;
  /** Left where it is this run: gone meanwhile, changed while being copied, or not confirmed durable. */
  skipped: number;
}

export interface MigrationSummary {
  dryRun: boolean;
  families: Record<Family, FamilyCounts>;
  /** Old short-lived keys seen and left to expire. */
  leftToExpire: Record<Ephemeral, number>;
  /** Keys under the old `{case}` tag that match no known family: left alone. */
  unknown: number;
  /** Desk records of conversations still waiting, with an agent or external: this version keeps them where they are. */
  liveDeskRecords: number;
  /** Keys examined (SCAN results under the prefix). */
  scanned: number;
}

export interface MigrationOptions {
  /** Report what would be done; write nothing. */
  dryRun?: boolean;
  /** Keys per SCAN page, handled together (default 200). */
  batchSize?: number;
  /** One line per event a person may read (ids only). */
  log?: (line: string) => void;
  /** Also one line per key moved (default: only conflicts, skips and progress). */
  verbose?: boolean;
}

type Outcome = 'moved' | 'merged' | 'conflict' | 'skipped' | 'live';

/** KEYS[1] new marker. ARGV token, PTTL (ms). An old "queued" marker (it was queued with its XADD). 1 created, 0 existed. */
const MOVE_MAIL_MARKER = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 't', ARGV[1], 'q', '1')
if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`;

/** Deletes KEYS[1] only if it still serialises to ARGV[1]. 1 deleted, 0 gone, -1 changed. */
const DEL_IF_UNCHANGED = `
local d = redis.call('DUMP', KEYS[1])
if not d then return 0 end
if d ~= ARGV[1] then return -1 end
redis.call('DEL', KEYS[1])
return 1
`;

/** KEYS[1] record. ARGV[1] the JSON expected, ARGV[2] the new JSON. 1 written, 0 changed meanwhile. */
const REPLACE_IF = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
`;

/**
 * KEYS[1] new turn hash. ARGV[1] the old marker, ARGV[2] its PTTL (ms, <= 0: none).
 * Raises field n to the old marker; a turn hash created here gets the old key's TTL. 1 created, 2 merged.
 */
const MERGE_MARKER = `
local existed = redis.call('EXISTS', KEYS[1])
local cur = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if tonumber(ARGV[1]) > cur then redis.call('HSET', KEYS[1], 'n', ARGV[1]) end
if existed == 0 and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if existed == 0 then return 1 end
return 2
`;

/**
 * KEYS[1] new stream. ARGV[1] the old stream's PTTL (ms), then per old entry: id, field count, fields….
 * Rebuilds the stream with the entries of both, in id order (an id in both keeps the new entry);
 * keeps the new key's TTL, or takes the old one's when it had none. Returns the number of entries.
 */
const MERGE_STREAM = `
local entries = {}
local seen = {}
local rows = redis.call('XRANGE', KEYS[1], '-', '+')
for _, row in ipairs(rows) do
  entries[#entries + 1] = {row[1], row[2]}
  seen[row[1]] = true
end
local i = 2
while i <= #ARGV do
  local id = ARGV[i]
  local n = tonumber(ARGV[i + 1])
  local fields = {}
  for j = 1, n do fields[j] = ARGV[i + 1 + j] end
  if not seen[id] then
    entries[#entries + 1] = {id, fields}
    seen[id] = true
  end
  i = i + 2 + n
end
local function parts(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
table.sort(entries, function(a, b)
  local am, as = parts(a[1])
  local bm, bs = parts(b[1])
  if am ~= bm then return am < bm end
  return as < bs
end)
local ttl = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
for _, e in ipairs(entries) do redis.call('XADD', KEYS[1], e[1], unpack(e[2])) end
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) elseif tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return #entries
`;

/** Every master's connection (one for a single Redis or Sentinel). */
function masters(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis as Redis];
}

function emptyCounts(): FamilyCounts {
  return { moved: 0, merged: 0, conflicts: 0, skipped: 0 };
}

/** `updatedAt` of a case record's JSON, or '' when unreadable. */
function updatedAt(json: string): string {
  try {
    const v = (JSON.parse(json) as { updatedAt?: unknown }).updatedAt;
    return typeof v === 'string' ? v : '';
  } catch {
    return '';
  }
}

export async function migrateKeys(redis: RedisClient, keys: Keyspace, opts: MigrationOptions = {}): Promise<MigrationSummary> {
  const dryRun = opts.dryRun ?? false;
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 200));
  const log = opts.log ?? (() => undefined);
  const durable = durabilityFor(redis);
  const neu = newLayout(keys);
  const summary: MigrationSummary = {
    dryRun,
    families: Object.fromEntries(FAMILIES.map((f) => [f, emptyCounts()])) as Record<Family, FamilyCounts>,
    leftToExpire: { 'rate-limit-counter': 0, 'dedupe-marker': 0, 'delivery-lock': 0, 'pro-check-marker': 0 },
    unknown: 0,
    liveDeskRecords: 0,
    scanned: 0,
  };
  const count = (k: OldKey, outcome: Outcome): void => {
    const c = summary.families[k.family];
    if (outcome === 'live') summary.liveDeskRecords++;
    else if (outcome === 'moved') c.moved++;
    else if (outcome === 'merged') c.merged++;
    else if (outcome === 'conflict') {
      c.merged++;
      c.conflicts++;
    } else c.skipped++;
  };

  /** Deletes the old key if it still holds `dump`; false (and a log line) when it changed meanwhile. */
  const deleteOld = async (k: OldKey, dump: Buffer): Promise<boolean> => {
    const r = Number(await redis.eval(DEL_IF_UNCHANGED, 1, k.oldKey, dump));
    if (r === -1) {
      log(`${k.family} ${k.id}: the old key changed while it was copied; left for the next run`);
      return false;
    }
    return true;
  };

  /** RESTORE under the new name with the old TTL; 'exists' when the new key is there already. */
  const restore = async (k: OldKey, dump: Buffer, ttl: number): Promise<'restored' | 'exists'> => {
    try {
      await durable.write(k.newKey, (p) => p.restore(k.newKey, ttl > 0 ? ttl : 0, dump));
      return 'restored';
    } catch (err) {
      if (/BUSYKEY/.test((err as Error).message)) return 'exists';
      throw err;
    }
  };

  const mergeInto = async (k: OldKey, type: string, dump: Buffer, ttl: number): Promise<Outcome> => {
    switch (k.family) {
      case 'case-record': {
        const [oldJson, newJson] = await Promise.all([redis.get(k.oldKey), redis.get(k.newKey)]);
        if (oldJson === null) return 'skipped';
        if (newJson === null) return 'skipped'; // gone meanwhile: the next run moves it
        if (oldJson === newJson) return (await deleteOld(k, dump)) ? 'merged' : 'skipped';
        const oldAt = updatedAt(oldJson);
        const newAt = updatedAt(newJson);
        const keepOld = oldAt > newAt;
        const aside = keepOld ? newJson : oldJson;
        await durable.write(neu.conflict(k.id), (p) => p.set(neu.conflict(k.id), aside));
        if (keepOld) {
          const [written] = await durable.write(k.newKey, (p) => p.eval(REPLACE_IF, 1, k.newKey, newJson, oldJson));
          if (Number(written) !== 1) {
            log(`case-record ${k.id}: the new record changed meanwhile; left for the next run`);
            return 'skipped';
          }
        }
        if (!(await deleteOld(k, dump))) return 'skipped';
        log(
          `case-record ${k.id}: in both layouts (old updated ${oldAt || '?'}, new updated ${newAt || '?'}); kept the ${keepOld ? 'old-layout' : 'new-layout'} copy, the other is at ${neu.conflict(k.id)}`,
        );
        return 'conflict';
      }
      case 'case-request-claim':
      case 'desk-outbox-cursor':
      case 'agent-session':
      case 'mail-sent-marker':
      case 'conversation-state': {
        // The new key is what the upgraded bot uses now: it stays; the old one goes.
        const [a, b] =
          type === 'string'
            ? await Promise.all([redis.get(k.oldKey), redis.get(k.newKey)])
            : await Promise.all([redis.hget(k.oldKey, 'd'), redis.hget(k.newKey, 'd')]);
        const same = a !== null && a === b;
        if (!(await deleteOld(k, dump))) return 'skipped';
        if (same) return 'merged';
        log(`${k.family} ${k.id}: in both layouts; kept the new one`);
        return 'conflict';
      }
      case 'case-owner-index':
      case 'case-order-index':
      case 'case-sweep-index': {
        let cursor = '0';
        do {
          const [next, flat] = await redis.zscan(k.oldKey, cursor, 'COUNT', batchSize);
          cursor = next;
          if (flat.length === 0) continue;
          const args: string[] = [];
          for (let i = 0; i < flat.length; i += 2) args.push(flat[i + 1]!, flat[i]!);
          await durable.write(k.newKey, (p) => p.zadd(k.newKey, 'NX', ...args));
        } while (cursor !== '0');
        return (await deleteOld(k, dump)) ? 'merged' : 'skipped';
      }
      case 'desk-outbox':
      case 'desk-transcript': {
        const rows = await redis.xrange(k.oldKey, '-', '+');
        const args: string[] = [String(ttl)];
        for (const [id, fields] of rows) args.push(id, String(fields.length), ...fields);
        await durable.write(k.newKey, (p) => p.eval(MERGE_STREAM, 1, k.newKey, ...args));
        return (await deleteOld(k, dump)) ? 'merged' : 'skipped';
      }
      case 'continuity-marker':
      case 'desk-record':
      case 'mail-queued-marker':
        return 'skipped'; // handled in migrateOne
    }
  };

  const migrateOne = async (k: OldKey): Promise<Outcome> => {
    if (k.family === 'desk-record') {
      const status = await redis.hget(k.oldKey, 'status');
      if (!status) return 'skipped';
      if (['waiting', 'assigned', 'external'].includes(status)) return 'live';
      const existed = (await redis.exists(k.newKey)) === 1;
      if (dryRun) return existed ? 'merged' : 'moved';
      // The desk's own move: the copy in the desk's slot wins over an archived one (readers prefer it too).
      if (!(await new DeskStore(redis, keys).archive(k.id)) || (await redis.exists(k.oldKey))) return 'skipped';
      return existed ? 'merged' : 'moved';
    }
    if (k.family === 'mail-queued-marker') {
      const [token, ttl, dump] = await Promise.all([redis.get(k.oldKey), redis.pttl(k.oldKey), redis.dumpBuffer(k.oldKey)]);
      if (token === null || dump === null) return 'skipped';
      if (dryRun) return (await redis.exists(k.newKey)) ? 'merged' : 'moved';
      const [r] = await durable.write(k.newKey, (p) => p.eval(MOVE_MAIL_MARKER, 1, k.newKey, token, String(ttl)));
      if (!(await deleteOld(k, dump))) return 'skipped';
      return Number(r) === 1 ? 'moved' : 'merged';
    }
    if (k.family === 'continuity-marker') {
      // Same slot, different type (a string becomes field n of the turn hash): one script.
      const [value, ttl, dump] = await Promise.all([redis.get(k.oldKey), redis.pttl(k.oldKey), redis.dumpBuffer(k.oldKey)]);
      if (value === null || dump === null) return 'skipped';
      if (dryRun) return (await redis.exists(k.newKey)) ? 'merged' : 'moved';
      const [r] = await durable.write(k.newKey, (p) => p.eval(MERGE_MARKER, 1, k.newKey, value, String(ttl)));
      if (!(await deleteOld(k, dump))) return 'skipped';
      return Number(r) === 1 ? 'moved' : 'merged';
    }
    const [type, ttl, dump] = await Promise.all([redis.type(k.oldKey), redis.pttl(k.oldKey), redis.dumpBuffer(k.oldKey)]);
    if (type === 'none' || dump === null || ttl === -2) return 'skipped';
    const exists = (await redis.exists(k.newKey)) === 1;
    if (dryRun) return exists ? 'merged' : 'moved';
    let outcome: Outcome;
    if (!exists && (await restore(k, dump, ttl)) === 'restored') outcome = (await deleteOld(k, dump)) ? 'moved' : 'skipped';
    else outcome = await mergeInto(k, type, dump, ttl);
    // What a moved outbox still holds is delivered by the desk's sweeper.
    if (k.family === 'desk-outbox' && outcome !== 'skipped') await redis.sadd(keys.global('desk', 'outpending'), k.id);
    return outcome;
  };

  const handle = async (k: OldKey): Promise<void> => {
    let outcome: Outcome;
    try {
      outcome = await migrateOne(k);
    } catch (err) {
      const why = err instanceof NotDurableError ? 'the copy was not confirmed durable' : (err as Error).message;
      log(`${k.family} ${k.id}: left where it is (${why}); run again`);
      outcome = 'skipped';
    }
    count(k, outcome);
    if (opts.verbose || dryRun) {
      if (outcome === 'live') return;
    const verb = dryRun ? (outcome === 'moved' ? 'would move' : outcome === 'merged' ? 'would merge into existing' : 'would skip') : outcome;
      log(`${verb} ${k.family} ${k.id}: ${k.oldKey} -> ${k.newKey}`);
    }
  };

  for (const pass of [1, 2] as const) {
    // The second pass needs only the old {case} keys (one Cluster slot): SCAN matches them alone.
    const match = pass === 1 ? keys.pattern() : `${keys.prefix}:global:{case}:*`;
    for (const node of masters(redis)) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', match, 'COUNT', batchSize);
        cursor = next;
        const todo: OldKey[] = [];
        for (const key of found) {
          if (pass === 1) summary.scanned++;
          const c = classify(keys, key);
          if (!c) continue;
          if ('ephemeral' in c) {
            if (pass === 1) summary.leftToExpire[c.ephemeral]++;
          } else if ('unknown' in c) {
            if (pass === 1) summary.unknown++;
          } else if (SECOND_PASS.has(c.family) === (pass === 2)) todo.push(c);
        }
        // Keys of one page in parallel: each one is its own few round trips.
        await Promise.all(todo.map(handle));
      } while (cursor !== '0');
    }
  }
  return summary;
}

/** The summary as lines a person reads. */
export function formatSummary(s: MigrationSummary): string[] {
  const lines = [`${s.dryRun ? 'Dry run (nothing written)' : 'Done'}: ${s.scanned} keys examined under the prefix.`];
  lines.push(`${'family'.padEnd(20)} ${'moved'.padStart(8)} ${'merged'.padStart(8)} ${'conflicts'.padStart(9)} ${'skipped'.padStart(8)}`);
  for (const f of FAMILIES) {
    const c = s.families[f];
    lines.push(`${f.padEnd(20)} ${String(c.moved).padStart(8)} ${String(c.merged).padStart(8)} ${String(c.conflicts).padStart(9)} ${String(c.skipped).padStart(8)}`);
  }
  lines.push(
    `left to expire: ${s.leftToExpire['rate-limit-counter']} rate-limit counters, ${s.leftToExpire['dedupe-marker']} de-duplication markers, ` +
      `${s.leftToExpire['delivery-lock']} delivery locks, ${s.leftToExpire['pro-check-marker']} Pro-offer markers (old layout, short TTL)`,
  );
  if (s.liveDeskRecords > 0) lines.push(`kept: ${s.liveDeskRecords} desk records of conversations still at the desk (this version keeps them there)`);
  if (s.unknown > 0) lines.push(`left alone: ${s.unknown} keys under the old {case} tag of no known family`);
  const skipped = FAMILIES.reduce((n, f) => n + s.families[f].skipped, 0);
  if (!s.dryRun && skipped > 0) lines.push(`${skipped} keys were left where they are: run again`);
  return lines;
}
