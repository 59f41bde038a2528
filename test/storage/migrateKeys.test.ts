/**
 * The key layout migration (scripts/migrate-keys.ts, src/storage/keyMigration.ts) on real Redis:
 * keys written as the previous version wrote them, moved, then read by this version's own code
 * (case repository, owner and order lookups, the dispute sweep's index, conversation state, turn
 * gate, desk transcript). Also on a real Cluster (3 masters with a replica each), and the command
 * itself as an operator runs it.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import Redis, { Cluster } from 'ioredis';
import { RedisCaseRepository, sweepScores } from '../../src/cases/repository';
import { ownerIndexIds } from '../../src/cases/owner';
import type { CaseOwner, CaseRecord } from '../../src/cases/types';
import { createHash } from 'node:crypto';
import { AgentAuth } from '../../src/agent/auth';
import { DeskStore } from '../../src/handoff/store';
import { Outbox, type MailTransport } from '../../src/services/notifications';
import { Relay } from '../../src/handoff/relay';
import { createLogger } from '../../src/logger';
import { stateKeyFor } from '../../src/storage/conversationState';
import { classify, decodeKeyPart, formatSummary, migrateKeys, newLayout, oldLayout, FAMILIES, type MigrationSummary } from '../../src/storage/keyMigration';
import { encodeKeyPart, keyspace, type Keyspace } from '../../src/storage/keys';
import type { RedisClient } from '../../src/storage/redisClient';
import { RedisStorage } from '../../src/storage/redisStorage';
import { TurnGate } from '../../src/storage/turnGate';
import { disputeCase, refundCase } from '../support/disputeCases';
import { ClusterSet } from '../failover/topology';
import { close, connect, dropPrefix, uniquePrefix } from './helpers';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const NOW = new Date('2031-03-15T10:00:00.000Z');
const DAY = 86_400_000;
const EMAIL = 'alice.martin@example.com';
const AGENT_TOKEN = `agt_${'s'.repeat(43)}`;
const AGENT_TOKEN_HASH = createHash('sha256').update(AGENT_TOKEN).digest('hex');
const MAIL_ID = 'RF-MAIL1:answer:1';

const alice: CaseOwner = { channelId: 'webchat', userId: 'u-alice', accountId: 'ACC-ALICE' };
const bob: CaseOwner = { channelId: 'msteams', userId: 'u-bob' };

/** Every key under the prefix, on every master, with its value (DUMP) and whether it has a TTL. */
async function snapshot(client: RedisClient, prefix: string): Promise<Map<string, string>> {
  const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client as Redis];
  const out = new Map<string, string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      for (const key of found) {
        const [dump, ttl] = await Promise.all([node.dumpBuffer(key), node.pttl(key)]);
        out.set(key, `${dump?.toString('hex')} ${ttl > 0 ? 'ttl' : ttl}`);
      }
    } while (cursor !== '0');
  }
  return out;
}

interface Seeded {
  /** Refund of alice, also in the new layout (an interrupted run), then updated by the new code: a conflict. */
  a: CaseRecord;
  /** Dispute of bob. */
  b: CaseRecord;
  /** Refund of alice, also in the new layout exactly as in the old one (an interrupted run). */
  c: CaseRecord;
  /** Refund of alice created by the new code after the upgrade. */
  d: CaseRecord;
}

/**
 * Writes the old layout as the previous version did (the records are real ones, made by this version's
 * repository under a scratch prefix), plus what the upgraded bot already wrote in the new layout.
 */
