import type { Language } from '../../src/i18n';
import { createHarness, Harness } from './harness';
import { confirm, referenceIn, T, toSummary } from './flow';

/*
 * One request per service type and outcome, in French and in English: the provisional answer the
 * user reads, the clauses cited, and the case recorded (decision, status, language, channel).
 */
interface Row {
  name: string;
  lang: Language;
  user: string;
  order: string;
  amount: string;
  reason: string;
  outcome: string;
  clauses: string[];
  status: 'submitted' | 'awaiting_review';
  says: string[];
  /** The bot offers a Pro customer a priority agent (R8). */
  proOffer?: boolean;
}

const rows: Row[] = [
  {
    name: 'ad not broadcast, paid by mistake → approval to the same card (worked case 1)',
    lang: 'en', user: 'demo-camille', order: 'FL-100001', amount: '€49.00', reason: 'paid_by_mistake',
    outcome: 'provisional_approval', clauses: ['R1.1', 'R2.1', 'R4', 'R5.1', 'R5.2'], status: 'submitted',
    says: ['Good news', "Your ad hasn't been broadcast yet, so it can be refunded.", '€49.00 would go back to the card you paid with', 'within 3 to 10 business days', 'This is a first answer'],
  },
  {
    name: 'annonce non diffusée → accord, même carte',
    lang: 'fr', user: 'demo-camille', order: 'fl 100001', amount: '49 euros', reason: 'not_broadcast',
    outcome: 'provisional_approval', clauses: ['R1.1', 'R2.2'], status: 'submitted',
    says: ['Bonne nouvelle', "Votre annonce n'a pas encore été diffusée", '49,00\u00a0€ seraient remboursés sur la carte utilisée', 'Comptez 3 à 10 jours ouvrés', "C'est une première réponse"],
  },
  {
    name: 'recharge créditée → refus (R1.2, R6.4)',
    lang: 'fr', user: 'demo-camille', order: 'FL-200001', amount: '50 €', reason: 'changed_mind',
    outcome: 'refusal', clauses: ['R1.2', 'R6.4'], status: 'submitted',
    says: ['Je suis désolé', "La recharge a déjà été créditée sur votre solde", 'première réponse'],
  },
  {
    name: 'top-up charged twice → approval for one payment (R2.5)',
    lang: 'en', user: 'demo-camille', order: 'FL-200002', amount: '50 €', reason: 'double_payment',
    outcome: 'provisional_approval', clauses: ['R2.5'], status: 'submitted',
    says: ['Good news', 'The same payment was made twice', '€50.00 would go back to the card'],
  },
  {
    name: 'compte Pro pas encore activé → accord (R1.3)',
    lang: 'fr', user: 'demo-camille', order: 'FL-300001', amount: '290 €', reason: 'paid_by_mistake',
    outcome: 'provisional_approval', clauses: ['R1.3', 'R2.1'], status: 'submitted',
    says: ['Bonne nouvelle', "Votre compte Pro n'est pas encore activé", '290,00\u00a0€'],
  },
  {
    name: 'Pro account activated → refusal, and a priority agent is offered (R1.3, R6.1, R8)',
    lang: 'en', user: 'demo-pro', order: 'FL-300002', amount: '290 EUR', reason: 'changed_mind',
    outcome: 'refusal', clauses: ['R1.3', 'R6.1', 'R8'], status: 'submitted', proOffer: true,
    says: ["I'm sorry", 'Your Pro account has already been activated', 'As a Pro customer, you can have a priority agent'],
  },
  {
    name: 'pack premium non commencé → accord (R1.4, R2.3)',
    lang: 'fr', user: 'demo-camille', order: 'FL-400001', amount: '150 €', reason: 'not_consumed',
    outcome: 'provisional_approval', clauses: ['R1.4', 'R2.3'], status: 'submitted',
    says: ['Bonne nouvelle', "Votre forfait premium n'a pas encore commencé"],
  },
  {
    name: 'premium coaching in progress → needs review, case goes to the team (R1.4)',
    lang: 'en', user: 'demo-pro', order: 'FL-400002', amount: '€300', reason: 'not_consumed',
    outcome: 'needs_review', clauses: ['R1.4'], status: 'awaiting_review',
    says: ['A member of our team needs to look at this one', 'A priority agent will get back to you'],
  },
  {
    name: 'pack premium entièrement utilisé → refus (R6.1)',
    lang: 'fr', user: 'demo-camille', order: 'FL-400003', amount: '200 €', reason: 'not_consumed',
    outcome: 'refusal', clauses: ['R1.4', 'R6.1'], status: 'submitted',
    says: ['Je suis désolé', 'Le service a déjà été utilisé'],
  },
  {
    name: 'account under a security check → suspended, reviewed by a person, no word of fraud (R6.5)',
    lang: 'en', user: 'demo-flagged', order: 'FL-700001', amount: '€150', reason: 'paid_by_mistake',
    outcome: 'suspended', clauses: ['R6.5'], status: 'awaiting_review',
    says: ['A member of our team needs to look at this one', 'will get back to you by e-mail'],
  },
  {
    name: 'amount that does not match the order → needs review (R3, R4)',
    lang: 'en', user: 'demo-camille', order: 'FL-100001', amount: '€10', reason: 'paid_by_mistake',
    outcome: 'needs_review', clauses: ['R3', 'R4'], status: 'awaiting_review',
    says: ['A member of our team needs to look at this one', 'will get back to you by e-mail'],
  },
  {
    // Anonymous users see demo orders; the owning account's risk flags still count, its tier does not.
    name: 'utilisateur anonyme, publicité pas encore diffusée → accord provisoire',
    lang: 'fr', user: 'web-anonymous-1', order: 'FL-100001', amount: '49 €', reason: 'paid_by_mistake',
    outcome: 'provisional_approval', clauses: ['R1.1', 'R2.1', 'R4'], status: 'submitted',
    says: ['Bonne nouvelle', "Votre annonce n'a pas encore été diffusée", "C'est une première réponse"],
  },
  {
    name: 'anonymous user, order of an account under a security check → suspended, nothing revealed',
    lang: 'en', user: 'web-anonymous-2', order: 'FL-700001', amount: '€150', reason: 'paid_by_mistake',
    outcome: 'suspended', clauses: ['R6.5'], status: 'awaiting_review',
    says: ['A member of our team needs to look at this one', 'will get back to you by e-mail'],
  },
];

