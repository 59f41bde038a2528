import type { Language } from '../i18n';

/**
 * What the bot understands in a message. Topics start a conversation; the others work at any
 * question (help, cancel, start over, a person, a language, a form instead of questions) or answer
 * one (yes, no, skip).
 */
export const INTENTS = [
  'topic.refund',
  'topic.paymentNotRegistered',
  'topic.dispute',
  'topic.status',
  'human',
  'help',
  'cancel',
  'startOver',
  'language.en',
  'language.fr',
  'skip',
  'yes',
  'no',
  'greeting',
  'thanks',
  'goodbye',
  'outOfScope',
  'form',
] as const;
export type Intent = (typeof INTENTS)[number];

/**
 * What an answer to a request's summary can say (corpus section `summary`): confirm, the field of
 * any topic's summary to change (refund: order, amount, reason, proof, link; payment: order, paidAt,
 * method, proof; dispute: order, problem, contact), or nothing of the two.
 */
export const SUMMARY_READINGS = ['confirm', 'order', 'amount', 'reason', 'proof', 'link', 'paidAt', 'method', 'problem', 'contact', 'none'] as const;
export type SummaryReading = (typeof SUMMARY_READINGS)[number];

export const isIntent = (v: unknown): v is Intent => typeof v === 'string' && (INTENTS as readonly string[]).includes(v);

export interface Scored<T extends string> {
  name: T;
  score: number;
}

/** The result for one message: the best intent (or `none`), with the runners-up. */
export interface Understanding {
  intent: Intent | 'none';
  score: number;
  /** Best first, `none` excluded; at most three. */
  ranked: Scored<Intent>[];
  /** The language whose model gave the answer (a French conversation may say "english please"). */
  lang: Language;
}

/**
 * The port every recogniser implements (nlp.js here; a hosted NLU could implement it too). Trained
 * once before the bot reports ready; after that `understand` and `reason` are pure for a given text.
 */
export interface NluPort {
  train(): Promise<void>;
  readonly ready: boolean;
  understand(text: string, lang: Language): Promise<Understanding>;
  /** The refund reason a message states, with its confidence, or `none`. */
  reason(text: string, lang: Language): Promise<Scored<string>>;
  /**
   * The value of one of a topic's own slots a message states (model `slots.<name>` of the corpora,
   * e.g. `disputeProblem` → `damaged`), with its confidence, or `none`. An unknown model is `none`.
   */
  slot(name: string, text: string, lang: Language): Promise<Scored<string>>;
  /**
   * The answer to a request's summary: `confirm`, the field to change (`order`, `amount`,
   * `reason`, `proof`, `link`, `paidAt`, `method`, `problem`, `contact`), or `none`, with its confidence.
   */
  summary(text: string, lang: Language): Promise<Scored<SummaryReading>>;
}

/** Above this score an intent is taken as meant. */
export const CONFIDENT = 0.7;
/** Between this and CONFIDENT, the bot asks which of the two best guesses was meant. */
export const CLARIFY = 0.35;
/** Above this, a slot model's reading of a message is taken as said, without asking (the summary can correct it). */
export const PREFILL = 0.75;
