import { createHarness, type Harness } from './harness';
import { reasonLabel, T } from './flow';
import type { Language } from '../../src/i18n';

/*
 * An answer often holds more than the question asked ("FL-800005, I paid 5 days ago by card"): the
 * facts the topic reads in a first message are kept from any typed answer, said back, and never
 * asked for again (RequestDialog.keepOtherFacts). A fact already given is not replaced, and a number
 * that is not found is asked again once per answer, the other facts of that answer kept, as they are from an answer the
 * question itself cannot use.
 */
const LANGS: Language[] = ['en', 'fr'];
const START = {
  payment: { en: "my payment isn't showing", fr: "mon paiement n'apparaît pas" },
  dispute: { en: 'I have a problem with a seller', fr: "j'ai un souci avec un marchand" },
  refund: { en: 'I want a refund', fr: 'je veux un remboursement' },
};

describe('facts given in an answer to another question', () => {
  let h: Harness;
  beforeEach(async () => (h = await createHarness()));
  afterEach(() => h.close());

  it.each(LANGS)('payment: the date and how they paid, given with the purchase, are not asked again (%s)', async (lang) => {
    const t = T(lang);
    const c = h.conversation({ user: 'demo-noah', locale: lang });
    expect(await c.send(START.payment[lang])).toContain(t('payment:ask.order'));
    const reply = await c.send(lang === 'fr' ? "c'est la FL-800005, j'ai payé il y a 5 jours par virement" : "it's FL-800005, I paid 5 days ago by bank transfer");
    expect(reply).toContain(t('payment:notedMethod.bank_transfer'));
    expect(reply).toContain(t('refund:order.found', { order: 'FL-800005', what: t('refund:order.serviceType.merchant_purchase'), amount: lang === 'fr' ? '59,00\u00a0€' : '€59.00' }));
    expect(reply).not.toContain(t('payment:ask.paidAt'));
    expect(reply).not.toContain(t('payment:ask.method'));
    // Straight to the first of the three checks (P3).
    expect(reply).toContain(t('payment:ask.debited'));
  });

  it.each(LANGS)('dispute: what went wrong and how it went with the shop, given with the order, lead straight to the summary (%s)', async (lang) => {
    const t = T(lang);
    const c = h.conversation({ user: 'demo-noah', locale: lang });
    expect(await c.send(START.dispute[lang])).toContain(t('dispute:ask.order'));
    const reply = await c.send(lang === 'fr' ? 'FL-900004, le vase est arrivé cassé et ils ne répondent jamais' : 'FL-900004, the vase arrived broken and they never answer');
    expect(reply).toContain(t('dispute:notedProblem', { problem: t('dispute:problems.damaged.label') }));
    expect(reply).toContain(t('dispute:notedContact', { contact: t('dispute:contacts.no_reply.label') }));
    expect(reply).not.toContain(t('dispute:ask.problem'));
    expect(reply).toContain(t('dispute:summary.title'));
  });

  it.each(LANGS)('refund: a reason given with the order number is kept; an amount already given is not replaced (%s)', async (lang) => {
    const t = T(lang);
    const c = h.conversation({ user: 'demo-camille', locale: lang });
    const first = await c.send(lang === 'fr' ? 'je veux un remboursement de 49 €' : 'I want a refund of €49');
    expect(first).toContain(t('refund:ask.order'));
    const reply = await c.send(lang === 'fr' ? "FL-100001, j'ai payé par erreur, c'était 30 €" : 'FL-100001, I paid by mistake, it was €30');
    expect(reply).toContain(t('refund:notedReason', { reason: reasonLabel(lang, 'paid_by_mistake') }));
    // The amount said first stays (the summary can change it); the new one is not taken silently.
    expect(reply).not.toContain(t('refund:notedAmount', { amount: lang === 'fr' ? '30,00\u00a0€' : '€30.00' }));
    expect(reply).not.toContain(t('refund:ask.reason'));
    expect(reply).toContain(t('refund:ask.proofOptional'));
  });

  it.each(LANGS)('an order number not found is asked again once, and the date given with it is kept (%s)', async (lang) => {
    const t = T(lang);
    const c = h.conversation({ user: 'demo-noah', locale: lang });
    await c.send(START.payment[lang]);
    const reply = await c.send(lang === 'fr' ? "FL-123456, payé hier" : 'FL-123456, paid yesterday');
    expect(reply.split(t('refund:order.unknown', { order: 'FL-123456' })).length - 1).toBe(1);
    expect(reply).toContain(t('payment:ask.order'));
    const next = await c.send('FL-800005');
    expect(next).not.toContain(t('payment:ask.paidAt'));
    expect(next).toContain(t('payment:ask.method'));
  });

  it.each(LANGS)('an answer the question cannot use still gives its other facts (%s)', async (lang) => {
    const t = T(lang);
    const c = h.conversation({ user: 'demo-noah', locale: lang });
    await c.send(START.payment[lang]);
    // No order number in it: the date and the method are kept, and the question comes again, once.
    const reply = await c.send(lang === 'fr' ? "je l'ai payée hier par carte" : 'I paid it yesterday by card');
    expect(reply).toContain(t('payment:notedMethod.card'));
    expect(reply.split(t('payment:ask.order')).length - 1).toBe(1);
    const next = await c.send('FL-800005');
    expect(next).not.toContain(t('payment:ask.paidAt'));
    expect(next).not.toContain(t('payment:ask.method'));
  });
});
