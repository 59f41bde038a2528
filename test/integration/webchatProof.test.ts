import { randomBytes } from 'node:crypto';
import { startTestApp } from '../support/app';
import type { App } from '../../src/app';
import { RedisCaseRepository } from '../../src/cases/repository';
import { botTexts, multipart, PNG_1x1, RawDirectLine } from '../channels/helpers';

/*
 * The web widget path: a refund through the embedded Direct Line channel, with the proof uploaded
 * by the browser and downloaded by the dialog from this instance (same host), to a case.
 */
const SECRET = randomBytes(32).toString('base64url');

describe('refund through the embedded web channel, with an uploaded proof', () => {
  let app: App;
  let baseUrl: string;
  let dl: RawDirectLine;
  beforeAll(async () => {
    ({ app, baseUrl } = await startTestApp({ BRAND_NAME: 'Acme', DIRECTLINE_SECRET: SECRET }));
    dl = new RawDirectLine(baseUrl);
  });
  afterAll(() => app.close());

  it('accepts the uploaded PNG as proof and records it on the case', async () => {
    const t = await dl.widgetToken();
    const conv = t.conversationId;
    await dl.start(t.token, 'fr-FR');
    await dl.waitFor(t.token, conv, (a) => botTexts(a).length > 0);
    const sayAndWait = async (text: string, expected: string) => {
      await dl.post(t.token, conv, { type: 'message', from: { id: 'ignored' }, text, locale: 'fr-FR' });
      return dl.waitFor(t.token, conv, (a) => botTexts(a).some((x) => x.includes(expected)));
    };
    await sayAndWait('Je veux être remboursé de 49,00 € pour la commande FL-100001', 'Pour quelle raison');
    await sayAndWait("J'ai payé par erreur", 'Avez-vous un justificatif');

    const upload = multipart([
      { name: 'activity', type: 'application/vnd.microsoft.activity', data: Buffer.from(JSON.stringify({ type: 'message', locale: 'fr-FR', channelData: { attachmentSizes: [PNG_1x1.length] } })) },
      { name: 'file', filename: 'recu.png', type: 'image/png', data: PNG_1x1 },
    ]);
    const res = await fetch(`${baseUrl}/v3/directline/conversations/${conv}/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.token}`, 'content-type': upload.contentType },
      body: upload.body,
    });
    expect(res.status).toBe(200);
    const all = await dl.waitFor(t.token, conv, (a) => botTexts(a).some((x) => x.includes('recu.png')));
    expect(botTexts(all).join('\n')).toContain("Merci, j'ai bien reçu recu.png");

    await dl.post(t.token, conv, { type: 'message', from: { id: 'ignored' }, value: { action: 'refund.confirm' } });
    const done = await dl.waitFor(t.token, conv, (a) => botTexts(a).some((x) => /RF-[2-9A-HJ-NP-Z]{5}/.test(x)));
    const ref = /RF-[2-9A-HJ-NP-Z]{5}/.exec(botTexts(done).join('\n'))![0];
    const record = await new RedisCaseRepository(app.redis, app.keys).get(ref);
    expect(record?.channelId).toBe('directline');
    expect(record?.proofs[0]).toMatchObject({ name: 'recu.png', contentType: 'image/png', size: PNG_1x1.length });
  });
});
