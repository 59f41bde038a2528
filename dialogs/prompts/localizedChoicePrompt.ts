import { ActionTypes, CardAction, CardFactory, MessageFactory, TurnContext } from 'botbuilder';
import {
  Choice,
  ChoiceFactoryOptions,
  ChoicePrompt,
  FoundChoice,
  ListStyle,
  PromptOptions,
  PromptRecognizerResult,
  recognizeChoices,
} from 'botbuilder-dialogs';
import { LANGUAGES, translator, type Language } from '../../src/i18n';
import { tr, turnLanguage } from '../../src/bot/turnContext';
import { Msg, render } from './message';
import { supportsAdaptiveCards } from '../cards/channel';
import { CLARIFY, understanding, type Intent, type NluPort } from '../../src/nlu';
import { foldTitle as fold } from '../../src/i18n/fold';

/** One choice: its stable value (a code) and the locale keys of its label and extra synonyms. */
export interface ChoiceSpec {
  value: string;
  label: Msg;
  /** The recogniser's intent that picks this choice from free text (`yes`, `no`). */
  intent?: Intent;
}

export interface LocalizedChoiceOptions {
  prompt: Msg | Msg[];
  retry?: Msg | Msg[];
  choices: ChoiceSpec[];
  style?: ListStyle;
  /** The choices are refund reasons: free text is read by the recogniser's reason model. */
  reasons?: boolean;
  /** The choices are the values of one of a topic's slots: free text is read by that slot's model (NluPort.slot). */
  slotModel?: string;
}

/** Builds the PromptOptions a LocalizedChoicePrompt expects. */
export function choiceOptions(o: LocalizedChoiceOptions): PromptOptions {
  return { validations: o, style: o.style };
}

const INLINE: Record<string, ChoiceFactoryOptions> = {
  en: { inlineSeparator: ', ', inlineOr: ' or ', inlineOrMore: ', or ', includeNumbers: true },
  fr: { inlineSeparator: ', ', inlineOr: ' ou ', inlineOrMore: ' ou ', includeNumbers: true },
};

/** A ChoicePrompt counted as failed after this many wrong answers (the dialog then offers a human). */
export const MAX_ATTEMPTS = 3;

/**
 * ChoicePrompt whose question and choices come from the locales at the moment they are shown (so a
 * language switch re-asks in the new language), and that recognises a choice by its label in any
 * language, its synonyms, or its number. After MAX_ATTEMPTS wrong answers it ends with `undefined`.
 */
export class LocalizedChoicePrompt extends ChoicePrompt {
  constructor(
    id: string,
    private readonly nlu?: NluPort,
  ) {
    super(id, async (p) => p.recognized.succeeded || p.attemptCount >= MAX_ATTEMPTS);
  }

  private spec(options: PromptOptions): LocalizedChoiceOptions {
    return options.validations as LocalizedChoiceOptions;
  }

  private choicesFor(context: TurnContext, spec: LocalizedChoiceOptions): Choice[] {
    return localizedChoices(turnLanguage(context), spec.choices);
  }

  protected override async onPrompt(context: TurnContext, state: object, options: PromptOptions, isRetry: boolean): Promise<void> {
    const spec = this.spec(options);
    const t = tr(context);
    const text = render(t, isRetry && spec.retry ? spec.retry : spec.prompt);
    // Buttons wherever the channel shows them, whatever the number or length of the labels (never
    // botbuilder's fallback to a numbered list); each button shows and sends its translated title.
    const choices = this.choicesFor(context, spec);
    if (!spec.style && supportsAdaptiveCards(context.activity.channelId)) {
      // botbuilder's own hero card would title each button with the choice's value (`paid_by_mistake`).
      const buttons = choices.map((c) => c.action as CardAction);
      await context.sendActivity(MessageFactory.attachment(CardFactory.heroCard('', text, undefined, buttons)));
      return;
    }
    await context.sendActivity(this.appendChoices(text, context.activity.channelId, choices, spec.style ?? ListStyle.list, INLINE[turnLanguage(context)]));
  }

