/*
 * A topic of the request-collection machinery (dialogs/request): a description of what to collect
 * and how to answer, run by RequestDialog. Slots are asked in order, each only while its `ask`
 * returns a question; then the summary (confirm or correct), then the topic's own conclusion.
 * See /work/wt/CONTRACT-12-spec.md for a how-to.
 */
import type { Attachment, CardAction, TurnContext } from 'botbuilder';
import type { Dialog, DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import type { TFunction } from 'i18next';
import type { CaseFacts, Decision, Topic } from '../../src/eligibility';
import type { Language } from '../../src/i18n';
import type { CaseDisputeState, CaseRecord, NewCase } from '../../src/cases/types';
import type { ComposedOffer, HumanOffer, HumanOfferReason, HumanOfferResult } from '../../src/handoff/offerHuman';
import type { Account, Order } from '../../src/services/ports';
import type { ChoiceSpec } from '../prompts/localizedChoicePrompt';
import type { Msg } from '../prompts/message';
import type { SlotPromptSpec } from '../prompts/slotPrompt';
import type { OrderSlot, ProofSlot } from '../slots/types';
import type { TopicDeps } from '../refund/deps';
import type { Answer } from './answer';

/** Slots every topic may have: the order (shared lookup) and the proof (shared file check). */
export interface BaseSlots {
  order?: OrderSlot;
  proof?: ProofSlot;
}

/** What a request keeps in its waterfall state (`values.state`), never shared with other dialogs. */
export interface RequestState<S extends BaseSlots = BaseSlots> {
  slots: S;
  /** The order the port returned, once found. */
  order?: Order;
  /** Lookups of the order number that found nothing. */
  unknownOrders: number;
  /** The case, once recorded. */
  caseRef?: string;
  /** This request's id: the case is created idempotently under conversation + request. */
  requestId?: string;
  /** The topic's own small flags (e.g. refund's `askAmount`, a message already said). */
  flags: Record<string, boolean>;
  /** The token of the form card last shown (dialogs/cards/token.ts): an older form is out of date. */
  formCard?: string;
  /** The first message, kept to hand to another topic (at most 5,000 characters, already redacted). */
  text?: string;
}

/** What a slot's question is: a typed answer read by a parser, buttons, or nothing to ask (value known). */
export type Question =
  /** A typed answer read by `PARSERS[spec.parser]` (dialogs/request/parsers.ts). */
  | { kind: 'slot'; spec: SlotPromptSpec }
  /** Buttons (Adaptive-free suggested actions / hero card), recognised by title in any language or by intent. */
  | { kind: 'choice'; prompt: Msg | Msg[]; retry?: Msg | Msg[]; choices: ChoiceSpec[]; reasons?: boolean; /** free text read by this slot model (NluPort.slot) */ slotModel?: string }
  /** Nothing to ask, but the value must go through `accept` (e.g. an order number from the first message to look up). */
  | { kind: 'known'; value: unknown };

/** Move to another topic (dialog id), e.g. a shop purchase found in the refund topic. */
export interface SwitchTopic {
  switchTo: string;
}

/** The facts one topic hands to the next: the order (looked up) and the proof, when given. */
export interface Carry {
  order?: Order;
  slots: BaseSlots;
  /** The customer's first message: the next topic reads its own facts in it too (a date, a problem). */
  text?: string;
}

/** What a topic ends with when it moves the customer on (read by MainDialog, which starts `switchTo` with `carry`). */
export interface TopicSwitch {
  switchTo: string;
  carry: Carry;
}

export const isTopicSwitch = (r: unknown): r is TopicSwitch =>
  typeof r === 'object' && r !== null && typeof (r as TopicSwitch).switchTo === 'string' && typeof (r as TopicSwitch).carry === 'object';

/** What a slot's functions get. */
export interface SlotCtx<S extends BaseSlots = BaseSlots> {
  context: TurnContext;
  state: RequestState<S>;
  deps: TopicDeps;
  t: TFunction;
  lang: Language;
}

export interface SlotSpec<S extends BaseSlots = BaseSlots> {
  /** The slot's name; also the summary field a correction names. */
  name: string;
  /** The question while the slot is needed and unknown; `undefined` when known or not needed. */
  ask(c: SlotCtx<S>): Question | undefined | Promise<Question | undefined>;
  /**
   * Stores the parsed answer (may look things up and say something). The loop then asks what is
   * still missing. Returning `{ switchTo }` moves the customer to another topic with the facts kept.
   */
  accept(c: SlotCtx<S>, value: unknown): void | SwitchTopic | Promise<void | SwitchTopic>;
  /** A correction of this field from the summary: what to forget (default: `delete slots[name]`). */
  clear?(state: RequestState<S>): void;
}

/** One line of the summary: a field the customer can change, its label and value in their words. */
export interface SummaryLine {
  field: string;
  label: string;
  value: string;
}

/** Input of a topic's engine call. */
export interface FactsInput<S extends BaseSlots = BaseSlots> {
  state: RequestState<S>;
  account: Account | null;
  /** Risk flags of the order's owner when the asker is anonymous (see refund/facts.ts). */
  ownerRisk: { fraudFlag: boolean; openChargeback: boolean } | null;
  now: Date;
  requestHistory?: { earlierRequests: number; compensatedRequests: number };
  /** The topic's own extras for this call (refund: `insistsOnRefund`). */
  extra?: Record<string, unknown>;
}

/** The engine's decision, the facts it was made on, and who asked. */
export interface Assessment {
  facts: CaseFacts;
  decision: Decision;
  account: Account | null;
}

/** The machinery's services, for a topic's own steps (its conclusion, its early answers). */
export interface RequestKit<S extends BaseSlots = BaseSlots> {
  deps: TopicDeps;
  /** The state of the running flow. */
  state(step: WaterfallStepContext): RequestState<S>;
  /** Builds the facts (spec.facts) and has the engine decide. */
  assess(context: TurnContext, state: RequestState<S>, extra?: Record<string, unknown>): Promise<Assessment>;
  /** Records the case (idempotent per request); sets state.caseRef. */
  record(
    context: TurnContext,
    state: RequestState<S>,
    a: Assessment,
    /** `status`: the case's first status (default `awaiting_review` when reviewed, else `submitted`); `dispute`: its dispute facts. */
    opts?: { review?: boolean; note?: string; status?: NewCase['status']; dispute?: CaseDisputeState },
  ): Promise<CaseRecord>;
  /**
   * Sends the one answer: an Adaptive Card where the channel shows one, text otherwise; `actions`
   * (an offer's buttons) go in the same message.
   */
  sendAnswer(context: TurnContext, answer: Answer, actions?: CardAction[]): Promise<void>;
  /**
   * The offer of a person as part of the answer (one message): what it says, to pass as the
   * answer's `handoff`, and its buttons, to pass to `sendAnswer`. Events still go out at once.
   */
  composeOffer(context: TurnContext, offer: HumanOffer): Promise<ComposedOffer>;
  /** Records what was collected (if not yet) and offers a person. */
  handOver(context: TurnContext, state: RequestState<S>, reason: HumanOfferReason): Promise<HumanOfferResult>;
  /** handOver, then ends the topic. */
  escalate(step: WaterfallStepContext, reason: HumanOfferReason): Promise<DialogTurnResult>;
  /** The case exists: asks how the customer wants to hear about it by e-mail, or ends. */
  askEmail(step: WaterfallStepContext, reference: string | undefined): Promise<DialogTurnResult>;
  /** Asks a yes / no (or any choice) question; the next step gets `{ ok: true, value }` or a handoff. */
  askChoice(step: WaterfallStepContext, q: Extract<Question, { kind: 'choice' }>): Promise<DialogTurnResult>;
  /** The verified account of this channel user, or null. */
  account(context: TurnContext): Promise<Account | null>;
}

/** An early answer: the engine's decision ends the request before the summary (e.g. "wait until…"). */
export interface EarlyEnd {
  assessment: Assessment;
  /** Record a case for it (default false: an answer, not a request). */
  record?: boolean;
}

/** The topic's card form (optional): all fields at once, read through the same parsers. */
export interface FormSpec<S extends BaseSlots = BaseSlots> {
  /** `card`: the token its submit carries (dialogs/cards/token.ts). */
  card(t: TFunction, state: RequestState<S> | undefined, card: string): Attachment;
  /** Whether an activity value is this form's submit. */
  isSubmit(value: unknown): boolean;
  /** The state after the submit (valid fields in, wrong ones out), and the names of the wrong fields. */
  apply(value: unknown, lang: Language, state: RequestState<S>): { state: RequestState<S>; invalid: string[] } | undefined;
}

export interface TopicSpec<S extends BaseSlots = BaseSlots> {
  /** Dialog id: menu value, stack id (`<id>.flow` for the waterfall). */
  id: string;
  /** The engine's topic, also the case topic (reference prefix). */
  caseTopic: Topic;
  /** Locale namespace of the topic's own strings (`refund`, `payment`). */
  ns: string;
  /** One-message fill: the slots the first message already holds (order number, amount, date…). */
  fill(text: string, c: { context: TurnContext; deps: TopicDeps; lang: Language }): S | Promise<S>;
  /** Another topic moved the customer here with `state.slots.order` / `state.order` / proof filled: say so (optional). */
  carried?(c: SlotCtx<S>): void | Promise<void>;
  /** The first line: `<ns>:start`, plus what was noted from the first message. */
  noted(t: TFunction, lang: Language, slots: S): string[];
  /** The questions, in order. */
  slots: SlotSpec<S>[];
  /** After each answer: the engine may already end the request ("wait until…", "ask the shop"). */
  settle?(c: SlotCtx<S>, kit: RequestKit<S>): Promise<EarlyEnd | undefined>;
  /** The summary's lines (the customer confirms or changes one). */
  summary(t: TFunction, lang: Language, state: RequestState<S>): SummaryLine[];
  /** The engine's input from what was collected. */
  facts(input: FactsInput<S>): CaseFacts;
  /** The engine's decision as one answer about the customer's case (no clause ids). */
  answer(
    decision: Decision,
    /** `handoff`: what the offer of a person says, when the case goes to the team with this answer. */
    c: { t: TFunction; lang: Language; timeZone: string; state: RequestState<S>; reference?: string; handoff?: { lines: string[] } },
  ): Answer;
  /** Notes for the case record (agents read them). */
  notes?(state: RequestState<S>): string[];
  /**
   * What happens once the summary is confirmed: the topic's own waterfall steps. The first gets
   * `step.result` undefined; `kit` does the shared work (assess, record, answer, e-mail, person).
   * Absent: assess, record, answer, ask for the e-mail (see RequestDialog.defaultConclusion).
   */
  conclude?(kit: RequestKit<S>): ((step: WaterfallStepContext) => Promise<DialogTurnResult>)[];
  /** The topic's own dialogs, begun from its conclusion (refund: the R7 ad alternative). */
  dialogs?(deps: TopicDeps): Dialog[];
  form?: FormSpec<S>;
}
