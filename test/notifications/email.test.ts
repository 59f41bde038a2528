import type { ParsedMail } from 'mailparser';
import type { App } from '../../src/app';
import { formatMoney, translator } from '../../src/i18n';
import { RedisCaseRepository } from '../../src/cases/repository';
import type { CaseRecord } from '../../src/cases/types';
import { decideCase, messageId, TYPED_ADDRESS_MAILS_PER_HOUR, type NotifyResult } from '../../src/services/notifications';
import { startSmtp, type TestSmtp } from '../support/smtp';
import { linksOf, makeCase, startMailApp } from './support';

/*
 * Every e-mail the bot sends, through a real SMTP server in this process, read back with mailparser:
 * subject, reference, language, no raw i18n key, no card number or IBAN, and links that open on the
 * running bot.
 */

const CARD = '4111 1111 1111 1111';
const IBAN = 'FR76 3000 6000 0112 3456 7890 189';
const SECRETS = [/4111[ .-]?1111[ .-]?1111[ .-]?1111/, /FR76 ?3000 ?6000/];
const RAW_KEY = /\b(email|common|refund|status|human):[a-z][\w.]*/i;
const FROM = 'Acme Support <no-reply@acme.example>';

const byId = (received: ParsedMail[], id: string) => received.filter((m) => m.messageId === messageId(id, FROM));

