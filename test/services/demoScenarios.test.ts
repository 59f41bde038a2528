/**
 * The demo orders lead to the outcomes docs/demo-data.md promises, when the eligibility engine
 * decides on them with what a user would typically say. If the engine or the data changes, this
 * test says which row of the table is no longer true.
 */
import { evaluate, type Claims, type Outcome, type Profile, type Topic } from '../../src/eligibility';
import { DemoData } from '../../src/services/demo/data';
import { DemoAccountsAdapter, DemoOrdersAdapter } from '../../src/services/demo/adapters';

const data = DemoData.load();
const NOW = new Date('2031-03-12T10:00:00Z'); // a Wednesday, Paris time
const orders = new DemoOrdersAdapter(data, { now: () => NOW });
const accounts = new DemoAccountsAdapter(data, { now: () => NOW });

const rows: [string, Topic, Profile, Partial<Claims>, Outcome, string[]][] = [
  ['FL-100001', 'refund', 'standard', { reason: 'paid_by_mistake' }, 'provisional_approval', ['R1.1', 'R2.1']],
  ['FL-100002', 'refund', 'standard', { reason: 'results_too_low' }, 'suggest_alternative', ['R7', 'R8']],
  ['FL-100002', 'refund', 'standard', { reason: 'results_too_low', insistsOnRefund: true }, 'refusal', ['R6.2']],
  ['FL-100003', 'refund', 'standard', { reason: 'results_too_low' }, 'suggest_alternative', ['R7']],
  ['FL-100004', 'refund', 'standard', { reason: 'changed_mind' }, 'suggest_alternative', ['R7']],
  ['FL-200001', 'refund', 'standard', { reason: 'changed_mind' }, 'refusal', ['R1.2', 'R6.4']],
  ['FL-200002', 'refund', 'standard', { reason: 'double_payment' }, 'provisional_approval', ['R2.5']],
  ['FL-300001', 'refund', 'standard', { reason: 'changed_mind' }, 'provisional_approval', ['R1.3']],
  ['FL-300002', 'refund', 'standard', { reason: 'changed_mind' }, 'refusal', ['R1.3', 'R8']],
  ['FL-400001', 'refund', 'standard', { reason: 'not_consumed' }, 'provisional_approval', ['R1.4', 'R2.3']],
  ['FL-400002', 'refund', 'standard', { reason: 'changed_mind' }, 'needs_review', ['R1.4']],
  ['FL-400003', 'refund', 'standard', { reason: 'changed_mind' }, 'refusal', ['R1.4', 'R6.1']],
  ['FL-500001', 'refund', 'balance-only', { reason: 'partial_delivery' }, 'needs_review', ['B4.2', 'B5', 'B3']],
  ['FL-500002', 'refund', 'balance-only', { reason: 'not_delivered' }, 'refusal', ['B6']],
  ['FL-500003', 'refund', 'balance-only', { reason: 'changed_mind' }, 'refusal', ['B6']],
  ['FL-600001', 'refund', 'balance-only', { reason: 'changed_mind' }, 'refusal', ['B9']],
  ['FL-700001', 'refund', 'standard', { reason: 'not_consumed' }, 'suspended', ['R6.5']],
  ['FL-700002', 'refund', 'balance-only', { reason: 'not_delivered' }, 'suspended', ['B11']],
  ['FL-800001', 'payment_not_received', 'standard', { paymentMethod: 'card' }, 'wait', ['P1']],
  [
    'FL-800002',
    'payment_not_received',
    'standard',
    { paymentMethod: 'bank_transfer', amountDebited: true, payeeDetailsCorrect: true, paidMerchantDirectly: false },
    'report_filed',
    ['P4'],
  ],
  ['FL-800003', 'payment_not_received', 'standard', { paymentMethod: 'card' }, 'needs_review', ['P1']],
  ['FL-900001', 'dispute', 'standard', { problem: 'not_arrived', complaintType: 'delivery', merchantContact: 'not_contacted' }, 'contact_merchant_first', ['D2']],
  ['FL-900001', 'dispute', 'standard', { problem: 'not_arrived', complaintType: 'delivery', merchantContact: 'no_reply' }, 'report_filed', ['D5']],
  ['FL-900002', 'dispute', 'standard', { problem: 'not_arrived', complaintType: 'delivery', merchantContact: 'no_reply' }, 'report_filed', ['D3']],
  ['FL-900003', 'dispute', 'standard', { problem: 'not_arrived', complaintType: 'delivery', merchantContact: 'no_reply' }, 'refusal', ['D6.3']],
  // Payment not registered: every P path.
  ['FL-800004', 'payment_not_received', 'standard', { paymentMethod: 'card' }, 'wait', ['P1']],
  ['FL-800008', 'payment_not_received', 'standard', { paymentMethod: 'bank_transfer' }, 'wait', ['P1', 'P2']],
  ['FL-800005', 'payment_not_received', 'standard', { paymentMethod: 'card', amountDebited: true, payeeDetailsCorrect: true, paidMerchantDirectly: false }, 'report_filed', ['P4', 'P6']],
  ['FL-800005', 'payment_not_received', 'standard', { paymentMethod: 'card', amountDebited: true, payeeDetailsCorrect: true, paidMerchantDirectly: true }, 'contact_merchant_first', ['P3.3']],
  ['FL-800005', 'payment_not_received', 'standard', { paymentMethod: 'card', amountDebited: false }, 'refusal', ['P3.1']],
  ['FL-800005', 'payment_not_received', 'standard', { paymentMethod: 'card', amountDebited: true, payeeDetailsCorrect: false }, 'refusal', ['P3.2']],
  ['FL-800005', 'payment_not_received', 'standard', { paymentMethod: 'card', amountDebited: true, payeeDetailsCorrect: true }, 'needs_review', ['P3']],
  ['FL-800006', 'payment_not_received', 'standard', { paymentMethod: 'card', amountDebited: true, payeeDetailsCorrect: true, paidMerchantDirectly: false }, 'report_filed', ['P4']],
  ['FL-800007', 'payment_not_received', 'standard', { paymentMethod: 'card', amountDebited: true, payeeDetailsCorrect: true, paidMerchantDirectly: false }, 'report_filed', ['P4']],
  // Disputes: every D path.
  ['FL-900004', 'dispute', 'standard', { problem: 'damaged', complaintType: 'delivery', merchantContact: 'no_reply' }, 'report_filed', ['D1', 'D2.1', 'D5']],
  ['FL-900005', 'dispute', 'standard', { problem: 'not_as_ordered', complaintType: 'delivery', merchantContact: 'unsatisfactory_offer' }, 'report_filed', ['D2.3', 'D5']],
  ['FL-900006', 'dispute', 'standard', { problem: 'payment_problem', complaintType: 'payment', merchantContact: 'no_reply' }, 'report_filed', ['D4']],
  ['FL-900006', 'dispute', 'standard', { problem: 'payment_problem', complaintType: 'payment', merchantContact: 'invalid_address' }, 'report_filed', ['D2.2', 'D4']],
  ['FL-900007', 'dispute', 'standard', { problem: 'not_arrived', complaintType: 'delivery', merchantContact: 'no_reply' }, 'report_filed', ['D5']],
  ['FL-900008', 'dispute', 'standard', { problem: 'not_arrived', complaintType: 'delivery', merchantContact: 'no_reply' }, 'report_filed', ['D5']],
  ['FL-900001', 'dispute', 'standard', { problem: 'other', merchantContact: 'no_reply' }, 'refusal', ['D1']],
];

