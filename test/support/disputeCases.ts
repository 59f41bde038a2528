/**
 * Real dispute and payment cases for tests: demo orders, the engine's own decision, stored through
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
