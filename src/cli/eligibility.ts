/**
 * npm run eligibility -- [--profile standard|balance-only] [--time-zone Europe/Paris] [--holidays FR|none] <file|->
 * npm run eligibility -- --diff before.jsonl after.jsonl
 *
 * Input: one case as JSON (may span lines), a JSON array of cases, or JSON Lines (one case per
 * line). A case is the body of POST /api/eligibility: `{ "profile"?: ..., "case": {...} }`.
 *
 * Output (stdout), one JSON line per input case, in input order, so two runs can be diffed:
 *   {"line":1,"decision":{...}}
 *   {"line":2,"error":{"fields":[{"field":"case.order.amountPaid","code":...,"message":...}]}}
 * `line` is the line number in the input (JSON Lines) or the position in the array (1-based).
 * Blank lines are skipped. Problems are also written to stderr as `line N: field: message`.
 * The summary goes to stderr as one line: `# summary {"total":..,"invalid":..,"outcomes":{...}}`
 * with every outcome listed (zeros included) in a fixed order.
 *
 * Defaults: profile from POLICY_PROFILE (else standard), time zone from TIME_ZONE (else Europe/Paris),
 * public holidays from HOLIDAYS_COUNTRY (else FR; `none`: weekends only).
 * Exit code: 0 all cases valid, 1 some invalid (the others are still decided), 2 usage error.
 *
 * `--diff before.jsonl after.jsonl` compares two outputs of this command (say, before and after a
 * rule change), case by case (by `line`): it prints each case whose outcome, refund amount or
 * clauses changed, then how many cases each change concerns, most frequent first:
 *   line 3: outcome needs_review → provisional_approval · amount none → 30.00 EUR · clauses +R2.2 -R2.4
 *   # changes
 *        3  clause +R2.2
 *        2  amount none → an amount
 *        2  outcome needs_review → provisional_approval
 *        2  clause -R2.4
 *   # 3 of 120 cases changed
 * Exit code: 0 nothing changed, 1 something changed (as diff(1)), 2 usage error.
 */
import { readFileSync } from 'node:fs';
import {
  DEFAULT_HOLIDAYS_COUNTRY,
  OUTCOMES,
  PROFILES,
  evaluate,
  parseEligibilityInput,
  type Decision,
  type FieldError,
  type Money,
  type Outcome,
  type Profile,
} from '../eligibility';
import { assertTimeZone, holidayCountries } from '../eligibility/calendar';

export interface BatchOptions {
  timeZone: string;
  defaultProfile: Profile;
  /** Public holidays of this country are not business days; null: weekends only. Default FR. */
  holidaysCountry?: string | null;
}

export interface BatchSummary {
  total: number;
  invalid: number;
  outcomes: Record<Outcome, number>;
}

export type BatchLine =
  | { line: number; decision: ReturnType<typeof evaluate> }
  | { line: number; error: { fields: FieldError[] } };

/** Splits the input into (line number, parsed JSON or parse error) items. */
function* items(text: string): Generator<{ line: number; value?: unknown; jsonError?: string }> {
  const start = text.trimStart()[0];
  if (start === '{' || start === '[') {
    try {
      const whole = JSON.parse(text) as unknown;
      if (Array.isArray(whole)) {
        for (let i = 0; i < whole.length; i++) yield { line: i + 1, value: whole[i] };
      } else {
        yield { line: 1, value: whole };
      }
      return;
    } catch {
      // not a single JSON value: JSON Lines
    }
  }
  let lineNo = 0;
  let from = 0;
  while (from <= text.length) {
    let to = text.indexOf('\n', from);
    if (to === -1) to = text.length;
    lineNo += 1;
    const raw = text.slice(from, to).trim();
    from = to + 1;
    if (raw === '') continue;
    try {
      yield { line: lineNo, value: JSON.parse(raw) as unknown };
    } catch (e) {
      yield { line: lineNo, jsonError: (e as Error).message };
    }
  }
}

/** Decides every case of `text`, in order. Pure apart from the callbacks. */
export function runBatch(text: string, options: BatchOptions, onLine: (out: BatchLine) => void): BatchSummary {
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  let total = 0;
  let invalid = 0;
  for (const item of items(text)) {
    total += 1;
    if (item.jsonError !== undefined) {
      invalid += 1;
      onLine({ line: item.line, error: { fields: [{ field: '(root)', code: 'invalid_json', message: item.jsonError }] } });
      continue;
    }
    const parsed = parseEligibilityInput(item.value);
    if (!parsed.ok) {
      invalid += 1;
      onLine({ line: item.line, error: { fields: parsed.errors } });
      continue;
    }
    const decision = evaluate(parsed.input, options);
    outcomes[decision.outcome] += 1;
    onLine({ line: item.line, decision });
  }
  return { total, invalid, outcomes };
}

