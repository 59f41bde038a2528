import { randomUUID } from 'node:crypto';
import { ActivityTypes, MessageFactory, TurnContext } from 'botbuilder';
import { DialogContext, DialogInstance, DialogTurnResult, DialogTurnStatus, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { evaluate } from '../../src/eligibility';
import { i18n } from '../../src/i18n';
import { tr, turnLanguage } from '../../src/bot/turnContext';
import type { CaseOwner, CaseRecord } from '../../src/cases/types';
import { composeHumanOffer, offerHuman, type HumanOfferReason, type HumanOfferResult } from '../../src/handoff/offerHuman';
import type { Account, Order } from '../../src/services/ports';
import { BaseDialog } from '../baseDialog';
import { findUserAccount } from '../identity';
import { supportsAdaptiveCards } from '../cards/channel';
import { formIsCurrent, isFormRequest } from '../cards/form';
import { answerOutOfDate, newCardToken } from '../cards/token';
import { AskDialog, isHandoff, type AskOptions } from '../prompts/askDialog';
import { choiceOptions, LocalizedChoicePrompt } from '../prompts/localizedChoicePrompt';
import { msg } from '../prompts/message';
import { slotOptions, SlotPrompt, type SlotPromptSpec } from '../prompts/slotPrompt';
import type { FieldAction } from '../slots/summaryAction';
import { EmailContactDialog, isEmailContactResult, type EmailContactOptions } from '../email/emailContactDialog';
import type { TopicDeps } from '../refund/deps';
import { answerMessage, type Answer } from './answer';
import { fieldsResolver, PARSERS, proofResolver } from './parsers';
import { summaryView } from './summary';
import type { Assessment, BaseSlots, Carry, Question, RequestKit, RequestState, SlotCtx, SlotSpec, SwitchTopic, TopicSpec, TopicSwitch } from './spec';

interface FlowOptions<S extends BaseSlots> {
  /** The first message, which may already hold some facts. */
  text?: string;
  /** The state carried over when the flow goes round again (an answer, a correction, a form). */
  state?: RequestState<S>;
  /** Facts another topic already collected (it moved the customer here). */
  carry?: Carry;
  /** The first message asked for the form: it is shown (where the channel shows cards) before the first question. */
  form?: boolean;
}

/** What the flow keeps between its two steps. */
interface FlowValues<S extends BaseSlots> {
  state: RequestState<S>;
  /** The slot being asked, or `summary`. */
  asking?: string;
}

/** `asking` while the e-mail question runs after an early answer. */
const EMAIL = '$email';

/** An answer of at least two words may hold more than the fact asked (see keepOtherFacts). */
const TWO_WORDS = /\S\s+\S/;

/** Guards the slot loop: a topic whose `accept` never fills its slot must not spin. */
const MAX_KNOWN_PER_TURN = 20;

/**
 * Runs one topic (a TopicSpec): asks each missing slot in order (one-message fill first, the
 * customer is never asked again for what they said), shows the summary to confirm or correct,
 * then the topic's conclusion (by default: engine, case, one answer, e-mail). Help, cancel, start
 * over, language and "a person" come from BaseDialog; a person records what was collected first.
 */
export class RequestDialog<S extends BaseSlots = BaseSlots> extends BaseDialog {
  readonly kit: RequestKit<S>;
  private readonly FLOW: string;
  private readonly ASK: string;
  private readonly SLOT: string;
  private readonly CHOICE: string;
  private readonly END: string;
  /** Turn state key of the flow's state, which the summary question shows (rebuilt each turn, not kept in its options). */
  private readonly VIEW = Symbol('requestState');

  constructor(
    protected readonly spec: TopicSpec<S>,
    protected readonly deps: TopicDeps,
  ) {
    super(spec.id, deps.human);
    this.FLOW = `${spec.id}.flow`;
    this.ASK = `${spec.id}.ask`;
    this.SLOT = `${spec.id}.slot`;
    this.CHOICE = `${spec.id}.choice`;
    this.END = `${spec.id}.end`;
    this.kit = this.makeKit();
    this.addDialog(
      new SlotPrompt(this.SLOT, PARSERS, { proof: proofResolver(deps.proofs, deps.attachments), fields: fieldsResolver(deps.nlu) }, { summary: summaryView(spec) }, (context) =>
        context.turnState.get(this.VIEW),
      ),
    );
    this.addDialog(new LocalizedChoicePrompt(this.CHOICE, deps.nlu));
    this.addDialog(new AskDialog(this.ASK, this.CHOICE));
    for (const d of spec.dialogs?.(deps) ?? []) this.addDialog(d);
    if (deps.notifier) this.addDialog(new EmailContactDialog({ notifier: deps.notifier, cases: deps.cases, accounts: deps.services.accounts, logger: deps.logger }));
    this.addDialog(new WaterfallDialog<FlowOptions<S>>(this.FLOW, [this.next.bind(this), this.answered.bind(this)]));
    const conclusion = spec.conclude ? spec.conclude(this.kit) : this.defaultConclusion();
    this.addDialog(new WaterfallDialog(this.END, conclusion));
    this.initialDialogId = this.FLOW;
  }

  // ------------------------------------------------------------------ the slot loop

  /** Asks the first slot still missing; with none left, the summary. */
  private async next(step: WaterfallStepContext<FlowOptions<S>>): Promise<DialogTurnResult> {
    let state = step.options.state ? structuredClone(step.options.state) : undefined;
    let formShown = false;
    const c = (s: RequestState<S>): SlotCtx<S> => ({ context: step.context, state: s, deps: this.deps, t: tr(step.context), lang: turnLanguage(step.context) });
    if (!state) {
      const t = tr(step.context);
      const lang = turnLanguage(step.context);
      const text = step.options.text;
      const carry = step.options.carry;
      const first = text ?? carry?.text;
      const slots = first ? await this.spec.fill(first, { context: step.context, deps: this.deps, lang }) : ({} as S);
      state = {
        slots: { ...slots, ...(carry?.slots ?? {}) },
        unknownOrders: 0,
        requestId: randomUUID(),
        flags: {},
        ...(carry?.order ? { order: carry.order } : {}),
        ...(first ? { text: first.slice(0, 5000) } : {}),
      };
      if (carry) await this.spec.carried?.({ context: step.context, state, deps: this.deps, t, lang });
      const noted = this.spec.noted(t, lang, state.slots).join(', ');
      const start = t(`${this.spec.ns}:start`);
      await step.context.sendActivity(noted ? `${start} ${t(`${this.spec.ns}:noted`, { facts: noted })}` : start);
      if (step.options.form && this.spec.form && supportsAdaptiveCards(step.context.activity.channelId)) {
        state.formCard = newCardToken();
        await step.context.sendActivity(MessageFactory.attachment(this.spec.form.card(t, state, state.formCard)));
        formShown = true;
      }
    }
    const values = step.values as FlowValues<S>;
    values.state = state;
    // The flow keeps its state once (in its values): the options that started it are not kept as well.
    if (step.options) for (const key of Object.keys(step.options) as (keyof FlowOptions<S>)[]) delete step.options[key];
    for (let i = 0; i < MAX_KNOWN_PER_TURN; i++) {
      const found = await this.firstMissing(c(state));
      if (!found) break;
      const { slot, question } = found;
      if (question.kind === 'known') {
        const moved = await slot.accept(c(state), question.value);
        if (moved) return this.switchTopic(step, state, moved);
        const early = await this.settle(step, state);
        if (early) return early;
        continue;
      }
      values.asking = slot.name;
      // The form was just shown: the question does not offer it again.
      if (formShown && question.kind === 'slot') {
        const suggestions = question.spec.suggestions?.filter((x) => (x.value as { key?: string }).key !== 'refund:form.offer');
        return this.askQuestion(step, { ...question, spec: { ...question.spec, suggestions: suggestions?.length ? suggestions : undefined } });
      }
      return this.askQuestion(step, question);
    }
    values.asking = 'summary';
    step.context.turnState.set(this.VIEW, state);
    // The topic's own re-prompt names its own fields (`<ns>:retry.summary`); refund's otherwise.
    const summaryRetry = `${this.spec.ns}:retry.summary`;
    const retry = i18n().exists(summaryRetry, { lng: 'en' }) ? summaryRetry : 'refund:retry.summary';
    return this.ask(step, {
      parser: 'fields',
      prompt: msg(retry),
      retryKey: retry,
      params: { ns: this.spec.ns, fields: this.spec.summary(tr(step.context), turnLanguage(step.context), state).map((l) => l.field) },
      view: { name: 'summary' },
    });
  }

  private async answered(step: WaterfallStepContext<FlowOptions<S>>): Promise<DialogTurnResult> {
    const values = step.values as FlowValues<S>;
    const state = values.state;
    // The e-mail question after an early answer: its result ends the topic.
    if (values.asking === EMAIL) return step.endDialog(step.result);
    if (isHandoff(step.result)) return this.kit.escalate(step, 'three_failures');
    const value = (step.result as { value: unknown }).value;
    if (values.asking === 'summary') {
      const action = value as FieldAction;
      if (action.action === 'confirm') return step.replaceDialog(this.END, { state });
      await step.context.sendActivity(tr(step.context)('refund:summary.correcting'));
      const next: RequestState<S> = { ...state, slots: { ...state.slots }, flags: { ...state.flags } };
      const slot = this.spec.slots.find((s) => s.name === action.field);
      if (slot?.clear) slot.clear(next);
      else delete (next.slots as Record<string, unknown>)[action.field];
      return step.replaceDialog(this.FLOW, { state: next } satisfies FlowOptions<S>);
    }
    const slot = this.spec.slots.find((s) => s.name === values.asking);
    if (slot) {
      const moved = await slot.accept({ context: step.context, state, deps: this.deps, t: tr(step.context), lang: turnLanguage(step.context) }, value);
      if (moved) return this.switchTopic(step, state, moved);
      const early = await this.settle(step, state);
      if (early) return early;
    }
    return step.replaceDialog(this.FLOW, { state } satisfies FlowOptions<S>);
  }

  /**
   * A typed answer often holds more than the question asked ("FL-800005, I paid yesterday by card"):
   * it is read the way the first message is (`spec.fill`), and the facts still missing are kept and
   * said, so the customer is not asked for them again. A fact already known is never replaced, and
   * the slot asked is left to its own answer (its `accept` runs after, on the whole state). A button
   * or a one-word answer holds only what was asked. True when something was said.
   */
  private async keepOtherFacts(context: TurnContext, state: RequestState<S>, asked: string): Promise<boolean> {
    const { text, value } = context.activity;
    if (value !== undefined || typeof text !== 'string' || !TWO_WORDS.test(text)) return false;
    const lang = turnLanguage(context);
    const found = (await this.spec.fill(text, { context, deps: this.deps, lang })) as Record<string, unknown>;
    const known = state.slots as Record<string, unknown>;
    const added: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(found)) if (name !== asked && v !== undefined && known[name] === undefined) added[name] = v;
    if (!Object.keys(added).length) return false;
    Object.assign(known, added);
    const t = tr(context);
    const noted = this.spec.noted(t, lang, added as S).join(', ');
    if (!noted) return false;
    await context.sendActivity(t(`${this.spec.ns}:noted`, { facts: noted }));
    return true;
  }

  /** Ends this topic with the facts kept; MainDialog starts the other one with them. */
  private switchTopic(step: WaterfallStepContext, state: RequestState<S>, to: SwitchTopic): Promise<DialogTurnResult> {
    const slots: BaseSlots = {};
    if (state.slots.order) slots.order = state.slots.order;
    // A proof given is kept; "no proof for now" is not (the next topic may need one).
    if (state.slots.proof && state.slots.proof.kind !== 'skipped') slots.proof = state.slots.proof;
    return step.endDialog({ switchTo: to.switchTo, carry: { slots, ...(state.order ? { order: state.order } : {}), ...(state.text ? { text: state.text } : {}) } } satisfies TopicSwitch);
  }

  private async firstMissing(c: SlotCtx<S>): Promise<{ slot: SlotSpec<S>; question: Question } | undefined> {
    for (const slot of this.spec.slots) {
      const question = await slot.ask(c);
      if (question) return { slot, question };
    }
    return undefined;
  }

  /** The topic's early answer, if the engine already ends the request. */
  private async settle(step: WaterfallStepContext, state: RequestState<S>): Promise<DialogTurnResult | undefined> {
    if (!this.spec.settle) return undefined;
    const c: SlotCtx<S> = { context: step.context, state, deps: this.deps, t: tr(step.context), lang: turnLanguage(step.context) };
    const early = await this.spec.settle(c, this.kit);
    if (!early) return undefined;
    const record = early.record ? await this.kit.record(step.context, state, early.assessment, { review: early.assessment.decision.review.required }) : undefined;
    await this.kit.sendAnswer(step.context, this.answerFor(step.context, state, early.assessment, record?.reference));
    if (!record) return step.endDialog();
    (step.values as FlowValues<S>).asking = EMAIL;
    return this.kit.askEmail(step, record.reference);
  }

  private answerFor(context: TurnContext, state: RequestState<S>, a: Assessment, reference?: string, handoff?: { lines: string[] }): Answer {
    const answer = this.spec.answer(a.decision, { t: tr(context), lang: turnLanguage(context), timeZone: this.deps.timeZone, state, ...(reference ? { reference } : {}), ...(handoff ? { handoff } : {}) });
    // The offer of a person is part of the one answer, whether the topic's own words placed it or not.
    if (handoff) for (const line of handoff.lines) if (!answer.next.includes(line)) answer.next.push(line);
    return answer;
  }

  /** Engine, case, one answer (with a person's offer where needed), then the e-mail question. */
  private defaultConclusion(): ((step: WaterfallStepContext) => Promise<DialogTurnResult>)[] {
    return [
      async (step) => {
        const state = this.kit.state(step);
        const assessment = await this.kit.assess(step.context, state);
        const review = state.slots.order?.lookup === 'unknown' || state.slots.order?.lookup === 'unavailable' || assessment.decision.review.required;
        const record = await this.kit.record(step.context, state, assessment, { review });
        if (!review) {
          await this.kit.sendAnswer(step.context, this.answerFor(step.context, state, assessment, record.reference));
          return this.kit.askEmail(step, record.reference);
        }
        const reason: HumanOfferReason =
          state.slots.order?.lookup === 'unknown' ? 'unknown_order' : state.slots.order?.lookup === 'unavailable' ? 'service_unavailable' : 'needs_review';
        const offer = await this.kit.composeOffer(step.context, { reason, caseRef: record.reference, priority: assessment.decision.review.priority });
        await this.kit.sendAnswer(step.context, this.answerFor(step.context, state, assessment, record.reference, offer), offer.actions);
        // A person will answer in the chat (the live desk): the desk takes an e-mail address itself if it needs one.
        return offer.result.queued ? step.endDialog() : this.kit.askEmail(step, record.reference);
      },
      async (step) => step.endDialog(step.result),
    ];
  }

  // ------------------------------------------------------------------ interruptions and card submits

  /**
   * The summary question reads the flow's state from the turn (shown again, or answered). While a
   * slot is asked, the other facts of the message are kept first: also when the answer itself is not
   * understood and the question comes again, or when the customer asks for a person instead.
   */
  protected override async onContinueDialog(inner: DialogContext): Promise<DialogTurnResult> {
    const { state, asking } = this.flowValues(inner) ?? {};
    inner.context.turnState.set(this.VIEW, state);
    const said = state && asking && this.spec.slots.some((s) => s.name === asking) ? await this.keepOtherFacts(inner.context, state, asking) : false;
    if (!said) return super.onContinueDialog(inner);
    let sentAfter = false;
    inner.context.onSendActivities(async (_context, _activities, next) => {
      sentAfter = true;
      return next();
    });
    const asked = inner.activeDialog;
    const result = await super.onContinueDialog(inner);
    // botbuilder's prompts ask again only when nothing was sent in the turn, and the facts noted were:
    // the question comes again as first asked (the message held other facts, not a wrong answer).
    if (!sentAfter && result.status === DialogTurnStatus.waiting && inner.activeDialog === asked) await inner.repromptDialog();
    return result;
  }

  override async repromptDialog(context: TurnContext, instance: DialogInstance): Promise<void> {
    const stack = (instance.state as { dialogs?: { dialogStack?: DialogInstance[] } } | undefined)?.dialogs?.dialogStack ?? [];
    const flow = stack.find((i) => i.id === this.FLOW);
    context.turnState.set(this.VIEW, (flow?.state as { values?: { state?: RequestState<S> } } | undefined)?.values?.state);
    return super.repromptDialog(context, instance);
  }

  protected override async intercept(inner: DialogContext): Promise<DialogTurnResult | undefined> {
    const a = inner.context.activity;
    const form = this.spec.form;
    if (a.type !== ActivityTypes.Message || !form) return undefined;
    const t = tr(inner.context);
    if (supportsAdaptiveCards(a.channelId) && isFormRequest(inner.context)) {
      const state = this.flowState(inner);
      const card = newCardToken();
      if (state) state.formCard = card;
      await inner.context.sendActivity(MessageFactory.attachment(form.card(t, state, card)));
      return { status: DialogTurnStatus.waiting };
    }
    if (form.isSubmit(a.value)) {
      // A form sent after the request was confirmed, or an older form than the last one shown: out of date.
      if (!formIsCurrent(a.value, this.flowState(inner), !this.flowState(inner))) return answerOutOfDate(inner);
      const current = this.flowState(inner) ?? { slots: {} as S, unknownOrders: 0, flags: {} };
      const read = form.apply(a.value, turnLanguage(inner.context), structuredClone(current));
      if (!read) return undefined;
      if (read.invalid.length) {
        const names = read.invalid.map((f) => t(`${this.spec.ns}:summary.${f}`)).join(', ');
        await inner.context.sendActivity(t('refund:form.invalid', { fields: names }));
      }
      await inner.cancelAllDialogs();
      return inner.beginDialog(this.FLOW, { state: read.state } satisfies FlowOptions<S>);
    }
    return undefined;
  }

  protected override acceptsAttachments(inner: DialogContext): boolean {
    const spec = (inner.activeDialog?.state?.options as { validations?: SlotPromptSpec } | undefined)?.validations;
    return inner.activeDialog?.id === this.SLOT && spec?.parser === 'proof';
  }

  protected override async onHumanRequested(inner: DialogContext): Promise<DialogTurnResult> {
    const state = this.flowState(inner) ?? this.endState(inner);
    if (!state) return super.onHumanRequested(inner);
    const offered = await this.kit.handOver(inner.context, state, 'user_asked');
    if (this.deps.notifier && state.caseRef && !offered.queued) {
      // No person will answer in the chat (no live desk): the customer may leave an e-mail address for the answer.
      await inner.cancelAllDialogs();
      return inner.beginDialog(EmailContactDialog.id, { reference: state.caseRef } satisfies EmailContactOptions);
    }
    return inner.cancelAllDialogs(true);
  }

  // ------------------------------------------------------------------ helpers

  private ask(step: WaterfallStepContext, spec: SlotPromptSpec): Promise<DialogTurnResult> {
    return step.beginDialog(this.ASK, { promptId: this.SLOT, promptOptions: slotOptions(spec) } satisfies AskOptions);
  }

  private askQuestion(step: WaterfallStepContext, q: Question): Promise<DialogTurnResult> {
    if (q.kind === 'slot') return this.ask(step, q.spec);
    if (q.kind === 'choice') {
      return step.beginDialog(this.ASK, {
        promptId: this.CHOICE,
        choice: true,
        promptOptions: choiceOptions({ prompt: q.prompt, retry: q.retry, choices: q.choices, ...(q.reasons ? { reasons: true } : {}), ...(q.slotModel ? { slotModel: q.slotModel } : {}) }),
      } satisfies AskOptions);
    }
    return step.next({ ok: true, value: q.value });
  }

  /** The flow's state, read from the inner stack (for interruptions and card submits). */
  private flowState(inner: DialogContext): RequestState<S> | undefined {
    return this.flowValues(inner)?.state;
  }

  /** The flow's values (its state and the question being asked), read from the inner stack. */
  private flowValues(inner: DialogContext): Partial<FlowValues<S>> | undefined {
    const flow = inner.stack.find((i) => i.id === this.FLOW);
    return (flow?.state as { values?: Partial<FlowValues<S>> } | undefined)?.values;
  }

  /** The state once the conclusion runs (its options). */
  private endState(inner: DialogContext): RequestState<S> | undefined {
    const end = inner.stack.find((i) => i.id === this.END);
    return (end?.state as { options?: { state?: RequestState<S> } } | undefined)?.options?.state;
  }

  private owner(context: TurnContext, account: Account | null): CaseOwner {
    const a = context.activity;
    return { channelId: a.channelId, userId: a.from?.id ?? 'unknown', ...(account ? { accountId: account.id } : {}) };
  }

  private async ownerRisk(account: Account | null, order: Order | undefined): Promise<{ fraudFlag: boolean; openChargeback: boolean } | null> {
    if (account || !order?.ownerAccountId) return null;
    try {
      const owner = await this.deps.services.accounts.getAccount(order.ownerAccountId);
      return owner ? { fraudFlag: owner.fraudFlag, openChargeback: owner.openChargeback } : null;
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'owner account lookup failed');
      return null;
    }
  }

  private makeKit(): RequestKit<S> {
    const deps = this.deps;
    const spec = this.spec;
    const kit: RequestKit<S> = {
      deps,
      state: (step) => (step.options as { state: RequestState<S> }).state,
      account: async (context) => {
        try {
          return await findUserAccount(deps.services.accounts, context.activity);
        } catch (err) {
          deps.logger.warn({ err: (err as Error).message }, 'account lookup failed');
          return null;
        }
      },
      assess: async (context, state, extra) => {
        const account = await kit.account(context);
        const ownerRisk = await this.ownerRisk(account, state.order);
        // Earlier requests for the same order (B10, B11), this conversation's own case excepted.
        const orderId = state.order?.facts.id;
        const requestHistory = orderId ? await deps.cases.requestHistory(orderId, state.caseRef, this.owner(context, account)) : undefined;
        const facts = spec.facts({ state, account, ownerRisk, now: deps.now(), requestHistory, ...(extra ? { extra } : {}) });
        const decision = evaluate({ profile: deps.profile, case: facts }, { timeZone: deps.timeZone, defaultProfile: deps.profile, holidaysCountry: deps.holidaysCountry });
        return { facts, decision, account };
      },
      record: async (context, state, { facts, decision, account }, opts = {}): Promise<CaseRecord> => {
        const notes = [opts.note, ...(spec.notes?.(state) ?? [])].filter(Boolean);
        state.requestId ??= randomUUID();
        const record = await deps.cases.create({
          requestKey: `${context.activity.conversation?.id ?? 'none'}:${state.requestId}`,
          topic: spec.caseTopic,
          profile: deps.profile,
          owner: this.owner(context, account),
          facts,
          decision,
          proofs: state.slots.proof?.kind === 'file' ? [state.slots.proof.meta] : [],
          language: turnLanguage(context),
          conversationReference: TurnContext.getConversationReference(context.activity),
          status: opts.status ?? (opts.review || decision.review.required ? 'awaiting_review' : 'submitted'),
          ...(opts.dispute ? { dispute: opts.dispute } : {}),
          ...(notes.length ? { note: notes.join(' | ') } : {}),
        });
        state.caseRef = record.reference;
        return record;
      },
      sendAnswer: async (context, answer, actions) => {
        await context.sendActivity(answerMessage(context.activity.channelId, answer, tr(context), actions));
      },
      composeOffer: (context, offer) => composeHumanOffer(context, offer, deps.human),
      handOver: async (context, state, reason): Promise<HumanOfferResult> => {
        let reference = state.caseRef;
        let priority: 'pro' | 'high' | 'normal' | undefined;
        if (!reference) {
          const assessment = await kit.assess(context, state);
          priority = assessment.decision.review.priority;
          reference = (await kit.record(context, state, assessment, { review: true, note: `handoff:${reason}` })).reference;
        }
        return offerHuman(context, { reason, caseRef: reference, priority }, deps.human);
      },
      escalate: async (step, reason) => {
        const state = (step.values as Partial<FlowValues<S>>).state ?? kit.state(step);
        await kit.handOver(step.context, state, reason);
        return step.endDialog();
      },
      askEmail: (step, reference) => {
        if (!deps.notifier || !reference) return step.endDialog();
        return step.beginDialog(EmailContactDialog.id, { reference } satisfies EmailContactOptions);
      },
      askChoice: (step, q) => this.askQuestion(step, q),
    };
    return kit;
  }
}

/** Whether a conclusion step got the e-mail dialog's result (the conversation goes on elsewhere). */
export { isEmailContactResult };
