/**
 * Property: whatever the cases and however the clock moves, two sweepers running side by side on one
 * Redis (separate connections) leave each case where a single careful clerk would, having made each
 * change once and told each customer once.
 */
import fc from 'fast-check';
import Redis from 'ioredis';
import pino from 'pino';
import { RedisCaseRepository } from '../../src/cases/repository';
import type { CaseOwner, CaseRecord } from '../../src/cases/types';
import { runSweep } from '../../src/disputes/sweep';
import { DemoData } from '../../src/services/demo/data';
import { DemoMerchantsAdapter } from '../../src/services/demo/adapters';
import { keyspace } from '../../src/storage/keys';
import { disputeCase } from '../support/disputeCases';

const data = DemoData.load();
const logger = pino({ level: 'silent' });
const T0 = Date.parse('2031-03-15T10:00:00.000Z');
const MIN = 60_000;
const DAY = 1440 * MIN;
const owner: CaseOwner = { channelId: 'directline', userId: 'noah', accountId: 'ACC-NOAH' };

/** Which demo order, hence which merchant: Atelier Verre (never, 7 days), SoundPoint (answers after 2 h, 7 days), Colis Express (never, 3 minutes); or not sent. */
const KINDS = { never: 'FL-900004', answers: 'FL-900005', quick: 'FL-900007', open: 'FL-900001' } as const;
type Kind = keyof typeof KINDS;

let r1: Redis;
let r2: Redis;
beforeAll(() => {
  r1 = new Redis(process.env.TEST_REDIS_URL as string);
  r2 = new Redis(process.env.TEST_REDIS_URL as string);
});
afterAll(async () => {
  await r1.quit();
  await r2.quit();
});

it('two sweepers: each change once, each customer told once, every case where it should be', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ kind: fc.constantFrom<Kind>('never', 'answers', 'quick', 'open'), createdAfter: fc.integer({ min: 0, max: 3 * DAY }) }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 4 * DAY }), { minLength: 1, maxLength: 6 }),
      async (specs, steps) => {
        const keys = keyspace(`test-sweepprop-${process.pid}-${++run}`);
        let now = T0;
        const clock = () => new Date(now);
        const told: string[] = [];
        const sides = [r1, r2].map((redis, i) => ({
          cases: new RedisCaseRepository(redis, keys, { now: clock }),
          merchants: new DemoMerchantsAdapter(data, redis, keys, { now: clock }),
          by: `system:sweep-${i}`,
        }));
        const sweepBoth = () =>
          Promise.all(
            sides.map((s) =>
              runSweep({ cases: s.cases, merchants: s.merchants, logger, now: clock, by: s.by, tellInChat: async (rec) => void told.push(rec.reference) }),
            ),
          );
        try {
          // Cases are filed over time, the sweepers running between; the clock only moves forward.
          const created: { kind: Kind; record: CaseRecord; at: number }[] = [];
          const events = [
            ...specs.map((s) => ({ at: T0 + s.createdAfter, spec: s })),
            ...steps.reduce<number[]>((acc, d) => [...acc, (acc.at(-1) ?? T0) + d], []).map((at) => ({ at, spec: undefined })),
          ].sort((x, y) => x.at - y.at);
          for (const e of events) {
            now = e.at;
            if (e.spec) {
              const orderId = KINDS[e.spec.kind];
              const draft = await disputeCase(owner, { now: clock(), orderId, conversationId: `conv-${created.length}` });
              if (e.spec.kind === 'open') {
                created.push({ kind: 'open', record: await sides[0]!.cases.create(draft), at: now });
              } else {
                const merchantName = data.order(orderId, clock())!.merchantName!;
                const record = await sides[0]!.cases.create({ ...draft, status: 'waiting_merchant' });
                const { deadline } = await sides[1]!.merchants.sendComplaint({ caseRef: record.reference, merchantName, orderId, problem: 'not_arrived', language: 'en', message: 'Never arrived.' });
                await sides[1]!.cases.setDispute(record.reference, { merchantName, merchantDeadline: deadline }, 'bot');
                created.push({ kind: e.spec.kind, record, at: now });
              }
            } else {
              await sweepBoth();
            }
          }
          // The last event may be a filing: one more sweep at the end.
          await sweepBoth();

          for (const c of created) {
            const rec = (await sides[0]!.cases.get(c.record.reference))!;
            const deadline = c.at + (c.kind === 'quick' ? 3 * MIN : 7 * DAY);
            const expected =
              c.kind === 'open' || now < deadline ? (c.kind === 'open' ? 'open' : 'waiting_merchant') : c.kind === 'answers' ? 'open' : 'platform_review';
            if (rec.status !== expected) return false;
            const moves = rec.history.filter((h) => h.by.startsWith('system:sweep') && h.status !== rec.history[0]!.status && !h.note?.startsWith('customer told'));
            if (moves.length !== (expected === rec.history[0]!.status ? 0 : 1)) return false;
            const tellings = told.filter((r) => r === rec.reference).length;
            if (tellings !== (expected === 'platform_review' ? 1 : 0)) return false;
          }
          return true;
        } finally {
          const found = await r1.keys(keys.pattern());
          if (found.length) await r1.del(...found);
        }
      },
    ),
    { numRuns: 12 },
  );
}, 120_000);
