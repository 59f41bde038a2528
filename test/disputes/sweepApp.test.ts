/**
 * The sweep as wired in two real app instances (DISPUTE_SWEEP_INTERVAL_SECONDS=1, the real clock) on
 * one Redis: a dispute past its merchant deadline goes to the platform once, and the customer gets one
 * message in their conversation, sent through the channel (a local server plays the Bot Connector of
 * the conversation's serviceUrl), and one e-mail.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { App } from '../../src/app';
import { RedisCaseRepository } from '../../src/cases/repository';
import type { CaseOwner } from '../../src/cases/types';
import { DemoData } from '../../src/services/demo/data';
import { DemoMerchantsAdapter } from '../../src/services/demo/adapters';
import { startTestApp } from '../support/app';
import { disputeCase } from '../support/disputeCases';

let connector: Server;
let serviceUrl: string;
const posted: { path: string; body: { type?: string; text?: string; conversation?: { id: string } } }[] = [];
let apps: App[] = [];

beforeAll(async () => {
  connector = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      posted.push({ path: req.url ?? '', body: body ? JSON.parse(body) : {} });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: randomUUID() }));
    });
  });
  await new Promise<void>((r) => connector.listen(0, '127.0.0.1', r));
  serviceUrl = `http://127.0.0.1:${(connector.address() as AddressInfo).port}/emea/`;
});
afterAll(async () => {
  for (const app of apps) await app.close();
  connector.closeAllConnections();
  await new Promise((r) => connector.close(r));
});

it('two instances, one move, one chat message, one e-mail', async () => {
  const prefix = `sw${randomUUID().slice(0, 8)}`;
  const env = { REDIS_KEY_PREFIX: prefix, DISPUTE_SWEEP_INTERVAL_SECONDS: '1' };
  apps = [(await startTestApp(env)).app, (await startTestApp(env)).app];
  const [one] = apps as [App, App];
  expect(apps.every((a) => a.disputeSweeper !== null)).toBe(true);

  const owner: CaseOwner = { channelId: 'msteams', userId: '29:noah', accountId: 'ACC-NOAH' };
  const conversationId = `a:${randomUUID()}`;
  const cases = new RedisCaseRepository(one.redis, one.keys);
  const draft = await disputeCase(owner, { now: new Date(), orderId: 'FL-900007', conversationId });
  const record = await cases.create({
    ...draft,
    language: 'en',
    conversationReference: { ...draft.conversationReference, serviceUrl, bot: { id: '28:bot', name: 'Bot' } },
    status: 'waiting_merchant',
    dispute: { merchantName: 'Colis Express', complaintType: 'delivery', complaintSentAt: new Date(Date.now() - 5000).toISOString(), merchantDeadline: new Date(Date.now() + 1500).toISOString() },
  });

  // The complaint as the dispute topic sends it (the demo merchant Colis Express never answers).
  await new DemoMerchantsAdapter(DemoData.load(), one.redis, one.keys).sendComplaint({
    caseRef: record.reference,
    merchantName: 'Colis Express',
    orderId: 'FL-900007',
    problem: 'not_arrived',
    language: 'en',
    message: 'My order never arrived.',
  });

  const until = Date.now() + 15_000;
  while (posted.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  // Both instances sweep every second: give them a few more runs to (not) do it again.
  await new Promise((r) => setTimeout(r, 3000));

  expect(posted).toHaveLength(1);
  expect(posted[0]!.path.startsWith(`/emea/v3/conversations/${encodeURIComponent(conversationId)}/activities`)).toBe(true);
  expect(posted[0]!.body.text).toBe(
    `About your request ${record.reference}: Colis Express hasn't answered in time, so our team is taking over. We'll contact the merchant and get back to you. You don't need to do anything.`,
  );
  const after = (await cases.get(record.reference))!;
  expect(after.status).toBe('platform_review');
  expect(after.history.filter((h) => h.status === 'platform_review' && h.note?.includes('no answer'))).toHaveLength(1);
  expect(after.dispute?.customerToldAt).toBeDefined();

  const mails = (await one.notifications.devMailbox!.list(50)).filter((m) => m.reference === record.reference);
  const deadline = Date.now() + 10_000;
  let found = mails;
  while (found.length === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    found = (await one.notifications.devMailbox!.list(50)).filter((m) => m.reference === record.reference);
  }
  expect(found.map((m) => m.kind)).toEqual(['merchant_deadline']);
}, 40_000);