  protected override async onRecognize(
    context: TurnContext,
    _state: object,
    options: PromptOptions,
  ): Promise<PromptRecognizerResult<FoundChoice>> {
    const utterance = context.activity.text;
    if (!utterance) return { succeeded: false };
    const spec = this.spec(options);
    const choices = this.choicesFor(context, spec);
    const lang = turnLanguage(context) === 'fr' ? 'fr-fr' : 'en-us';
    const found = (index: number, score: number) => ({ succeeded: true, value: { value: choices[index].value, index, score } });
    // Exact title in either language first (a long label typed in full, or a button press).
    const folded = fold(utterance);
    const exact = build(turnLanguage(context), spec.choices).folded.findIndex((f) => f.has(folded));
    if (exact >= 0) return found(exact, 1);
    // A topic's own slot first: "no reply at all" is how it went with the merchant, not "no".
    if (spec.slotModel && this.nlu) {
      const r = await this.nlu.slot(spec.slotModel, utterance, turnLanguage(context));
      const bySlot = r.score >= 0.5 ? spec.choices.findIndex((c) => c.value === r.name) : -1;
      if (bySlot >= 0) return found(bySlot, r.score);
    }
    // Then what the recogniser understood: "yeah sure" is yes, "j'ai payé deux fois" is a reason.
    const u = understanding(context);
    const byIntent = u.score >= CLARIFY ? spec.choices.findIndex((c) => c.intent === u.intent) : -1;
    if (byIntent >= 0) return found(byIntent, u.score);
    if (spec.reasons && this.nlu) {
      const r = await this.nlu.reason(utterance, turnLanguage(context));
      const byReason = r.score >= 0.5 ? spec.choices.findIndex((c) => c.value === r.name) : -1;
      if (byReason >= 0) return found(byReason, r.score);
    }
    const results = recognizeChoices(utterance, choices, { locale: lang });
    if (results.length === 0) return { succeeded: false };
    return { succeeded: true, value: results[0].resolution };
  }
}


/*
 * The choices as shown and recognised, built once per language and choice list: the labels in the
 * turn's language, the other language's labels as synonyms, and their folded forms. The choice
 * lists come from the dialogs' code (their labels' arguments are codes or amounts, never free text),
 * so the cache holds a few dozen entries; it is bounded anyway.
 */
interface BuiltChoices {
  choices: Choice[];
  /** Folded title and synonyms of each choice, in the order of `choices`. */
  folded: Set<string>[];
}
const CACHE_LIMIT = 1000;
const built = new Map<string, BuiltChoices>();

function build(lang: Language, specs: readonly ChoiceSpec[]): BuiltChoices {
  const key = `${lang}\u0000${JSON.stringify(specs)}`;
  let b = built.get(key);
  if (b) return b;
  const t = translator(lang);
  const choices = specs.map((c) => {
    const title = render(t, c.label);
    const synonyms = new Set<string>();
    for (const l of LANGUAGES) synonyms.add(render(translator(l), c.label));
    synonyms.delete(title);
    return { value: c.value, action: { type: ActionTypes.ImBack, title, value: title }, synonyms: [...synonyms] };
  });
  b = { choices, folded: choices.map((c) => new Set([fold(c.action.title), ...c.synonyms.map(fold)])) };
  if (built.size >= CACHE_LIMIT) built.clear();
  built.set(key, b);
  return b;
}

/**
 * The choices of a list in `lang` (title shown, the other language's title as a synonym). Built once;
 * each call gets its own shallow copies, since the actions go out inside activities.
 */
export function localizedChoices(lang: Language, specs: readonly ChoiceSpec[]): Choice[] {
  return build(lang, specs).choices.map((c) => ({ value: c.value, action: { ...(c.action as CardAction) }, synonyms: c.synonyms }));
}

/** Whether the text is one of the choices' titles, in either language (a button pressed, or typed in full). */
export function isChoiceTitle(text: string, spec: LocalizedChoiceOptions): boolean {
  const folded = fold(text);
  return build('en', spec.choices).folded.some((f) => f.has(folded));
}
