import { ActivityTypes, type Activity, type RecognizerResult, type TurnContext } from 'botbuilder';
import { DialogContext, Recognizer } from 'botbuilder-dialogs';
import { z } from 'zod';
import type { Language } from '../i18n';
import { INTENTS, type NluPort, type Understanding } from './types';

/** Turn state key of this turn's Understanding (set once per turn, read by every dialog). */
export const UNDERSTOOD = Symbol('understood');

/** Messages longer than this are not classified (their facts are still read). */
export const MAX_UNDERSTOOD_CHARS = 5000;

/** A clarification button: the customer picked one of the two best guesses. */
export const chooseIntentSchema = z.object({ action: z.literal('nlu.choose'), intent: z.enum(INTENTS) });

const NOTHING = (lang: Language): Understanding => ({ intent: 'none', score: 0, ranked: [], lang });

/**
 * botbuilder's Recognizer over the NLU port: `recognize` gives the usual RecognizerResult (intents
 * with scores) and keeps the Understanding on it; `understandTurn` does it once for the turn and
 * leaves the result in turn state, where dialogs read it.
 */
export class NluRecognizer extends Recognizer {
  constructor(private readonly nlu: NluPort) {
    super();
  }

  override async recognize(dc: DialogContext, activity: Partial<Activity>): Promise<RecognizerResult> {
    return this.recognizeActivity(activity, (dc.context.turnState.get(LANG) as Language | undefined) ?? 'en');
  }

  async recognizeActivity(activity: Partial<Activity>, lang: Language): Promise<RecognizerResult & { understanding: Understanding }> {
    const text = activity.type === ActivityTypes.Message && typeof activity.text === 'string' ? activity.text.trim() : '';
    const chosen = chooseIntentSchema.safeParse(activity.value);
    let u: Understanding;
    if (chosen.success) u = { intent: chosen.data.intent, score: 1, ranked: [{ name: chosen.data.intent, score: 1 }], lang };
    else if (!text || text.length > MAX_UNDERSTOOD_CHARS) u = NOTHING(lang);
    else u = await this.nlu.understand(text, lang);
    const intents = Object.fromEntries(u.ranked.map((r) => [r.name, { score: r.score }]));
    if (u.intent === 'none') intents.None = { score: 1 };
    return { text, intents, entities: {}, understanding: u };
  }

  /** Understands the turn's message once and keeps the result in turn state. */
  async understandTurn(context: TurnContext, lang: Language): Promise<Understanding> {
    const done = context.turnState.get(UNDERSTOOD) as Understanding | undefined;
    if (done) return done;
    context.turnState.set(LANG, lang);
    const { understanding } = await this.recognizeActivity(context.activity, lang);
    context.turnState.set(UNDERSTOOD, understanding);
    remember(context.activity.text, understanding);
    return understanding;
  }
}

const LANG = Symbol('nluLanguage');

/** This turn's understanding; `none` when the turn had no text (a card, a file). */
export function understanding(context: TurnContext): Understanding {
  return (context.turnState.get(UNDERSTOOD) as Understanding | undefined) ?? NOTHING('en');
}

/*
 * The texts understood lately on this instance, so code that only has the text of the current
 * message (recognizeInterruption) reads the same result without a second, asynchronous pass.
 */
const recent = new Map<string, Understanding>();
const RECENT_MAX = 1000;
function remember(text: string | undefined, u: Understanding): void {
  const key = text?.trim();
  if (!key) return;
  recent.delete(key);
  recent.set(key, u);
  if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value as string);
}
export function recentlyUnderstood(text: string | undefined): Understanding | undefined {
  const key = text?.trim();
  return key ? recent.get(key) : undefined;
}
