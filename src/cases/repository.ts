/**
 * `CaseRepository` on Redis.
 *
 * Keys (issue 13: no unbounded key family in one Redis Cluster slot, so each record and each index
 * has its own hash tag; every script below touches a single key):
 *   keys.global('case:' + <reference>)                the record, JSON, no expiry
 *   keys.global('case-owner:' + <index id>)           sorted set of references, score = creation time (ms)
 *   keys.global('case-order:' + <order id>)           the same, per order (upper case, trimmed): the case history
 *                                                     of an order (requestHistory, B10 / B11)
 *   keys.global('case-req:' + <request key>)          the reference a request created (30 days)
 * Index ids are the case owner's channel user and, when verified, its account (./owner.ts).
 *
 * - create, in three idempotent steps (the keys live on different Cluster nodes):
 *   1. the request key is claimed for a freshly drawn reference, or gives the reference an earlier
 *      attempt of the same request claimed;
 *   2. the record is written with `SET NX`; a reference another request already holds draws a new
 *      one (crypto randomness) and moves the claim to it, so references are unique across instances;
 *   3. the reference is added to its indexes (ZADD, in parallel).
 *   A retry of the same request (same `requestKey`) finds its claim and its record, completes the
 *   indexes and returns that case: never a second one.
 * - Durability: every write goes through `durabilityFor(redis).write` (WAIT for the replicas, master
 *   check on Sentinel) and resolves only once durable. When that cannot be confirmed the write is
 *   retried a few times (idempotently: create by request key, updates by re-confirming the exact
 *   JSON written), then `NotDurableError` reaches the caller, who must not show the result yet.
 * - updates (status, proof): optimistic compare-and-set: read the JSON, compute the new record,
 *   write it with a Lua script only if the key still holds exactly what was read; otherwise retry.
 *   Two agents acting at once both land in the history, in the order they won.
 * - Card numbers and IBANs are redacted from what the user typed (claims, proof, file names, notes)
 *   before it is stored (defence in depth: the chat middleware redacts them first). Ids, hashes and
 *   the order service's facts are left alone: a digit run in a SHA-256 can look like a card number.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { durabilityFor, NotDurableError } from '../storage/durability';
import { isStorageUnavailable } from '../storage/errors';
import { redactDeep, redactSecrets } from '../bot/redact';
import type { Keyspace } from '../storage/keys';
import type { RedisClient } from '../storage/redisClient';
import { matchesOwner, ownerIndexIds } from './owner';
import { generateReference, parseCaseReference } from './reference';
import { caseRecordSchema, proofMetaSchema } from './schema';
import {
  InvalidStatusTransitionError,
  STATUS_TRANSITIONS,
  type CaseContact,
  type CaseOwner,
  type CaseRecord,
  type CaseReference,
  type CaseRepository,
  type CaseStatus,
  type ListOptions,
  type NewCase,
  type ProofMeta,
} from './types';

/**
 * KEYS[1] request key. ARGV[1] a fresh reference, ARGV[2] TTL (s). {1} = claimed for it; {2, reference} =
 * an earlier attempt of this request claimed that one (the key is written again, so WAIT covers it).
 */
const CLAIM_REQUEST = `
local done = redis.call('GET', KEYS[1])
if done then
  redis.call('SET', KEYS[1], done, 'EX', ARGV[2])
  return {2, done}
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return {1}
`;

/** KEYS[1] request key. ARGV[1] the reference it should hold, ARGV[2] the new one, ARGV[3] TTL (s). 1 = moved. */
const MOVE_CLAIM = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
`;

/** KEYS[1] record. ARGV[1] JSON. 1 = created, 0 = the reference is taken. */
const CREATE_RECORD = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 1 end
return 0
`;

/** KEYS[1] record. ARGV[1] the JSON expected. Writes it again (for WAIT) when unchanged: 1, else 0. */
const TOUCH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

/** A request key is kept this long (a retry comes within minutes; a conversation within days). */
const REQUEST_KEY_TTL_SECONDS = 30 * 86400;

/** Attempts of a durable write before `NotDurableError` reaches the caller, and the pause between. */
const DURABLE_ATTEMPTS = 3;
const DURABLE_BACKOFF_MS = [150, 400];

