/**
 * What the bot e-mails, and to whom. Every function builds one message in the case's language
 * (locales/<lang>/email.json), with the case reference and how to follow it, and queues it in the
 * outbox; none waits for the delivery, and none throws: a failure is logged and returned, so the
 * caller's own work (a turn, an agent's decision) never fails because of e-mail.
 *
 * Who gets it: nobody when the customer said "no e-mails" for this request (`contact.optedOut`);
 * otherwise the address the customer typed and confirmed in the chat (`contact.email`), else the
 * verified account's address read through the accounts port.
 *
 * No card number or IBAN ever appears: every free text (reasons, an agent's answer, names) goes
 * through `redactSecrets`, and the whole message is checked once more before it is queued.
 */
import { createHash } from 'node:crypto';
import type { TFunction } from 'i18next';
import { redactSecrets } from '../../bot/redact';
import type { CaseRecord } from '../../cases/types';
import { formatDate, formatMoney, translator, type Language } from '../../i18n';
import type { Logger } from '../../logger';
import type { Destination, Money } from '../../eligibility';
import type { AccountsPort } from '../ports';
import { maskEmail } from './address';
import type { Outbox } from './outbox';
import type { EmailParts, EmailTemplates } from './templates';
import type { NotificationKind, NotifyResult, OutgoingMail } from './types';

/**
 * An address typed in the chat is not verified: someone could make the bot write to another
 * person's mailbox. So at most this many e-mails per hour go to one such address (the verified
 * account addresses are not limited).
 */
export const TYPED_ADDRESS_MAILS_PER_HOUR = 10;

export interface NotifierDeps {
  /** Null when no way to send is configured (production without SMTP_URL): every call answers `disabled`. */
  outbox: Outbox | null;
  templates: EmailTemplates;
  accounts: Pick<AccountsPort, 'getAccount'>;
  logger: Logger;
  brandName: string;
  timeZone: string;
  /** The bot's public address (PUBLIC_URL, or this instance's own address): links point there. */
  baseUrl: () => string;
  /** Counts e-mails per typed address (`consume` rejects past the limit); none: no limit. */
  typedAddressLimiter?: { consume(key: string): Promise<unknown> };
}

/** An agent's or a review's decision on a case. `reasons` are plain words the customer may read. */
export interface DecisionNotice {
  status: 'approved' | 'refused';
  reasons?: string[];
  /** Distinguishes two decisions of the same status on one case (default: the case's `updatedAt`). */
  decisionId?: string;
  /** What the customer gets, when the agent decided it (default: the engine's `decision.refund`). */
  refund?: { amount: Money; destination: Destination } | null;
}

export interface InvoicePausedNotice {
  /** The invoice number as the invoices service names it. */
  invoice: string;
  amount?: Money;
}

export interface MerchantDeadlineNotice {
  merchant: string;
  /** ISO date-time of the deadline that passed. */
  deadline: string;
}

export interface AgentAnswerNotice {
  /** What the agent wrote to the customer. */
  text: string;
  /** The id of the agent's message (one e-mail per message). */
  messageId: string;
  agentName?: string;
}

const clean = (s: string) => redactSecrets(s).text;

export class Notifier {
  constructor(private readonly deps: NotifierDeps) {}

  /** Whether e-mails can be sent at all. */
  get enabled(): boolean {
    return this.deps.outbox !== null;
  }

  /** The request was recorded (called where a topic creates the case). */
  notifyRequestRecorded(record: CaseRecord): Promise<NotifyResult> {
    return this.notify(record, 'request_recorded', `${record.reference}:recorded`, (t, lang) => {
      const rows = summaryRows(record, t, lang);
      return {
        heading: t('email:recorded.heading'),
        subject: t('email:recorded.subject', { reference: record.reference }),
        intro: [t('email:recorded.intro', { topic: t(`email:topics.${record.topic}`) })],
        rows,
        outro: [t(record.status === 'submitted' ? 'email:recorded.nextSubmitted' : 'email:recorded.nextReview')],
      };
    });
  }