async function seed(redis: RedisClient, keys: Keyspace): Promise<Seeded> {
  const scratch = keyspace(`${keys.prefix}-scratch`);
  const scratchRepo = new RedisCaseRepository(redis, scratch, { now: () => NOW });
  const old = oldLayout(keys);
  const neu = newLayout(keys);
  const a0 = await scratchRepo.create(await refundCase(alice, { now: NOW, accountId: 'ACC-ALICE', conversationId: 'conv-a', serviceUrl: 'https://example.invalid/', requestKey: 'conv-a:refund:1' }));
  const a = (await scratchRepo.setContact(a0.reference, { email: EMAIL, confirmedAt: NOW.toISOString() }, 'bot'))!;
  const b = await scratchRepo.create(await disputeCase(bob, { now: NOW, requestKey: 'conv-b:dispute:1' }));
  const c = await scratchRepo.create(await refundCase(alice, { now: NOW, accountId: 'ACC-ALICE', conversationId: 'conv-a', serviceUrl: 'https://example.invalid/', requestKey: 'conv-a:refund:2' }));
  await dropPrefix(redis, scratch.prefix);

  // Old layout: records, owner and order indexes, request claims (30 days), the sweep index.
  for (const [record, requestKey] of [[a, 'conv-a:refund:1'], [b, 'conv-b:dispute:1'], [c, 'conv-a:refund:2']] as const) {
    await redis.set(old.caseKey(record.reference), JSON.stringify(record));
    const at = String(Date.parse(record.createdAt));
    for (const id of ownerIndexIds(record.owner)) await redis.zadd(old.ownerIndex(id), at, record.reference);
    await redis.zadd(old.orderIndex(record.facts.order!.id), at, record.reference);
    await redis.set(old.requestClaim(requestKey), record.reference, 'EX', 30 * 86400 - 3600);
  }
  const expiry = sweepScores(b).expiry!;
  expect(expiry).toBeGreaterThan(NOW.getTime());
  await redis.zadd(old.sweepIndex('expiry'), String(expiry), b.reference);

  // Conversation state (RedisStorage as the previous version configured it), a user-state item that
  // stays where it is, continuity markers, desk transcripts.
  const oldStorage = new RedisStorage(redis, { keyspace: keys, ttlSeconds: 3600 });
  const newStorage = new RedisStorage(redis, { keyspace: keys, ttlSeconds: 3600, keyFor: stateKeyFor(keys) });
  await oldStorage.write({
    'webchat/conversations/conv-a/': { dialogState: { step: 3 }, email: EMAIL },
    'msteams/conversations/conv-b/': { dialogState: { step: 1 } },
    'webchat/users/u-alice/': { seen: true },
  });
  await newStorage.write({ 'msteams/conversations/conv-b/': { dialogState: { step: 8 } } });
  await redis.set(old.marker('conv-a'), '5', 'EX', 3600);
  await redis.set(old.marker('conv-b'), '9', 'EX', 3600);
  await redis.hset(neu.turn('conv-b'), 'n', '3', 'lang', 'fr');
  await redis.expire(neu.turn('conv-b'), 3600);
  await redis.xadd(old.transcript('conv-a'), '1900000000000-0', 'e', JSON.stringify({ from: 'customer', text: 'bonjour', at: NOW.toISOString() }));
  await redis.xadd(old.transcript('conv-a'), '1900000000001-0', 'e', JSON.stringify({ from: 'bot', text: 'Bonjour !', at: NOW.toISOString() }));
  await redis.expire(old.transcript('conv-a'), 30 * 86400);
  await redis.xadd(old.transcript('conv-b'), '1900000000000-0', 'e', JSON.stringify({ from: 'customer', text: 'before the upgrade', at: NOW.toISOString() }));
  await redis.expire(old.transcript('conv-b'), 30 * 86400);
  await redis.xadd(neu.transcript('conv-b'), '1900000000005-0', 'e', JSON.stringify({ from: 'agent', text: 'after the upgrade', at: NOW.toISOString() }));
  await redis.expire(neu.transcript('conv-b'), 20 * 86400);

  // Short-lived keys of the old layout: left to expire.
  await redis.set(`${keys.global('ratelimit', 'messages')}:conv-a`, '1', 'EX', 60);
  await redis.set(`${keys.global('desk', 'login-addr')}:127.0.0.1`, '1', 'EX', 900);
  await redis.set(old.dedupe('conv-a', 'act-1'), 'done', 'EX', 600);

  // What an interrupted run left (copies not yet followed by the delete), and the upgraded bot's writes.
  for (const record of [a, c]) {
    const dump = await redis.dumpBuffer(old.caseKey(record.reference));
    await redis.restore(neu.caseKey(record.reference), 0, dump!);
  }
  // The desk of the previous version: a closed conversation's record, its customer outbox (the last
  // entry not delivered yet) and cursor, an agent's session, a conversation still waiting, a delivery
  // lock and a Pro-offer marker; the e-mail outbox's markers of a message sent, a lock, a typed-address counter.
  const desk = (status: string) => ({ status, tier: 'standard', language: 'fr', topic: 'refund', reason: 'user_asked', severity: 'normal', caseRef: a.reference, since: String(NOW.getTime()), ref: '{}', channelId: 'webchat' });
  await redis.hset(old.deskRecord('conv-a'), desk('closed'));
  await redis.expire(old.deskRecord('conv-a'), 20 * 86400);
  await redis.hset(old.deskRecord('conv-live'), desk('waiting'));
  await redis.zadd(keys.global('desk', 'queue'), '1', 'conv-live');
  await redis.xadd(old.deskOutbox('conv-a'), '1900000000000-0', 'i', JSON.stringify({ kind: 'notice', key: 'handoff:claimed' }));
  await redis.xadd(old.deskOutbox('conv-a'), '1900000000001-0', 'i', JSON.stringify({ kind: 'notice', key: 'handoff:closed' }));
  await redis.expire(old.deskOutbox('conv-a'), 30 * 86400);
  await redis.set(old.deskCursor('conv-a'), '1900000000000-0', 'EX', 30 * 86400);
  await redis.set(old.session(AGENT_TOKEN_HASH), JSON.stringify({ name: 'alice', expiresAt: new Date(Date.now() + 3600_000).toISOString() }), 'EX', 3600);
  await redis.set(old.deskOutLock('conv-a'), 'x', 'EX', 600);
  await redis.set(old.proChecked('conv-a'), '1', 'EX', 7 * 86400);
  await redis.set(old.mailQueued(MAIL_ID), 'token-of-the-old-version', 'EX', 30 * 86400);
  await redis.set(old.mailSent(MAIL_ID), '1', 'EX', 30 * 86400);
  await redis.set(old.mailLock('RF-MAIL1:answer:2'), 'x', 'EX', 600);
  await redis.set(`${keys.global('mail', 'typed-address-limit')}:abc`, '1', 'EX', 3600);

  const repo = new RedisCaseRepository(redis, keys, { now: () => new Date(NOW.getTime() + DAY) });
  await repo.note(a.reference, 'agent:zoe', 'called back');
  const d = await repo.create(await refundCase(alice, { now: NOW, accountId: 'ACC-ALICE', conversationId: 'conv-a', serviceUrl: 'https://example.invalid/', requestKey: 'conv-d:refund:1' }));
  return { a, b, c, d };
}

