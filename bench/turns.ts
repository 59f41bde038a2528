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
 * Not measured here (issue 13 asks for them too): a share of customers through the embedded Direct
 * Line WebSocket, and the same figures at 10× the stored conversations.
 *
 * Environment: BENCH_CONCURRENCY (64), BENCH_ROUND_MS (6000), BENCH_ROUNDS (3), BENCH_STEADY_RATE (200).
 */
import { spawn, ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
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

type Kind = 'bot' | 'echo';

/** A complete refund conversation, as a customer of the web widget would have it. */
const SCRIPT: Record<string, unknown>[] = [
  { text: 'I want a refund of €49.00 for order FL-100001, I paid by mistake', locale: 'en-GB' },
  { text: 'skip', locale: 'en-GB' },
  { value: { action: 'refund.confirm' }, locale: 'en-GB' },
];
const CASE_REF = /\bRF-[2-9A-HJ-NP-Z]{5}\b/;

interface Stats {
  rss: number;
  lagMax: number;
  lagP99: number;
  cpuSeconds: number;
  redisCommands?: number;
  results?: Record<string, number>;
}

interface Target {
  kind: Kind;
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
  const entry = kind === 'bot' ? 'src/index.ts' : 'bench/_echo.ts';
  const started = performance.now();
  const prof = kind === 'bot' && process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, '-r', 'ts-node/register/transpile-only', entry], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: `bench${randomUUID().slice(0, 6)}`,
      METRICS_PORT: String(metricsPort),
      METRICS_HOST: '127.0.0.1',
      INSTANCE_ID: `bench-${kind}`,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  const baseUrl = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${kind} exited (${child.exitCode}): ${err}`);
    try {
      if ((await fetch(`${baseUrl}/readyz`)).status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (performance.now() - started > 60000) throw new Error(`${kind} not ready after 60 s: ${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const readyMs = performance.now() - started;
  const stats =
    kind === 'bot'
      ? async (): Promise<Stats> => {
          const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
          return {
            rss: metricValue(text, 'process_resident_memory_bytes'),
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
    baseUrl,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    child,
    readyMs,
    stats,
    async stop() {
      if (child.exitCode === null) {
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

/** Open loop: a turn every 1000/rate ms on the next idle conversation, whatever the answers take. */
async function steady(t: Target, rate: number, ms: number): Promise<Load> {
  const load = newLoad();
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
  return load;
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
  cpuMsPerTurn: number;
  lagMax: number;
  lagP99: number;
  rssMax: number;
  clientCommandsPerTurn?: number;
  serverCommandsPerTurn?: number;
  bytesPerTurn?: number;
  memoryPerConversation?: number;
  failed?: Record<string, number>;
}

/** One closed-loop round, with resource figures sampled every second. */
async function round(t: Target, redis: Redis, ms: number): Promise<Round> {
  const load = newLoad();
  const before = await t.stats(); // also resets the event-loop histogram
  const info0 = t.kind === 'bot' ? await redisInfo(redis) : undefined;
  let lagMax = 0;
  let lagP99 = 0;
  let rssMax = 0;
  let last = before;
  const sampler = setInterval(() => {
    void t.stats().then((s) => {
      lagMax = Math.max(lagMax, s.lagMax);
      lagP99 = Math.max(lagP99, s.lagP99);
      rssMax = Math.max(rssMax, s.rss);
      last = s;
    });
  }, 1000);
  const t0 = performance.now();
  const deadline = t0 + ms;
  await Promise.all(Array.from({ length: CONCURRENCY }, () => customer(t, deadline, load)));
  const elapsed = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const after = await t.stats();
  last = after;
  lagMax = Math.max(lagMax, after.lagMax);
  lagP99 = Math.max(lagP99, after.lagP99);
  rssMax = Math.max(rssMax, after.rss);
  const r: Round = {
    kind: t.kind,
    turnsPerSecond: load.turns / elapsed,
    load,
    cpuMsPerTurn: ((last.cpuSeconds - before.cpuSeconds) * 1000) / load.turns,
    lagMax,
    lagP99,
    rssMax,
  };
  if (info0 && before.redisCommands !== undefined && after.redisCommands !== undefined) {
    const info1 = await redisInfo(redis);
    r.clientCommandsPerTurn = (after.redisCommands - before.redisCommands) / load.turns;
    r.serverCommandsPerTurn = (info1.commands - info0.commands) / load.turns;
    r.bytesPerTurn = (info1.bytes - info0.bytes) / load.turns;
    r.memoryPerConversation = (info1.memory - info0.memory) / load.conversations;
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
  const redisServer = await startRedis();
  const redis = new Redis(redisServer.url);
  const targets: Target[] = [];
  const out = (s = '') => process.stdout.write(`${s}\n`);
  try {
    out(`turns bench: ${CONCURRENCY} customers, complete refund conversations (${SCRIPT.length} turns), ${ROUNDS} rounds of ${ROUND_MS / 1000} s per bot, alternating`);

    // First turn after ready, each bot started fresh.
    const echo = await start('echo', redisServer.url);
    targets.push(echo);
    const echoFirst = await firstTurns(echo);
    const bot1 = await start('bot', redisServer.url);
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
    out('| start | ready after spawn | first turn after ready | 10th first turn |');
    out('|---|---|---|---|');
    out(`| echo | ${f(echo.readyMs, 0)} ms | ${f(echoFirst.first)} ms | ${f(echoFirst.tenth)} ms |`);
    out(`| bot | ${f(bot1.readyMs, 0)} ms | ${f(botFirst.first)} ms | ${f(botFirst.tenth)} ms |`);
    out();
    out(`64 simultaneous first messages right after ready: ${64 - burstFailed}/64 succeeded, slowest ${f(Math.max(...burst.map((r) => r.ms)), 0)} ms, event-loop delay max ${f(burstLag * 1000, 0)} ms`);

    // Warm-up, not counted.
    await round(echo, redis, 2000);
    await round(bot, redis, 2000);

    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      rounds.push(await round(echo, redis, ROUND_MS));
      rounds.push(await round(bot, redis, ROUND_MS));
    }
    out();
    out('| round | bot | turns/s | p50 ms | p95 ms | p99 ms | CPU ms/turn | loop delay p99 / max ms | RSS max | Redis cmds/turn client / server | Redis bytes/turn | Redis mem/conv | conversations done | failed turns |');
    out('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    rounds.forEach((r, i) => {
      const l = r.load;
      out(
        `| ${Math.floor(i / 2) + 1} | ${r.kind} | ${f(r.turnsPerSecond, 0)} | ${f(pct(l.latencies, 0.5))} | ${f(pct(l.latencies, 0.95))} | ${f(pct(l.latencies, 0.99))} | ${f(r.cpuMsPerTurn, 2)} | ${f(r.lagP99 * 1000)} / ${f(r.lagMax * 1000)} | ${mb(r.rssMax)} | ${r.clientCommandsPerTurn !== undefined ? `${f(r.clientCommandsPerTurn)} / ${f(r.serverCommandsPerTurn!)}` : '-'} | ${r.bytesPerTurn !== undefined ? f(r.bytesPerTurn, 0) : '-'} | ${r.memoryPerConversation !== undefined ? `${f(r.memoryPerConversation / 1024)} KB` : '-'} | ${l.completed}/${l.conversations} | ${r.failed ? Object.entries(r.failed).map(([k, v]) => `${k} ${v}`).join(', ') : `http ${l.httpErrors}`} |`,
      );
    });

    const memory = await memoryPerConversation(bot, redis);
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
    out(`| CPU per turn (median of rounds) | ${f(median(of('bot').map((r) => r.cpuMsPerTurn)), 2)} ms | ${f(median(of('echo').map((r) => r.cpuMsPerTurn)), 2)} ms |`);
    out(`| first turn after ready | ${f(botFirst.first)} ms | ${f(echoFirst.first)} ms |`);
    out(`| event-loop delay under load, p99 / max | ${f(Math.max(...of('bot').map((r) => r.lagP99)) * 1000)} / ${f(Math.max(...of('bot').map((r) => r.lagMax)) * 1000)} ms | ${f(Math.max(...of('echo').map((r) => r.lagP99)) * 1000)} / ${f(Math.max(...of('echo').map((r) => r.lagMax)) * 1000)} ms |`);
    out(`| resident memory under load (max) | ${mb(Math.max(...of('bot').map((r) => r.rssMax)))} | ${mb(Math.max(...of('echo').map((r) => r.rssMax)))} |`);
    out(`| Redis commands per turn: sent by the bot (round trips if none pipelined) / run by Redis (scripts' inner commands included) | ${f(median(of('bot').map((r) => r.clientCommandsPerTurn!)))} / ${f(median(of('bot').map((r) => r.serverCommandsPerTurn!)))} | - |`);
    out(`| Redis round trips per turn, one turn at a time (bot_redis_round_trips_total) | ${f(trips.perTurn, 2)} | - |`);
    out(`| Redis commands per turn, one turn at a time, by command | ${trips.commands} | - |`);
    out(`| Redis bytes per turn (in + out) | ${f(median(of('bot').map((r) => r.bytesPerTurn!)), 0)} | - |`);
    out(`| Redis memory per complete refund conversation over /api/messages (state, case, indexes, de-duplication; used_memory delta over 48) | ${f(memory.bytes / 1024)} KB (${memory.completed}/48 ended with a case) | - |`);
    out();
    out('Shared 2-core machine: the load generator runs in this process, on the same cores; compare ratios, not absolute figures, across runs.');
  } finally {
    for (const t of targets) await t.stop();
    redis.disconnect();
    await redisServer.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench/turns failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
