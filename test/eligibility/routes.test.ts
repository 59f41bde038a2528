/** The eligibility API over real HTTP, on a restify server listening on a free port. */
import restify from 'restify';
import type { AddressInfo } from 'node:net';
import { registerEligibilityRoutes } from '../../src/server/eligibilityRoutes';
import { eur, kase, order } from './fixtures';

const KEY = 'test-key-0123456789abcdef';
const OTHER_KEY = 'other-key-0123456789abcdef';
const auth = { authorization: `Bearer ${KEY}` };

async function start(apiKeys: string[] = [OTHER_KEY, KEY], holidaysCountry?: string | null) {
  const server = restify.createServer({ handleUncaughtExceptions: false });
  registerEligibilityRoutes(server, { timeZone: 'Europe/Paris', defaultProfile: 'standard', maxBodyBytes: 16 * 1024, apiKeys, holidaysCountry });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

const workedCase1 = kase({ order: order({ adBroadcast: 'not_started' }), claims: { reason: 'paid_by_mistake', amount: eur(3000) } });

describe('eligibility API', () => {
  let server: restify.Server;
  let url: string;
  beforeAll(async () => ({ server, url } = await start()));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = (body: string, type = 'application/json') =>
    fetch(`${url}/api/eligibility`, { method: 'POST', headers: { 'content-type': type, ...auth }, body });

  test('POST a case → 200 and the decision', async () => {
    const res = await post(JSON.stringify({ case: workedCase1 }));
    expect(res.status).toBe(200);
    const d = await res.json();
    expect(d).toMatchObject({
      outcome: 'provisional_approval',
      profile: 'standard',
      clauses: ['R1.1', 'R2.1', 'R2.2', 'R4', 'R5.1', 'R5.2', 'R5.4'],
      refund: { destination: 'same_card', amount: { minor: 3000, currency: 'EUR' } },
      // Monday 20 May 2024 is Whit Monday, a public holiday in France (the default HOLIDAYS_COUNTRY).
      timeline: { kind: 'business_days', earliest: '2024-05-21', latest: '2024-05-30' },
    });
    expect(d.facts).toEqual(expect.arrayContaining([{ code: 'ad.not_broadcast' }, { code: 'request.reason', values: { reason: 'paid_by_mistake' } }]));
  });

  test('a currency that is not an ISO 4217 code → 400 naming each one', async () => {
    const bad = { case: { ...workedCase1, order: { ...order({ adBroadcast: 'not_started' }), amountPaid: { minor: 3000, currency: 'XYZ' } }, claims: { reason: 'paid_by_mistake', amount: { minor: 3000, currency: 'EUX' } } } };
    const res = await post(JSON.stringify(bad));
    expect(res.status).toBe(400);
    const fields = (await res.json()).error.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['case.claims.amount.currency', 'case.order.amountPaid.currency']);
    const ok = await post(JSON.stringify({ case: { ...workedCase1, order: { ...order({ adBroadcast: 'not_started' }), amountPaid: { minor: 3000, currency: 'CHF' } }, claims: { reason: 'paid_by_mistake', amount: { minor: 3000, currency: 'CHF' } } } }));
    expect(ok.status).toBe(200);
  });

  test('the profile in the body wins over the default', async () => {
    const res = await post(JSON.stringify({ profile: 'balance-only', case: workedCase1 }));
    const d = await res.json();
    expect(d.profile).toBe('balance-only');
    expect(d.refund.destination).toBe('balance');
  });

  test('bad input → 400 listing each wrong field', async () => {
    const bad = {
      case: {
        ...workedCase1,
        topic: 'refunds',
        order: { ...order(), amountPaid: { minor: -5, currency: 'euro' } },
        claims: { reason: 'paid_by_mistake', insistOnRefund: true },
      },
    };
    const res = await post(JSON.stringify(bad));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('InvalidInput');
    const fields = body.error.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual([
      'case.claims.insistOnRefund',
      'case.order.amountPaid.currency',
      'case.order.amountPaid.minor',
      'case.topic',
    ]);
  });

  test('missing case → 400 naming it', async () => {
    const res = await post(JSON.stringify({ profile: 'standard' }));
    expect(res.status).toBe(400);
    expect((await res.json()).error.fields).toEqual([expect.objectContaining({ field: 'case' })]);
  });

  test('invalid JSON → 400', async () => {
    const res = await post('{"case": ');
    expect(res.status).toBe(400);
  });

  test('GET the JSON Schema of the input, generated from the zod schema', async () => {
    const res = await fetch(`${url}/api/eligibility/schema`, { headers: auth });
    expect(res.status).toBe(200);
    const schema = await res.json();
    expect(schema.$schema).toMatch(/json-schema/);
    expect(schema.required).toEqual(['case']);
    const c = schema.properties.case;
    expect(c.required).toEqual(expect.arrayContaining(['topic', 'now']));
    expect(c.properties.topic.enum).toEqual(['refund', 'payment_not_received', 'dispute']);
    expect(schema.properties.profile.enum).toEqual(['standard', 'balance-only']);
    expect(c.properties.claims.properties.reason.enum).toContain('double_payment');
  });
});

