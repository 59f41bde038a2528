import { createHarness, Harness } from './harness';
import { formatBytes } from '../../dialogs/refund/format';
import { casesOf, confirm, referenceIn, T, toSummary } from './flow';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
const PDF = Buffer.from('%PDF-1.4\n%fake but well-formed header\n');
const dataUrl = (type: string, bytes: Buffer) => `data:${type};base64,${bytes.toString('base64')}`;
const file = (name: string, contentType: string, contentUrl: string) => ({ attachments: [{ name, contentType, contentUrl }] });

describe('refund conversation', () => {
  let h: Harness;
  // A fresh case history for every test: the same demo order asked twice would be a repeated request (B10, B11).
  beforeEach(async () => (h = await createHarness()));
  afterEach(() => h.close());

  describe('a first message that already holds the facts', () => {
    it('fills them all, asks only for what is missing, and answers after the summary is confirmed', async () => {
      const c = h.conversation({ user: 'demo-camille' });
      const first = await c.send("Je veux être remboursé de 50,00 € pour la commande FL-200002, j'ai payé deux fois");
      expect(first).toContain("J'ai bien noté\u202f: commande FL-200002, montant 50,00\u00a0€, motif «\u202fJ'ai payé deux fois\u202f»");
      expect(first).toContain("J'ai trouvé la commande FL-200002");
      expect(first).not.toContain(T('fr')('refund:ask.amount'));
      expect(first).not.toContain(T('fr')('refund:ask.reason'));
      expect(first).toContain(T('fr')('refund:ask.proofOptional'));
      const summary = await c.send('passer');
      expect(summary).toContain('"value":"FL-200002"');
      expect(summary).toContain('"value":"50,00\u00a0€"');
      expect(summary).not.toContain('Bonne nouvelle');
      const answer = await c.send(confirm);
      expect(answer).toContain('Bonne nouvelle');
      expect(answer).toContain(T('fr')('refund:why.yes.R2_5'));
      expect(answer).not.toMatch(/\((?:R|B)\d/);
    });

    it('in English too, with the reason and the amount in any order', async () => {
      const c = h.conversation({ user: 'demo-camille', locale: 'en-US' });
      const first = await c.send('I paid twice for order fl-200002, €50 — please refund me');
      expect(first).toContain('I\'ve noted: order FL-200002, amount €50.00, reason “I paid twice”.');
      expect(first).toContain(T('en')('refund:ask.proofOptional'));
    });
  });

  describe('corrections from the summary', () => {
    it.each([
      ['card button', { value: { action: 'refund.correct', field: 'amount' } }],
      ['text', 'change the amount'],
    ])('one field is asked again (%s), the others are kept', async (_how, correction) => {
      const c = h.conversation({ user: 'demo-camille', locale: 'en-GB' });
      await toSummary(c, { lang: 'en', order: 'FL-100001', amount: '€40', reason: 'paid_by_mistake' });
      const asked = await c.send(correction);
      expect(asked).toContain(T('en')('refund:summary.correcting'));
      expect(asked).toContain(T('en')('refund:ask.amount'));
      const summary = await c.send('49 euros');
      expect(summary).toContain('"value":"€49.00"');
      expect(summary).toContain('"value":"FL-100001"');
      expect(summary).toContain('"value":"I paid by mistake"');
      expect(await c.send(confirm)).toContain('Good news');
    });

    it('changing the order number looks the new one up', async () => {
      const c = h.conversation({ user: 'demo-camille', locale: 'fr-FR' });
      await toSummary(c, { lang: 'fr', order: 'FL-100001', amount: '49 €', reason: 'paid_by_mistake' });
      await c.send('Modifier le numéro de commande');
      const found = await c.send('FL-400001');
      expect(found).toContain("J'ai trouvé la commande FL-400001");
      expect(found).toContain('"value":"FL-400001"');
    });

    it('changing the reason to "other" asks for the user\'s words, kept on the case', async () => {
      const c = h.conversation({ user: 'demo-camille', locale: 'en-GB' });
      await toSummary(c, { lang: 'en', order: 'FL-400001', amount: '€150', reason: 'not_consumed' });
      await c.send({ value: { action: 'refund.correct', field: 'reason' } });
      expect(await c.send('Other')).toContain(T('en')('refund:ask.otherReason'));
      const summary = await c.send('The coach never called me back');
      expect(summary).toContain('Other: The coach never called me back');
      const answer = await c.send(confirm);
      const record = await h.cases.get(referenceIn(answer));
      expect(record?.facts.claims.reason).toBe('other');
      expect(record?.history[0].note).toContain('The coach never called me back');
    });
  });

  describe('cancel, start over, help, language', () => {
    it.each([
      ['fr', 'annuler', "C'est annulé. Rien n'a été envoyé."],
      ['en', 'cancel', "OK, I've cancelled that. Nothing has been submitted."],
    ] as const)('%s: "%s" ends the request and nothing is submitted', async (lang, word, said) => {
      const c = h.conversation({ user: 'demo-camille', locale: lang });
      await c.send(lang === 'fr' ? 'remboursement' : 'refund');
      await c.send('FL-100001');
      const cancelled = await c.send(word);
      expect(cancelled).toContain(said);
      expect(cancelled).toContain(T(lang)('common:menu.prompt'));
      expect(await casesOf(h, c, 'ACC-CAMILLE').then((l) => l.filter((x) => x.conversationReference.conversation?.id === c.id))).toEqual([]);
      expect(await c.send('49 €')).toContain(T(lang)('common:menu.retry'));
    });

    it('start over shows the menu again', async () => {
      const c = h.conversation({ user: 'demo-camille', locale: 'en' });
      await c.send('refund');
      const again = await c.send('start over');
      expect(again).toContain("Let's start again.");
      expect(again).toContain('What can I do for you?');
    });

    it('help explains and asks the same question again', async () => {
      const c = h.conversation({ user: 'demo-camille', locale: 'fr' });
      await c.send('remboursement');
      await c.send('FL-100001');
      const help = await c.send('aide');
      expect(help).toContain('Je peux vous aider pour quatre choses');
      expect(help).toContain(T('fr')('refund:amountCheck.ask', { amount: '49,00\u00a0€' }));
    });

    it('a language switch asks the current question again in the new language', async () => {
      const c = h.conversation({ user: 'demo-camille' });
      await c.send('Je voudrais un remboursement');
      await c.send('FL-100001');
      const switched = await c.send('English please');
      expect(switched).toContain("Sure, I'll continue in English.");
      expect(switched).toContain(T('en')('refund:amountCheck.ask', { amount: '€49.00' }));
      const reason = await c.send('49,00 €');
      expect(reason).toContain('I paid by mistake');
      expect(await c.send('passe en français')).toContain("J'ai payé par erreur");
    });
  });

  describe('wrong input', () => {
    it('gets a re-prompt with an example; after 3 failures a human is offered; "no" asks again', async () => {
      const c = h.conversation({ user: 'demo-camille', locale: 'en' });
      await c.send('refund');
      expect(await c.send('FL-100001')).toContain(T('en')('refund:amountCheck.ask', { amount: '€49.00' }));
      expect(await c.send(T('en')('refund:amountCheck.other'))).toContain(T('en')('refund:ask.amount'));
      expect(await c.send('lots')).toContain(T('en')('refund:retry.amount.not_amount'));
      expect(await c.send('0')).toContain(T('en')('refund:retry.amount.zero'));
      const offer = await c.send('no idea');
      expect(offer).toContain(T('en')('refund:failures.offerHuman'));
      const retry = await c.send('no');
      expect(retry).toContain(T('en')('refund:failures.tryAgain'));
      expect(retry).toContain(T('en')('refund:ask.amount'));
      expect(await c.send('€49')).toContain(T('en')('refund:ask.reason'));
    });

    it('after 3 failures, "yes" records the request for a person and says how the team follows up', async () => {
      const c = h.conversation({ user: 'demo-camille', locale: 'fr' });
      await c.send('remboursement');
      for (const wrong of ['bonjour', '123', 'ABC-12']) await c.send(wrong);
      const handed = await c.send('oui');
      const ref = referenceIn(handed);
      expect(handed).toContain(T('fr')('human:handedOver.three_failures', { reference: ref }));
      expect(handed).toContain(T('fr')('human:followUp', { reference: ref }));
      const record = await h.cases.get(ref);
      expect(record?.status).toBe('awaiting_review');
      expect(record?.history[0].note).toBe('handoff:three_failures');
      expect(record?.facts.order).toBeNull();
    });

    it('an empty message and a message over 5,000 characters are answered politely', async () => {
      const c = h.conversation({ user: 'demo-camille', locale: 'en' });
      await c.send('refund');
      expect(await c.send('   ')).toContain(T('en')('common:error.empty'));
      expect(await c.send('x'.repeat(5001))).toContain(T('en')('common:error.tooLong', { max: '5,000' }));
      expect(await c.send('FL-100001')).toContain(T('en')('refund:amountCheck.ask', { amount: '€49.00' }));
    });

    it('a file sent where none is expected is set aside, and the question is asked again', async () => {
      const c = h.conversation({ user: 'demo-camille', locale: 'en' });
      await c.send('refund');
      await c.send('FL-100001');
      const stray = await c.send(file('cat.png', 'image/png', dataUrl('image/png', PNG)));
      expect(stray).toContain(T('en')('common:error.unexpectedAttachment'));
      expect(stray).toContain(T('en')('refund:amountCheck.ask', { amount: '€49.00' }));
      expect(stray).not.toContain(T('en')('refund:failures.offerHuman'));
    });
  });

  describe('unknown orders', () => {
    it('"please check the number" twice, then the request goes to review with a human offered', async () => {
      const c = h.conversation({ user: 'demo-camille', locale: 'en' });
      await c.send('refund');
      expect(await c.send('FL-999999')).toContain(T('en')('refund:order.unknown', { order: 'FL-999999' }));
      expect(await c.send('FL-999998')).toContain(T('en')('refund:order.unknown', { order: 'FL-999998' }));
      const final = await c.send('FL-999997');
      expect(final).toContain(T('en')('refund:order.unknownFinal', { order: 'FL-999997' }));
      expect(final).toContain(T('en')('refund:ask.amount'));
      await c.send('€30');
      await c.send('Other');
      await c.send('I was charged for something I never ordered');
      const summary = await c.send('skip');
      expect(summary).toContain('FL-999997 (not found)');
      const answer = await c.send(confirm);
      const ref = referenceIn(answer);
      expect(answer).toContain(T('en')('human:inAnswer.handedOver.unknown_order'));
      const record = await h.cases.get(ref);
      expect(record?.status).toBe('awaiting_review');
      expect(record?.decision.outcome).toBe('needs_review');
      expect(record?.facts.claims.orderNumber).toBe('FL-999997');
    });

    it("someone else's order is answered exactly like an unknown one", async () => {
      const c = h.conversation({ user: 'demo-camille', locale: 'en' });
      await c.send('refund');
      expect(await c.send('FL-100002')).toContain(T('en')('refund:order.unknown', { order: 'FL-100002' }));
    });
  });

  describe('proof', () => {
    const toProof = async (lang: 'en' | 'fr', user = 'demo-camille') => {
      const c = h.conversation({ user, locale: lang });
      await c.send(lang === 'fr' ? 'remboursement' : 'refund');
      await c.send('FL-100001');
      await c.send('49 €');
      expect(await c.send(lang === 'fr' ? "J'ai payé par erreur" : 'I paid by mistake')).toContain(T(lang)('refund:ask.proofOptional'));
      return c;
    };

    it.each([
      ['PNG', 'receipt.png', 'image/png', PNG, 'image/png'],
      ['PDF', 'receipt.pdf', 'application/pdf', PDF, 'application/pdf'],
      ['JPEG declared as PNG', 'photo.png', 'image/png', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), 'image/jpeg'],
    ])('a %s file is accepted; only its metadata is kept, on the case', async (_n, name, type, bytes, detected) => {
      const c = await toProof('en');
      const received = await c.send(file(name, type, dataUrl(type, bytes)));
      expect(received).toContain(`Thanks, I've received ${name}`);
      // Recognised once per message: one acknowledgement, one stored file.
      expect(received.split("Thanks, I've received")).toHaveLength(2);
      expect(received).toContain(`file ${name}`);
      const record = await h.cases.get(referenceIn(await c.send(confirm)));
      expect(record?.proofs).toHaveLength(1);
      expect(record?.proofs[0]).toMatchObject({ name, contentType: detected, size: bytes.length });
      expect(record?.facts.proof).toEqual({ screenshot: true });
      expect(JSON.stringify(record)).not.toContain(bytes.toString('base64'));
    });

    it.each([
      ['a GIF', 'anim.gif', 'image/gif', Buffer.from('GIF89a....'), 'refund:proof.rejected.type'],
      ['a renamed text file', 'notes.png', 'image/png', Buffer.from('hello, not an image'), 'refund:proof.rejected.type'],
      ['a file over 10 MB', 'big.pdf', 'application/pdf', Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024)]), 'refund:proof.rejected.too_large'],
    ])('%s is refused with the reason, and the question stays open', async (_n, name, type, bytes, key) => {
      const c = await toProof('fr');
      const refused = await c.send(file(name, type, dataUrl(type, bytes)));
      expect(refused).toContain(T('fr')(key, { max: formatBytes(10 * 1024 * 1024, 'fr') }));
      expect(refused).toContain(T('fr')('refund:proof.tryAgain'));
      expect(await c.send('PAY-2024-001234')).toContain('PAY-2024-001234');
    });

    it('a file at an outside address is never fetched', async () => {
      const c = await toProof('en');
      const refused = await c.send(file('x.png', 'image/png', 'http://169.254.169.254/latest/meta-data'));
      expect(refused).toContain(T('en')('refund:proof.rejected.not_allowed'));
    });

    it('a payment reference as text', async () => {
      const c = await toProof('en');
      expect(await c.send('PAY-2024-001234')).toContain('payment reference PAY-2024-001234');
      const record = await h.cases.get(referenceIn(await c.send(confirm)));
      expect(record?.facts.proof).toEqual({ paymentReference: 'PAY-2024-001234' });
      expect(record?.proofs).toEqual([]);
    });

    it('skip, where the policy makes proof optional (R3)', async () => {
      const c = await toProof('fr');
      const summary = await c.send('passer');
      expect(summary).toContain(T('fr')('refund:proof.skipped'));
      expect(summary).toContain('"title":"Justificatif","value":"aucun"');
    });
  });

  describe('the form card', () => {
    it('is offered with the first question, and its submission goes through the same validation', async () => {
      const c = h.conversation({ user: 'demo-camille', locale: 'en' });
      const first = await c.send('refund');
      expect(first).toContain('[Fill in a form instead]');
      const form = await c.say('Fill in a form instead');
      const card = form[0].activity.attachments?.[0];
      expect(card?.contentType).toBe('application/vnd.microsoft.card.adaptive');
      const content = card?.content as { version: string; body: { id?: string; type: string }[] };
      expect(content.version).toBe('1.3');
      expect(content.body.filter((b) => b.id).map((b) => b.id)).toEqual(['orderNumber', 'amount', 'reason', 'proofReference']);

      const invalid = await c.send({ value: { action: 'refund.form', orderNumber: 'FL-100001', amount: 'a lot', reason: 'paid_by_mistake', proofReference: '' } });
      expect(invalid).toContain('Some fields of the form need another look: Amount paid.');
      expect(invalid).toContain('I found order FL-100001');
      expect(invalid).toContain(T('en')('refund:ask.amount'));
      expect(await c.send('€49')).toContain(T('en')('refund:ask.proofOptional'));
    });

    it('a complete form goes straight to the summary', async () => {
      const c = h.conversation({ user: 'demo-camille', locale: 'fr' });
      await c.send('remboursement');
      const summary = await c.send({ value: { action: 'refund.form', orderNumber: 'fl100001', amount: '49,00 €', reason: 'paid_by_mistake', proofReference: 'PAY-2024-001234' } });
      expect(summary).toContain('"value":"FL-100001"');
      expect(summary).toContain('"value":"référence de paiement PAY-2024-001234"');
      expect(await c.send(confirm)).toContain('Bonne nouvelle');
    });
  });

  describe('channels without cards', () => {
    it('get the summary as plain text, and confirm by text', async () => {
      const c = h.conversation({ user: 'demo-camille', locale: 'fr', channelId: 'sms' });
      const first = await c.send('remboursement');
      expect(first).not.toContain('Remplir un formulaire');
      await c.send('FL-100001');
      await c.send('49 €');
      await c.send('1');
      const summary = await c.say('passer');
      expect(summary.every((r) => !r.activity.attachments?.length)).toBe(true);
      const text = summary.map((r) => r.text).join('\n');
      expect(text).toContain('• Numéro de commande\u202f: FL-100001');
      expect(text).toContain('• Montant payé\u202f: 49,00\u00a0€');
      expect(text).toContain(T('fr')('refund:summary.textChoices'));
      expect(await c.send('confirmer')).toContain('Bonne nouvelle');
    });
  });

  describe('a person, at any time', () => {
    it('asking for a person mid-request records what was collected and marks it for review', async () => {
      const c = h.conversation({ user: 'demo-camille', locale: 'fr' });
      await c.send('remboursement');
      await c.send('FL-100001');
      const handed = await c.send('je veux parler à un conseiller');
      const ref = referenceIn(handed);
      expect(handed).toContain(T('fr')('human:handedOver.user_asked', { reference: ref }));
      const record = await h.cases.get(ref);
      expect(record?.status).toBe('awaiting_review');
      expect(record?.history[0].note).toBe('handoff:user_asked');
      expect(record?.facts.claims.orderNumber).toBe('FL-100001');
    });

    it('asking from the menu explains how the team follows up', async () => {
      const c = h.conversation({ user: 'demo-camille', locale: 'en' });
      expect(await c.send('agent')).toContain(T('en')('human:noCase'));
    });
  });
});
