/**
 * Turns through the whole bot, measured from outside against a bare echo bot (bench/_echo.ts) on the
 * same CloudAdapter, restify and load generator, in the same run, alternating rounds.
 *
 * - A private redis-server on a free loopback port (no persistence); the bot is `src/index.ts` in its
 *   own process (REDIS_URL, METRICS_PORT on loopback, LOG_LEVEL info to /dev/null), the echo bot too.
 * - First turn after ready: each bot started fresh; `/readyz` polled until 200, then one refund first
 *   message, then nine more conversations' first messages (the tenth turn for comparison). Then a
 *   fresh bot again, and 64 simultaneous first messages right after ready.
 * - Closed loop: CONCURRENCY customers (64), each going through complete refund conversations
 *   (first message with the facts, skip the proof, confirm) via POST /api/messages with
 *   deliveryMode expectReplies, for ROUND_MS per round, ROUNDS rounds per bot, alternating.
 * - Open loop: a steady 200 turns/s for 5 s on each.
 * Printed: turns/s and the ratio to echo, p50/p95/p99 turn latency, CPU per turn, event-loop delay,
 * resident memory, Redis commands (client side: round trips when nothing is pipelined; server side,
 * scripts' inner commands included) and bytes per turn, Redis memory per complete conversation
 * (over /api/messages: no Direct Line transcript).
 *
 * - A share of the customers (BENCH_DL_CUSTOMERS, 8 of the 64, bot rounds only) go through the
 *   embedded Direct Line as the web widget does: token, start, WebSocket stream, posts; their turn
 *   lasts until the answer arrives on the socket. Redis memory per conversation is also measured
 *   over the widget (Direct Line transcript included).
 * - Then the stored conversations are multiplied by BENCH_SCALE (10) (copies of their keys and index
 *   entries), and the closed loop and the steady rate run again: latency should stay flat.
 * - The warm-up's steps, from the bot's 'warmed up' log line.
 *
 * Environment: BENCH_CONCURRENCY (64), BENCH_ROUND_MS (6000), BENCH_ROUNDS (3), BENCH_STEADY_RATE (200),
 * BENCH_DL_CUSTOMERS (8), BENCH_SCALE (10), BENCH_CPU_PROF (a folder: the bot runs with --cpu-prof,
 * summarise with `npm run -s bench:profile -- <folder>`).
 */
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import { freePort, startRedis } from '../test/support/redisServer';

const ROOT = join(__dirname, '..');
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 6000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STEADY_RATE = Number(process.env.BENCH_STEADY_RATE ?? 200);
const STEADY_MS = 5000;
/** Customers of the closed loop who go through the embedded Direct Line and its WebSocket (bot rounds only). */
const DL_SHARE = Number(process.env.BENCH_DL_CUSTOMERS ?? 8);
const DL_SECRET = randomBytes(32).toString('base64url');
/** The stored conversations multiplied by this for the last measure (copies of their keys). */
const SCALE = Number(process.env.BENCH_SCALE ?? 10);

type Kind = 'bot' | 'echo';

/** Bot or echo processes that died other than by a clean stop (see start()). */
const crashes: string[] = [];

/*
 * Every process this run starts (bots, echo, its private redis-server). If the run ends without
 * stopping them (an error, Ctrl-C, a timeout's SIGTERM), they are killed on the way out: nothing
 * is left running on the machine.
 */
const children = new Set<ChildProcess>();
function killChildren(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
process.once('exit', killChildren);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    killChildren();
    process.exit(130);
  });
}

/** The bot runs with the V8 flags of `npm start` (package.json), as in production. */
const START_FLAGS: string[] = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start as string)
  .split(/\s+/)
  .filter((a) => a.startsWith('--'))
  // BENCH_NODE_FLAGS: more V8/Node flags for the bot, to try a setting before putting it in `npm start`.
  .concat((process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean));

/** A complete refund conversation, as a customer of the web widget would have it. */
const SCRIPT: Record<string, unknown>[] = [
  { text: 'I want a refund of €49.00 for order FL-100001, I paid by mistake', locale: 'en-GB' },
  { text: 'skip', locale: 'en-GB' },
  { value: { action: 'refund.confirm' }, locale: 'en-GB' },
];
const CASE_REF = /\bRF-[2-9A-HJ-NP-Z]{5}\b/;

interface Stats {
  rss: number;
  /** V8 heap in use (the rest of the resident memory is code, compiled regular expressions, buffers). */
  heap: number;
  lagMax: number;
  lagP99: number;
  cpuSeconds: number;
  redisCommands?: number;
  results?: Record<string, number>;
}

interface Target {
  kind: Kind;
  prefix: string;
  /** The bot's 'warmed up' log line: what each warm-up step took, in ms. */
  warmUp(): Record<string, number> | undefined;
  inspectorUrl(): string | undefined;
  baseUrl: string;
  metricsUrl: string;
  child: ChildProcess;
  readyMs: number;
  stats(): Promise<Stats>;
  stop(): Promise<void>;
}

function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : NaN;
}