  /**
   * A decision by an agent or a review (status `approved` or `refused`), with its plain-words
   * reasons. Call it once the case's status is changed. One e-mail per decision.
   */
  notifyDecision(record: CaseRecord, notice: DecisionNotice): Promise<NotifyResult> {
    const id = `${record.reference}:decision:${notice.status}:${notice.decisionId ?? record.updatedAt}`;
    return this.notify(record, 'decision', id, (t, lang) => {
      const k = `email:decision.${notice.status}`;
      // Outcome first, then the money with where and when, then why (VOICE.md).
      const intro = [t(`${k}.intro`, { topic: t(`email:topics.${record.topic}`) })];
      const outro: string[] = [];
      const refund = notice.refund !== undefined ? notice.refund : record.decision.refund;
      if (notice.status === 'approved' && refund) {
        const amount = formatMoney(refund.amount.minor, refund.amount.currency, lang);
        const key = refund.destination === 'same_card' ? 'refundCard' : refund.destination === 'balance' ? 'refundBalance' : 'refundOriginal';
        intro.push(t(`email:decision.${key}`, { amount }));
        const tl = record.decision.timeline;
        if (tl?.kind === 'business_days') {
          intro.push(t('email:decision.when', { from: formatDate(`${tl.earliest}T12:00:00Z`, lang, 'UTC'), to: formatDate(`${tl.latest}T12:00:00Z`, lang, 'UTC') }));
        } else if (tl?.kind === 'immediate') intro.push(t('email:decision.whenNow'));
      }
      if (notice.status === 'refused') outro.push(t('email:decision.refusedNext'));
      const reasons = (notice.reasons ?? []).map((r) => clean(r).trim().slice(0, 500)).filter(Boolean).slice(0, 10);
      return {
        heading: t(`${k}.heading`),
        subject: t(`${k}.subject`, { reference: record.reference }),
        intro,
        rows: summaryRows(record, t, lang).filter((r) => r.label !== t('email:rows.firstAnswer')),
        ...(reasons.length ? { list: { title: t('email:decision.why'), items: reasons } } : {}),
        outro,
      };
    });
  }

  /** P6: the invoice is paused while a "payment not registered" report is looked into. */
  notifyInvoicePaused(record: CaseRecord, notice: InvoicePausedNotice): Promise<NotifyResult> {
    return this.notify(record, 'invoice_paused', `${record.reference}:invoice_paused`, (t, lang) => {
      const invoice = clean(notice.invoice);
      const rows = [{ label: t('email:rows.invoice'), value: invoice }];
      if (notice.amount) rows.push({ label: t('email:rows.amount'), value: formatMoney(notice.amount.minor, notice.amount.currency, lang) });
      return {
        heading: t('email:invoicePaused.heading'),
        subject: t('email:invoicePaused.subject', { reference: record.reference }),
        intro: [t('email:invoicePaused.intro', { invoice })],
        rows,
        outro: [t('email:invoicePaused.paused'), t('email:invoicePaused.next')],
      };
    });
  }

  /** D5: the merchant did not answer a delivery complaint in time; the platform steps in. */
  notifyMerchantDeadline(record: CaseRecord, notice: MerchantDeadlineNotice): Promise<NotifyResult> {
    return this.notify(record, 'merchant_deadline', `${record.reference}:merchant_deadline`, (t, lang) => {
      const merchant = clean(notice.merchant);
      const deadline = formatDate(notice.deadline, lang, this.deps.timeZone);
      return {
        heading: t('email:merchantDeadline.heading'),
        subject: t('email:merchantDeadline.subject', { reference: record.reference }),
        intro: [t('email:merchantDeadline.intro', { merchant, deadline })],
        outro: [t('email:merchantDeadline.next')],
      };
    });
  }

  /** An agent's answer to a customer who left an e-mail while waiting for a person. */
  notifyAgentAnswer(record: CaseRecord, notice: AgentAnswerNotice): Promise<NotifyResult> {
    return this.notify(record, 'agent_answer', `${record.reference}:answer:${notice.messageId}`, (t) => ({
      heading: t('email:agentAnswer.heading'),
      subject: t('email:agentAnswer.subject', { reference: record.reference }),
      intro: [t('email:agentAnswer.intro')],
      quote: clean(notice.text).slice(0, 4000),
    }));
  }

  // ------------------------------------------------------------------ internals

  /** The address to write to, or why there is none. */
  async recipient(record: CaseRecord): Promise<{ to: string; typed?: boolean } | { reason: 'opted_out' | 'no_address' }> {
    if (record.contact?.optedOut) return { reason: 'opted_out' };
    if (record.contact?.email) return { to: record.contact.email, typed: true };
    if (record.owner.accountId) {
      const account = await this.deps.accounts.getAccount(record.owner.accountId);
      if (account?.email) return { to: account.email };
    }
    return { reason: 'no_address' };
  }

