/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): self time by package or project folder, and the
 * top functions; and a sampling heap profile: bytes allocated by area and function.
 * `npm run -s bench:profile -- <file.cpuprofile | file.heapprofile | dir> [top]`. Used with
 * `BENCH_CPU_PROF=<dir> npm run bench -- turns`, which profiles the bot process under the closed loop
 * (with `BENCH_ALLOC_PROF=1`, its allocations too).
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

interface HeapNode {
  callFrame: Node['callFrame'];
  selfSize: number;
  children: HeapNode[];
}

/** A sampling heap profile (`BENCH_ALLOC_PROF=1`): bytes allocated by area, and the top allocating functions. */
export function summariseAllocations(profile: { head: HeapNode }, top = 25): string {
  const byArea = new Map<string, number>();
  const byFn = new Map<string, number>();
  let total = 0;
  const stack = [profile.head];
  while (stack.length) {
    const n = stack.pop()!;
    stack.push(...n.children);
    if (!n.selfSize) continue;
    const cf = n.callFrame;
    total += n.selfSize;
    const a = area(cf.url, cf.functionName);
    byArea.set(a, (byArea.get(a) ?? 0) + n.selfSize);
    const k = `${cf.functionName || '(anonymous)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`;
    byFn.set(k, (byFn.get(k) ?? 0) + n.selfSize);
  }
  const pct = (b: number) => `${((100 * b) / total).toFixed(1).padStart(5)}%`;
  const lines = [`allocated ${(total / 1e6).toFixed(0)} MB (sampled)`, '', 'allocations by area:'];
  for (const [k, b] of [...byArea].sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`${pct(b)}  ${k}`);
  lines.push('', 'allocations by function:');
  for (const [k, b] of [...byFn].sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`${pct(b)}  ${k}`);
  return lines.join('\n');
}

if (require.main === module) {
  const arg = process.argv[2];
  if (!arg) throw new Error('usage: bench/_profile.ts <file.cpuprofile | file.heapprofile | dir> [top]');
  const files = statSync(arg).isDirectory()
    ? readdirSync(arg)
        .filter((f) => f.endsWith('.cpuprofile') || f.endsWith('.heapprofile'))
        .map((f) => join(arg, f))
    : [arg];
  const top = Number(process.argv[3] ?? 25);
  for (const f of files) {
    const profile: unknown = JSON.parse(readFileSync(f, 'utf8'));
    const text = f.endsWith('.heapprofile') ? summariseAllocations(profile as { head: HeapNode }, top) : summarise(profile as Profile, top);
    process.stdout.write(`\n${f}\n${text}\n`);
  }
}