/** What this version's code finds once the migration ran. */
async function expectMigrated(redis: RedisClient, keys: Keyspace, s: Seeded): Promise<void> {
  const repo = new RedisCaseRepository(redis, keys, { now: () => NOW });
  const neu = newLayout(keys);
  for (const r of [s.a, s.b, s.c, s.d]) expect((await repo.get(r.reference))?.reference).toBe(r.reference);
  // The record in both layouts keeps the copy updated last (the new code's note); the other is kept aside.
  expect((await repo.get(s.a.reference))!.history.at(-1)?.note).toBe('called back');
  expect(JSON.parse((await redis.get(neu.conflict(s.a.reference)))!).updatedAt).toBe(s.a.updatedAt);
  // Owner indexes (channel user and account), unioned with what the new code wrote.
  const mine = (await repo.listByOwner(alice)).map((r) => r.reference).sort();
  expect(mine).toEqual([s.a.reference, s.c.reference, s.d.reference].sort());
  const byAccount = await repo.listByOwner({ channelId: 'msteams', userId: 'someone-else', accountId: 'ACC-ALICE' });
  expect(byAccount.map((r) => r.reference).sort()).toEqual(mine);
  expect((await repo.getForOwner(s.b.reference, bob))?.reference).toBe(s.b.reference);
  expect(await repo.getForOwner(s.b.reference, alice)).toBeNull();
  // Order index: the order's case history counts the three refunds.
  expect((await repo.requestHistory('fl-100001 ')).earlierRequests).toBe(3);
  // The dispute sweep finds the dispute when it is due (and not before).
  expect(await repo.dueForSweep('expiry', NOW, 10)).toEqual([]);
  expect(await repo.dueForSweep('expiry', new Date(sweepScores(s.b).expiry! + 1), 10)).toEqual([s.b.reference]);
  // Request claims keep their TTL.
  const ttl = await redis.pttl(neu.requestClaim('conv-b:dispute:1'));
  expect(ttl).toBeGreaterThan(29 * DAY);
  expect(ttl).toBeLessThanOrEqual(30 * DAY);
  // Conversation state: moved with its TTL; the one the new code wrote wins; other items stay.
  const storage = new RedisStorage(redis, { keyspace: keys, ttlSeconds: 3600, keyFor: stateKeyFor(keys) });
  const state = await storage.read(['webchat/conversations/conv-a/', 'msteams/conversations/conv-b/', 'webchat/users/u-alice/']);
  expect(state['webchat/conversations/conv-a/']).toMatchObject({ dialogState: { step: 3 } });
  expect(state['msteams/conversations/conv-b/']).toMatchObject({ dialogState: { step: 8 } });
  expect(state['webchat/users/u-alice/']).toMatchObject({ seen: true });
  expect(await redis.pttl(stateKeyFor(keys)('webchat/conversations/conv-a/'))).toBeGreaterThan(0);
  // Continuity markers: field n of the turn record (the higher one when both existed), with a TTL.
  expect(await redis.hget(neu.turn('conv-a'), 'n')).toBe('5');
  expect(await redis.pttl(neu.turn('conv-a'))).toBeGreaterThan(0);
  expect(await redis.hmget(neu.turn('conv-b'), 'n', 'lang')).toEqual(['9', 'fr']);
  // Desk transcripts, in order, with their TTL.
  const relay = new Relay(new DeskStore(redis, keys), createLogger('silent'));
  expect((await relay.transcript('conv-a')).map((e) => e.text)).toEqual(['bonjour', 'Bonjour !']);
  expect((await relay.transcript('conv-b')).map((e) => e.text)).toEqual(['before the upgrade', 'after the upgrade']);
  expect(await redis.pttl(neu.transcript('conv-a'))).toBeGreaterThan(29 * DAY);
  expect(await redis.pttl(neu.transcript('conv-b'))).toBeGreaterThan(19 * DAY);
  // Desk: the closed conversation's record archived with its TTL (the live one stays), its outbox and
  // cursor (and it is pending again, so the undelivered entry goes out), the agent still signed in.
  const old = oldLayout(keys);
  const store = new DeskStore(redis, keys);
  expect(await store.get('conv-a')).toMatchObject({ status: 'closed', caseRef: s.a.reference, language: 'fr' });
  expect(await redis.exists(old.deskRecord('conv-a'))).toBe(0);
  expect(await redis.pttl(neu.deskRecord('conv-a'))).toBeGreaterThan(19 * DAY);
  expect(await store.get('conv-live')).toMatchObject({ status: 'waiting' });
  expect(await store.queueIds()).toEqual(['conv-live']);
  expect(await redis.xlen(neu.deskOutbox('conv-a'))).toBe(2);
  expect(await redis.get(neu.deskCursor('conv-a'))).toBe('1900000000000-0');
  expect(await redis.sismember(keys.global('desk', 'outpending'), 'conv-a')).toBe(1);
  expect(await new AgentAuth(redis, keys, [{ name: 'alice', hash: 'x' }], 3600).session(AGENT_TOKEN)).toMatchObject({ name: 'alice' });
  // E-mail: the message queued and sent before the upgrade is neither queued nor sent again.
  const transport = { kind: 'dev', send: async () => undefined, close: async () => undefined } as unknown as MailTransport;
  const outbox = new Outbox(redis, keys, transport, createLogger('silent'), { maxAttempts: 1, retryBaseMs: 100 });
  expect(await outbox.enqueue({ id: MAIL_ID, kind: 'agent_answer', reference: 'RF-MAIL1', language: 'en', to: 'x@example.org', subject: 'S', text: 'T', html: 'T' })).toBe(false);
  expect(await redis.exists(neu.mailSent(MAIL_ID))).toBe(1);
  expect(await redis.pttl(neu.mailQueued(MAIL_ID))).toBeGreaterThan(29 * DAY);
  // No key of the old layout is left, except the short-lived ones (and the live desk record, whose key is this version's too).
  const left = [...(await snapshot(redis, keys.prefix)).keys()].map((k) => classify(keys, k)).filter(Boolean);
  expect(left.filter((c) => c && 'family' in c && !(c.family === 'desk-record' && c.id === 'conv-live'))).toEqual([]);
  expect(left.filter((c) => c && 'ephemeral' in c)).toHaveLength(7);
}

