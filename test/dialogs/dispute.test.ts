import { createHarness, type Conversation, type Harness } from './harness';
import { confirm, referenceIn, T } from './flow';
import type { Language } from '../../src/i18n';

/*
 * The dispute with a merchant (POLICY.md D1–D6), in both languages, with Noah's demo shop purchases
 * (docs/demo-data.md): what the customer reads at each clause path, and what the case records.
 */
const LANGS: [Language, string][] = [
  ['en', 'en-GB'],
  ['fr', 'fr-FR'],
];
const problem = (l: Language, p: string) => T(l)(`dispute:problems.${p}.label`);
const contact = (l: Language, c: string) => T(l)(`dispute:contacts.${c}.label`);
const START: Record<Language, string> = { en: 'I have a problem with a seller', fr: "j'ai un souci avec un marchand" };

/** From the start to the summary, one question at a time, pressing the buttons. */
async function toSummary(c: Conversation, lang: Language, order: string, p: string, k: string): Promise<string> {
  const out = [await c.send(START[lang])];
  expect(out[0]).toContain(T(lang)('dispute:ask.order'));
  out.push(await c.send(order));
  expect(out[1]).toContain(T(lang)('dispute:ask.problem'));
  out.push(await c.send(problem(lang, p)));
  out.push(await c.send(contact(lang, k)));
  expect(out[3]).toContain(T(lang)('dispute:summary.title'));
  return out.join('\n');
}

