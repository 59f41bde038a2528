import type { Language } from '../../src/i18n';
import { createHarness, Harness } from './harness';
import { confirm, referenceIn, T, toSummary } from './flow';

/*
 * R7: for an ad that is running or finished, the bot offers to change it instead of a refund,
 * carries out the change through the ads port (demo adapter on Redis), confirms what changed, and
 * keeps the refund available (then the engine refuses with R6.2).
 */
interface Row {
  lang: Language;
  option: string;
  /** The AdChange kind noted on the case. */
  kind: string;
  answer: string;
  says: string[];
  check: (ad: NonNullable<Awaited<ReturnType<Harness['services']['ads']['getAd']>>>) => void;
}

const rows: Row[] = [
  { lang: 'en', option: 'change_targeting', kind: 'targeting', answer: 'Paris, Lyon', says: ['Targeting: FR, BE → Paris, Lyon'], check: (ad) => expect(ad.targeting.locations).toEqual(['Paris', 'Lyon']) },
  { lang: 'fr', option: 'change_call_to_action', kind: 'call_to_action', answer: 'Réserver', says: ['Bouton d\'action\u202f:', '→ Réserver'], check: (ad) => expect(ad.callToAction).toBe('book_now') },
  { lang: 'en', option: 'adjust_duration', kind: 'duration', answer: '10', says: ['End date:'], check: (ad) => expect(new Date(ad.endsAt).getTime()).toBeGreaterThan(Date.now() + 9 * 86_400_000) },
  { lang: 'fr', option: 'edit_post', kind: 'post', answer: 'Soldes de printemps, -20 % sur tout', says: ['Texte de l\'annonce\u202f:', '«\u202fSoldes de printemps, -20 % sur tout\u202f»'], check: (ad) => expect(ad.post.text).toBe('Soldes de printemps, -20 % sur tout') },
  { lang: 'en', option: 'pause_ad', kind: 'pause', answer: 'yes', says: ['Status: broadcasting → paused'], check: (ad) => expect(ad.status).toBe('paused') },
];

describe('R7: change the ad instead of a refund', () => {
  let h: Harness;
  beforeEach(async () => (h = await createHarness()));
  afterEach(() => h.close());

  it.each(rows.map((r) => [r.option, r.lang, r]))('%s (%s): carried out through the ads port, then closed', async (_o, _l, row) => {
    const r = row as Row;
    const t = T(r.lang);
    const c = h.conversation({ user: 'demo-pro', locale: r.lang === 'fr' ? 'fr-FR' : 'en-GB' });
    await toSummary(c, { lang: r.lang, order: 'FL-100002', amount: '120 €', reason: 'results_too_low' });
    const offer = await c.send(confirm);
    expect(offer).toContain(t('refund:answer.outcome.suggest_alternative'));
    expect(offer).toContain(t('refund:alternative.offer'));
    for (const o of ['change_targeting', 'change_call_to_action', 'adjust_duration', 'edit_post', 'pause_ad', 'refund']) {
      expect(offer).toContain(t(`refund:alternative.options.${o}`));
    }
    const question = await c.send(t(`refund:alternative.options.${r.option}`));
    expect(question.length).toBeGreaterThan(0);
    const done = await c.send(r.answer);
    expect(done).toContain(t('refund:alternative.done'));
    for (const s of r.says) expect(done).toContain(s);
    expect(done).toContain(t('refund:alternative.afterChange'));
    r.check((await h.services.ads.getAd('AD-100002'))!);

    const closed = await c.send(t('refund:alternative.afterChangeOptions.solved'));
    const ref = referenceIn(closed);
    const record = await h.cases.get(ref);
    expect(record?.decision.outcome).toBe('suggest_alternative');
    expect(record?.status).toBe('closed');
    expect(record?.history[0].note).toBe(`ad changed: ${r.kind}`);
    expect(record?.history.at(-1)?.status).toBe('closed');
  });

  it('the refund stays available: the engine is run again with the user insisting → refusal R6.2', async () => {
    const c = h.conversation({ user: 'demo-pro', locale: 'en-GB' });
    await c.send('I want a refund for FL-100002, the results are too low');
    await c.send('€120');
    await c.send('skip');
    await c.send(confirm);
    await c.send('Pause the ad');
    await c.send('yes');
    const refusal = await c.send('I still want a refund');
    expect(refusal).toContain(T('en')('refund:answer.lead.refusal'));
    expect(refusal).toContain(T('en')('refund:why.no.R6_2'));
    expect(refusal).toContain(T('en')('refund:why.no.R6_2'));
    const ref = referenceIn(refusal);
    const record = await h.cases.get(ref);
    expect(record?.decision.outcome).toBe('refusal');
    expect(record?.decision.clauses).toEqual(expect.arrayContaining(['R6.2', 'R7']));
    expect(record?.facts.claims.insistsOnRefund).toBe(true);
    expect((await h.services.ads.getAd('AD-100002'))?.status).toBe('paused');
  });

  it('a finished ad: no pause offered; choosing the refund at once gives the refusal', async () => {
    const c = h.conversation({ user: 'demo-camille', locale: 'fr-FR' });
    await toSummary(c, { lang: 'fr', order: 'FL-100003', amount: '80 €', reason: 'results_too_low' });
    const offer = await c.send(confirm);
    expect(offer).toContain('Modifier le ciblage');
    expect(offer).not.toContain('Mettre l\'annonce en pause');
    const refusal = await c.send('Je veux quand même être remboursé');
    expect(refusal).toContain(T('fr')('refund:why.no.R6_2'));
    expect((await h.cases.get(referenceIn(refusal)))?.decision.outcome).toBe('refusal');
  });

  it('a change the ads service refuses is explained, and another change can follow', async () => {
    const c = h.conversation({ user: 'demo-camille', locale: 'en-GB' });
    await toSummary(c, { lang: 'en', order: 'FL-100004', amount: '€60', reason: 'results_too_low' });
    await c.send(confirm);
    await c.send('Change the call to action');
    const ad = await h.services.ads.getAd('AD-100004');
    const same = await c.send(T('en')(`refund:alternative.cta.${ad!.callToAction}`));
    expect(same).toContain(T('en')('refund:alternative.refused.no_change'));
    const again = await c.send('Make another change');
    expect(again).toContain('What would you like to do?');
  });
});
