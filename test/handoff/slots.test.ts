/**
 * Issue 13 on the agent desk: no key family that grows with the history lives in the shared `{desk}`
 * Redis Cluster slot. 50 customers are handed to an agent over the real HTTP APIs (embedded Direct Line,
 * agent API), answered, and released or closed; then every key of the bot is counted per slot
 * (cluster-key-slot, the function Redis Cluster uses). Then the desk's and the e-mail outbox's scripts
 * on a real Redis Cluster, where a script whose keys span two slots fails (CROSSSLOT).
 */
import calculateSlot from 'cluster-key-slot';
import type { App } from '../../src/app';
import { hashPassword } from '../../src/agent/auth';
import { translator } from '../../src/i18n';
import { startTestApp } from '../support/app';
import { Agent, Customer } from './clients';
import { ClusterSet } from '../failover/topology';
import { close, connect } from '../storage/helpers';
import { DeskStore, queueScore } from '../../src/handoff/store';
import { Relay } from '../../src/handoff/relay';
import { keyspace } from '../../src/storage/keys';
import { createLogger } from '../../src/logger';
import { AgentAuth } from '../../src/agent/auth';
import { Outbox, mailMessageKey } from '../../src/services/notifications';

const en = translator('en');
const PASSWORD = 'a long enough password';
const N = 50;

describe('the desk across Redis Cluster slots', () => {
  let app: App;
  let baseUrl: string;

  beforeAll(async () => {
    const hash = await hashPassword(PASSWORD);
    ({ app, baseUrl } = await startTestApp({ AGENTS: `alice:${hash}`, RATE_LIMIT_MESSAGES_PER_MINUTE: '1000', DIRECTLINE_TOKENS_PER_MINUTE: '1000' }));
  }, 60000);
  afterAll(() => app?.close());

  async function allKeys(): Promise<string[]> {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await app.redis.scan(cursor, 'MATCH', app.keys.pattern(), 'COUNT', 1000);
      cursor = next;
      out.push(...found);
    } while (cursor !== '0');
    return out;
  }

  async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it(`after ${N} handoffs released or closed, no key of any of those conversations is left under {desk}`, async () => {
    const alice = await new Agent(baseUrl, 'alice').login(PASSWORD);
    const customers: Customer[] = [];
    for (let i = 0; i < N; i += 10) {
      customers.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(10, N - i) }, async () => {
            const c = await new Customer(baseUrl).open();
            await c.say('I want a human');
            await c.waitForText((t) => t.some((x) => x.includes(en('handoff:howToStop'))));
            return c;
          }),
        )),
      );
    }
    const deskSlot = calculateSlot(app.keys.global('desk'));
    const inDesk = (keys: string[]) => keys.filter((k) => calculateSlot(k) === deskSlot);
    // While they wait, their records are live, in the desk's slot (the queue's scripts need them there).
    const waiting = inDesk(await allKeys());
    for (const c of customers) expect(waiting).toContain(app.desk.store.convKey(c.conv));

    for (const [i, c] of customers.entries()) {
      expect((await alice.json('POST', `/conversations/${c.conv}/claim`)).status).toBe(200);
      expect((await alice.json('POST', `/conversations/${c.conv}/messages`, { text: `Hello ${i}` })).status).toBe(201);
      expect((await alice.json('POST', `/conversations/${c.conv}/${i % 2 ? 'close' : 'release'}`)).status).toBe(200);
    }
    // Every customer got the agent's answer and the end notice (the relay is done).
    await until('every outbox delivered', async () => (await app.redis.scard(app.keys.global('desk', 'outpending'))) === 0);
    await customers[N - 1].waitForText((t) => t.some((x) => x.includes(`Hello ${N - 1}`)));

    const keys = await allKeys();
    const desk = inDesk(keys).sort();
    for (const c of customers) {
      const mine = keys.filter((k) => k.includes(c.conv));
      expect(mine.length).toBeGreaterThan(0);
      // Not one key of the conversation in the desk's slot…
      expect(mine.filter((k) => calculateSlot(k) === deskSlot)).toEqual([]);
      // …and every one of them in the conversation's own slot.
      expect(new Set(mine.map((k) => calculateSlot(k)))).toEqual(new Set([calculateSlot(app.keys.lock(c.conv))]));
      // The record is still found (archived), with its outcome.
      expect((await app.desk.store.get(c.conv))?.status).toMatch(/^(closed|released)$/);
    }
    // What stays in the desk's slot: the live coordination keys only, whatever the number of handoffs.
    const names = desk.map((k) => k.slice(app.keys.global('desk').length + 1)).sort();
    for (const name of names) expect(name).toMatch(/^(queue|hb|events|waits|archiving|outpending|proofkey|mine:.*)$/);
    expect(desk.length).toBeLessThanOrEqual(8);

    // Keys per slot: the busiest slot holds a handful of keys (the desk's own, or one conversation's).
    const perSlot = new Map<number, number>();
    for (const k of keys) perSlot.set(calculateSlot(k), (perSlot.get(calculateSlot(k)) ?? 0) + 1);
    const busiest = Math.max(...perSlot.values());
    // eslint-disable-next-line no-console
    console.log(`after ${N} handoffs: ${keys.length} keys over ${perSlot.size} slots; {desk} slot holds ${desk.length} (${names.join(', ')}); busiest slot ${busiest}`);
    expect(busiest).toBeLessThan(30);
  }, 240000);
});