function metricSum(text: string, prefix: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

async function start(kind: Kind, redisUrl: string): Promise<Target> {
  const port = await freePort();
  const metricsPort = await freePort();
  // As in production (`npm start`): the compiled JavaScript, not ts-node (whose TypeScript compiler
  // alone is 100 MB of resident memory). BENCH_TS_NODE=1 runs the sources instead.
  const compiled = process.env.BENCH_TS_NODE !== '1';
  const entry = compiled ? (kind === 'bot' ? 'dist/src/index.js' : 'dist/bench/_echo.js') : kind === 'bot' ? 'src/index.ts' : 'bench/_echo.ts';
  const started = performance.now();
  const prefix = `bench${randomUUID().slice(0, 6)}`;
  // With BENCH_CPU_PROF, the bot is profiled through the inspector during the measured rounds only.
  const prof = kind === 'bot' && process.env.BENCH_CPU_PROF ? ['--inspect=127.0.0.1:0'] : [];
  const child = spawn(process.execPath, [...prof, ...(kind === 'bot' ? START_FLAGS : []), ...(compiled ? [] : ['-r', 'ts-node/register/transpile-only']), entry], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      METRICS_PORT: String(metricsPort),
      METRICS_HOST: '127.0.0.1',
      INSTANCE_ID: `bench-${kind}`,
      LOG_LEVEL: 'info',
      DIRECTLINE_SECRET: DL_SECRET,
      // Direct Line customers come from distinct addresses (X-Forwarded-For from the loopback proxy),
      // as real ones do; the per-address abuse limits would otherwise count them all as one.
      TRUSTED_PROXIES: 'loopback',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let err = '';
  let warm: Record<string, number> | undefined;
  let inspectorUrl: string | undefined;
  child.stderr?.on('data', (d) => {
    err += d;
    inspectorUrl ??= /Debugger listening on (ws:\/\/\S+)/.exec(err)?.[1];
  });
  let pending = '';
  child.stdout?.on('data', (d) => {
    pending += d;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) {
      if (!l.includes('"warmed up"')) continue;
      try {
        const { ms, i18n, amounts, choices, nlu } = JSON.parse(l) as Record<string, number>;
        warm = { ms, i18n, amounts, choices, nlu };
      } catch {
        /* not JSON */
      }
    }
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${kind} exited (${child.exitCode}): ${err}`);
    try {
      if ((await fetch(`${baseUrl}/readyz`)).status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (performance.now() - started > 180000) throw new Error(`${kind} not ready after 180 s: ${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const readyMs = performance.now() - started;
  let stopping = false;
  child.once('exit', (code, signal) => {
    // A clean stop exits with 0 (or is ended by the SIGTERM/SIGKILL of stop()); anything else, at any
    // time, is a crash: reported, and the run fails.
    const clean = stopping && (code === 0 || signal === 'SIGTERM' || signal === 'SIGKILL');
    if (clean) return;
    crashes.push(`${kind} ${code ?? signal}`);
    process.exitCode = 1;
    process.stderr.write(`\n${kind} exited ${stopping ? 'while stopping' : 'unexpectedly'} (${code ?? signal}); its stderr:\n${err.slice(-4000)}\n`);
  });
  const stats =
    kind === 'bot'
      ? async (): Promise<Stats> => {
          const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
          return {
            rss: metricValue(text, 'process_resident_memory_bytes'),
            heap: metricValue(text, 'nodejs_heap_size_used_bytes'),
            lagMax: metricValue(text, 'nodejs_eventloop_lag_max_seconds'),
            lagP99: metricValue(text, 'nodejs_eventloop_lag_p99_seconds'),
            cpuSeconds: metricValue(text, 'process_cpu_seconds_total'),
            redisCommands: metricSum(text, 'bot_redis_command_duration_seconds_count{'),
            results: Object.fromEntries(['ok', 'busy', 'storage_unavailable', 'error'].map((r) => [r, metricValue(text, `bot_turns_total{result="${r}"}`)])),
          };
        }
      : async (): Promise<Stats> => (await (await fetch(`${baseUrl}/stats`)).json()) as Stats;
  return {
    kind,
    prefix,
    warmUp: () => warm,
    inspectorUrl: () => inspectorUrl,
    baseUrl,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    child,
    readyMs,
    stats,
    async stop() {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  };
}

interface TurnResult {
  ms: number;
  ok: boolean;
  text: string;
}

async function turn(t: Target, conv: string, user: string, activity: Record<string, unknown>): Promise<TurnResult> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${t.baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        id: randomUUID(),
        channelId: 'webchat',
        serviceUrl: 'http://127.0.0.1:1/',
        deliveryMode: 'expectReplies',
        from: { id: user, name: 'Customer' },
        recipient: { id: 'bot', name: 'Bot' },
        conversation: { id: conv },
        timestamp: new Date().toISOString(),
        ...activity,
      }),
    });
    const body = (await res.json().catch(() => ({}))) as { activities?: { text?: string; attachments?: { content?: unknown }[] }[] };
    const text = (body.activities ?? []).map((a) => `${a.text ?? ''} ${JSON.stringify(a.attachments ?? [])}`).join('\n');
    return { ms: performance.now() - t0, ok: res.status === 200, text };
  } catch (e) {
    return { ms: performance.now() - t0, ok: false, text: String(e) };
  }
}

interface Load {
  latencies: number[];
  turns: number;
  httpErrors: number;
  conversations: number;
  completed: number;
}

const newLoad = (): Load => ({ latencies: [], turns: 0, httpErrors: 0, conversations: 0, completed: 0 });

function record(load: Load, r: TurnResult): void {
  load.latencies.push(r.ms);
  load.turns++;
  if (!r.ok) load.httpErrors++;
}

