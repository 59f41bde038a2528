import type { TurnContext } from 'botbuilder';
import type { TFunction } from 'i18next';
import { Language, translator } from '../i18n';

/** Keys of values the middleware leaves in turn state for the bot and dialogs. */
export const TURN = {
  language: Symbol('language'),
  languageSwitched: Symbol('languageSwitched'),
  redactedCount: Symbol('redactedCount'),
  /** contentUrls of the files the bot kept this turn (a Set<string>); the web chat deletes the others. */
  attachmentsKept: Symbol('attachmentsKept'),
} as const;

export function turnLanguage(context: TurnContext, fallback: Language = 'en'): Language {
  return (context.turnState.get(TURN.language) as Language | undefined) ?? fallback;
}

/** The translate function for this turn's language. */
export function tr(context: TurnContext): TFunction {
  return translator(turnLanguage(context));
}
