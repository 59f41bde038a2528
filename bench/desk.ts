/**
 * `npm run bench -- desk` (or `npm run -s bench:desk [-- tries]`): handoff latencies across two
 * instances on one private Redis. The customer talks to instance A through the embedded Direct Line
 * channel (WebSocket stream); one signed-in agent watches instance B's event stream.
 *
 *   handoff: from POSTing "I want a human" on A to the conversation in the agent's `queue` event on B
 *   relay:   from POSTing an agent message on B to the activity on the customer's Direct Line stream on A
 *
 * Prints p50 / p99 / max over N tries (default 200). Loopback only; never part of npm test.
 */
import WebSocket from 'ws';
import { hashPassword } from '../src/agent/auth';
import { startRedis } from '../test/support/redisServer';
import { startBotProcess } from '../test/support/botProcess';
import { Agent } from '../test/handoff/clients';

const TRIES = Number(process.argv[2] ?? 200);
const SECRET = 'b'.repeat(40);
const PASSWORD = 'bench password';

function pct(values: number[], p: number): number {
  const s = [...values].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const env = {
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: 'bench',
    DIRECTLINE_SECRET: SECRET,
    AGENTS: `alice:${await hashPassword(PASSWORD)}`,
    RATE_LIMIT_MESSAGES_PER_MINUTE: '100000',
    LOG_LEVEL: 'error',
  };
  const [a, b] = await Promise.all([startBotProcess(env), startBotProcess(env)]);
  try {
    const alice = await new Agent(b.baseUrl, 'alice').login(PASSWORD);
    const stream = alice.stream();
    await stream.waitFor((e) => e.some((x) => x.event === 'queue'));
    const handoff: number[] = [];
    const relay: number[] = [];
    for (let i = 0; i < TRIES; i++) {
      // A customer the host site vouches for (token generation with the secret: no per-address token limit).
      const gen = await fetch(`${a.baseUrl}/v3/directline/tokens/generate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
        body: JSON.stringify({ user: { id: `bench-${i}` } }),
      });
      const { token } = (await gen.json()) as { token: string };
      const started = (await (await fetch(`${a.baseUrl}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"locale":"en-US"}' })).json()) as {
        conversationId: string;
        token: string;
        streamUrl: string;
      };
      const conv = started.conversationId;
      const ws = new WebSocket(started.streamUrl);
      const seen: string[] = [];
      let wake: (() => void) | undefined;
      ws.on('message', (data) => {
        const text = data.toString();
        if (!text) return;
        const set = JSON.parse(text) as { activities?: { text?: string }[] };
        for (const act of set.activities ?? []) if (act.text) seen.push(act.text);
        wake?.();
      });
      await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));

      const t0 = performance.now();
      const post = fetch(`${a.baseUrl}/v3/directline/conversations/${conv}/activities`, {
        method: 'POST',
        headers: { authorization: `Bearer ${started.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'message', from: { id: `bench-${i}` }, locale: 'en-US', text: 'I want a human' }),
      });
      await stream.waitFor((e) => e.some((x) => x.event === 'queue' && x.data.items.some((it: { id: string }) => it.id === conv)), 20000);
      handoff.push(performance.now() - t0);
      await post;

      const claim = await alice.json('POST', `/conversations/${encodeURIComponent(conv)}/claim`);
      if (claim.status !== 200) throw new Error(`claim: ${claim.status}`);
      const marker = `bench reply ${i}`;
      const t1 = performance.now();
      const sent = await alice.json('POST', `/conversations/${encodeURIComponent(conv)}/messages`, { text: marker });
      if (sent.status !== 201) throw new Error(`message: ${sent.status}`);
      const deadline = Date.now() + 20000;
      while (!seen.some((t) => t.includes(marker))) {
        if (Date.now() > deadline) throw new Error(`message ${i} never reached the customer`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      relay.push(performance.now() - t1);
      ws.close();
      await alice.json('POST', `/conversations/${encodeURIComponent(conv)}/close`);
    }
    stream.close();
    const line = (name: string, v: number[]) =>
      `${name.padEnd(52)} p50 ${pct(v, 50).toFixed(1).padStart(7)} ms   p99 ${pct(v, 99).toFixed(1).padStart(7)} ms   max ${Math.max(...v).toFixed(1).padStart(7)} ms`;
    console.log(`${TRIES} tries, customer on instance A, agent on instance B, one Redis (loopback)`);
    console.log(line('"I want a human" → queue event in the agent stream', handoff));
    console.log(line('agent message → customer Direct Line stream', relay));
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await redis.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
