import { RedisStorage } from '../../src/storage/redisStorage';
import { createHarness, Harness } from './harness';
import { T } from './flow';

/*
 * The dialog state holds no copy of what it can rebuild: the first message is kept once (in the
 * request's state), not again in the menu's options and the flow's options; the summary question
 * keeps no copy of the request's state in its options, and is rebuilt from the flow when shown
 * again (help, a language switch) or answered.
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

  it('the summary question is rebuilt from the flow: state stored once, shown again after help and a language switch, then confirmed', async () => {
    const c = h.conversation({ locale: 'en', user: `u-${Math.random()}` });
    const first = 'refund for FL-100001, I paid €49 by mistake';
    await c.send(first);
    expect(await c.send('skip')).toContain(T('en')('refund:summary.title'));
    const storage = new RedisStorage(h.redis as never, { keyspace: h.keys });
    const stored = JSON.stringify(await storage.read([`${c.channelId}/conversations/${c.id}/`]));
    expect(stored.split(first).length - 1).toBe(1);
    expect(stored.split('"FL-100001"').length - 1).toBeLessThanOrEqual(2);
    const help = await c.send('help');
    expect(help).toContain(T('en')('refund:summary.title'));
    expect(help).toContain('FL-100001');
    const french = await c.send('français');
    expect(french).toContain(T('fr')('refund:summary.title'));
    expect(french).toContain('FL-100001');
    expect(await c.send('oui')).toMatch(/RF-[A-Z0-9]{5}/);
  });
});
