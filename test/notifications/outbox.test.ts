import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import pino from 'pino';
import type { App } from '../../src/app';
import { keyspace } from '../../src/storage/keys';
import calculateSlot from 'cluster-key-slot';
import { mailMessageKey, messageId, Outbox, SmtpTransport, type OutgoingMail } from '../../src/services/notifications';
import { startSmtp, type TestSmtp } from '../support/smtp';
import { startRedis } from '../support/redisServer';
import { createRedisClient, waitUntilReady } from '../../src/storage/redisClient';
import { makeCase, startMailApp } from './support';

/*
 * The outbox under stress, with a real SMTP server: two bot instances on one Redis deliver each
 * message exactly once; a server that refuses for a while gets every message once it is back; a
 * restart loses nothing queued; an instance that dies holding a message does not lose it.
 */

const FROM = 'Acme Support <no-reply@acme.example>';
const countById = (smtp: TestSmtp) => {
  const counts = new Map<string, number>();
  for (const m of smtp.received) counts.set(m.messageId ?? '', (counts.get(m.messageId ?? '') ?? 0) + 1);
  return counts;
};
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('outbox', () => {
  let smtp: TestSmtp;
  const apps: App[] = [];
  beforeEach(async () => {
    smtp = await startSmtp();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
    await smtp.close();
  });

  it('two instances on one outbox: each message delivered exactly once', async () => {
    const one = await startMailApp({ SMTP_URL: smtp.url, MAIL_RETRY_BASE_MS: '100' });
    const two = await startMailApp({ SMTP_URL: smtp.url, MAIL_RETRY_BASE_MS: '100', REDIS_KEY_PREFIX: one.prefix });
    apps.push(one.app, two.app);
    const ids = new Set<string>();
    const started = Date.now();
    let lastQueued = 0;
    for (let i = 0; i < 20; i++) {
      const record = await makeCase(one.app, { language: i % 2 ? 'fr' : 'en', contact: { email: `c${i}@example.org`, confirmedAt: new Date().toISOString() } });
      // Both instances are asked to send the same answer (e.g. two agents' screens): one is queued.
      const [a, b] = await Promise.all([
        one.app.notifications.notifier.notifyAgentAnswer(record, { text: `Answer ${i}`, messageId: 'm1' }),
        two.app.notifications.notifier.notifyAgentAnswer(record, { text: `Answer ${i}`, messageId: 'm1' }),
      ]);
      // On failure, the reasons say why (a duplicate is the expected answer of one of the two).
      expect({ i, queued: [a, b].filter((x) => x.queued).length, answers: [a, b] }).toMatchObject({ i, queued: 1 });
      const r = await (i % 2 ? one : two).app.notifications.notifier.notifyRequestRecorded(record);
      for (const x of [a, b, r]) if (x.queued) ids.add(x.id);
      lastQueued = Date.now();
    }
    expect(ids.size).toBe(40);
    await smtp.waitFor(40, 20000);
    const elapsed = Date.now() - started;
    const drain = Date.now() - lastQueued;
    await settle(1000); // anything sent twice would arrive now
    const counts = countById(smtp);
    expect(smtp.received).toHaveLength(40);
    for (const id of ids) expect(counts.get(messageId(id, FROM))).toBe(1);
    const delivered = (logs: string[]) => logs.filter((l) => l.includes('"e-mail delivered"')).length;
    const byOne = delivered(one.logs);
    const byTwo = delivered(two.logs);
    expect(byOne + byTwo).toBe(40);
    const stats = await one.app.notifications.outbox!.stats();
    expect(stats).toMatchObject({ queued: 40, sent: 40, failed: 0, duplicates: 20, pending: 0 });
    // eslint-disable-next-line no-console
    console.log(`two instances: 40 messages queued and delivered in ${elapsed} ms, the last ${drain} ms after the last was queued (instance 1 sent ${byOne}, instance 2 sent ${byTwo})`);
  });

  it('a server that refuses for a while: every message is delivered once it is back', async () => {
    const { app, logs } = await startMailApp({ SMTP_URL: smtp.url, MAIL_RETRY_BASE_MS: '100', MAIL_MAX_ATTEMPTS: '20' });
    apps.push(app);
    smtp.refuse(true);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const record = await makeCase(app, { language: 'en', contact: { email: `refused${i}@example.org`, confirmedAt: new Date().toISOString() } });
      const r = await app.notifications.notifier.notifyRequestRecorded(record);
      if (r.queued) ids.push(r.id);
    }
    expect(ids).toHaveLength(10);
    await settle(1500);
    expect(smtp.received).toHaveLength(0);
    expect(smtp.refusals).toBeGreaterThanOrEqual(10);
    const during = await app.notifications.outbox!.stats();
    expect(during.retried).toBeGreaterThanOrEqual(10);
    expect(during.pending).toBe(10);

    smtp.refuse(false);
    const back = Date.now();
    await smtp.waitFor(10, 20000);
    const recovery = Date.now() - back;
    await settle(500);
    const counts = countById(smtp);
    for (const id of ids) expect(counts.get(messageId(id, FROM))).toBe(1);
    const after = await app.notifications.outbox!.stats();
    expect(after).toMatchObject({ sent: 10, failed: 0, pending: 0 });
    // Failures are logged with the case and a masked address, never the address.
    const retries = logs.filter((l) => l.includes('will retry'));
    expect(retries.length).toBeGreaterThanOrEqual(10);
    expect(retries.join('')).toContain('451');
    expect(retries.join('')).toContain('r•••@e•••.org');
    expect(logs.join('')).not.toMatch(/refused\d@example\.org/);
    // eslint-disable-next-line no-console
    console.log(`refusing server: ${smtp.refusals} refusals, ${after.retried} retries, all 10 delivered ${recovery} ms after it came back`);
  });

  it('gives up after the last attempt, logs it and counts it', async () => {
    const { app, logs } = await startMailApp({ SMTP_URL: smtp.url, MAIL_RETRY_BASE_MS: '50', MAIL_MAX_ATTEMPTS: '3' });
    apps.push(app);
    smtp.refuse(true);
    const record = await makeCase(app, { language: 'fr', contact: { email: 'lost@example.org', confirmedAt: new Date().toISOString() } });
    expect((await app.notifications.notifier.notifyRequestRecorded(record)).queued).toBe(true);
    const deadline = Date.now() + 10000;
    while ((await app.notifications.outbox!.stats()).failed === 0 && Date.now() < deadline) await settle(50);
    expect(await app.notifications.outbox!.stats()).toMatchObject({ failed: 1, retried: 2, pending: 0 });
    expect(logs.join('')).toContain('e-mail given up after the last attempt');
    expect(logs.join('')).not.toContain('lost@example.org');
  });

  it('a restart loses nothing queued', async () => {
    const first = await startMailApp({ SMTP_URL: smtp.url });
    await first.app.notifications.outbox!.stop(); // this instance queues but never delivers
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const record = await makeCase(first.app, { language: 'fr', contact: { email: `restart${i}@example.org`, confirmedAt: new Date().toISOString() } });
      const r = await first.app.notifications.notifier.notifyRequestRecorded(record);
      if (r.queued) ids.push(r.id);
    }
    await first.app.close();
    await settle(300);
    expect(smtp.received).toHaveLength(0);

    const second = await startMailApp({ SMTP_URL: smtp.url, REDIS_KEY_PREFIX: first.prefix });
    apps.push(second.app);
    await smtp.waitFor(5);
    const counts = countById(smtp);
    for (const id of ids) expect(counts.get(messageId(id, FROM))).toBe(1);
  });

  it('a message held by an instance that died is taken over, and sent once', async () => {
    const redis = new Redis(process.env.TEST_REDIS_URL as string, { maxRetriesPerRequest: 1 });
    const keys = keyspace(`o${randomUUID().slice(0, 8)}`);
    const logger = pino({ level: 'silent' });
    const transport = new SmtpTransport({ url: smtp.url, from: FROM });
    const mail = (id: string): OutgoingMail => ({ id, kind: 'agent_answer', reference: 'RF-ABCDE', language: 'en', to: 'x@example.org', subject: 'S', text: 'T', html: '<p>T</p>' });
    try {
      const dead = new Outbox(redis as never, keys, transport, logger, { maxAttempts: 3, retryBaseMs: 50, consumer: 'dead' });
      await dead.enqueue(mail('RF-ABCDE:answer:1'));
      // The dead instance read the message, then "crashed" before sending or acknowledging it.
      await redis.xgroup('CREATE', keys.global('mail', 'stream'), 'senders', '0', 'MKSTREAM').catch(() => undefined);
      const read = await redis.xreadgroup('GROUP', 'senders', 'dead', 'COUNT', 10, 'STREAMS', keys.global('mail', 'stream'), '>');
      expect(read).not.toBeNull();
      const live = new Outbox(redis as never, keys, transport, logger, { maxAttempts: 3, retryBaseMs: 50, claimIdleMs: 300, pollMs: 50, consumer: 'live' });
      live.start();
      await smtp.waitFor(1, 10000);
      await settle(800);
      await live.stop();
      expect(smtp.received).toHaveLength(1);
      expect(await live.stats()).toMatchObject({ sent: 1, pending: 0 });
    } finally {
      await transport.close();
      await redis.quit();
    }
  });

  it('an enqueue that timed out while Redis hung is queued once, and its caller is told it was queued', async () => {
    const server = await startRedis();
    const redis = createRedisClient({ url: server.url, commandTimeoutMs: 200 });
    const other = createRedisClient({ url: server.url, commandTimeoutMs: 3000 });
    const keys = keyspace(`o${randomUUID().slice(0, 8)}`);
    const transport = new SmtpTransport({ url: smtp.url, from: FROM });
    const mail: OutgoingMail = { id: 'RF-HUNG1:answer:1', kind: 'agent_answer', reference: 'RF-HUNG1', language: 'en', to: 'x@example.org', subject: 'S', text: 'T', html: '<p>T</p>' };
    try {
      await Promise.all([waitUntilReady(redis), waitUntilReady(other)]);
      const outbox = new Outbox(redis, keys, transport, pino({ level: 'silent' }), { maxAttempts: 3, retryBaseMs: 100 });
      // Redis hangs for 600 ms: the first attempt (and the second) time out on the client, then are
      // all applied, in order, once Redis answers again.
      server.process.kill('SIGSTOP');
      const resumed = settle(600).then(() => server.process.kill('SIGCONT'));
      const queued = await outbox.enqueue(mail);
      await resumed;
      expect(queued).toBe(true);
      // The same message from another instance (another call): already queued.
      expect(await new Outbox(other, keys, transport, pino({ level: 'silent' }), { maxAttempts: 3, retryBaseMs: 100 }).enqueue(mail)).toBe(false);
      expect(await other.xlen(keys.global('mail', 'stream'))).toBe(1);
      expect(await outbox.stats()).toMatchObject({ queued: 1, duplicates: 1, pending: 1 });
    } finally {
      server.process.kill('SIGCONT');
      redis.disconnect();
      other.disconnect();
      await transport.close();
      await server.stop();
    }
  });

  describe('per-message markers in their own slot', () => {
    const logger = pino({ level: 'silent' });
    const mail = (id: string): OutgoingMail => ({ id, kind: 'agent_answer', reference: 'RF-SLOTS', language: 'en', to: 'slot@example.org', subject: 'S', text: 'T', html: '<p>T</p>' });
    let redis: Redis;
    let transport: SmtpTransport;
    beforeEach(() => {
      redis = new Redis(process.env.TEST_REDIS_URL as string, { maxRetriesPerRequest: 1 });
      transport = new SmtpTransport({ url: smtp.url, from: FROM });
    });
    afterEach(async () => {
      await transport.close();
      await redis.quit();
    });
    const allKeys = async (prefix: string) => {
      const out: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        out.push(...found);
      } while (cursor !== '0');
      return out;
    };

    it('once sent, nothing of an e-mail is left under {mail}; its markers are in its own slot', async () => {
      const keys = keyspace(`o${randomUUID().slice(0, 8)}`);
      const outbox = new Outbox(redis as never, keys, transport, logger, { maxAttempts: 3, retryBaseMs: 50, pollMs: 20 });
      const ids = Array.from({ length: 30 }, (_, i) => `RF-SLOTS:answer:${i}`);
      for (const id of ids) expect(await outbox.enqueue(mail(id))).toBe(true);
      expect(await outbox.enqueue(mail(ids[0]))).toBe(false);
      outbox.start();
      await smtp.waitFor(30, 15000);
      await outbox.stop();
      const mailSlot = calculateSlot(keys.global('mail'));
      const shared = (await allKeys(keys.prefix)).filter((k) => calculateSlot(k) === mailSlot).sort();
      // The stream (empty, kept for its consumer group) and the counters: nothing per message.
      expect(shared).toEqual([keys.global('mail', 'stats'), keys.global('mail', 'stream')]);
      expect(await redis.xlen(keys.global('mail', 'stream'))).toBe(0);
      for (const id of ids) {
        expect(calculateSlot(mailMessageKey(keys, id, 'sent'))).toBe(calculateSlot(mailMessageKey(keys, id, 'key')));
        expect(await redis.exists(mailMessageKey(keys, id, 'sent'))).toBe(1);
        // The marker keeps the token, not the message (its copy went once it was in the stream).
        expect(await redis.hget(mailMessageKey(keys, id, 'key'), 'mail')).toBeNull();
        expect(await redis.exists(mailMessageKey(keys, id, 'lock'))).toBe(0);
      }
      const slots = new Set(ids.map((id) => calculateSlot(mailMessageKey(keys, id, 'key'))));
      expect(slots.size).toBeGreaterThan(20); // spread over the slots, not one
      expect(await outbox.stats()).toMatchObject({ queued: 30, sent: 30, duplicates: 1, pending: 0 });
    });

    it('an enqueue that died after marking its message: queued by the recovery, sent once; another call meanwhile is a duplicate', async () => {
      const keys = keyspace(`o${randomUUID().slice(0, 8)}`);
      const id = 'RF-CRASH:answer:1';
      const token = randomUUID();
      // What JOURNAL and MARK of the dead call left (its journal entry 40 s old), and nothing in the stream.
      const now = Number((await redis.time())[0]) * 1000;
      await redis.zadd(keys.global('mail', 'enqueuing'), now - 40_000, `${token}:${id}`);
      await redis.hset(mailMessageKey(keys, id, 'key'), 't', token, 'q', '0', 'mail', JSON.stringify(mail(id)));
      // And one that died before marking, long ago: nothing was promised, its entry is dropped.
      await redis.zadd(keys.global('mail', 'enqueuing'), now - 11 * 60_000, `${randomUUID()}:RF-CRASH:answer:2`);
      const outbox = new Outbox(redis as never, keys, transport, logger, { maxAttempts: 3, retryBaseMs: 50, pollMs: 20, claimIdleMs: 200 });
      expect(await outbox.enqueue(mail(id))).toBe(false);
      outbox.start();
      await smtp.waitFor(1, 10000);
      await settle(600);
      await outbox.stop();
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0].messageId).toBe(messageId(id, FROM));
      expect(await redis.zcard(keys.global('mail', 'enqueuing'))).toBe(0);
      expect(await outbox.stats()).toMatchObject({ queued: 1, sent: 1, duplicates: 1, pending: 0 });
    });

    it('a step applied by Redis whose reply was lost (a client timeout) is retried without queuing the message twice', async () => {
      const keys = keyspace(`o${randomUUID().slice(0, 8)}`);
      const outbox = new Outbox(redis as never, keys, transport, logger, { maxAttempts: 3, retryBaseMs: 50 });
      // Every step of the first enqueue runs in Redis, then its reply is "lost" once.
      // Scripts go by hash (src/storage/scripts.ts: EVAL with the text once per connection, then EVALSHA).
      const real = redis.sendCommand.bind(redis) as (command: { name: string; args: unknown[]; promise: Promise<unknown> }) => unknown;
      const lost = new Set<string>();
      (redis as unknown as { sendCommand: unknown }).sendCommand = (command: { name: string; args: unknown[]; promise: Promise<unknown> }) => {
        const script = String(command.args[0]);
        if ((command.name === 'eval' || command.name === 'evalsha') && !lost.has(script)) {
          lost.add(script);
          const applied = command.promise;
          const out = real(command);
          // Applied by Redis, reply lost: the caller sees a timeout once the reply has come.
          (command as { promise: Promise<unknown> }).promise = applied.then(() => Promise.reject(new Error('Command timed out')));
          return out;
        }
        return real(command);
      };
      try {
        expect(await outbox.enqueue(mail('RF-LOST1:answer:1'))).toBe(true);
      } finally {
        delete (redis as unknown as { sendCommand?: unknown }).sendCommand;
      }
      expect(lost.size).toBeGreaterThanOrEqual(3); // JOURNAL, MARK, ADD (CONFIRM is best effort)
      expect(await redis.xlen(keys.global('mail', 'stream'))).toBe(1);
      expect(await redis.zcard(keys.global('mail', 'enqueuing'))).toBe(0);
      expect(await outbox.stats()).toMatchObject({ queued: 1, duplicates: 0, pending: 1 });
      expect(await outbox.enqueue(mail('RF-LOST1:answer:1'))).toBe(false);
    });

    it('an instance that died after writing `sent`, before acknowledging: the entry is dropped, not sent again', async () => {
      const keys = keyspace(`o${randomUUID().slice(0, 8)}`);
      const id = 'RF-CRASH:answer:3';
      const dead = new Outbox(redis as never, keys, transport, logger, { maxAttempts: 3, retryBaseMs: 50, consumer: 'dead' });
      expect(await dead.enqueue(mail(id))).toBe(true);
      await redis.xgroup('CREATE', keys.global('mail', 'stream'), 'senders', '0', 'MKSTREAM').catch(() => undefined);
      expect(await redis.xreadgroup('GROUP', 'senders', 'dead', 'COUNT', 10, 'STREAMS', keys.global('mail', 'stream'), '>')).not.toBeNull();
      await redis.set(mailMessageKey(keys, id, 'sent'), '1', 'EX', 3600); // SENT ran, DONE did not
      const live = new Outbox(redis as never, keys, transport, logger, { maxAttempts: 3, retryBaseMs: 50, claimIdleMs: 200, pollMs: 20, consumer: 'live' });
      live.start();
      const deadline = Date.now() + 10000;
      while ((await redis.xlen(keys.global('mail', 'stream'))) > 0 && Date.now() < deadline) await settle(100);
      await live.stop();
      expect(await redis.xlen(keys.global('mail', 'stream'))).toBe(0);
      expect(smtp.received).toHaveLength(0);
    });
  });
});