// ---------------------------------------------------------------- --diff

/** What one case looks like in a batch output, for comparison. */
interface Seen {
  outcome: string;
  amount: string;
  clauses: string[];
}

/** One case whose outcome, amount or clauses changed; each change as a short text. */
export interface CaseChange {
  line: number;
  changes: string[];
}

export interface BatchDiff {
  /** Cases present in both outputs. */
  compared: number;
  changed: CaseChange[];
  /**
   * How many cases each kind of change concerns, most frequent first (then alphabetically): an
   * outcome move (`outcome needs_review → provisional_approval`), an amount (`amount none → an
   * amount`, `amount an amount → none`, `amount changed`), each clause (`clause +R2.2`, `clause -R4`).
   */
  counts: { change: string; cases: number }[];
  /** Lines present in only one of the outputs. */
  onlyBefore: number[];
  onlyAfter: number[];
}

function money(m: Money): string {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency: m.currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // not a currency Intl knows: show cents
  }
  return `${(m.minor / 10 ** digits).toFixed(digits)} ${m.currency}`;
}

/** Reads one output of this command: line number → what was decided. Throws on a line that is not one. */
function readOutput(text: string, name: string): Map<number, Seen> {
  const out = new Map<number, Seen>();
  let position = 0;
  for (const raw of text.split('\n')) {
    const t = raw.trim();
    if (t === '') continue;
    position += 1;
    let row: { line?: unknown; decision?: Decision; error?: unknown };
    try {
      row = JSON.parse(t) as typeof row;
    } catch {
      throw new Error(`${name}: line ${position} is not JSON`);
    }
    const line = typeof row.line === 'number' ? row.line : position;
    if (row.decision && typeof row.decision === 'object' && typeof row.decision.outcome === 'string') {
      const d = row.decision;
      out.set(line, {
        outcome: d.outcome,
        amount: d.refund?.amount ? money(d.refund.amount) : 'none',
        clauses: Array.isArray(d.clauses) ? d.clauses.map(String) : [],
      });
    } else if (row.error !== undefined) {
      out.set(line, { outcome: 'invalid', amount: 'none', clauses: [] });
    } else {
      throw new Error(`${name}: line ${position} is neither a decision nor an error of npm run eligibility`);
    }
  }
  return out;
}

