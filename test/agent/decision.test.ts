/**
 * An escalated refund from the web widget to an agent's decision, on one instance (the two-instance
 * relay is in test/handoff/twoInstances.test.ts): the queue item, the claim and the case history,
 * the proof through a signed link, redaction, the decision in plain words, release.
 */
import { randomUUID } from 'node:crypto';
import { startTestApp } from '../support/app';
import type { App } from '../../src/app';
import { hashPassword, ProofLinks } from '../../src/agent/auth';
import { RedisCaseRepository } from '../../src/cases/repository';
import { translator } from '../../src/i18n';
import { multipart, PNG_1x1 } from '../channels/helpers';
import { Agent, Customer } from '../handoff/clients';

const en = translator('en');
const fr = translator('fr');
const PASSWORD = 'a long enough password';
const SECRET = 'y'.repeat(40);

describe('an agent takes an escalated refund to a decision', () => {
  let app: App;
  let baseUrl: string;
  let cases: RedisCaseRepository;

  beforeAll(async () => {
    const hash = await hashPassword(PASSWORD);
    ({ app, baseUrl } = await startTestApp({ BRAND_NAME: 'Acme', DIRECTLINE_SECRET: SECRET, AGENTS: `alice:${hash},bob:${hash}` }));
    cases = new RedisCaseRepository(app.redis, app.keys);
    // The first refund turn of a process loads the number recognisers (seconds on a busy machine):
    // warm up, so that the conversation below is not a race against that.
    const warm = await new Customer(baseUrl).open({ locale: 'fr-FR' });
    await warm.say('Je veux un remboursement', { locale: 'fr-FR' });
    await warm.waitForText((t) => t.some((x) => x.includes('numéro de commande')), 90000);
  }, 120000);
  afterAll(() => app.close());

  it('queue item, claim, proof link, redacted transcript, decision in plain words, release', async () => {
    const alice = await new Agent(baseUrl, 'alice').login(PASSWORD);
    const bob = await new Agent(baseUrl, 'bob').login(PASSWORD);
    const customer = await new Customer(baseUrl).open({ locale: 'fr-FR' });
    for (const text of ['Je veux un remboursement', 'FL-999999', 'FL 999 999', 'fl999999', '49,90', "J'ai payé deux fois", 'PAY-2024-001234']) {
      await customer.say(text, { locale: 'fr-FR' });
    }
    await customer.say('', { locale: 'fr-FR', value: { action: 'refund.confirm' } });
    const said = await customer.waitForText((t) => t.some((x) => x.includes(fr('handoff:howToStop'))));
    const ref = /\bRF-[2-9A-HJ-NP-Z]{5}\b/.exec(said.join('\n'))![0];

    const { items } = await alice.queue();
    const item = items.find((i) => i.id === customer.conv);
    expect(item).toMatchObject({ caseRef: ref, reason: 'unknown_order', topic: 'refund', severity: 'review', tier: 'standard', language: 'fr' });

    // Any agent may read a waiting conversation; claiming moves the case to in_review, by the agent.
    expect((await bob.json('GET', `/conversations/${customer.conv}`)).status).toBe(200);
    const claim = await alice.json('POST', `/conversations/${customer.conv}/claim`);
    expect(claim.status).toBe(200);
    expect(claim.body.conversation.decision).toMatchObject({ outcome: 'needs_review' });
    expect(claim.body.conversation.decision.clauses.length).toBeGreaterThan(0);
    expect(claim.body.conversation.case.status).toBe('in_review');
    expect(claim.body.conversation.case.history.at(-1)).toMatchObject({ status: 'in_review', by: 'agent:alice' });
    await customer.waitForText((t) => t.includes(fr('handoff:claimed', { name: 'alice' })));

    // A card number typed to the agent never reaches it, nor Redis.
    await customer.say('ma carte 4111 1111 1111 1111', { locale: 'fr-FR' });
    const upload = multipart([
      { name: 'activity', type: 'application/vnd.microsoft.activity', data: Buffer.from(JSON.stringify({ type: 'message', locale: 'fr-FR', channelData: { attachmentSizes: [PNG_1x1.length] } })) },
      { name: 'file', filename: 'releve.png', type: 'image/png', data: PNG_1x1 },
    ]);
    const up = await fetch(`${baseUrl}/v3/directline/conversations/${customer.conv}/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${customer.token}`, 'content-type': upload.contentType },
      body: upload.body,
    });
    expect(up.status).toBe(200);

    const detail = (await alice.json('GET', `/conversations/${customer.conv}`)).body;
    const texts = detail.transcript.map((e: any) => e.text).join('\n');
    expect(texts).not.toMatch(/4111/);
    expect(texts).toContain('ma carte');
    const raw = JSON.stringify(await app.redis.xrange(app.keys.conversation(customer.conv, 'desk:t'), '-', '+'));
    expect(raw).not.toMatch(/4111 ?1111/);
    expect(detail.proofs).toHaveLength(1);
    const proofUrl = detail.proofs[0].url as string;
    expect(proofUrl).toMatch(/^\/api\/agent\/proofs\/.+\?sig=/);
    const file = await fetch(`${baseUrl}${proofUrl}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('cache-control')).toBe('private, no-store');
    expect(Buffer.compare(Buffer.from(await file.arrayBuffer()), PNG_1x1)).toBe(0);
    // Bound to alice: bob's session gets 403; a changed signature or an expired one too.
    expect((await fetch(`${baseUrl}${proofUrl}`, { headers: { authorization: `Bearer ${bob.token}` } })).status).toBe(403);
    expect((await fetch(`${baseUrl}${proofUrl.slice(0, -3)}abc`)).status).toBe(403);
    const storeId = decodeURIComponent(/proofs\/([^?]+)/.exec(proofUrl)![1]);
    const expired = await new ProofLinks(app.redis, app.keys, -10).url(storeId, 'alice');
    expect((await fetch(`${baseUrl}${expired}`)).status).toBe(403);

    // Only the agent who has it may decide; a bad reason is refused.
    expect((await bob.json('POST', `/conversations/${customer.conv}/decision`, { outcome: 'approve', reason: 'goodwill' })).status).toBe(403);
    expect((await alice.json('POST', `/conversations/${customer.conv}/decision`, { outcome: 'approve', reason: 'fraud_suspected' })).status).toBe(400);
    const approved = await alice.json('POST', `/conversations/${customer.conv}/decision`, { outcome: 'approve', reason: 'duplicate_payment', note: 'double debit seen on the statement' });
    expect(approved.status).toBe(200);
    expect(approved.body.case.status).toBe('approved');
    await customer.waitForText((t) => t.includes(fr('desk:customer.approve.duplicate_payment')));

    // Changed to a refusal for fraud: the customer never reads the fraud reason.
    const refused = await alice.json('POST', `/conversations/${customer.conv}/decision`, { outcome: 'refuse', reason: 'fraud_suspected' });
    expect(refused.status).toBe(200);
    const after = await customer.waitForText((t) => t.includes(fr('desk:customer.refuse.generic')));
    // What the customer read from the desk (the bot's own earlier answer is not the desk's business).
    const customerSaw = after.slice(after.indexOf(fr('handoff:claimed', { name: 'alice' }))).join('\n');
    expect(customerSaw).toContain(fr('desk:customer.refuse.intro', { reference: ref }));
    expect(customerSaw).not.toMatch(/fraud|\bR\d+(\.\d+)?\b/i);

    const record = await cases.get(ref);
    expect(record!.status).toBe('refused');
    const byAlice = record!.history.filter((h) => h.by === 'agent:alice').map((h) => `${h.status} ${h.note ?? ''}`);
    expect(byAlice).toEqual([
      'in_review claimed the conversation',
      'approved decision: approve (duplicate_payment) — double debit seen on the statement',
      'in_review decision changed',
      'refused decision: refuse (fraud_suspected)',
    ]);
    expect(record!.history.every((h) => !Number.isNaN(Date.parse(h.at)))).toBe(true);

    // Back to the bot: the case keeps its decision, the customer is told and sees the menu.
    expect((await alice.json('POST', `/conversations/${customer.conv}/release`)).status).toBe(200);
    await customer.waitForText((t) => t.includes(fr('handoff:released')));
    expect((await alice.json('POST', `/conversations/${customer.conv}/messages`, { text: 'encore là ?' })).status).toBe(409);
    expect((await cases.get(ref))!.status).toBe('refused');
    expect((await cases.get(ref))!.history.at(-1)).toMatchObject({ by: 'agent:alice', note: 'handed the conversation back to the bot' });
  }, 60000);

  it('stop waiting: the button or "cancel" takes the customer back to the bot, and the queue forgets them', async () => {
    const alice = await new Agent(baseUrl, 'alice').login(PASSWORD);
    for (const stop of [en('handoff:stop.button'), 'cancel']) {
      const customer = await new Customer(baseUrl).open();
      await customer.say('talk to a person');
      await customer.waitForText((t) => t.some((x) => x.includes(en('handoff:howToStop'))));
      expect((await alice.queue()).items.map((i) => i.id)).toContain(customer.conv);
      // While waiting the bot stays quiet…
      const before = (await customer.botTexts()).length;
      await customer.say('I am still here');
      expect((await customer.botTexts()).length).toBe(before);
      // …a language change is answered…
      await customer.say('français');
      await customer.waitForText((t) => t.some((x) => x.includes(fr('handoff:howToStop'))));
      // …and "stop waiting" ends it.
      await customer.say(stop);
      await customer.waitForText((t) => t.includes(fr('handoff:stoppedNoCase')));
      expect((await alice.queue()).items.map((i) => i.id)).not.toContain(customer.conv);
      // The bot answers again.
      const n = (await customer.botTexts()).length;
      await customer.say('aide');
      await customer.waitForText((t) => t.length > n);
    }
  }, 60000);

  it('a Pro account is offered a person at once; with no agent signed in: told nobody is available, asked for an e-mail, which is kept', async () => {
    // A fresh app with its own keyspace: nobody has signed in there.
    const hash = await hashPassword(PASSWORD);
    const other = await startTestApp({ DIRECTLINE_SECRET: SECRET, AGENTS: `carol:${hash}` });
    try {
      const customer = await new Customer(other.baseUrl).open({ secret: SECRET, verifiedAccountId: 'ACC-NORTHWIND' });
      // R8: offered a person at once, on the first message…
      await customer.say('Hello');
      await customer.waitForText((t) => t.includes(en('handoff:pro.offer')));
      // …and another conversation of an anonymous visitor is not.
      const anonymous = await new Customer(other.baseUrl).open();
      await anonymous.say('Hello');
      await anonymous.waitForText((t) => t.length >= 2);
      expect(await anonymous.botTexts()).not.toContain(en('handoff:pro.offer'));
      await customer.say(en('handoff:pro.button'));
      await customer.waitForText((t) => t.some((x) => x.includes(en('handoff:noAgent'))));
      await customer.say(`pro-${randomUUID().slice(0, 6)}@example.com`);
      await customer.waitForText((t) => t.some((x) => x.startsWith('Thank you: our team will answer you at pro-')));
      const carol = await new Agent(other.baseUrl, 'carol').login(PASSWORD);
      const item = (await carol.queue()).items.find((i) => i.id === customer.conv);
      expect(item).toMatchObject({ tier: 'pro', reason: 'user_asked' });
      const detail = (await carol.json('GET', `/conversations/${customer.conv}`)).body;
      expect(detail.email).toMatch(/@example\.com$/);
    } finally {
      await other.app.close();
    }
  }, 60000);

  it('outside DESK_HOURS: told when the team is back, may leave an e-mail; after HANDOFF_MAX_WAIT_SECONDS told again', async () => {
    // Open only on a day that is not today (in TIME_ZONE), so the desk is closed now.
    const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
    const today = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Paris', weekday: 'short' }).format(new Date()).toLowerCase().slice(0, 3);
    const other = days[(days.indexOf(today) + 2) % 7];
    const closed = await startTestApp({ DIRECTLINE_SECRET: SECRET, DESK_HOURS: `${other} 09:00-17:00`, HANDOFF_MAX_WAIT_SECONDS: '5', TIME_ZONE: 'Europe/Paris' });
    try {
      const customer = await new Customer(closed.baseUrl).open();
      await customer.say('I want a human');
      const said = await customer.waitForText((t) => t.some((x) => x.includes('will be back')));
      const long = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'long' }).format(
        new Date(Date.now() + 2 * 86400000),
      );
      expect(said.find((x) => x.includes('will be back'))).toContain(`will be back on ${long} at 09:00`);
      await customer.waitForText((t) => t.includes(en('handoff:maxWait')), 20000);
      // Still waiting: the case (here, the conversation) stays open.
      expect((await closed.app.desk.store.get(customer.conv))?.status).toBe('waiting');
    } finally {
      await closed.app.close();
    }
  }, 60000);
});