function expectNothingDone(s: MigrationSummary): void {
  for (const f of FAMILIES) expect(s.families[f]).toEqual({ moved: 0, merged: 0, conflicts: 0, skipped: 0 });
}

describe('key names', () => {
  const keys = keyspace('kp');

  it('decodes exactly what encodeKeyPart produces', () => {
    for (const s of ['', 'a:b', '%', '{x}', '%7B', 'ü/日本', '\uD800', 'x\uDC00y', '%00', '%25']) {
      expect(decodeKeyPart(encodeKeyPart(s))).toBe(s);
    }
    expect(decodeKeyPart('%7b')).toBeUndefined();
    expect(decodeKeyPart('a}')).toBeUndefined();
  });

  it('maps every old family to the key this version reads, ephemeral keys to none', () => {
    const old = oldLayout(keys);
    const repo = new RedisCaseRepository({} as RedisClient, keys);
    const odd = 'we{ir}d%:id';
    const cases: [string, string][] = [
      [old.caseKey('RF-ABCDE'), repo.caseKey('RF-ABCDE')],
      [old.ownerIndex(`user:${JSON.stringify(['webchat', odd])}`), repo.indexKey(`user:${JSON.stringify(['webchat', odd])}`)],
      [old.ownerIndex('account:A{1}'), repo.indexKey('account:A{1}')],
      [old.orderIndex(' fl-1 '), repo.orderIndexKey('FL-1')],
      [old.requestClaim(`${odd}:refund`), repo.requestKeyName(`${odd}:refund`)],
      [old.sweepIndex('deadline'), repo.sweepKey('deadline')],
      [old.sweepIndex('expiry'), repo.sweepKey('expiry')],
      [old.state(`msteams/conversations/${odd}/`), stateKeyFor(keys)(`msteams/conversations/${odd}/`)],
      [old.marker(odd), new TurnGate({ defineCommand: () => undefined } as unknown as RedisClient, keys).turnKey(odd)],
      [old.transcript(odd), new DeskStore({} as RedisClient, keys).transcriptKey(odd)],
      [old.deskRecord(odd), new DeskStore({} as RedisClient, keys).archiveKey(odd)],
      [old.deskOutbox(odd), new DeskStore({} as RedisClient, keys).outKey(odd)],
      [old.deskCursor(odd), new DeskStore({} as RedisClient, keys).cursorKey(odd)],
      [old.session('ab12'), keys.global('desk-session:ab12')],
      [old.mailQueued(`RF-X:${odd}`), keys.global(`mail-msg:RF-X:${odd}`, 'key')],
      [old.mailSent(`RF-X:${odd}`), keys.global(`mail-msg:RF-X:${odd}`, 'sent')],
    ];
    for (const [from, to] of cases) {
      const c = classify(keys, from);
      expect(c && 'newKey' in c ? c.newKey : c).toBe(to);
      expect(classify(keys, to)).toBeUndefined(); // a new key is never taken for an old one
    }
    expect(classify(keys, `${keys.global('ratelimit', 'dl-post')}:1.2.3.4`)).toEqual({ ephemeral: 'rate-limit-counter' });
    expect(classify(keys, `${keys.global('desk', 'login-name')}:zoe`)).toEqual({ ephemeral: 'rate-limit-counter' });
    expect(classify(keys, old.dedupe(odd, 'a1'))).toEqual({ ephemeral: 'dedupe-marker' });
    expect(classify(keys, keys.state('webchat/users/u1/'))).toBeUndefined();
    expect(classify(keys, keys.global('desk', 'queue'))).toBeUndefined();
    for (const k of [old.deskOutLock(odd), old.mailLock(odd)]) expect(classify(keys, k)).toEqual({ ephemeral: 'delivery-lock' });
    expect(classify(keys, old.proChecked(odd))).toEqual({ ephemeral: 'pro-check-marker' });
    expect(classify(keys, `${keys.global('mail', 'typed-address-limit')}:abc`)).toEqual({ ephemeral: 'rate-limit-counter' });
    for (const k of ['outpending', 'archiving', 'hb', 'events', 'waits', 'proofkey', 'mine:alice']) expect(classify(keys, keys.global('desk', k))).toBeUndefined();
    for (const k of ['stream', 'stats', 'retry', 'dead', 'enqueuing', 'dev:list']) expect(classify(keys, keys.global('mail', k))).toBeUndefined();
    expect(classify(keys, keys.global('case', 'other:x'))).toEqual({ unknown: true });
  });
});

