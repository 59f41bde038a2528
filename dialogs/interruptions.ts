import { CONFIDENT, type Understanding } from '../src/nlu';
import { recentlyUnderstood } from '../src/nlu/recognizer';

export type Interruption = 'help' | 'cancel' | 'startOver' | 'human';

const BY_INTENT: Partial<Record<Understanding['intent'], Interruption>> = {
  help: 'help',
  cancel: 'cancel',
  startOver: 'startOver',
  human: 'human',
};

/**
 * Help, cancel, start over or a person, when the recogniser is confident the customer meant it
 * ("I want a human NOW", "je veux parler à un conseiller svp", "stop waiting"), inside a sentence
 * and at any question. An answer to the question (an amount, "no I don't have one") is not one.
 */
export function interruptionOf(u: Understanding, threshold = CONFIDENT): Interruption | undefined {
  return u.score >= threshold ? BY_INTENT[u.intent] : undefined;
}

/** The threshold at a question that takes the customer's own words ("the coach never called me back"). */
export const SURE = 0.95;

/**
 * The same, from the text of the current message: the recogniser understood it once at the start
 * of the turn (LanguageMiddleware); this reads that result. A text not understood this turn gives
 * undefined.
 */
export function recognizeInterruption(text: string | undefined): Interruption | undefined {
  const u = recentlyUnderstood(text);
  return u ? interruptionOf(u) : undefined;
}
