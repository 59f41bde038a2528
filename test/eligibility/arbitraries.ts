/** Generators of eligibility inputs the schema accepts, shared by the property tests. */
import fc from 'fast-check';
import {
  ORDER_STATUSES, PAYMENT_METHODS, REFUND_REASONS, SERVICE_TYPES, AD_BROADCAST_STATES, TARGET_ISSUES,
  DISPUTE_PROBLEMS, COMPLAINT_TYPES, MERCHANT_CONTACT_STATES, CANCELLED_BY,
  type EligibilityInputRaw,
} from '../../src/eligibility';

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const currency = fc.constantFrom('EUR', 'USD');
const money = fc.record({ minor: fc.oneof(fc.constantFrom(0, 1000, 2000, 3000), fc.integer({ min: 0, max: 5_000_000 })), currency });
const dayMs = 86_400_000;
const from = Date.UTC(2023, 0, 1);
const to = Date.UTC(2024, 11, 31);
const dateTime = fc.integer({ min: from, max: to }).map((ms) => new Date(ms).toISOString());
const dateOnly = fc.integer({ min: from / dayMs, max: to / dayMs }).map((d) => new Date(d * dayMs).toISOString().slice(0, 10));
const instant = fc.oneof(dateTime, dateOnly);

const transaction = fc.record({
  id: fc.constantFrom('T1', 'T2', 'T3'),
  kind: fc.constantFrom('payment', 'refund', 'balance_credit', 'chargeback'),
  amount: money,
  at: instant,
  status: fc.constantFrom('succeeded', 'pending', 'failed'),
});

const order = fc.record(
  {
    id: fc.constantFrom('O1', 'O2'),
    serviceType: fc.constantFrom(...SERVICE_TYPES),
    status: fc.constantFrom(...ORDER_STATUSES),
    cancelledBy: fc.constantFrom(...CANCELLED_BY),
    amountPaid: money,
    paymentMethod: fc.constantFrom(...PAYMENT_METHODS),
    paidAt: instant,
    transactionAt: instant,
    adBroadcast: fc.constantFrom(...AD_BROADCAST_STATES),
    activatedAt: fc.option(instant, { nil: null }),
    credited: fc.boolean(),
    quantityOrdered: fc.integer({ min: 1, max: 2000 }),
    quantityDelivered: fc.integer({ min: 0, max: 2500 }),
    incidentVerified: fc.boolean(),
    listPrice: money,
    promotional: fc.boolean(),
    targetIssue: fc.constantFrom(...TARGET_ISSUES),
    externalChange: fc.boolean(),
    paymentRegistered: fc.boolean(),
    dispute: fc.record({ status: fc.constantFrom('open', 'closed'), closedBy: opt(fc.constantFrom('buyer', 'platform', 'automatic')) }),
    transactions: fc.array(transaction, { maxLength: 4 }),
  },
  { requiredKeys: ['id', 'serviceType', 'status', 'amountPaid', 'paymentMethod'] },
);

const claims = fc.record(
  {
    orderNumber: fc.constantFrom('O1', 'O2'),
    amount: money,
    reason: fc.constantFrom(...REFUND_REASONS),
    insistsOnRefund: fc.boolean(),
    urgent: fc.boolean(),
    paidAt: instant,
    paymentMethod: fc.constantFrom(...PAYMENT_METHODS),
    amountDebited: fc.boolean(),
    payeeDetailsCorrect: fc.boolean(),
    paidMerchantDirectly: fc.boolean(),
    problem: fc.constantFrom(...DISPUTE_PROBLEMS),
    complaintType: fc.constantFrom(...COMPLAINT_TYPES),
    merchantContact: fc.constantFrom(...MERCHANT_CONTACT_STATES),
  },
  { requiredKeys: [] },
);

const proof = fc.record(
  { screenshot: fc.boolean(), paymentReference: fc.constantFrom('REF-1'), link: fc.constantFrom('https://x.example/p'), declined: fc.boolean() },
  { requiredKeys: [] },
);

const rarely = fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 });

const randomInput: fc.Arbitrary<EligibilityInputRaw> = fc.record(
  {
    profile: fc.constantFrom('standard', 'balance-only'),
    case: fc.record(
      {
        topic: fc.constantFrom('refund', 'payment_not_received', 'dispute'),
        now: instant,
        order: fc.option(order, { nil: null }),
        account: fc.option(
          fc.record({ tier: fc.constantFrom('standard', 'pro'), fraudFlag: rarely, openChargeback: rarely }),
          { nil: null, freq: 8 },
        ),
        claims,
        proof,
        mandatoryRemedy: fc.constantFrom('law', 'authority', 'court', 'payment_provider'),
        requestHistory: fc.record({ earlierRequests: fc.nat(3), compensatedRequests: fc.constantFrom(0, 0, 0, 1) }),
      },
      { requiredKeys: ['topic', 'now', 'claims', 'proof'] },
    ),
  },
  { requiredKeys: ['case'] },
) as fc.Arbitrary<EligibilityInputRaw>;

/**
 * Mostly coherent cases (the claims match the order, "now" follows the payment), so that every
 * outcome is reached, plus some fully random ones, so that conflicts are reached too.
 */
export const anyInput: fc.Arbitrary<EligibilityInputRaw> = fc
  .tuple(randomInput, fc.nat(200), fc.nat(3), fc.nat(3))
  .map(([raw, daysAfter, alignClaims, alignDates]) => {
    const c = structuredClone(raw.case);
    const o = c.order;
    if (o && alignClaims > 0) {
      c.claims = { ...c.claims, amount: { ...o.amountPaid }, orderNumber: o.id };
      if (o.transactions) o.transactions = o.transactions.map((t) => (t.kind === 'payment' ? { ...t, amount: { ...o.amountPaid } } : t));
    }
    if (o && alignDates > 0) {
      const base = Date.parse(o.paidAt ?? '2024-01-01');
      c.now = new Date(base + daysAfter * dayMs).toISOString();
      delete o.transactionAt;
      if (c.claims?.paidAt) c.claims.paidAt = o.paidAt ?? '2024-01-01';
      if (o.activatedAt && alignDates > 1) o.activatedAt = null;
      else if (o.activatedAt) o.activatedAt = o.paidAt ?? '2024-01-01';
      // Transactions happen at payment time; merchant contact after it.
      if (o.transactions) o.transactions = o.transactions.map((t) => ({ ...t, at: o.paidAt ?? '2024-01-01' }));
      if (c.claims?.merchantContactedAt) c.claims.merchantContactedAt = o.paidAt ?? '2024-01-01';
    }
    return { ...raw, case: c };
  });

