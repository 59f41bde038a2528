/**
 * Issue 13 on the agent desk: no key family that grows with the history lives in the shared `{desk}`
 * Redis Cluster slot. 50 customers are handed to an agent over the real HTTP APIs (embedded Direct Line,
 * agent API), answered, and released or closed; then every key of the bot is counted per slot
 * (cluster-key-slot, the function Redis Cluster uses).
 */
import calculateSlot from 'cluster-key-slot';
import type { App } from '../../src/app';
import { hashPassword } from '../../src/agent/auth';
import { translator } from '../../src/i18n';
import { startTestApp } from '../support/app';
import { Agent, Customer } from './clients';

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