/** A customer of the closed loop: complete conversations, one turn after another, until the deadline. */
async function customer(t: Target, deadline: number, load: Load): Promise<void> {
  while (performance.now() < deadline) {
    const conv = `bench-${randomUUID()}`;
    const user = `bench-user-${randomUUID().slice(0, 8)}`;
    load.conversations++;
    for (let i = 0; i < SCRIPT.length && performance.now() < deadline; i++) {
      const r = await turn(t, conv, user, SCRIPT[i]);
      record(load, r);
      if (i === SCRIPT.length - 1 && (t.kind === 'echo' ? r.text.includes('You said') : CASE_REF.test(r.text))) load.completed++;
    }
  }
}

/**
 * One web widget customer's conversation through the embedded Direct Line: a token from the host
 * site (server to server, with the secret), start, the WebSocket stream, then the script's turns
 * posted; a turn lasts from the POST until the bot's answer arrives on the WebSocket. Returns whether
 * it ended with a case reference.
 */
async function directLineConversation(t: Target, address: string, load: Load, deadline = Infinity): Promise<boolean> {
  const api = `${t.baseUrl}/v3/directline`;
  const user = `bench-dl-${randomUUID().slice(0, 8)}`;
  const headers = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-forwarded-for': address });
  const gen = await fetch(`${api}/tokens/generate`, { method: 'POST', headers: headers(DL_SECRET), body: JSON.stringify({ user: { id: user } }) });
  if (gen.status !== 200) throw new Error(`directline token: ${gen.status} ${await gen.text()}`);
  const { token, conversationId } = (await gen.json()) as { token: string; conversationId: string };
  const started = await fetch(`${api}/conversations`, { method: 'POST', headers: headers(token), body: JSON.stringify({ locale: 'en-GB' }) });
  if (started.status !== 201) throw new Error(`directline start: ${started.status} ${await started.text()}`);
  const { streamUrl } = (await started.json()) as { streamUrl: string };
  const ws = new WebSocket(streamUrl, { headers: { 'x-forwarded-for': address } });
  const botTexts: string[] = [];
  let waiter: (() => void) | undefined;
  ws.on('message', (data) => {
    const text = data.toString();
    if (!text) return;
    const { activities = [] } = JSON.parse(text) as { activities?: { from?: { role?: string; id?: string }; text?: string; attachments?: unknown[] }[] };
    for (const a of activities) {
      if (a.from?.role === 'user' || a.from?.id === user) continue;
      botTexts.push(`${a.text ?? ''} ${JSON.stringify(a.attachments ?? [])}`);
      waiter?.();
    }
  });
  const answered = (count: number, ms = 15000) =>
    new Promise<boolean>((resolve) => {
      if (botTexts.length > count) return resolve(true);
      const timer = setTimeout(() => resolve(false), ms);
      waiter = () => {
        if (botTexts.length > count) {
          clearTimeout(timer);
          waiter = undefined;
          resolve(true);
        }
      };
    });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await answered(0); // the welcome
    await new Promise((r) => setTimeout(r, 50)); // the welcome may come in several activities
    let ok = true;
    for (let i = 0; i < SCRIPT.length && ok && performance.now() < deadline; i++) {
      const before = botTexts.length;
      const t0 = performance.now();
      const res = await fetch(`${api}/conversations/${conversationId}/activities`, {
        method: 'POST',
        headers: headers(token),
        body: JSON.stringify({ type: 'message', from: { id: user }, ...SCRIPT[i] }),
      });
      ok = res.status === 200 && (await answered(before));
      await res.arrayBuffer().catch(() => undefined);
      record(load, { ms: performance.now() - t0, ok, text: '' });
      // The last answer may come in several activities: wait for the reference a moment.
      if (i === SCRIPT.length - 1) for (let w = 0; w < 20 && !botTexts.slice(before).some((x) => CASE_REF.test(x)); w++) await new Promise((r) => setTimeout(r, 25));
    }
    return ok && botTexts.some((x) => CASE_REF.test(x));
  } finally {
    ws.close();
  }
}

