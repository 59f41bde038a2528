import type { TurnContext } from 'botbuilder';
import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { tr, turnLanguage } from '../../src/bot/turnContext';
import { offerHuman } from '../../src/handoff/offerHuman';
import { isEmailContactResult } from '../email/emailContactDialog';
import { RequestDialog } from '../request/requestDialog';
import type { RequestKit, RequestState } from '../request/spec';
import type { TopicDeps } from '../refund/deps';
import type { PaymentSlots } from './slots';
import { paymentTopic } from './topic';

type State = RequestState<PaymentSlots>;

/**
 * "My payment isn't showing" (POLICY.md section P): the payment description (topic.ts) on the shared
 * request machinery, plus what is its own once the summary is confirmed: the report pauses the
 * invoice through the invoices port (P4) and an e-mail confirms the pause (P6).
 */
export class PaymentDialog extends RequestDialog<PaymentSlots> {
  static readonly id = 'payment';

  constructor(deps: TopicDeps) {
    super({ ...paymentTopic(deps), conclude: (kit) => conclusion(kit, deps) }, deps);
  }
}

/** P4: pauses the purchase's invoice for this report; what the port said, in the state. */
async function pauseInvoice(context: TurnContext, state: State, deps: TopicDeps, accountId: string | undefined): Promise<void> {
  const invoice = state.slots.invoice;
  if (!invoice || !state.caseRef) {
    state.slots.pause = { result: 'unavailable' };
    return;
  }
  try {
    const r = await deps.services.invoices.pause(invoice.id, { caseRef: state.caseRef, by: `user:${context.activity.from?.id ?? 'unknown'}` }, { accountId });
    state.slots.pause = !r
      ? { invoiceId: invoice.id, result: 'unavailable' }
      : r.ok
        ? { invoiceId: r.invoice.id, result: r.alreadyPaused ? 'already_paused' : 'paused' }
        : { invoiceId: r.invoice.id, result: r.reason };
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message }, 'invoice pause failed');
    state.slots.pause = { invoiceId: invoice.id, result: 'unavailable' };
  }
}

/** The pause on the case (agents and "where is my request?" read it), or a note when the port could not answer. */
async function keepPause(reference: string, state: State, deps: TopicDeps): Promise<void> {
  const p = state.slots.pause;
  try {
    if (p && p.invoiceId && p.result !== 'unavailable') {
      await deps.cases.setInvoice(reference, { invoiceId: p.invoiceId, pause: p.result, at: deps.now().toISOString(), ...(state.slots.invoice ? { dueDate: state.slots.invoice.dueDate } : {}) }, 'bot');
    } else {
      await deps.cases.note(reference, 'bot', `invoice not paused: ${p?.invoiceId ?? 'no invoice found'} (P4), to pause by the team`);
    }
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message }, 'invoice pause not kept on the case');
  }
}

const paused = (state: State) => state.slots.pause?.result === 'paused' || state.slots.pause?.result === 'already_paused';

/** P6: the e-mail confirming the pause (one per case: sent again after an address is given, it is not duplicated). */
async function confirmPause(state: State, deps: TopicDeps): Promise<void> {
  if (!deps.notifier || !state.caseRef || !paused(state)) return;
  try {
    const record = await deps.cases.get(state.caseRef);
    if (record) await deps.notifier.notifyInvoicePaused(record, { invoice: state.slots.pause!.invoiceId!, ...(state.slots.invoice ? { amount: state.slots.invoice.amountDue } : {}) });
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message }, 'invoice paused e-mail failed');
  }
}

function conclusion(kit: RequestKit<PaymentSlots>, deps: TopicDeps): ((step: WaterfallStepContext) => Promise<DialogTurnResult>)[] {
  const topic = paymentTopic(deps);
  const answer = (step: WaterfallStepContext, state: State, decision: Parameters<typeof topic.answer>[0], reference?: string) =>
    kit.sendAnswer(step.context, topic.answer(decision, { t: tr(step.context), lang: turnLanguage(step.context), timeZone: deps.timeZone, state, reference }));
  return [
    async (step) => {
      const state = kit.state(step);
      const assessment = await kit.assess(step.context, state);
      const { decision } = assessment;
      // A correction made it too early, or a check says no: an answer, not a report.
      if (decision.outcome === 'wait' || decision.outcome === 'refusal' || decision.outcome === 'contact_merchant_first') {
        await answer(step, state, decision);
        return step.endDialog();
      }
      if (decision.outcome === 'report_filed') {
        const record = await kit.record(step.context, state, assessment);
        await pauseInvoice(step.context, state, deps, assessment.account?.id);
        await keepPause(record.reference, state, deps);
        await confirmPause(state, deps);
        await answer(step, state, decision, record.reference);
        return kit.askEmail(step, record.reference);
      }
      const record = await kit.record(step.context, state, assessment, { review: true });
      await answer(step, state, decision, record.reference);
      const lookup = state.slots.order?.lookup;
      await offerHuman(
        step.context,
        { reason: lookup === 'unknown' ? 'unknown_order' : lookup === 'unavailable' ? 'service_unavailable' : 'needs_review', caseRef: record.reference, priority: decision.review.priority },
        deps.human,
      );
      return kit.askEmail(step, record.reference);
    },
    async (step) => {
      // An address given just now gets the pause e-mail too (the same e-mail: never twice).
      if (isEmailContactResult(step.result) || step.result === undefined) await confirmPause(kit.state(step), deps);
      return step.endDialog(step.result);
    },
  ];
}
