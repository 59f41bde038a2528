/**
 * Invoices (P4/P6) and merchants (D5) ports: the demo adapters on a real Redis (state shared by every
 * instance) and the HTTP adapters against a real local HTTP server, with the ports' error model.
 */
import Redis from 'ioredis';
import { keyspace } from '../../src/storage/keys';
import { DemoData } from '../../src/services/demo/data';
import { DemoInvoicesAdapter, DemoMerchantsAdapter } from '../../src/services/demo/adapters';
import { HttpInvoicesAdapter, HttpMerchantsAdapter } from '../../src/services/http/adapters';
import { ServiceContractError, ServiceUnavailableError, type Invoice, type MerchantComplaint } from '../../src/services/ports';
import { fakeService, json, type Handler } from '../support/fakeService';

const NOW = new Date('2031-03-15T10:00:00.000Z');
const data = DemoData.load();
const keys = keyspace(`test-inv-${process.pid}-${Date.now()}`);
let redis: Redis;

beforeAll(() => {
  redis = new Redis(process.env.TEST_REDIS_URL as string);
});
afterAll(async () => {
  const found = await redis.keys(keys.pattern());
  if (found.length) await redis.del(...found);
  await redis.quit();
});

const invoices = (now = NOW) => new DemoInvoicesAdapter(data, redis, keys, { now: () => now });
const merchants = (now = NOW) => new DemoMerchantsAdapter(data, redis, keys, { now: () => now });
const complaint = (over: Partial<MerchantComplaint> = {}): MerchantComplaint => ({
  caseRef: 'DS-7K2Q9',
  merchantName: 'SoundPoint',
  orderId: 'FL-900001',
  problem: 'not_arrived',
  language: 'fr',
  message: 'Ma commande FL-900001 n’est jamais arrivée.',
  ...over,
});

describe('demo invoices adapter (Redis)', () => {
  it('finds the invoice of a purchase, with a due date relative to now', async () => {
    const inv = await invoices().findForOrder('fl 800002', { accountId: 'ACC-NOAH' });
    expect(inv).toEqual({ id: 'INV-800002', orderId: 'FL-800002', ownerAccountId: 'ACC-NOAH', amountDue: { minor: 18900, currency: 'EUR' }, dueDate: '2031-03-17', status: 'due' });
  });

  it('someone else’s purchase, an unknown one, or one without an invoice → null', async () => {
    expect(await invoices().findForOrder('FL-800002', { accountId: 'ACC-CAMILLE' })).toBeNull();
    expect(await invoices().findForOrder('FL-999999')).toBeNull();
    expect(await invoices().findForOrder('FL-100001')).toBeNull();
    expect(await invoices().pause('INV-800002', { caseRef: 'PN-AAAAA', by: 'user:x' }, { accountId: 'ACC-CAMILLE' })).toBeNull();
  });

  it('pauses once for every instance; the same report again answers the same; another report finds it already paused', async () => {
    const first = await invoices().pause('INV-800005', { caseRef: 'PN-22222', by: 'user:noah' }, { accountId: 'ACC-NOAH' });
    expect(first).toMatchObject({ ok: true, alreadyPaused: false, invoice: { id: 'INV-800005', status: 'paused' } });
    expect(await invoices().pause('INV-800005', { caseRef: 'PN-22222', by: 'user:noah' })).toEqual(first);
    expect(await invoices().pause('INV-800005', { caseRef: 'PN-33333', by: 'user:noah' })).toMatchObject({ ok: true, alreadyPaused: true });
    expect((await invoices().findForOrder('FL-800005'))?.status).toBe('paused');
  });

  it('two reports pausing at once: exactly one pauses it', async () => {
    const results = await Promise.all(['PN-44444', 'PN-55555', 'PN-66666'].map((caseRef) => invoices().pause('INV-800008', { caseRef, by: 'bot' })));
    expect(results.filter((r) => r?.ok && !r.alreadyPaused)).toHaveLength(1);
  });

  it('a paid or cancelled invoice is not paused (a normal answer)', async () => {
    expect(await invoices().pause('INV-800006', { caseRef: 'PN-77777', by: 'bot' })).toMatchObject({ ok: false, reason: 'paid', invoice: { status: 'paid' } });
    expect(await invoices().pause('INV-800007', { caseRef: 'PN-77777', by: 'bot' })).toMatchObject({ ok: false, reason: 'cancelled' });
    expect(await redis.exists(invoices().key('INV-800006'), invoices().key('INV-800007'))).toBe(0);
  });

  it('Redis down → ServiceUnavailableError, not "not found"', async () => {
    const dead = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const adapter = new DemoInvoicesAdapter(data, dead, keys, { now: () => NOW });
    await expect(adapter.findForOrder('FL-800001')).rejects.toBeInstanceOf(ServiceUnavailableError);
    dead.disconnect();
  });
});