describe('migrating the key layout on one Redis', () => {
  const keys = keyspace(uniquePrefix('mig'));
  let redis: RedisClient;
  let seeded: Seeded;

  beforeAll(async () => {
    redis = await connect();
    seeded = await seed(redis, keys);
  });
  afterAll(async () => {
    await dropPrefix(redis, keys.prefix);
    await close(redis);
  });

  it('a dry run says what it would do and changes nothing', async () => {
    const before = await snapshot(redis, keys.prefix);
    const lines: string[] = [];
    const s = await migrateKeys(redis, keys, { dryRun: true, batchSize: 3, log: (l) => lines.push(l) });
    expect(await snapshot(redis, keys.prefix)).toEqual(before);
    expect(s.families['case-record']).toMatchObject({ moved: 1, merged: 2 });
    expect(s.families['case-owner-index']).toMatchObject({ moved: 1, merged: 2 });
    expect(s.families['conversation-state']).toMatchObject({ moved: 1, merged: 1 });
    expect(s.leftToExpire).toEqual({ 'rate-limit-counter': 3, 'dedupe-marker': 1, 'delivery-lock': 2, 'pro-check-marker': 1 });
    expect(s.liveDeskRecords).toBe(1);
    expect(lines).toContain(`would move case-record ${seeded.b.reference}: ${oldLayout(keys).caseKey(seeded.b.reference)} -> ${newLayout(keys).caseKey(seeded.b.reference)}`);
    expect(lines.join('\n')).not.toContain(EMAIL);
  });

  it('moves every family; this version finds every case, index, state, marker and transcript, TTLs kept', async () => {
    const lines: string[] = [];
    const s = await migrateKeys(redis, keys, { batchSize: 3, verbose: true, log: (l) => lines.push(l) });
    const text = [...lines, ...formatSummary(s)].join('\n');
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain('@');
    expect(s.families).toEqual({
      'case-record': { moved: 1, merged: 2, conflicts: 1, skipped: 0 },
      'case-owner-index': { moved: 1, merged: 2, conflicts: 0, skipped: 0 }, // bob's user; alice's user and account
      'case-order-index': { moved: 1, merged: 1, conflicts: 0, skipped: 0 },
      'case-request-claim': { moved: 3, merged: 0, conflicts: 0, skipped: 0 },
      'case-sweep-index': { moved: 1, merged: 0, conflicts: 0, skipped: 0 },
      'conversation-state': { moved: 1, merged: 1, conflicts: 1, skipped: 0 },
      'continuity-marker': { moved: 1, merged: 1, conflicts: 0, skipped: 0 },
      'desk-transcript': { moved: 1, merged: 1, conflicts: 0, skipped: 0 },
      'desk-record': { moved: 1, merged: 0, conflicts: 0, skipped: 0 },
      'desk-outbox': { moved: 1, merged: 0, conflicts: 0, skipped: 0 },
      'desk-outbox-cursor': { moved: 1, merged: 0, conflicts: 0, skipped: 0 },
      'agent-session': { moved: 1, merged: 0, conflicts: 0, skipped: 0 },
      'mail-queued-marker': { moved: 1, merged: 0, conflicts: 0, skipped: 0 },
      'mail-sent-marker': { moved: 1, merged: 0, conflicts: 0, skipped: 0 },
    });
    expect(s.liveDeskRecords).toBe(1);
    expect(lines.some((l) => l.startsWith(`case-record ${seeded.a.reference}: in both layouts`))).toBe(true);
    // Every record is in place before any index moves (the sweep drops entries whose record it cannot find).
    const lastRecord = Math.max(...lines.map((l, i) => (/^(moved|merged|conflict) case-record /.test(l) ? i : -1)));
    const firstIndex = lines.findIndex((l) => /^(moved|merged|conflict) case-(owner|order|sweep)/.test(l));
    expect(lastRecord).toBeGreaterThanOrEqual(0);
    expect(firstIndex).toBeGreaterThan(lastRecord);
    await expectMigrated(redis, keys, seeded);
  });

  it('a second run does nothing', async () => {
    const before = await snapshot(redis, keys.prefix);
    const s = await migrateKeys(redis, keys);
    expectNothingDone(s);
    expect(await snapshot(redis, keys.prefix)).toEqual(before);
  });

  it('after it, the request claim makes a retry of an old request return its case, and the turn gate reads the marker', async () => {
    const repo = new RedisCaseRepository(redis, keys, { now: () => NOW });
    const again = await repo.create(await disputeCase(bob, { now: NOW, requestKey: 'conv-b:dispute:1' }));
    expect(again.reference).toBe(seeded.b.reference);
    const gate = new TurnGate(redis, keys);
    const begun = await gate.begin('conv-a');
    expect(begun.kind).toBe('ok');
    if (begun.kind === 'ok') {
      expect(begun.turn.storedMarker).toBe(5);
      expect(begun.turn.firstTurn).toBe(false);
      await begun.turn.abort();
    }
  });
});

