import { randomUUID } from 'node:crypto';
import { ActionTypes, ActivityTypes, CardFactory, MessageFactory, TurnContext } from 'botbuilder';
import { DialogContext, DialogTurnResult, DialogTurnStatus, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { z } from 'zod';
import { tr, turnLanguage } from '../../src/bot/turnContext';
import type { CaseDisputeState, CaseOwner, CaseRecord, NewCase } from '../../src/cases/types';
import { offerHuman } from '../../src/handoff/offerHuman';
import { PREFILL } from '../../src/nlu/types';
import { findOrderNumberInText } from '../../src/services/orderNumber';
import { supportsAdaptiveCards } from '../cards/channel';
import { findUserAccount } from '../identity';
import type { AskOptions } from '../prompts/askDialog';
import { isHandoff } from '../prompts/askDialog';
import { choiceOptions } from '../prompts/localizedChoicePrompt';
import { msg } from '../prompts/message';
import type { TopicDeps } from '../refund/deps';
import { RequestDialog } from '../request/requestDialog';
import type { Assessment, Carry, RequestKit, RequestState } from '../request/spec';
import { disputeAnswer, routeOf } from './answer';
import { CONTACT_MODEL, complaintTypeOf, isContact, isProblem, type Problem } from './choices';
import { merchantMessage, merchantName } from './merchantMessage';
import { disputeTopic, type DisputeSlots, type DisputeState } from './topic';

/** What the "close my request" button sends (D6.1); the main menu routes it here by `topic`. */
export const closeActionSchema = z.object({ topic: z.literal('dispute'), action: z.literal('dispute.close'), reference: z.string().min(1).max(20) });

/** Statuses of a dispute kept for the customer's return after writing to the merchant (D2). */
const WAITING_FOR_CUSTOMER = new Set(['open']);

const RESUME = 'dispute.resume';

/** How the topic was begun: the first message, or the facts another topic carried over. */
interface BeginOptions {
  text?: string;
  carry?: Carry;
}

interface ResumeOptions {
  begin: BeginOptions;
  reference: string;
}

/**
 * The dispute with a merchant (POLICY.md D): the description in topic.ts on the shared request
 * machinery, plus what is its own:
 * - D2: not contacted yet → why to start with the merchant, a message to copy, and the case kept
 *   (status `open`) so the customer can come back and say how it went;
 * - the customer's return ("the merchant didn't answer"): the kept case is offered first, and
 *   continued rather than a second one opened;
 * - D5: a delivery complaint goes to the merchant through the merchants port (the platform
 *   informed), with the answer deadline told to the customer (status `waiting_merchant`);
 * - D4: a payment complaint goes to the platform's own queue, same-day target (`platform_review`);
 * - D6.1: the customer closes their own case from the chat (a button, or the return question).
 * It asks, calls and says; the engine decides.
 */
export class DisputeDialog extends RequestDialog<DisputeSlots> {
  static readonly id = 'dispute';

  constructor(private readonly topicDeps: TopicDeps) {
    super({ ...disputeTopic(topicDeps), conclude: (kit) => conclusion(kit, topicDeps) }, topicDeps);
    this.addDialog(new WaterfallDialog<ResumeOptions>(RESUME, [this.askResume.bind(this), this.resumeAnswered.bind(this)]));
  }

  /** A "close" button pressed, or the customer's return to a case kept for them; otherwise the questions. */
  protected override async onBeginDialog(inner: DialogContext, options?: BeginOptions): Promise<DialogTurnResult> {
    const close = closeActionSchema.safeParse(inner.context.activity.value);
    if (close.success) {
      await this.close(inner.context, close.data.reference);
      return inner.endDialog();
    }
    const text = options?.text ?? options?.carry?.text;
    const orderId = options?.carry?.order?.facts.id ?? options?.carry?.slots.order?.number ?? (text ? findOrderNumberInText(text) : null);
    const kept = await this.keptCase(inner.context, orderId);
    if (kept) return inner.beginDialog(RESUME, { begin: options ?? {}, reference: kept.reference } satisfies ResumeOptions);
    return super.onBeginDialog(inner, options);
  }

  /** The "close" button pressed while a question is still open (the e-mail one): before anything reads its words. */
  protected override async onContinueDialog(inner: DialogContext): Promise<DialogTurnResult> {
    const a = inner.context.activity;
    const close = a.type === ActivityTypes.Message ? closeActionSchema.safeParse(a.value) : undefined;
    if (close?.success) {
      await this.close(inner.context, close.data.reference);
      return inner.cancelAllDialogs(true);
    }
    return super.onContinueDialog(inner);
  }

  // ------------------------------------------------------------------ the customer's return

  private async askResume(step: WaterfallStepContext<ResumeOptions>): Promise<DialogTurnResult> {
    const record = await this.topicDeps.cases.get(step.options.reference);
    const order = record?.facts.order;
    const t = tr(step.context);
    return step.beginDialog(`${DisputeDialog.id}.ask`, {
      promptId: `${DisputeDialog.id}.choice`,
      choice: true,
      promptOptions: choiceOptions({
        prompt: msg('dispute:resume.ask', {
          reference: step.options.reference,
          product: order ? await this.productOf(step.context, order.id) : '',
          merchant: record?.dispute?.merchantName ?? t('dispute:theShop'),
          order: order?.id ?? '',
        }),
        retry: msg('dispute:resume.retry'),
        choices: [
          { value: 'yes', label: msg('dispute:resume.yes'), intent: 'yes' },
          { value: 'other', label: msg('dispute:resume.other'), intent: 'no' },
          { value: 'close', label: msg('dispute:resume.close') },
        ],
      }),
    } satisfies AskOptions);
  }

  private async resumeAnswered(step: WaterfallStepContext<ResumeOptions>): Promise<DialogTurnResult> {
    const { reference, begin } = step.options;
    const text = begin.text ?? begin.carry?.text;
    if (isHandoff(step.result)) {
      await offerHuman(step.context, { reason: 'three_failures', caseRef: reference }, this.topicDeps.human);
      return step.endDialog();
    }
    const choice = (step.result as { value: string }).value;
    if (choice === 'close') {
      await this.close(step.context, reference);
      return step.endDialog();
    }
    const flow = `${DisputeDialog.id}.flow`;
    if (choice !== 'yes') return step.replaceDialog(flow, begin);
    const record = await this.topicDeps.cases.get(reference);
    const claims = record?.facts.claims;
    const slots: DisputeSlots = {};
    if (record?.facts.order) slots.order = { number: record.facts.order.id, lookup: 'pending' };
    if (isProblem(claims?.problem)) slots.problem = claims.problem;
    // What they said on their return ("the merchant didn't answer") answers the merchant question.
    const said = text ? await this.topicDeps.nlu.slot(CONTACT_MODEL, text, turnLanguage(step.context)) : undefined;
    if (said && said.score >= PREFILL && isContact(said.name) && said.name !== 'not_contacted') slots.contact = said.name;
    const owner = await this.customer(step.context);
    await this.topicDeps.cases.recordCustomerRequest(reference, owner, 'the customer came back after contacting the merchant (D2)');
    const state: DisputeState = { slots, unknownOrders: 0, requestId: randomUUID(), caseRef: reference, flags: { resumed: true } };
    return step.replaceDialog(flow, { state });
  }

  /** The customer's newest dispute kept for their return (D2), on this order when one was named. */
  private async keptCase(context: TurnContext, orderId: string | null): Promise<CaseRecord | undefined> {
    try {
      const mine = await this.topicDeps.cases.listByOwner(await this.customer(context), { limit: 20 });
      return mine.find(
        (r) => r.topic === 'dispute' && WAITING_FOR_CUSTOMER.has(r.status) && r.decision.outcome === 'contact_merchant_first' && (!orderId || r.facts.order?.id === orderId),
      );
    } catch (err) {
      this.topicDeps.logger.warn({ err: (err as Error).message }, 'listing dispute cases failed');
      return undefined;
    }
  }

  private async productOf(context: TurnContext, orderId: string): Promise<string> {
    try {
      const account = await findUserAccount(this.topicDeps.services.accounts, context.activity);
      const order = await this.topicDeps.services.orders.findOrder(orderId, { accountId: account?.id });
      return order?.label ?? orderId;
    } catch {
      return orderId;
    }
  }

  // ------------------------------------------------------------------ D6.1

  private async close(context: TurnContext, reference: string): Promise<void> {
    const t = tr(context);
    const result = await this.topicDeps.cases.closeByCustomer(reference, await this.customer(context), 'closed by the customer in the chat (D6.1)');
    if (result.ok) await context.sendActivity(t(result.alreadyClosed ? 'dispute:close.already' : 'dispute:close.done', { reference }));
    else if (result.reason === 'final') await context.sendActivity(t('dispute:close.already', { reference }));
    else await context.sendActivity(t('dispute:close.notFound'));
  }

  private async customer(context: TurnContext): Promise<CaseOwner> {
    return ownerOf(context, this.topicDeps);
  }
}

async function ownerOf(context: TurnContext, deps: TopicDeps): Promise<CaseOwner> {
  const a = context.activity;
  let accountId: string | undefined;
  try {
    accountId = (await findUserAccount(deps.services.accounts, a))?.id;
  } catch {
    accountId = undefined;
  }
  return { channelId: a.channelId, userId: a.from?.id ?? 'unknown', ...(accountId ? { accountId } : {}) };
}

/** A button that closes the customer's request from the chat (D6.1), whenever they press it. */
function closeButton(context: TurnContext, reference: string) {
  const t = tr(context);
  const title = t('dispute:answer.closeButton');
  return { type: ActionTypes.MessageBack, title, displayText: title, text: title, value: { topic: 'dispute', action: 'dispute.close', reference } };
}

/**
 * Once the summary is confirmed: the engine decides, and the case is recorded (or the kept one
 * continued) in the status D6 gives it, then the one answer.
 */
function conclusion(kit: RequestKit<DisputeSlots>, deps: TopicDeps): ((step: WaterfallStepContext) => Promise<DialogTurnResult>)[] {
  return [
    async (step) => {
      const state = kit.state(step);
      const t = tr(step.context);
      const lang = turnLanguage(step.context);
      const assessment = await kit.assess(step.context, state);
      const { decision } = assessment;
      const merchant = merchantName(t, state.order);
      const problem = state.slots.problem as Problem | undefined;
      const answer = (reference?: string, deadline?: string) =>
        disputeAnswer(decision, { t, lang, timeZone: deps.timeZone, merchant, ...(reference ? { reference } : {}), ...(deadline ? { deadline } : {}) });
      const facts: CaseDisputeState = {
        ...(state.order?.merchantName ? { merchantName: state.order.merchantName } : {}),
        ...(problem ? { complaintType: complaintTypeOf(problem) } : {}),
      };

      switch (routeOf(decision)) {
        case 'already_open':
        case 'refused':
          // Nothing new to follow: the open dispute is followed already, or it is too late for one.
          await kit.sendAnswer(step.context, answer());
          return step.endDialog();

        case 'contact_merchant': {
          // D2: why to start with the merchant, a message to copy, and the case kept for their return.
          const record = await keep(step.context, kit, state, assessment, 'open', facts);
          await step.context.sendActivity(t('dispute:firstContact.explain', { merchant }));
          if (state.order && problem) await step.context.sendActivity(merchantMessage(t, lang, deps.timeZone, state.order, problem));
          const after = t('dispute:firstContact.after', { merchant, reference: record.reference });
          // With a "close it" button where the channel shows buttons; the words alone otherwise (SMS, e-mail).
          await step.context.sendActivity(
            supportsAdaptiveCards(step.context.activity.channelId)
              ? MessageFactory.attachment(CardFactory.heroCard('', after, undefined, [closeButton(step.context, record.reference)]))
              : MessageFactory.text(after),
          );
          return kit.askEmail(step, record.reference);
        }

        case 'to_merchant': {
          // D5: the complaint goes to the merchant (the platform informed), with a deadline to answer.
          const record = await keep(step.context, kit, state, assessment, 'open', facts);
          let deadline: string | undefined;
          try {
            const sent = await deps.services.merchants.sendComplaint({
              caseRef: record.reference,
              merchantName: merchant,
              orderId: state.order!.facts.id,
              problem: problem!,
              language: lang,
              // The engine files a delivery complaint only on a known order with a covered problem (D1, D3).
              message: merchantMessage(t, lang, deps.timeZone, state.order!, problem!),
            });
            deadline = sent.deadline;
            await deps.cases.transition(record.reference, {
              from: ['open'],
              to: 'waiting_merchant',
              by: 'bot',
              note: 'delivery complaint sent to the merchant, the platform informed (D5)',
              patch: { ...facts, complaintSentAt: deps.now().toISOString(), merchantDeadline: sent.deadline },
            });
          } catch (err) {
            // The merchant could not be reached through the port: a person sends it instead.
            deps.logger.warn({ err: (err as Error).message, caseRef: record.reference }, 'merchant complaint not sent');
            await kit.sendAnswer(step.context, { ...answer(record.reference), next: [] });
            await offerHuman(step.context, { reason: 'service_unavailable', caseRef: record.reference }, deps.human);
            return kit.askEmail(step, record.reference);
          }
          await kit.sendAnswer(step.context, answer(record.reference, deadline));
          return kit.askEmail(step, record.reference);
        }

        case 'to_platform': {
          // D4: the platform handles a payment complaint itself, the same day where possible.
          const record = await keep(step.context, kit, state, assessment, 'platform_review', facts);
          await kit.sendAnswer(step.context, answer(record.reference));
          // Into the desk's queue (its severity follows the decision), without the "business days" follow-up.
          if (deps.human.onOffer) {
            const queued = await deps.human.onOffer(step.context, { reason: 'dispute_platform', caseRef: record.reference, priority: decision.review.priority }, record.status);
            if (queued === 'queued') return step.endDialog();
          }
          return kit.askEmail(step, record.reference);
        }

        case 'review':
        default: {
          const record = await keep(step.context, kit, state, assessment, 'awaiting_review', facts);
          await kit.sendAnswer(step.context, answer(record.reference));
          await offerHuman(step.context, { reason: 'needs_review', caseRef: record.reference, priority: decision.review.priority }, deps.human);
          return kit.askEmail(step, record.reference);
        }
      }
    },
    async (step) => step.endDialog(step.result),
  ];
}

/**
 * The case of this request: the kept one when the customer came back to it (its history notes the
 * new decision and it moves on from `open`), otherwise a new one in `status`.
 */
async function keep(
  context: TurnContext,
  kit: RequestKit<DisputeSlots>,
  state: RequestState<DisputeSlots>,
  assessment: Assessment,
  status: NonNullable<NewCase['status']>,
  facts: CaseDisputeState,
): Promise<CaseRecord> {
  const { decision } = assessment;
  const summary = `${decision.outcome} (${decision.clauses.join(', ')})${state.slots.contact ? `; merchant contact: ${state.slots.contact}` : ''}`;
  if (state.flags.resumed && state.caseRef) {
    const ref = state.caseRef;
    const cases = kit.deps.cases;
    // The engine's new decision on the kept case, for the agents (the first one stays on the record).
    await cases.note(ref, 'bot', `customer came back: ${summary}`);
    if (status === 'open') {
      const record = await cases.setDispute(ref, facts, 'bot');
      if (record) return record;
    } else {
      const moved = await cases.transition(ref, { from: ['open'], to: status, by: 'bot', note: `moved on from open: ${decision.outcome}`, patch: facts });
      if (moved) return moved.record;
    }
  }
  return kit.record(context, state, assessment, { status, dispute: facts, note: summary });
}