async function dlCustomer(t: Target, deadline: number, load: Load, index: number): Promise<void> {
  const address = `10.${(index >> 8) & 255}.${index & 255}.${1 + Math.floor(Math.random() * 250)}`;
  while (performance.now() < deadline) {
    load.conversations++;
    try {
      if (await directLineConversation(t, address, load, deadline)) load.completed++;
    } catch {
      load.httpErrors++;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Open loop: a turn every 1000/rate ms on the next idle conversation, whatever the answers take. */
async function steady(t: Target, rate: number, ms: number): Promise<Load & { lagP99: number; lagMax: number }> {
  const load = newLoad();
  await t.stats(); // the event-loop delay histogram restarts here (each read resets it)
  const idle: { conv: string; user: string; step: number }[] = [];
  const inflight = new Set<Promise<void>>();
  const t0 = performance.now();
  let sent = 0;
  while (performance.now() - t0 < ms) {
    const due = Math.floor(((performance.now() - t0) * rate) / 1000);
    while (sent < due) {
      sent++;
      const c = idle.shift() ?? { conv: `bench-${randomUUID()}`, user: `bench-user-${randomUUID().slice(0, 8)}`, step: 0 };
      if (c.step === 0) load.conversations++;
      const p = turn(t, c.conv, c.user, SCRIPT[c.step]).then((r) => {
        record(load, r);
        c.step++;
        if (c.step < SCRIPT.length) idle.push(c);
        else load.completed += 1;
        inflight.delete(p);
      });
      inflight.add(p);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  const after = await t.stats();
  return { ...load, lagP99: after.lagP99, lagMax: after.lagMax };
}

const pct = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))];
};
const median = (xs: number[]) => pct(xs, 0.5);
const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const mb = (n: number) => `${f(n / 1e6, 0)} MB`;

async function redisInfo(redis: Redis) {
  const text = await redis.info('all');
  const num = (k: string) => Number(new RegExp(`^${k}:(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  const commands = [...text.matchAll(/^cmdstat_(\w+(?:\|\w+)?):calls=(\d+)/gm)].filter((m) => m[1] !== 'info').reduce((s, m) => s + Number(m[2]), 0);
  return { commands, bytes: num('total_net_input_bytes') + num('total_net_output_bytes'), memory: num('used_memory') };
}

interface Round {
  kind: Kind;
  turnsPerSecond: number;
  load: Load;
  /** The Direct Line customers' share (bot rounds). */
  dl: Load;
  cpuMsPerTurn: number;
  lagMax: number;
  lagP99: number;
  rssMax: number;
  heapMax: number;
  clientCommandsPerTurn?: number;
  serverCommandsPerTurn?: number;
  bytesPerTurn?: number;
  memoryPerConversation?: number;
  failed?: Record<string, number>;
}

/** Starts the V8 profiler in the target through its inspector; the returned function stops it and writes the profile. */
async function startProfile(t: Target, file: string): Promise<() => Promise<void>> {
  const url = t.inspectorUrl();
  if (!url) throw new Error('no inspector URL from the bot');
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let id = 0;
  const pending = new Map<number, (r: unknown) => void>();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as { id?: number; result?: unknown };
    if (m.id !== undefined) pending.get(m.id)?.(m.result);
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      const n = ++id;
      pending.set(n, resolve);
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: 500 });
  await call('Profiler.start');
  // BENCH_ALLOC_PROF=1: also where the round allocates (sampled, objects already collected included).
  const alloc = process.env.BENCH_ALLOC_PROF === '1';
  if (alloc) {
    await call('HeapProfiler.enable');
    await call('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
  return async () => {
    const { profile } = (await call('Profiler.stop')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
    if (alloc) {
      const { profile: heap } = (await call('HeapProfiler.stopSampling')) as { profile: unknown };
      writeFileSync(file.replace(/\.cpuprofile$/, '.heapprofile'), JSON.stringify(heap));
    }
    ws.close();
  };
}

/** One closed-loop round, with resource figures sampled every second. */
async function round(t: Target, redis: Redis, ms: number, dlCustomers = t.kind === 'bot' ? DL_SHARE : 0): Promise<Round> {
  const load = newLoad();
  const dl = newLoad();
  const before = await t.stats(); // also resets the event-loop histogram
  const info0 = t.kind === 'bot' ? await redisInfo(redis) : undefined;
  let lagMax = 0;
  let lagP99 = 0;
  let rssMax = 0;
  let heapMax = 0;
  let last = before;
  const sampler = setInterval(() => {
    void t.stats().then((s) => {
      lagMax = Math.max(lagMax, s.lagMax);
      lagP99 = Math.max(lagP99, s.lagP99);
      rssMax = Math.max(rssMax, s.rss);
      heapMax = Math.max(heapMax, s.heap);
      last = s;
    });
  }, 1000);
  const t0 = performance.now();
  const deadline = t0 + ms;
  const viaDl = Math.min(dlCustomers, CONCURRENCY);
  await Promise.all([
    ...Array.from({ length: CONCURRENCY - viaDl }, () => customer(t, deadline, load)),
    ...Array.from({ length: viaDl }, (_, i) => dlCustomer(t, deadline, dl, i)),
  ]);
  const elapsed = (performance.now() - t0) / 1000;
  const turns = load.turns + dl.turns;
  clearInterval(sampler);
  const after = await t.stats();
  last = after;
  lagMax = Math.max(lagMax, after.lagMax);
  lagP99 = Math.max(lagP99, after.lagP99);
  rssMax = Math.max(rssMax, after.rss);
  heapMax = Math.max(heapMax, after.heap);
  const r: Round = {
    kind: t.kind,
    turnsPerSecond: turns / elapsed,
    load,
    dl,
    cpuMsPerTurn: ((last.cpuSeconds - before.cpuSeconds) * 1000) / turns,
    lagMax,
    lagP99,
    rssMax,
    heapMax,
  };
  if (info0 && before.redisCommands !== undefined && after.redisCommands !== undefined) {
    const info1 = await redisInfo(redis);
    r.clientCommandsPerTurn = (after.redisCommands - before.redisCommands) / turns;
    r.serverCommandsPerTurn = (info1.commands - info0.commands) / turns;
    r.bytesPerTurn = (info1.bytes - info0.bytes) / turns;
    r.memoryPerConversation = (info1.memory - info0.memory) / (load.conversations + dl.conversations);
    r.failed = Object.fromEntries(
      ['busy', 'storage_unavailable', 'error'].map((k) => [k, (after.results?.[k] ?? 0) - (before.results?.[k] ?? 0)]),
    );
  }
  return r;
}

/**
 * Round trips per turn, one turn at a time (so bursts of commands are one turn's), from the bot's own
 * metrics: bot_redis_round_trips_total and the commands by name.
 */
async function roundTrips(t: Target, metricsUrl: string, conversations = 10): Promise<{ perTurn: number; commands: string }> {
  const read = async () => {
    const text = await (await fetch(metricsUrl)).text();
    const byCommand = new Map<string, number>();
    for (const m of text.matchAll(/^bot_redis_command_duration_seconds_count\{command="([^"]+)"\} (\d+)/gm)) byCommand.set(m[1], Number(m[2]));
    return { trips: metricValue(text, 'bot_redis_round_trips_total'), byCommand };
  };
  const before = await read();
  let turns = 0;
  for (let i = 0; i < conversations; i++) {
    const conv = `bench-rt-${randomUUID()}`;
    const user = `bench-user-${randomUUID().slice(0, 8)}`;
    for (const step of SCRIPT) {
      await turn(t, conv, user, step);
      turns++;
    }
  }
  const after = await read();
  const commands = [...after.byCommand]
    .map(([k, v]) => [k, (v - (before.byCommand.get(k) ?? 0)) / turns] as const)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${f(v, 2)}`)
    .join(', ');
  return { perTurn: (after.trips - before.trips) / turns, commands };
}

/** Redis memory taken by complete refund conversations: `n` of them, 8 at a time, divided by `n`. */
async function memoryPerConversation(t: Target, redis: Redis, n = 48): Promise<{ bytes: number; completed: number }> {
  const before = await redisInfo(redis);
  let completed = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < n) {
        next++;
        const conv = `bench-mem-${randomUUID()}`;
        const user = `bench-user-${randomUUID().slice(0, 8)}`;
        let last: TurnResult | undefined;
        for (const step of SCRIPT) last = await turn(t, conv, user, step);
        if (last && CASE_REF.test(last.text)) completed++;
      }
    }),
  );
  const after = await redisInfo(redis);
  return { bytes: (after.memory - before.memory) / n, completed };
}