describe('refund outcomes, standard profile', () => {
  let h: Harness;
  // A fresh case history for every test: the same demo order asked twice would be a repeated request (B10, B11).
  beforeEach(async () => (h = await createHarness()));
  afterEach(() => h.close());

  it.each(rows.map((r) => [r.name, r]))('%s', async (_name, row) => {
    const r = row as Row;
    const c = h.conversation({ user: r.user, locale: r.lang === 'fr' ? 'fr-FR' : 'en-GB' });
    await toSummary(c, r);
    const replies = await c.say(confirm);
    const answer = replies.map((x) => x.text).join('\n');
    for (const s of r.says) expect(answer).toContain(s);
    // One answer, one message (R8's question, when asked, follows it); nothing said twice; a review is never a refusal.
    expect(replies).toHaveLength(r.proOffer ? 2 : 1);
    expect(answer.split(referenceIn(answer))).toHaveLength(2);
    if (r.status === 'awaiting_review') expect(answer).not.toMatch(/sorry|can't be refunded|désolé|ne peut pas être remboursé/i);
    // Clause ids stay on the case, never in what the customer reads.
    expect(answer).not.toMatch(/\((?:R|B)\d/);
    expect(answer).not.toMatch(/fraud|fraude/i);
    const ref = referenceIn(answer);
    expect(answer).toContain(T(r.lang)('refund:answer.reference', { reference: ref }));

    let record = await h.cases.get(ref);
    expect(record).not.toBeNull();
    expect(record!.decision.outcome).toBe(r.outcome);
    for (const clause of r.clauses) expect(record!.decision.clauses).toContain(clause);
    expect(record!.status).toBe(r.status);
    expect(record!.language).toBe(r.lang);
    expect(record!.channelId).toBe('test');
    expect(record!.owner.userId).toBe(r.user);
    expect(record!.facts.claims.reason).toBe(r.reason);
    expect(record!.conversationReference.conversation?.id).toBe(c.id);

    if (r.proOffer) {
      const accepted = await c.send(r.lang === 'fr' ? 'oui' : 'yes');
      expect(accepted).toContain(T(r.lang)('human:handedOver.pro_priority', { reference: ref }));
      record = await h.cases.get(ref);
      expect(record!.status).toBe('awaiting_review');
      expect(record!.history.at(-1)?.note).toBe('handoff:pro_priority');
    }
  });
});

describe('a repeated request for the same order (B10, B11)', () => {
  let h: Harness;
  beforeEach(async () => (h = await createHarness()));
  afterEach(() => h.close());

  const row = rows[0]; // FL-100001, provisionally approved the first time

  it('the same customer asking again for an order already provisionally approved goes to a person, never a second approval', async () => {
    const first = h.conversation({ user: row.user, locale: 'en-GB' });
    await toSummary(first, row);
    const firstRef = referenceIn(await first.send(confirm));
    expect((await h.cases.get(firstRef))!.decision.outcome).toBe('provisional_approval');

    const again = h.conversation({ user: row.user, locale: 'en-GB' });
    await toSummary(again, row);
    const answer = await again.send(confirm);
    const record = await h.cases.get(referenceIn(answer));
    expect(record!.facts.requestHistory).toEqual({ earlierRequests: 1, compensatedRequests: 1 });
    expect(record!.decision.outcome).not.toBe('provisional_approval');
    expect(record!.decision.review.required).toBe(true);
    expect(answer).not.toContain('Good news');
  });

  it("another customer's request for the same order does not count as theirs", async () => {
    const first = h.conversation({ user: row.user, locale: 'en-GB' });
    await toSummary(first, row);
    await first.send(confirm);
    const other = h.conversation({ user: 'web-someone-else', locale: 'en-GB' });
    await toSummary(other, row);
    const record = await h.cases.get(referenceIn(await other.send(confirm)));
    expect(record!.facts.requestHistory).toBeUndefined();
  });
});