/** Compares two outputs of this command, case by case. Pure. */
export function diffBatches(beforeText: string, afterText: string, names = { before: 'before', after: 'after' }): BatchDiff {
  const before = readOutput(beforeText, names.before);
  const after = readOutput(afterText, names.after);
  const changed: CaseChange[] = [];
  const counts = new Map<string, number>();
  let compared = 0;
  const lines = [...new Set([...before.keys(), ...after.keys()])].sort((a, b) => a - b);
  for (const line of lines) {
    const a = before.get(line);
    const b = after.get(line);
    if (!a || !b) continue;
    compared += 1;
    // Each case lists its changes in full; the counts group them: an outcome move, an amount that
    // appears, disappears or changes, each clause added or removed.
    const changes: string[] = [];
    const kinds: string[] = [];
    if (a.outcome !== b.outcome) {
      changes.push(`outcome ${a.outcome} → ${b.outcome}`);
      kinds.push(`outcome ${a.outcome} → ${b.outcome}`);
    }
    if (a.amount !== b.amount) {
      changes.push(`amount ${a.amount} → ${b.amount}`);
      kinds.push(a.amount === 'none' ? 'amount none → an amount' : b.amount === 'none' ? 'amount an amount → none' : 'amount changed');
    }
    const added = b.clauses.filter((c) => !a.clauses.includes(c));
    const removed = a.clauses.filter((c) => !b.clauses.includes(c));
    if (added.length || removed.length) {
      changes.push(`clauses ${[...added.map((c) => `+${c}`), ...removed.map((c) => `-${c}`)].join(' ')}`);
      kinds.push(...added.map((c) => `clause +${c}`), ...removed.map((c) => `clause -${c}`));
    } else if (a.clauses.join() !== b.clauses.join()) {
      changes.push('clauses reordered');
      kinds.push('clauses reordered');
    }
    if (changes.length === 0) continue;
    changed.push({ line, changes });
    for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return {
    compared,
    changed,
    counts: [...counts].map(([change, cases]) => ({ change, cases })).sort((x, y) => y.cases - x.cases || (x.change < y.change ? -1 : 1)),
    onlyBefore: lines.filter((l) => before.has(l) && !after.has(l)),
    onlyAfter: lines.filter((l) => after.has(l) && !before.has(l)),
  };
}

/** The report `--diff` prints. */
export function formatDiff(diff: BatchDiff, names = { before: 'before', after: 'after' }): string {
  const out: string[] = [];
  for (const c of diff.changed) out.push(`line ${c.line}: ${c.changes.join(' · ')}`);
  if (diff.counts.length) {
    out.push('# changes');
    const width = String(diff.counts[0]!.cases).length;
    for (const c of diff.counts) out.push(`  ${String(c.cases).padStart(Math.max(width, 5))}  ${c.change}`);
  }
  out.push(`# ${diff.changed.length} of ${diff.compared} cases changed`);
  if (diff.onlyBefore.length) out.push(`# only in ${names.before}: line ${diff.onlyBefore.join(', ')}`);
  if (diff.onlyAfter.length) out.push(`# only in ${names.after}: line ${diff.onlyAfter.join(', ')}`);
  return out.join('\n') + '\n';
}

function readText(source: string): string {
  try {
    return readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (e) {
    usage(`cannot read ${source}: ${(e as Error).message}`);
  }
}

function diffMain(files: string[]): void {
  if (files.length !== 2) usage('--diff needs two files: before.jsonl after.jsonl');
  const [before, after] = files as [string, string];
  const names = { before, after };
  let diff: BatchDiff;
  try {
    diff = diffBatches(readText(before), readText(after), names);
  } catch (e) {
    usage((e as Error).message);
  }
  process.stdout.write(formatDiff(diff, names));
  process.exitCode = diff.changed.length || diff.onlyBefore.length || diff.onlyAfter.length ? 1 : 0;
}

// ---------------------------------------------------------------- main

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npm run eligibility -- [--profile standard|balance-only] [--time-zone <IANA zone>] [--holidays <country>|none] <file|->\n` +
      `       npm run eligibility -- --diff before.jsonl after.jsonl\n`,
  );
  process.exit(2);
}

function main(argv: string[]): void {
  if (argv[0] === '--diff') return diffMain(argv.slice(1));
  let profile = process.env.POLICY_PROFILE || 'standard';
  let timeZone = process.env.TIME_ZONE || 'Europe/Paris';
  let holidays = process.env.HOLIDAYS_COUNTRY || DEFAULT_HOLIDAYS_COUNTRY;
  let source: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--diff') usage('--diff comes first: --diff before.jsonl after.jsonl');
    else if (a === '--holidays') holidays = argv[++i] ?? usage('--holidays needs a value');
    else if (a.startsWith('--holidays=')) holidays = a.slice('--holidays='.length);
    else if (a === '--profile') profile = argv[++i] ?? usage('--profile needs a value');
    else if (a.startsWith('--profile=')) profile = a.slice('--profile='.length);
    else if (a === '--time-zone') timeZone = argv[++i] ?? usage('--time-zone needs a value');
    else if (a.startsWith('--time-zone=')) timeZone = a.slice('--time-zone='.length);
    else if (a === '-h' || a === '--help') usage('evaluates cases with the eligibility rules');
    else if (source === undefined && (a === '-' || !a.startsWith('-'))) source = a;
    else usage(`unexpected argument: ${a}`);
  }
  if (source === undefined) usage('missing input: a file, or - for stdin');
  if (!(PROFILES as readonly string[]).includes(profile)) usage(`unknown profile: ${profile}`);
  try {
    assertTimeZone(timeZone);
  } catch {
    usage(`unknown time zone: ${timeZone}`);
  }
  const country = holidays.toUpperCase() === 'NONE' ? null : holidays.toUpperCase();
  if (country !== null && !holidayCountries().has(country)) usage(`unknown holidays country: ${holidays}`);
  const text = readText(source);

  const out: string[] = [];
  const flush = () => {
    if (out.length) process.stdout.write(out.join(''));
    out.length = 0;
  };
  const summary = runBatch(text, { timeZone, defaultProfile: profile as Profile, holidaysCountry: country }, (res) => {
    out.push(JSON.stringify(res) + '\n');
    if ('error' in res) {
      for (const f of res.error.fields) {
        const what = f.code === 'invalid_json' ? 'invalid JSON' : f.field;
        process.stderr.write(`line ${res.line}: ${what}: ${f.message}\n`);
      }
    }
    if (out.length >= 1000) flush();
  });
  flush();
  process.stderr.write(`# summary ${JSON.stringify(summary)}\n`);
  process.exitCode = summary.invalid > 0 ? 1 : 0;
}

if (require.main === module) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  main(process.argv.slice(2));
}