/** Redis memory taken by complete refund conversations over the web widget (Direct Line transcript included). */
async function memoryPerWidgetConversation(t: Target, redis: Redis, n = 24): Promise<{ bytes: number; completed: number }> {
  const before = await redisInfo(redis);
  const load = newLoad();
  let completed = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async (_, i) => {
      while (next < n) {
        next++;
        if (await directLineConversation(t, `10.200.${i}.${next}`, load).catch(() => false)) completed++;
      }
    }),
  );
  const after = await redisInfo(redis);
  return { bytes: (after.memory - before.memory) / n, completed };
}

/**
 * Multiplies what the bot stored by `factor`: every key under its prefix is copied (DUMP/RESTORE,
 * same TTL) under `factor - 1` new names, and every member of its shared indexes (sorted sets, sets,
 * hashes under `:global:`) is copied with a new name too. The copies are not conversations anyone
 * continues; they are there so that the next figures run against `factor` times the data. Other
 * `:global:` keys (rate-limit counters, expiring within a minute) are left as they are.
 */
export async function scaleUp(redis: Redis, prefix: string, factor: number): Promise<{ keysBefore: number; keysAfter: number; ownKeys: number; memoryBefore: number; memoryAfter: number }> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const memoryBefore = (await redisInfo(redis)).memory;
  const own = keys.filter((k) => !k.includes(':global:'));
  const copyErrors: string[] = [];
  const shared = keys.filter((k) => k.includes(':global:'));
  for (let i = 0; i < own.length; i += 200) {
    const batch = own.slice(i, i + 200);
    const read = redis.pipeline();
    for (const k of batch) read.dumpBuffer(k).pttl(k);
    const res = (await read.exec()) ?? [];
    const write = redis.pipeline();
    batch.forEach((k, j) => {
      const dump = res[2 * j]?.[1] as Buffer | null;
      const ttl = Number(res[2 * j + 1]?.[1] ?? -1);
      if (!dump) return;
      // A copy of a conversation's key keeps its hash tag's slot: `…{id}…` becomes `…{id~c}…`.
      for (let c = 1; c < factor; c++) write.restore(k.replace(/\{([^}]*)\}/, `{$1~${c}}`) + (k.includes('{') ? '' : `~${c}`), ttl > 0 ? ttl : 0, dump, 'REPLACE');
    });
    for (const [e] of (await write.exec()) ?? []) if (e) copyErrors.push(e.message);
  }
  if (copyErrors.length) process.stdout.write(`scale-up: ${copyErrors.length} copies failed, e.g. ${copyErrors[0]}\n`);
  for (const k of shared) {
    const type = await redis.type(k);
    const write = redis.pipeline();
    if (type === 'zset') {
      const members = await redis.zrange(k, 0, -1, 'WITHSCORES');
      for (let c = 1; c < factor; c++) for (let j = 0; j < members.length; j += 2) write.zadd(k, members[j + 1], `${members[j]}~${c}`);
    } else if (type === 'set') {
      const members = await redis.smembers(k);
      for (let c = 1; c < factor; c++) for (const m of members) write.sadd(k, `${m}~${c}`);
    } else if (type === 'hash') {
      const all = await redis.hgetall(k);
      for (let c = 1; c < factor; c++) for (const [f, v] of Object.entries(all)) write.hset(k, `${f}~${c}`, v);
    }
    await write.exec();
  }
  let keysAfter = 0;
  cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keysAfter += batch.length;
  } while (cursor !== '0');
  return { keysBefore: keys.length, keysAfter, ownKeys: own.length, memoryBefore, memoryAfter: (await redisInfo(redis)).memory };
}