describe('merging into a key the new version wrote already', () => {
  const keys = keyspace(uniquePrefix('mig-merge'));
  const old = oldLayout(keys);
  const neu = newLayout(keys);
  let redis: RedisClient;

  beforeAll(async () => {
    redis = await connect();
  });
  afterAll(async () => {
    await dropPrefix(redis, keys.prefix);
    await close(redis);
  });

  it('a record updated last in the old layout wins; the other copy is kept aside; indexes keep the new scores; transcripts interleave', async () => {
    const older = { reference: 'RF-MERGE', status: 'submitted', updatedAt: '2031-03-15T10:00:00.000Z' };
    const newer = { reference: 'RF-MERGE', status: 'approved', updatedAt: '2031-03-16T10:00:00.000Z' };
    await redis.set(old.caseKey('RF-MERGE'), JSON.stringify(newer));
    await redis.set(neu.caseKey('RF-MERGE'), JSON.stringify(older));
    await redis.zadd(old.orderIndex('FL-1'), '10', 'RF-OLD', '20', 'RF-BOTH');
    await redis.zadd(neu.orderIndex('FL-1'), '30', 'RF-NEW', '25', 'RF-BOTH');
    await redis.set(old.requestClaim('r1'), 'RF-OLD', 'EX', 1000);
    await redis.set(neu.requestClaim('r1'), 'RF-NEW', 'EX', 2000);
    for (const id of ['1000-0', '3000-0']) await redis.xadd(old.transcript('c1'), id, 'e', `old ${id}`);
    for (const id of ['2000-0', '4000-0']) await redis.xadd(neu.transcript('c1'), id, 'e', `new ${id}`);
    await redis.expire(neu.transcript('c1'), 500);
    // A desk record in both places (a move the previous… or this version left half done): the copy in
    // the desk's slot wins, as the desk's readers prefer it. A "queued" e-mail marker in both: the new one stays.
    await redis.hset(old.deskRecord('d1'), { status: 'released', preview: 'in the desk slot' });
    await redis.expire(old.deskRecord('d1'), 1000);
    await redis.hset(neu.deskRecord('d1'), { status: 'closed', preview: 'archived' });
    await redis.set(old.mailQueued('m1'), 'old-token', 'EX', 1000);
    await redis.hset(neu.mailQueued('m1'), 't', 'new-token', 'q', '1');
    const lines: string[] = [];
    const s = await migrateKeys(redis, keys, { log: (l) => lines.push(l) });
    expect(s.families['case-record']).toEqual({ moved: 0, merged: 1, conflicts: 1, skipped: 0 });
    expect(s.families['case-request-claim']).toEqual({ moved: 0, merged: 1, conflicts: 1, skipped: 0 });
    expect(s.families['desk-record']).toEqual({ moved: 0, merged: 1, conflicts: 0, skipped: 0 });
    expect(s.families['mail-queued-marker']).toEqual({ moved: 0, merged: 1, conflicts: 0, skipped: 0 });
    expect(await redis.hgetall(neu.deskRecord('d1'))).toEqual({ status: 'released', preview: 'in the desk slot' });
    expect(await redis.pttl(neu.deskRecord('d1'))).toBeGreaterThan(900_000);
    expect(await redis.exists(old.deskRecord('d1'), old.mailQueued('m1'))).toBe(0);
    expect(await redis.hget(neu.mailQueued('m1'), 't')).toBe('new-token');
    expect(JSON.parse((await redis.get(neu.caseKey('RF-MERGE')))!)).toEqual(newer);
    expect(JSON.parse((await redis.get(neu.conflict('RF-MERGE')))!)).toEqual(older);
    expect(lines.join('\n')).toContain('kept the old-layout copy');
    expect(await redis.zrange(neu.orderIndex('FL-1'), 0, -1, 'WITHSCORES')).toEqual(['RF-OLD', '10', 'RF-BOTH', '25', 'RF-NEW', '30']);
    expect(await redis.get(neu.requestClaim('r1'))).toBe('RF-NEW');
    expect((await redis.xrange(neu.transcript('c1'), '-', '+')).map(([id, f]) => `${id} ${f[1]}`)).toEqual([
      '1000-0 old 1000-0',
      '2000-0 new 2000-0',
      '3000-0 old 3000-0',
      '4000-0 new 4000-0',
    ]);
    const ttl = await redis.pttl(neu.transcript('c1'));
    expect(ttl).toBeGreaterThan(400_000);
    expect(ttl).toBeLessThanOrEqual(500_000);
    // New entries still go after the merged ones.
    expect(await redis.xadd(neu.transcript('c1'), '*', 'e', 'next')).not.toBeNull();
    expect(await redis.exists(old.caseKey('RF-MERGE'), old.orderIndex('FL-1'), old.requestClaim('r1'), old.transcript('c1'))).toBe(0);
    expectNothingDone(await migrateKeys(redis, keys));
  });
});

