import { randomUUID } from 'node:crypto';
import { startTestApp, send, texts } from '../support/app';
import type { App } from '../../src/app';
import { RedisCaseRepository } from '../../src/cases/repository';
import { translator } from '../../src/i18n';
import { createServices } from '../../src/services';

/*
 * The dispute with a merchant through POST /api/messages (deliveryMode expectReplies), on the
 * private test Redis, with the app's real wiring (demo orders and merchants, case repository): the
 * customer is told to write to the merchant first (D2), comes back in a new conversation to say the
 * merchant did not answer, the complaint goes to the merchant with a deadline (D5), and the customer
 * closes the case from the chat (D6.1). The case is read back through the repository.
 */
const fr = translator('fr');
const refIn = (s: string) => /\bDS-[2-9A-HJ-NP-Z]{5}\b/.exec(s)?.[0] as string;

describe('dispute conversations over HTTP', () => {
  let app: App;
  let baseUrl: string;
  let cases: RedisCaseRepository;
  beforeAll(async () => {
    ({ app, baseUrl } = await startTestApp({ BRAND_NAME: 'Acme' }));
    cases = new RedisCaseRepository(app.redis, app.keys);
  });
  afterAll(() => app.close());

  const say = async (conv: string, activity: Record<string, unknown>) => texts(await send(baseUrl, conv, { locale: 'fr-FR', ...activity }, 'demo-noah')).join('\n');

  it('D2, then the customer comes back (D2.1, D5), then closes it (D6.1), in French', async () => {
    // "Ma commande n'est jamais arrivée": the topic starts from what the customer types.
    const conv = randomUUID();
    expect(await say(conv, { text: "ma commande n'est jamais arrivée" })).toContain(fr('dispute:ask.order'));
    expect(await say(conv, { text: 'FL-900001' })).toContain(fr('dispute:ask.contact', { merchant: 'SoundPoint' }));
    expect(await say(conv, { text: fr('dispute:contacts.not_contacted.label') })).toContain(fr('dispute:summary.title'));
    const first = await say(conv, { value: { action: 'refund.confirm' } });
    expect(first).toContain(fr('dispute:firstContact.explain', { merchant: 'SoundPoint' }));
    expect(first).toContain("Bonjour, je vous écris au sujet de ma commande FL-900001 (Wireless headphones)");
    const ref = refIn(first);
    expect((await cases.get(ref))?.status).toBe('open');

    // Days later, a new conversation: "the seller doesn't answer".
    const back = randomUUID();
    const asked = await say(back, { text: 'le vendeur ne répond pas' });
    expect(asked).toContain(ref);
    expect(await say(back, { text: fr('dispute:resume.yes') })).toContain(fr('dispute:summary.title'));
    const sent = await say(back, { value: { action: 'refund.confirm' } });
    expect(sent).toContain(fr('dispute:answer.delivery', { merchant: 'SoundPoint' }));
    expect(sent).toContain(ref);
    const record = await cases.get(ref);
    expect(record).toMatchObject({ reference: ref, topic: 'dispute', status: 'waiting_merchant', language: 'fr', owner: { userId: 'demo-noah', accountId: 'ACC-NOAH' } });
    expect(record!.dispute).toMatchObject({ merchantName: 'SoundPoint', complaintType: 'delivery' });
    expect(Date.parse(record!.dispute!.merchantDeadline!)).toBeGreaterThan(Date.now());
    expect(await createServices(app.config, app.redis, app.keys).merchants.complaintStatus(ref)).not.toBeNull();

    // Sorted with the merchant: the customer closes it with the button.
    const closed = await say(back, { text: fr('dispute:answer.closeButton'), value: { topic: 'dispute', action: 'dispute.close', reference: ref } });
    expect(closed).toContain(fr('dispute:close.done', { reference: ref }));
    expect((await cases.get(ref))?.status).toBe('closed_by_customer');
  });
});