describe('demo merchants adapter (Redis)', () => {
  it('a merchant that answers: deadline from its demo data, answered once its answer time has come', async () => {
    const sent = await merchants().sendComplaint(complaint());
    expect(sent).toEqual({ deadline: '2031-03-22T10:00:00.000Z' });
    expect(await merchants().complaintStatus('DS-7K2Q9')).toEqual({ answered: false });
    const later = new Date(NOW.getTime() + 2 * 3_600_000);
    expect(await merchants(later).complaintStatus('DS-7K2Q9')).toEqual({ answered: true, answeredAt: later.toISOString() });
  });

  it('sending again (a retry, another instance, a day later) keeps the first deadline', async () => {
    const again = await merchants(new Date(NOW.getTime() + 86_400_000)).sendComplaint(complaint({ message: 'again' }));
    expect(again).toEqual({ deadline: '2031-03-22T10:00:00.000Z' });
  });

  it('a merchant that never answers stays unanswered after its deadline; unknown complaint → null', async () => {
    const { deadline } = await merchants().sendComplaint(complaint({ caseRef: 'DS-NEVER', merchantName: 'Colis Express', orderId: 'FL-900007' }));
    expect(deadline).toBe('2031-03-15T10:03:00.000Z');
    expect(await merchants(new Date('2032-01-01T00:00:00Z')).complaintStatus('DS-NEVER')).toEqual({ answered: false });
    expect(await merchants().complaintStatus('DS-UNKNOWN')).toBeNull();
  });

  it('a complaint that does not fit the contract is never sent', async () => {
    await expect(merchants().sendComplaint(complaint({ caseRef: 'DS-BAD', message: '' }))).rejects.toBeInstanceOf(ServiceContractError);
    expect(await redis.exists(merchants().key('DS-BAD'))).toBe(0);
  });
});

// ---------------------------------------------------------------- HTTP

let handler: Handler;
const service = fakeService((req, res, body) => handler(req, res, body));
const requests = service.requests;
beforeEach(() => {
  handler = (_req, res) => json(res, 500, { error: 'no handler' });
});
const opts = () => ({ baseUrl: service.baseUrl, token: 's3cret', timeoutMs: 400 });
const INVOICE: Invoice = { id: 'INV-1', orderId: 'FL-800002', ownerAccountId: 'ACC-1', amountDue: { minor: 18900, currency: 'EUR' }, dueDate: '2031-03-17', status: 'due' };

describe('HTTP invoices adapter', () => {
  it('GET /invoices?orderId=…&accountId=… with the bearer token → the invoice', async () => {
    handler = (_req, res) => json(res, 200, { ...INVOICE, extra: 'dropped' });
    expect(await new HttpInvoicesAdapter(opts()).findForOrder('fl800002', { accountId: 'ACC-1' })).toEqual(INVOICE);
    expect(requests[0]).toMatchObject({ method: 'GET', url: '/api/v1/invoices?orderId=FL-800002&accountId=ACC-1' });
    expect(requests[0]!.headers.authorization).toBe('Bearer s3cret');
  });

  it('404, someone else’s invoice, or no verified account → null (the last without calling)', async () => {
    handler = (_req, res) => json(res, 404, {});
    expect(await new HttpInvoicesAdapter(opts()).findForOrder('FL-800002', { accountId: 'ACC-1' })).toBeNull();
    handler = (_req, res) => json(res, 200, INVOICE);
    expect(await new HttpInvoicesAdapter(opts()).findForOrder('FL-800002', { accountId: 'ACC-2' })).toBeNull();
    requests.length = 0;
    expect(await new HttpInvoicesAdapter(opts()).findForOrder('FL-800002')).toBeNull();
    expect(await new HttpInvoicesAdapter(opts()).pause('INV-1', { caseRef: 'PN-1', by: 'bot' })).toBeNull();
    expect(requests).toHaveLength(0);
  });

  it('an invoice of another order, or a wrong status → ServiceContractError naming the field', async () => {
    handler = (_req, res) => json(res, 200, { ...INVOICE, orderId: 'FL-800003' });
    await expect(new HttpInvoicesAdapter(opts()).findForOrder('FL-800002', { accountId: 'ACC-1' })).rejects.toBeInstanceOf(ServiceContractError);
    handler = (_req, res) => json(res, 200, { ...INVOICE, status: 'frozen' });
    const err = await new HttpInvoicesAdapter(opts()).findForOrder('FL-800002', { accountId: 'ACC-1' }).catch((e: ServiceContractError) => e);
    expect(err).toBeInstanceOf(ServiceContractError);
    expect((err as ServiceContractError).issues.join(' ')).toMatch(/^status:/);
    expect((err as ServiceContractError).service).toBe('invoices');
  });

  it('POST /invoices/{id}/pause sends the report reference and who asked; a refusal is a normal answer', async () => {
    handler = (_req, res) => json(res, 200, { ok: true, alreadyPaused: false, invoice: { ...INVOICE, status: 'paused' } });
    const r = await new HttpInvoicesAdapter(opts()).pause('INV-1', { caseRef: 'PN-7K2Q9', by: 'user:u1' }, { accountId: 'ACC-1' });
    expect(r).toEqual({ ok: true, alreadyPaused: false, invoice: { ...INVOICE, status: 'paused' } });
    expect(requests[0]).toMatchObject({ method: 'POST', url: '/api/v1/invoices/INV-1/pause' });
    expect(JSON.parse(requests[0]!.body)).toEqual({ caseRef: 'PN-7K2Q9', by: 'user:u1', accountId: 'ACC-1' });
    handler = (_req, res) => json(res, 200, { ok: false, reason: 'paid', invoice: { ...INVOICE, status: 'paid' } });
    expect(await new HttpInvoicesAdapter(opts()).pause('INV-1', { caseRef: 'PN-7K2Q9', by: 'bot' }, { accountId: 'ACC-1' })).toMatchObject({ ok: false, reason: 'paid' });
  });

  it('"ok" with an invoice that is not paused, or someone else’s → ServiceContractError; 503 → unavailable', async () => {
    handler = (_req, res) => json(res, 200, { ok: true, alreadyPaused: false, invoice: INVOICE });
    await expect(new HttpInvoicesAdapter(opts()).pause('INV-1', { caseRef: 'PN-1', by: 'bot' }, { accountId: 'ACC-1' })).rejects.toBeInstanceOf(ServiceContractError);
    handler = (_req, res) => json(res, 200, { ok: true, alreadyPaused: true, invoice: { ...INVOICE, status: 'paused', ownerAccountId: 'ACC-2' } });
    await expect(new HttpInvoicesAdapter(opts()).pause('INV-1', { caseRef: 'PN-1', by: 'bot' }, { accountId: 'ACC-1' })).rejects.toBeInstanceOf(ServiceContractError);
    handler = (_req, res) => json(res, 503, {});
    const err = await new HttpInvoicesAdapter(opts()).pause('INV-1', { caseRef: 'PN-1', by: 'bot' }, { accountId: 'ACC-1' }).catch((e) => e);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err).toMatchObject({ service: 'invoices', status: 503 });
  });
});

