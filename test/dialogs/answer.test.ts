import { OUTCOMES, NEXT_STEPS, type Decision } from '../../src/eligibility';
import { LANGUAGES, translator, i18n } from '../../src/i18n';
import { explainClause, renderDecision } from '../../dialogs/refund/answer';

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

describe('the decision in the user\'s words', () => {
  it.each(LANGUAGES.flatMap((l) => OUTCOMES.map((o) => [o, l] as const)))('%s (%s): outcome, provisional notice, no raw key', (outcome, lang) => {
    const text = renderDecision({ ...base, outcome, clauses: ['R4'] }, ctx(lang)).join('\n');
    expect(text).toContain(translator(lang)(`refund:answer.outcome.${outcome}`));
    expect(text).toContain(translator(lang)('refund:answer.provisional'));
    expect(text).not.toMatch(/refund:|\{\{/);
  });

  it('card refund: amount, same card, 3 to 10 business days with dates, clauses cited (en)', () => {
    const d: Decision = {
      ...base,
      clauses: ['R1.1', 'R2.1', 'R4', 'R5.1', 'R5.2', 'R5.4'],
      refund: { destination: 'same_card', amount: { minor: 4900, currency: 'EUR' } },
      timeline: { kind: 'business_days', min: 3, max: 10, earliest: '2024-05-07', latest: '2024-05-16' },
      nextSteps: ['await_confirmation'],
    };
    const [why, money, next, provisional] = renderDecision(d, ctx('en'));
    expect(why).toContain('• an ad can be cancelled or refunded only before it starts broadcasting (R1.1)');
    expect(why).not.toContain('(R4)');
    expect(money).toBe('€49.00 would go back to the card you paid with. Expect it within 3 to 10 business days after approval, between 7 May 2024 and 16 May 2024 (R5.1, R5.2).');
    expect(next).toContain('(R5.4)');
    expect(provisional).toContain('(R4)');
  });

  it('balance refund, immediate (R5.3), in French', () => {
    const d: Decision = { ...base, clauses: ['R1.1', 'R2.2', 'R4', 'R5.3', 'R5.4'], refund: { destination: 'balance', amount: { minor: 6000, currency: 'EUR' } }, timeline: { kind: 'immediate' } };
    const money = renderDecision(d, ctx('fr'))[1];
    expect(money).toContain('60,00\u00a0€ seraient crédités sur le solde de votre compte.');
    expect(money).toContain('peut être immédiat une fois validé (R5.3)');
  });

  it('balance-only profile says the credit is balance only (B3)', () => {
    const d: Decision = { ...base, outcome: 'needs_review', profile: 'balance-only', clauses: ['B4.2', 'B5', 'B3', 'B4'], refund: { destination: 'balance', amount: { minor: 800, currency: 'EUR' } }, nextSteps: ['agent_review', 'balance_not_withdrawable'] };
    const text = renderDecision(d, ctx('en')).join('\n');
    expect(text).toContain('€8.00 would be credited to your account balance: with our refund policy, refunds are made as balance only');
    expect(text).toContain('(B5)');
  });

  it('missing facts are named in plain words', () => {
    const d: Decision = { ...base, outcome: 'needs_review', clauses: ['R3'], missingFacts: ['order', 'claims.amount'], nextSteps: ['provide_missing_facts', 'agent_review'] };
    expect(renderDecision(d, ctx('fr')).join('\n')).toContain('Notre équipe pourra vous demander\u00a0: les détails de la commande, le montant payé.');
  });

  it('every R and B clause of the policy has plain words in both languages', () => {
    const ids = ['R1.1', 'R1.2', 'R1.3', 'R1.4', 'R2.1', 'R2.2', 'R2.3', 'R2.4', 'R2.5', 'R3', 'R4', 'R5.1', 'R5.2', 'R5.3', 'R5.4', 'R6.1', 'R6.2', 'R6.3', 'R6.4', 'R6.5', 'R7', 'R8', 'B2', 'B3', 'B4', 'B4.1', 'B4.2', 'B4.3', 'B4.4', 'B4.5', 'B4.6', 'B5', 'B6', 'B7', 'B8', 'B9', 'B10', 'B11', 'B12', 'B13', 'B14'];
    for (const lang of LANGUAGES) for (const id of ids) expect(explainClause(id, ctx(lang))).toContain(`(${id})`);
  });

  it('every next step of the refund topic is worded', () => {
    const refundSteps = NEXT_STEPS.filter((s) => i18n().exists(`refund:nextSteps.${s}`, { lng: 'en' }));
    expect(refundSteps.length).toBeGreaterThanOrEqual(11);
  });
});
