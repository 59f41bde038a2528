import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpAccountsAdapter, HttpAdsAdapter, HttpOrdersAdapter } from '../../src/services/http/adapters';
import { isServiceFailure, ServiceContractError, ServiceUnavailableError, type Ad } from '../../src/services/ports';
import { orderFactsSchema } from '../../src/eligibility/schema';
import { fakeService, json, type Handler } from '../support/fakeService';

let handler: Handler;
const service = fakeService((req, res, body) => handler(req, res, body));
const requests = service.requests;
beforeEach(() => {
  handler = (_req, res) => json(res, 500, { error: 'no handler' });
});

const TIMEOUT_MS = 400;
const opts = () => ({ baseUrl: service.baseUrl, token: 's3cret', timeoutMs: TIMEOUT_MS });

const ORDER = {
  facts: {
    id: 'FL-100001',
    serviceType: 'ad',
    status: 'pending',
    amountPaid: { minor: 4900, currency: 'EUR' },
    paymentMethod: 'card',
    paidAt: '2031-03-13T10:00:00Z',
    adBroadcast: 'not_started',
    somethingNew: 'dropped',
  },
  ownerAccountId: 'ACC-1',
  label: 'Ad: Spring sale',
  adId: 'AD-1',
};

const AD: Ad = {
  id: 'AD-1',
  orderId: 'FL-100001',
  ownerAccountId: 'ACC-1',
  status: 'broadcasting',
  targeting: { locations: ['FR'], ageMin: 18, ageMax: 35, interests: ['design'] },
  callToAction: 'learn_more',
  startsAt: '2031-03-14T10:00:00Z',
  endsAt: '2031-03-21T10:00:00Z',
  post: { title: 'Hello', text: 'World' },
  updatedAt: '2031-03-14T10:00:00Z',
};

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('HTTP orders adapter', () => {
  const orders = () => new HttpOrdersAdapter(opts());

  it('happy path: GET /orders/{number}?accountId=… with the bearer token; facts fit the engine schema', async () => {
    handler = (_req, res) => json(res, 200, ORDER);
    const o = await orders().findOrder('fl 100001', { accountId: 'ACC-1' });
    expect(o).not.toBeNull();
    expect(o!.facts.id).toBe('FL-100001');
    expect(o!.facts).not.toHaveProperty('somethingNew');
    expect(orderFactsSchema.parse(o!.facts)).toEqual(o!.facts);
    expect(o!.adId).toBe('AD-1');
    expect(requests).toHaveLength(1);
    expect(requests[0].method).toBe('GET');
    expect(requests[0].url).toBe('/api/v1/orders/FL-100001?accountId=ACC-1');
    expect(requests[0].headers.authorization).toBe('Bearer s3cret');
    expect(requests[0].headers.accept).toBe('application/json');
  });

  it('404 → null', async () => {
    handler = (_req, res) => json(res, 404, { error: 'not found' });
    expect(await orders().findOrder('FL-100001', { accountId: 'ACC-1' })).toBeNull();
  });

  it('an order owned by another account → null, as if unknown', async () => {
    handler = (_req, res) => json(res, 200, ORDER);
    expect(await orders().findOrder('FL-100001', { accountId: 'ACC-2' })).toBeNull();
  });

  it('no verified account: null without calling the service, unless anonymous lookups are allowed', async () => {
    handler = (_req, res) => json(res, 200, ORDER);
    expect(await orders().findOrder('FL-100001')).toBeNull();
    expect(requests).toHaveLength(0);
    expect(await new HttpOrdersAdapter({ ...opts(), allowAnonymous: true }).findOrder('FL-100001')).not.toBeNull();
    expect(requests[0].url).toBe('/api/v1/orders/FL-100001');
  });

  it('an invalid order number → null without calling the service', async () => {
    expect(await orders().findOrder('hello', { accountId: 'ACC-1' })).toBeNull();
    expect(requests).toHaveLength(0);
  });

  it.each([500, 502, 503, 429, 408])('%i → ServiceUnavailableError with the status', async (status) => {
    handler = (_req, res) => json(res, status, { error: 'boom' });
    const err = await rejection(orders().findOrder('FL-100001', { accountId: 'ACC-1' }));
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect((err as ServiceUnavailableError).status).toBe(status);
    expect((err as ServiceUnavailableError).service).toBe('orders');
  });

  it.each([401, 403])('%i (token rejected) → ServiceUnavailableError naming the setting', async (status) => {
    handler = (_req, res) => json(res, status, {});
    const err = await rejection(orders().findOrder('FL-100001', { accountId: 'ACC-1' }));
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err.message).toMatch(/SERVICES_API_TOKEN/);
  });

  it('no answer → ServiceUnavailableError within the timeout', async () => {
    handler = () => undefined; // never answers
    const started = Date.now();
    const err = await rejection(orders().findOrder('FL-100001', { accountId: 'ACC-1' }));
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err.message).toMatch(/no answer within 400 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 400);
  });

  it('a body that stalls half-way → ServiceUnavailableError within the timeout', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"facts":');
    };
    const started = Date.now();
    const err = await rejection(orders().findOrder('FL-100001', { accountId: 'ACC-1' }));
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 400);
  });

  it.each([
    ['not JSON', 'this is <html> not json'],
    ['JSON of the wrong shape', '{"facts":{"id":"FL-100001"},"ownerAccountId":"ACC-1"}'],
    ['an array', '[]'],
    ['null', 'null'],
    ['money as a float', JSON.stringify({ ...ORDER, facts: { ...ORDER.facts, amountPaid: { minor: 49.5, currency: 'EUR' } } })],
    ['another order than the one asked for', JSON.stringify({ ...ORDER, facts: { ...ORDER.facts, id: 'FL-999999' } })],
    ['an empty body', ''],
  ])('200 with %s → ServiceContractError', async (_what, body) => {
    handler = (_req, res) => json(res, 200, body);
    const err = await rejection(orders().findOrder('FL-100001', { accountId: 'ACC-1' }));
    expect(err).toBeInstanceOf(ServiceContractError);
    expect((err as ServiceContractError).service).toBe('orders');
  });

  it('names the wrong fields of a wrong answer, never its values', async () => {
    handler = (_req, res) => json(res, 200, { ...ORDER, facts: { ...ORDER.facts, serviceType: 'SECRET-VALUE' } });
    const err = (await rejection(orders().findOrder('FL-100001', { accountId: 'ACC-1' }))) as ServiceContractError;
    expect(err.issues.join('\n')).toMatch(/facts\.serviceType/);
    expect(JSON.stringify(err.issues) + err.message).not.toMatch(/SECRET-VALUE/);
  });

  it.each([400, 409, 302, 204])('unexpected %i → ServiceContractError', async (status) => {
    handler = (_req, res) => {
      res.writeHead(status, status === 302 ? { location: 'http://example.invalid/' } : {});
      res.end();
    };
    expect(await rejection(orders().findOrder('FL-100001', { accountId: 'ACC-1' }))).toBeInstanceOf(ServiceContractError);
  });

  it('an answer larger than the limit → ServiceContractError', async () => {
    handler = (_req, res) => json(res, 200, { ...ORDER, label: 'x'.repeat(5000) });
    const small = new HttpOrdersAdapter({ ...opts(), maxResponseBytes: 1000 });
    expect(await rejection(small.findOrder('FL-100001', { accountId: 'ACC-1' }))).toBeInstanceOf(ServiceContractError);
  });

  it('connection refused → ServiceUnavailableError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const adapter = new HttpOrdersAdapter({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: TIMEOUT_MS });
    const err = await rejection(adapter.findOrder('FL-100001', { accountId: 'ACC-1' }));
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(isServiceFailure(err)).toBe(true);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });
});

