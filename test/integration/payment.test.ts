import { randomUUID } from 'node:crypto';
import { startTestApp, send, texts } from '../support/app';
import type { App } from '../../src/app';
import { RedisCaseRepository } from '../../src/cases/repository';
import { createServices } from '../../src/services';
import { translator } from '../../src/i18n';

/*
 * "My payment isn't showing" through POST /api/messages (expectReplies), on the private test Redis,
 * with the app's real wiring: the report is a case, and the purchase's invoice is paused through the
 * invoices port (demo adapter, state in Redis), read back through a second instance of the port.
 */
const en = translator('en');
const fr = translator('fr');
const refIn = (s: string) => /\bPN-[2-9A-HJ-NP-Z]{5}\b/.exec(s)?.[0] as string;
const fourDaysAgo = (lang: 'en' | 'fr') =>
  new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { day: 'numeric', month: 'long', timeZone: 'Europe/Paris' }).format(new Date(Date.now() - 4 * 86_400_000));

describe('payment not showing, over HTTP', () => {
  let app: App;
  let baseUrl: string;
  beforeAll(async () => {
    ({ app, baseUrl } = await startTestApp({ BRAND_NAME: 'Acme' }));
  });
  afterAll(() => app.close());

  const say = async (conv: string, activity: Record<string, unknown>) => texts(await send(baseUrl, conv, activity, 'demo-noah')).join('\n');

  it('from free text to a report that pauses the invoice, in French', async () => {
    const conv = randomUUID();
    const first = await say(conv, { text: "Bonjour, mon paiement n'apparaît pas", locale: 'fr-FR' });
    expect(first).toContain(fr('payment:start'));
    expect(first).toContain(fr('payment:ask.order'));
    expect(await say(conv, { text: 'FL-800005' })).toContain(fr('payment:ask.paidAt'));
    expect(await say(conv, { text: fourDaysAgo('fr') })).toContain(fr('payment:ask.method'));
    expect(await say(conv, { text: fr('payment:method.card') })).toContain(fr('payment:ask.debited'));
    expect(await say(conv, { text: fr('refund:yes') })).toContain(fr('payment:ask.payeeRight'));
    expect(await say(conv, { text: fr('refund:yes') })).toContain(fr('payment:ask.paidShop', { merchant: 'Bureau Atelier' }));
    expect(await say(conv, { text: fr('refund:no') })).toContain(fr('payment:ask.proof'));
    expect(await say(conv, { text: 'PAY-2026-778899' })).toContain(fr('payment:summary.title'));
    const answer = await say(conv, { value: { action: 'refund.confirm' } });
    expect(answer).toContain(fr('payment:answer.filed'));
    expect(answer).toContain(fr('payment:answer.pause.paused', { invoice: 'INV-800005' }));
    expect(answer).not.toMatch(/\bP\d/);
    const ref = refIn(answer);

    const record = await new RedisCaseRepository(app.redis, app.keys).get(ref);
    expect(record).toMatchObject({ reference: ref, topic: 'payment_not_received', status: 'submitted', language: 'fr', owner: { userId: 'demo-noah', accountId: 'ACC-NOAH' } });
    expect(record!.facts.claims).toMatchObject({ orderNumber: 'FL-800005', paymentMethod: 'card', amountDebited: true, payeeDetailsCorrect: true, paidMerchantDirectly: false });
    expect(record!.facts.proof).toEqual({ paymentReference: 'PAY-2026-778899' });
    expect(record!.decision.outcome).toBe('report_filed');
    expect(record!.invoice).toMatchObject({ invoiceId: 'INV-800005', pause: 'paused' });

    const invoices = createServices(app.config, app.redis, app.keys).invoices;
    expect((await invoices.findForOrder('FL-800005', { accountId: 'ACC-NOAH' }))?.status).toBe('paused');
  });

  it('too early: the date and time from which to report, and no case, in English', async () => {
    const conv = randomUUID();
    await say(conv, { text: "my payment isn't showing", locale: 'en-GB' });
    await say(conv, { text: 'FL-800001' });
    await say(conv, { text: 'yesterday at 9pm' });
    const answer = await say(conv, { text: en('payment:method.card') });
    expect(answer).toContain('at 21:00');
    expect(answer).toContain(en('payment:answer.confirmationEmail'));
    expect(refIn(answer)).toBeUndefined();
  });
});
