import type { Profile } from '../../src/eligibility';
import type { CaseRepository, ProofStore } from '../../src/cases/types';
import type { HumanOfferDeps } from '../../src/handoff/offerHuman';
import type { Logger } from '../../src/logger';
import type { Services } from '../../src/services/ports';
import type { FetchPolicy } from '../proof/fetchAttachment';
import type { NluPort } from '../../src/nlu';

/** What the refund and status dialogs use: ports, repositories and settings. Built once in buildDialogs. */
export interface TopicDeps {
  services: Services;
  cases: CaseRepository;
  proofs: ProofStore;
  profile: Profile;
  timeZone: string;
  now: () => Date;
  logger: Logger;
  attachments: FetchPolicy;
  human: HumanOfferDeps;
  nlu: NluPort;
}
