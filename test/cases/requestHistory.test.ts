/**
 * The case history of an order, as the eligibility engine reads it (requestHistory: B10 repeated
 * requests, B11 double compensation), on a real Redis; and the engine's answer with it.
 */
import Redis from 'ioredis';
import { evaluate, type CaseFacts } from '../../src/eligibility';
import { RedisCaseRepository } from '../../src/cases/repository';
import type { CaseOwner, NewCase } from '../../src/cases/types';
import { keyspace } from '../../src/storage/keys';

const keys = keyspace(`test-history-${process.pid}-${Date.now()}`);
let redis: Redis;
let repo: RedisCaseRepository;

beforeAll(() => {
  redis = new Redis(process.env.TEST_REDIS_URL as string);
  repo = new RedisCaseRepository(redis, keys);
});
afterAll(async () => {
  const found = await redis.keys(keys.pattern());
  if (found.length) await redis.del(...found);
  await redis.quit();
});

const NOW = '2031-03-15T10:00:00.000Z';
const alice: CaseOwner = { channelId: 'webchat', userId: 'alice' };

function facts(orderId: string, profile: 'standard' | 'balance-only'): CaseFacts {
  return {
    topic: 'refund',
    now: NOW,
    order: {
      id: orderId,
      serviceType: profile === 'standard' ? 'ad' : 'digital_service',
      status: profile === 'standard' ? 'pending' : 'partial',
      adBroadcast: 'not_started',
      amountPaid: { minor: 2000, currency: 'EUR' },
      paymentMethod: 'card',
      paidAt: '2031-03-10T09:00:00Z',
      quantityOrdered: 1000,
      quantityDelivered: 600,
    },
    account: { tier: 'standard', fraudFlag: false, openChargeback: false },
    claims: { orderNumber: orderId, amount: { minor: 2000, currency: 'EUR' }, reason: profile === 'standard' ? 'paid_by_mistake' : 'partial_delivery' },
    proof: { link: 'https://social.example/p/1' },
  };
}

async function record(orderId: string, profile: 'standard' | 'balance-only', history?: CaseFacts['requestHistory'], owner: CaseOwner = alice) {
  const f = { ...facts(orderId, profile), ...(history ? { requestHistory: history } : {}) };
  const decision = evaluate({ profile, case: f }, { timeZone: 'Europe/Paris' });
  const input: NewCase = { topic: 'refund', profile, owner, facts: f, decision, language: 'en', conversationReference: {} };
  return { decision, record: await repo.create(input) };
}

describe('requestHistory: the case history of one order', () => {
  test('an order never asked about has no history', async () => {
    expect(await repo.requestHistory('FL-NEVER')).toEqual({ earlierRequests: 0, compensatedRequests: 0 });
  });

  test('standard: a provisional approval counts as compensated; the engine then sends the next request to review (R4)', async () => {
    const first = await record('FL-H1', 'standard');
    expect(first.decision.outcome).toBe('provisional_approval');
    // The same order typed in another case is the same order.
    const history = await repo.requestHistory(' fl-h1 ');
    expect(history).toEqual({ earlierRequests: 1, compensatedRequests: 1 });
    // The conversation's own case is not an earlier request.
    expect(await repo.requestHistory('FL-H1', first.record.reference)).toEqual({ earlierRequests: 0, compensatedRequests: 0 });
    const second = await record('FL-H1', 'standard', history);
    expect(second.decision.outcome).toBe('needs_review');
    expect(second.decision.facts).toContainEqual({ code: 'request.already_compensated', values: { compensated: 1 } });
  });

  test('balance-only: a request under review is repeated (B10); once an agent approved it, another is refused (B11)', async () => {
    const first = await record('FL-H2', 'balance-only');
    expect(first.decision.outcome).toBe('needs_review');
    const history = await repo.requestHistory('FL-H2');
    expect(history).toEqual({ earlierRequests: 1, compensatedRequests: 0 });
    const second = await record('FL-H2', 'balance-only', history);
    expect(second.decision.clauses).toContain('B10');
    expect(second.decision.review.reasons).toContain('repeated_request');

    await repo.updateStatus(first.record.reference, 'approved', 'agent:a1');
    const after = await repo.requestHistory('FL-H2');
    expect(after).toEqual({ earlierRequests: 2, compensatedRequests: 1 });
    const third = await record('FL-H2', 'balance-only', after);
    expect(third.decision.outcome).toBe('refusal');
    expect(third.decision.clauses).toEqual(['B11']);
  });

  test('a refused request is not compensated', async () => {
    const first = await record('FL-H3', 'standard');
    await repo.updateStatus(first.record.reference, 'refused', 'agent:a1');
    expect(await repo.requestHistory('FL-H3')).toEqual({ earlierRequests: 1, compensatedRequests: 0 });
  });

  test("for one customer, only that customer's cases count: by channel user, or by verified account across channels", async () => {
    const bob: CaseOwner = { channelId: 'webchat', userId: 'bob' };
    const carolWeb: CaseOwner = { channelId: 'webchat', userId: 'carol-web', accountId: 'acct-carol' };
    const carolTeams: CaseOwner = { channelId: 'msteams', userId: 'carol-teams', accountId: 'acct-carol' };
    const mine = await record('FL-H4', 'standard');
    // Many other customers asked about the same order (a shared order number, or someone trying).
    for (let i = 0; i < 12; i++) await record('FL-H4', 'standard', undefined, { channelId: 'webchat', userId: `other-${i}` });
    await record('FL-H4', 'standard', undefined, carolWeb);
    expect(await repo.requestHistory('FL-H4', undefined, alice)).toEqual({ earlierRequests: 1, compensatedRequests: 1 });
    expect(await repo.requestHistory('FL-H4', mine.record.reference, alice)).toEqual({ earlierRequests: 0, compensatedRequests: 0 });
    expect(await repo.requestHistory('FL-H4', undefined, bob)).toEqual({ earlierRequests: 0, compensatedRequests: 0 });
    // Carol's account sees her web chat case from Teams; a stranger with her channel user id but
    // another verified account does not.
    expect(await repo.requestHistory('FL-H4', undefined, carolTeams)).toEqual({ earlierRequests: 1, compensatedRequests: 1 });
    expect(await repo.requestHistory('FL-H4', undefined, { ...carolWeb, accountId: 'acct-mallory' })).toEqual({ earlierRequests: 0, compensatedRequests: 0 });
    // Without an owner (an agent's view of the order): every case.
    expect((await repo.requestHistory('FL-H4')).earlierRequests).toBe(14);
  });
});
