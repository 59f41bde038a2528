/**
 * Nothing lost on retry (a channel retrying a failed turn's activity id gets it processed), and a
 * case reference of another customer takes the same path as an unknown one.
 */
import { randomUUID } from 'node:crypto';
import { send, startTestApp, texts } from '../support/app';
import type { App } from '../../src/app';
import { RedisCaseRepository } from '../../src/cases/repository';
import type { RedisClient } from '../../src/storage/redisClient';
import { evaluate, type CaseFacts } from '../../src/eligibility';
import { DemoData } from '../../src/services/demo/data';
import { DemoOrdersAdapter } from '../../src/services/demo/adapters';

describe('a retried activity after a failed turn', () => {
  let app: App;
  let baseUrl: string;
  beforeAll(async () => ({ app, baseUrl } = await startTestApp({ TURN_LOCK_WAIT_MS: '200' })));
  afterAll(() => app.close());

  it('is processed when the channel retries it with the same id', async () => {
    const conv = randomUUID();
    const id = randomUUID();
    // The turn fails: the conversation is held by another instance's turn.
    await app.redis.set(app.keys.lock(conv), 'another-instance', 'PX', 5000);
    const first = texts(await send(baseUrl, conv, { id, text: 'help', locale: 'en-US' }));
    expect(first.join(' ')).toContain("I'm still working on your previous message");
    await app.redis.del(app.keys.lock(conv));
    // Same activity id, retried: answered this time.
    const retried = await send(baseUrl, conv, { id, text: 'help', locale: 'en-US' });
    expect(texts(retried).join(' ')).toContain('I can help with four things');
    // Once the turn committed, a duplicate is not run again: it gets the answer already given.
    expect(await send(baseUrl, conv, { id, text: 'help', locale: 'en-US' })).toEqual(retried);
  });
});

/** The Redis commands a piece of code sends (the client itself is real). */
function recording(redis: RedisClient): { client: RedisClient; commands: string[] } {
  const commands: string[] = [];
  const client = new Proxy(redis, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function' || typeof prop !== 'string') return v;
      return (...args: unknown[]) => {
        commands.push(prop);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client, commands };
}

describe("looking up another customer's case", () => {
  let app: App;
  beforeAll(async () => ({ app } = await startTestApp()));
  afterAll(() => app.close());

  it('sends the same Redis commands as an unknown reference (the case is never read)', async () => {
    const owner = { channelId: 'directline', userId: 'alice' };
    const stranger = { channelId: 'directline', userId: 'mallory' };
    const setup = new RedisCaseRepository(app.redis, app.keys);
    const order = await new DemoOrdersAdapter(DemoData.load(), {}).findOrder('FL-100001');
    const facts: CaseFacts = {
      topic: 'refund',
      now: new Date().toISOString(),
      order: order!.facts,
      account: { id: 'ACC-CAMILLE', tier: 'standard', fraudFlag: false, openChargeback: false },
      claims: { orderNumber: 'FL-100001', amount: { minor: 4900, currency: 'EUR' }, reason: 'paid_by_mistake' },
      proof: { screenshot: true },
    };
    const { reference } = await setup.create({
      topic: 'refund',
      profile: 'standard',
      owner,
      facts,
      decision: evaluate({ profile: 'standard', case: facts }, { timeZone: 'Europe/Paris' }),
      language: 'en',
      conversationReference: { channelId: 'directline', serviceUrl: 'http://127.0.0.1:1/', conversation: { id: 'c', isGroup: false, conversationType: 'personal', name: '' }, user: { id: 'alice', name: 'A' } },
    });

    const foreign = recording(app.redis);
    expect(await new RedisCaseRepository(foreign.client, app.keys).getForOwner(reference, stranger)).toBeNull();
    const unknown = recording(app.redis);
    expect(await new RedisCaseRepository(unknown.client, app.keys).getForOwner('RF-ZZZZZ', stranger)).toBeNull();
    expect(foreign.commands).toEqual(unknown.commands);
    expect(foreign.commands).not.toContain('get');

    const own = recording(app.redis);
    expect(await new RedisCaseRepository(own.client, app.keys).getForOwner(reference, owner)).not.toBeNull();
  });
});
