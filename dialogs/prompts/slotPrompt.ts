import { Activity, CardAction, CardFactory, MessageFactory, TurnContext } from 'botbuilder';
import { Prompt, PromptOptions, PromptRecognizerResult } from 'botbuilder-dialogs';
import type { TFunction } from 'i18next';
import { turnLanguage, tr } from '../../src/bot/turnContext';
import { i18n, type Language } from '../../src/i18n';
import type { Parsed, UserInput } from '../slots/types';
import { MAX_ATTEMPTS } from './localizedChoicePrompt';
import { CLARIFY, understanding } from '../../src/nlu';
import { Msg, render, renderArgs } from './message';
import { newCardToken } from '../cards/token';
import { showsSuggestedActions, supportsAdaptiveCards } from '../cards/channel';

/** Reads one answer: pure, given what the user sent, the conversation language and the prompt's params. */
export type SlotParser = (input: UserInput, lang: Language, params: Record<string, unknown>) => Parsed<unknown>;

/** Completes a parsed answer with I/O (e.g. download and check a file); its failure counts as a wrong answer. */
export type SlotResolver = (
  value: unknown,
  context: TurnContext,
  params: Record<string, unknown>,
) => Promise<{ ok: true; value: unknown } | { ok: false; error: string; message: Msg[] }>;

/**
 * Renders the question as an activity (a card where the channel shows one). `card` is the token
 * the card's buttons carry (dialogs/cards/token.ts), kept by the prompt while it waits.
 */
export type SlotView = (t: TFunction, lang: Language, channelId: string, data: unknown, card: string) => Partial<Activity>;

export interface SlotPromptSpec {
  /** Which parser reads the answer (a key of the prompt's parser table). */
  parser: string;
  prompt: Msg | Msg[];
  /** Locale key of the re-prompt: `<retryKey>.<error code>` when it exists, else `<retryKey>` itself. */
  retryKey: string;
  params?: Record<string, unknown>;
  /** Buttons offered with the question on channels that show them (e.g. "fill in a form instead"). */
  suggestions?: { title: Msg; value: Msg }[];
  /**
   * A view that replaces the plain question (summary card or text). Without `data`, the prompt's
   * `viewData` gives it when the question is shown or answered (rebuilt, not kept in the options).
   */
  view?: { name: string; data?: unknown };
}

export function slotOptions(spec: SlotPromptSpec): PromptOptions {
  return { validations: spec };
}

/**
 * A question whose answer is read by a small pure parser (dialogs/slots). A wrong answer gets the
 * re-prompt of its error code, in the user's language, with an example; after MAX_ATTEMPTS wrong
 * answers the prompt ends with `undefined` and the caller offers a human. The question is rendered
 * when sent, so after a language switch it is asked again in the new language.
 */
export class SlotPrompt extends Prompt<unknown> {
  constructor(
    id: string,
    private readonly parsers: Readonly<Record<string, SlotParser>>,
    private readonly resolvers: Readonly<Record<string, SlotResolver>> = {},
    private readonly views: Readonly<Record<string, SlotView>> = {},
    /** What a view shows when the spec holds no data (e.g. the request's state, read from the dialog that asks). */
    private readonly viewData?: (context: TurnContext) => unknown,
  ) {
    super(id, async (p) => p.recognized.succeeded || p.attemptCount >= MAX_ATTEMPTS);
  }

  protected override async onPrompt(context: TurnContext, state: Record<string, unknown>, options: PromptOptions, isRetry: boolean): Promise<void> {
    const spec = options.validations as SlotPromptSpec;
    const t = tr(context);
    const lang = turnLanguage(context);
    if (!isRetry && spec.view && this.views[spec.view.name]) {
      // Shown again (after help, a language switch), the card keeps its token: it says the same.
      const card = typeof state.card === 'string' ? state.card : newCardToken();
      state.card = card;
      await context.sendActivity(this.views[spec.view.name](t, lang, context.activity.channelId, spec.view.data ?? this.viewData?.(context), card));
      return;
    }
    let text: string;
    if (isRetry && Array.isArray(state.lastMessage)) {
      text = render(t, state.lastMessage as Msg[]);
    } else if (isRetry) {
      const error = typeof state.lastError === 'string' ? state.lastError : '';
      const specific = `${spec.retryKey}.${error}`;
      const key = error && i18n().exists(specific, { lng: lang }) ? specific : spec.retryKey;
      text = t(key, renderArgs(t, spec.params)) as string;
    } else {
      text = render(t, spec.prompt);
    }
    const actions: CardAction[] = (spec.suggestions ?? []).map((s) => ({ type: 'imBack', title: render(t, s.title), value: render(t, s.value) }));
    const channelId = context.activity.channelId;
    let activity: Partial<Activity>;
    if (!actions.length) activity = MessageFactory.text(text);
    else if (showsSuggestedActions(channelId, actions.length)) {
      activity = MessageFactory.text(text);
      activity.suggestedActions = { actions, to: [] };
    } else if (supportsAdaptiveCards(channelId)) {
      // Cards but no suggested actions (Teams): the question and its buttons in one card, never a list to copy.
      activity = MessageFactory.attachment(CardFactory.heroCard('', text, undefined, actions));
    } else {
      // No buttons on this channel: the same options as a list the user can copy.
      activity = MessageFactory.text([text, ...actions.map((a) => `• ${a.title}`)].join('\n'));
    }
    await context.sendActivity(activity);
  }

  /**
   * botbuilder's Prompt recognises the same message twice in one turn (onPreBubbleEvent, then
   * continueDialog). A resolver has side effects (it downloads and stores a proof file), so the
   * first result of a turn is reused.
   */
  private readonly recognizedInTurn = new WeakMap<TurnContext, Promise<PromptRecognizerResult<unknown>>>();

  protected override onRecognize(context: TurnContext, state: Record<string, unknown>, options: PromptOptions): Promise<PromptRecognizerResult<unknown>> {
    let result = this.recognizedInTurn.get(context);
    if (!result) {
      result = this.recognize(context, state, options);
      this.recognizedInTurn.set(context, result);
    }
    return result;
  }

  private async recognize(context: TurnContext, state: Record<string, unknown>, options: PromptOptions): Promise<PromptRecognizerResult<unknown>> {
    const spec = options.validations as SlotPromptSpec;
    const parse = this.parsers[spec.parser];
    if (!parse) throw new Error(`SlotPrompt ${this.id}: no parser ${spec.parser}`);
    const a = context.activity;
    const input: UserInput = {
      text: typeof a.text === 'string' ? a.text : undefined,
      value: a.value,
      attachments: a.attachments?.map((x) => ({ name: x.name, contentType: x.contentType, contentUrl: x.contentUrl })),
    };
    const u = understanding(context);
    if (u.intent !== 'none' && u.score >= CLARIFY) input.intent = u.intent;
    delete state.lastMessage;
    const r = parse(input, turnLanguage(context), spec.params ?? {});
    if (!r.ok) {
      state.lastError = r.error;
      return { succeeded: false };
    }
    const resolve = this.resolvers[spec.parser];
    if (!resolve) {
      delete state.lastError;
      return { succeeded: true, value: r.value };
    }
    // A resolver may need what the question showed (the summary's fields).
    const done = await resolve(r.value, context, { ...(spec.params ?? {}), ...(spec.view ? { view: spec.view.data ?? this.viewData?.(context) } : {}) });
    if (!done.ok) {
      state.lastError = done.error;
      state.lastMessage = done.message;
      return { succeeded: false };
    }
    delete state.lastError;
    return { succeeded: true, value: done.value };
  }
}
