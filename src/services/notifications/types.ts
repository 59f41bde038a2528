/**
 * The notifications port: e-mails to customers about their requests (R5.4, P6, D5).
 *
 * A dialog or the agent desk never talks to SMTP: it calls the `Notifier` (./notifier.ts), which
 * builds the message in the customer's language and puts it in the Redis outbox (./outbox.ts). A
 * worker in every bot instance delivers the outbox through a `MailTransport`: SMTP (./smtp.ts) when
 * SMTP_URL is set, otherwise the development mailbox (./devMailbox.ts, shown at /dev/outbox).
 */

/** What the bot e-mails about. */
export const NOTIFICATION_KINDS = ['request_recorded', 'decision', 'invoice_paused', 'merchant_deadline', 'agent_answer'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** One rendered e-mail, ready to deliver. */
export interface OutgoingMail {
  /** Idempotency key: one message per id, ever (e.g. `RF-7K2Q9:recorded`). Also the Message-ID. */
  id: string;
  kind: NotificationKind;
  /** The case reference the message is about. */
  reference: string;
  language: 'en' | 'fr';
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Delivers one e-mail. Throws when it was not accepted (the outbox retries). */
export interface MailTransport {
  readonly kind: 'smtp' | 'dev';
  send(mail: OutgoingMail): Promise<void>;
  close?(): Promise<void>;
}

/** What a `notify…` call did. */
export type NotifyResult =
  | { queued: true; id: string }
  | {
      queued: false;
      /**
       * - `opted_out`: the customer asked for no e-mails for this request;
       * - `no_address`: no confirmed address on the case and no verified account address;
       * - `duplicate`: this very message was already queued (same idempotency key);
       * - `disabled`: no way to send e-mail is configured (production without SMTP_URL);
       * - `rate_limited`: too many e-mails to this address typed in the chat (see `Notifier`);
       * - `error`: the outbox could not be reached (logged; the caller's action still stands).
       */
      reason: 'opted_out' | 'no_address' | 'duplicate' | 'disabled' | 'rate_limited' | 'error';
    };
