/**
 * `npm run bench [-- name ...]`: runs every bench/*.ts (except this file and files starting with `_`),
 * each in its own Node process, one after the other. Each bench prints its own figures.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

const only = process.argv.slice(2);
const files = readdirSync(__dirname)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_') && !f.endsWith('.d.ts'))
  .filter((f) => only.length === 0 || only.includes(basename(f, '.ts')))
  .sort();

let failed = 0;
for (const f of files) {
  process.stdout.write(`\n=== bench/${f}\n`);
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed += 1;
}
if (files.length === 0) process.stdout.write('no bench matched\n');
process.exitCode = failed ? 1 : 0;