describe('HTTP accounts adapter', () => {
  const accounts = () => new HttpAccountsAdapter(opts());

  it('GET /accounts/{id} → the account with its verified tier', async () => {
    handler = (_req, res) => json(res, 200, { id: 'ACC-1', tier: 'pro', fraudFlag: false, openChargeback: false, displayName: 'Northwind' });
    expect(await accounts().getAccount('ACC-1')).toEqual({ id: 'ACC-1', tier: 'pro', fraudFlag: false, openChargeback: false, displayName: 'Northwind' });
    expect(requests[0].url).toBe('/api/v1/accounts/ACC-1');
  });

  it('GET /accounts?channelId=…&userId=… finds the account of a channel user; 404 → null', async () => {
    handler = (_req, res) => json(res, 404, {});
    expect(await accounts().findAccountForUser({ channelId: 'msteams', userId: '29:1a b/c' })).toBeNull();
    expect(requests[0].url).toBe('/api/v1/accounts?channelId=msteams&userId=29%3A1a+b%2Fc');
  });

  it('a tier that is not pro or standard → ServiceContractError', async () => {
    handler = (_req, res) => json(res, 200, { id: 'ACC-1', tier: 'gold', fraudFlag: false, openChargeback: false });
    expect(await rejection(accounts().getAccount('ACC-1'))).toBeInstanceOf(ServiceContractError);
  });

  it('another account than the one asked for → ServiceContractError', async () => {
    handler = (_req, res) => json(res, 200, { id: 'ACC-2', tier: 'pro', fraudFlag: false, openChargeback: false });
    expect(await rejection(accounts().getAccount('ACC-1'))).toBeInstanceOf(ServiceContractError);
  });
});

