import type { Activity } from 'botbuilder';
import { createHarness, Harness } from './harness';
import { confirm, referenceIn, T } from './flow';

/* Every choice is a button showing its translated title (Teams and Web Chat); out-of-date cards change nothing. */
const buttonsOf = (a: Partial<Activity>) =>
  (a.attachments ?? []).flatMap((x) => ((x.content as { buttons?: { title: string; value: string }[] })?.buttons ?? []).map((b) => [b.title, b.value]));

describe('buttons, not numbered lists', () => {
  let h: Harness;
  beforeAll(async () => (h = await createHarness()), 60000);
  afterAll(() => h.close());

  it.each([
    ['msteams', 'fr'],
    ['webchat', 'en'],
  ] as const)('%s (%s): the reasons, yes/no and the R7 offer are buttons with translated titles', async (channelId, lang) => {
    const t = T(lang);
    const c = h.conversation({ user: 'demo-pro', locale: lang, channelId });
    await c.send(lang === 'fr' ? 'remboursement FL-100002' : 'refund FL-100002');
    const replies = await c.say(t('refund:amountCheck.yes'));
    const reasonCard = replies.find((r) => r.text.includes(t('refund:ask.reason')))!;
    const buttons = buttonsOf(reasonCard.activity);
    expect(buttons.length).toBeGreaterThanOrEqual(7);
    for (const [title, value] of buttons) {
      expect(title).toBe(value);
      expect(title).not.toMatch(/^[a-z_]+$/);
    }
    expect(reasonCard.text).not.toMatch(/\n\s*1\. /);
    await c.send(t('refund:reasons.results_too_low.label'));
    await c.send(lang === 'fr' ? 'passer' : 'skip');
    const offer = await c.say(confirm);
    const titles = offer.flatMap((r) => buttonsOf(r.activity).map(([title]) => title));
    expect(titles).toEqual(expect.arrayContaining([t('refund:alternative.options.pause_ad'), t('refund:alternative.options.refund')]));
    expect(titles.join(' ')).not.toMatch(/pause_ad|change_targeting/);
  });

  it.each([
    ['msteams', 'en'],
    ['msteams', 'fr'],
    ['webchat', 'en'],
    ['webchat', 'fr'],
  ] as const)('%s (%s): the amount check ("Yes, that\'s right" / "It was another amount") is buttons, not a list', async (channelId, lang) => {
    const t = T(lang);
    const c = h.conversation({ user: 'demo-pro', locale: lang, channelId });
    const replies = await c.say(lang === 'fr' ? 'remboursement FL-100002' : 'refund FL-100002');
    const ask = replies.find((r) => r.text.includes(t('refund:amountCheck.yes')))!;
    expect(ask).toBeDefined();
    const wanted = [t('refund:amountCheck.yes'), t('refund:amountCheck.other')];
    const titles = channelId === 'msteams' ? buttonsOf(ask.activity).map(([title]) => title) : (ask.activity.suggestedActions?.actions ?? []).map((a) => a.title);
    expect(titles).toEqual(wanted);
    expect(ask.activity.text ?? '').not.toContain('•');
    // The button sends its own title, which the question reads.
    expect(await c.send(wanted[1])).toContain(t('refund:ask.amount'));
  });

  it('a summary card pressed after a correction, and after the request was sent, is out of date and changes nothing', async () => {
    const c = h.conversation({ locale: 'en' });
    await c.send('refund for FL-100001, I paid €49 by mistake');
    await c.send('skip');
    await c.send({ value: { action: 'refund.correct', field: 'amount' } });
    const stale = await c.send(confirm);
    expect(stale).toContain(T('en')('common:staleCard'));
    expect(stale).toContain(T('en')('refund:ask.amount'));
    await c.send('€49');
    const answer = await c.send(confirm);
    const ref = referenceIn(answer);
    const again = await c.send(confirm);
    expect(again).toContain(T('en')('common:staleCard'));
    expect(await h.cases.listByOwner({ channelId: c.channelId, userId: c.user })).toHaveLength(1);
    expect(ref).toBeDefined();
  });
});