describe('on a real Redis Cluster (3 masters, a replica each): every desk and e-mail script stays in one slot', () => {
  let cluster: ClusterSet;
  let redis: Awaited<ReturnType<typeof connect>>;

  beforeAll(async () => {
    cluster = await ClusterSet.start();
    redis = await connect({ clusterNodes: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })), commandTimeoutMs: 5000 });
  }, 60000);
  afterAll(async () => {
    if (redis) await close(redis);
    await cluster?.stop();
  });

  it('queue, claim, relay, close, archive, sweep; sessions; e-mails queued, recovered and sent', async () => {
    const keys = keyspace(`cl${Date.now() % 100000}`);
    const logger = createLogger('silent');
    const store = new DeskStore(redis, keys, logger);
    const relay = new Relay(store, logger);
    const ids = Array.from({ length: 20 }, (_, i) => `cl-conv-${i}`);
    const now = Date.now();
    for (const id of ids) {
      await store.enqueue({ id, status: 'waiting', tier: 'standard', language: 'en', topic: 'none', reason: 'user_asked', severity: 'normal', caseRef: null, since: now, firstSince: now, ref: '{}', channelId: 'test' }, queueScore('standard', 'normal', now));
    }
    const delivered: string[] = [];
    for (const [i, id] of ids.entries()) {
      expect((await store.claim(id, 'alice', now)).ok).toBe(true);
      await store.set(id, { toldPos: 1 });
      await store.incrUnread(id);
      await relay.append(id, { from: 'agent', agent: 'alice', text: `hello ${i}` });
      await relay.enqueueForCustomer(id, { kind: 'notice', key: 'handoff:claimed' });
      await relay.drain(id, async (item) => void delivered.push(`${id} ${item.kind}`));
      if (i % 2) expect(await store.finish(id, 'alice', 'closed')).toBe(true);
      else expect((await store.stop(id, 'released')).stopped).toBe(true);
      expect(await store.get(id)).toMatchObject({ status: i % 2 ? 'closed' : 'released', toldPos: 1 });
    }
    expect(delivered).toHaveLength(20);
    expect(await store.getMany(ids)).toHaveLength(20);
    expect(await store.finishArchiving()).toBe(0);
    for (const id of ids) expect(await redis.exists(store.convKey(id))).toBe(0);

    const auth = new AgentAuth(redis, keys, [{ name: 'alice', hash: 'x' }], 600);
    const { token } = await auth.open('alice');
    expect(await auth.session(token)).toMatchObject({ name: 'alice' });

    const sent: string[] = [];
    const transport = { kind: 'dev', send: async (m: { id: string }) => void sent.push(m.id), close: async () => undefined } as never;
    const outbox = new Outbox(redis, keys, transport, logger, { maxAttempts: 3, retryBaseMs: 50, pollMs: 20, claimIdleMs: 200 });
    const mail = (id: string) => ({ id, kind: 'agent_answer' as const, reference: 'RF-CLSTR', language: 'en' as const, to: 'x@example.org', subject: 'S', text: 'T', html: 'T' });
    for (let i = 0; i < 10; i++) expect(await outbox.enqueue(mail(`RF-CLSTR:answer:${i}`))).toBe(true);
    expect(await outbox.enqueue(mail('RF-CLSTR:answer:0'))).toBe(false);
    // And one whose enqueue died after marking it.
    const t = Number((await redis.time())[0]) * 1000;
    await redis.zadd(keys.global('mail', 'enqueuing'), t - 40_000, `tok:RF-CLSTR:answer:10`);
    await redis.hset(mailMessageKey(keys, 'RF-CLSTR:answer:10', 'key'), 't', 'tok', 'q', '0', 'mail', JSON.stringify(mail('RF-CLSTR:answer:10')));
    outbox.start();
    const deadline = Date.now() + 15000;
    while (sent.length < 11 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await outbox.stop();
    expect([...sent].sort()).toEqual(Array.from({ length: 11 }, (_, i) => `RF-CLSTR:answer:${i}`).sort());
    expect(await outbox.stats()).toMatchObject({ queued: 11, sent: 11, duplicates: 1, pending: 0 });
  }, 60000);
});
