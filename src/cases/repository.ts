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
 *   keys.global('case-sweep:deadline')                disputes waiting for a merchant, score = the deadline (ms); and
 *                                                     disputes moved to the platform whose customer is not told yet
 *   keys.global('case-sweep:expiry')                  open disputes, score = when D6.3 closes them (ms)
 * Index ids are the case owner's channel user and, when verified, its account (./owner.ts).
 * The two sweep indexes (src/disputes/sweep.ts reads them) live in their own slots, so they are written
 * next to the record, not in its script: a score the new record needs is added before the record is
 * written and again after; one it no longer needs is removed after. A crash in between leaves at most
 * an extra or early entry, which `dueForSweep` checks against the record and puts right.
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
import { isStorageUnavailable, retryWhileUnavailable } from '../storage/errors';
import { redactDeep, redactSecrets } from '../bot/redact';
import type { Keyspace } from '../storage/keys';
import type { RedisClient } from '../storage/redisClient';
import { luaScript } from '../storage/scripts';
import { matchesOwner, ownerIndexIds } from './owner';
import { generateReference, parseCaseReference } from './reference';
import { caseRecordSchema, proofMetaSchema } from './schema';
import {
  AUTO_CLOSABLE_STATUSES,
  DISPUTE_AUTO_CLOSE_DAYS,
  FINAL_STATUSES,
  InvalidStatusTransitionError,
  STATUS_TRANSITIONS,
  statusAllowedFor,
  type CaseContact,
  type CaseDisputeState,
  type CaseInvoiceState,
  type CaseOwner,
  type CaseTransition,
  type CloseByCustomerResult,
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
const CLAIM_REQUEST = luaScript<[requestKey: string, reference: string, ttlSeconds: string], [number, string?]>('caseClaimRequest', 1, `
local done = redis.call('GET', KEYS[1])
if done then
  redis.call('SET', KEYS[1], done, 'EX', ARGV[2])
  return {2, done}
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return {1}
`);

/** KEYS[1] request key. ARGV[1] the reference it should hold, ARGV[2] the new one, ARGV[3] TTL (s). 1 = moved. */
const MOVE_CLAIM = luaScript<[requestKey: string, expected: string, next: string, ttlSeconds: string], number>('caseMoveClaim', 1, `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
`);

/** KEYS[1] record. ARGV[1] JSON. 1 = created, 0 = the reference is taken. */
const CREATE_RECORD = luaScript<[record: string, json: string], number>('caseCreate', 1, `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 1 end
return 0
`);

/** KEYS[1] record. ARGV[1] the JSON expected. Writes it again (for WAIT) when unchanged: 1, else 0. */
const TOUCH = luaScript<[record: string, expected: string], number>('caseTouch', 1, `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`);

/** A request key is kept this long (a retry comes within minutes; a conversation within days). */
const REQUEST_KEY_TTL_SECONDS = 30 * 86400;

/** Attempts of a durable write before `NotDurableError` reaches the caller, and the pause between. */
const DURABLE_BACKOFF_MS = [150, 400];
const DURABLE_ATTEMPTS = DURABLE_BACKOFF_MS.length + 1;

/** KEYS[1] record. ARGV[1] the JSON read, ARGV[2] the new JSON. 1 = written, 0 = changed meanwhile, -1 = gone. */
const COMPARE_AND_SET = luaScript<[record: string, expected: string, json: string], number>('caseCompareAndSet', 1, `
local cur = redis.call('GET', KEYS[1])
if not cur then return -1 end
if cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`);

/**
 * A case moved to the platform after its merchant deadline is listed again in the deadline index
 * this long after the move, until the customer is told: if the instance that moved it stopped before
 * telling, another one does it (never before, so that the two do not both tell).
 */
export const TELL_GRACE_MS = 5 * 60_000;

/** Where a case belongs in the two sweep indexes (scores in ms; `undefined`: not listed). */
export function sweepScores(record: CaseRecord): { deadline?: number; expiry?: number } {
  if (record.topic !== 'dispute') return {};
  const d = record.dispute ?? {};
  let deadline: number | undefined;
  if (record.status === 'waiting_merchant' && d.merchantDeadline && !d.merchantAnsweredAt) deadline = Date.parse(d.merchantDeadline);
  else if (record.status === 'platform_review' && d.deadlinePassedAt && !d.customerToldAt) deadline = Date.parse(d.deadlinePassedAt) + TELL_GRACE_MS;
  return { deadline, expiry: AUTO_CLOSABLE_STATUSES.has(record.status) ? disputeExpiryMs(record) : undefined };
}

/**
 * D6.3: when a dispute closes by itself: 180 days after its transaction date (the order's
 * `transactionAt`, else `paidAt`, else the case's creation), or after the customer's last new
 * request on it, whichever is later. A calendar date counts from its start in UTC.
 */
export function disputeExpiryMs(record: CaseRecord): number {
  const order = record.facts.order;
  const tx = Date.parse(order?.transactionAt ?? order?.paidAt ?? record.createdAt);
  const last = record.dispute?.lastRequestAt ? Date.parse(record.dispute.lastRequestAt) : NaN;
  const from = Number.isNaN(last) ? tx : Math.max(tx, last);
  return from + DISPUTE_AUTO_CLOSE_DAYS * 86_400_000;
}

const score = (ms: number | undefined): string => (ms === undefined || Number.isNaN(ms) ? '' : String(ms));

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

  /** Redis key of one sweep index (src/disputes/sweep.ts). */
  sweepKey(kind: 'deadline' | 'expiry'): string {
    return this.keys.global(`case-sweep:${kind}`);
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
    let refs = (await this.redis.zrevrange(this.orderIndexKey(orderId), 0, MAX_LIST_LIMIT - 1)).filter((r) => r !== exclude);
    if (refs.length === 0) return { earlierRequests: 0, compensatedRequests: 0 };
    if (owner && refs.length > 1) {
      // Only the asker's own cases count, and every one of them is listed in one of the asker's
      // indexes: one ZMSCORE per index keeps the records of other customers' cases for the same
      // order unread (an order with many cases costs no JSON parsing).
      const ranked = refs;
      const listed = await Promise.all(ownerIndexIds(owner).map((id) => this.redis.zmscore(this.indexKey(id), ...ranked)));
      refs = ranked.filter((_, i) => listed.some((scores) => scores[i] !== null));
      if (refs.length === 0) return { earlierRequests: 0, compensatedRequests: 0 };
    }
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
    const status = clean.status ?? (clean.topic === 'dispute' ? 'open' : 'submitted');
    if (!statusAllowedFor(clean.topic, status)) throw new CaseStoreError(`a ${clean.topic} case cannot start as ${status}`);
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
        ...(clean.dispute ? { dispute: { ...clean.dispute } } : {}),
        ...(clean.invoice ? { invoice: { ...clean.invoice } } : {}),
        createdAt: at,
        updatedAt: at,
      });
    // 1. The request's claim: a fresh reference, or the one an earlier attempt of this request claimed.
    let reference = this.generate(clean.topic);
    const [claim] = await durability.write(requestKeyName, (p) => CLAIM_REQUEST.queue(p, requestKeyName, reference, String(REQUEST_KEY_TTL_SECONDS)));
    const [code, claimed] = claim as [number, string?];
    const earlier = code === 2 && !!claimed;
    if (earlier) reference = claimed as CaseReference;
    // 2. The record (a dispute's sweep scores first: an extra entry is harmless, a missing one is not).
    if (clean.topic === 'dispute') await this.syncSweep(reference, sweepScores(build(reference)), 'before');
    let record: CaseRecord | undefined;
    for (let attempt = 0; attempt < this.maxReferenceAttempts; attempt++) {
      const candidate = build(reference);
      const key = this.caseKey(reference);
      const [created] = await durability.write(key, (p) => CREATE_RECORD.queue(p, key, JSON.stringify(candidate)));
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
      const [moved] = await durability.write(requestKeyName, (p) => MOVE_CLAIM.queue(p, requestKeyName, reference, next, String(REQUEST_KEY_TTL_SECONDS)));
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
    if (record.topic === 'dispute') await this.syncSweep(ref, sweepScores(record), 'after');
    return record;
  }

  /** Runs an idempotent durable write, again after a short pause while it cannot be confirmed. */
  private durably<T>(fn: () => Promise<T>): Promise<T> {
    return retryWhileUnavailable(fn, DURABLE_BACKOFF_MS);
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
      if (!STATUS_TRANSITIONS[record.status].includes(status) || !statusAllowedFor(record.topic, status)) {
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

  async transition(reference: CaseReference, move: CaseTransition): Promise<{ moved: boolean; record: CaseRecord } | null> {
    const cleanNote = move.note === undefined ? undefined : redactSecrets(move.note).text;
    let moved = false;
    const record = await this.update(reference, (current, at) => {
      moved = false;
      if (!move.from.includes(current.status) || (move.when && !move.when(current))) return current;
      // The same status: only the facts change (a claim such as "the customer is being told").
      if (move.to !== current.status && (!STATUS_TRANSITIONS[current.status].includes(move.to) || !statusAllowedFor(current.topic, move.to))) {
        throw new InvalidStatusTransitionError(current.reference, current.status, move.to);
      }
      moved = true;
      return {
        ...current,
        status: move.to,
        ...(move.patch ? { dispute: { ...current.dispute, ...move.patch } } : {}),
        history: [...current.history, { status: move.to, at, by: move.by, ...(cleanNote !== undefined ? { note: cleanNote } : {}) }],
        updatedAt: at,
      };
    });
    return record && { moved, record };
  }

  async closeByCustomer(reference: CaseReference, owner: CaseOwner, note?: string): Promise<CloseByCustomerResult> {
    const mine = await this.getForOwner(reference, owner);
    if (!mine) return { ok: false, reason: 'not_found' };
    const by = `user:${owner.userId}`;
    const cleanNote = redactSecrets(note ?? 'closed by the customer').text;
    let result: CloseByCustomerResult | undefined;
    const record = await this.update(mine.reference, (current, at) => {
      const target = current.topic === 'dispute' ? 'closed_by_customer' : 'closed';
      if (current.status === target) {
        result = { ok: true, record: current, alreadyClosed: true };
        return current;
      }
      if (FINAL_STATUSES.has(current.status) || !STATUS_TRANSITIONS[current.status].includes(target)) {
        result = { ok: false, reason: 'final', record: current };
        return current;
      }
      const next: CaseRecord = {
        ...current,
        status: target,
        history: [...current.history, { status: target, at, by, note: cleanNote }],
        updatedAt: at,
      };
      result = { ok: true, record: next, alreadyClosed: false };
      return next;
    });
    if (!record || !result) return { ok: false, reason: 'not_found' };
    return result.ok ? { ...result, record } : result;
  }

  async recordCustomerRequest(reference: CaseReference, owner: CaseOwner, note: string): Promise<CaseRecord | null> {
    const mine = await this.getForOwner(reference, owner);
    if (!mine) return null;
    const clean = redactSecrets(note).text;
    return this.update(mine.reference, (current, at) => {
      if (FINAL_STATUSES.has(current.status)) return current;
      return {
        ...current,
        ...(current.topic === 'dispute' ? { dispute: { ...current.dispute, lastRequestAt: at } } : {}),
        history: [...current.history, { status: current.status, at, by: `user:${owner.userId}`, note: clean }],
        updatedAt: at,
      };
    });
  }

  async setDispute(reference: CaseReference, patch: CaseDisputeState, by: string, note?: string): Promise<CaseRecord | null> {
    const clean = redactSecrets(note ?? `dispute: ${Object.keys(patch).sort().join(', ')}`).text;
    return this.update(reference, (current, at) => {
      const merged = { ...current.dispute, ...patch };
      if (JSON.stringify(merged) === JSON.stringify(current.dispute ?? {})) return current;
      return { ...current, dispute: merged, history: [...current.history, { status: current.status, at, by, note: clean }], updatedAt: at };
    });
  }

  async setInvoice(reference: CaseReference, invoice: CaseInvoiceState, by: string): Promise<CaseRecord | null> {
    return this.update(reference, (current, at) => {
      if (current.invoice && current.invoice.invoiceId === invoice.invoiceId && current.invoice.pause === invoice.pause) return current;
      return {
        ...current,
        invoice: { ...invoice },
        history: [...current.history, { status: current.status, at, by, note: `invoice ${redactSecrets(invoice.invoiceId).text}: ${invoice.pause}` }],
        updatedAt: at,
      };
    });
  }

  /**
   * The disputes due in one sweep index, checked against their records: an entry the record no longer
   * needs (gone, or moved on) is removed, an early one gets its real score back, so a stale hint never
   * comes back run after run.
   */
  async dueForSweep(kind: 'deadline' | 'expiry', now: Date, limit: number): Promise<CaseReference[]> {
    const key = this.sweepKey(kind);
    const refs = await this.redis.zrangebyscore(key, '-inf', String(now.getTime()), 'LIMIT', 0, Math.max(1, Math.floor(limit)));
    const raws = await this.getMany(refs);
    const due: CaseReference[] = [];
    await Promise.all(
      refs.map(async (ref, i) => {
        const raw = raws[i];
        const wanted = raw === null || raw === undefined ? undefined : sweepScores(this.parse(ref, raw))[kind];
        if (wanted === undefined || Number.isNaN(wanted)) await this.redis.zrem(key, ref);
        else if (wanted > now.getTime()) await this.redis.zadd(key, String(wanted), ref);
        else due.push(ref);
      }),
    );
    return refs.filter((r) => due.includes(r));
  }

  /** Writes a dispute's two sweep scores: `before` the record only adds, `after` adds and removes. */
  private async syncSweep(ref: CaseReference, scores: { deadline?: number; expiry?: number }, phase: 'before' | 'after'): Promise<void> {
    const durability = durabilityFor(this.redis);
    await Promise.all(
      (['deadline', 'expiry'] as const).map((kind) => {
        const key = this.sweepKey(kind);
        const value = score(scores[kind]);
        if (value !== '') return durability.write(key, (p) => p.zadd(key, value, ref));
        return phase === 'after' ? durability.write(key, (p) => p.zrem(key, ref)) : undefined;
      }),
    );
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
      if (raw === null) {
        // A hint left in a sweep index for a case that is gone (only ever by hand) goes too.
        await this.syncSweep(ref, {}, 'after');
        return null;
      }
      const current = this.parse(ref, raw);
      const next = change(current, this.now().toISOString());
      const json = next === current ? raw : JSON.stringify(this.validate(next));
      const dispute = next.topic === 'dispute';
      const scores = sweepScores(next);
      try {
        if (dispute) await this.syncSweep(ref, scores, 'before');
        const [written] = await durability.write(key, (p) => (next === current ? TOUCH.queue(p, key, raw) : COMPARE_AND_SET.queue(p, key, raw, json)));
        if (written === 1) {
          if (dispute) await this.syncSweep(ref, scores, 'after');
          return next;
        }
        if (written === -1) {
          if (dispute) await this.syncSweep(ref, {}, 'after');
          return null;
        }
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
