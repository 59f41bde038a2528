/**
 * Eligibility engine cost: one decision, and a 100,000-case JSON Lines batch.
 * Targets: median decision under 20 µs; the batch under 3 s on one core.
 * Baselines measured in the same run on the same inputs: a zod parse, and a JSON round trip.
 * Prints figures only; it is never a timed test.
 */
import { cpus } from 'node:os';
import { evaluate, parseEligibilityInput, eligibilityInputSchema, type EligibilityInput, type EligibilityInputRaw } from '../src/eligibility';
import { runBatch } from '../src/cli/eligibility';

const TZ = 'Europe/Paris';
const OPTIONS = { timeZone: TZ, defaultProfile: 'standard' as const };

/** Deterministic PRNG (mulberry32) so every run measures the same cases. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const BASE = Date.UTC(2024, 0, 1);

/** A realistic mix: every topic, both profiles, most outcomes. */
function sampleCase(r: () => number): EligibilityInputRaw {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const minor = 500 + Math.floor(r() * 20_000);
  const money = { minor, currency: pick(['EUR', 'EUR', 'USD']) };
  const paidMs = BASE + Math.floor(r() * 300) * DAY + Math.floor(r() * DAY);
  const nowMs = paidMs + Math.floor(r() * 10) * DAY + Math.floor(r() * DAY);
  const paidAt = new Date(paidMs).toISOString();
  const now = new Date(nowMs).toISOString();
  const account = { tier: r() < 0.1 ? 'pro' : 'standard', fraudFlag: r() < 0.02, openChargeback: r() < 0.02 } as const;
  const base = { id: `ORD-${Math.floor(r() * 1e6)}`, amountPaid: money, paymentMethod: pick(['card', 'card', 'paypal', 'balance'] as const), paidAt };
  const claims = { amount: money, urgent: r() < 0.05 };
  const t = Math.floor(r() * 12);
  switch (t) {
    case 0:
    case 1:
      return { case: { topic: 'refund', now, account, order: { ...base, serviceType: 'ad', status: 'pending', adBroadcast: pick(['not_started', 'broadcasting', 'finished'] as const) }, claims: { ...claims, reason: pick(['paid_by_mistake', 'results_too_low', 'changed_mind'] as const), insistsOnRefund: r() < 0.3 } } };
    case 2:
      return {
        case: {
          topic: 'refund', now, account,
          order: { ...base, serviceType: 'top_up', status: 'completed', credited: true, transactions: [{ id: 'T1', kind: 'payment', amount: money, at: paidAt }, { id: 'T2', kind: 'payment', amount: money, at: paidAt }] },
          claims: { ...claims, reason: pick(['double_payment', 'changed_mind'] as const) },
        },
      };
    case 3:
      return { case: { topic: 'refund', now, account, order: { ...base, serviceType: 'pro_account', status: 'completed', activatedAt: r() < 0.5 ? null : paidAt }, claims: { ...claims, reason: 'changed_mind' } } };
    case 4:
      return { case: { topic: 'refund', now, account, order: { ...base, serviceType: 'premium_service', status: pick(['pending', 'in_progress', 'completed'] as const) }, claims: { ...claims, reason: pick(['not_consumed', 'technical_error', 'other'] as const) } } };
    case 5:
    case 6: {
      const ordered = 100 + Math.floor(r() * 5000);
      return {
        profile: 'balance-only',
        case: {
          topic: 'refund', now, account,
          order: { ...base, serviceType: 'digital_service', status: pick(['pending', 'queued', 'in_progress', 'partial', 'completed', 'cancelled'] as const), quantityOrdered: ordered, quantityDelivered: Math.floor(r() * ordered), targetIssue: r() < 0.1 ? 'private_profile' : undefined },
          claims: { ...claims, reason: pick(['partial_delivery', 'not_delivered', 'provider_cancelled', 'results_too_low'] as const) },
          proof: { link: 'https://social.example/p/1' },
        },
      };
    }
    case 7:
    case 8:
      return {
        case: {
          topic: 'payment_not_received', now, account,
          order: { ...base, serviceType: 'merchant_purchase', status: 'pending', paymentMethod: 'pay_later', paidAt: undefined, paymentRegistered: false },
          claims: { amount: money, paidAt, paymentMethod: pick(['card', 'bank_transfer'] as const), amountDebited: r() < 0.9, payeeDetailsCorrect: r() < 0.9, paidMerchantDirectly: r() < 0.1 },
          proof: r() < 0.8 ? { paymentReference: 'REF-1' } : {},
        },
      };
    default:
      return {
        case: {
          topic: 'dispute', now, account,
          order: { ...base, serviceType: 'merchant_purchase', status: 'completed' },
          claims: { amount: money, problem: pick(['not_arrived', 'damaged', 'not_as_ordered', 'payment_problem'] as const), merchantContact: pick(['not_contacted', 'no_reply', 'invalid_address', 'unsatisfactory_offer'] as const) },
        },
      };
  }
}

