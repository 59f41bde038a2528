import { randomUUID } from 'node:crypto';
import { startTestApp, send, texts } from '../support/app';
import type { App } from '../../src/app';
import { RedisCaseRepository } from '../../src/cases/repository';
import { RedisProofStore } from '../../src/cases/proofStore';
import { translator } from '../../src/i18n';

/*
 * Whole conversations through POST /api/messages (deliveryMode expectReplies), on the private test
 * Redis, with the app's real wiring (demo services, case repository, proof store); the resulting
 * case is read back through the case repository.
 */
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);
const fr = translator('fr');
const en = translator('en');
const refIn = (s: string) => /\bRF-[2-9A-HJ-NP-Z]{5}\b/.exec(s)?.[0] as string;

describe('refund conversations over HTTP', () => {
  let app: App;
  let baseUrl: string;
  let cases: RedisCaseRepository;
  beforeAll(async () => {
    ({ app, baseUrl } = await startTestApp({ BRAND_NAME: 'Acme' }));
    cases = new RedisCaseRepository(app.redis, app.keys);
  });
  afterAll(() => app.close());

  const say = async (conv: string, activity: Record<string, unknown>, user = 'demo-camille') => texts(await send(baseUrl, conv, activity, user)).join('\n');

  it('from a first message holding the facts to a case with the proof, in French', async () => {
    const conv = randomUUID();
    const first = await say(conv, { text: "Je veux être remboursé de 49,00 € pour la commande FL-100001, j'ai payé par erreur", locale: 'fr-FR' });
    expect(first).toContain("J'ai trouvé la commande FL-100001");
    expect(first).toContain(fr('refund:ask.proofOptional'));

    const proof = await say(conv, {
      text: '',
      attachments: [{ name: 'recu.png', contentType: 'image/png', contentUrl: `data:image/png;base64,${PNG.toString('base64')}` }],
    });
    expect(proof).toContain("Merci, j'ai bien reçu recu.png");
    expect(proof).toContain('"title":"Justificatif","value":"fichier recu.png"');

    const answer = await say(conv, { value: { action: 'refund.confirm' } });
    expect(answer).toContain('Bonne nouvelle');
    expect(answer).toContain(fr('refund:why.yes.R1_1'));
    expect(answer).toContain(fr('refund:answer.provisional'));
    expect(answer).not.toMatch(/\((?:R|B)\d/);
    const ref = refIn(answer);

    const record = await cases.get(ref);
    expect(record).toMatchObject({
      reference: ref,
      topic: 'refund',
      profile: 'standard',
      status: 'submitted',
      language: 'fr',
      channelId: 'test',
      owner: { channelId: 'test', userId: 'demo-camille', accountId: 'ACC-CAMILLE' },
    });
    expect(record!.facts.claims).toEqual({ orderNumber: 'FL-100001', amount: { minor: 4900, currency: 'EUR' }, reason: 'paid_by_mistake' });
    expect(record!.facts.order?.id).toBe('FL-100001');
    expect(record!.decision.outcome).toBe('provisional_approval');
    expect(record!.decision.clauses).toEqual(expect.arrayContaining(['R1.1', 'R2.1', 'R4', 'R5.1', 'R5.2']));
    expect(record!.proofs).toHaveLength(1);
    expect(record!.proofs[0]).toMatchObject({ name: 'recu.png', contentType: 'image/png', size: PNG.length });
    expect(record!.conversationReference.conversation?.id).toBe(conv);
    expect(record!.history.map((h) => h.status)).toEqual(['submitted']);
    expect(Date.parse(record!.createdAt)).toBeLessThanOrEqual(Date.now());

    // The bytes are in the proof store, not in the case or the conversation state.
    const stored = await new RedisProofStore(app.redis, app.keys).get(record!.proofs[0].storeId);
    expect(Buffer.compare(stored!.bytes, PNG)).toBe(0);
    // Conversation state lives in the conversation's hash tag (src/storage/conversationState.ts).
    const stateKeys = [...(await app.redis.keys(`${app.keys.prefix}:state:*`)), app.stateKey(`test/conversations/${conv}/`)].filter(Boolean);
    expect(await app.redis.exists(app.stateKey(`test/conversations/${conv}/`))).toBe(1);
    expect(stateKeys.length).toBeGreaterThan(0);
    for (const k of stateKeys) {
      const type = await app.redis.type(k);
      const value = type === 'string' ? await app.redis.get(k) : type === 'hash' ? JSON.stringify(await app.redis.hgetall(k)) : '';
      expect(value).not.toContain(PNG.toString('base64').slice(0, 40));
    }

    // Where is my request? — in the same conversation, in French.
    const status = await say(conv, { text: `Où en est ma demande ${ref} ?` });
    expect(status).toContain(`Demande ${ref} (remboursement`);
    expect(status).toContain(fr('status:statuses.submitted'));
  });

  it('an unknown order, one question at a time in English, ends in review with a human offered', async () => {
    const conv = randomUUID();
    await say(conv, { text: 'I want a refund', locale: 'en-GB' });
    expect(await say(conv, { text: 'FL-999999' })).toContain(en('refund:order.unknown', { order: 'FL-999999' }));
    expect(await say(conv, { text: 'FL 999 999' })).toContain(en('refund:order.unknown', { order: 'FL-999999' }));
    expect(await say(conv, { text: 'fl999999' })).toContain(en('refund:order.unknownFinal', { order: 'FL-999999' }));
    expect(await say(conv, { text: '49.90' })).toContain(en('refund:ask.reason'));
    expect(await say(conv, { text: 'I paid twice' })).toContain(en('refund:ask.proofOptional'));
    expect(await say(conv, { text: 'PAY-2024-001234' })).toContain('FL-999999 (not found)');
    // One message: the answer, the person's offer (the desk's place in the queue) and its button.
    const replies = (await send(baseUrl, conv, { value: { action: 'refund.confirm' } }, 'demo-camille')).filter((r) => r.type === 'message');
    expect(replies).toHaveLength(1);
    const answer = texts(replies).join('\n');
    const ref = refIn(answer);
    expect(answer).toContain(en('human:inAnswer.handedOver.unknown_order'));
    expect(answer).toContain(JSON.stringify(en('handoff:howToStop')).slice(1, -1));
    expect(answer.split(ref)).toHaveLength(2);
    expect(answer).not.toContain(en('refund:nextSteps.agent_review'));
    expect(answer).not.toContain(en('refund:answer.provisional'));
    // This channel shows no suggested actions: the button is in the same message, under the answer.
    expect(replies[0].attachments?.flatMap((a) => a.content.buttons ?? []).map((b: { title: string }) => b.title)).toEqual([en('handoff:stop.button')]);

    const record = await cases.get(ref);
    expect(record?.status).toBe('awaiting_review');
    expect(record?.decision.outcome).toBe('needs_review');
    expect(record?.facts.order).toBeNull();
    expect(record?.facts.proof).toEqual({ paymentReference: 'PAY-2024-001234' });
    expect(record?.language).toBe('en');

    // Another user never sees it.
    const other = randomUUID();
    const seen = await say(other, { text: `where is my request ${ref}`, locale: 'en-GB' }, 'demo-noah');
    expect(seen).toContain(en('status:notFound', { reference: ref }));
  });

  it('a Pro account gets the R7 offer, changes the ad, and the case is closed', async () => {
    const conv = randomUUID();
    await say(conv, { text: 'Refund for FL-100002 please, the results are too low. I paid €120', locale: 'en-GB' }, 'demo-pro');
    const offer = await say(conv, { text: 'skip' }, 'demo-pro');
    expect(offer).toContain('"value":"€120.00"');
    const alternatives = await say(conv, { value: { action: 'refund.confirm' } }, 'demo-pro');
    expect(alternatives).toContain(en('refund:answer.outcome.suggest_alternative'));
    await say(conv, { text: 'Edit the post' }, 'demo-pro');
    expect(await say(conv, { text: 'New portfolio, book a session today' }, 'demo-pro')).toContain('Post text:');
    const closed = await say(conv, { text: "That's fine, thanks" }, 'demo-pro');
    const record = await cases.get(refIn(closed));
    expect(record?.status).toBe('closed');
    expect(record?.owner.accountId).toBe('ACC-NORTHWIND');
  });
});
