/**
 * The one place where the bot offers a human. Until the live agent desk exists, "a human" means:
 * the case is marked for human review (status `awaiting_review`, with the reason in its history), and
 * the user is told, in their language, how and when the team follows up. Every dialog calls this
 * function, so the agent handoff can hook in here (`onOffer`) without touching the dialogs.
 */
import type { TurnContext } from 'botbuilder';
import { tr } from '../bot/turnContext';
import type { CaseReference, CaseRepository, CaseStatus } from '../cases/types';
import type { Logger } from '../logger';

export const HUMAN_OFFER_REASONS = [
  /** The user asked for a person. */
  'user_asked',
  /** Three failed answers to one question, and the user accepted help. */
  'three_failures',
  /** The order could not be found after the retries. */
  'unknown_order',
  /** The engine's decision needs a human (needs_review, suspended, urgent). */
  'needs_review',
  /** A verified Pro account accepted the priority agent (R8). */
  'pro_priority',
  /** A service the bot needed could not answer. */
  'service_unavailable',
  /** Reserved: the dispute rules send the case to the platform (the dispute topic does not exist yet). */
  'dispute_platform',
] as const;
export type HumanOfferReason = (typeof HUMAN_OFFER_REASONS)[number];

export interface HumanOffer {
  reason: HumanOfferReason;
  /** The case the human should look at; without one the user is told how to start a request. */
  caseRef?: CaseReference;
  /** Pro accounts (verified by the account port) are served first (R8). */
  priority?: 'pro' | 'high' | 'normal';
}

export interface HumanOfferDeps {
  cases: Pick<CaseRepository, 'get' | 'updateStatus'>;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /**
   * Called once the case is marked: the live handoff (desk queue, `handoff.initiate`, src/handoff/desk.ts).
   * Returns `'queued'` when a person will answer in the chat: it then tells the customer itself, and
   * the e-mail follow-up texts below are not sent.
   */
  onOffer?: (context: TurnContext, offer: HumanOffer, status: CaseStatus | undefined) => Promise<void | 'queued'>;
}

export interface HumanOfferResult {
  /** The case is now waiting for (or already with) a human. */
  marked: boolean;
  status?: CaseStatus;
  /** A person will answer in the chat (the live desk took the conversation and told the customer). */
  queued?: boolean;
}

/** Statuses where a person already has (or will have) the case: nothing to change. */
const WITH_HUMAN: ReadonlySet<CaseStatus> = new Set(['awaiting_review', 'in_review']);

export async function offerHuman(context: TurnContext, offer: HumanOffer, deps: HumanOfferDeps): Promise<HumanOfferResult> {
  const t = tr(context);
  const conversationId = context.activity.conversation?.id;
  if (!offer.caseRef) {
    deps.logger?.info({ conversationId, reason: offer.reason }, 'human offered without a case');
    const queued = await deps.onOffer?.(context, offer, undefined);
    if (queued !== 'queued') await context.sendActivity(t('human:noCase'));
    return { marked: false };
  }
  let status: CaseStatus | undefined;
  try {
    const record = await deps.cases.get(offer.caseRef);
    status = record?.status;
    if (record && !WITH_HUMAN.has(record.status)) {
      const updated = await deps.cases.updateStatus(offer.caseRef, 'awaiting_review', 'bot', `handoff:${offer.reason}`);
      status = updated?.status;
    }
  } catch (err) {
    deps.logger?.warn({ conversationId, caseRef: offer.caseRef, err: (err as Error).message }, 'could not mark the case for review');
    await context.sendActivity(t('human:failed'));
    return { marked: false, status };
  }
  const marked = status !== undefined && WITH_HUMAN.has(status);
  const pro = offer.reason === 'pro_priority' || offer.priority === 'pro';
  deps.logger?.info({ conversationId, caseRef: offer.caseRef, reason: offer.reason, status }, 'human offered');
  const handedOver = t(`human:handedOver.${offer.reason}`, { reference: offer.caseRef });
  if (deps.onOffer) {
    await context.sendActivity(handedOver);
    const queued = await deps.onOffer(context, offer, status);
    if (queued === 'queued') return { marked, status, queued: true };
    await context.sendActivity(t(pro ? 'human:followUpPriority' : 'human:followUp', { reference: offer.caseRef }));
  } else {
    await context.sendActivity([handedOver, t(pro ? 'human:followUpPriority' : 'human:followUp', { reference: offer.caseRef })].join(' '));
  }
  return { marked, status };
}
