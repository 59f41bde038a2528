/**
 * Issue 13: every Lua script is loaded once per connection and then called by hash (EVALSHA), and
 * still runs after the server lost its script cache (SCRIPT FLUSH: NOSCRIPT, then sent in full once).
 * Proved on private redis-servers of this file, so that `INFO commandstats` counts only our calls.
 */
import Redis from 'ioredis';
import { RedisCaseRepository } from '../../src/cases/repository';
import type { CaseOwner, NewCase } from '../../src/cases/types';
import { ActivityStore } from '../../src/channels/directline/store';
import { UploadGuard, UploadRefusedError } from '../../src/channels/directline/uploads';
import { evaluate, type CaseFacts } from '../../src/eligibility';
import { DeskStore, queueScore } from '../../src/handoff/store';
import { DemoData } from '../../src/services/demo/data';
import { DemoAdsAdapter, DemoOrdersAdapter } from '../../src/services/demo/adapters';
import { DevMailbox } from '../../src/services/notifications/devMailbox';
import type { OutgoingMail } from '../../src/services/notifications/types';
import { Durability } from '../../src/storage/durability';
import { keyspace } from '../../src/storage/keys';
import { waitUntilReady, type RedisClient } from '../../src/storage/redisClient';
import { luaScript } from '../../src/storage/scripts';
import { startRedis, type PrivateRedis } from '../support/redisServer';
import { close, connect, sleep } from './helpers';

const NOW = '2031-03-15T10:00:00.000Z';
const data = DemoData.load();

