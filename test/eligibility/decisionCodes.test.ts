/**
 * docs/decision-codes.md lists every fact code the engine can emit, with its values. A code the
 * engine emits that the page does not list, or a value it does not name, fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { FACT_CODES, evaluate, parseEligibilityInput, type Decision } from '../../src/eligibility';
import { anyInput } from './arbitraries';
import { ACCOUNT, decide, eur, kase, order } from './fixtures';

const doc = readFileSync(join(__dirname, '../../docs/decision-codes.md'), 'utf8');
/** code → the value names its row documents (backticked words of the values column). */
const documented = new Map<string, Set<string>>();
for (const m of doc.matchAll(/^\| `([a-z_.]+)` \| ([^|]*) \|/gm)) {
  documented.set(m[1]!, new Set([...m[2]!.matchAll(/`([a-zA-Z]+)`/g)].map((v) => v[1]!)));
}

function checkFacts(d: Decision): void {
  for (const f of d.facts) {
    const names = documented.get(f.code);
    if (!names) throw new Error(`emitted code ${f.code} is not listed in docs/decision-codes.md`);
    for (const key of Object.keys(f.values ?? {})) {
      if (!names.has(key)) throw new Error(`value ${key} of ${f.code} is not documented in docs/decision-codes.md`);
    }
  }
}

describe('docs/decision-codes.md', () => {
  test('lists every code of FACT_CODES, and only those', () => {
    expect([...FACT_CODES].filter((c) => !documented.has(c))).toEqual([]);
    expect([...documented.keys()].filter((c) => !(FACT_CODES as readonly string[]).includes(c))).toEqual([]);
  });

  test('the check itself fails on a code or a value the page does not list', () => {
    const base = decide(kase({ order: order({ adBroadcast: 'not_started' }), claims: { reason: 'paid_by_mistake', amount: eur(3000) } }));
    expect(() => checkFacts({ ...base, facts: [{ code: 'ad.exploded' as never }] })).toThrow(/ad.exploded is not listed/);
    expect(() => checkFacts({ ...base, facts: [{ code: 'ad.broadcast', values: { colour: 'red' } }] })).toThrow(/value colour of ad.broadcast/);
  });

  const emitted = new Set<string>();
  test('every code and value emitted on any case the schema accepts is documented', () => {
    fc.assert(
      fc.property(anyInput, fc.constantFrom('Europe/Paris', 'UTC'), (raw, tz) => {
        const parsed = parseEligibilityInput(raw);
        if (!parsed.ok) throw new Error('generator made invalid input');
        const d = evaluate(parsed.input, { timeZone: tz });
        checkFacts(d);
        expect(d.facts.length).toBeGreaterThan(0);
        for (const f of d.facts) emitted.add(f.code);
      }),
      { numRuns: 5000, seed: 20261129 },
    );
  });

  test('cases a policy owner would write reach the rarer codes, documented too', () => {
    const rare = [
      kase({ account: { ...ACCOUNT, fraudFlag: true } }),
      kase({ order: order({ serviceType: 'digital_service', status: 'pending', amountPaid: eur(2000) }), claims: { reason: 'changed_mind' }, proof: { link: 'https://x.example/p' }, mandatoryRemedy: 'court' }),
      kase({ topic: 'payment_not_received', order: order({ serviceType: 'merchant_purchase', paymentRegistered: false, paidAt: '2024-05-01' }), claims: { amountDebited: true, payeeDetailsCorrect: true, paidMerchantDirectly: false }, proof: { screenshot: true } }),
      kase({ order: order({ serviceType: 'digital_service', status: 'queued', amountPaid: eur(2000) }), claims: { reason: 'service_unavailable' }, proof: { link: 'https://x.example/p' } }),
      kase({ order: order({ adBroadcast: 'not_started', transactions: [1, 2, 3].map((i) => ({ id: `T${i}`, kind: 'payment' as const, amount: eur(3000), at: '2024-05-10' })) }), claims: { reason: 'paid_by_mistake', amount: eur(3000) } }),
      ...([
        { status: 'in_progress', incidentVerified: false },
        { status: 'partial', quantityOrdered: 1000, quantityDelivered: 600 },
        { status: 'completed', listPrice: eur(1500) },
        { status: 'cancelled', cancelledBy: 'provider' },
      ] as const).map((o) => kase({ order: order({ serviceType: 'digital_service', amountPaid: eur(2000), ...o }), claims: { reason: 'technical_error' }, proof: { link: 'https://x.example/p' } })),
      kase({ order: order({ serviceType: 'premium_service', status: 'completed' }), claims: { reason: 'other', amount: eur(3000) } }),
      kase({ order: order({ adBroadcast: 'not_started' }), claims: { reason: 'paid_by_mistake', amount: eur(3000) } }),
      kase({ order: order({ status: 'in_progress', adBroadcast: 'broadcasting' }), claims: { reason: 'not_broadcast', amount: eur(3000) } }),
      kase({ order: order({ serviceType: 'digital_service', status: 'in_progress', amountPaid: eur(2000), externalChange: true }), claims: { reason: 'not_delivered' }, proof: { link: 'https://x.example/p' } }),
      kase({ order: order({ serviceType: 'top_up', credited: true, transactions: [1, 2].map((i) => ({ id: `T${i}`, kind: 'payment' as const, amount: eur(3000), at: '2024-05-10' })) }), claims: { reason: 'changed_mind', amount: eur(3000) } }),
      ...(['results_too_low', 'duplicate_order'] as const).map((reason) => kase({ order: order({ serviceType: 'digital_service', status: 'completed', amountPaid: eur(2000) }), claims: { reason }, proof: { link: 'https://x.example/p' } })),
    ];
    for (const c of rare) for (const p of ['standard', 'balance-only'] as const) {
      const d = decide(c, p);
      checkFacts(d);
      for (const f of d.facts) emitted.add(f.code);
    }
    // Every documented code is reached by a generated or a written case.
    const unreached = FACT_CODES.filter((c) => !emitted.has(c));
    expect(unreached).toEqual([]);
  });
});