describe('eligibility API limits and keys', () => {
  let server: restify.Server;
  let url: string;
  beforeAll(async () => ({ server, url } = await start()));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a body over the limit → 413', async () => {
    const res = await fetch(`${url}/api/eligibility`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ case: workedCase1, pad: 'x'.repeat(20_000) }),
    });
    expect(res.status).toBe(413);
  });

  test('not JSON → 415', async () => {
    const res = await fetch(`${url}/api/eligibility`, { method: 'POST', headers: { 'content-type': 'text/plain', ...auth }, body: 'hello' });
    expect(res.status).toBe(415);
  });

  test('JSON nested deeper than the limit → 400', async () => {
    const deep = `{"case":${'['.repeat(100)}${']'.repeat(100)}}`;
    const res = await fetch(`${url}/api/eligibility`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: deep });
    expect(res.status).toBe(400);
  });

  test.each([
    ['no key', {}],
    ['a wrong key', { authorization: 'Bearer wrong-key-0123456789abcdef' }],
    ['a key that is a prefix of a good one', { authorization: `Bearer ${KEY.slice(0, -1)}` }],
    ['the key without Bearer', { authorization: KEY }],
  ])('%s → 401 on both routes, and a fraud flag is never shown', async (_label, headers) => {
    const res = await fetch(`${url}/api/eligibility`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ case: workedCase1 }),
    });
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('outcome');
    expect((await fetch(`${url}/api/eligibility/schema`, { headers })).status).toBe(401);
  });

  test('any of the configured keys works', async () => {
    const res = await fetch(`${url}/api/eligibility/schema`, { headers: { authorization: `Bearer ${OTHER_KEY}` } });
    expect(res.status).toBe(200);
  });
});

test('with no key configured the API is off (404)', async () => {
  const { server, url } = await start([]);
  try {
    const res = await fetch(`${url}/api/eligibility`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ case: workedCase1 }) });
    expect(res.status).toBe(404);
    expect((await fetch(`${url}/api/eligibility/schema`)).status).toBe(404);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('with no holidays country, only weekends are skipped', async () => {
  const { server, url } = await start([KEY], null);
  try {
    const res = await fetch(`${url}/api/eligibility`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ case: workedCase1 }) });
    expect((await res.json()).timeline).toMatchObject({ earliest: '2024-05-20', latest: '2024-05-29' });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('an unknown holidays country is refused when the routes are registered', () => {
  const server = restify.createServer();
  expect(() => registerEligibilityRoutes(server, { timeZone: 'Europe/Paris', defaultProfile: 'standard', holidaysCountry: 'ZZ', apiKeys: [KEY] })).toThrow(RangeError);
});

test('an unknown time zone is refused when the routes are registered', () => {
  const server = restify.createServer();
  expect(() => registerEligibilityRoutes(server, { timeZone: 'Nowhere/Else', defaultProfile: 'standard', apiKeys: [KEY] })).toThrow(RangeError);
});
