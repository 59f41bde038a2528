import { createHarness, Harness } from './harness';
import { confirm, referenceIn, T, toSummary } from './flow';

describe('"where is my request?"', () => {
  let h: Harness;
  let camilleRef: string;
  beforeAll(async () => {
    h = await createHarness();
    const c = h.conversation({ user: 'demo-camille', locale: 'fr' });
    await toSummary(c, { lang: 'fr', order: 'FL-100001', amount: '49 €', reason: 'paid_by_mistake' });
    camilleRef = referenceIn(await c.send(confirm));
  });
  afterAll(() => h.close());

  it('lists the user\'s own cases to pick from, and gives the status in their language', async () => {
    const c = h.conversation({ user: 'demo-camille', locale: 'fr' });
    const ask = await c.say('Où en est ma demande ?');
    const text = ask.map((r) => r.text).join('\n');
    expect(text).toContain(T('fr')('status:ask'));
    const buttons = ask.flatMap((r) => r.activity.suggestedActions?.actions ?? []);
    expect(buttons[0].title).toContain(camilleRef);
    expect(buttons[0].title).toContain('remboursement');
    const status = await c.send(String(buttons[0].value));
    expect(status).toContain(`Demande ${camilleRef} (remboursement, envoyée le`);
    expect(status).toContain(T('fr')('status:statuses.submitted'));
    expect(status).toContain(T('fr')('status:outcomes.provisional_approval'));
  });

  it('answers a reference given in the first message, in English', async () => {
    const c = h.conversation({ user: 'demo-camille', locale: 'en' });
    const status = await c.send(`where is my request ${camilleRef}?`);
    expect(status).toContain(`Request ${camilleRef} (refund, sent on`);
    expect(status).toContain(T('en')('status:statuses.submitted'));
  });

  it('follows the status as the team moves the case', async () => {
    await h.cases.updateStatus(camilleRef, 'in_review', 'agent:ana');
    const c = h.conversation({ user: 'demo-camille', locale: 'en' });
    expect(await c.send(camilleRef)).toContain(T('en')('status:statuses.in_review'));
  });

  it("never shows another user's case: it is answered like an unknown reference", async () => {
    const other = h.conversation({ user: 'demo-noah', locale: 'en' });
    const answer = await other.send(`where is my request ${camilleRef}`);
    expect(answer).toContain(T('en')('status:notFound', { reference: camilleRef }));
    expect(answer).not.toContain('refund, sent on');
    const anonymous = h.conversation({ user: 'someone-else', locale: 'fr' });
    expect(await anonymous.send(camilleRef)).toContain(T('fr')('status:notFound', { reference: camilleRef }));
  });

  it('asks for a reference when the user has no cases, with an example', async () => {
    const c = h.conversation({ user: 'nobody', locale: 'en' });
    expect(await c.send('where is my request?')).toContain(T('en')('status:askNoCases'));
    expect(await c.send('no idea')).toContain(T('en')('status:retryNoCases'));
  });
});

describe('"where is my request?" on a channel without buttons', () => {
  it('lists the references as text', async () => {
    const h = await createHarness();
    try {
      const c = h.conversation({ user: 'demo-camille', locale: 'en', channelId: 'sms' });
      await toSummary(c, { lang: 'en', order: 'FL-100001', amount: '€49', reason: 'paid_by_mistake' });
      const ref = referenceIn(await c.send('confirm'));
      const ask = await c.say('where is my request?');
      expect(ask[0].activity.text).toContain(`• ${ref}: refund,`);
      expect(await c.send(ref)).toContain(`Request ${ref} (refund, sent on`);
    } finally {
      await h.close();
    }
  });
});
