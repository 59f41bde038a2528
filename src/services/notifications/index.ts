/**
 * Wiring of the notifications port (see ./types.ts): SMTP when SMTP_URL is set; otherwise, outside
 * production, the development mailbox at /dev/outbox; in production without SMTP, e-mails are off
 * (a warning at start-up says so).
 */
import type { Server } from 'restify';
import type { Config } from '../../config';
import type { Logger } from '../../logger';
import type { Keyspace } from '../../storage/keys';
import type { RedisClient } from '../../storage/redisClient';
import type { AccountsPort } from '../ports';
import { DevMailbox, registerDevOutbox } from './devMailbox';
import { SubjectRateLimiter } from '../../storage/rateLimit';
import { Notifier, TYPED_ADDRESS_MAILS_PER_HOUR } from './notifier';
import { Outbox, type OutboxOptions } from './outbox';
import { SmtpTransport } from './smtp';
import { EmailTemplates } from './templates';
import type { MailTransport } from './types';

export * from './types';
export { Notifier, TYPED_ADDRESS_MAILS_PER_HOUR, type DecisionNotice, type InvoicePausedNotice, type MerchantDeadlineNotice, type AgentAnswerNotice } from './notifier';
export { Outbox, mailMessageKey, type OutboxOptions, type OutboxStats } from './outbox';
export { SmtpTransport, messageId } from './smtp';
export { DevMailbox, registerDevOutbox } from './devMailbox';
export { EmailTemplates } from './templates';
export { parseEmailAddress, maskEmail, partialEmail } from './address';
export { decideCase } from './decide';

export interface Notifications {
  notifier: Notifier;
  /** Null when e-mails are off. */
  outbox: Outbox | null;
  /** Set when the development mailbox is used (and /dev/outbox served). */
  devMailbox: DevMailbox | null;
  /** Serves /dev/outbox when the development mailbox is used; nothing otherwise. */
  registerRoutes(server: Server): void;
  /** The address links point to when PUBLIC_URL is not set (the port is known once listening). */
  setLocalPort(port: number): void;
  /** Starts delivering the outbox in the background. */
  start(): void;
  /** Stops delivering (what is queued stays in Redis) and closes the transport. */
  stop(): Promise<void>;
}

export interface CreateNotificationsOptions {
  /** Another transport (tests). */
  transport?: MailTransport;
  outbox?: Partial<OutboxOptions>;
}

export async function createNotifications(
  config: Pick<Config, 'mail' | 'production' | 'publicUrl' | 'port' | 'brandName' | 'timeZone' | 'defaultLanguage'>,
  redis: RedisClient,
  keys: Keyspace,
  accounts: Pick<AccountsPort, 'getAccount'>,
  logger: Logger,
  opts: CreateNotificationsOptions = {},
): Promise<Notifications> {
  const devMailbox = !opts.transport && !config.mail.smtpUrl && !config.production ? new DevMailbox(redis, keys) : null;
  const transport: MailTransport | null =
    opts.transport ?? (config.mail.smtpUrl ? new SmtpTransport({ url: config.mail.smtpUrl, from: config.mail.from, replyTo: config.mail.replyTo }) : devMailbox);
  if (!transport) logger.warn('e-mails are off: set SMTP_URL to send them (the development outbox is never used in production)');
  const outbox = transport
    ? new Outbox(redis, keys, transport, logger, { maxAttempts: config.mail.maxAttempts, retryBaseMs: config.mail.retryBaseMs, ...opts.outbox })
    : null;
  const templates = new EmailTemplates();
  let port = config.port;
  const notifier = new Notifier({
    outbox,
    templates,
    accounts,
    logger,
    brandName: config.brandName,
    timeZone: config.timeZone,
    baseUrl: () => config.publicUrl ?? `http://localhost:${port}`,
    // One counter per address (hashed), each in its own hash tag: not every address in one Cluster slot.
    typedAddressLimiter: new SubjectRateLimiter(redis, keys, 'mail-typed-address', { points: TYPED_ADDRESS_MAILS_PER_HOUR, duration: 3600 }),
  });
  return {
    notifier,
    outbox,
    devMailbox,
    registerRoutes(server) {
      if (devMailbox) registerDevOutbox(server, devMailbox, { language: config.defaultLanguage });
    },
    setLocalPort(p) {
      port = p;
    },
    start() {
      outbox?.start();
      // Compile the e-mail layout now (MJML takes a second or two to load), not in a customer's turn.
      if (outbox) templates.init().catch((err: Error) => logger.error({ err: err.message }, 'e-mail layout does not compile'));
    },
    async stop() {
      await outbox?.stop();
      await transport?.close?.();
    },
  };
}
