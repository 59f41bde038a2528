/**
 * D6 statuses on the Redis case repository: allowed moves, the customer closing their own case
 * (ownership as in owner.ts), compare-and-set moves (one winner), dispute facts and the sweep indexes.
 */
import Redis from 'ioredis';
import { RedisCaseRepository, CaseStoreError, disputeExpiryMs } from '../../src/cases/repository';
import { InvalidStatusTransitionError, STATUS_TRANSITIONS, statusAllowedFor, type CaseOwner } from '../../src/cases/types';
import { keyspace } from '../../src/storage/keys';
import { disputeCase } from '../support/disputeCases';

const keys = keyspace(`test-d6-${process.pid}-${Date.now()}`);
let redis: Redis;
let clock = new Date('2031-03-15T10:00:00.000Z');
let repo: RedisCaseRepository;

beforeAll(() => {
  redis = new Redis(process.env.TEST_REDIS_URL as string);
  repo = new RedisCaseRepository(redis, keys, { now: () => clock });
});
afterAll(async () => {
  const found = await redis.keys(keys.pattern());
  if (found.length) await redis.del(...found);
  await redis.quit();
});

const noah: CaseOwner = { channelId: 'directline', userId: 'noah', accountId: 'ACC-NOAH' };
const noahOnTeams: CaseOwner = { channelId: 'msteams', userId: '29:noah', accountId: 'ACC-NOAH' };
const eve: CaseOwner = { channelId: 'directline', userId: 'eve' };

describe('D6 statuses', () => {
  it('final statuses lead nowhere; dispute statuses are for disputes only', () => {
    for (const s of ['closed', 'closed_by_customer', 'closed_by_platform', 'closed_auto'] as const) expect(STATUS_TRANSITIONS[s]).toEqual([]);
    expect(statusAllowedFor('refund', 'waiting_merchant')).toBe(false);
    expect(statusAllowedFor('payment_not_received', 'awaiting_review')).toBe(true);
    expect(statusAllowedFor('dispute', 'platform_review')).toBe(true);
  });

  it('a dispute starts open by default, or waiting for the merchant with its deadline', async () => {
    const open = await repo.create(await disputeCase(noah, { now: clock }));
    expect(open.status).toBe('open');
    expect(open.reference).toMatch(/^DS-/);
    const waiting = await repo.create(
      await disputeCase(noah, { now: clock, status: 'waiting_merchant', dispute: { merchantName: 'SoundPoint', complaintType: 'delivery', complaintSentAt: clock.toISOString(), merchantDeadline: '2031-03-22T10:00:00.000Z' } }),
    );
    expect((await repo.get(waiting.reference))?.dispute?.merchantDeadline).toBe('2031-03-22T10:00:00.000Z');
    expect(await repo.dueForSweep('deadline', new Date('2031-03-22T09:59:59Z'), 100)).not.toContain(waiting.reference);
    expect(await repo.dueForSweep('deadline', new Date('2031-03-22T10:00:00Z'), 100)).toContain(waiting.reference);
  });

  it('a refund cannot start or move into a dispute status', async () => {
    const base = await disputeCase(noah, { now: clock });
    await expect(repo.create({ ...base, topic: 'refund', facts: { ...base.facts, topic: 'refund' }, status: 'waiting_merchant' })).rejects.toBeInstanceOf(CaseStoreError);
    const refund = await repo.create({ ...base, topic: 'refund', facts: { ...base.facts, topic: 'refund' }, decision: { ...base.decision, topic: 'refund' } });
    await expect(repo.updateStatus(refund.reference, 'platform_review', 'agent:a')).rejects.toBeInstanceOf(InvalidStatusTransitionError);
  });

  it('status moves keep the history; a move out of a final status is refused', async () => {
    const c = await repo.create(await disputeCase(noah, { now: clock }));
    await repo.updateStatus(c.reference, 'platform_review', 'agent:ann', 'merchant address invalid');
    await repo.updateStatus(c.reference, 'resolved', 'agent:ann');
    const closed = await repo.updateStatus(c.reference, 'closed_by_platform', 'agent:ann', 'both parties agree');
    expect(closed?.history.map((h) => h.status)).toEqual(['open', 'platform_review', 'resolved', 'closed_by_platform']);
    await expect(repo.updateStatus(c.reference, 'open', 'agent:ann')).rejects.toBeInstanceOf(InvalidStatusTransitionError);
  });
});

