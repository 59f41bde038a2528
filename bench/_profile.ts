/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): self time by package or project folder, and the
 * top functions. `npm run -s bench:profile -- <file.cpuprofile | dir> [top]`. Used with
 * `BENCH_CPU_PROF=<dir> npm run bench -- turns`, which profiles the bot process under the closed loop.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** `node_modules/@scope/pkg`, `node_modules/pkg`, `src/<dir>`, `dialogs/<dir>`, or `node`, `(gc)`… */
export function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith('node:')) return 'node';
  const m = /\/(src|dialogs|bench)\/([^/]+)/.exec(url);
  if (m) return m[2].endsWith('.ts') ? `${m[1]}/${m[2]}` : `${m[1]}/${m[2]}/`;
  return url.replace(/^file:\/\//, '');
}

export function summarise(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByNode = new Map<number, number>();
  profile.samples.forEach((id, i) => selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byArea = new Map<string, number>();
  const byFn = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfByNode) {
    const { callFrame: cf } = byId.get(id)!;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const a = area(cf.url, cf.functionName);
    byArea.set(a, (byArea.get(a) ?? 0) + us);
    const k = `${cf.functionName || '(anonymous)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`;
    byFn.set(k, (byFn.get(k) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const lines = [`busy ${(total / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s`, '', 'self time by area:'];
  for (const [k, us] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(us)}  ${k}`);
  lines.push('', 'self time by function:');
  for (const [k, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(us)}  ${k}`);
  return lines.join('\n');
}

if (require.main === module) {
  const arg = process.argv[2];
  if (!arg) throw new Error('usage: bench/_profile.ts <file.cpuprofile | dir> [top]');
  const files = statSync(arg).isDirectory()
    ? readdirSync(arg)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(arg, f))
    : [arg];
  for (const f of files) process.stdout.write(`\n${f}\n${summarise(JSON.parse(readFileSync(f, 'utf8')) as Profile, Number(process.argv[3] ?? 25))}\n`);
}
