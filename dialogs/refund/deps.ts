import type { Profile } from '../../src/eligibility';
import type { CaseRepository, ProofStore } from '../../src/cases/types';
import type { HumanOfferDeps } from '../../src/handoff/offerHuman';
import type { Logger } from '../../src/logger';
import type { Services } from '../../src/services/ports';
import type { Notifier } from '../../src/services/notifications';
import type { FetchPolicy } from '../proof/fetchAttachment';
import type { NluPort } from '../../src/nlu';

/** What the refund and status dialogs use: ports, repositories and settings. Built once in buildDialogs. */
export interface TopicDeps {
  services: Services;
  cases: CaseRepository;
  proofs: ProofStore;
  profile: Profile;
  timeZone: string;
  /** Public holidays of this country are not business days (HOLIDAYS_COUNTRY); absent: the engine's default (FR). */
  holidaysCountry?: string | null;
  now: () => Date;
  logger: Logger;
  attachments: FetchPolicy;
  human: HumanOfferDeps;
  /** E-mails to the customer (absent in dialog tests that do not need them). */
  notifier?: Notifier;
  nlu: NluPort;
  /** The dialog ids of the topics in the menu (filled once built): a topic moves the customer only to one that exists. */
  topicIds?: readonly string[];
}
