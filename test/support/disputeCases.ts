/**
 * Real refund, dispute and payment cases for tests: demo orders, the engine's own decision, stored through
 * the Redis case repository.
 */
import { evaluate, type CaseFacts } from '../../src/eligibility';
import type { CaseOwner, NewCase } from '../../src/cases/types';
import { DemoData } from '../../src/services/demo/data';
import { DemoOrdersAdapter } from '../../src/services/demo/adapters';

const data = DemoData.load();

export async function disputeCase(
  owner: CaseOwner,
  opts: { now: Date; orderId?: string; problem?: 'not_arrived' | 'damaged' | 'not_as_ordered' | 'payment_problem'; conversationId?: string } & Partial<NewCase>,
): Promise<NewCase> {
  const { now, orderId = 'FL-900001', problem = 'not_arrived', conversationId = `conv-${owner.userId}`, ...extra } = opts;
  const order = await new DemoOrdersAdapter(data, { now: () => now }).findOrder(orderId);
  if (!order) throw new Error(`no demo order ${orderId}`);
  const facts: CaseFacts = {
    topic: 'dispute',
    now: now.toISOString(),
    order: order.facts,
    account: { id: 'ACC-NOAH', tier: 'standard', fraudFlag: false, openChargeback: false },
    claims: { orderNumber: orderId, problem, merchantContact: 'no_reply' },
    proof: {},
  };
  const decision = evaluate({ profile: 'standard', case: facts }, { timeZone: 'Europe/Paris' });
  return {
    topic: 'dispute',
    profile: 'standard',
    owner,
    facts,
    decision,
    language: 'fr',
    conversationReference: {
      channelId: owner.channelId,
      serviceUrl: 'https://smba.example/',
      conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
      user: { id: owner.userId, name: 'N' },
    },
    ...extra,
  };
}

/**
 * A real refund case: the demo order FL-100001 (ad not broadcast, paid by mistake) and the engine's
 * decision on it. `extra` overrides any field (a request key, the language…).
 */
export async function refundCase(
  owner: CaseOwner,
  opts: { now: Date; accountId?: string; conversationId?: string; serviceUrl?: string } & Partial<NewCase>,
): Promise<NewCase> {
  const { now, accountId = 'ACC-CAMILLE', conversationId = 'conv-1', serviceUrl = 'https://smba.example/', ...extra } = opts;
  const order = await new DemoOrdersAdapter(data, { now: () => now }).findOrder('FL-100001');
  if (!order) throw new Error('no demo order FL-100001');
  const facts: CaseFacts = {
    topic: 'refund',
    now: now.toISOString(),
    order: order.facts,
    account: { id: accountId, tier: 'standard', fraudFlag: false, openChargeback: false },
    claims: { orderNumber: 'FL-100001', amount: { minor: 4900, currency: 'EUR' }, reason: 'paid_by_mistake' },
    proof: { screenshot: true },
  };
  return {
    topic: 'refund',
    profile: 'standard',
    owner,
    facts,
    decision: evaluate({ profile: 'standard', case: facts }, { timeZone: 'Europe/Paris' }),
    language: 'fr',
    conversationReference: {
      channelId: owner.channelId,
      serviceUrl,
      conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
      user: { id: owner.userId, name: 'A' },
    },
    ...extra,
  };
}