describe('the customer closes their own case (D6.1)', () => {
  it('from any of their channels; again is "already closed"; the history says who', async () => {
    const c = await repo.create(await disputeCase(noah, { now: clock }));
    const r = await repo.closeByCustomer(c.reference, noahOnTeams);
    expect(r).toMatchObject({ ok: true, alreadyClosed: false, record: { status: 'closed_by_customer' } });
    expect(r.ok && r.record.history.at(-1)).toMatchObject({ status: 'closed_by_customer', by: 'user:29:noah' });
    expect(await repo.closeByCustomer(c.reference, noah)).toMatchObject({ ok: true, alreadyClosed: true });
  });

  it('someone else’s case is "not found", and stays as it was', async () => {
    const c = await repo.create(await disputeCase(noah, { now: clock }));
    expect(await repo.closeByCustomer(c.reference, eve)).toEqual({ ok: false, reason: 'not_found' });
    expect(await repo.closeByCustomer('DS-ZZZZZ', noah)).toEqual({ ok: false, reason: 'not_found' });
    expect((await repo.get(c.reference))?.status).toBe('open');
  });

  it('a case the platform or the sweep closed stays closed that way', async () => {
    const c = await repo.create(await disputeCase(noah, { now: clock }));
    await repo.updateStatus(c.reference, 'closed_auto', 'system:sweep');
    expect(await repo.closeByCustomer(c.reference, noah)).toMatchObject({ ok: false, reason: 'final', record: { status: 'closed_auto' } });
  });

  it('a refund or payment report closes as "closed"', async () => {
    const base = await disputeCase(noah, { now: clock });
    const pn = await repo.create({ ...base, topic: 'payment_not_received', facts: { ...base.facts, topic: 'payment_not_received' }, decision: { ...base.decision, topic: 'payment_not_received' } });
    expect(await repo.closeByCustomer(pn.reference, noah)).toMatchObject({ ok: true, record: { status: 'closed' } });
  });
});

describe('compare-and-set moves', () => {
  it('of ten concurrent identical moves, exactly one wins', async () => {
    const c = await repo.create(await disputeCase(noah, { now: clock, status: 'waiting_merchant' }));
    const others = Array.from({ length: 10 }, () => new RedisCaseRepository(redis, keys, { now: () => clock }));
    const results = await Promise.all(
      others.map((r, i) => r.transition(c.reference, { from: ['waiting_merchant'], to: 'platform_review', by: `system:sweep-${i}`, patch: { deadlinePassedAt: clock.toISOString() } })),
    );
    expect(results.filter((r) => r?.moved)).toHaveLength(1);
    const final = await repo.get(c.reference);
    expect(final?.history.filter((h) => h.status === 'platform_review')).toHaveLength(1);
    expect(final?.dispute?.deadlinePassedAt).toBe(clock.toISOString());
  });

  it('a condition that no longer holds makes no move', async () => {
    const c = await repo.create(await disputeCase(noah, { now: clock, status: 'waiting_merchant', dispute: { merchantDeadline: '2031-04-01T00:00:00.000Z' } }));
    const r = await repo.transition(c.reference, { from: ['waiting_merchant'], to: 'platform_review', by: 'system', when: (rec) => Date.parse(rec.dispute!.merchantDeadline!) <= clock.getTime() });
    expect(r).toMatchObject({ moved: false, record: { status: 'waiting_merchant' } });
  });
});

describe('D6.3 expiry and new requests', () => {
  it('the 180 days count from the transaction date, then from the customer’s last new request', async () => {
    const c = await repo.create(await disputeCase(noah, { now: clock, orderId: 'FL-900001' }));
    const tx = Date.parse(c.facts.order!.transactionAt!);
    expect(disputeExpiryMs(c)).toBe(tx + 180 * 86_400_000);
    expect(await redis.zscore(repo.sweepKey('expiry'), c.reference)).toBe(String(tx + 180 * 86_400_000));

    clock = new Date(clock.getTime() + 30 * 86_400_000);
    const again = await repo.recordCustomerRequest(c.reference, noah, 'the merchant did not answer');
    expect(again?.dispute?.lastRequestAt).toBe(clock.toISOString());
    expect(await redis.zscore(repo.sweepKey('expiry'), c.reference)).toBe(String(clock.getTime() + 180 * 86_400_000));
    expect(await repo.recordCustomerRequest(c.reference, eve, 'hi')).toBeNull();

    await repo.closeByCustomer(c.reference, noah);
    expect(await redis.zscore(repo.sweepKey('expiry'), c.reference)).toBeNull();
  });

  it('dispute facts and the invoice pause are kept on the case', async () => {
    const c = await repo.create(await disputeCase(noah, { now: clock }));
    const d = await repo.setDispute(c.reference, { merchantName: 'SoundPoint', merchantDeadline: '2031-05-01T00:00:00.000Z' }, 'bot');
    expect(d?.dispute).toMatchObject({ merchantName: 'SoundPoint', merchantDeadline: '2031-05-01T00:00:00.000Z' });
    const i = await repo.setInvoice(c.reference, { invoiceId: 'INV-800002', pause: 'paused', at: clock.toISOString(), dueDate: '2031-03-17' }, 'bot');
    expect(i?.invoice).toEqual({ invoiceId: 'INV-800002', pause: 'paused', at: clock.toISOString(), dueDate: '2031-03-17' });
    expect(i?.history.at(-1)?.note).toBe('invoice INV-800002: paused');
  });
});
