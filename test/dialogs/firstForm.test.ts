import type { Language } from '../../src/i18n';
import { createHarness, Harness, type Reply } from './harness';
import { T } from './flow';

/*
 * "Can I just fill in a form?" as the very first message, before any topic: the refund topic
 * starts and shows its form where the channel shows cards (the question under it does not offer
 * the form again); elsewhere the refund topic starts with its first question.
 */
type Data = Record<string, unknown>;
const cards = (replies: Reply[]): { body: Data[]; actions: { data: Data }[] }[] => replies.flatMap((r) => r.activity.attachments ?? []).map((a) => a.content as never);

const ASKS: Record<Language, string[]> = {
  en: ['can I just fill a form?', 'fill in a form'],
  fr: ['formulaire', 'je préfère remplir un formulaire'],
};

describe.each(['en', 'fr'] as const)('a form asked for as the first message (%s)', (lang) => {
  const t = T(lang);
  let h: Harness;
  beforeAll(async () => (h = await createHarness()), 60000);
  afterAll(() => h.close());

  it.each(ASKS[lang])('"%s" on Web Chat starts the refund topic with its form, and the form fills the request', async (text) => {
    const c = h.conversation({ locale: lang, channelId: 'webchat', user: `u-${Math.random()}` });
    const first = await c.say(text);
    const all = first.map((r) => r.text).join('\n');
    expect(all).toContain(t('refund:start'));
    expect(all).toContain(t('refund:ask.order'));
    expect(all).not.toContain(t('common:menu.retry'));
    expect(all).not.toContain(t('common:menu.prompt'));
    const form = cards(first).find((x) => x.body.some((b) => b.text === t('refund:form.title')));
    expect(form).toBeDefined();
    const offers = first.flatMap((r) => r.activity.suggestedActions?.actions ?? []).map((a) => a.title);
    expect(offers).not.toContain(t('refund:form.offer'));

    const submit = form!.actions.find((a) => a.data.action === 'refund.form')!;
    const next = await c.send({ value: { ...submit.data, orderNumber: 'FL-100001', amount: lang === 'fr' ? '49 €' : '€49', reason: 'paid_by_mistake', proofReference: '' } });
    expect(next).toContain(t('refund:ask.proofOptional'));
  });

  it('on a channel without cards, the refund topic starts with its first question', async () => {
    const c = h.conversation({ locale: lang, channelId: 'sms', user: `u-${Math.random()}` });
    const first = await c.say(ASKS[lang][0]);
    const all = first.map((r) => r.text).join('\n');
    expect(all).toContain(t('refund:start'));
    expect(all).toContain(t('refund:ask.order'));
    expect(cards(first)).toHaveLength(0);
  });
});