describe('a key an instance of the old version changes while it is copied', () => {
  const keys = keyspace(uniquePrefix('mig-race'));
  let redis: RedisClient;

  beforeAll(async () => {
    redis = await connect();
  });
  afterAll(async () => {
    await dropPrefix(redis, keys.prefix);
    await close(redis);
  });

  it('is not deleted: the next run merges the change', async () => {
    const old = oldLayout(keys);
    const neu = newLayout(keys);
    await redis.zadd(old.ownerIndex('account:X'), '1', 'RF-AAAAA');
    // The old version adds an entry after the copy, just before the old key would be deleted.
    let raced = false;
    const realEval = redis.eval.bind(redis) as (...a: unknown[]) => Promise<unknown>;
    (redis as unknown as { eval: unknown }).eval = async (...a: unknown[]) => {
      if (!raced && String(a[0]).includes("redis.call('DUMP'")) {
        raced = true;
        await redis.zadd(old.ownerIndex('account:X'), '2', 'RF-BBBBB');
      }
      return realEval(...a);
    };
    const lines: string[] = [];
    const first = await migrateKeys(redis, keys, { log: (l) => lines.push(l) }).finally(() => {
      delete (redis as unknown as { eval?: unknown }).eval;
    });
    expect(first.families['case-owner-index'].skipped).toBe(1);
    expect(lines.join('\n')).toContain('changed while it was copied');
    expect(await redis.exists(old.ownerIndex('account:X'))).toBe(1);
    const second = await migrateKeys(redis, keys);
    expect(second.families['case-owner-index']).toMatchObject({ merged: 1, skipped: 0 });
    expect(await redis.zrange(neu.ownerIndex('account:X'), 0, -1)).toEqual(['RF-AAAAA', 'RF-BBBBB']);
    expect(await redis.exists(old.ownerIndex('account:X'))).toBe(0);
  });
});

