import { OUTCOMES, NEXT_STEPS, type Decision } from '../../src/eligibility';
import { LANGUAGES, translator, i18n } from '../../src/i18n';
import { answerCard, answerText, composeAnswer, explainClause } from '../../dialogs/refund/answer';

const base: Decision = {
  outcome: 'provisional_approval',
  clauses: [],
  topic: 'refund',
  profile: 'standard',
  refund: null,
  timeline: null,
  nextSteps: [],
  alternatives: [],
  missingFacts: [],
  conflictingFacts: [],
  review: { required: false, priority: 'normal', reasons: [] },
  facts: [],
};
const ctx = (lang: 'en' | 'fr') => ({ t: translator(lang), lang, timeZone: 'Europe/Paris' });
const CLAUSE_ID = /\((?:R|B)\d/;

describe('the decision as one answer about the customer\'s case', () => {
  it.each(LANGUAGES.flatMap((l) => OUTCOMES.map((o) => [o, l] as const)))('%s (%s): outcome, provisional once (none for a review), no clause id, no raw key', (outcome, lang) => {
    const text = answerText(composeAnswer({ ...base, outcome, clauses: ['R4', 'R6.3', 'R1.1'], nextSteps: ['await_confirmation', 'agent_review'] }, ctx(lang), { reference: 'RF-ABCDE' }), translator(lang));
    // Where the case's own words say it ("…so it can be refunded"), the headline is only its tone: said once.
    const lead = outcome === 'provisional_approval' || outcome === 'refusal';
    expect(text).toContain(translator(lang)(lead ? `refund:answer.lead.${outcome}` : `refund:answer.outcome.${outcome}`));
    if (lead) expect(text).not.toContain(translator(lang)(`refund:answer.outcome.${outcome}`));
    // A review has no provisional answer to qualify: "this is a first answer" would contradict "before we can answer".
    const review = outcome === 'needs_review' || outcome === 'suspended';
    expect(text.split(translator(lang)('refund:answer.provisional')).length).toBe(review ? 1 : 2);
    expect(text).toContain('RF-ABCDE');
    expect(text).not.toMatch(CLAUSE_ID);
    expect(text).not.toMatch(/refund:|\{\{/);
  });

  it('card refund: their case, amount, same card, dates, what next, the reference (en)', () => {
    const d: Decision = {
      ...base,
      clauses: ['R1.1', 'R2.1', 'R4', 'R5.1', 'R5.2', 'R5.4'],
      refund: { destination: 'same_card', amount: { minor: 4900, currency: 'EUR' } },
      timeline: { kind: 'business_days', min: 3, max: 10, earliest: '2024-05-07', latest: '2024-05-16' },
      nextSteps: ['await_confirmation', 'keep_proof'],
    };
    const a = composeAnswer(d, ctx('en'), { reference: 'RF-ABCDE' });
    expect(a.outcome).toBe('Good news.');
    expect(a.why).toBe("Your ad hasn't been broadcast yet, so it can be refunded.");
    expect(a.money).toBe('€49.00 would go back to the card you paid with. Expect it within 3 to 10 business days after approval, between 7 May 2024 and 16 May 2024.');
    expect(a.next).toEqual([translator('en')('refund:nextSteps.keep_proof')]);
    const card = JSON.stringify(answerCard(a, translator('en')).content);
    for (const part of [a.outcome, a.why!, a.money!, a.provisional, a.reference!]) expect(card).toContain(JSON.stringify(part).slice(1, -1));
    expect(card).not.toMatch(CLAUSE_ID);
  });

  it('balance refund, immediate, in French', () => {
    const d: Decision = { ...base, clauses: ['R1.1', 'R2.2', 'R4', 'R5.3', 'R5.4'], refund: { destination: 'balance', amount: { minor: 6000, currency: 'EUR' } }, timeline: { kind: 'immediate' } };
    const money = composeAnswer(d, ctx('fr')).money;
    expect(money).toContain('60,00\u00a0€ seraient crédités sur le solde de votre compte.');
    expect(money).toContain('peut être immédiat une fois validé.');
  });

  it('a review never reads like a refusal, and names a different amount plainly', () => {
    const d: Decision = { ...base, outcome: 'needs_review', clauses: ['R3', 'R4'], conflictingFacts: ['claims.amount', 'order.amountPaid'], nextSteps: ['agent_review'] };
    const a = composeAnswer(d, ctx('en'), { recorded: { minor: 4900, currency: 'EUR' }, claimed: { minor: 4500, currency: 'EUR' } });
    expect(a.outcome).toBe(translator('en')('refund:answer.outcome.needs_review'));
    expect(a.why).toBe('The order shows €49.00, and you said €45.00: our team will check the difference.');
    expect(answerText(a, translator('en'))).not.toMatch(/sorry|can't be refunded|needs the order number/i);
  });

  it('missing facts are named in plain words', () => {
    const d: Decision = { ...base, outcome: 'needs_review', clauses: ['R3'], missingFacts: ['order', 'claims.amount'], nextSteps: ['provide_missing_facts', 'agent_review'] };
    expect(composeAnswer(d, ctx('fr')).next).toContain('Notre équipe pourra vous demander\u202f: les détails de la commande, le montant payé.');
  });

  it('every R and B clause of the policy has plain words for agents in both languages', () => {
    const ids = ['R1.1', 'R1.2', 'R1.3', 'R1.4', 'R2.1', 'R2.2', 'R2.3', 'R2.4', 'R2.5', 'R3', 'R4', 'R5.1', 'R5.2', 'R5.3', 'R5.4', 'R6.1', 'R6.2', 'R6.3', 'R6.4', 'R6.5', 'R7', 'R8', 'B2', 'B3', 'B4', 'B4.1', 'B4.2', 'B4.3', 'B4.4', 'B4.5', 'B4.6', 'B5', 'B6', 'B7', 'B8', 'B9', 'B10', 'B11', 'B12', 'B13', 'B14'];
    for (const lang of LANGUAGES) for (const id of ids) expect(explainClause(id, ctx(lang))).toContain(`(${id})`);
  });

  it('every next step of the refund topic is worded, without clause ids', () => {
    const refundSteps = NEXT_STEPS.filter((s) => i18n().exists(`refund:nextSteps.${s}`, { lng: 'en' }));
    expect(refundSteps.length).toBeGreaterThanOrEqual(11);
    for (const lang of LANGUAGES) for (const s of refundSteps) expect(translator(lang)(`refund:nextSteps.${s}`)).not.toMatch(CLAUSE_ID);
  });
});
