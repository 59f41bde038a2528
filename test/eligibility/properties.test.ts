/** Property tests: invariants that hold for any case the schema accepts. */
import fc from 'fast-check';
import {
  ORDER_STATUSES, OUTCOMES, PAYMENT_METHODS, REFUND_REASONS, SERVICE_TYPES, AD_BROADCAST_STATES, TARGET_ISSUES,
  DISPUTE_PROBLEMS, COMPLAINT_TYPES, MERCHANT_CONTACT_STATES, evaluate, parseEligibilityInput,
  type EligibilityInputRaw,
} from '../../src/eligibility';
import { proportionalMinor } from '../../src/eligibility/common';
import { ALL_CLAUSES, TZ } from './fixtures';

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
const anyInput: fc.Arbitrary<EligibilityInputRaw> = fc
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
    }
    return { ...raw, case: c };
  });

const zone = fc.constantFrom('Europe/Paris', 'UTC', 'America/New_York', 'Pacific/Kiritimati');
const RUNS = { numRuns: 3000 };

function run(raw: EligibilityInputRaw, timeZone = TZ) {
  const parsed = parseEligibilityInput(raw);
  if (!parsed.ok) throw new Error('generator made invalid input: ' + JSON.stringify(parsed.errors));
  return { input: parsed.input, decision: evaluate(parsed.input, { timeZone }) };
}

describe('eligibility properties', () => {
  test('a refund never exceeds what was paid, in the same currency, and is never negative', () => {
    fc.assert(
      fc.property(anyInput, zone, (raw, tz) => {
        const { input, decision } = run(raw, tz);
        if (decision.refund === null) return;
        const paid = input.case.order?.amountPaid;
        expect(paid).toBeDefined();
        expect(decision.refund.amount.currency).toBe(paid!.currency);
        expect(Number.isInteger(decision.refund.amount.minor)).toBe(true);
        expect(decision.refund.amount.minor).toBeGreaterThanOrEqual(0);
        expect(decision.refund.amount.minor).toBeLessThanOrEqual(paid!.minor);
      }),
      RUNS,
    );
  });

  test('a refusal never carries a refund amount or a timeline', () => {
    fc.assert(
      fc.property(anyInput, (raw) => {
        const { decision } = run(raw);
        if (decision.outcome !== 'refusal') return;
        expect(decision.refund).toBeNull();
        expect(decision.timeline).toBeNull();
      }),
      RUNS,
    );
  });

  test('every decision cites at least one known clause and has a known outcome', () => {
    const known = new Set<string>(ALL_CLAUSES);
    fc.assert(
      fc.property(anyInput, (raw) => {
        const { decision } = run(raw);
        expect(OUTCOMES).toContain(decision.outcome);
        expect(decision.clauses.length).toBeGreaterThan(0);
        for (const c of decision.clauses) expect(known.has(c)).toBe(true);
      }),
      RUNS,
    );
  });

  test('the same facts always give the same decision, and the input is not changed', () => {
    fc.assert(
      fc.property(anyInput, zone, (raw, tz) => {
        const parsed = parseEligibilityInput(raw);
        if (!parsed.ok) throw new Error('invalid');
        const before = JSON.stringify(parsed.input);
        const a = evaluate(parsed.input, { timeZone: tz });
        const b = evaluate(structuredClone(parsed.input), { timeZone: tz });
        expect(b).toEqual(a);
        expect(JSON.stringify(parsed.input)).toBe(before);
        expect(JSON.parse(JSON.stringify(a))).toEqual(a);
      }),
      RUNS,
    );
  });

  test('approvals are provisional (R4) and say where and when; reviews say why', () => {
    fc.assert(
      fc.property(anyInput, (raw) => {
        const { decision: d } = run(raw);
        if (d.outcome === 'provisional_approval') {
          expect(d.clauses).toContain('R4');
          expect(d.refund).not.toBeNull();
          expect(d.timeline).not.toBeNull();
        }
        if (d.outcome === 'needs_review' || d.outcome === 'suspended') {
          expect(d.review.required).toBe(true);
          expect(d.review.reasons.length).toBeGreaterThan(0);
        }
        if (d.missingFacts.length > 0) expect(d.outcome).toBe('needs_review');
        if (d.outcome === 'wait') expect(d.timeline?.kind).toBe('wait_until');
        if (raw.case.account?.tier === 'pro') expect(d.review.priority).toBe('pro');
      }),
      RUNS,
    );
  });

  test('B5: proportional credit is floor(paid × undelivered ÷ ordered), within [0, paid]', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.maxSafeInteger().map((n) => Math.abs(n))),
        fc.integer({ min: 1, max: 1_000_000_000 }),
        fc.integer({ min: 0, max: 1_100_000_000 }),
        (paid, ordered, delivered) => {
          const r = proportionalMinor(paid, ordered, delivered);
          const undelivered = BigInt(Math.max(0, ordered - Math.min(delivered, ordered)));
          expect(r).toBe(Number((BigInt(paid) * undelivered) / BigInt(ordered)));
          expect(r).toBeGreaterThanOrEqual(0);
          expect(r).toBeLessThanOrEqual(paid);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
