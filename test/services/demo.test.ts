import { orderFactsSchema, accountFactsSchema, type OrderFacts } from '../../src/eligibility/schema';
import { DemoData, findDemoDir } from '../../src/services/demo/data';
import { DemoAccountsAdapter, DemoOrdersAdapter } from '../../src/services/demo/adapters';
import { resolveInstant, resolveRelativeDates } from '../../src/services/demo/relativeTime';
import type { Order } from '../../src/services/ports';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const NOW = new Date('2031-03-15T10:00:00.000Z');
const DAY = 86_400_000;
const data = DemoData.load();
const orders = new DemoOrdersAdapter(data, { now: () => NOW });
const accounts = new DemoAccountsAdapter(data, { now: () => NOW });

async function all(): Promise<Order[]> {
  return (await Promise.all(data.orderIds().map((id) => orders.findOrder(id)))) as Order[];
}
const daysAgo = (iso: string | null | undefined): number => Math.round((NOW.getTime() - Date.parse(iso as string)) / DAY);

describe('demo data', () => {
  it('every demo order validates against the engine\'s orderFactsSchema, and every account against accountFactsSchema', async () => {
    const list = await all();
    expect(list.length).toBeGreaterThanOrEqual(20);
    for (const o of list) {
      expect(orderFactsSchema.safeParse(o.facts).success).toBe(true);
      // what the port returns is already the parsed form: parsing again changes nothing
      expect(orderFactsSchema.parse(o.facts)).toEqual(o.facts);
    }
    for (const id of data.accountIds()) {
      const a = await accounts.getAccount(id);
      expect(accountFactsSchema.safeParse(a).success).toBe(true);
    }
  });

  const scenarios: [string, string, (f: OrderFacts) => boolean][] = [
    ['ad not started', 'FL-100001', (f) => f.serviceType === 'ad' && f.adBroadcast === 'not_started'],
    ['ad broadcasting since yesterday', 'FL-100002', (f) => f.serviceType === 'ad' && f.adBroadcast === 'broadcasting'],
    ['ad finished', 'FL-100003', (f) => f.serviceType === 'ad' && f.adBroadcast === 'finished'],
    ['ad paused', 'FL-100004', (f) => f.serviceType === 'ad' && f.adBroadcast === 'paused'],
    ['top-up credited', 'FL-200001', (f) => f.serviceType === 'top_up' && f.credited === true],
    [
      'top-up charged twice',
      'FL-200002',
      (f) => f.serviceType === 'top_up' && (f.transactions ?? []).filter((t) => t.kind === 'payment' && t.status === 'succeeded').length === 2,
    ],
    ['pro not activated', 'FL-300001', (f) => f.serviceType === 'pro_account' && f.activatedAt === null],
    ['pro activated last week', 'FL-300002', (f) => f.serviceType === 'pro_account' && daysAgo(f.activatedAt) === 7],
    ['premium not started', 'FL-400001', (f) => f.serviceType === 'premium_service' && f.status === 'pending'],
    ['premium in progress', 'FL-400002', (f) => f.serviceType === 'premium_service' && f.status === 'in_progress'],
    ['premium completed', 'FL-400003', (f) => f.serviceType === 'premium_service' && f.status === 'completed'],
    [
      'digital partial 600/1000 for 20.00 EUR (worked case 8)',
      'FL-500001',
      (f) =>
        f.serviceType === 'digital_service' &&
        f.status === 'partial' &&
        f.quantityOrdered === 1000 &&
        f.quantityDelivered === 600 &&
        f.amountPaid.minor === 2000 &&
        f.amountPaid.currency === 'EUR',
    ],
    ['digital private profile', 'FL-500002', (f) => f.serviceType === 'digital_service' && f.targetIssue === 'private_profile'],
    ['vip plan', 'FL-600001', (f) => f.serviceType === 'vip_plan'],
    ['card payment 1 day ago not registered', 'FL-800001', (f) => f.serviceType === 'merchant_purchase' && f.paymentMethod === 'card' && f.paymentRegistered === false && daysAgo(f.paidAt) === 1],
    [
      'transfer 5 days ago not registered',
      'FL-800002',
      (f) => f.serviceType === 'merchant_purchase' && f.paymentMethod === 'bank_transfer' && f.paymentRegistered === false && daysAgo(f.paidAt) === 5,
    ],
    ['dispute: never arrived', 'FL-900001', (f) => f.serviceType === 'merchant_purchase' && daysAgo(f.transactionAt) === 12 && f.dispute === undefined],
  ];

  it.each(scenarios)('has %s (%s)', async (_what, id, check) => {
    const o = await orders.findOrder(id);
    expect(o).not.toBeNull();
    expect(check((o as Order).facts)).toBe(true);
  });

  it('has an order on a fraud-flagged account and one on an account with an open chargeback', async () => {
    const flagged = (await orders.findOrder('FL-700001')) as Order;
    expect((await accounts.getAccount(flagged.ownerAccountId))?.fraudFlag).toBe(true);
    const disputed = (await orders.findOrder('FL-700002')) as Order;
    expect((await accounts.getAccount(disputed.ownerAccountId))?.openChargeback).toBe(true);
  });

  it('has standard accounts and a verified Pro account that owns orders', async () => {
    const list = await all();
    const tiers = await Promise.all(data.accountIds().map(async (id) => (await accounts.getAccount(id))?.tier));
    expect(tiers).toContain('standard');
    const pro = (await accounts.findAccountForUser({ channelId: 'directline', userId: 'demo-pro' }))!;
    expect(pro.tier).toBe('pro');
    expect(list.filter((o) => o.ownerAccountId === pro.id).length).toBeGreaterThanOrEqual(2);
  });

  it('dates are relative: "paid 1 day ago" is one day before any clock', async () => {
    for (const now of [new Date('2024-01-01T00:00:00Z'), new Date('2040-07-01T12:00:00Z')]) {
      const o = await new DemoOrdersAdapter(data, { now: () => now }).findOrder('FL-800001');
      expect(Date.parse(o!.facts.paidAt as string)).toBe(now.getTime() - DAY);
    }
    expect(resolveInstant('-1d-2h+30m', NOW)).toBe('2031-03-14T08:30:00.000Z');
    expect(resolveInstant('now', NOW)).toBe(NOW.toISOString());
    expect(resolveInstant('2024-05-02', NOW)).toBe('2024-05-02');
    expect(resolveRelativeDates({ label: '-1d', paidAt: '-1d', list: [{ at: '+1h' }] }, NOW)).toEqual({
      label: '-1d',
      paidAt: '2031-03-14T10:00:00.000Z',
      list: [{ at: '2031-03-15T11:00:00.000Z' }],
    });
  });

  it('the demo files are found from src/ as from dist/src/', () => {
    const dir = findDemoDir();
    expect(findDemoDir(join(dir, '..', '..', 'dist', 'src', 'services', 'demo'))).toBe(dir);
  });

  it('refuses bad demo data at load, naming the file and the path', () => {
    const json = (name: string) => JSON.parse(readFileSync(join(findDemoDir(), name), 'utf8'));
    const bad = json('orders.json');
    bad.orders[0].facts.amountPaid = { minor: 12.5, currency: 'EUR' };
    bad.orders[1].ownerAccountId = 'ACC-NOBODY';
    bad.orders[2].facts.paidAt = 'yesterday';
    const load = () => DemoData.fromJson({ orders: bad, accounts: json('accounts.json'), ads: json('ads.json') });
    expect(load).toThrow(/orders\.json orders\[0\] facts\.amountPaid\.minor/);
    expect(load).toThrow(/orders\.json orders\[2\] facts\.paidAt/);
    expect(load).toThrow(/orders\.json FL-100002: unknown owner ACC-NOBODY/);
  });
});

