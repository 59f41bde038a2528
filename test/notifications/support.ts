import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { createApp, App } from '../../src/app';
import { evaluate, type CaseFacts, type Topic } from '../../src/eligibility';
import { RedisCaseRepository } from '../../src/cases/repository';
import type { CaseContact, CaseOwner, CaseRecord } from '../../src/cases/types';
import { freePort } from '../support/redisServer';
import { createServices } from '../../src/services';

/** A bot app on a known free port (links in e-mails point to it), logs captured as JSON lines. */
export async function startMailApp(env: Record<string, string> = {}): Promise<{ app: App; baseUrl: string; logs: string[]; prefix: string }> {
  const port = await freePort();
  const logs: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  );
  const prefix = env.REDIS_KEY_PREFIX ?? `m${randomUUID().slice(0, 8)}`;
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    REDIS_URL: process.env.TEST_REDIS_URL,
    LOG_LEVEL: 'silent',
    BRAND_NAME: 'Acme',
    MAIL_FROM: 'Acme Support <no-reply@acme.example>',
    MAIL_REPLY_TO: 'help@acme.example',
    ...env,
    REDIS_KEY_PREFIX: prefix,
  });
  const app = await createApp(config, { logger });
  await app.listen();
  return { app, baseUrl: `http://127.0.0.1:${port}`, logs, prefix };
}

const ORDERS: Record<Topic, { id: string }> = { refund: { id: 'FL-100001' }, payment_not_received: { id: 'FL-800001' }, dispute: { id: 'FL-900001' } };

/** A real case on the app's Redis, decided by the engine, as a topic would record it. */
export async function makeCase(
  app: App,
  opts: { topic?: Topic; language: 'en' | 'fr'; owner?: Partial<CaseOwner>; contact?: CaseContact; reasonText?: string },
): Promise<CaseRecord> {
  const topic = opts.topic ?? 'refund';
  const o = ORDERS[topic];
  const order = await createServices({ services: { timeoutMs: 3000 } }, app.redis, app.keys).orders.findOrder(o.id);
  const facts: CaseFacts = {
    topic,
    now: new Date().toISOString(),
    order: order!.facts,
    account: { id: opts.owner?.accountId ?? 'ACC-CAMILLE', tier: 'standard', fraudFlag: false, openChargeback: false },
    claims: topic === 'refund' ? { orderNumber: o.id, amount: { minor: 4900, currency: 'EUR' }, reason: 'paid_by_mistake' } : { orderNumber: o.id },
    proof: {},
  };
  const decision = evaluate({ case: facts }, { timeZone: 'Europe/Paris', defaultProfile: 'standard' });
  const cases = new RedisCaseRepository(app.redis, app.keys);
  const owner: CaseOwner = { channelId: 'test', userId: `u-${randomUUID().slice(0, 6)}`, ...opts.owner };
  let record = await cases.create({ topic, profile: 'standard', owner, facts, decision, language: opts.language, conversationReference: {} });
  if (opts.contact) record = (await cases.setContact(record.reference, opts.contact, 'test'))!;
  return record;
}

/** Every link of a message: the HTML's hrefs and the URLs of its plain text. */
export function linksOf(html: string, text: string): string[] {
  const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
  const urls = [...text.matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0]);
  return [...new Set([...hrefs, ...urls])];
}