/** KEYS[1] record. ARGV[1] the JSON read, ARGV[2] the new JSON. 1 = written, 0 = changed meanwhile, -1 = gone. */
const COMPARE_AND_SET = `
local cur = redis.call('GET', KEYS[1])
if not cur then return -1 end
if cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

export class CaseStoreError extends Error {
  override readonly name = 'CaseStoreError';
}

export interface RedisCaseRepositoryOptions {
  /** The clock (tests). */
  now?: () => Date;
  /** Reference draws before giving up (default 20; a collision is about 1 in 28 million per draw at first). */
  maxReferenceAttempts?: number;
  /** Compare-and-set attempts per update under contention (default 50). */
  maxUpdateAttempts?: number;
  /** Reference generator (tests force collisions with it). */
  generate?: typeof generateReference;
}

export const DEFAULT_LIST_LIMIT = 20;
export const MAX_LIST_LIMIT = 100;

export class RedisCaseRepository implements CaseRepository {
  private readonly now: () => Date;
  private readonly maxReferenceAttempts: number;
  private readonly maxUpdateAttempts: number;
  private readonly generate: typeof generateReference;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
    opts: RedisCaseRepositoryOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.maxReferenceAttempts = opts.maxReferenceAttempts ?? 20;
    this.maxUpdateAttempts = opts.maxUpdateAttempts ?? 50;
    this.generate = opts.generate ?? generateReference;
  }

  /** Redis key of a case record. */
  caseKey(reference: CaseReference): string {
    return this.keys.global(`case:${reference}`);
  }

  /** Redis key of one owner index (sorted set of references). */
  indexKey(indexId: string): string {
    return this.keys.global(`case-owner:${indexId}`);
  }

  /** Redis key of the index of one order's cases (the order number as the engine compares it). */
  orderIndexKey(orderId: string): string {
    return this.keys.global(`case-order:${orderId.trim().toUpperCase()}`);
  }

  /** Redis key of a request's claim (see create). */
  requestKeyName(requestKey: string): string {
    return this.keys.global(`case-req:${requestKey}`);
  }

  /** Several records at once, whatever their slots (MGET needs one slot on a Cluster): one round trip. */
  private getMany(refs: string[]): Promise<(string | null)[]> {
    return Promise.all(refs.map((r) => this.redis.get(this.caseKey(r))));
  }

  async requestHistory(orderId: string, exclude?: CaseReference, owner?: CaseOwner): Promise<{ earlierRequests: number; compensatedRequests: number }> {
    const refs = (await this.redis.zrevrange(this.orderIndexKey(orderId), 0, MAX_LIST_LIMIT - 1)).filter((r) => r !== exclude);
    if (refs.length === 0) return { earlierRequests: 0, compensatedRequests: 0 };
    const raws = await this.getMany(refs);
    let earlierRequests = 0;
    let compensatedRequests = 0;
    raws.forEach((raw, i) => {
      if (raw === null) return;
      const record = this.parse(refs[i]!, raw);
      if (owner && !matchesOwner(record.owner, owner)) return;
      earlierRequests += 1;
      const approved = record.history.some((h) => h.status === 'approved');
      const provisional = record.decision.outcome === 'provisional_approval' && record.status !== 'refused';
      if (approved || provisional) compensatedRequests += 1;
    });
    return { earlierRequests, compensatedRequests };
  }

  async create(input: NewCase): Promise<CaseRecord> {
    // Without a key from the caller, one per call still makes this call's own retries idempotent.
    const requestKey = input.requestKey ?? `call:${randomUUID()}`;
    return this.durably(() => this.createOnce(input, requestKey));
  }

  private async createOnce(input: NewCase, requestKey: string): Promise<CaseRecord> {
    const at = this.now().toISOString();
    const clean = redactUserText(input);
    const status = clean.status ?? 'submitted';
    const requestKeyName = this.requestKeyName(requestKey);
    const durability = durabilityFor(this.redis);
    const build = (reference: CaseReference): CaseRecord =>
      this.validate({
        reference,
        topic: clean.topic,
        profile: clean.profile,
        owner: { channelId: clean.owner.channelId, userId: clean.owner.userId, ...(clean.owner.accountId !== undefined ? { accountId: clean.owner.accountId } : {}) },
        status,
        history: [{ status, at, by: clean.by ?? 'bot', ...(clean.note !== undefined ? { note: clean.note } : {}) }],
        facts: clean.facts,
        decision: clean.decision,
        proofs: clean.proofs ?? [],
        language: clean.language,
        channelId: clean.owner.channelId,
        conversationReference: clean.conversationReference,
        createdAt: at,
        updatedAt: at,
      });
    // 1. The request's claim: a fresh reference, or the one an earlier attempt of this request claimed.
    let reference = this.generate(clean.topic);
    const [claim] = await durability.write(requestKeyName, (p) => p.eval(CLAIM_REQUEST, 1, requestKeyName, reference, String(REQUEST_KEY_TTL_SECONDS)));
    const [code, claimed] = claim as [number, string?];
    const earlier = code === 2 && !!claimed;
    if (earlier) reference = claimed as CaseReference;
    // 2. The record.
    let record: CaseRecord | undefined;
    for (let attempt = 0; attempt < this.maxReferenceAttempts; attempt++) {
      const candidate = build(reference);
      const key = this.caseKey(reference);
      const [created] = await durability.write(key, (p) => p.eval(CREATE_RECORD, 1, key, JSON.stringify(candidate)));
      if (created === 1) {
        record = candidate;
        break;
      }
      if (earlier && attempt === 0) {
        // This request's own record, from an earlier attempt: that case, never a second one.
        record = (await this.get(reference)) ?? undefined;
        if (!record) throw new NotDurableError(0, 1, `case ${reference} of request ${requestKey} is not readable yet`);
        break;
      }
      // Taken by another request: draw again and move this request's claim to the new reference.
      const next = this.generate(clean.topic);
      const [moved] = await durability.write(requestKeyName, (p) => p.eval(MOVE_CLAIM, 1, requestKeyName, reference, next, String(REQUEST_KEY_TTL_SECONDS)));
      if (moved !== 1) throw new NotDurableError(0, 1, `request ${requestKey}: its claim moved meanwhile`);
      reference = next;
    }
    if (!record) throw new CaseStoreError(`no free case reference after ${this.maxReferenceAttempts} attempts`);
    // 3. The indexes (each its own slot), in parallel; ZADD again on a retry is harmless.
    const indexKeys = ownerIndexIds(record.owner).map((id) => this.indexKey(id));
    if (record.facts.order?.id) indexKeys.push(this.orderIndexKey(record.facts.order.id));
    const score = String(Date.parse(record.createdAt));
    const ref = record.reference;
    await Promise.all(indexKeys.map((k) => durability.write(k, (p) => p.zadd(k, score, ref))));
    return record;
  }

  /** Runs an idempotent durable write, again after a short pause while it cannot be confirmed. */
  private async durably<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= DURABLE_ATTEMPTS || !isStorageUnavailable(err)) throw err;
        await new Promise((r) => setTimeout(r, DURABLE_BACKOFF_MS[attempt - 1] ?? 400));
      }
    }
  }

  async get(reference: CaseReference): Promise<CaseRecord | null> {
    const ref = parseCaseReference(reference);
    if (!ref) return null;
    const raw = await this.redis.get(this.caseKey(ref));
    return raw === null ? null : this.parse(ref, raw);
  }

  /**
   * The case, if the asker may see it. Another customer's reference takes the same path as an
   * unknown one: the asker's own indexes are asked first (one ZSCORE per index, whatever the
   * reference), and the case itself is read only when it is listed there. So neither the answer,
   * the Redis commands nor the time tell a stranger that a reference exists.
   */
  async getForOwner(reference: CaseReference, owner: CaseOwner): Promise<CaseRecord | null> {
    const scores = await Promise.all(ownerIndexIds(owner).map((id) => this.redis.zscore(this.indexKey(id), reference)));
    if (scores.every((s) => s === null)) return null;
    const record = await this.get(reference);
    return record && matchesOwner(record.owner, owner) ? record : null;
  }

  /**
   * Newest first. Reads the newest `limit` references of the account index and the newest
   * `3 × limit` of the channel-user index (a channel user's cases made under another verified account
   * are filtered out by `matchesOwner`), then keeps the `limit` newest that match.
   */
  async listByOwner(owner: CaseOwner, opts: ListOptions = {}): Promise<CaseRecord[]> {
    const limit = Math.max(1, Math.min(Math.floor(opts.limit ?? DEFAULT_LIST_LIMIT), MAX_LIST_LIMIT));
    const ids = ownerIndexIds(owner);
    const ranges = await Promise.all(
      ids.map((id, i) => this.redis.zrevrange(this.indexKey(id), 0, (i === 0 && ids.length > 1 ? 3 * limit : limit) - 1)),
    );
    const refs = [...new Set(ranges.flat())];
    if (refs.length === 0) return [];
    const raws = await this.getMany(refs);
    const records: CaseRecord[] = [];
    raws.forEach((raw, i) => {
      if (raw !== null) records.push(this.parse(refs[i], raw));
    });
    return records
      .filter((r) => matchesOwner(r.owner, owner))
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.reference < b.reference ? 1 : -1))
      .slice(0, limit);
  }

  async updateStatus(reference: CaseReference, status: CaseStatus, by: string, note?: string): Promise<CaseRecord | null> {
    const cleanNote = note === undefined ? undefined : redactSecrets(note).text;
    return this.update(reference, (record, at) => {
      // The same move by the same author already recorded (a retry after an unconfirmed write): done.
      const last = record.history[record.history.length - 1];
      if (record.status === status && last?.status === status && last.by === by && last.note === cleanNote) return record;
      if (!STATUS_TRANSITIONS[record.status].includes(status)) {
        throw new InvalidStatusTransitionError(record.reference, record.status, status);
      }
      return {
        ...record,
        status,
        history: [...record.history, { status, at, by, ...(cleanNote !== undefined ? { note: cleanNote } : {}) }],
        updatedAt: at,
      };
    });
  }

  async note(reference: CaseReference, by: string, note: string): Promise<CaseRecord | null> {
    const clean = redactSecrets(note).text;
    return this.update(reference, (record, at) => ({
      ...record,
      history: [...record.history, { status: record.status, at, by, note: clean }],
      updatedAt: at,
    }));
  }

  async addProof(reference: CaseReference, proof: ProofMeta, by: string): Promise<CaseRecord | null> {
    const meta = proofMetaSchema.parse({ ...proof, name: redactSecrets(proof.name).text });
    return this.update(reference, (record, at) => {
      if (record.proofs.some((p) => p.storeId === meta.storeId)) return record;
      return {
        ...record,
        proofs: [...record.proofs, meta],
        history: [...record.history, { status: record.status, at, by, note: `proof added: ${meta.contentType}, ${meta.size} bytes` }],
        updatedAt: at,
      };
    });
  }

  async setContact(reference: CaseReference, contact: CaseContact, by: string): Promise<CaseRecord | null> {
    return this.update(reference, (record, at) => ({
      ...record,
      contact: { ...contact },
      // The address itself never goes into the history (it is personal data); only what changed.
      history: [...record.history, { status: record.status, at, by, note: contact.optedOut ? 'e-mails: declined' : contact.email ? 'e-mails: address confirmed' : 'e-mails: account address' }],
      updatedAt: at,
    }));
  }

  /**
   * Read, change, compare-and-set, retried while another writer got there first. Durable: a write
   * whose acknowledgement did not come is confirmed again (the exact JSON written, written again and
   * waited for); if it is gone (lost in a failover) the change is computed again from what is there.
   * A change that is already there (`change` returns the record it was given) is confirmed the same way.
   */
  private async update(reference: CaseReference, change: (record: CaseRecord, at: string) => CaseRecord): Promise<CaseRecord | null> {
    const ref = parseCaseReference(reference);
    if (!ref) return null;
    const key = this.caseKey(ref);
    const durability = durabilityFor(this.redis);
    let unconfirmed = 0;
    for (let attempt = 0; attempt < this.maxUpdateAttempts; attempt++) {
      const raw = await this.redis.get(key);
      if (raw === null) return null;
      const current = this.parse(ref, raw);
      const next = change(current, this.now().toISOString());
      const json = next === current ? raw : JSON.stringify(this.validate(next));
      try {
        const [written] = await durability.write(key, (p) => (next === current ? p.eval(TOUCH, 1, key, raw) : p.eval(COMPARE_AND_SET, 1, key, raw, json)));
        if (written === 1) return next;
        if (written === -1) return null;
      } catch (err) {
        if (!isStorageUnavailable(err) || ++unconfirmed >= DURABLE_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, DURABLE_BACKOFF_MS[unconfirmed - 1] ?? 400));
        // The next round reads what is there now: our JSON (confirmed by TOUCH), or not (computed again).
        continue;
      }
      // Lost the race: a short random pause spreads the retries of many writers.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(2 ** attempt, 20)));
    }
    throw new CaseStoreError(`case ${ref}: too many concurrent updates, try again`);
  }

  private validate(record: CaseRecord): CaseRecord {
    const r = caseRecordSchema.safeParse(record);
    if (!r.success) throw new CaseStoreError(`invalid case ${record.reference}: ${describe(r.error)}`);
    return r.data;
  }

  private parse(reference: CaseReference, raw: string): CaseRecord {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new CaseStoreError(`case ${reference}: stored record is not JSON`);
    }
    const r = caseRecordSchema.safeParse(json);
    if (!r.success) throw new CaseStoreError(`case ${reference}: stored record is invalid: ${describe(r.error)}`);
    return r.data;
  }
}

/** The same case with card numbers / IBANs removed from everything the user typed. */
function redactUserText(input: NewCase): NewCase {
  return {
    ...input,
    facts: { ...input.facts, claims: redactDeep(input.facts.claims).value, proof: redactDeep(input.facts.proof).value },
    proofs: input.proofs?.map((p) => ({ ...p, name: redactSecrets(p.name).text })),
    ...(input.note !== undefined ? { note: redactSecrets(input.note).text } : {}),
  };
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
