import { randomUUID } from 'node:crypto';
import type { App } from '../../src/app';
import { RedisCaseRepository } from '../../src/cases/repository';
import { translator } from '../../src/i18n';
import { messageId } from '../../src/services/notifications';
import { send, texts } from '../support/app';
import { startSmtp, type TestSmtp } from '../support/smtp';
import { makeCase, startMailApp } from './support';
import { hashPassword } from '../../src/agent/auth';
import { Agent } from '../handoff/clients';

/*
 * The e-mail address in the chat, through POST /api/messages: asked once the case is recorded;
 * typed, validated, confirmed with a button and kept on the case; the verified account's address
 * offered instead when there is one; "no e-mails" kept on the case; another subject goes to the menu.
 */

const en = translator('en');
const fr = translator('fr');
const refIn = (s: string) => /\bRF-[2-9A-HJ-NP-Z]{5}\b/.exec(s)?.[0] as string;
const FROM = 'Acme Support <no-reply@acme.example>';
const AGENT_PASSWORD = 'a long enough password';

jest.setTimeout(90000);

describe('the e-mail address in the chat', () => {
  let smtp: TestSmtp;
  let app: App;
  let baseUrl: string;
  let logs: string[];
  let cases: RedisCaseRepository;
  beforeAll(async () => {
    smtp = await startSmtp();
    ({ app, baseUrl, logs } = await startMailApp({ SMTP_URL: smtp.url, MAIL_RETRY_BASE_MS: '100', AGENTS: `alice:${await hashPassword(AGENT_PASSWORD)}` }));
    cases = new RedisCaseRepository(app.redis, app.keys);
    // The first turn of a process warms the recogniser up (seconds on a busy machine): not what is tested.
    await send(baseUrl, randomUUID(), { text: 'hello', locale: 'en-GB' }, 'warm-up');
  }, 120000);
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
  });

  const say = async (conv: string, activity: Record<string, unknown>, user: string) => texts(await send(baseUrl, conv, activity, user)).join('\n');
  const buttons = async (conv: string, activity: Record<string, unknown>, user: string) => {
    const replies = await send(baseUrl, conv, activity, user);
    return { text: texts(replies).join('\n'), buttons: replies.flatMap((r) => ((r as { suggestedActions?: { actions: { title: string }[] } }).suggestedActions?.actions ?? []).map((a) => a.title)) };
  };

  /** A refund of FL-100001 up to the recorded case; returns the reference and the last replies. */
  async function refund(conv: string, user: string, lang: 'en' | 'fr') {
    const first = lang === 'fr' ? "Je veux être remboursé de 49,00 € pour la commande FL-100001, j'ai payé par erreur" : 'I want a refund of €49.00 for order FL-100001, I paid by mistake';
    await say(conv, { text: first, locale: lang === 'fr' ? 'fr-FR' : 'en-GB' }, user);
    await say(conv, { text: 'PAY-2024-001234' }, user);
    const answer = await buttons(conv, { value: { action: 'refund.confirm' } }, user);
    return { reference: refIn(answer.text), ...answer };
  }

  it('an anonymous customer types an address in French, corrects a typo, confirms it: kept on the case, masked in logs', async () => {
    const conv = randomUUID();
    const user = `anon-${randomUUID().slice(0, 6)}`;
    const { reference, text, buttons: offered } = await refund(conv, user, 'fr');
    expect(reference).toBeDefined();
    expect(text).toContain(fr('email:ask.withoutAccount', { reference }));
    expect(offered).toEqual([fr('email:ask.no')]);

    expect(await say(conv, { text: 'camille.martin@exemple' }, user)).toContain(fr('email:ask.retry'));
    const confirm = await buttons(conv, { text: 'Mon adresse : Camille.Martin@Exemple.FR' }, user);
    expect(confirm.text).toContain(fr('email:ask.confirm', { email: 'Camille.Martin@exemple.fr' }));
    expect(confirm.buttons).toEqual([fr('email:ask.confirmYes'), fr('email:ask.change'), fr('email:ask.no')]);
    expect(await say(conv, { text: fr('email:ask.change') }, user)).toContain(fr('email:ask.changeAgain'));
    expect(await say(conv, { text: 'camille.martin@exemple.fr' }, user)).toContain(fr('email:ask.confirm', { email: 'camille.martin@exemple.fr' }));
    expect(await say(conv, { text: fr('email:ask.confirmYes') }, user)).toContain(fr('email:ask.done', { email: 'camille.martin@exemple.fr' }));

    const record = await cases.get(reference);
    expect(record?.contact).toMatchObject({ email: 'camille.martin@exemple.fr' });
    expect(JSON.stringify(record?.history)).not.toContain('camille.martin@exemple.fr');
    const [mail] = (await smtp.waitFor(1)).filter((m) => m.messageId === messageId(`${reference}:recorded`, FROM));
    expect(mail.subject).toBe(fr('email:recorded.subject', { reference }));
    expect((mail.to as { text: string }).text).toBe('camille.martin@exemple.fr');
    expect(logs.join('')).not.toContain('camille.martin@exemple.fr');
    expect(logs.join('')).toContain('c•••@e•••.fr');

    // The conversation goes on as before: the status topic answers.
    expect(await say(conv, { text: `Où en est ma demande ${reference} ?` }, user)).toContain(`Demande ${reference}`);
  });

  it('typed answers are understood: "no, that\'s wrong" at the confirmation asks for the address again, "yes" confirms (English)', async () => {
    const conv = randomUUID();
    const user = `anon-${randomUUID().slice(0, 6)}`;
    const { reference } = await refund(conv, user, 'en');
    expect(await say(conv, { text: 'it is cam.martin@example.org' }, user)).toContain(en('email:ask.confirm', { email: 'cam.martin@example.org' }));
    expect(await say(conv, { text: "no that's wrong" }, user)).toContain(en('email:ask.changeAgain'));
    expect(await say(conv, { text: 'camille.martin@example.org' }, user)).toContain(en('email:ask.confirm', { email: 'camille.martin@example.org' }));
    expect(await say(conv, { text: 'yes' }, user)).toContain(en('email:ask.done', { email: 'camille.martin@example.org' }));
    expect((await cases.get(reference))?.contact).toMatchObject({ email: 'camille.martin@example.org' });
  });

  it('a verified account is offered its own address (partly hidden), in English', async () => {
    const conv = randomUUID();
    const { reference, text, buttons: offered } = await refund(conv, 'demo-camille', 'en');
    expect(text).toContain(en('email:ask.withAccount', { reference, email: 'c•••n@example.com' }));
    expect(text).not.toContain('camille.martin@example.com');
    expect(offered).toEqual([en('email:ask.yes'), en('email:ask.no')]);
    expect(await say(conv, { text: en('email:ask.yes') }, 'demo-camille')).toContain(en('email:ask.done', { email: 'c•••n@example.com' }));
    const record = await cases.get(reference);
    expect(record?.contact).toEqual({});
    const deadline = Date.now() + 10000;
    while (!smtp.received.some((m) => m.messageId === messageId(`${reference}:recorded`, FROM)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const mail = smtp.received.find((m) => m.messageId === messageId(`${reference}:recorded`, FROM));
    expect((mail?.to as { text: string }).text).toBe('camille.martin@example.com');
    expect(mail?.subject).toBe(en('email:recorded.subject', { reference }));
  });

  it("waiting for a person, the customer leaves an address; the agent's answer reaches it", async () => {
    const conv = randomUUID();
    const user = `anon-${randomUUID().slice(0, 6)}`;
    await say(conv, { text: 'I want a refund for order FL-100001', locale: 'en-GB' }, user);
    const handed = await say(conv, { text: 'talk to a person' }, user);
    const reference = refIn(handed);
    expect(handed).toContain(en('human:handedOver.user_asked', { reference }));
    // The live desk has the conversation (nobody signed in): it asks for the address once, not the e-mail dialog too.
    expect(handed).toContain(en('handoff:noAgent'));
    expect(handed).not.toContain(en('email:ask.withoutAccount', { reference }));
    expect(await say(conv, { text: 'sam.waiting@example.net' }, user)).toContain(en('handoff:emailSaved', { email: 'sam.waiting@example.net' }));
    const record = await cases.get(reference);
    expect(record?.status).toBe('awaiting_review');
    expect(record?.contact?.email).toBe('sam.waiting@example.net');
    // An agent signs in later, claims the conversation, answers and decides: both reach the address.
    const alice = await new Agent(baseUrl, 'alice').login(AGENT_PASSWORD);
    expect((await alice.json('POST', `/conversations/${conv}/claim`)).status).toBe(200);
    const posted = await alice.json('POST', `/conversations/${conv}/messages`, { text: 'Your refund is approved.' });
    expect(posted.status).toBe(201);
    expect((await alice.json('POST', `/conversations/${conv}/decision`, { outcome: 'approve', reason: 'conditions_met' })).status).toBe(200);
    const deadline = Date.now() + 15000;
    const answer = () => smtp.received.find((m) => m.messageId === messageId(`${reference}:answer:${posted.body.seq}`, FROM));
    const decision = () => smtp.received.find((m) => m.subject === en('email:decision.approved.subject', { reference }));
    while (!(answer() && decision()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((answer()?.to as { text: string }).text).toBe('sam.waiting@example.net');
    expect(answer()?.text).toContain('Your refund is approved.');
    expect((decision()?.to as { text: string }).text).toBe('sam.waiting@example.net');
    expect(decision()?.text).toContain(en('desk:customer.approve.conditions_met'));
    expect(decision()?.text).not.toMatch(/\bR\d(\.\d)?\b/);
  });

  it('"no e-mails" is kept on the case, and later messages respect it', async () => {
    const conv = randomUUID();
    // A customer of their own: a second request for the same order by the same customer would go to review (B10, B11).
    const user = `anon-${randomUUID().slice(0, 6)}`;
    const { reference } = await refund(conv, user, 'en');
    expect(await say(conv, { text: en('email:ask.no') }, user)).toContain(en('email:ask.declined', { reference }));
    const record = await cases.get(reference);
    expect(record?.contact).toEqual({ optedOut: true });
    expect(await app.notifications.notifier.notifyDecision(record!, { status: 'approved' })).toEqual({ queued: false, reason: 'opted_out' });
    expect(await app.notifications.notifier.notifyAgentAnswer(record!, { text: 'Hi', messageId: 'x' })).toEqual({ queued: false, reason: 'opted_out' });
  });

  it('another subject instead of an answer leaves the question and is answered', async () => {
    const conv = randomUUID();
    const user = `anon-${randomUUID().slice(0, 6)}`;
    const { reference } = await refund(conv, user, 'en');
    const status = await say(conv, { text: `where is my request ${reference}` }, user);
    expect(status).toContain(`Request ${reference}`);
    expect((await cases.get(reference))?.contact).toBeUndefined();
  });

  it('an address that is never valid: asked three times, then left alone', async () => {
    const conv = randomUUID();
    const user = `anon-${randomUUID().slice(0, 6)}`;
    const { reference } = await refund(conv, user, 'en');
    expect(await say(conv, { text: 'me@' }, user)).toContain(en('email:ask.retry'));
    expect(await say(conv, { text: '@example' }, user)).toContain(en('email:ask.retry'));
    expect(await say(conv, { text: 'a@b@c' }, user)).toContain(en('email:ask.gaveUp', { reference }));
    expect((await cases.get(reference))?.contact).toBeUndefined();
  });

  it('development outbox: off with SMTP, on without, never in production', async () => {
    expect((await fetch(`${baseUrl}/dev/outbox`)).status).toBe(404);
    const dev = await startMailApp({});
    try {
      const record = await makeCase(dev.app, { language: 'fr', owner: { accountId: 'ACC-NOAH' } });
      const r = await dev.app.notifications.notifier.notifyRequestRecorded(record);
      expect(r.queued).toBe(true);
      const deadline = Date.now() + 10000;
      let list = '';
      while (!list.includes(record.reference) && Date.now() < deadline) {
        list = await (await fetch(`${dev.baseUrl}/dev/outbox`)).text();
        await new Promise((res) => setTimeout(res, 50));
      }
      expect(list).toContain(fr('email:recorded.subject', { reference: record.reference }).replace(/'/g, '&#39;'));
      const id = encodeURIComponent((r as { id: string }).id);
      const page = await fetch(`${dev.baseUrl}/dev/outbox/${id}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(await page.text()).toContain(record.reference);
      expect(await (await fetch(`${dev.baseUrl}/dev/outbox/${id}/text`)).text()).toContain('FL-100001');
      expect((await fetch(`${dev.baseUrl}/dev/outbox/nope`)).status).toBe(404);
    } finally {
      await dev.app.close();
    }
    const prod = await startMailApp({ NODE_ENV: 'production' });
    try {
      expect((await fetch(`${prod.baseUrl}/dev/outbox`)).status).toBe(404);
      expect(prod.app.notifications.notifier.enabled).toBe(false);
      const record = await makeCase(prod.app, { language: 'en', owner: { accountId: 'ACC-NOAH' } });
      expect(await prod.app.notifications.notifier.notifyRequestRecorded(record)).toEqual({ queued: false, reason: 'disabled' });
    } finally {
      await prod.app.close();
    }
  });
});
