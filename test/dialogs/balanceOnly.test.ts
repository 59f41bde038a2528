import { createHarness, Harness } from './harness';
import { confirm, referenceIn, T } from './flow';

/* Profile B (balance-only): proof is required (B10), credits are balance only (B3) and always reviewed (B4). */
describe('refunds with the balance-only profile', () => {
  let h: Harness;
  beforeAll(async () => (h = await createHarness({ POLICY_PROFILE: 'balance-only' })));
  afterAll(() => h.close());

  it('partial delivery: 8,00 € credited as balance after review (B4.2, B5, B3; worked case 8)', async () => {
    const c = h.conversation({ user: 'demo-noah', locale: 'fr' });
    await c.send('remboursement');
    const reasons = await c.send('FL-500001');
    await c.send('20 €');
    expect(reasons).toBeDefined();
    expect(await c.send('Seule une partie a été livrée')).toContain(T('fr')('refund:ask.link'));
    expect(await c.send('mon profil')).toContain(T('fr')('refund:retry.link'));
    const proof = await c.send('https://instagram.com/noah.lefebvre');
    expect(proof).toContain(T('fr')('refund:ask.proofRequired'));
    expect(await c.send('passer')).toContain(T('fr')('refund:retry.proof.skip_not_allowed'));
    await c.send('PAY-2024-009876');
    const answer = await c.send(confirm);
    expect(answer).toContain('8,00\u00a0€ seraient crédités sur le solde de votre compte');
    expect(answer).toContain('uniquement en solde');
    expect(answer).not.toMatch(/\((?:R|B)\d/);
    expect(answer).toContain("C'est une première réponse");
    const record = await h.cases.get(referenceIn(answer));
    expect(record?.profile).toBe('balance-only');
    expect(record?.decision.outcome).toBe('needs_review');
    expect(record?.decision.refund).toEqual({ destination: 'balance', amount: { minor: 800, currency: 'EUR' } });
    expect(record?.status).toBe('awaiting_review');
    expect(record?.facts.proof).toEqual({ paymentReference: 'PAY-2024-009876', link: 'https://instagram.com/noah.lefebvre' });
  });

  it('the link shows on the summary and can be corrected on its own', async () => {
    const c = h.conversation({ user: 'demo-noah', locale: 'en' });
    await c.send('refund');
    await c.send('FL-500001');
    await c.send('€20');
    await c.send('Only part was delivered');
    await c.send('@noah.l');
    const summary = await c.send('PAY-2024-009876');
    expect(summary).toContain('"title":"Link","value":"@noah.l"');
    expect(summary).toContain('"field":"link"');
    expect(await c.send({ value: { action: 'refund.correct', field: 'link' } })).toContain(T('en')('refund:ask.link'));
    expect(await c.send('@noah.lefebvre')).toContain('"value":"@noah.lefebvre"');
  });

  it('the reason list fits the purchase: digital services get delivery reasons', async () => {
    const c = h.conversation({ user: 'demo-noah', locale: 'en' });
    await c.send('refund');
    await c.send('FL-500002');
    const reasons = await c.send('€12');
    expect(reasons).toContain('Only part was delivered');
    expect(reasons).toContain('Nothing was delivered');
    expect(reasons).not.toContain("The ad hasn't been broadcast");
  });

  it('a VIP plan whose period started is refused (B9), in English', async () => {
    const c = h.conversation({ user: 'demo-noah', locale: 'en' });
    await c.send('refund');
    await c.send('FL-600001');
    await c.send('9.99');
    await c.send('I paid by mistake');
    await c.send('PAY-2024-000111');
    const answer = await c.send(confirm);
    const record = await h.cases.get(referenceIn(answer));
    expect(record?.decision.clauses).toContain('B9');
    expect(answer).toContain(T('en')('refund:why.no.B9'));
  });
});

describe('balance-only: refusals and suspensions', () => {
  let h: Harness;
  beforeAll(async () => (h = await createHarness({ POLICY_PROFILE: 'balance-only' })));
  afterAll(() => h.close());

  const request = async (user: string, order: string, amount: string, reason: string) => {
    const c = h.conversation({ user, locale: 'en' });
    await c.send('refund');
    await c.send(order);
    await c.send(amount);
    await c.send(reason);
    await c.send('https://instagram.com/some.page');
    await c.send('PAY-2024-000222');
    return c.send(confirm);
  };

  it('a private profile link: refused (B6, B7; worked case 9)', async () => {
    const answer = await request('demo-noah', 'FL-500002', '€12', 'Nothing was delivered');
    const record = await h.cases.get(referenceIn(answer));
    expect(record?.decision.outcome).toBe('refusal');
    expect(record?.decision.clauses).toEqual(expect.arrayContaining(['B6']));
    expect(answer).toContain("I'm sorry");
    expect(answer).toContain(T('en')('refund:why.no.B7'));
  });

  it('an open chargeback: the review is suspended and goes to a person (B11)', async () => {
    const answer = await request('demo-chargeback', 'FL-700002', '€20', 'Nothing was delivered');
    const record = await h.cases.get(referenceIn(answer));
    expect(record?.decision.outcome).toBe('suspended');
    expect(record?.status).toBe('awaiting_review');
    expect(answer).not.toMatch(/\((?:R|B)\d/);
    expect(answer).toContain(T('en')('refund:nextSteps.await_processor_decision'));
  });
});