async function firstTurns(t: Target): Promise<{ first: number; tenth: number; firstReply: string }> {
  const ms: number[] = [];
  let firstReply = '';
  for (let i = 0; i < 10; i++) {
    const r = await turn(t, `bench-first-${randomUUID()}`, `bench-user-${i}`, SCRIPT[0]);
    if (i === 0) firstReply = r.text;
    ms.push(r.ms);
  }
  return { first: ms[0], tenth: ms[9], firstReply };
}

async function main(): Promise<void> {
  if (process.env.BENCH_TS_NODE !== '1') {
    process.stdout.write('building (tsc -p tsconfig.json, into dist/)…\n');
    const built = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('tsc failed');
  }
  const redisServer = await startRedis();
  children.add(redisServer.process);
  const redis = new Redis(redisServer.url);
  const targets: Target[] = [];
  const out = (s = '') => process.stdout.write(`${s}\n`);
  try {
    out(`turns bench: ${CONCURRENCY} customers, complete refund conversations (${SCRIPT.length} turns), ${ROUNDS} rounds of ${ROUND_MS / 1000} s per bot, alternating`);

    // First turn after ready, each bot started fresh.
    const echo = await start('echo', redisServer.url);
    targets.push(echo);
    const echoIdle = (await echo.stats()).rss;
    const echoFirst = await firstTurns(echo);
    const bot1 = await start('bot', redisServer.url);
    const botIdle = (await bot1.stats()).rss;
    const botFirst = await firstTurns(bot1);
    if (!/refund|order|FL-100001/i.test(botFirst.firstReply)) out(`warning: the bot's first reply does not look like the refund flow: ${botFirst.firstReply.slice(0, 200)}`);
    await bot1.stop();

    // 64 simultaneous first messages right after ready, on another fresh bot.
    const bot = await start('bot', redisServer.url);
    targets.push(bot);
    const s0 = await bot.stats();
    const burst = await Promise.all(Array.from({ length: 64 }, (_, i) => turn(bot, `bench-burst-${randomUUID()}`, `bench-burst-${i}`, SCRIPT[0])));
    const s1 = await bot.stats();
    const burstFailed = ['busy', 'storage_unavailable', 'error'].reduce((n, k) => n + (s1.results![k] - s0.results![k]), 0) + burst.filter((r) => !r.ok).length;
    const burstLag = s1.lagMax;

    out();
    out('| start | ready after spawn | resident memory when ready | first turn after ready | 10th first turn |');
    out('|---|---|---|---|---|');
    out(`| echo | ${f(echo.readyMs, 0)} ms | ${mb(echoIdle)} | ${f(echoFirst.first)} ms | ${f(echoFirst.tenth)} ms |`);
    out(`| bot | ${f(bot1.readyMs, 0)} ms | ${mb(botIdle)} | ${f(botFirst.first)} ms | ${f(botFirst.tenth)} ms |`);
    out();
    out(`64 simultaneous first messages right after ready: ${64 - burstFailed}/64 succeeded, slowest ${f(Math.max(...burst.map((r) => r.ms)), 0)} ms, event-loop delay max ${f(burstLag * 1000, 0)} ms`);
    const warm = bot1.warmUp();
    if (warm) out(`warm-up before ready (ms): ${Object.entries(warm).map(([k, v]) => `${k === 'ms' ? 'total' : k} ${v}`).join(', ')}`);

    // Warm-up, not counted.
    await round(echo, redis, 2000);
    await round(bot, redis, 2000);

    const rounds: Round[] = [];
    const profDir = process.env.BENCH_CPU_PROF;
    for (let i = 0; i < ROUNDS; i++) {
      rounds.push(await round(echo, redis, ROUND_MS));
      const stop = profDir ? await startProfile(bot, join(profDir, `bot-round-${i + 1}.cpuprofile`)) : undefined;
      rounds.push(await round(bot, redis, ROUND_MS));
      await stop?.();
    }
    if (profDir) out(`\nCPU profiles of the bot's rounds in ${profDir} (npm run -s bench:profile -- ${profDir})`);
    out();
    out(`| round | bot | turns/s | p50 ms | p95 ms | p99 ms | CPU ms/turn | loop delay p99 / max ms | RSS max | Redis cmds/turn client / server | Redis bytes/turn | Redis mem/conv | conversations done | failed turns | Direct Line + WebSocket (${DL_SHARE} of the ${CONCURRENCY}): turns, p50 / p99 ms, done |`);
    out('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    rounds.forEach((r, i) => {
      const l = r.load;
      out(
        `| ${Math.floor(i / 2) + 1} | ${r.kind} | ${f(r.turnsPerSecond, 0)} | ${f(pct(l.latencies, 0.5))} | ${f(pct(l.latencies, 0.95))} | ${f(pct(l.latencies, 0.99))} | ${f(r.cpuMsPerTurn, 2)} | ${f(r.lagP99 * 1000)} / ${f(r.lagMax * 1000)} | ${mb(r.rssMax)} | ${r.clientCommandsPerTurn !== undefined ? `${f(r.clientCommandsPerTurn)} / ${f(r.serverCommandsPerTurn!)}` : '-'} | ${r.bytesPerTurn !== undefined ? f(r.bytesPerTurn, 0) : '-'} | ${r.memoryPerConversation !== undefined ? `${f(r.memoryPerConversation / 1024)} KB` : '-'} | ${l.completed}/${l.conversations} | ${r.failed ? Object.entries(r.failed).map(([k, v]) => `${k} ${v}`).join(', ') : `http ${l.httpErrors}`} | ${r.dl.turns ? `${r.dl.turns}, ${f(pct(r.dl.latencies, 0.5))} / ${f(pct(r.dl.latencies, 0.99))}, ${r.dl.completed}/${r.dl.conversations}${r.dl.httpErrors ? ` (${r.dl.httpErrors} failed)` : ''}` : '-'} |`,
      );
    });

    const memory = await memoryPerConversation(bot, redis);
    const widgetMemory = await memoryPerWidgetConversation(bot, redis);
    const trips = await roundTrips(bot, bot.metricsUrl);
    const steadyEcho = await steady(echo, STEADY_RATE, STEADY_MS);
    const steadyBot = await steady(bot, STEADY_RATE, STEADY_MS);

    const of = (k: Kind) => rounds.filter((r) => r.kind === k);
    const all = (k: Kind) => of(k).flatMap((r) => r.load.latencies);
    const tps = (k: Kind) => median(of(k).map((r) => r.turnsPerSecond));
    out();
    out('| summary | this bot | echo bot |');
    out('|---|---|---|');
    out(`| throughput, ${CONCURRENCY} concurrent conversations, closed loop (median of rounds) | ${f(tps('bot'), 0)} turns/s (${f(tps('bot') / tps('echo'), 2)}× echo) | ${f(tps('echo'), 0)} turns/s |`);
    out(`| p50 / p95 / p99 turn latency, closed loop | ${f(pct(all('bot'), 0.5))} / ${f(pct(all('bot'), 0.95))} / ${f(pct(all('bot'), 0.99))} ms | ${f(pct(all('echo'), 0.5))} / ${f(pct(all('echo'), 0.95))} / ${f(pct(all('echo'), 0.99))} ms |`);
    out(`| p99 at a steady ${STEADY_RATE} turns/s (${STEADY_MS / 1000} s, ${steadyBot.turns} / ${steadyEcho.turns} turns) | ${f(pct(steadyBot.latencies, 0.99))} ms | ${f(pct(steadyEcho.latencies, 0.99))} ms |`);
    out(`| event-loop delay at a steady ${STEADY_RATE} turns/s (the steady state), p99 / max | ${f(steadyBot.lagP99 * 1000)} / ${f(steadyBot.lagMax * 1000)} ms | ${f(steadyEcho.lagP99 * 1000)} / ${f(steadyEcho.lagMax * 1000)} ms |`);
    out(`| CPU per turn (median of rounds) | ${f(median(of('bot').map((r) => r.cpuMsPerTurn)), 2)} ms | ${f(median(of('echo').map((r) => r.cpuMsPerTurn)), 2)} ms |`);
    out(`| first turn after ready | ${f(botFirst.first)} ms | ${f(echoFirst.first)} ms |`);
    out(`| event-loop delay under load, p99 / max | ${f(Math.max(...of('bot').map((r) => r.lagP99)) * 1000)} / ${f(Math.max(...of('bot').map((r) => r.lagMax)) * 1000)} ms | ${f(Math.max(...of('echo').map((r) => r.lagP99)) * 1000)} / ${f(Math.max(...of('echo').map((r) => r.lagMax)) * 1000)} ms |`);
    out(`| resident memory under load (max) | ${mb(Math.max(...of('bot').map((r) => r.rssMax)))} | ${mb(Math.max(...of('echo').map((r) => r.rssMax)))} |`);
    out(`| V8 heap in use under load (max; the rest of the resident memory is code, compiled regular expressions and buffers) | ${mb(Math.max(...of('bot').map((r) => r.heapMax)))} | ${mb(Math.max(...of('echo').map((r) => r.heapMax)))} |`);
    out(`| Redis commands per turn: sent by the bot (round trips if none pipelined) / run by Redis (scripts' inner commands included) | ${f(median(of('bot').map((r) => r.clientCommandsPerTurn!)))} / ${f(median(of('bot').map((r) => r.serverCommandsPerTurn!)))} | - |`);
    out(`| Redis round trips per turn, one turn at a time (bot_redis_round_trips_total) | ${f(trips.perTurn, 2)} | - |`);
    out(`| Redis commands per turn, one turn at a time, by command | ${trips.commands} | - |`);
    out(`| Redis bytes per turn (in + out) | ${f(median(of('bot').map((r) => r.bytesPerTurn!)), 0)} | - |`);
    out(`| Redis memory per complete refund conversation over /api/messages (state, case, indexes, de-duplication; used_memory delta over 48) | ${f(memory.bytes / 1024)} KB (${memory.completed}/48 ended with a case) | - |`);
    out(`| Redis memory per complete refund conversation over the web widget (Direct Line transcript included; over 24) | ${f(widgetMemory.bytes / 1024)} KB (${widgetMemory.completed}/24 ended with a case) | - |`);
    const dlAll = of('bot').flatMap((r) => r.dl.latencies);
    out(`| Direct Line + WebSocket customers (${DL_SHARE} of ${CONCURRENCY}), POST to the answer on the socket: p50 / p95 / p99 | ${f(pct(dlAll, 0.5))} / ${f(pct(dlAll, 0.95))} / ${f(pct(dlAll, 0.99))} ms | - |`);

    // The same at SCALE times the stored conversations.
    const scaled = await scaleUp(redis, bot.prefix, SCALE);
    const scaledRounds: Round[] = [];
    for (let i = 0; i < Math.max(1, ROUNDS - 1); i++) {
      scaledRounds.push(await round(echo, redis, ROUND_MS));
      scaledRounds.push(await round(bot, redis, ROUND_MS));
    }
    const scaledSteady = await steady(bot, STEADY_RATE, STEADY_MS);
    const sOf = (k: Kind) => scaledRounds.filter((r) => r.kind === k);
    const sAll = sOf('bot').flatMap((r) => r.load.latencies);
    const sTps = (k: Kind) => median(sOf(k).map((r) => r.turnsPerSecond));
    out();
    out(`| at ${SCALE}× the stored conversations (conversations' and cases' keys ${scaled.ownKeys} → ${scaled.ownKeys * SCALE}, all keys ${scaled.keysBefore} → ${scaled.keysAfter}, Redis ${mb(scaled.memoryBefore)} → ${mb(scaled.memoryAfter)}) | this bot | before |`);
    out('|---|---|---|');
    out(`| throughput, closed loop, ratio to echo in the same rounds | ${f(sTps('bot'), 0)} turns/s (${f(sTps('bot') / sTps('echo'), 2)}× echo) | ${f(tps('bot'), 0)} turns/s (${f(tps('bot') / tps('echo'), 2)}× echo) |`);
    out(`| p50 / p95 / p99, closed loop | ${f(pct(sAll, 0.5))} / ${f(pct(sAll, 0.95))} / ${f(pct(sAll, 0.99))} ms | ${f(pct(all('bot'), 0.5))} / ${f(pct(all('bot'), 0.95))} / ${f(pct(all('bot'), 0.99))} ms |`);
    out(`| p99 at a steady ${STEADY_RATE} turns/s | ${f(pct(scaledSteady.latencies, 0.99))} ms | ${f(pct(steadyBot.latencies, 0.99))} ms |`);
    out(`| CPU per turn | ${f(median(sOf('bot').map((r) => r.cpuMsPerTurn)), 2)} ms | ${f(median(of('bot').map((r) => r.cpuMsPerTurn)), 2)} ms |`);
    out(`| event-loop delay max / resident memory max | ${f(Math.max(...sOf('bot').map((r) => r.lagMax)) * 1000)} ms / ${mb(Math.max(...sOf('bot').map((r) => r.rssMax)))} | ${f(Math.max(...of('bot').map((r) => r.lagMax)) * 1000)} ms / ${mb(Math.max(...of('bot').map((r) => r.rssMax)))} |`);
    const check = (name: string, value: string, met: boolean) => out(`| ${name} | ${value} | ${met ? 'met' : 'NOT met'} |`);
    out();
    out('| target (issue 13) | measured | |');
    out('|---|---|---|');
    check('throughput ≥ 0.5× echo', `${f(tps('bot') / tps('echo'), 2)}×`, tps('bot') / tps('echo') >= 0.5);
    check(`p99 ≤ 25 ms at a steady ${STEADY_RATE} turns/s`, `${f(pct(steadyBot.latencies, 0.99))} ms`, pct(steadyBot.latencies, 0.99) <= 25);
    check('Redis ≤ 8 KB per conversation over the web widget', `${f(widgetMemory.bytes / 1024)} KB`, widgetMemory.bytes <= 8 * 1024);
    check('first turn ≤ 50 ms after ready', `${f(botFirst.first)} ms`, botFirst.first <= 50);
    check('64 simultaneous first messages right after ready all succeed', `${64 - burstFailed}/64`, burstFailed === 0);
    check('resident memory under load ≤ 300 MB', mb(Math.max(...of('bot').map((r) => r.rssMax))), Math.max(...of('bot').map((r) => r.rssMax)) <= 300e6);
    check(`no event-loop stall over 50 ms in steady state (${STEADY_RATE} turns/s)`, `${f(steadyBot.lagMax * 1000)} ms (echo ${f(steadyEcho.lagMax * 1000)} ms; saturated closed loop ${f(Math.max(...of('bot').map((r) => r.lagMax)) * 1000)} ms)`, steadyBot.lagMax <= 0.05);
    // Against echo in the same rounds, since the machine's load changes between the two parts.
    const flat = sTps('bot') / sTps('echo') / (tps('bot') / tps('echo'));
    check(`flat at ${SCALE}× the stored conversations (throughput ratio to echo within 20%)`, `${f(sTps('bot') / sTps('echo'), 2)}× vs ${f(tps('bot') / tps('echo'), 2)}× echo`, flat >= 0.8);
    out();
    out('Shared 2-core machine: the load generator runs in this process, on the same cores; compare ratios, not absolute figures, across runs.');
  } finally {
    for (const t of targets) await t.stop();
    redis.disconnect();
    await redisServer.stop();
    if (crashes.length) process.stderr.write(`\nprocesses that crashed during the run: ${crashes.join(', ')}\n`);
  }
}

if (require.main === module) main().catch((err) => {
  process.stderr.write(`bench/turns failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
