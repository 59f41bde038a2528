/**
 * The desk across two bot processes on one real Redis: the customer talks to instance A (embedded
 * Direct Line), the agents to instance B (agent API and its event stream).
 */
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { startBotProcess, BotProcess } from '../support/botProcess';
import { hashPassword } from '../../src/agent/auth';
import { translator } from '../../src/i18n';
import { Agent, Customer } from './clients';

const en = translator('en');
const SECRET = 'x'.repeat(40);
const PASSWORD = 'correct horse battery';
const NAMES = ['alice', 'bob', 'hank', ...Array.from({ length: 10 }, (_, i) => `racer${i}`)];

describe('the agent desk on two instances', () => {
  const prefix = `hd${randomUUID().slice(0, 6)}`;
  let a: BotProcess;
  let b: BotProcess;
  let redis: Redis;

  beforeAll(async () => {
    const hash = await hashPassword(PASSWORD);
    const env = {
      REDIS_URL: process.env.TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: prefix,
      DIRECTLINE_SECRET: SECRET,
      AGENTS: NAMES.map((n) => `${n}:${hash}`).join(','),
      AGENT_HEARTBEAT_TIMEOUT_SECONDS: '5',
      RATE_LIMIT_MESSAGES_PER_MINUTE: '1000',
    };
    // One after the other: on a busy machine two ts-node start-ups at once can outlast the start deadline.
    a = await startBotProcess(env);
    b = await startBotProcess(env);
    redis = new Redis(process.env.TEST_REDIS_URL!);
  }, 120000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.quit();
  });

  async function customerAsksForAPerson(opts: Parameters<Customer['open']>[0] = {}): Promise<Customer> {
    const c = await new Customer(a.baseUrl).open(opts);
    await c.say('I want a human');
    await c.waitForText((t) => t.some((x) => x.includes(en('handoff:howToStop'))));
    return c;
  }

  it('rejects agent calls without a session, with a wrong one, with a customer token, and a wrong password', async () => {
    const customer = await new Customer(a.baseUrl).open();
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer agt_wrong' }, { authorization: `Bearer ${customer.token}` }, { authorization: `Bearer ${SECRET}` }]) {
      for (const [method, path] of [['GET', '/queue'], ['GET', '/events'], ['POST', `/conversations/${customer.conv}/claim`], ['GET', '/me']]) {
        const res = await fetch(`${b.baseUrl}/api/agent${path}`, { method, headers });
        expect([path, res.status]).toEqual([path, 401]);
        await res.body?.cancel();
      }
    }
    const bad = await fetch(`${b.baseUrl}/api/agent/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'alice', password: 'nope' }) });
    expect(bad.status).toBe(401);
    expect((await bad.json()).error).toBe('invalid_credentials');
    const unknown = await fetch(`${b.baseUrl}/api/agent/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'mallory', password: 'nope' }) });
    expect(unknown.status).toBe(401);

    // A signed-out token stops working at once.
    const alice = await new Agent(b.baseUrl, 'alice').login(PASSWORD);
    expect((await alice.json('GET', '/me')).status).toBe(200);
    expect((await alice.json('POST', '/logout')).status).toBe(204);
    expect((await alice.json('GET', '/me')).status).toBe(401);
  }, 30000);

  it('100 messages each way, interleaved, arrive in order, none lost, none doubled; the agent sees the request in its stream', async () => {
    const alice = await new Agent(b.baseUrl, 'alice').login(PASSWORD);
    const stream = alice.stream();
    await stream.waitFor((e) => e.some((x) => x.event === 'queue'));
    const customer = await customerAsksForAPerson();
    await stream.waitFor((e) => e.some((x) => x.event === 'queue' && x.data.items.some((i: any) => i.id === customer.conv)));

    const claimed = await alice.json('POST', `/conversations/${customer.conv}/claim`);
    expect(claimed.status).toBe(200);
    expect(claimed.body.conversation.transcript.map((e: any) => e.text)).toContain('I want a human');
    await customer.waitForText((t) => t.includes(en('handoff:claimed', { name: 'alice' })));

    const N = 100;
    await Promise.all([
      (async () => {
        for (let i = 0; i < N; i++) await customer.say(`from customer ${i}`);
      })(),
      (async () => {
        for (let i = 0; i < N; i++) {
          const r = await alice.json('POST', `/conversations/${customer.conv}/messages`, { text: `from agent ${i}` });
          expect(r.status).toBe(201);
        }
      })(),
    ]);

    const fromCustomer = (events: typeof stream.events) =>
      events.filter((e) => e.event === 'message' && e.data.conversationId === customer.conv && e.data.entry.from === 'customer').map((e) => e.data.entry.text);
    await stream.waitFor((e) => fromCustomer(e).length >= N);
    expect(fromCustomer(stream.events)).toEqual(Array.from({ length: N }, (_, i) => `from customer ${i}`));

    const agentTexts = (texts: string[]) => texts.filter((t) => t.startsWith('alice: from agent'));
    const seen = await customer.waitForText((t) => agentTexts(t).length >= N, 30000);
    expect(agentTexts(seen)).toEqual(Array.from({ length: N }, (_, i) => en('handoff:agentMessage', { name: 'alice', text: `from agent ${i}` })));
    // The bot stayed quiet: no menu, no "I didn't understand" among the replies.
    expect(seen.filter((t) => t.includes(en('common:menu.retry')))).toEqual([]);

    // Event ids only grow.
    const ids = stream.events.map((e) => e.id);
    expect([...ids].sort(cmp)).toEqual(ids);
    stream.close();
    expect((await alice.json('POST', `/conversations/${customer.conv}/close`)).status).toBe(200);
    await customer.waitForText((t) => t.includes(en('handoff:closedNoCase')));
  }, 120000);

  it('a Pro customer who arrives last is served first', async () => {
    const first = await customerAsksForAPerson();
    const second = await customerAsksForAPerson();
    const pro = await customerAsksForAPerson({ secret: SECRET, verifiedAccountId: 'ACC-NORTHWIND' });
    const bob = await new Agent(b.baseUrl, 'bob').login(PASSWORD);
    const { items } = await bob.queue();
    const order = items.map((i) => i.id).filter((id) => [first.conv, second.conv, pro.conv].includes(id));
    expect(order).toEqual([pro.conv, first.conv, second.conv]);
    expect(items.find((i) => i.id === pro.conv).tier).toBe('pro');
    for (const c of [pro, first, second]) {
      expect((await bob.json('POST', `/conversations/${c.conv}/claim`)).status).toBe(200);
      expect((await bob.json('POST', `/conversations/${c.conv}/release`)).status).toBe(200);
    }
  }, 60000);

  it('10 agents race for one claim: exactly one wins, the others get 409 with the winner', async () => {
    const customer = await customerAsksForAPerson();
    const racers = await Promise.all(NAMES.filter((n) => n.startsWith('racer')).map((n) => new Agent(n.endsWith('1') ? a.baseUrl : b.baseUrl, n).login(PASSWORD)));
    const results = await Promise.all(racers.map((r) => r.json('POST', `/conversations/${customer.conv}/claim`)));
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    const winner = racers[results.indexOf(winners[0])];
    const losers = results.filter((r) => r.status === 409);
    expect(losers).toHaveLength(9);
    for (const l of losers) expect(l.body).toMatchObject({ error: 'already_claimed', by: winner.name });
    // Only the winner may act on it.
    const other = racers.find((r) => r !== winner)!;
    expect((await other.json('GET', `/conversations/${customer.conv}`)).status).toBe(403);
    expect((await other.json('POST', `/conversations/${customer.conv}/messages`, { text: 'hi' })).status).toBe(403);
    expect((await winner.json('POST', `/conversations/${customer.conv}/close`)).status).toBe(200);
  }, 60000);

  it('an event stream killed mid-conversation reconnects with Last-Event-ID and gets what it missed, in order; typing both ways', async () => {
    const alice = await new Agent(b.baseUrl, 'alice').login(PASSWORD);
    const customer = await customerAsksForAPerson();
    expect((await alice.json('POST', `/conversations/${customer.conv}/claim`)).status).toBe(200);
    const first = alice.stream();
    await first.waitFor((e) => e.some((x) => x.event === 'queue'));
    await customer.say('before the cut');
    await first.waitFor((e) => e.some((x) => x.event === 'message' && x.data.entry.text === 'before the cut'));
    const lastId = first.events[first.events.length - 1].id;
    first.close();
    for (const text of ['missed 1', 'missed 2', 'missed 3']) await customer.say(text);
    const second = alice.stream(lastId);
    const texts = (e: typeof second.events) => e.filter((x) => x.event === 'message' && x.data.conversationId === customer.conv).map((x) => x.data.entry.text);
    await second.waitFor((e) => texts(e).length >= 3);
    await customer.say('live again');
    await second.waitFor((e) => texts(e).includes('live again'));
    expect(texts(second.events)).toEqual(['missed 1', 'missed 2', 'missed 3', 'live again']);
    expect(second.events.every((e) => cmp(e.id, lastId) > 0)).toBe(true);

    // Typing, both ways, across the instances.
    const typing = await customer.dl.post(customer.token, customer.conv, { type: 'typing', from: { id: 'user' } });
    expect(typing.status).toBe(200);
    await second.waitFor((e) => e.some((x) => x.event === 'typing' && x.data.conversationId === customer.conv));
    expect((await alice.json('POST', `/conversations/${customer.conv}/typing`)).status).toBe(204);
    const deadline = Date.now() + 15000;
    while (!(await customer.all()).some((x) => x.type === 'typing' && x.from?.role === 'bot')) {
      if (Date.now() > deadline) throw new Error('the customer never saw the agent typing');
      await new Promise((r) => setTimeout(r, 100));
    }
    second.close();
    expect((await alice.json('POST', `/conversations/${customer.conv}/close`)).status).toBe(200);
  }, 60000);

  it("an agent's heartbeat stops: the conversation goes back to the front of the queue and the customer is told", async () => {
    const hank = await new Agent(b.baseUrl, 'hank').login(PASSWORD);
    const waiting = await customerAsksForAPerson();
    const customer = await customerAsksForAPerson();
    expect((await hank.json('POST', `/conversations/${customer.conv}/claim`)).status).toBe(200);
    // No heartbeat, no event stream: after AGENT_HEARTBEAT_TIMEOUT_SECONDS (5 s) the sweeper acts.
    await customer.waitForText((t) => t.some((x) => x.startsWith(en('handoff:agentLeft', { position: 1 }).slice(0, 40))), 20000);
    const alice = await new Agent(b.baseUrl, 'alice').login(PASSWORD);
    const { items } = await alice.queue();
    const ids = items.map((i) => i.id);
    expect(ids).toContain(customer.conv);
    expect(ids.indexOf(customer.conv)).toBeLessThan(ids.indexOf(waiting.conv));
    expect((await hank.json('POST', `/conversations/${customer.conv}/messages`, { text: 'still there?' })).status).toBe(409);
    for (const c of [customer, waiting]) {
      expect((await alice.json('POST', `/conversations/${c.conv}/claim`)).status).toBe(200);
      expect((await alice.json('POST', `/conversations/${c.conv}/close`)).status).toBe(200);
    }
  }, 60000);
});

function cmp(x: string, y: string): number {
  const [xm, xs] = x.split('-').map(Number);
  const [ym, ys] = y.split('-').map(Number);
  return xm - ym || xs - ys;
}
