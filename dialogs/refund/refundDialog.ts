import { randomUUID } from 'node:crypto';
import { ActivityTypes, MessageFactory, TurnContext } from 'botbuilder';
import { DialogContext, DialogTurnResult, DialogTurnStatus, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { evaluate, type CaseFacts, type Decision } from '../../src/eligibility';
import { formatMoney } from '../../src/i18n';
import { tr, turnLanguage } from '../../src/bot/turnContext';
import type { CaseOwner, CaseRecord } from '../../src/cases/types';
import { composeHumanOffer, offerHuman, type HumanOfferReason, type HumanOfferResult } from '../../src/handoff/offerHuman';
import type { Account, Order } from '../../src/services/ports';
import { BaseDialog } from '../baseDialog';
import { findUserAccount } from '../identity';
import { supportsAdaptiveCards } from '../cards/channel';
import { formIsCurrent, isFormRequest, refundFormCard } from '../cards/form';
import { answerOutOfDate, newCardToken } from '../cards/token';
import { AskDialog, isHandoff, yesNo, type AskOptions } from '../prompts/askDialog';
import { choiceOptions, LocalizedChoicePrompt } from '../prompts/localizedChoicePrompt';
import { msg } from '../prompts/message';
import { slotOptions, SlotPrompt, type SlotPromptSpec } from '../prompts/slotPrompt';
import { extractFacts } from '../slots/extract';
import type { AmountCheck } from '../slots/amount';
import { isRefundFormSubmit, parseRefundForm } from '../slots/formSubmission';
import { reasonsFor } from '../slots/reason';
import { needsLink, proofIsOptional } from '../slots/requirements';
import type { SummaryAction } from '../slots/summaryAction';
import type { ProofSlot, RefundSlots } from '../slots/types';
import { REFUND_REASONS, type Money, type RefundReason } from '../../src/eligibility';
import { EmailContactDialog, isEmailContactResult, type EmailContactOptions } from '../email/emailContactDialog';
import { AdAlternativeDialog, type AdAlternativeResult } from './adAlternativeDialog';
import { answerMessage, composeAnswer } from './answer';
import type { TopicDeps } from './deps';
import { refundFacts, type FactsInput } from './facts';
import { PARSERS, proofResolver, summaryResolver, VIEWS } from './questions';

/** What the refund conversation keeps, in its own waterfall state (never shared with other dialogs). */
export interface RefundState {
  slots: RefundSlots;
  /** The order the port returned, once found (facts, ad id). */
  order?: Order;
  /** Lookups of the order number that found nothing. */
  unknownOrders: number;
  /** The case, once recorded. */
  caseRef?: string;
  /**
   * This request's id, drawn when the flow starts: the case is created idempotently under
   * conversation + request, so a retry after an unconfirmed write never makes a second case.
   */
  requestId?: string;
  /** The customer chose to change the amount: ask for it rather than confirm the one on record. */
  askAmount?: boolean;
  /** The token of the form card last shown (dialogs/cards/token.ts): an older form is out of date. */
  formCard?: string;
}

interface FlowOptions {
  /** The first message, which may already hold some facts. */
  text?: string;
  /** The state carried over when the flow restarts (a correction, a form, an order to check again). */
  state?: RefundState;
}

type Answer = { ok: true; value: unknown } | { ok: false; handoff: 'three_failures' };

const FLOW = 'refund.flow';
const ASK = 'refund.ask';
const SLOT = 'refund.slot';
const CHOICE = 'refund.choice';

/** An order number is looked up this many times before the request goes to review (R3). */
export const MAX_ORDER_LOOKUPS = 3;

const known = (value: unknown): Answer => ({ ok: true, value });
const stateOf = (step: WaterfallStepContext<FlowOptions>): RefundState => (step.values as { state: RefundState }).state;


/**
 * The refund and cancellation conversation (POLICY.md section R, or B with the balance-only profile):
 * collects the order number, amount, reason and proof (asking only for what is missing), shows a
 * summary to confirm or correct, runs the eligibility engine, says the provisional answer, offers the
 * R7 ad change where it applies, records the case, and offers a human where needed. It asks, calls
 * and says; the engine decides.
 */
/** The engine's decision, the facts it was made on (stored as they are on the case), and who asked. */
interface Assessment {
  facts: CaseFacts;
  decision: Decision;
  account: Account | null;
}

export class RefundDialog extends BaseDialog {
  static readonly id = 'refund';

  constructor(private readonly deps: TopicDeps) {
    super(RefundDialog.id, deps.human);
    this.addDialog(new SlotPrompt(SLOT, PARSERS, { proof: proofResolver(deps.proofs, deps.attachments), summary: summaryResolver(deps.nlu) }, VIEWS));
    this.addDialog(new LocalizedChoicePrompt(CHOICE, deps.nlu));
    this.addDialog(new AskDialog(ASK, CHOICE));
    this.addDialog(new AdAlternativeDialog(deps));
    if (deps.notifier) this.addDialog(new EmailContactDialog({ notifier: deps.notifier, cases: deps.cases, accounts: deps.services.accounts, logger: deps.logger }));
    this.addDialog(
      new WaterfallDialog<FlowOptions>(FLOW, [
        this.start.bind(this),
        this.orderAnswered.bind(this),
        this.amountChecked.bind(this),
        this.amountAnswered.bind(this),
        this.reasonAnswered.bind(this),
        this.reasonTextAnswered.bind(this),
        this.linkAnswered.bind(this),
        this.proofAnswered.bind(this),
        this.summaryAnswered.bind(this),
        this.decided.bind(this),
        this.proAnswered.bind(this),
        this.emailAnswered.bind(this),
      ]),
    );
    this.initialDialogId = FLOW;
  }

  // ------------------------------------------------------------------ steps

  private async start(step: WaterfallStepContext<FlowOptions>): Promise<DialogTurnResult> {
    // A copy: the options of this waterfall instance are never mutated.
    let state = step.options.state ? structuredClone(step.options.state) : undefined;
    if (!state) {
      state = { slots: {}, unknownOrders: 0, requestId: randomUUID() };
      const t = tr(step.context);
      const text = step.options.text;
      const lang = turnLanguage(step.context);
      const stated = text ? await this.deps.nlu.reason(text, lang) : undefined;
      const reason = stated && stated.score >= 0.7 && (REFUND_REASONS as readonly string[]).includes(stated.name) ? (stated.name as RefundReason) : undefined;
      const facts = extractFacts(text, lang, reason);
      if (facts.orderNumber) state.slots.order = { number: facts.orderNumber, lookup: 'pending' };
      if (facts.amount) state.slots.amount = facts.amount;
      if (facts.reason) state.slots.reason = facts.reason;
      const noted = this.notedFacts(step.context, state.slots);
      await step.context.sendActivity(noted ? `${t('refund:start')} ${t('refund:noted', { facts: noted })}` : t('refund:start'));
    }
    (step.values as { state: RefundState }).state = state;
    if (state.slots.order) return step.next(known(state.slots.order.number));
    const cards = supportsAdaptiveCards(step.context.activity.channelId);
    return this.ask(step, {
      parser: 'order',
      prompt: msg('refund:ask.order'),
      retryKey: 'refund:retry.order',
      suggestions: cards ? [{ title: msg('refund:form.offer'), value: msg('refund:form.offer') }] : undefined,
    });
  }

  private async orderAnswered(step: WaterfallStepContext<FlowOptions>): Promise<DialogTurnResult> {
    const state = stateOf(step);
    if (isHandoff(step.result)) return this.escalate(step, 'three_failures');
    const number = (step.result as { value: string }).value;
    const t = tr(step.context);
    if (!state.slots.order || state.slots.order.number !== number || state.slots.order.lookup === 'pending') {
      try {
        const account = await this.account(step.context);
        const order = await this.deps.services.orders.findOrder(number, { accountId: account?.id });
        if (order) {
          state.order = order;
          state.slots.order = { number: order.facts.id, lookup: 'found' };
          await step.context.sendActivity(
            // Described in the user's language from the facts; the service's own label may be in any language.
            t('refund:order.found', {
              order: order.facts.id,
              what: t(`refund:order.serviceType.${order.facts.serviceType}`),
              amount: formatMoney(order.facts.amountPaid.minor, order.facts.amountPaid.currency, turnLanguage(step.context)),
            }),
          );
        } else {
          state.unknownOrders += 1;
          delete state.order;
          if (state.unknownOrders < MAX_ORDER_LOOKUPS) {
            // "Please check the number": asked again, twice, before the request goes to review.
            await step.context.sendActivity(t('refund:order.unknown', { order: number }));
            const { order: _dropped, ...slots } = state.slots;
            return step.replaceDialog(FLOW, { state: { ...state, slots } } satisfies FlowOptions);
          }
          state.slots.order = { number, lookup: 'unknown' };
          await step.context.sendActivity(t('refund:order.unknownFinal', { order: number }));
        }
      } catch (err) {
        this.deps.logger.warn({ err: (err as Error).message }, 'order lookup failed');
        delete state.order;
        state.slots.order = { number, lookup: 'unavailable' };
        await step.context.sendActivity(t('refund:order.unavailable', { order: number }));
      }
    }
    // Reasons fit the order: one said in the first message that cannot apply to it is asked again.
    if (state.order && state.slots.reason && !reasonsFor(this.deps.profile, state.order.facts.serviceType).includes(state.slots.reason)) {
      delete state.slots.reason;
      delete state.slots.reasonText;
    }
    if (state.slots.amount) return step.next(known({ kind: 'amount', amount: state.slots.amount } satisfies AmountCheck));
    if (!state.order || state.askAmount) return step.next(known({ kind: 'other' } satisfies AmountCheck));
    // The order is known: show the amount on record and ask to confirm it, rather than asking from nothing.
    const paid = state.order.facts.amountPaid;
    const amount = { minor: paid.minor, currency: paid.currency };
    return this.ask(step, {
      parser: 'amountCheck',
      prompt: msg('refund:amountCheck.ask', { amount }),
      retryKey: 'refund:amountCheck.retry',
      params: { currency: paid.currency, amount },
      suggestions: [
        { title: msg('refund:amountCheck.yes'), value: msg('refund:amountCheck.yes') },
        { title: msg('refund:amountCheck.other'), value: msg('refund:amountCheck.other') },
      ],
    });
  }

  private async amountChecked(step: WaterfallStepContext<FlowOptions>): Promise<DialogTurnResult> {
    const state = stateOf(step);
    if (isHandoff(step.result)) return this.escalate(step, 'three_failures');
    const check = (step.result as { value: AmountCheck }).value;
    if (check.kind === 'amount') return step.next(known(check.amount));
    if (check.kind === 'confirm' && state.order) return step.next(known(state.order.facts.amountPaid));
    const currency = state.order?.facts.amountPaid.currency ?? 'EUR';
    return this.ask(step, { parser: 'amount', prompt: msg('refund:ask.amount'), retryKey: 'refund:retry.amount', params: { currency } });
  }

  private async amountAnswered(step: WaterfallStepContext<FlowOptions>): Promise<DialogTurnResult> {
    const state = stateOf(step);
    if (isHandoff(step.result)) return this.escalate(step, 'three_failures');
    state.slots.amount = (step.result as { value: Money }).value;
    const recorded = state.order?.facts.amountPaid;
    const claimed = state.slots.amount;
    if (recorded && (recorded.currency !== claimed.currency || (recorded.minor !== claimed.minor && claimed.minor !== 2 * recorded.minor))) {
      // Said plainly; the engine sends the difference to review.
      const lang = turnLanguage(step.context);
      await step.context.sendActivity(
        tr(step.context)('refund:amountCheck.differs', {
          recorded: formatMoney(recorded.minor, recorded.currency, lang),
          claimed: formatMoney(claimed.minor, claimed.currency, lang),
        }),
      );
    }
    if (state.slots.reason) return step.next(known(state.slots.reason));
    const reasons = reasonsFor(this.deps.profile, state.order?.facts.serviceType);
    return step.beginDialog(ASK, {
      promptId: CHOICE,
      choice: true,
      promptOptions: choiceOptions({
        prompt: msg('refund:ask.reason'),
        retry: msg('refund:retry.reason'),
        choices: reasons.map((r) => ({ value: r, label: msg(`refund:reasons.${r}.label`) })),
        reasons: true,
      }),
    } satisfies AskOptions);
  }

  private async reasonAnswered(step: WaterfallStepContext<FlowOptions>): Promise<DialogTurnResult> {
    const state = stateOf(step);
    if (isHandoff(step.result)) return this.escalate(step, 'three_failures');
    state.slots.reason = (step.result as { value: RefundReason }).value;
    if (state.slots.reason !== 'other') {
      delete state.slots.reasonText;
      return step.next(known(undefined));
    }
    if (state.slots.reasonText) return step.next(known(state.slots.reasonText));
    return this.ask(step, { parser: 'reasonText', prompt: msg('refund:ask.otherReason'), retryKey: 'refund:retry.otherReason', params: { max: 500 } });
  }

  private async reasonTextAnswered(step: WaterfallStepContext<FlowOptions>): Promise<DialogTurnResult> {
    const state = stateOf(step);
    if (isHandoff(step.result)) return this.escalate(step, 'three_failures');
    const text = (step.result as { value?: string }).value;
    if (state.slots.reason === 'other' && text) state.slots.reasonText = text;
    if (!needsLink(this.deps.profile, state.order?.facts.serviceType) || state.slots.link) return step.next(known(state.slots.link));
    return this.ask(step, { parser: 'link', prompt: msg('refund:ask.link'), retryKey: 'refund:retry.link' });
  }

  private async linkAnswered(step: WaterfallStepContext<FlowOptions>): Promise<DialogTurnResult> {
    const state = stateOf(step);
    if (isHandoff(step.result)) return this.escalate(step, 'three_failures');
    const link = (step.result as { value?: string }).value;
    if (link) state.slots.link = link;
    if (state.slots.proof) return step.next(known(state.slots.proof));
    const optional = proofIsOptional(this.deps.profile);
    return this.ask(step, {
      parser: 'proof',
      prompt: msg(optional ? 'refund:ask.proofOptional' : 'refund:ask.proofRequired'),
      retryKey: 'refund:retry.proof',
      params: { optional },
    });
  }

  private async proofAnswered(step: WaterfallStepContext<FlowOptions>): Promise<DialogTurnResult> {
    const state = stateOf(step);
    if (isHandoff(step.result)) return this.escalate(step, 'three_failures');
    const proof = (step.result as { value: ProofSlot }).value;
    if (!state.slots.proof) {
      const t = tr(step.context);
      if (proof.kind === 'reference') await step.context.sendActivity(t('refund:proof.reference', { reference: proof.reference }));
      if (proof.kind === 'skipped') await step.context.sendActivity(t('refund:proof.skipped'));
    }
    state.slots.proof = proof;
    return this.ask(step, { parser: 'summary', prompt: msg('refund:retry.summary'), retryKey: 'refund:retry.summary', view: { name: 'summary', data: state.slots } });
  }

  private async summaryAnswered(step: WaterfallStepContext<FlowOptions>): Promise<DialogTurnResult> {
    const state = stateOf(step);
    if (isHandoff(step.result)) return this.escalate(step, 'three_failures');
    const action = (step.result as { value: SummaryAction }).value;
    if (action.action === 'correct') {
      await step.context.sendActivity(tr(step.context)('refund:summary.correcting'));
      const slots = { ...state.slots };
      const next: RefundState = { ...state, slots };
      switch (action.field) {
        case 'order':
          delete slots.order;
          delete next.order;
          next.unknownOrders = 0;
          break;
        case 'reason':
          delete slots.reason;
          delete slots.reasonText;
          break;
        case 'amount':
          delete slots.amount;
          next.askAmount = true;
          break;
        default:
          delete slots[action.field];
      }
      return step.replaceDialog(FLOW, { state: next } satisfies FlowOptions);
    }
    const assessment = await this.assess(step.context, state, false);
    const { decision } = assessment;
    if (decision.outcome === 'suggest_alternative' && state.order?.adId) {
      // R7: the offer explains itself once, in the question that offers the changes.
      return step.beginDialog(AdAlternativeDialog.id, {
        adId: state.order.adId,
        alternatives: decision.alternatives,
        accountId: assessment.account?.id,
      });
    }
    return step.next({ assessment });
  }

  private async decided(step: WaterfallStepContext<FlowOptions>): Promise<DialogTurnResult> {
    const state = stateOf(step);
    const t = tr(step.context);
    const result = step.result as { assessment: Assessment } | AdAlternativeResult;
    let assessment: Assessment;
    if ('assessment' in result) {
      assessment = result.assessment;
    } else if (result.outcome === 'handoff') {
      return this.escalate(step, 'three_failures');
    } else if (result.outcome === 'refund') {
      // The user declined the change and still wants the money back: the engine decides again (e.g. R6.2).
      assessment = await this.assess(step.context, state, true);
    } else {
      const alternative = await this.assess(step.context, state, false);
      const record = await this.record(step.context, state, alternative, {
        note: result.changes.length ? `ad changed: ${result.changes.join(', ')}` : 'alternative offered, ad kept',
      });
      // Nothing is left to check: the user kept the ad (changed or not) rather than a refund.
      await this.deps.cases.updateStatus(record.reference, 'closed', 'bot', result.changes.length ? 'resolved by an ad change (R7)' : 'user kept the ad (R7)');
      await step.context.sendActivity(t('refund:case.closedAfterChange', { reference: record.reference }));
      return step.endDialog();
    }

    const { decision } = assessment;
    const order = state.slots.order;
    const handoff: HumanOfferReason | undefined =
      order?.lookup === 'unknown' ? 'unknown_order' : order?.lookup === 'unavailable' ? 'service_unavailable' : decision.review.required ? 'needs_review' : undefined;
    const record = await this.record(step.context, state, assessment, { review: handoff !== undefined });
    // One answer, one message: a card where the channel shows one, text otherwise; a person's offer is part of it.
    const offer = handoff ? await composeHumanOffer(step.context, { reason: handoff, caseRef: record.reference, priority: decision.review.priority }, this.deps.human) : undefined;
    const answer = composeAnswer(
      decision,
      { t, lang: turnLanguage(step.context), timeZone: this.deps.timeZone },
      { reference: record.reference, recorded: state.order?.facts.amountPaid, claimed: state.slots.amount, ...(offer ? { handoff: offer } : {}) },
    );
    await step.context.sendActivity(answerMessage(step.context.activity.channelId, answer, t, offer?.actions));
    // A person will answer in the chat (the live desk): the desk takes an e-mail address itself if it needs one.
    if (handoff) return offer?.result.queued ? step.endDialog() : this.askEmail(step, record.reference);
    if (decision.nextSteps.includes('offer_priority_agent')) {
      // R8: a verified Pro account is offered a priority agent.
      return step.beginDialog(ASK, { promptId: CHOICE, choice: true, promptOptions: yesNo(msg('refund:proAgent.offer')) } satisfies AskOptions);
    }
    return this.askEmail(step, record.reference);
  }

  private async proAnswered(step: WaterfallStepContext<FlowOptions>): Promise<DialogTurnResult> {
    if (isEmailContactResult(step.result)) return step.endDialog(step.result);
    const state = stateOf(step);
    const answer = step.result as Answer;
    if (answer.ok && answer.value === 'no') {
      await step.context.sendActivity(tr(step.context)('refund:proAgent.declined'));
    } else if (state.caseRef) {
      await offerHuman(step.context, { reason: 'pro_priority', caseRef: state.caseRef, priority: 'pro' }, this.deps.human);
    }
    return this.askEmail(step, state.caseRef);
  }

  private async emailAnswered(step: WaterfallStepContext<FlowOptions>): Promise<DialogTurnResult> {
    return step.endDialog(step.result);
  }

  /** The case exists: ask how the customer wants to hear about it by e-mail (src/services/notifications). */
  private askEmail(step: WaterfallStepContext<FlowOptions>, reference: string | undefined): Promise<DialogTurnResult> {
    if (!this.deps.notifier || !reference) return step.endDialog();
    return step.beginDialog(EmailContactDialog.id, { reference } satisfies EmailContactOptions);
  }

  // ------------------------------------------------------------------ interruptions and card submits

  protected override async intercept(inner: DialogContext): Promise<DialogTurnResult | undefined> {
    const a = inner.context.activity;
    if (a.type !== ActivityTypes.Message) return undefined;
    const t = tr(inner.context);
    const cards = supportsAdaptiveCards(a.channelId);
    if (cards && isFormRequest(inner.context)) {
      const state = this.flowState(inner);
      const card = newCardToken();
      if (state) state.formCard = card;
      await inner.context.sendActivity(MessageFactory.attachment(refundFormCard(t, reasonsFor(this.deps.profile, state?.order?.facts.serviceType), card)));
      return { status: DialogTurnStatus.waiting };
    }
    if (isRefundFormSubmit(a.value)) {
      // A form sent after the request was confirmed, or an older form than the last one shown: out of date.
      if (!formIsCurrent(a.value, this.flowState(inner), inner.stack.some((i) => i.id === AdAlternativeDialog.id))) return answerOutOfDate(inner);
      const current = this.flowState(inner) ?? { slots: {}, unknownOrders: 0 };
      const currency = current.order?.facts.amountPaid.currency ?? 'EUR';
      const form = parseRefundForm(a.value, turnLanguage(inner.context), currency);
      if (!form) return undefined;
      const slots: RefundSlots = { ...current.slots };
      const next: RefundState = { ...current, slots };
      if (form.slots.orderNumber && form.slots.orderNumber !== slots.order?.number) {
        slots.order = { number: form.slots.orderNumber, lookup: 'pending' };
        delete next.order;
        next.unknownOrders = 0;
      }
      if (form.slots.amount) slots.amount = form.slots.amount;
      if (form.slots.reason) {
        if (form.slots.reason !== slots.reason) delete slots.reasonText;
        slots.reason = form.slots.reason;
      }
      if (form.slots.proof) slots.proof = form.slots.proof;
      for (const e of form.errors) {
        if (e.field === 'order') delete slots.order;
        else if (e.field === 'reason') delete slots.reason;
        else if (e.field === 'amount') {
          delete slots.amount;
          next.askAmount = true;
        }
        else delete slots[e.field];
      }
      if (form.errors.length) {
        const names = form.errors.map((e) => t(`refund:summary.${e.field}`)).join(', ');
        await inner.context.sendActivity(t('refund:form.invalid', { fields: names }));
      }
      await inner.cancelAllDialogs();
      return inner.beginDialog(FLOW, { state: next } satisfies FlowOptions);
    }
    return undefined;
  }

  protected override acceptsAttachments(inner: DialogContext): boolean {
    const spec = (inner.activeDialog?.state?.options as { validations?: SlotPromptSpec } | undefined)?.validations;
    return inner.activeDialog?.id === SLOT && spec?.parser === 'proof';
  }

  protected override async onHumanRequested(inner: DialogContext): Promise<DialogTurnResult> {
    const state = this.flowState(inner);
    if (!state) return super.onHumanRequested(inner);
    const offered = await this.handOver(inner.context, state, 'user_asked');
    if (this.deps.notifier && state.caseRef && !offered.queued) {
      // No person will answer in the chat (no live desk): the customer may leave an e-mail address for the answer.
      // With the live desk, the desk itself takes the address while the customer waits.
      await inner.cancelAllDialogs();
      return inner.beginDialog(EmailContactDialog.id, { reference: state.caseRef } satisfies EmailContactOptions);
    }
    return inner.cancelAllDialogs(true);
  }

  // ------------------------------------------------------------------ helpers

  private ask(step: WaterfallStepContext<FlowOptions>, spec: SlotPromptSpec): Promise<DialogTurnResult> {
    return step.beginDialog(ASK, { promptId: SLOT, promptOptions: slotOptions(spec) } satisfies AskOptions);
  }

  /** The flow's state, read from the inner stack (for interruptions and card submits). */
  private flowState(inner: DialogContext): RefundState | undefined {
    const flow = inner.stack.find((i) => i.id === FLOW);
    return (flow?.state as { values?: { state?: RefundState } } | undefined)?.values?.state;
  }

  private notedFacts(context: TurnContext, slots: RefundSlots): string {
    const t = tr(context);
    const lang = turnLanguage(context);
    const parts: string[] = [];
    if (slots.order) parts.push(t('refund:notedOrder', { order: slots.order.number }));
    if (slots.amount) parts.push(t('refund:notedAmount', { amount: formatMoney(slots.amount.minor, slots.amount.currency, lang) }));
    if (slots.reason) parts.push(t('refund:notedReason', { reason: t(`refund:reasons.${slots.reason}.label`) }));
    return parts.join(', ');
  }

  private owner(context: TurnContext, account: Account | null): CaseOwner {
    const a = context.activity;
    return { channelId: a.channelId, userId: a.from?.id ?? 'unknown', ...(account ? { accountId: account.id } : {}) };
  }

  /** The verified account of this channel user (never self-declared), or null. */
  private async account(context: TurnContext): Promise<Account | null> {
    const a = context.activity;
    try {
      return await findUserAccount(this.deps.services.accounts, a);
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'account lookup failed');
      return null;
    }
  }

  /** See FactsInput.ownerRisk. */
  private async ownerRisk(account: Account | null, order: Order | undefined): Promise<FactsInput['ownerRisk']> {
    if (account || !order?.ownerAccountId) return null;
    try {
      const owner = await this.deps.services.accounts.getAccount(order.ownerAccountId);
      return owner ? { fraudFlag: owner.fraudFlag, openChargeback: owner.openChargeback } : null;
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'owner account lookup failed');
      return null;
    }
  }

  /** Looks up who is asking, builds the facts once and has the engine decide on them. */
  private async assess(context: TurnContext, state: RefundState, insistsOnRefund: boolean): Promise<Assessment> {
    const account = await this.account(context);
    const ownerRisk = await this.ownerRisk(account, state.order);
    // Earlier requests for the same order (B10, B11), this conversation's own case excepted.
    const orderId = state.order?.facts.id;
    const requestHistory = orderId ? await this.deps.cases.requestHistory(orderId, state.caseRef, this.owner(context, account)) : undefined;
    const facts = refundFacts({ slots: state.slots, order: state.order, account, ownerRisk, now: this.deps.now(), insistsOnRefund, requestHistory });
    const decision = evaluate({ profile: this.deps.profile, case: facts }, { timeZone: this.deps.timeZone, defaultProfile: this.deps.profile, holidaysCountry: this.deps.holidaysCountry });
    return { facts, decision, account };
  }

  /**
   * Records the request as a case: facts, decision with clauses, proof metadata, language, channel,
   * reference. Resolves once the case is durable; when that cannot be confirmed it rejects
   * (NotDurableError), the turn says so without a reference, and the customer's next try creates the
   * same case (same request key), never a second one.
   */
  private async record(
    context: TurnContext,
    state: RefundState,
    { facts, decision, account }: Assessment,
    opts: { review?: boolean; note?: string } = {},
  ): Promise<CaseRecord> {
    const notes = [opts.note, state.slots.reason === 'other' && state.slots.reasonText ? `reason (other): ${state.slots.reasonText}` : undefined].filter(Boolean);
    state.requestId ??= randomUUID();
    const record = await this.deps.cases.create({
      requestKey: `${context.activity.conversation?.id ?? 'none'}:${state.requestId}`,
      topic: 'refund',
      profile: this.deps.profile,
      owner: this.owner(context, account),
      facts,
      decision,
      proofs: state.slots.proof?.kind === 'file' ? [state.slots.proof.meta] : [],
      language: turnLanguage(context),
      conversationReference: TurnContext.getConversationReference(context.activity),
      status: opts.review || decision.review.required ? 'awaiting_review' : 'submitted',
      ...(notes.length ? { note: notes.join(' | ') } : {}),
    });
    state.caseRef = record.reference;
    return record;
  }

  /** The request goes to a person now, with what was collected so far (the engine still decides). */
  private async handOver(context: TurnContext, state: RefundState, reason: HumanOfferReason): Promise<HumanOfferResult> {
    let reference = state.caseRef;
    let priority: 'pro' | 'high' | 'normal' | undefined;
    if (!reference) {
      const assessment = await this.assess(context, state, false);
      priority = assessment.decision.review.priority;
      reference = (await this.record(context, state, assessment, { review: true, note: `handoff:${reason}` })).reference;
    }
    return offerHuman(context, { reason, caseRef: reference, priority }, this.deps.human);
  }

  private async escalate(step: WaterfallStepContext<FlowOptions>, reason: HumanOfferReason): Promise<DialogTurnResult> {
    await this.handOver(step.context, stateOf(step), reason);
    return step.endDialog();
  }
}
