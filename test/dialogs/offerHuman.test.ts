import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { TestAdapter, TurnContext } from 'botbuilder';
import { offerHuman, HumanOffer } from '../../src/handoff/offerHuman';
import { RedisCaseRepository } from '../../src/cases/repository';
import { keyspace } from '../../src/storage/keys';
import { TURN } from '../../src/bot/turnContext';
import { translator, type Language } from '../../src/i18n';
import type { CaseStatus } from '../../src/cases/types';

describe('offerHuman: the one place a human is offered', () => {
  const redis = new Redis(process.env.TEST_REDIS_URL as string);
  const keys = keyspace(`oh${randomUUID().slice(0, 8)}`);
  const cases = new RedisCaseRepository(redis as never, keys);
  afterAll(() => redis.quit());

  async function newCase(status: 'submitted' | 'awaiting_review' = 'submitted') {
    return cases.create({
      topic: 'refund',
      profile: 'standard',
      owner: { channelId: 'test', userId: 'u1' },
      facts: { topic: 'refund', now: new Date().toISOString(), claims: {}, proof: {} },
      decision: {
        outcome: 'needs_review', clauses: ['R3'], topic: 'refund', profile: 'standard', refund: null, timeline: null,
        nextSteps: [], alternatives: [], missingFacts: ['order'], conflictingFacts: [], review: { required: true, priority: 'normal', reasons: ['missing_facts'] },
        facts: [{ code: 'fact.missing', values: { fact: 'order' } }],
      },
      language: 'en',
      conversationReference: {},
      status,
    });
  }

  async function run(lang: Language, offer: HumanOffer, onOffer?: (s: CaseStatus | undefined) => void) {
    const said: string[] = [];
    const adapter = new TestAdapter(async (ctx: TurnContext) => {
      ctx.turnState.set(TURN.language, lang);
      const r = await offerHuman(ctx, offer, { cases, onOffer: async (_c, _o, s) => onOffer?.(s) });
      said.push(JSON.stringify(r));
    });
    await adapter.processActivity({ type: 'message', text: 'x' });
    return { replies: adapter.activeQueue.splice(0).map((a) => a.text ?? ''), result: JSON.parse(said[0]) };
  }

  it.each([
    ['user_asked', 'en'],
    ['three_failures', 'fr'],
    ['unknown_order', 'en'],
    ['needs_review', 'fr'],
    ['service_unavailable', 'en'],
  ] as const)('%s (%s): marks the case for review and says how and when the team follows up', async (reason, lang) => {
    const c = await newCase();
    let hooked: CaseStatus | undefined;
    const { replies, result } = await run(lang, { reason, caseRef: c.reference }, (s) => (hooked = s));
    const t = translator(lang);
    expect(replies.join(' ')).toContain(t(`human:handedOver.${reason}`, { reference: c.reference }));
    expect(replies.join(' ')).toContain(t('human:followUp', { reference: c.reference }));
    expect(result).toEqual({ marked: true, status: 'awaiting_review' });
    const after = await cases.get(c.reference);
    expect(after?.status).toBe('awaiting_review');
    expect(after?.history.at(-1)?.note).toBe(`handoff:${reason}`);
    expect(hooked).toBe('awaiting_review');
  });

  it('pro_priority: the priority follow-up (R8)', async () => {
    const c = await newCase();
    const { replies } = await run('en', { reason: 'pro_priority', caseRef: c.reference, priority: 'pro' });
    expect(replies.join(' ')).toContain(translator('en')('human:followUpPriority', { reference: c.reference }));
  });

  it('a case already waiting for review is left as it is', async () => {
    const c = await newCase('awaiting_review');
    const { result } = await run('en', { reason: 'needs_review', caseRef: c.reference });
    expect(result.status).toBe('awaiting_review');
    expect((await cases.get(c.reference))?.history).toHaveLength(1);
  });

  it('without a case, tells the user how to get the team to follow up', async () => {
    const { replies, result } = await run('fr', { reason: 'user_asked' });
    expect(replies).toEqual([translator('fr')('human:noCase')]);
    expect(result).toEqual({ marked: false });
  });
});