describe('e-mails through SMTP', () => {
  let smtp: TestSmtp;
  let app: App;
  let baseUrl: string;
  let logs: string[];

  beforeAll(async () => {
    smtp = await startSmtp();
    ({ app, baseUrl, logs } = await startMailApp({ SMTP_URL: smtp.url, MAIL_RETRY_BASE_MS: '100' }));
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
  });

  it('does not serve the development outbox when SMTP is configured', async () => {
    expect((await fetch(`${baseUrl}/dev/outbox`)).status).toBe(404);
    expect(app.notifications.devMailbox).toBeNull();
  });

  for (const lang of ['en', 'fr'] as const) {
    it(`sends each message in ${lang}: subject, reference, plain words, no secrets, working links`, async () => {
      const t = translator(lang);
      const n = app.notifications.notifier;
      const confirmed = (email: string) => ({ email, confirmedAt: new Date().toISOString() });
      const recorded = await makeCase(app, { language: lang, owner: { accountId: 'ACC-CAMILLE' } });
      const refused = await makeCase(app, { language: lang, contact: confirmed(`refused.${lang}@example.org`) });
      const paused = await makeCase(app, { topic: 'payment_not_received', language: lang, contact: confirmed(`invoice.${lang}@example.org`) });
      const dispute = await makeCase(app, { topic: 'dispute', language: lang, contact: confirmed(`dispute.${lang}@example.org`) });
      const waiting = await makeCase(app, { language: lang, contact: confirmed(`waiting.${lang}@example.org`) });
      const cases = new RedisCaseRepository(app.redis, app.keys);

      // The agent desk's calls: a decision (status change + e-mail), an answer to a customer who left an address.
      const approved = await decideCase({ cases, notifier: n }, recorded.reference, {
        status: 'approved',
        by: 'agent:a1',
        reasons: [lang === 'fr' ? `Votre annonce n'avait pas commencé (carte ${CARD}).` : `Your ad hadn't started yet (card ${CARD}).`],
      });
      const refusedRecord = await decideCase({ cases, notifier: n }, refused.reference, {
        status: 'refused',
        by: 'agent:a1',
        reasons: [lang === 'fr' ? `Votre annonce a déjà été diffusée. IBAN ${IBAN}` : `Your ad was already broadcast. IBAN ${IBAN}`],
      });
      const sent: [NotifyResult, CaseRecord, string, string][] = [
        [await n.notifyRequestRecorded(recorded), recorded, t('email:recorded.subject', { reference: recorded.reference }), 'camille.martin@example.com'],
        [{ queued: true, id: `${recorded.reference}:decision:approved:${approved!.history.length}` }, recorded, t('email:decision.approved.subject', { reference: recorded.reference }), 'camille.martin@example.com'],
        [{ queued: true, id: `${refused.reference}:decision:refused:${refusedRecord!.history.length}` }, refused, t('email:decision.refused.subject', { reference: refused.reference }), `refused.${lang}@example.org`],
        [await n.notifyInvoicePaused(paused, { invoice: 'INV-2026-0042', amount: { minor: 4900, currency: 'EUR' } }), paused, t('email:invoicePaused.subject', { reference: paused.reference }), `invoice.${lang}@example.org`],
        [await n.notifyMerchantDeadline(dispute, { merchant: 'SoundPoint', deadline: '2026-11-20T17:00:00Z' }), dispute, t('email:merchantDeadline.subject', { reference: dispute.reference }), `dispute.${lang}@example.org`],
        [await n.notifyAgentAnswer(waiting, { text: `${lang === 'fr' ? 'Bonjour, le remboursement est parti sur la carte' : "Hello, the refund is on its way to card"} ${CARD}.`, messageId: 'msg-1' }), waiting, t('email:agentAnswer.subject', { reference: waiting.reference }), `waiting.${lang}@example.org`],
      ];
      for (const [result] of sent) expect(result.queued).toBe(true);

      await smtp.waitFor(1);
      const deadline = Date.now() + 15000;
      while (sent.some(([r]) => r.queued && byId(smtp.received, r.id).length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

      for (const [result, record, subject, to] of sent) {
        if (!result.queued) throw new Error('not queued');
        const [mail, ...extra] = byId(smtp.received, result.id);
        expect(extra).toHaveLength(0);
        expect(mail.subject).toBe(subject);
        expect(subject).toContain(record.reference);
        expect((mail.to as { text: string }).text).toBe(to);
        expect(mail.from?.value).toEqual([{ name: 'Acme Support', address: 'no-reply@acme.example' }]);
        expect(mail.replyTo?.text).toBe('help@acme.example');
        const html = String(mail.html);
        const text = mail.text ?? '';
        for (const body of [html, text]) {
          expect(body).toContain(record.reference);
          expect(body).toContain(t('email:common.followButton'));
          expect(body).not.toMatch(RAW_KEY);
          expect(body).not.toContain('{{');
          expect(body).not.toContain('%%');
          for (const secret of SECRETS) expect(body).not.toMatch(secret);
        }
        expect(html).toContain(`lang="${lang}"`);
        expect(text).toContain(t('email:common.greeting'));
        const links = linksOf(html, text);
        expect(links.length).toBeGreaterThan(0);
        for (const link of links) {
          expect(link.startsWith(baseUrl)).toBe(true);
          const res = await fetch(link, { headers: { 'accept-language': lang } });
          expect(res.status).toBe(200);
          expect(await res.text()).toContain(`lang="${lang}"`);
        }
      }

      const [recordedMail, approvedMail, refusedMail, pausedMail, disputeMail, answerMail] = sent.map(([r]) => byId(smtp.received, (r as { id: string }).id)[0]);
      const money = formatMoney(4900, 'EUR', lang);
      expect(recordedMail.text).toContain('FL-100001');
      expect(recordedMail.text).toContain(money);
      expect(recordedMail.text).toContain(t('refund:reasons.paid_by_mistake.label'));
      expect(approvedMail.text).toContain(t('email:decision.why'));
      expect(approvedMail.text).toContain('•••• 1111');
      expect(approvedMail.text).toContain(t('email:decision.refundCard', { amount: money }));
      expect(refusedMail.text).toContain(t('email:decision.refusedNext'));
      expect(pausedMail.text).toContain('INV-2026-0042');
      expect(disputeMail.text).toContain('SoundPoint');
      expect(disputeMail.text).toContain(lang === 'fr' ? '20 novembre 2026' : '20 November 2026');
      expect(answerMail.text).toContain('•••• 1111');

      // A second call for the same message queues nothing.
      expect(await n.notifyRequestRecorded(recorded)).toEqual({ queued: false, reason: 'duplicate' });
      // Logs name the case and a masked address, never the address itself.
      const all = logs.join('');
      expect(all).toContain('e-mail delivered');
      expect(all).not.toContain('camille.martin@example.com');
      expect(all).not.toContain(`refused.${lang}@example.org`);
      expect(all).toContain('c•••@e•••.com');
    });
  }

  it('sends nothing to a customer who said no e-mails, nor without an address', async () => {
    const n = app.notifications.notifier;
    const optedOut = await makeCase(app, { language: 'en', owner: { accountId: 'ACC-CAMILLE' }, contact: { optedOut: true } });
    const anonymous = await makeCase(app, { language: 'fr' });
    expect(await n.notifyRequestRecorded(optedOut)).toEqual({ queued: false, reason: 'opted_out' });
    expect(await n.notifyDecision(optedOut, { status: 'approved' })).toEqual({ queued: false, reason: 'opted_out' });
    expect(await n.notifyRequestRecorded(anonymous)).toEqual({ queued: false, reason: 'no_address' });
  });

  it('writes at most 10 e-mails an hour to an address typed in the chat', async () => {
    const n = app.notifications.notifier;
    const typed = await makeCase(app, { language: 'en', contact: { email: 'someone.else@example.org', confirmedAt: new Date().toISOString() } });
    const results: NotifyResult[] = [];
    for (let i = 0; i < TYPED_ADDRESS_MAILS_PER_HOUR + 2; i++) results.push(await n.notifyAgentAnswer(typed, { text: `Message ${i}`, messageId: `limit-${i}` }));
    expect(results.filter((r) => r.queued)).toHaveLength(TYPED_ADDRESS_MAILS_PER_HOUR);
    expect(results.slice(-2)).toEqual([{ queued: false, reason: 'rate_limited' }, { queued: false, reason: 'rate_limited' }]);
    // A verified account's address is not limited.
    const account = await makeCase(app, { language: 'en', owner: { accountId: 'ACC-NOAH' } });
    for (let i = 0; i < TYPED_ADDRESS_MAILS_PER_HOUR + 1; i++) expect((await n.notifyAgentAnswer(account, { text: 'Hi', messageId: `acc-${i}` })).queued).toBe(true);
  });
});
