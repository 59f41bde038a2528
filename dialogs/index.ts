import type { Config } from '../src/config';
import type { Logger } from '../src/logger';
import type { RedisClient } from '../src/storage/redisClient';
import type { Keyspace } from '../src/storage/keys';
import { createServices } from '../src/services';
import type { Services } from '../src/services/ports';
import type { Notifier } from '../src/services/notifications';
import { RedisCaseRepository } from '../src/cases/repository';
import { RedisProofStore } from '../src/cases/proofStore';
import { findCaseReferenceInText } from '../src/cases/reference';
import type { CaseRepository, ProofStore } from '../src/cases/types';
import { MainDialog } from './mainDialog';
import { originOf } from './proof/fetchAttachment';
import type { TopicDeps } from './refund/deps';
import { RefundDialog } from './refund/refundDialog';
import { PaymentDialog } from './payment/paymentDialog';
import { DisputeDialog } from './dispute/disputeDialog';
import { CaseStatusDialog } from './status/caseStatusDialog';
import type { Topic } from './topics';
import type { HumanOfferDeps } from '../src/handoff/offerHuman';
import type { NluPort } from '../src/nlu';
import { findOrderNumberInText } from '../src/services/orderNumber';

export interface DialogDeps {
  config: Config;
  redis: RedisClient;
  keys: Keyspace;
  logger: Logger;
  /** Ports (default: `createServices` from the configuration: HTTP adapters or the demo data). */
  services?: Services;
  /** Case repository and proof store (default: on the same Redis and keyspace). */
  cases?: CaseRepository;
  proofs?: ProofStore;
  /** The clock (tests). */
  now?: () => Date;
  /** Extra origins attachments may be downloaded from (besides PUBLIC_URL and loopback on PORT). */
  attachmentOrigins?: string[];
  /** The live handoff's hook in offerHuman (src/handoff/desk.ts). */
  onHumanOffer?: HumanOfferDeps['onOffer'];
  /** E-mails to customers (src/services/notifications); without it the bot asks for no address. */
  notifier?: Notifier;
  /** This instance's own origins once it listens (its real loopback port), for web chat files. */
  ownOrigins?: () => readonly string[];
  /** The trained recogniser (reasons in free text). */
  nlu: NluPort;
  /** More topics for the menu, built on the same ports (tests; a topic being tried out). */
  extraTopics?: (deps: TopicDeps) => Topic[];
}

/** Origins a user's attachment may be fetched from: the bot itself, never an arbitrary URL. */
export function attachmentOrigins(config: Config, extra: string[] = []): string[] {
  const origins = new Set(extra);
  const pub = config.publicUrl ? originOf(config.publicUrl) : undefined;
  if (pub) origins.add(pub);
  if (config.port > 0) {
    origins.add(`http://localhost:${config.port}`);
    origins.add(`http://127.0.0.1:${config.port}`);
    origins.add(`http://[::1]:${config.port}`);
  }
  return [...origins];
}

/** Builds the dialog tree: the main menu and every topic that works. */
export function buildDialogs(deps: DialogDeps): MainDialog {
  const now = deps.now ?? (() => new Date());
  const cases = deps.cases ?? new RedisCaseRepository(deps.redis, deps.keys, { now });
  const topicDeps: TopicDeps = {
    services: deps.services ?? createServices(deps.config, deps.redis, deps.keys, deps.now ? { now } : {}),
    cases,
    proofs: deps.proofs ?? new RedisProofStore(deps.redis, deps.keys, { maxBytes: deps.config.limits.maxUploadBytes, now }),
    profile: deps.config.policyProfile,
    timeZone: deps.config.timeZone,
    holidaysCountry: deps.config.holidaysCountry,
    now,
    logger: deps.logger,
    attachments: {
      allowedOrigins: attachmentOrigins(deps.config, deps.attachmentOrigins),
      ownOrigins: deps.ownOrigins,
      maxBytes: deps.config.limits.maxUploadBytes,
      timeoutMs: Math.max(deps.config.services.timeoutMs, 5000),
    },
    human: { cases, logger: deps.logger, ...(deps.onHumanOffer ? { onOffer: deps.onHumanOffer } : {}) },
    ...(deps.notifier ? { notifier: deps.notifier } : {}),
    nlu: deps.nlu,
  };
  const topics: Topic[] = [
    {
      id: RefundDialog.id,
      titleKey: 'refund:menu.title',
      intent: 'topic.refund',
      matches: (text) => findOrderNumberInText(text) !== null,
      form: true,
      dialog: new RefundDialog(topicDeps),
    },
    {
      id: PaymentDialog.id,
      titleKey: 'payment:menu.title',
      intent: 'topic.paymentNotRegistered',
      dialog: new PaymentDialog(topicDeps),
    },
    ...(deps.extraTopics?.(topicDeps) ?? []),
    {
      id: DisputeDialog.id,
      titleKey: 'dispute:menu.title',
      intent: 'topic.dispute',
      dialog: new DisputeDialog(topicDeps),
    },
    {
      id: CaseStatusDialog.id,
      titleKey: 'status:menu.title',
      intent: 'topic.status',
      matches: (text) => findCaseReferenceInText(text) !== null,
      dialog: new CaseStatusDialog(topicDeps),
    },
  ];
  topicDeps.topicIds = topics.map((x) => x.id);
  return new MainDialog(topics, topicDeps.human);
}
