import type { Language } from '../../src/i18n';
import { createHarness, Harness } from './harness';
import { confirm, referenceIn, T, toSummary } from './flow';

/*
 * One clear answer, in both languages: a review is one message holding the offer of a person (no
 * second "passed to our team" message), says nothing twice, never reads like a refusal and has no
 * "first answer" line; the R7 offer explains itself once, in words that fit the ad (an ad that has
 * run is not said to be running, nor offered a pause).
 */
describe.each(['en', 'fr'] as const)('one clear answer (%s)', (lang: Language) => {
  const t = T(lang);
  let h: Harness;
  beforeEach(async () => (h = await createHarness()));
  afterEach(() => h.close());

  it('a review (the amount differs from the order) is one message with the offer of a person in it', async () => {
    const c = h.conversation({ locale: lang });
    await toSummary(c, { lang, order: 'FL-100001', amount: lang === 'fr' ? '10 €' : '€10', reason: 'paid_by_mistake' });
    const replies = await c.say(confirm);
    expect(replies).toHaveLength(1);
    const answer = replies[0].text;
    const ref = referenceIn(answer);
    expect(answer).toContain(t('refund:answer.outcome.needs_review'));
    expect(answer).toContain(t('human:inAnswer.followUp'));
    // Said once: the reference, that the team looks at it; no "first answer" in a review; not a refusal.
    expect(answer.split(ref)).toHaveLength(2);
    expect(answer).not.toContain(t('refund:nextSteps.agent_review'));
    expect(answer).not.toContain(t('human:handedOver.needs_review', { reference: ref }));
    expect(answer).not.toContain(t('refund:answer.provisional'));
    expect(answer).not.toContain(t('refund:answer.outcome.refusal'));
    expect(answer).not.toMatch(/sorry|désolé|can't be refunded|ne peut pas être remboursé/i);
    expect((await h.cases.get(ref))?.status).toBe('awaiting_review');
  });

  it('an approval is one message that says it is provisional once', async () => {
    const c = h.conversation({ locale: lang });
    await toSummary(c, { lang, order: 'FL-100001', amount: lang === 'fr' ? '49 €' : '€49', reason: 'paid_by_mistake' });
    const replies = await c.say(confirm);
    expect(replies).toHaveLength(1);
    expect(replies[0].text.split(t('refund:answer.provisional'))).toHaveLength(2);
  });

  it('R7 for an ad that has finished: explained once, as an ad that has run, with no pause offered', async () => {
    const c = h.conversation({ locale: lang });
    await toSummary(c, { lang, order: 'FL-100003', amount: lang === 'fr' ? '80 €' : '€80', reason: 'results_too_low' });
    const offer = await c.send(confirm);
    expect(offer).toContain(t('refund:why.R7_started'));
    expect(offer).toContain(t('refund:answer.outcome.suggest_alternative_change'));
    expect(offer).not.toContain(t('refund:why.R7'));
    expect(offer).not.toContain(t('refund:alternative.options.pause_ad'));
    expect(offer.split(t('refund:alternative.offer'))).toHaveLength(2);
  });
});
