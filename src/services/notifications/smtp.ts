import nodemailer, { type Transporter } from 'nodemailer';
import type { MailTransport, OutgoingMail } from './types';

export interface SmtpOptions {
  /** smtp:// or smtps:// URL, credentials included (SMTP_URL). */
  url: string;
  /** Sender, e.g. `Support <no-reply@example.com>` (MAIL_FROM). */
  from: string;
  /** Where replies go (MAIL_REPLY_TO). */
  replyTo?: string;
  /** Connection, greeting and socket timeouts (ms). Default 10 s. */
  timeoutMs?: number;
}

/** The Message-ID of a message: stable per idempotency key, so a receiving server can spot a resend. */
export function messageId(id: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
  return `<${id.replace(/[^A-Za-z0-9._-]/g, '.')}@${domain}>`;
}

/** Delivers through an SMTP server with nodemailer (one connection per message; the outbox paces them). */
export class SmtpTransport implements MailTransport {
  readonly kind = 'smtp' as const;
  private readonly transporter: Transporter;

  constructor(private readonly opts: SmtpOptions) {
    const timeout = opts.timeoutMs ?? 10_000;
    this.transporter = nodemailer.createTransport(opts.url, {
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      disableFileAccess: true,
      disableUrlAccess: true,
    } as never);
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transporter.sendMail({
      from: this.opts.from,
      ...(this.opts.replyTo ? { replyTo: this.opts.replyTo } : {}),
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: messageId(mail.id, this.opts.from),
      headers: { 'X-Case-Reference': mail.reference, 'Auto-Submitted': 'auto-generated' },
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}