describe('HTTP merchants adapter', () => {
  it('POST /complaints sends the complaint and returns the deadline', async () => {
    handler = (_req, res) => json(res, 200, { deadline: '2031-03-22T10:00:00Z' });
    expect(await new HttpMerchantsAdapter(opts()).sendComplaint(complaint())).toEqual({ deadline: '2031-03-22T10:00:00Z' });
    expect(requests[0]).toMatchObject({ method: 'POST', url: '/api/v1/complaints' });
    expect(JSON.parse(requests[0]!.body)).toEqual(complaint());
  });

  it('a deadline that is not a date-time, or a 404 → ServiceContractError; no answer → unavailable', async () => {
    handler = (_req, res) => json(res, 200, { deadline: 'next week' });
    await expect(new HttpMerchantsAdapter(opts()).sendComplaint(complaint())).rejects.toBeInstanceOf(ServiceContractError);
    handler = (_req, res) => json(res, 404, {});
    await expect(new HttpMerchantsAdapter(opts()).sendComplaint(complaint())).rejects.toBeInstanceOf(ServiceContractError);
    handler = () => undefined; // never answers
    const started = Date.now();
    await expect(new HttpMerchantsAdapter(opts()).sendComplaint(complaint())).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a complaint that does not fit the contract is not sent', async () => {
    await expect(new HttpMerchantsAdapter(opts()).sendComplaint(complaint({ problem: 'lost' as never }))).rejects.toBeInstanceOf(ServiceContractError);
    expect(requests).toHaveLength(0);
  });

  it('GET /complaints/{caseRef} → answered or not; 404 → null; answeredAt without an answer → contract error', async () => {
    handler = (_req, res) => json(res, 200, { answered: true, answeredAt: '2031-03-16T08:00:00Z' });
    expect(await new HttpMerchantsAdapter(opts()).complaintStatus('DS-7K2Q9')).toEqual({ answered: true, answeredAt: '2031-03-16T08:00:00Z' });
    expect(requests[0]).toMatchObject({ method: 'GET', url: '/api/v1/complaints/DS-7K2Q9' });
    handler = (_req, res) => json(res, 404, {});
    expect(await new HttpMerchantsAdapter(opts()).complaintStatus('DS-7K2Q9')).toBeNull();
    handler = (_req, res) => json(res, 200, { answered: false, answeredAt: '2031-03-16T08:00:00Z' });
    await expect(new HttpMerchantsAdapter(opts()).complaintStatus('DS-7K2Q9')).rejects.toBeInstanceOf(ServiceContractError);
  });
});