  /** Builds one message for this case (no queueing): what the tests and /dev/outbox look at. */
  async build(record: CaseRecord, kind: NotificationKind, id: string, to: string, content: Content): Promise<OutgoingMail> {
    const lang = record.language;
    const t = translator(lang);
    const link = `${this.deps.baseUrl().replace(/\/+$/, '')}/`;
    const c = content(t, lang);
    const parts: EmailParts = {
      ...c,
      language: lang,
      greeting: t('email:common.greeting'),
      outro: c.outro ?? [],
      button: { label: t('email:common.followButton'), href: link },
      linkFallback: t('email:common.linkFallback', { link }),
      follow: t('email:common.follow', { reference: record.reference }),
      signature: t('email:common.signature', { brand: this.deps.brandName }),
      footer: [t('email:common.footer', { reference: record.reference }), t('email:common.replyHint')],
      labelled: (label, value) => t('email:common.labelled', { label, value }),
    };
    parts.rows = [{ label: t('email:common.referenceLabel'), value: record.reference }, ...(parts.rows ?? [])];
    const out = await this.deps.templates.render(parts, this.deps.brandName, [record.reference]);
    // Defence in depth: nothing that looks like a card number or IBAN leaves, whatever slipped in.
    return { id, kind, reference: record.reference, language: lang, to, subject: clean(out.subject), text: clean(out.text), html: clean(out.html) };
  }

  private async notify(record: CaseRecord, kind: NotificationKind, id: string, content: Content): Promise<NotifyResult> {
    const log = { caseRef: record.reference, kind };
    if (!this.deps.outbox) {
      this.deps.logger.debug(log, 'e-mail not sent: no SMTP configured');
      return { queued: false, reason: 'disabled' };
    }
    try {
      const who = await this.recipient(record);
      if ('reason' in who) {
        this.deps.logger.info({ ...log, reason: who.reason }, 'no e-mail for this case');
        return { queued: false, reason: who.reason };
      }
      if (who.typed && this.deps.typedAddressLimiter) {
        const key = createHash('sha256').update(who.to.toLowerCase()).digest('hex').slice(0, 32);
        const allowed = await this.deps.typedAddressLimiter.consume(key).then(
          () => true,
          (err: unknown) => {
            if (err instanceof Error) throw err; // Redis unreachable
            return false; // the limiter's answer: over the limit
          },
        );
        if (!allowed) {
          this.deps.logger.warn({ ...log, to: maskEmail(who.to) }, 'e-mail not sent: too many to this address');
          return { queued: false, reason: 'rate_limited' };
        }
      }
      const mail = await this.build(record, kind, id, who.to, content);
      const queued = await this.deps.outbox.enqueue(mail);
      if (!queued) this.deps.logger.info({ ...log, to: maskEmail(who.to) }, 'e-mail already queued');
      return queued ? { queued: true, id } : { queued: false, reason: 'duplicate' };
    } catch (err) {
      this.deps.logger.warn({ ...log, err: (err as Error).message }, 'e-mail could not be queued');
      return { queued: false, reason: 'error' };
    }
  }
}

type Content = (t: TFunction, lang: Language) => Omit<EmailParts, 'labelled' | 'language' | 'greeting' | 'button' | 'linkFallback' | 'follow' | 'signature' | 'footer' | 'outro'> & { outro?: string[] };

/** Order, amount, reason and first answer, from the case (what the customer asked). */
function summaryRows(record: CaseRecord, t: TFunction, lang: Language): { label: string; value: string }[] {
  const { facts, decision } = record;
  const rows: { label: string; value: string }[] = [];
  const order = facts.order?.id ?? facts.claims.orderNumber;
  if (order) rows.push({ label: t('email:rows.order'), value: clean(order) });
  const amount = facts.claims.amount ?? facts.order?.amountPaid;
  if (amount) rows.push({ label: t('email:rows.amount'), value: formatMoney(amount.minor, amount.currency, lang) });
  if (facts.claims.reason) rows.push({ label: t('email:rows.reason'), value: t(`refund:reasons.${facts.claims.reason}.label`) });
  const outcome = t(`status:outcomes.${decision.outcome}`);
  rows.push({ label: t('email:rows.firstAnswer'), value: outcome.charAt(0).toUpperCase() + outcome.slice(1) });
  return rows;
}
