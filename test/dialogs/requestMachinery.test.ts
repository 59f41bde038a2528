import { caseFactsSchema } from '../../src/eligibility';
import { RequestDialog } from '../../dialogs/request/requestDialog';
import { orderSlot, yesNoQuestion } from '../../dialogs/request/slots';
import type { BaseSlots, TopicSpec } from '../../dialogs/request/spec';
import type { TopicDeps } from '../../dialogs/refund/deps';
import { createHarness, Harness } from './harness';
import { casesOf, confirm, T } from './flow';

/*
 * The request machinery on its own, with a made-up topic of a few lines (what a fourth topic costs):
 * a shared slot, a button question, summary with correction, the default
 * conclusion (engine, case, one answer). Its strings borrow the refund's keys: a real topic has its own.
 */
interface ToySlots extends BaseSlots {
  urgent?: boolean;
}

function toyTopic(deps: TopicDeps): TopicSpec<ToySlots> {
  return {
    id: 'toy',
    caseTopic: 'refund',
    ns: 'refund',
    fill: (text) => (/FL-\d{6}/.test(text) ? { order: { number: /FL-\d{6}/.exec(text)![0], lookup: 'pending' } } : {}),
    noted: (t, _lang, s) => (s.order ? [t('refund:notedOrder', { order: s.order.number })] : []),
    slots: [
      orderSlot<ToySlots>(),
      {
        name: 'urgent',
        ask: ({ state }) => (state.slots.urgent === undefined ? yesNoQuestion('refund:proAgent.offer') : undefined),
        accept: ({ state }, v) => {
          state.slots.urgent = v === 'yes';
        },
      },
    ],
    summary: (t, _lang, state) => [
      { field: 'order', label: t('refund:summary.order'), value: state.slots.order?.number ?? '—' },
      { field: 'urgent', label: 'urgent', value: state.slots.urgent ? t('refund:yes') : t('refund:no') },
    ],
    facts: ({ state, now }) =>
      caseFactsSchema.parse({
        topic: 'refund',
        now: now.toISOString(),
        order: state.order?.facts ?? null,
        claims: { ...(state.slots.order ? { orderNumber: state.slots.order.number } : {}), ...(state.slots.urgent ? { urgent: true } : {}) },
      }),
    answer: (d, { reference }) => ({ outcome: `toy outcome: ${d.outcome}`, next: [], ...(reference ? { reference: `toy ref ${reference}` } : {}) }),
  };
}

describe('request machinery with a made-up topic', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({}, { extraTopics: (deps) => [{ id: 'toy', titleKey: 'refund:menu.title', intent: 'topic.refund', dialog: new RequestDialog(toyTopic(deps), deps) }] });
  });
  afterAll(() => h.close());

  it('asks each slot in order (shared order lookup, buttons), corrects one field from the summary, records the case and answers once', async () => {
    const t = T('en');
    const c = h.conversation({ user: 'demo-camille', locale: 'en' });
    const first = await c.send({ text: 'toy FL-100001', value: { topic: 'toy' } });
    // The menu button starts the topic without text; the order is then asked.
    expect(first).toContain(t('refund:ask.order'));
    const found = await c.send('FL-100001');
    expect(found).toContain("I found order FL-100001");
    expect(found).toContain(t('refund:proAgent.offer'));
    const summary = await c.send(t('refund:no'));
    expect(summary).toContain('"title":"urgent","value":"No"');
    const again = await c.send({ value: { action: 'refund.correct', field: 'urgent' } });
    expect(again).toContain(t('refund:summary.correcting'));
    expect(again).toContain(t('refund:proAgent.offer'));
    expect(await c.send(t('refund:yes'))).toContain('"title":"urgent","value":"Yes"');
    const answer = await c.send(confirm);
    expect(answer).toContain('toy outcome:');
    const [record] = await casesOf(h, c, 'ACC-CAMILLE');
    expect(answer).toContain(`toy ref ${record.reference}`);
    expect(record.facts.claims).toMatchObject({ orderNumber: 'FL-100001', urgent: true });
  });
});
