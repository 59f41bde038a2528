import { RedisStorage } from '../../src/storage/redisStorage';
import { createHarness, Harness } from './harness';

/*
 * The dialog state holds no copy of what it can rebuild: the first message is kept once (in the
 * request's state), not again in the menu's options and the flow's options.
 */
describe('dialog state copies', () => {
  let h: Harness;
  beforeAll(async () => (h = await createHarness()), 60000);
  afterAll(() => h.close());

  it.each([
    ['en', 'refund for FL-100001 please, it is about my order from last week'],
    ['fr', 'remboursement pour FL-100001 svp, ma commande de la semaine dernière'],
  ])('(%s) the first message is stored once while the topic asks its questions', async (locale, first) => {
    const c = h.conversation({ locale, user: `u-${Math.random()}` });
    await c.send(first);
    const storage = new RedisStorage(h.redis as never, { keyspace: h.keys });
    const key = `${c.channelId}/conversations/${c.id}/`;
    const stored = JSON.stringify(await storage.read([key]));
    expect(stored).toContain('FL-100001');
    expect(stored.split(first.slice(0, 30)).length - 1).toBe(1);
  });
});
