import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { startBotProcess, type BotProcess } from '../support/botProcess';
import { ask, SentinelSet, SENTINEL_NAME, sleep, until } from './topology';
import { FACTS, Loops, ReadyProbe, reportFaults, SECRET, type FaultWindow } from './driver';
import { checkOutcome } from './checks';

/*
 * Issue 15 on Sentinel: 1 master, 2 replicas, 3 sentinels; two bot processes serving conversation
 * loops that create cases, alternating instances turn by turn, through a planned SENTINEL FAILOVER,
 * a SIGKILL of the master and a SIGSTOP of the master for 5 s. Afterwards every reference a customer
 * was given exists with its facts, no case is doubled, no Direct Line activity id is reused, every
 * conversation continued or said it lost track, and no process exited.
 */
describe('a Redis Sentinel failover while two bot processes serve conversations', () => {
  const prefix = `fo${randomUUID().slice(0, 6)}`;
  let set: SentinelSet | undefined;
  let bots: BotProcess[] = [];

  afterAll(async () => {
    await Promise.all(bots.map((b) => b.stop().catch(() => undefined)));
    await set?.stop();
  }, 30000);

  it('loses nothing a customer was told, through a planned failover, a SIGKILL and a SIGSTOP of the master', async () => {
    set = await SentinelSet.start();
    const env = {
      REDIS_SENTINELS: set.sentinelList,
      REDIS_SENTINEL_NAME: SENTINEL_NAME,
      REDIS_KEY_PREFIX: prefix,
      DIRECTLINE_SECRET: SECRET,
      REDIS_AUTOSTART: 'false',
      LOG_LEVEL: 'warn',
    };
    const t0 = Date.now();
    bots = await Promise.all([startBotProcess(env, { startTimeoutMs: 90000 }), startBotProcess(env, { startTimeoutMs: 90000 })]);
    const startedMs = Date.now() - t0;
    const probe = new ReadyProbe(bots[0]);
    const loops = new Loops(bots, { loops: 4, pauseMs: 20 });
    const faults: FaultWindow[] = [];
    /** The topology is back to normal: note when, then wait until customers are answered normally again. */
    const settled = async (): Promise<void> => {
      const at = Date.now();
      faults[faults.length - 1].settledAt = at;
      await loops.servedSince(at);
    };
    await loops.warmUp();
    const warmMs = Date.now() - t0 - startedMs;
    probe.start();
    loops.start();
    try {
      await sleep(2500);

      // 1. Planned failover: the sentinels promote a replica; the old master is demoted ~10 s later.
      const before = await set.masterPort();
      faults.push({ name: 'sentinel: planned SENTINEL FAILOVER', at: Date.now() });
      expect(await ask(set.sentinels[0].port, 'SENTINEL', 'FAILOVER', SENTINEL_NAME)).toBe('OK');
      await until('the sentinels to name a new master', async () => (await set!.masterPort()) !== before, 20000, 100);
      // (The old master is demoted about 10 s later; the bots must not wait for that.)
      await until('the new master with a replica in sync', () => set!.settled(1, false), 30000, 100);
      await settled();
      await sleep(1500);

      // 2. SIGKILL of the master; once a replica is promoted, the killed server comes back as a replica.
      const killed = set.node((await set.masterPort())!);
      faults.push({ name: 'sentinel: SIGKILL of the master', at: Date.now() });
      await killed.killHard();
      const promoted = await until('a new master', async () => {
        const p = await set!.masterPort();
        return p && p !== killed.port ? p : undefined;
      }, 20000, 100);
      await killed.start(['--replicaof', '127.0.0.1', String(promoted)]);
      await until('the new master with a replica in sync', () => set!.settled(1, false), 30000, 100);
      await settled();
      await sleep(1500);

      // 3. SIGSTOP of the master for 5 s (the sentinels fail over meanwhile), then SIGCONT.
      const stopped = set.node((await set.masterPort())!);
      faults.push({ name: 'sentinel: SIGSTOP of the master for 5 s', at: Date.now() });
      stopped.kill('SIGSTOP');
      await sleep(5000);
      stopped.kill('SIGCONT');
      await until('the sentinels to name a new master', async () => (await set!.masterPort()) !== stopped.port, 20000, 100);
      await until('the new master with a replica in sync', () => set!.settled(1, false), 30000, 100);
      await settled();
      await sleep(2000);
      // Ready again once every sentinel names the new master (slower on a loaded machine).
      await probe.readyAgain();
    } finally {
      await loops.stop();
      await probe.stop();
    }
    const endAt = Date.now();

    const redis = new Redis({ sentinels: set.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })), name: SENTINEL_NAME });
    try {
      const outcome = await checkOutcome(redis, prefix, loops, FACTS);
      const report = { topology: 'sentinel', startedMs, warmMs, faults: reportFaults(faults, loops.turns, endAt), outcome: outcome.summary, readyz503: probe.samples.filter((s) => s.status !== 200).length };
      mkdirSync('test-output', { recursive: true });
      writeFileSync(join('test-output', 'failover-sentinel.json'), JSON.stringify(report, null, 2));
      writeFileSync(join('test-output', 'failover-sentinel-detail.json'), JSON.stringify({ faults, outcome, turns: loops.turns, conversations: loops.conversations, bots: bots.map((b) => b.output().slice(-20000)) }, null, 1));
      // eslint-disable-next-line no-console
      console.log(JSON.stringify(report, null, 2));

      expect(outcome.missing).toEqual([]); // every reference given exists, with its facts
      expect(outcome.wrongFacts).toEqual([]);
      expect(outcome.doubled).toEqual([]); // no case doubled
      expect(outcome.reusedIds).toEqual([]); // no Direct Line activity id reused
      expect(outcome.backwardWatermarks).toEqual([]);
      expect(outcome.confused).toEqual([]); // every conversation continued or said it lost track
      expect(outcome.summary.referencesGiven).toBeGreaterThanOrEqual(3); // a loaded machine makes few turns
      // Cases were created after each fault, not only before the first.
      for (const f of faults) expect(loops.turns.some((t) => t.at > (f.settledAt ?? f.at) && t.result === 'ok')).toBe(true);
      // /readyz said 503 while there was no master (the SIGKILL or the SIGSTOP), and 200 at the end.
      expect(probe.between(faults[1].at, endAt).some((s) => s === 503)).toBe(true);
      expect(probe.samples.at(-1)?.status).toBe(200);
    } finally {
      redis.disconnect();
    }
    for (const b of bots) expect(b.child.exitCode).toBeNull(); // no process exited
  }, 240000);
});