/** `calls` and `failed_calls` of EVAL, EVALSHA and WAIT since the last CONFIG RESETSTAT. */
async function stats(admin: Redis): Promise<{ eval: number; evalsha: number; noscript: number; wait: number }> {
  const info = await admin.info('commandstats');
  const field = (cmd: string, name: string) => Number(new RegExp(`^cmdstat_${cmd}:.*\\b${name}=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { eval: field('eval', 'calls'), evalsha: field('evalsha', 'calls'), noscript: field('evalsha', 'failed_calls'), wait: field('wait', 'calls') };
}

async function newCase(owner: CaseOwner): Promise<NewCase> {
  const order = await new DemoOrdersAdapter(data, { now: () => new Date(NOW) }).findOrder('FL-100001');
  const facts: CaseFacts = {
    topic: 'refund',
    now: NOW,
    order: order!.facts,
    account: { id: 'ACC-CAMILLE', tier: 'standard', fraudFlag: false, openChargeback: false },
    claims: { orderNumber: 'FL-100001', amount: { minor: 4900, currency: 'EUR' }, reason: 'paid_by_mistake' },
    proof: { screenshot: true },
  };
  return {
    topic: 'refund',
    profile: 'standard',
    owner,
    facts,
    decision: evaluate({ profile: 'standard', case: facts }, { timeZone: 'Europe/Paris' }),
    language: 'fr',
    conversationReference: { channelId: owner.channelId, serviceUrl: 'https://smba.example/', conversation: { id: 'conv-1', isGroup: false, conversationType: 'personal', name: '' }, user: { id: owner.userId, name: 'A' } },
  };
}

const mail = (id: string, subject: string): OutgoingMail => ({
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
const SCRIPTS_PER_ROUND = 13;

/**
 * One pass through every module that runs a script, with fresh ids, checking what each returns:
 * a case created then changed (claim, create, compare-and-set), a Direct Line conversation started,
 * appended to and read, an upload counted and given back, a dev e-mail stored, a demo ad paused and
 * resumed, a desk conversation queued, claimed and finished. Returns the number of script calls.
 */
async function round(redis: RedisClient, n: number): Promise<number> {
  const keys = keyspace(`t-scripts-${n}`);
  const cases = new RedisCaseRepository(redis, keys);
  const created = await cases.create({ ...(await newCase({ channelId: 'webchat', userId: `u${n}` })), requestKey: `req-${n}` });
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
  // claim+create+CAS, start×2+append+read, reserve×2+release, store, ad CAS, enqueue+claim+finish
  return 3 + 4 + 3 + 1 + 1 + 3;
}

describe('Lua scripts go by hash (EVALSHA), on a private Redis', () => {
  let server: PrivateRedis;
  let admin: Redis;
  let redis: RedisClient;
  let n = 0;

  beforeAll(async () => {
    server = await startRedis();
    admin = new Redis(server.port, '127.0.0.1');
    redis = await connect({ url: server.url });
  }, 20000);

  afterAll(async () => {
    await close(redis);
    admin?.disconnect();
    await server?.stop();
  });

  it('after its first call on a connection, no script is sent in full again', async () => {
    await round(redis, ++n); // first use on this connection: each script once in full
    await admin.config('RESETSTAT');
    const calls = (await round(redis, ++n)) + (await round(redis, ++n));
    const s = await stats(admin);
    expect(s.eval).toBe(0);
    expect(s.evalsha).toBe(calls);
    expect(s.noscript).toBe(0);
  });

  it('after SCRIPT FLUSH every call still works, and each script is sent in full once more, then by hash', async () => {
    await admin.script('FLUSH');
    await admin.config('RESETSTAT');
    const calls = await round(redis, ++n);
    const afterFlush = await stats(admin);
    expect(afterFlush.noscript).toBeGreaterThan(0);
    expect(afterFlush.eval).toBe(afterFlush.noscript); // each NOSCRIPT answered by one EVAL, nothing else
    expect(afterFlush.eval).toBeLessThanOrEqual(SCRIPTS_PER_ROUND);
    expect(afterFlush.evalsha - afterFlush.noscript + afterFlush.eval).toBe(calls);

    await admin.config('RESETSTAT');
    const again = await round(redis, ++n);
    expect(await stats(admin)).toMatchObject({ eval: 0, noscript: 0, evalsha: again });
  });

  it('a duplicated client (its own connection) sends a script in full once, then by hash', async () => {
    const dup = (redis as Redis).duplicate();
    try {
      await waitUntilReady(dup, 10000);
      const box = new DevMailbox(dup, keyspace('t-scripts-dup'));
      await admin.config('RESETSTAT');
      for (let i = 0; i < 3; i++) await box.send(mail(`dup-${i}`, 's'));
      expect(await stats(admin)).toMatchObject({ eval: 1, evalsha: 2, noscript: 0 });
      expect((await box.list()).map((m) => m.id)).toEqual(['dup-2', 'dup-1', 'dup-0']);
    } finally {
      dup.disconnect();
    }
  });

  it('two different scripts cannot be declared under one name', () => {
    luaScript('t-same-name', 1, `return 1`);
    expect(() => luaScript('t-same-name', 1, `return 1`)).not.toThrow();
    expect(() => luaScript('t-same-name', 1, `return 2`)).toThrow(/declared twice/);
  });
});

describe('a durable write by script after SCRIPT FLUSH is still covered by WAIT', () => {
  let master: PrivateRedis;
  let replica: PrivateRedis;
  let client: Redis;
  const SET_IF = luaScript<[key: string, value: string], number>('t-setIfAbsent', 1, `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 1 end
return 0
`);

  beforeAll(async () => {
    master = await startRedis({ extraArgs: ['--repl-diskless-sync-delay', '0'] });
    replica = await startRedis({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] });
    client = new Redis(master.port, '127.0.0.1', { commandTimeout: 5000, maxRetriesPerRequest: 0 });
    while (!/slave0:.*state=online/.test(await client.info('replication'))) await sleep(50);
  }, 20000);

  afterAll(async () => {
    client?.disconnect();
    await Promise.all([master?.stop(), replica?.stop()]);
  });

  it('the script sent again after NOSCRIPT ran after the pipeline\'s WAIT: it waits once more, and the replica has the write', async () => {
    const d = new Durability(client, { timeoutMs: 3000 });
    expect(await d.write('k1', (p) => SET_IF.queue(p, 'k1', 'v1'))).toEqual([1]); // loads it on this connection
    await client.config('RESETSTAT');
    expect(await d.write('k2', (p) => SET_IF.queue(p, 'k2', 'v2'))).toEqual([1]);
    expect(await stats(client)).toMatchObject({ eval: 0, evalsha: 1, wait: 1 });

    await client.script('FLUSH');
    await client.config('RESETSTAT');
    expect(await d.write('k3', (p) => SET_IF.queue(p, 'k3', 'v3'))).toEqual([1]);
    // EVALSHA (NOSCRIPT) and WAIT in the pipeline, then EVAL, then a second WAIT that covers it.
    expect(await stats(client)).toMatchObject({ eval: 1, evalsha: 1, noscript: 1, wait: 2 });
    const r = new Redis(replica.port, '127.0.0.1');
    try {
      expect(await r.mget('k1', 'k2', 'k3')).toEqual(['v1', 'v2', 'v3']);
    } finally {
      r.disconnect();
    }
  });
});
