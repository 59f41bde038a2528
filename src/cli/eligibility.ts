/**
 * npm run eligibility -- [--profile standard|balance-only] [--time-zone Europe/Paris] <file|->
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
 * Defaults: profile from POLICY_PROFILE (else standard), time zone from TIME_ZONE (else Europe/Paris).
 * Exit code: 0 all cases valid, 1 some invalid (the others are still decided), 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { OUTCOMES, PROFILES, evaluate, parseEligibilityInput, type FieldError, type Outcome, type Profile } from '../eligibility';
import { assertTimeZone } from '../eligibility/calendar';

export interface BatchOptions {
  timeZone: string;
  defaultProfile: Profile;
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

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npm run eligibility -- [--profile standard|balance-only] [--time-zone <IANA zone>] <file|->\n`,
  );
  process.exit(2);
}

function main(argv: string[]): void {
  let profile = process.env.POLICY_PROFILE || 'standard';
  let timeZone = process.env.TIME_ZONE || 'Europe/Paris';
  let source: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--profile') profile = argv[++i] ?? usage('--profile needs a value');
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
  let text: string;
  try {
    text = readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (e) {
    usage(`cannot read ${source}: ${(e as Error).message}`);
  }

  const out: string[] = [];
  const flush = () => {
    if (out.length) process.stdout.write(out.join(''));
    out.length = 0;
  };
  const summary = runBatch(text, { timeZone, defaultProfile: profile as Profile }, (res) => {
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
