import { ActionTypes, TurnContext } from 'botbuilder';
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
import { LANGUAGES, translator } from '../../src/i18n';
import { tr, turnLanguage } from '../../src/bot/turnContext';
import { Msg, render, words } from './message';

/** One choice: its stable value (a code) and the locale keys of its label and extra synonyms. */
export interface ChoiceSpec {
  value: string;
  label: Msg;
  /** `|`-separated synonyms (both languages may be listed). */
  synonymsKey?: string;
}

export interface LocalizedChoiceOptions {
  prompt: Msg | Msg[];
  retry?: Msg | Msg[];
  choices: ChoiceSpec[];
  style?: ListStyle;
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
  constructor(id: string) {
    super(id, async (p) => p.recognized.succeeded || p.attemptCount >= MAX_ATTEMPTS);
  }

  private spec(options: PromptOptions): LocalizedChoiceOptions {
    return options.validations as LocalizedChoiceOptions;
  }

  private choicesFor(context: TurnContext, spec: LocalizedChoiceOptions): Choice[] {
    const t = tr(context);
    return spec.choices.map((c) => {
      const title = render(t, c.label);
      const synonyms = new Set<string>();
      for (const lang of LANGUAGES) {
        const tl = translator(lang);
        synonyms.add(render(tl, c.label));
        if (c.synonymsKey) for (const w of words(tl, c.synonymsKey)) synonyms.add(w);
      }
      synonyms.delete(title);
      return { value: c.value, action: { type: ActionTypes.ImBack, title, value: title }, synonyms: [...synonyms] };
    });
  }

  protected override async onPrompt(context: TurnContext, state: object, options: PromptOptions, isRetry: boolean): Promise<void> {
    const spec = this.spec(options);
    const t = tr(context);
    const text = render(t, isRetry && spec.retry ? spec.retry : spec.prompt);
    const style = spec.style ?? ListStyle.auto;
    await context.sendActivity(this.appendChoices(text, context.activity.channelId, this.choicesFor(context, spec), style, INLINE[turnLanguage(context)]));
  }

  protected override async onRecognize(
    context: TurnContext,
    _state: object,
    options: PromptOptions,
  ): Promise<PromptRecognizerResult<FoundChoice>> {
    const utterance = context.activity.text;
    if (!utterance) return { succeeded: false };
    const choices = this.choicesFor(context, this.spec(options));
    const lang = turnLanguage(context) === 'fr' ? 'fr-fr' : 'en-us';
    // Exact title or synonym first (a long label typed in full, or a button press).
    const folded = fold(utterance);
    const exact = choices.find((c) => fold(c.action?.title ?? '') === folded || (c.synonyms ?? []).some((s) => fold(s) === folded));
    if (exact) return { succeeded: true, value: { value: exact.value, index: choices.indexOf(exact), score: 1 } };
    const results = recognizeChoices(utterance, choices, { locale: lang });
    if (results.length === 0) return { succeeded: false };
    return { succeeded: true, value: results[0].resolution };
  }
}

const fold = (s: string) =>
  s.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[’']/g, "'").replace(/[.!?\s\u00a0]+$/, '').replace(/\s+/g, ' ').trim();
