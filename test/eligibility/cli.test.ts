/** `npm run eligibility`: the real CLI process, fed on stdin or from a file. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBatch } from '../../src/cli/eligibility';
import { eur, kase, order } from './fixtures';

const root = join(__dirname, '../..');
function cli(args: string[], stdin?: string) {
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/eligibility.ts', ...args], {
    cwd: root,
    input: stdin,
    encoding: 'utf8',
    env: { ...process.env, POLICY_PROFILE: '', TIME_ZONE: '' },
  });
  return { code: r.status, out: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)), err: r.stderr };
}

const good = { case: kase({ order: order({ adBroadcast: 'not_started' }), claims: { reason: 'paid_by_mistake', amount: eur(3000) } }) };
const bad = { case: { ...good.case, order: { ...order(), amountPaid: { minor: -1, currency: 'EUR' } } } };
const topUp = { case: kase({ order: order({ serviceType: 'top_up', credited: true }), claims: { reason: 'changed_mind', amount: eur(3000) } }) };

describe('eligibility CLI', () => {
  test('a JSON Lines batch: one decision per line, bad lines named, the batch goes on, summary on stderr', () => {
    const text = [good, bad, '', '{oops', topUp].map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('\n') + '\n';
    const r = cli(['-'], text);
    expect(r.code).toBe(1);
    expect(r.out.map((l) => [l.line, l.decision?.outcome ?? 'error'])).toEqual([
      [1, 'provisional_approval'],
      [2, 'error'],
      [4, 'error'],
      [5, 'refusal'],
    ]);
    expect(r.out[1].error.fields[0].field).toBe('case.order.amountPaid.minor');
    expect(r.err).toContain('line 2: case.order.amountPaid.minor:');
    expect(r.err).toContain('line 4: invalid JSON:');
    const summary = JSON.parse(r.err.split('\n').find((l) => l.startsWith('# summary '))!.slice('# summary '.length));
    expect(summary).toEqual({
      total: 4,
      invalid: 2,
      outcomes: {
        provisional_approval: 1, refusal: 1, needs_review: 0, suggest_alternative: 0,
        wait: 0, contact_merchant_first: 0, report_filed: 0, suspended: 0,
      },
    });
  });

  test('one pretty-printed case from a file, with the profile and time zone flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'elig-'));
    try {
      const file = join(dir, 'case.json');
      writeFileSync(file, JSON.stringify(good, null, 2));
      const r = cli(['--profile', 'balance-only', '--time-zone', 'America/New_York', file]);
      expect(r.code).toBe(0);
      expect(r.out).toHaveLength(1);
      expect(r.out[0].decision).toMatchObject({ profile: 'balance-only', refund: { destination: 'balance' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('usage errors exit with 2', () => {
    expect(cli([]).code).toBe(2);
    expect(cli(['--profile', 'gold', '-'], '').code).toBe(2);
    expect(cli(['--time-zone', 'Nowhere/Else', '-'], '').code).toBe(2);
    expect(cli(['/does/not/exist.jsonl']).code).toBe(2);
  });

  test('two runs of the same batch print the same bytes (diffable)', () => {
    const text = [good, topUp, good].map((x) => JSON.stringify(x)).join('\n');
    const a = cli(['-'], text);
    const b = cli(['-'], text);
    expect(a.out).toEqual(b.out);
    expect(a.err).toBe(b.err);
  });

  test('a JSON array is a batch too', () => {
    const lines: unknown[] = [];
    const s = runBatch(JSON.stringify([good, topUp]), { timeZone: 'Europe/Paris', defaultProfile: 'standard' }, (l) => lines.push(l));
    expect(s.total).toBe(2);
    expect(lines).toHaveLength(2);
  });
});
