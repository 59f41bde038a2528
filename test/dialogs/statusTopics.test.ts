/**
 * "Where is my request?" for payment reports and disputes: their statuses and what happens next, in
 * plain words, in both languages; the anonymous rule (reference + order number) holds for them too.
 */
import type { CaseOwner, CaseRecord, NewCase } from '../../src/cases/types';
import { evaluate } from '../../src/eligibility';
import { createHarness, type Harness } from './harness';
import { T } from './flow';
import { disputeCase } from '../support/disputeCases';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

// demo-noah is verified as ACC-NOAH (data/demo/accounts.json): his cases are his from any channel.
const noah: CaseOwner = { channelId: 'test', userId: 'demo-noah', accountId: 'ACC-NOAH' };

async function dispute(extra: Partial<NewCase> & { orderId?: string } = {}): Promise<CaseRecord> {
  const { orderId = 'FL-900004', ...rest } = extra;
  return h.cases.create({ ...(await disputeCase(noah, { now: new Date(), orderId })), ...rest });
}

const noClauseIds = (text: string) => expect(text).not.toMatch(/\b[RPDB]\d+(\.\d+)?\b/);

describe('disputes', () => {
  it('waiting for the merchant: who, and until when (English)', async () => {
    const c = await dispute({ status: 'waiting_merchant', language: 'en', dispute: { merchantName: 'Atelier Verre', merchantDeadline: '2031-03-22T10:00:00.000Z' } });
    const text = await h.conversation({ user: 'demo-noah', locale: 'en' }).send(`where is my request ${c.reference}`);
    expect(text).toContain(`Request ${c.reference} (dispute with a merchant, sent on`);
    expect(text).toContain(T('en')('status:statuses.waiting_merchant'));
    expect(text).toContain('We sent your complaint to Atelier Verre. They have until 22 March 2031 to answer');
    expect(text).not.toContain('Provisional answer');
    noClauseIds(text);
  });

  it('the merchant did not answer: the platform took over (French)', async () => {
    const c = await dispute({ status: 'waiting_merchant', dispute: { merchantName: 'Atelier Verre', merchantDeadline: '2031-03-22T10:00:00.000Z' } });
    await h.cases.transition(c.reference, { from: ['waiting_merchant'], to: 'platform_review', by: 'system:sweep', patch: { deadlinePassedAt: '2031-03-22T10:05:00.000Z' } });
    const text = await h.conversation({ user: 'demo-noah', locale: 'fr' }).send(`où en est ma demande ${c.reference} ?`);
    expect(text).toContain(`Demande ${c.reference} (litige avec un marchand, envoyée le`);
    expect(text).toContain('prise en charge par notre équipe');
    expect(text).toContain("Atelier Verre n'a pas répondu à temps. Notre équipe prend le relais");
    noClauseIds(text);
  });

  it('merchant not contacted yet: the next step is to write to them', async () => {
    // The engine's answer for "not contacted" is to contact the merchant first (D2).
    const draft = await disputeCase(noah, { now: new Date(), orderId: 'FL-900001' });
    const facts = { ...draft.facts, claims: { ...draft.facts.claims, merchantContact: 'not_contacted' as const } };
    const d = await h.cases.create({ ...draft, facts, decision: evaluate({ profile: 'standard', case: facts }, { timeZone: 'Europe/Paris' }), dispute: { merchantName: 'SoundPoint' } });
    expect(d.decision.outcome).toBe('contact_merchant_first');
    expect(d.status).toBe('open');
    const text = await h.conversation({ user: 'demo-noah', locale: 'en' }).send(d.reference);
    expect(text).toContain(T('en')('status:statuses.open'));
    expect(text).toContain("Next step: write to SoundPoint. If they don't answer, come back and tell me");
  });

  it.each([
    ['closed_by_customer', 'en'],
    ['closed_by_platform', 'fr'],
    ['closed_auto', 'en'],
    ['resolved', 'fr'],
  ] as const)('%s in plain words (%s)', async (status, lang) => {
    const c = await dispute({ language: lang });
    if (status === 'closed_by_customer') await h.cases.closeByCustomer(c.reference, noah);
    else await h.cases.updateStatus(c.reference, status, 'agent:ana');
    const text = await h.conversation({ user: 'demo-noah', locale: lang }).send(c.reference);
    expect(text).toContain(T(lang)(`status:statuses.${status}`));
    noClauseIds(text);
  });

  it('lists disputes among the user’s requests, with their topic', async () => {
    const c = await dispute({ language: 'fr' });
    const ask = await h.conversation({ user: 'demo-noah', locale: 'fr' }).say('Où en est ma demande ?');
    const titles = ask.flatMap((r) => r.activity.suggestedActions?.actions ?? []).map((a) => a.title);
    expect(titles.some((t) => t?.includes(c.reference) && t.includes('litige avec un marchand'))).toBe(true);
  });
});

describe('payment reports', () => {
  async function report(invoice: CaseRecord['invoice'], lang: 'en' | 'fr'): Promise<CaseRecord> {
    const base = await disputeCase(noah, { now: new Date(), orderId: 'FL-800002' });
    return h.cases.create({
      ...base,
      topic: 'payment_not_received',
      facts: { ...base.facts, topic: 'payment_not_received', claims: { orderNumber: 'FL-800002' } },
      decision: { ...base.decision, topic: 'payment_not_received', outcome: 'report_filed' },
      language: lang,
      ...(invoice ? { invoice } : {}),
    });
  }

  it('the invoice is paused (English) / already paid (French)', async () => {
    const paused = await report({ invoiceId: 'INV-800002', pause: 'paused', at: new Date().toISOString() }, 'en');
    const en = await h.conversation({ user: 'demo-noah', locale: 'en' }).send(paused.reference);
    expect(en).toContain(`Request ${paused.reference} (payment not received, sent on`);
    expect(en).toContain("Your invoice INV-800002 is paused while we check your payment: you don't need to pay it meanwhile.");
    const paid = await report({ invoiceId: 'INV-800006', pause: 'paid', at: new Date().toISOString() }, 'fr');
    const fr = await h.conversation({ user: 'demo-noah', locale: 'fr' }).send(paid.reference);
    expect(fr).toContain('Votre facture INV-800006 est indiquée comme réglée');
  });

  it('anonymous: the reference with the order number shows it; the reference alone, or with another order, does not', async () => {
    const c = await report({ invoiceId: 'INV-800002', pause: 'paused', at: new Date().toISOString() }, 'fr');
    expect(await h.conversation({ user: 'stranger', locale: 'fr' }).send(c.reference)).toContain(T('fr')('status:notFound', { reference: c.reference }));
    expect(await h.conversation({ user: 'stranger', locale: 'fr' }).send(`${c.reference} FL-800003`)).toContain(T('fr')('status:notFound', { reference: c.reference }));
    const shown = await h.conversation({ user: 'stranger', locale: 'fr' }).send(`${c.reference} FL-800002`);
    expect(shown).toContain(`Demande ${c.reference} (paiement non reçu`);
    expect(shown).toContain('Votre facture INV-800002 est suspendue');
  });
});
