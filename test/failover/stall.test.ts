import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { startBotProcess, type BotProcess } from '../support/botProcess';
import { Node, sleep } from './topology';
import { FIRST, FACTS } from './driver';

/*
 * Issue 13, "correct when Redis stalls": two bot processes on one Redis (AOF, fsync always), customers
 * alternating between them turn by turn over /api/messages. A failed turn is sent again with the same
 * activity id, as a channel retries.
 *  1. Redis hung with SIGSTOP for 2 s, 10 times, each at a different point of the running turns.
 *  2. Redis killed (SIGKILL) in the middle of 20 conversations, restarted on its append-only file.
 * After each fault: every conversation goes on to its case; no case is lost or doubled; no lock from
 * before the fault is still there a second after Redis answers again; no bot process exits.
 */
const UNAVAILABLE = /technical problem|couldn't confirm|still working on your previous message/i;

interface Conv {
  conv: string;
  user: string;
  references: string[];
  /** The confirm turn committed but its answer was lost with the fault (a retry was dropped as done). */
  committedUnseen: boolean;
  failedTurns: number;
  done: boolean;
}

async function post(base: string, conv: string, user: string, id: string, activity: Record<string, unknown>): Promise<{ status: number; texts: string[] }> {
  try {
    const res = await fetch(`${base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        id,
        channelId: 'test',
        serviceUrl: 'http://127.0.0.1:1/',
        deliveryMode: 'expectReplies',
        from: { id: user, name: 'User' },
        recipient: { id: 'bot', name: 'Bot' },
        conversation: { id: conv },
        locale: 'en-GB',
        ...activity,
      }),
      signal: AbortSignal.timeout(30000),
    });
    if (res.status !== 200) return { status: res.status, texts: [] };
    const body = (await res.json()) as { activities?: any[] };
    return {
      status: 200,
      texts: (body.activities ?? []).map((a) => [a.text ?? '', ...(a.attachments ?? []).map((x: any) => JSON.stringify(x.content ?? {}))].join(' ')),
    };
  } catch {
    return { status: 0, texts: [] };
  }
}

/** One customer: the facts, skip the proof, confirm; each step sent again (same id) until answered. */
async function customer(bots: BotProcess[], c: Conv, offset: number, stopAt: number): Promise<void> {
  const steps: [RegExp, Record<string, unknown>][] = [
    [/proof/i, { text: FIRST }],
    [/refund\.confirm/, { text: 'skip' }],
    [/RF-[0-9A-Z]{5}/, { value: { action: 'refund.confirm' } }],
  ];
  let turn = offset;
  for (const [expect, activity] of steps) {
    const id = randomUUID();
    for (;;) {
      if (Date.now() > stopAt) return;
      const bot = bots[turn++ % bots.length];
      const r = await post(bot.baseUrl, c.conv, c.user, id, activity);
      const text = r.texts.join('\n');
      if (r.status === 200 && r.texts.length === 0) {
        // Dropped as a duplicate: the first attempt committed, its answer was lost with the fault.
        if (activity.value) c.committedUnseen = true;
        break;
      }
      if (r.status === 200 && expect.test(text) && !UNAVAILABLE.test(text)) {
        const ref = /\b(RF-[0-9A-Z]{5})\b/.exec(text)?.[1];
        if (activity.value && ref) c.references.push(ref);
        break;
      }
      c.failedTurns++;
      await sleep(150);
    }
  }
  c.done = true;
}

async function casesByConversation(redis: Redis, prefix: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      if (!/\{case:(RF|PN|DS)-[0-9A-Z]{5}\}$/.test(key)) continue;
      const r = JSON.parse((await redis.get(key)) ?? '{}');
      const conv = r.conversationReference?.conversation?.id as string;
      expect(r.facts?.claims).toEqual(FACTS);
      out.set(conv, [...(out.get(conv) ?? []), r.reference]);
    }
  } while (cursor !== '0');
  return out;
}

async function locks(redis: Redis, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:lock:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const v = await redis.get(key);
      if (v) out.set(key, v);
    }
  } while (cursor !== '0');
  return out;
}

function checkCases(convs: Conv[], cases: Map<string, string[]>): string[] {
  const problems: string[] = [];
  for (const c of convs) {
    const found = cases.get(c.conv) ?? [];
    if (!c.done) problems.push(`${c.conv}: did not reach its case (${c.failedTurns} failed turns)`);
    if (found.length !== 1) problems.push(`${c.conv}: ${found.length} cases (${found.join(', ')})`);
    for (const ref of c.references) if (!found.includes(ref)) problems.push(`${c.conv}: told ${ref}, not in Redis`);
  }
  return problems;
}

describe('Redis stalls and restarts under two bot processes', () => {
  const prefix = `st${randomUUID().slice(0, 6)}`;
  let node: Node;
  let bots: BotProcess[] = [];
  let redis: Redis;

  beforeAll(async () => {
    node = await Node.create(() => ['--appendonly', 'yes', '--appendfsync', 'always']);
    const env = { REDIS_URL: `redis://127.0.0.1:${node.port}`, REDIS_KEY_PREFIX: prefix, REDIS_AUTOSTART: 'false', RATE_LIMIT_MESSAGES_PER_MINUTE: '1000', LOG_LEVEL: 'warn' };
    bots = await Promise.all([startBotProcess(env, { startTimeoutMs: 90000 }), startBotProcess(env, { startTimeoutMs: 90000 })]);
    // The first amount a process parses is slow (recognizer models load): once per bot before the faults.
    await Promise.all(bots.map((b) => post(b.baseUrl, `warm-${randomUUID()}`, 'warm', randomUUID(), { text: FIRST })));
    redis = new Redis(node.port, { maxRetriesPerRequest: null });
  }, 180000);

  afterAll(async () => {
    redis?.disconnect();
    await Promise.all(bots.map((b) => b.stop().catch(() => undefined)));
    await node?.stop();
  }, 30000);

  it('SIGSTOP for 2 s at 10 moments: every conversation reaches one case, no lock outlives a stall by a second', async () => {
    const stopAt = Date.now() + 60000;
    const convs: Conv[] = [];
    let running = true;
    // Customers keep coming for as long as the stalls go on: 6 at a time.
    const loops = Array.from({ length: 6 }, async (_, i) => {
      while (running) {
        const c: Conv = { conv: `stall-${randomUUID()}`, user: `u-${i}`, references: [], committedUnseen: false, failedTurns: 0, done: false };
        convs.push(c);
        await customer(bots, c, i, stopAt);
      }
    });
    const outlived: string[] = [];
    for (let k = 0; k < 10; k++) {
      // A different moment each time: the pause before the stall moves through a turn's length.
      await sleep(400 + k * 53);
      const before = await locks(redis, prefix);
      node.kill('SIGSTOP');
      await sleep(2000);
      node.kill('SIGCONT');
      await sleep(1000);
      const after = await locks(redis, prefix);
      for (const [key, value] of before) if (after.get(key) === value) outlived.push(`stall ${k}: ${key}`);
    }
    running = false;
    await Promise.all(loops);

    const cases = await casesByConversation(redis, prefix);
    const problems = checkCases(convs, cases);
    // eslint-disable-next-line no-console
    console.log(`SIGSTOP ×10: ${convs.length} conversations, ${convs.reduce((n, c) => n + c.failedTurns, 0)} turns answered "unavailable" and sent again, ${convs.filter((c) => c.committedUnseen).length} confirmations committed but unseen`);
    expect(problems).toEqual([]);
    expect(outlived).toEqual([]);
    for (const b of bots) expect(b.child.exitCode).toBeNull();
  }, 120000);

  it('SIGKILL in the middle of 20 conversations, restart on AOF: all 20 reach one case each', async () => {
    const stopAt = Date.now() + 60000;
    const convs: Conv[] = Array.from({ length: 20 }, (_, i) => ({ conv: `kill-${randomUUID()}`, user: `k-${i}`, references: [], committedUnseen: false, failedTurns: 0, done: false }));
    const runs = convs.map((c, i) => sleep(i * 40).then(() => customer(bots, c, i, stopAt)));
    await sleep(700);
    const before = await locks(redis, prefix);
    await node.killHard();
    await sleep(1000);
    await node.start(['--appendonly', 'yes', '--appendfsync', 'always']);
    await sleep(1000);
    const after = await locks(redis, prefix);
    const outlived = [...before].filter(([key, value]) => after.get(key) === value).map(([key]) => key);
    await Promise.all(runs);

    const cases = await casesByConversation(redis, prefix);
    const problems = checkCases(convs, cases);
    // eslint-disable-next-line no-console
    console.log(`SIGKILL + AOF restart: 20 conversations, ${convs.reduce((n, c) => n + c.failedTurns, 0)} turns answered "unavailable" and sent again, ${before.size} locks held at the kill`);
    expect(problems).toEqual([]);
    expect(outlived).toEqual([]);
    for (const b of bots) expect(b.child.exitCode).toBeNull();
  }, 120000);
});
