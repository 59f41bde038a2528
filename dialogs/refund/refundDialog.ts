import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { tr, turnLanguage } from '../../src/bot/turnContext';
import { offerHuman, type HumanOfferReason } from '../../src/handoff/offerHuman';
import { yesNo, type AskOptions } from '../prompts/askDialog';
import { msg } from '../prompts/message';
import type { RefundSlots } from '../slots/types';
import { isEmailContactResult } from '../email/emailContactDialog';
import { RequestDialog } from '../request/requestDialog';
import type { Assessment, RequestKit, RequestState } from '../request/spec';
import { AdAlternativeDialog, type AdAlternativeResult } from './adAlternativeDialog';
import type { TopicDeps } from './deps';
import { refundTopic } from './topic';

export { MAX_ORDER_LOOKUPS } from '../request/slots';

/** What the refund conversation keeps (dialogs/request's state with the refund's slots). */
export type RefundState = RequestState<RefundSlots>;

/**
 * The refund and cancellation conversation: the refund description (topic.ts) on the shared
 * request machinery, plus what is its own once the summary is confirmed: the R7 ad change, the
 * ad kept (case closed), the Pro priority agent (R8). It asks, calls and says; the engine decides.
 */
export class RefundDialog extends RequestDialog<RefundSlots> {
  static readonly id = 'refund';

  constructor(deps: TopicDeps) {
    super(
      {
        ...refundTopic(deps),
        dialogs: (d) => [new AdAlternativeDialog(d)],
        conclude: (kit) => conclusion(kit, deps),
      },
      deps,
    );
  }
}

function conclusion(kit: RequestKit<RefundSlots>, deps: TopicDeps): ((step: WaterfallStepContext) => Promise<DialogTurnResult>)[] {
  const choice = (step: WaterfallStepContext, prompt: string) =>
    step.beginDialog('refund.ask', { promptId: 'refund.choice', choice: true, promptOptions: yesNo(msg(prompt)) } satisfies AskOptions);
  return [
    async (step) => {
      const state = kit.state(step);
      const assessment = await kit.assess(step.context, state);
      const { decision } = assessment;
      if (decision.outcome === 'suggest_alternative' && state.order?.adId) {
        // R7: the offer explains itself once, in the question that offers the changes.
        return step.beginDialog(AdAlternativeDialog.id, { adId: state.order.adId, alternatives: decision.alternatives, accountId: assessment.account?.id });
      }
      return step.next({ assessment });
    },
    async (step) => {
      const state = kit.state(step);
      const t = tr(step.context);
      const result = step.result as { assessment: Assessment } | AdAlternativeResult;
      let assessment: Assessment;
      if ('assessment' in result) {
        assessment = result.assessment;
      } else if (result.outcome === 'handoff') {
        return kit.escalate(step, 'three_failures');
      } else if (result.outcome === 'refund') {
        // The user declined the change and still wants the money back: the engine decides again (e.g. R6.2).
        assessment = await kit.assess(step.context, state, { insistsOnRefund: true });
      } else {
        const alternative = await kit.assess(step.context, state);
        const record = await kit.record(step.context, state, alternative, {
          note: result.changes.length ? `ad changed: ${result.changes.join(', ')}` : 'alternative offered, ad kept',
        });
        // Nothing is left to check: the user kept the ad (changed or not) rather than a refund.
        await deps.cases.updateStatus(record.reference, 'closed', 'bot', result.changes.length ? 'resolved by an ad change (R7)' : 'user kept the ad (R7)');
        await step.context.sendActivity(t('refund:case.closedAfterChange', { reference: record.reference }));
        return step.endDialog();
      }
      const { decision } = assessment;
      const order = state.slots.order;
      const handoff: HumanOfferReason | undefined =
        order?.lookup === 'unknown' ? 'unknown_order' : order?.lookup === 'unavailable' ? 'service_unavailable' : decision.review.required ? 'needs_review' : undefined;
      const record = await kit.record(step.context, state, assessment, { review: handoff !== undefined });
      // One answer, one message: a person's offer is part of it.
      const offer = handoff ? await kit.composeOffer(step.context, { reason: handoff, caseRef: record.reference, priority: decision.review.priority }) : undefined;
      const answer = refundTopic(deps).answer(decision, { t, lang: lang(step), timeZone: deps.timeZone, state, reference: record.reference, ...(offer ? { handoff: offer } : {}) });
      await kit.sendAnswer(step.context, answer, offer?.actions);
      // A person will answer in the chat (the live desk): the desk takes an e-mail address itself if it needs one.
      if (offer) return offer.result.queued ? step.endDialog() : kit.askEmail(step, record.reference);
      // R8: a verified Pro account is offered a priority agent.
      if (decision.nextSteps.includes('offer_priority_agent')) return choice(step, 'refund:proAgent.offer');
      return kit.askEmail(step, record.reference);
    },
    async (step) => {
      if (isEmailContactResult(step.result)) return step.endDialog(step.result);
      const state = kit.state(step);
      const answer = step.result as { ok: boolean; value?: unknown } | undefined;
      if (answer?.ok && answer.value === 'no') {
        await step.context.sendActivity(tr(step.context)('refund:proAgent.declined'));
      } else if (state.caseRef) {
        await offerHuman(step.context, { reason: 'pro_priority', caseRef: state.caseRef, priority: 'pro' }, deps.human);
      }
      return kit.askEmail(step, state.caseRef);
    },
    async (step) => step.endDialog(step.result),
  ];
}

const lang = (step: WaterfallStepContext) => turnLanguage(step.context);
