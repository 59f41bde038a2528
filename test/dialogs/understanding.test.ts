import { createHarness, Harness } from './harness';
import { confirm, referenceIn, T } from './flow';

/*
 * What the customer types is used, in both languages: global intents inside a sentence and at any
 * question, the facts of a first message, the amount on record confirmed, and the small talk.
 */
describe('understanding customers as they write', () => {
  let h: Harness;
  // A fresh case history for every test: the same demo order asked twice would be a repeated request (B10, B11).
  beforeEach(async () => (h = await createHarness()), 60000);
  afterEach(() => h.close());

  it.each([
    ['en', 'I want a human NOW'],
    ['en', 'this is a scam, I want a human NOW'],
    ['fr', 'je veux parler à un conseiller svp'],
    ['fr', 'un conseiller svp'],
  ] as const)('%s: "%s" in the middle of a request hands it to a person with what was collected', async (lang, text) => {
    const c = h.conversation({ locale: lang });
    await c.send(lang === 'fr' ? 'remboursement' : 'refund');
    await c.send('FL-100001');
    const handed = await c.send(text);
    const ref = referenceIn(handed);
    expect(handed).toContain(T(lang)('human:handedOver.user_asked', { reference: ref }));
    expect((await h.cases.get(ref))?.facts.claims.orderNumber).toBe('FL-100001');
  });

  it.each([
    ['en', "no I don't have one"],
    ['en', 'no'],
    ['fr', "non j'en ai pas"],
    ['fr', 'passer'],
  ] as const)('%s: "%s" at the proof question goes on without a proof', async (lang, text) => {
    const c = h.conversation({ locale: lang });
    await c.send(lang === 'fr' ? 'commande FL-100001, 49 €, payé par erreur' : 'refund for FL-100001, I paid €49 by mistake');
    const summary = await c.send(text);
    expect(summary).toContain(T(lang)('refund:proof.skipped'));
    expect(summary).toContain(T(lang)('refund:summary.title'));
  });

  it('"can we speak english?" switches the language at a question, and the question is asked again', async () => {
    const c = h.conversation({ locale: 'fr' });
    await c.send('remboursement');
    const switched = await c.send('can we speak english?');
    expect(switched).toContain(T('en')('common:language.switched'));
    expect(switched).toContain(T('en')('refund:ask.order'));
  });

  it('a sentence that mentions a language does not switch it', async () => {
    const c = h.conversation({ locale: 'en' });
    const reply = await c.send('I paid in English pounds for my order FL-123456 and want a refund');
    expect(reply).not.toContain(T('en')('common:language.switched'));
    expect(reply).toContain('FL-123456');
  });

  it.each([
    ['fr', 'je veux annuler ma publicité fl-100001, je me suis trompée', 'FL-100001', true],
    ['fr', 'commande FL-100001, 49 €, payé par erreur', 'FL-100001', false],
    ['en', 'i wnat a refnud for my add FL-100001 pls', 'FL-100001', true],
  ] as const)('%s: the first message "%s" starts the refund with its facts, never asked again', async (lang, text, order, amountAsked) => {
    const c = h.conversation({ locale: lang });
    const first = await c.send(text);
    const t = T(lang);
    expect(first).toContain(order);
    expect(first).not.toContain(t('refund:ask.order'));
    expect(first).not.toContain(t('common:menu.retry'));
    if (amountAsked) expect(first).toContain(t('refund:amountCheck.ask', { amount: lang === 'fr' ? '49,00\u00a0€' : '€49.00' }));
    else expect(first).toContain(t('refund:ask.proofOptional'));
  });

  it.each(['en', 'fr'] as const)('%s: the amount on record is confirmed with yes, and the reasons offered fit an ad', async (lang) => {
    const c = h.conversation({ locale: lang });
    await c.send(lang === 'fr' ? 'remboursement FL-100001' : 'refund FL-100001');
    const reasons = await c.send(lang === 'fr' ? 'oui' : 'yes');
    expect(reasons).toContain(T(lang)('refund:ask.reason'));
    expect(reasons).toContain(T(lang)('refund:reasons.not_broadcast.label'));
    expect(reasons).not.toContain(T(lang)('refund:reasons.not_consumed.label'));
  });

  it.each(['en', 'fr'] as const)('%s: a different amount is said plainly, and the case goes to review naming the difference', async (lang) => {
    const c = h.conversation({ locale: lang });
    await c.send(lang === 'fr' ? "remboursement FL-100001, j'ai payé par erreur" : 'refund FL-100001, I paid by mistake');
    const differs = await c.send(lang === 'fr' ? 'non, 45 €' : 'no, €45');
    expect(differs).toContain(
      T(lang)('refund:amountCheck.differs', lang === 'fr' ? { recorded: '49,00\u00a0€', claimed: '45,00\u00a0€' } : { recorded: '€49.00', claimed: '€45.00' }),
    );
    await c.send(lang === 'fr' ? 'passer' : 'skip');
    const answer = await c.send(confirm);
    const record = await h.cases.get(referenceIn(answer));
    expect(record?.decision.outcome).toBe('needs_review');
    expect(record?.decision.conflictingFacts).toEqual(expect.arrayContaining(['claims.amount', 'order.amountPaid']));
  });

  it.each([
    ['en', 'hi', 'common:greeting'],
    ['fr', 'bonjour', 'common:greeting'],
    ['en', 'thanks', 'common:close.thanks'],
    ['fr', 'merci beaucoup', 'common:close.thanks'],
    ['en', 'bye', 'common:close.goodbye'],
    ['fr', 'au revoir', 'common:close.goodbye'],
    ['en', 'what are your opening hours?', 'common:outOfScope'],
    ['fr', 'quels sont vos horaires ?', 'common:outOfScope'],
  ] as const)('%s: "%s" gets %s', async (lang, text, key) => {
    const c = h.conversation({ locale: lang });
    await c.send(text); // the welcome comes with the first message
    expect(await c.send(text)).toContain(T(lang)(key));
  });

  it('out of scope offers a person as a button', async () => {
    const c = h.conversation({ locale: 'en' });
    expect(await c.send('can you book me a hotel in Lyon?')).toContain(T('en')('common:intents.human'));
  });

  it('a message over 5,000 characters asks for a shorter one but keeps its order number', async () => {
    const c = h.conversation({ locale: 'en' });
    const reply = await c.send(`Order FL-100001. ${'It is a long story. '.repeat(300)}`);
    expect(reply).toContain(T('en')('common:error.tooLongKept', { order: 'FL-100001', max: '5,000' }));
    expect(reply).toContain(T('en')('refund:amountCheck.ask', { amount: '€49.00' }));
  });
});

