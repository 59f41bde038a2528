/** Property tests: invariants that hold for any case the schema accepts. */
import fc from 'fast-check';
import { OUTCOMES, evaluate, parseEligibilityInput, type EligibilityInputRaw } from '../../src/eligibility';
import { anyInput } from './arbitraries';
import { proportionalMinor } from '../../src/eligibility/common';
import { ALL_CLAUSES, TZ } from './fixtures';

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