describe('the command an operator runs (npm run migrate:keys)', () => {
  const prefix = `t-cli-${process.pid % 100000}-${Date.now() % 100000}`;
  const keys = keyspace(prefix);
  let redis: RedisClient;

  beforeAll(async () => {
    redis = await connect();
  });
  afterAll(async () => {
    await dropPrefix(redis, prefix);
    await close(redis);
  });

  const cli = (...args: string[]) =>
    run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/migrate-keys.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, REDIS_URL: process.env.TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, REDIS_WAIT_REPLICAS: 'auto' },
    });

  it('--dry-run prints the plan, then a run moves the keys, with the bot\'s own settings', async () => {
    const old = oldLayout(keys);
    await redis.set(old.caseKey('RF-CLI23'), JSON.stringify({ reference: 'RF-CLI23', contact: { email: EMAIL } }));
    await redis.zadd(old.ownerIndex('account:ACC-CLI'), '5', 'RF-CLI23');
    await redis.set(old.requestClaim('conv-cli:refund:1'), 'RF-CLI23', 'EX', 1000);
    const dry = await cli('--dry-run');
    expect(dry.stdout).toContain(`would move case-record RF-CLI23: ${old.caseKey('RF-CLI23')} -> ${newLayout(keys).caseKey('RF-CLI23')}`);
    expect(dry.stdout).toMatch(/Dry run \(nothing written\)/);
    expect(await redis.exists(old.caseKey('RF-CLI23'))).toBe(1);
    const real = await cli();
    expect(real.stdout).toMatch(/case-record\s+1\s+0\s+0\s+0/);
    expect(real.stdout).not.toContain(EMAIL);
    expect(await redis.get(newLayout(keys).caseKey('RF-CLI23'))).toContain('RF-CLI23');
    expect(await redis.pttl(newLayout(keys).requestClaim('conv-cli:refund:1'))).toBeGreaterThan(900_000);
    const again = await cli();
    expect(again.stdout).toMatch(/case-record\s+0\s+0\s+0\s+0/);
    const help = await cli('--help');
    expect(help.stdout).toContain('left to expire');
  }, 90000);

  it('refuses to start without a Redis to migrate', async () => {
    await expect(
      run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/migrate-keys.ts'], { cwd: ROOT, env: { PATH: process.env.PATH } }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('Set REDIS_URL') });
  }, 60000);
});

describe('migrating the key layout on a Redis Cluster (3 masters, a replica each)', () => {
  const keys = keyspace(uniquePrefix('mig-cl'));
  let cluster: ClusterSet;
  let redis: RedisClient;

  beforeAll(async () => {
    cluster = await ClusterSet.start();
    redis = await connect({ clusterNodes: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })), commandTimeoutMs: 5000 });
  }, 60000);
  afterAll(async () => {
    await close(redis);
    await cluster?.stop();
  });

  it('scans every master, copies across slots, and this version finds everything; a second run does nothing', async () => {
    const seeded = await seed(redis, keys);
    const dryBefore = await snapshot(redis, keys.prefix);
    await migrateKeys(redis, keys, { dryRun: true });
    expect(await snapshot(redis, keys.prefix)).toEqual(dryBefore);
    const s = await migrateKeys(redis, keys, { batchSize: 5 });
    expect(s.families['case-record']).toEqual({ moved: 1, merged: 2, conflicts: 1, skipped: 0 });
    expect(s.families['conversation-state']).toMatchObject({ moved: 1, merged: 1 });
    await expectMigrated(redis, keys, seeded);
    const before = await snapshot(redis, keys.prefix);
    expectNothingDone(await migrateKeys(redis, keys));
    expect(await snapshot(redis, keys.prefix)).toEqual(before);
  }, 90000);
});