describe('HTTP ads adapter', () => {
  const ads = () => new HttpAdsAdapter(opts());

  it('GET /ads/{id} → the ad; someone else\'s ad → null', async () => {
    handler = (_req, res) => json(res, 200, AD);
    expect(await ads().getAd('AD-1', { accountId: 'ACC-1' })).toEqual(AD);
    expect(requests[0].url).toBe('/api/v1/ads/AD-1?accountId=ACC-1');
    expect(await ads().getAd('AD-1', { accountId: 'ACC-2' })).toBeNull();
  });

  it('POST /ads/{id}/changes sends the change and returns before/after', async () => {
    const after = { ...AD, status: 'paused' as const };
    handler = (_req, res) => json(res, 200, { ok: true, ad: after, changes: [{ field: 'status', before: 'broadcasting', after: 'paused' }] });
    const r = await ads().changeAd('AD-1', { kind: 'pause' }, { accountId: 'ACC-1', by: 'user:u1' });
    expect(r).toEqual({ ok: true, ad: after, changes: [{ field: 'status', before: 'broadcasting', after: 'paused' }] });
    expect(requests[0].method).toBe('POST');
    expect(requests[0].url).toBe('/api/v1/ads/AD-1/changes');
    expect(requests[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(requests[0].body)).toEqual({ change: { kind: 'pause' }, accountId: 'ACC-1', by: 'user:u1' });
  });

  it('a refusal is a normal answer', async () => {
    handler = (_req, res) => json(res, 200, { ok: false, reason: 'ad_finished', ad: { ...AD, status: 'finished' } });
    expect(await ads().changeAd('AD-1', { kind: 'pause' }, { accountId: 'ACC-1' })).toMatchObject({ ok: false, reason: 'ad_finished' });
  });

  it('a change result without before/after, or about another owner\'s ad → ServiceContractError', async () => {
    handler = (_req, res) => json(res, 200, { ok: true, ad: AD, changes: [] });
    expect(await rejection(ads().changeAd('AD-1', { kind: 'pause' }, { accountId: 'ACC-1' }))).toBeInstanceOf(ServiceContractError);
    handler = (_req, res) => json(res, 200, { ok: true, ad: { ...AD, ownerAccountId: 'ACC-9' }, changes: [{ field: 'status', before: 'broadcasting', after: 'paused' }] });
    expect(await rejection(ads().changeAd('AD-1', { kind: 'pause' }, { accountId: 'ACC-1' }))).toBeInstanceOf(ServiceContractError);
  });

  it('404 → null; 503 → ServiceUnavailableError', async () => {
    handler = (_req, res) => json(res, 404, {});
    expect(await ads().changeAd('AD-1', { kind: 'pause' }, { accountId: 'ACC-1' })).toBeNull();
    handler = (_req, res) => json(res, 503, {});
    expect(await rejection(ads().getAd('AD-1', { accountId: 'ACC-1' }))).toBeInstanceOf(ServiceUnavailableError);
  });
});