describe('dispute with a merchant', () => {
  let h: Harness;
  beforeEach(async () => (h = await createHarness()));
  afterEach(() => h.close());

  describe.each(LANGS)('in %s', (lang, locale) => {
    const t = T(lang);

    it('D1, D2: not contacted yet → why to start with the merchant, a message to copy, the case kept open', async () => {
      const c = h.conversation({ user: 'demo-noah', locale });
      const said = await toSummary(c, lang, 'FL-900001', 'not_arrived', 'not_contacted');
      // The buttons of both questions, in the customer's language.
      for (const p of ['not_arrived', 'damaged', 'not_as_ordered', 'payment_problem']) expect(said).toContain(problem(lang, p));
      for (const k of ['no_reply', 'invalid_address', 'unsatisfactory_offer', 'not_contacted']) expect(said).toContain(contact(lang, k));
      expect(said).toContain(t('dispute:ask.contact', { merchant: 'SoundPoint' }));
      const replies = await c.say(confirm);
      const all = replies.map((r) => r.text).join('\n');
      expect(all).toContain(t('dispute:firstContact.explain', { merchant: 'SoundPoint' }));
      // The message to copy is a message of its own: the order, the product, the problem, in their language.
      const message = replies.find((r) => r.activity.text?.includes('FL-900001') && r.activity.text.includes('Wireless headphones'));
      expect(message?.activity.text).toContain(t('dispute:problems.not_arrived.sentence'));
      expect(message?.activity.attachments ?? []).toEqual([]);
      const reference = referenceIn(all);
      expect(reference).toMatch(/^DS-/);
      expect(all).toContain(t('dispute:firstContact.after', { merchant: 'SoundPoint', reference }));
      expect(all).toContain(t('dispute:answer.closeButton'));
      expect(all).not.toMatch(/\bD\d(\.\d)?\b/);
      const record = await h.cases.get(reference);
      expect(record?.topic).toBe('dispute');
      expect(record?.status).toBe('open');
      expect(record?.decision.outcome).toBe('contact_merchant_first');
      expect(record?.decision.clauses).toEqual(['D2']);
    });

    it('the customer comes back: "the merchant didn\'t answer" continues the kept case → D2.1, D5 sent to the merchant with a deadline', async () => {
      const first = h.conversation({ user: 'demo-noah', locale });
      await toSummary(first, lang, 'FL-900001', 'not_arrived', 'not_contacted');
      const reference = referenceIn(await first.send(confirm));

      // Another day, another conversation: the customer says it in their own words.
      const c = h.conversation({ user: 'demo-noah', locale });
      const asked = await c.send(lang === 'en' ? "the merchant didn't answer" : "le vendeur n'a pas répondu");
      expect(asked).toContain(reference);
      expect(asked).toContain('Wireless headphones');
      expect(asked).toContain(t('dispute:resume.yes'));
      expect(asked).toContain(t('dispute:resume.close'));
      // They said how it went: no question about it, straight to the summary.
      const summary = await c.send(t('dispute:resume.yes'));
      expect(summary).toContain(t('dispute:summary.title'));
      expect(summary).toContain(contact(lang, 'no_reply'));
      expect(summary).not.toContain(t('dispute:ask.contact', { merchant: 'SoundPoint' }));
      const answer = await c.send(confirm);
      expect(answer).toContain(t('dispute:answer.delivery', { merchant: 'SoundPoint' }));
      expect(answer).toContain(reference);
      expect(answer).toMatch(lang === 'en' ? /SoundPoint has until \w+day \d{1,2} \w+ at \d\d:\d\d to answer you/ : /SoundPoint a jusqu'au \p{L}+ \d{1,2} \p{L}+ à \d\d\s?h\s?\d\d pour vous répondre/u);
      // One case: the kept one, now waiting for the merchant, whose complaint was sent.
      const mine = await h.cases.listByOwner({ channelId: c.channelId, userId: c.user, accountId: 'ACC-NOAH' });
      expect(mine.filter((r) => r.topic === 'dispute').map((r) => r.reference)).toEqual([reference]);
      const record = await h.cases.get(reference);
      expect(record?.status).toBe('waiting_merchant');
      expect(record?.dispute?.merchantDeadline).toBeDefined();
      expect(record?.history.map((x) => x.note).join(' / ')).toContain('D2.1');
      expect(await h.services.merchants.complaintStatus(reference)).not.toBeNull();
    });

    it('D2.2, D5: a damaged item, the merchant\'s address does not work → sent to the merchant, the customer told by when', async () => {
      const c = h.conversation({ user: 'demo-noah', locale });
      await toSummary(c, lang, 'FL-900004', 'damaged', 'invalid_address');
      const answer = await c.send(confirm);
      expect(answer).toContain(t('dispute:answer.delivery', { merchant: 'Atelier Verre' }));
      const record = await h.cases.get(referenceIn(answer));
      expect(record?.status).toBe('waiting_merchant');
      expect(record?.decision.clauses).toEqual(['D1', 'D2.2', 'D3', 'D5']);
      expect(record?.dispute?.complaintType).toBe('delivery');
    });

    it('D2.3, D5: not the product ordered, the merchant\'s offer does not suit → sent to the merchant', async () => {
      const c = h.conversation({ user: 'demo-noah', locale });
      await toSummary(c, lang, 'FL-900005', 'not_as_ordered', 'unsatisfactory_offer');
      const answer = await c.send(confirm);
      expect(answer).toContain(t('dispute:answer.delivery', { merchant: 'SoundPoint' }));
      expect((await h.cases.get(referenceIn(answer)))?.decision.clauses).toEqual(['D1', 'D2.3', 'D3', 'D5']);
    });

    it('D4: a payment complaint goes to the platform, answered the same day', async () => {
      const c = h.conversation({ user: 'demo-noah', locale });
      await toSummary(c, lang, 'FL-900006', 'payment_problem', 'no_reply');
      const answer = await c.send(confirm);
      expect(answer).toContain(t('dispute:answer.payment'));
      const record = await h.cases.get(referenceIn(answer));
      expect(record?.status).toBe('platform_review');
      expect(record?.decision.clauses).toEqual(['D1', 'D2.1', 'D3', 'D4']);
      expect(record?.decision.timeline?.kind).toBe('same_day');
      expect(record?.dispute?.complaintType).toBe('payment');
      expect(answer).toContain(t('dispute:answer.paymentNext', { date: '' }).split(',')[0]);
    });

    it('D3: a dispute already open on the purchase → follow it, no second case', async () => {
      const c = h.conversation({ user: 'demo-noah', locale });
      await toSummary(c, lang, 'FL-900002', 'not_arrived', 'no_reply');
      const answer = await c.send(confirm);
      expect(answer).toContain(t('dispute:answer.alreadyOpen'));
      expect(await h.cases.listByOwner({ channelId: c.channelId, userId: c.user, accountId: 'ACC-NOAH' })).toEqual([]);
    });

    it('D6.3: more than 180 days after the purchase → too late, said plainly', async () => {
      const c = h.conversation({ user: 'demo-noah', locale });
      await toSummary(c, lang, 'FL-900003', 'damaged', 'no_reply');
      const answer = await c.send(confirm);
      expect(answer).toContain(t('dispute:answer.tooOld'));
      expect(answer).not.toContain('D6.3');
    });

    it('D6.1: the customer closes their own case from the chat, with the button', async () => {
      const c = h.conversation({ user: 'demo-noah', locale });
      await toSummary(c, lang, 'FL-900001', 'damaged', 'not_contacted');
      const replies = await c.say(confirm);
      const reference = referenceIn(replies.map((r) => r.text).join('\n'));
      const card = replies.find((r) => r.text.includes(t('dispute:answer.closeButton')));
      const button = (card?.activity.attachments?.[0].content as { buttons: { value: unknown; text: string }[] }).buttons[0];
      // Pressed later, after the conversation moved on (the e-mail question is skipped by the menu).
      const closed = await c.send({ text: button.text, value: button.value as Record<string, unknown> });
      expect(closed).toContain(t('dispute:close.done', { reference }));
      expect((await h.cases.get(reference))?.status).toBe('closed_by_customer');
      expect(await c.send({ text: button.text, value: button.value as Record<string, unknown> })).toContain(t('dispute:close.already', { reference }));
    });

    it('D6.1: "it\'s sorted, close it" when coming back', async () => {
      const first = h.conversation({ user: 'demo-noah', locale });
      await toSummary(first, lang, 'FL-900001', 'not_arrived', 'not_contacted');
      const reference = referenceIn(await first.send(confirm));
      const c = h.conversation({ user: 'demo-noah', locale });
      expect(await c.send(START[lang])).toContain(reference);
      expect(await c.send(t('dispute:resume.close'))).toContain(t('dispute:close.done', { reference }));
      expect((await h.cases.get(reference))?.status).toBe('closed_by_customer');
    });

    it('another customer cannot close the case', async () => {
      const first = h.conversation({ user: 'demo-noah', locale });
      await toSummary(first, lang, 'FL-900001', 'not_arrived', 'not_contacted');
      const reference = referenceIn(await first.send(confirm));
      const other = h.conversation({ user: 'demo-camille', locale });
      expect(await other.send({ text: 'close', value: { topic: 'dispute', action: 'dispute.close', reference } })).toContain(t('dispute:close.notFound'));
      expect((await h.cases.get(reference))?.status).toBe('open');
    });

    it('"another purchase" on the way back starts a new complaint', async () => {
      const first = h.conversation({ user: 'demo-noah', locale });
      await toSummary(first, lang, 'FL-900001', 'not_arrived', 'not_contacted');
      await first.send(confirm);
      const c = h.conversation({ user: 'demo-noah', locale });
      await c.send(START[lang]);
      const next = await c.send(t('dispute:resume.other'));
      expect(next).toContain(t('dispute:ask.order'));
    });

    it('a purchase that is not from a shop has no merchant: the order is asked again', async () => {
      const c = h.conversation({ user: 'demo-camille', locale });
      await c.send(START[lang]);
      const said = await c.send('FL-100001');
      expect(said).toContain(t('dispute:order.notShop', { order: 'FL-100001' }));
      expect(said).toContain(t('dispute:ask.order'));
    });

    it('an answer the summary does not understand is asked again with the complaint\'s own fields', async () => {
      const c = h.conversation({ user: 'demo-noah', locale });
      await toSummary(c, lang, 'FL-900004', 'damaged', 'no_reply');
      const again = await c.send('hmm');
      expect(again).toContain(t('dispute:retry.summary'));
      expect(again).not.toContain(T(lang)('refund:retry.summary'));
    });

    it('a correction from the summary asks that question again, the rest kept', async () => {
      const c = h.conversation({ user: 'demo-noah', locale });
      await toSummary(c, lang, 'FL-900004', 'not_arrived', 'no_reply');
      const asked = await c.send({ value: { action: 'refund.correct', field: 'problem' } });
      expect(asked).toContain(t('dispute:ask.problem'));
      const summary = await c.send(problem(lang, 'damaged'));
      expect(summary).toContain(problem(lang, 'damaged'));
      expect(summary).toContain(contact(lang, 'no_reply'));
      expect(summary).toContain('FL-900004');
    });
  });

  it('on a channel without cards (SMS), every question and the D2 answer are plain text', async () => {
    const c = h.conversation({ user: 'demo-noah', locale: 'en-GB', channelId: 'sms' });
    const asked = await c.say(START.en);
    expect(asked.map((r) => r.text).join('\n')).toContain(T('en')('dispute:ask.order'));
    await c.send('FL-900001');
    const contactQuestion = await c.say(problem('en', 'not_arrived'));
    // The choices are listed in the text itself.
    expect(contactQuestion.map((r) => r.activity.text ?? '').join('\n')).toContain(contact('en', 'not_contacted'));
    await c.send(contact('en', 'not_contacted'));
    const replies = await c.say('confirm');
    for (const r of replies) expect(r.activity.attachments ?? []).toEqual([]);
    const all = replies.map((r) => r.activity.text ?? '').join('\n');
    expect(all).toContain('FL-900001');
    expect(all).toContain(T('en')('dispute:firstContact.after', { merchant: 'SoundPoint', reference: referenceIn(all) }));
  });

  describe('started from what customers type', () => {
    it.each([
      ['en', 'en-GB', 'my order never arrived'],
      ['fr', 'fr-FR', "ma commande n'est jamais arrivée"],
      ['fr', 'fr-FR', 'le vendeur ne répond pas'],
    ] as const)('"%s" (%s) starts the dispute', async (lang, locale, text) => {
      const c = h.conversation({ user: 'demo-noah', locale });
      const said = await c.send(text);
      expect(said).toContain(T(lang)('dispute:start'));
      expect(said).toContain(T(lang)('dispute:ask.order'));
    });

    it('everything in the first message: the order (a shop purchase, so one question), the problem and the merchant → the summary', async () => {
      const c = h.conversation({ user: 'demo-noah', locale: 'fr-FR' });
      // An order number starts the refund topic, which asks what kind of problem a shop purchase has.
      const asked = await c.send('mon colis FL-900004 est arrivé cassé et le vendeur ne répond pas');
      expect(asked).toContain(T('fr')('refund:shop.ask'));
      const said = await c.send(T('fr')('refund:shop.dispute'));
      expect(said).not.toContain(T('fr')('dispute:ask.order'));
      expect(said).not.toContain(T('fr')('dispute:ask.problem'));
      expect(said).toContain(T('fr')('dispute:summary.title'));
      expect(said).toContain(problem('fr', 'damaged'));
      expect(said).toContain(contact('fr', 'no_reply'));
      const answer = await c.send(confirm);
      expect(answer).toContain(T('fr')('dispute:answer.delivery', { merchant: 'Atelier Verre' }));
    });

    it('a free-text answer to a question is read by the recogniser', async () => {
      const c = h.conversation({ user: 'demo-noah', locale: 'en-GB' });
      await c.send(START.en);
      await c.send('FL-900005');
      expect(await c.send('they sent me the wrong size')).toContain(T('en')('dispute:ask.contact', { merchant: 'SoundPoint' }));
      const summary = await c.send('they only offered me a discount code');
      expect(summary).toContain(problem('en', 'not_as_ordered'));
      expect(summary).toContain(contact('en', 'unsatisfactory_offer'));
    });

    it.each([
      ['en', 'en-GB', 'no reply at all', 'no_reply'],
      ['en', 'en-GB', 'nope, not yet', 'not_contacted'],
      ['fr', 'fr-FR', "non, aucune réponse d'eux", 'no_reply'],
      ['fr', 'fr-FR', "l'adresse mail de la boutique n'existe plus", 'invalid_address'],
    ] as const)('"%s" (%s) answers how it went with the merchant, not a plain no', async (lang, locale, text, expected) => {
      const c = h.conversation({ user: 'demo-noah', locale });
      await c.send(START[lang]);
      await c.send('FL-900004');
      await c.send(problem(lang, 'damaged'));
      const summary = await c.send(text);
      expect(summary).toContain(T(lang)('dispute:summary.title'));
      expect(summary).toContain(contact(lang, expected));
    });

    it.each([['en', 'en-GB', 'a problem with a merchant'], ['fr', 'fr-FR', 'un problème avec un marchand']] as const)(
      'the welcome (%s) names it and the menu lists it',
      async (lang, locale, words) => {
        const c = h.conversation({ user: 'demo-noah', locale });
        const said = await c.send(lang === 'en' ? 'hi' : 'bonjour');
        expect(said).toContain(words);
        expect(said).toContain(T(lang)('dispute:menu.title'));
      },
    );
  });
});