describe('"where is my request?" without signing in', () => {
  let h: Harness;
  // A fresh case history for every test: the same demo order asked twice would be a repeated request (B10, B11).
  beforeEach(async () => (h = await createHarness()), 60000);
  afterEach(() => h.close());

  it.each(['en', 'fr'] as const)('%s: the reference and its order number show the status; anything else reads like an unknown reference', async (lang) => {
    const first = h.conversation({ user: `web-anon-${lang}-1`, locale: lang });
    await first.send(lang === 'fr' ? 'commande FL-100001, 49 €, payé par erreur' : 'refund for FL-100001, I paid €49 by mistake');
    await first.send(lang === 'fr' ? 'passer' : 'skip');
    const ref = referenceIn(await first.send(confirm));
    // A new tab: another anonymous user id.
    const other = h.conversation({ user: `web-anon-${lang}-2`, locale: lang });
    const shown = await other.send(`${ref} FL-100001`);
    expect(shown).toContain(T(lang)('status:statuses.submitted'));
    const wrongOrder = await h.conversation({ user: `web-anon-${lang}-3`, locale: lang }).send(`${ref} FL-100002`);
    const unknown = await h.conversation({ user: `web-anon-${lang}-4`, locale: lang }).send('RF-ZZZZZ FL-100002');
    expect(wrongOrder).toContain(T(lang)('status:notFound', { reference: ref }));
    expect(wrongOrder.replace(ref, 'X')).toBe(unknown.replace('RF-ZZZZZ', 'X'));
    expect(await h.conversation({ user: `web-anon-${lang}-5`, locale: lang }).send(ref)).toContain(T(lang)('status:notFound', { reference: ref }));
  });
});

describe('when the recogniser is unsure', () => {
  let h: Harness;
  // A fresh case history for every test: the same demo order asked twice would be a repeated request (B10, B11).
  beforeEach(async () => (h = await createHarness()), 60000);
  afterEach(() => h.close());

  it('asks a short question with its two best guesses as buttons, and a button starts that topic', async () => {
    const c = h.conversation({ locale: 'en' });
    await c.send('hello'); // the welcome
    const replies = await c.say('my money');
    const card = replies.map((r) => r.activity).find((a) => a.attachments?.length)!;
    const content = card.attachments![0].content as { text: string; buttons: { title: string; value: { intent: string } }[] };
    expect(content.text).toBe(T('en')('common:clarify'));
    expect(content.buttons.map((b) => b.title).sort()).toEqual([T('en')('common:intents.topic.refund'), T('en')('common:intents.topic.status')].sort());
    const chosen = await c.send({ value: { action: 'nlu.choose', intent: 'topic.refund' } });
    expect(chosen).toContain(T('en')('refund:ask.order'));
  });
});
