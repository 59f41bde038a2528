/**
 * What test/storage/scripts.test.ts and the Cluster test run: every module that runs a Lua script,
 * once, and the server's counts of EVAL / EVALSHA / WAIT (`INFO commandstats`).
 */
import type Redis from 'ioredis';
import { RedisCaseRepository } from '../../src/cases/repository';
import { ActivityStore } from '../../src/channels/directline/store';
import { UploadGuard, UploadRefusedError } from '../../src/channels/directline/uploads';
import { DeskStore, queueScore } from '../../src/handoff/store';
import { DemoData } from '../../src/services/demo/data';
import { DemoAdsAdapter } from '../../src/services/demo/adapters';
import { DevMailbox } from '../../src/services/notifications/devMailbox';
import type { OutgoingMail } from '../../src/services/notifications/types';
import { keyspace } from '../../src/storage/keys';
import { refundCase } from '../support/disputeCases';
import type { RedisClient } from '../../src/storage/redisClient';

const NOW = '2031-03-15T10:00:00.000Z';
const data = DemoData.load();

/** `calls` and `failed_calls` of EVAL, EVALSHA and WAIT since the last CONFIG RESETSTAT. */
export async function stats(admin: Redis): Promise<{ eval: number; evalsha: number; noscript: number; wait: number }> {
  const info = await admin.info('commandstats');
  const field = (cmd: string, name: string) => Number(new RegExp(`^cmdstat_${cmd}:.*\\b${name}=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { eval: field('eval', 'calls'), evalsha: field('evalsha', 'calls'), noscript: field('evalsha', 'failed_calls'), wait: field('wait', 'calls') };
}

export const mail = (id: string, subject: string): OutgoingMail => ({
  id,
  kind: 'request_recorded',
  reference: 'RF-7K2Q9',
  language: 'fr',
  to: 'a@example.com',
  subject,
  text: 't',
  html: '<p>t</p>',
});

/** Distinct scripts one round runs (each is sent in full at most once per connection). */
export const SCRIPTS_PER_ROUND = 14;

/**
 * One pass through every module that runs a script, with fresh ids, checking what each returns:
 * a case created then changed (claim, create, compare-and-set), a Direct Line conversation started,
 * appended to and read, an upload counted and given back, a dev e-mail stored, a demo ad paused and
 * resumed, a desk conversation queued, claimed and finished. Returns the number of script calls.
 */
export async function round(redis: RedisClient, prefix: string, n: number): Promise<number> {
  const keys = keyspace(`${prefix}-${n}`);
  const cases = new RedisCaseRepository(redis, keys);
  const created = await cases.create({ ...(await refundCase({ channelId: 'webchat', userId: `u${n}` }, { now: new Date(NOW) })), requestKey: `req-${n}` });
  expect((await cases.get(created.reference))?.status).toBe(created.status);
  const changed = await cases.updateStatus(created.reference, 'awaiting_review', 'bot');
  expect(changed?.status).toBe('awaiting_review');

  const dl = new ActivityStore(redis, keys, 60);
  const conv = `conv-${n}`;
  expect(await dl.start(conv, { user: `u${n}`, createdAt: NOW })).toBe(true);
  expect(await dl.start(conv, { user: `u${n}`, createdAt: NOW })).toBe(false);
  const appended = await dl.append(conv, { type: 'message', text: `hello ${n}` });
  expect(appended.id.startsWith(`${conv}|`)).toBe(true);
  expect((await dl.entries(conv)).map((e) => e.activity.text)).toEqual([`hello ${n}`]);

  const uploads = new UploadGuard(redis, keys, { maxFilesPerConversation: 1, maxBytesPerConversation: 1000, bytesPerMinutePerAddress: 1e6, bytesPerMinutePerToken: 1e6, retentionSeconds: 60, memoryUploadPercent: 90 }, 60);
  await uploads.reserve(conv, 400);
  await expect(uploads.reserve(conv, 10)).rejects.toEqual(new UploadRefusedError('files'));
  await uploads.release(conv, 400);
  expect(await redis.hgetall(keys.conversation(conv, 'dl:uploads'))).toEqual({ files: '0', bytes: '0' });

  const mailbox = new DevMailbox(redis, keys);
  await mailbox.send(mail(`mail-${n}`, `s${n}`));
  expect((await mailbox.get(`mail-${n}`))?.subject).toBe(`s${n}`);

  const ads = new DemoAdsAdapter(data, redis, keys, { now: () => new Date(NOW) });
  const paused = await ads.changeAd('AD-100002', { kind: 'pause' }, { accountId: 'ACC-NORTHWIND', by: 'user:u1' });
  expect(paused && paused.ok && paused.ad.status).toBe('paused');

  const desk = new DeskStore(redis, keys);
  const since = Date.parse(NOW);
  const queued = await desk.enqueue(
    { id: conv, status: 'waiting', tier: 'standard', language: 'fr', topic: 'refund', reason: 'asked', severity: 'normal', caseRef: created.reference, since, firstSince: since, ref: '{}', channelId: 'webchat' },
    queueScore('standard', 'normal', since),
  );
  expect(queued).toBe(true);
  expect(await desk.claim(conv, 'agent-1', since + 1)).toEqual({ ok: true });
  expect(await desk.finish(conv, 'agent-1', 'closed')).toBe(true);
  expect((await desk.get(conv))?.status).toBe('closed');
  // claim+create+CAS, start×2+append+read, reserve×2+release, store, ad CAS, enqueue+claim+finish and
  // the closed record's move out of the desk's slot (src/handoff/store.ts: archive)
  return 3 + 4 + 3 + 1 + 1 + 4;
}
