import Redis from 'ioredis';
import { keyspace } from '../../src/storage/keys';
import { createServices } from '../../src/services';
import { applyAdChange, effectiveAdStatus } from '../../src/services/adChanges';
import { DemoData } from '../../src/services/demo/data';
import { DemoAdsAdapter } from '../../src/services/demo/adapters';
import type { Ad, AdChangeResult } from '../../src/services/ports';

const NOW = new Date('2031-03-15T10:00:00.000Z');
const at = (days: number) => new Date(NOW.getTime() + days * 86_400_000).toISOString();
const data = DemoData.load();
const keys = keyspace(`test-ads-${process.pid}-${Date.now()}`);
let redis: Redis;

beforeAll(() => {
  redis = new Redis(process.env.TEST_REDIS_URL as string);
});
afterAll(async () => {
  const found = await redis.keys(keys.pattern());
  if (found.length) await redis.del(...found);
  await redis.quit();
});

/** A fresh adapter, as another bot instance would have (nothing shared but Redis). */
const instance = (now = NOW) => new DemoAdsAdapter(data, redis, keys, { now: () => now });
const ok = (r: AdChangeResult | null) => {
  if (!r || !r.ok) throw new Error(`expected a change, got ${JSON.stringify(r)}`);
  return r;
};

describe('demo ads adapter (Redis)', () => {
  it('pausing a broadcasting ad returns before/after and persists in Redis for every instance', async () => {
    const a = instance();
    expect((await a.getAd('AD-100002'))?.status).toBe('broadcasting');
    const r = ok(await a.changeAd('AD-100002', { kind: 'pause' }, { accountId: 'ACC-NORTHWIND', by: 'user:u1' }));
    expect(r.changes).toEqual([{ field: 'status', before: 'broadcasting', after: 'paused' }]);
    expect(r.ad.status).toBe('paused');
    expect(r.ad.updatedAt).toBe(NOW.toISOString());

    expect(await redis.exists(a.key('AD-100002'))).toBe(1);
    expect(await redis.pttl(a.key('AD-100002'))).toBeGreaterThan(29 * 86_400_000);
    const b = instance();
    expect((await b.getAd('AD-100002'))?.status).toBe('paused');
    expect(await b.changeAd('AD-100002', { kind: 'pause' })).toMatchObject({ ok: false, reason: 'already_paused' });
  });

  it('changing the targeting reports the whole before and after', async () => {
    const r = ok(await instance().changeAd('AD-100001', { kind: 'targeting', targeting: { ageMin: 30, interests: ['cooking'] } }));
    expect(r.changes).toEqual([
      {
        field: 'targeting',
        before: { locations: ['FR'], ageMin: 25, ageMax: 45, interests: ['cooking', 'home'] },
        after: { locations: ['FR'], ageMin: 30, ageMax: 45, interests: ['cooking'] },
      },
    ]);
    expect((await instance().getAd('AD-100001'))?.targeting.ageMin).toBe(30);
  });

  it('call to action, post and duration', async () => {
    const cta = ok(await instance().changeAd('AD-100004', { kind: 'call_to_action', callToAction: 'book_now' }));
    expect(cta.changes).toEqual([{ field: 'callToAction', before: 'sign_up', after: 'book_now' }]);
    const post = ok(await instance().changeAd('AD-100004', { kind: 'post', post: { text: 'Every Sunday at 9.' } }));
    expect(post.changes[0]).toMatchObject({ field: 'post', before: { text: 'Free group runs every Sunday morning, all levels welcome.' }, after: { text: 'Every Sunday at 9.' } });
    const dur = ok(await instance().changeAd('AD-100004', { kind: 'duration', endsAt: at(10) }));
    expect(dur.changes).toEqual([{ field: 'endsAt', before: at(6), after: at(10) }]);
    const ad = (await instance().getAd('AD-100004')) as Ad;
    expect([ad.callToAction, ad.post.text, ad.endsAt]).toEqual(['book_now', 'Every Sunday at 9.', at(10)]);
  });

  it('two instances pausing at once: exactly one wins, the other is told it is already paused', async () => {
    const key = instance().key('AD-100002');
    await redis.del(key);
    const results = await Promise.all(Array.from({ length: 10 }, () => instance().changeAd('AD-100002', { kind: 'pause' })));
    expect(results.filter((r) => r?.ok)).toHaveLength(1);
    expect(results.filter((r) => r && !r.ok && r.reason === 'already_paused')).toHaveLength(9);
  });

  it('concurrent edits of different fields are all kept (no lost update)', async () => {
    await redis.del(instance().key('AD-100003'));
    const changes = [
      instance().changeAd('AD-100003', { kind: 'call_to_action', callToAction: 'get_offer' }),
      instance().changeAd('AD-100003', { kind: 'post', post: { title: 'Autumn garden care' } }),
      instance().changeAd('AD-100003', { kind: 'targeting', targeting: { locations: ['Lyon', 'Villeurbanne'] } }),
    ];
    expect((await Promise.all(changes)).every((r) => r?.ok)).toBe(true);
    const ad = (await instance().getAd('AD-100003')) as Ad;
    expect(ad.callToAction).toBe('get_offer');
    expect(ad.post.title).toBe('Autumn garden care');
    expect(ad.targeting.locations).toEqual(['Lyon', 'Villeurbanne']);
  });

  it('ownership: someone else\'s ad is null; unknown ad is null', async () => {
    expect(await instance().getAd('AD-100002', { accountId: 'ACC-CAMILLE' })).toBeNull();
    expect(await instance().changeAd('AD-100002', { kind: 'resume' }, { accountId: 'ACC-CAMILLE' })).toBeNull();
    expect(await instance().getAd('AD-999999')).toBeNull();
  });

  it('demo orders report the ad state changed through the ads port', async () => {
    const own = keyspace(`${keys.prefix}-wired`);
    const services = createServices({ services: { timeoutMs: 1000 } }, redis, own, { demoData: data, now: () => NOW });
    expect((await services.orders.findOrder('FL-100002'))?.facts.adBroadcast).toBe('broadcasting');
    ok(await services.ads.changeAd('AD-100002', { kind: 'pause' }, { accountId: 'ACC-NORTHWIND' }));
    expect((await services.orders.findOrder('FL-100002'))?.facts.adBroadcast).toBe('paused');
    await redis.del(...(await redis.keys(own.pattern())));
  });

  it('createServices uses the demo adapters without URLs and the HTTP ones with', () => {
    const base = { timeoutMs: 1000 };
    expect(createServices({ services: base }, redis, keys, { demoData: data }).kinds).toEqual({ orders: 'demo', accounts: 'demo', ads: 'demo', invoices: 'demo', merchants: 'demo' });
    const http = createServices(
      { services: { ...base, ordersUrl: 'http://o', accountsUrl: 'http://a', adsUrl: 'http://x', invoicesUrl: 'http://i', merchantsUrl: 'http://m' } },
      redis,
      keys,
    );
    expect(http.kinds).toEqual({ orders: 'http', accounts: 'http', ads: 'http', invoices: 'http', merchants: 'http' });
  });
});