describe('demo orders through the eligibility engine', () => {
  it.each(rows)('%s (%s, %s, %j) → %s citing %j', async (id, topic, profile, claims, outcome, clauses) => {
    const order = (await orders.findOrder(id))!;
    const { displayName: _name, ...account } = (await accounts.getAccount(order.ownerAccountId))!;
    const decision = evaluate(
      {
        profile,
        case: {
          topic,
          now: NOW.toISOString(),
          order: order.facts,
          account,
          claims: { orderNumber: id, amount: order.facts.amountPaid, ...claims },
          proof: { screenshot: true, paymentReference: 'PAY-2031-0001', link: 'https://social.example/p/1' },
        },
      },
      { timeZone: 'Europe/Paris' },
    );
    expect(decision.outcome).toBe(outcome);
    expect(decision.clauses).toEqual(expect.arrayContaining(clauses));
    if (id === 'FL-500001') expect(decision.refund).toEqual({ destination: 'balance', amount: { minor: 800, currency: 'EUR' } });
    if (id === 'FL-200002') expect(decision.refund?.amount).toEqual({ minor: 5000, currency: 'EUR' });
    // 72 hours after the payment, not three calendar dates: a few hours from now.
    if (id === 'FL-800004') expect(decision.timeline).toMatchObject({ kind: 'wait_until', at: new Date(NOW.getTime() + 2 * 3_600_000).toISOString() });
  });
});
