/**
 * The one place where the bot offers a human. Until the live agent desk exists, "a human" means:
 * the case is marked for human review (status `awaiting_review`, with the reason in its history), and
 * the user is told, in their language, how and when the team follows up. Every dialog calls this
 * function, so the agent handoff can hook in here (`onOffer`) without touching the dialogs.
 */
import type { Activity, CardAction, TurnContext } from 'botbuilder';
import { tr } from '../bot/turnContext';
import { i18n } from '../i18n';
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

/** Sends (or collects) one activity of the offer. */
export type Say = (activity: Partial<Activity> | string) => Promise<unknown>;

export interface HumanOfferDeps {
  cases: Pick<CaseRepository, 'get' | 'updateStatus'>;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /**
   * Called once the case is marked: the live handoff (desk queue, `handoff.initiate`, src/handoff/desk.ts).
   * Returns `'queued'` when a person will answer in the chat: it then tells the customer itself, and
   * the e-mail follow-up texts below are not sent.
   */
  onOffer?: (context: TurnContext, offer: HumanOffer, status: CaseStatus | undefined, say?: Say) => Promise<void | 'queued'>;
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

/**
 * How the offer speaks: on its own (the default), or as a part of an answer that already gives the
 * reference and how to follow the request (`inAnswer`), with `say` collecting what it would send.
 */
export interface OfferVoice {
  say?: Say;
  inAnswer?: boolean;
}

export async function offerHuman(context: TurnContext, offer: HumanOffer, deps: HumanOfferDeps, voice: OfferVoice = {}): Promise<HumanOfferResult> {
  const t = tr(context);
  const say: Say = voice.say ?? ((activity) => context.sendActivity(activity));
  const prefix = voice.inAnswer ? 'human:inAnswer.' : 'human:';
  const conversationId = context.activity.conversation?.id;
  if (!offer.caseRef) {
    deps.logger?.info({ conversationId, reason: offer.reason }, 'human offered without a case');
    const queued = await deps.onOffer?.(context, offer, undefined, say);
    if (queued !== 'queued') await say(t('human:noCase'));
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
    await say(t('human:failed'));
    return { marked: false, status };
  }
  const marked = status !== undefined && WITH_HUMAN.has(status);
  const pro = offer.reason === 'pro_priority' || offer.priority === 'pro';
  deps.logger?.info({ conversationId, caseRef: offer.caseRef, reason: offer.reason, status }, 'human offered');
  // In an answer whose outcome already says the team looks at the case (a review), "passed to the team" is not said again.
  const handedOverKey = `${prefix}handedOver.${offer.reason}`;
  const handedOver = i18n().exists(handedOverKey) ? t(handedOverKey, { reference: offer.caseRef }) : '';
  const followUp = t(`${prefix}${pro ? 'followUpPriority' : 'followUp'}`, { reference: offer.caseRef });
  if (deps.onOffer) {
    if (handedOver) await say(handedOver);
    const queued = await deps.onOffer(context, offer, status, say);
    if (queued === 'queued') return { marked, status, queued: true };
    await say(followUp);
  } else {
    await say([handedOver, followUp].filter(Boolean).join(' '));
  }
  return { marked, status };
}

/** What an offer said, to be part of one answer: its lines and its buttons. */
export interface ComposedOffer {
  result: HumanOfferResult;
  lines: string[];
  actions: CardAction[];
}

/**
 * The offer of a person as part of the provisional answer (one message): what it would say is
 * collected, in the words meant for an answer that already gives the reference, with its buttons
 * (e.g. "Stop waiting"). Events (`handoff.initiate`) are still sent as they are.
 */
export async function composeHumanOffer(context: TurnContext, offer: HumanOffer, deps: HumanOfferDeps): Promise<ComposedOffer> {
  const lines: string[] = [];
  const actions: CardAction[] = [];
  const say: Say = async (activity) => {
    const a: Partial<Activity> = typeof activity === 'string' ? { type: 'message', text: activity } : activity;
    if (a.type && a.type !== 'message') return context.sendActivity(a);
    if (a.text) lines.push(a.text);
    for (const att of a.attachments ?? []) {
      const c = att.content as { title?: unknown; text?: unknown; buttons?: CardAction[] } | undefined;
      for (const x of [c?.title, c?.text]) if (typeof x === 'string' && x.trim()) lines.push(x);
      actions.push(...(c?.buttons ?? []));
    }
    actions.push(...(a.suggestedActions?.actions ?? []));
    return undefined;
  };
  const result = await offerHuman(context, offer, deps, { say, inAnswer: true });
  return { result, lines: lines.flatMap((l) => l.split('\n')).map((l) => l.trim()).filter(Boolean), actions };
}
