/** `npm run eligibility`: the real CLI process, fed on stdin or from a file. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffBatches, formatDiff, runBatch } from '../../src/cli/eligibility';
import { eur, kase, order } from './fixtures';

const root = join(__dirname, '../..');
function cli(args: string[], stdin?: string) {
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/eligibility.ts', ...args], {
    cwd: root,
    input: stdin,
    encoding: 'utf8',
    env: { ...process.env, POLICY_PROFILE: '', TIME_ZONE: '', HOLIDAYS_COUNTRY: '' },
  });
  return { code: r.status, out: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)), err: r.stderr };
}
function cliText(args: string[]) {
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/eligibility.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, POLICY_PROFILE: '', TIME_ZONE: '', HOLIDAYS_COUNTRY: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
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

describe('eligibility CLI --diff (policy owners: what a rule change changes)', () => {
  const row = (line: number, outcome: string, clauses: string[], minor?: number) =>
    JSON.stringify({
      line,
      decision: { outcome, clauses, refund: minor === undefined ? null : { destination: 'same_card', amount: { minor, currency: 'EUR' } } },
    });

  test('lists each case whose outcome, amount or clauses changed, and counts each change', () => {
    const before = [row(1, 'needs_review', ['R2.4']), row(2, 'needs_review', ['R2.4']), row(3, 'refusal', ['R1.2', 'R6.4']), row(4, 'provisional_approval', ['R1.1', 'R2.1', 'R4'], 3000)].join('\n');
    const after = [
      row(1, 'provisional_approval', ['R1.1', 'R2.2', 'R4'], 3000),
      row(2, 'provisional_approval', ['R1.1', 'R2.2', 'R4'], 3000),
      row(3, 'refusal', ['R1.2', 'R6.4']),
      row(4, 'provisional_approval', ['R1.1', 'R2.1', 'R2.2', 'R4'], 3000),
    ].join('\n');
    const d = diffBatches(before, after);
    expect(d.compared).toBe(4);
    expect(d.changed).toEqual([
      { line: 1, changes: ['outcome needs_review → provisional_approval', 'amount none → 30.00 EUR', 'clauses +R1.1 +R2.2 +R4 -R2.4'] },
      { line: 2, changes: ['outcome needs_review → provisional_approval', 'amount none → 30.00 EUR', 'clauses +R1.1 +R2.2 +R4 -R2.4'] },
      { line: 4, changes: ['clauses +R2.2'] },
    ]);
    expect(d.counts).toEqual([
      { change: 'clause +R2.2', cases: 3 },
      { change: 'amount none → an amount', cases: 2 },
      { change: 'clause +R1.1', cases: 2 },
      { change: 'clause +R4', cases: 2 },
      { change: 'clause -R2.4', cases: 2 },
      { change: 'outcome needs_review → provisional_approval', cases: 2 },
    ]);
    expect(formatDiff(d)).toBe(
      [
        'line 1: outcome needs_review → provisional_approval · amount none → 30.00 EUR · clauses +R1.1 +R2.2 +R4 -R2.4',
        'line 2: outcome needs_review → provisional_approval · amount none → 30.00 EUR · clauses +R1.1 +R2.2 +R4 -R2.4',
        'line 4: clauses +R2.2',
        '# changes',
        '      3  clause +R2.2',
        '      2  amount none → an amount',
        '      2  clause +R1.1',
        '      2  clause +R4',
        '      2  clause -R2.4',
        '      2  outcome needs_review → provisional_approval',
        '# 3 of 4 cases changed',
      ].join('\n') + '\n',
    );
  });

  test('invalid cases and cases present in one output only are reported', () => {
    const before = [row(1, 'refusal', ['B6']), JSON.stringify({ line: 2, error: { fields: [] } }), row(5, 'refusal', ['B6'])].join('\n');
    const after = [row(1, 'refusal', ['B6']), row(2, 'refusal', ['B6']), row(7, 'refusal', ['B6'])].join('\n');
    const d = diffBatches(before, after);
    expect(d.changed).toEqual([{ line: 2, changes: ['outcome invalid → refusal', 'clauses +B6'] }]);
    expect(d.onlyBefore).toEqual([5]);
    expect(d.onlyAfter).toEqual([7]);
    expect(formatDiff(d, { before: 'a.jsonl', after: 'b.jsonl' })).toContain('# only in a.jsonl: line 5\n# only in b.jsonl: line 7\n');
  });

  test('the real command on two real batch outputs: standard profile, then balance-only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'elig-diff-'));
    try {
      const cases = join(dir, 'cases.jsonl');
      writeFileSync(cases, [good, topUp, good].map((x) => JSON.stringify(x)).join('\n') + '\n');
      const a = cliText([cases]);
      const b = cliText(['--profile', 'balance-only', cases]);
      writeFileSync(join(dir, 'before.jsonl'), a.out);
      writeFileSync(join(dir, 'after.jsonl'), b.out);
      const r = cliText(['--diff', join(dir, 'before.jsonl'), join(dir, 'after.jsonl')]);
      expect(r.code).toBe(1);
      const lines = r.out.trim().split('\n');
      expect(lines[0]).toMatch(/^line 1: outcome provisional_approval → needs_review · clauses \+B4\.1 /);
      expect(lines).toContain('      2  outcome provisional_approval → needs_review');
      expect(lines).toContain('      1  clause -R6.4');
      expect(lines).toContain('      2  clause +B4.1');
      expect(lines[lines.length - 1]).toBe('# 3 of 3 cases changed');
      const same = cliText(['--diff', join(dir, 'before.jsonl'), join(dir, 'before.jsonl')]);
      expect(same.code).toBe(0);
      expect(same.out).toBe('# 0 of 3 cases changed\n');
      expect(cliText(['--diff', join(dir, 'before.jsonl')]).code).toBe(2);
      expect(cliText(['--diff', cases, join(dir, 'after.jsonl')]).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--holidays none counts weekends only; an unknown country is a usage error', () => {
    const fr = cli(['-'], JSON.stringify(good));
    const none = cli(['--holidays', 'none', '-'], JSON.stringify(good));
    expect(fr.out[0].decision.timeline.earliest).toBe('2024-05-21');
    expect(none.out[0].decision.timeline.earliest).toBe('2024-05-20');
    expect(cli(['--holidays', 'ZZ', '-'], '').code).toBe(2);
  });
});