describe('demo orders: lookup and ownership', () => {
  it('accepts the number as users type it', async () => {
    expect((await orders.findOrder(' fl 100001 '))?.facts.id).toBe('FL-100001');
  });

  it('unknown or invalid number → null', async () => {
    expect(await orders.findOrder('FL-999999')).toBeNull();
    expect(await orders.findOrder('not a number')).toBeNull();
  });

  it('the owner sees their order; another verified account gets null, as for an unknown number', async () => {
    expect((await orders.findOrder('FL-100002', { accountId: 'ACC-NORTHWIND' }))?.ownerAccountId).toBe('ACC-NORTHWIND');
    expect(await orders.findOrder('FL-100002', { accountId: 'ACC-CAMILLE' })).toBeNull();
  });

  it('anonymous users can look demo orders up, unless anonymous lookups are off', async () => {
    expect(await orders.findOrder('FL-100002')).not.toBeNull();
    expect(await new DemoOrdersAdapter(data, { allowAnonymous: false }).findOrder('FL-100002')).toBeNull();
  });

  it('finds the verified account of a channel user, never of an unknown one', async () => {
    expect((await accounts.findAccountForUser({ channelId: 'msteams', userId: 'demo-camille' }))?.id).toBe('ACC-CAMILLE');
    expect(await accounts.findAccountForUser({ channelId: 'msteams', userId: 'someone' })).toBeNull();
    expect(await accounts.getAccount('ACC-NOBODY')).toBeNull();
  });
});