function corpus(n: number, seed = 42): EligibilityInputRaw[] {
  const r = rng(seed);
  const out: EligibilityInputRaw[] = [];
  for (let i = 0; i < n; i++) out.push(sampleCase(r));
  return out;
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Per-call timings (µs) of `fn` over the inputs, cycling; after a warm-up. */
function perCall<T>(inputs: T[], calls: number, fn: (x: T) => unknown): { median: number; p90: number; p99: number; mean: number } {
  let sink = 0;
  for (let i = 0; i < Math.min(calls, 20_000); i++) sink += fn(inputs[i % inputs.length]!) ? 1 : 0;
  const samples = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const x = inputs[i % inputs.length]!;
    const t0 = process.hrtime.bigint();
    const y = fn(x);
    const t1 = process.hrtime.bigint();
    if (y) sink++;
    samples[i] = Number(t1 - t0) / 1000;
  }
  if (sink < 0) console.log(sink);
  const sum = samples.reduce((a, b) => a + b, 0);
  samples.sort();
  return { median: quantile(samples, 0.5), p90: quantile(samples, 0.9), p99: quantile(samples, 0.99), mean: sum / calls };
}

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const f = (n: number, d = 2) => n.toFixed(d);

function main(): void {
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} (single thread), time zone ${TZ}`);

  // ---- one decision
  const raw = corpus(10_000);
  const parsed: EligibilityInput[] = raw.map((x) => {
    const p = parseEligibilityInput(x);
    if (!p.ok) throw new Error('bench corpus has an invalid case: ' + JSON.stringify(p.errors));
    return p.input;
  });
  const outcomes: Record<string, number> = {};
  for (const p of parsed) {
    const o = evaluate(p, OPTIONS).outcome;
    outcomes[o] = (outcomes[o] ?? 0) + 1;
  }
  console.log(`corpus: ${parsed.length} cases, outcomes ${JSON.stringify(outcomes)}`);

  const CALLS = 200_000;
  const decision = perCall(parsed, CALLS, (x) => evaluate(x, OPTIONS));
  const zod = perCall(raw, CALLS, (x) => eligibilityInputSchema.safeParse(x).success);
  const json = perCall(parsed, CALLS, (x) => JSON.parse(JSON.stringify(x)));
  const full = perCall(raw, CALLS, (x) => {
    const p = parseEligibilityInput(x);
    return p.ok && evaluate(p.input, OPTIONS);
  });
  const row = (name: string, s: typeof decision) =>
    console.log(
      `  ${name.padEnd(34)} median ${f(s.median).padStart(6)} µs  p90 ${f(s.p90).padStart(6)}  p99 ${f(s.p99).padStart(7)}  mean ${f(s.mean).padStart(6)}` +
        `   ×${f(s.median / zod.median)} zod parse, ×${f(s.median / json.median)} JSON round trip`,
    );
  console.log(`one decision (${CALLS} timed calls each, after warm-up):`);
  row('evaluate (parsed input)', decision);
  row('baseline: zod parse of the input', zod);
  row('baseline: JSON round trip', json);
  row('zod parse + evaluate', full);
  console.log(`  target: median decision < 20 µs → ${decision.median < 20 ? 'met' : 'MISSED'} (${f(decision.median)} µs)`);

  // ---- 100,000-case batch, as `npm run eligibility` runs it (minus the terminal)
  const N = 100_000;
  const lines = corpus(N, 7).map((x) => JSON.stringify(x));
  const text = lines.join('\n') + '\n';
  console.log(`batch: ${N} cases, ${f(text.length / 1e6, 1)} MB of JSON Lines`);

  let t0 = process.hrtime.bigint();
  let bytes = 0;
  for (const l of lines) bytes += JSON.stringify(JSON.parse(l)).length + 1;
  const jsonMs = ms(t0);

  t0 = process.hrtime.bigint();
  let ok = 0;
  for (const l of lines) if (eligibilityInputSchema.safeParse(JSON.parse(l)).success) ok++;
  const zodMs = ms(t0);

  t0 = process.hrtime.bigint();
  let outBytes = 0;
  const summary = runBatch(text, OPTIONS, (res) => {
    outBytes += JSON.stringify(res).length + 1;
  });
  const batchMs = ms(t0);

  console.log(`  baseline: JSON parse + stringify of each line   ${f(jsonMs, 0).padStart(6)} ms  (${bytes} bytes)`);
  console.log(`  baseline: JSON parse + zod parse of each line   ${f(zodMs, 0).padStart(6)} ms  (${ok} valid)`);
  console.log(
    `  full batch (split, parse, zod, evaluate, stringify) ${f(batchMs, 0).padStart(6)} ms  = ${f((batchMs * 1000) / N)} µs/case` +
      `  ×${f(batchMs / jsonMs)} JSON baseline, ×${f(batchMs / zodMs)} zod baseline`,
  );
  console.log(`  summary ${JSON.stringify(summary)} (${f(outBytes / 1e6, 1)} MB out)`);
  console.log(`  target: batch < 3 s → ${batchMs < 3000 ? 'met' : 'MISSED'} (${f(batchMs / 1000)} s)`);
}

main();