describe('ad change rules (pure)', () => {
  const base: Ad = {
    id: 'AD-1',
    orderId: 'FL-000001',
    ownerAccountId: 'ACC-1',
    status: 'broadcasting',
    targeting: { locations: ['FR'], ageMin: 18, ageMax: 35, interests: [] },
    callToAction: 'learn_more',
    startsAt: at(-1),
    endsAt: at(6),
    post: { title: 'T', text: 'X' },
    updatedAt: at(-2),
  };

  it.each([
    ['pause a finished ad', { ...base, status: 'finished' as const }, { kind: 'pause' as const }, 'ad_finished'],
    ['pause an ad not started', { ...base, status: 'not_started' as const }, { kind: 'pause' as const }, 'not_started'],
    ['resume a broadcasting ad', base, { kind: 'resume' as const }, 'not_paused'],
    ['end before the start', base, { kind: 'duration' as const, endsAt: at(-2) }, 'invalid_change'],
    ['end in the past for a running ad', base, { kind: 'duration' as const, endsAt: at(-0.5) }, 'invalid_change'],
    ['ages reversed', base, { kind: 'targeting' as const, targeting: { ageMin: 40 } }, 'invalid_change'],
    ['no location', base, { kind: 'targeting' as const, targeting: { locations: [] } }, 'invalid_change'],
    ['empty post text', base, { kind: 'post' as const, post: { text: '' } }, 'invalid_change'],
    ['same call to action', base, { kind: 'call_to_action' as const, callToAction: 'learn_more' as const }, 'no_change'],
    ['unknown change', base, { kind: 'delete' } as never, 'invalid_change'],
  ])('%s → %s', (_what, ad, change, reason) => {
    expect(applyAdChange(ad, change, NOW)).toEqual({ ok: false, reason, ad });
  });

  it('extending a finished ad into the future runs it again', () => {
    const r = applyAdChange({ ...base, status: 'finished', startsAt: at(-20), endsAt: at(-5) }, { kind: 'duration', endsAt: at(3) }, NOW);
    expect(r.ok && r.changes).toEqual([
      { field: 'endsAt', before: at(-5), after: at(3) },
      { field: 'status', before: 'finished', after: 'broadcasting' },
    ]);
  });

  it('a stored ad ages: broadcasting past its end is finished, not started past its start is broadcasting', () => {
    expect(effectiveAdStatus({ ...base, endsAt: at(-1), startsAt: at(-3) }, NOW)).toBe('finished');
    expect(effectiveAdStatus({ ...base, status: 'not_started', startsAt: at(-1) }, NOW)).toBe('broadcasting');
    expect(effectiveAdStatus({ ...base, status: 'paused', endsAt: at(-1), startsAt: at(-3) }, NOW)).toBe('paused');
  });
});
