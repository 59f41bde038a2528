import { Activity, ActivityTypes, ConversationState, DeliveryModes, Middleware, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { detectLanguage, isLanguage, Language } from '../i18n';
import { CONFIDENT, type NluRecognizer } from '../nlu';
import { redactActivityInPlace } from './redact';
import { ConversationData, CONVERSATION_DATA } from './conversationData';
import { TURN } from './turnContext';
import type { TurnGate } from '../storage/turnGate';
import { TURN_HANDLE } from '../storage/conversationState';

/**
 * Removes card numbers and IBANs from the incoming activity (text, card values, attachment names,
 * channel data) before anything stores, logs or matches them, and from everything the bot sends,
 * so a reply that repeats what the user typed, a card or a relayed message never carries one.
 */
export class RedactionMiddleware implements Middleware {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const count = redactActivityInPlace(context.activity as unknown as Record<string, unknown>);
    context.turnState.set(TURN.redactedCount, count);
    context.onSendActivities(async (_ctx, activities, send) => {
      for (const out of activities) redactActivityInPlace(out as unknown as Record<string, unknown>);
      return send();
    });
    await next();
  }
}

/** Replies larger than this (as JSON) are not kept for a retry of their message. */
const MAX_KEPT_REPLIES_BYTES = 32 * 1024;

function parseReplies(json: string): Partial<Activity>[] | undefined {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? (v as Partial<Activity>[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The storage side of a turn, in three Redis round trips (src/storage/turnGate.ts):
 *  1. begin: drop a duplicate message, apply the conversation's rate limit, take the turn lock, and
 *     read the continuity marker and the last language, in one script;
 *  2. the conversation state is read here, alongside whatever `prefetch` starts (the desk's record);
 *  3. after the turn: the state write (conditional on the eTag read in 2), the activity marked done,
 *     the marker raised, the language kept and the lock released, in one script, with the turn's
 *     deferred writes alongside.
 * A turn that fails gives the lock back and does not mark the activity done: the channel's retry runs.
 * Replaces the former dedupe, rate-limit and lock middlewares (one Redis round trip each, or two).
 */
export class TurnGateMiddleware implements Middleware {
  constructor(
    private readonly gate: TurnGate,
    private readonly opts: {
      /** Reads the conversation state into the turn (ConversationState.load). */
      load: (context: TurnContext) => Promise<unknown>;
      /** Starts reads the turn will need, so they travel with the state read. */
      prefetch?: (context: TurnContext) => void;
      /** Over the rate limit: tell the user (no state is read, no dialog runs). */
      onLimited: (context: TurnContext, retryAfterMs: number, storedLanguage: string | undefined) => Promise<void>;
    },
  ) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const { id, conversation, type } = context.activity;
    if (!conversation?.id) return next();
    const message = type === ActivityTypes.Message;
    const begun = await this.gate.begin(conversation.id, { activityId: message && id ? id : undefined, rateLimited: message });
    const expectReplies = context.activity.deliveryMode === DeliveryModes.ExpectReplies;
    if (begun.kind === 'duplicate') {
      // A retry of a message whose turn committed: it is not run again. A client waiting for the
      // replies in the HTTP answer gets the ones its first attempt produced (it lost them).
      if (expectReplies && begun.replies) context.bufferedReplyActivities.push(...(parseReplies(begun.replies) ?? []));
      return;
    }
    if (begun.kind === 'limited') return this.opts.onLimited(context, begun.retryAfterMs, begun.language);
    const turn = begun.turn;
    context.turnState.set(TURN_HANDLE, turn);
    try {
      this.opts.prefetch?.(context);
      await this.opts.load(context);
      await next();
    } catch (err) {
      await turn.abort();
      throw err;
    }
    if (message) turn.language = context.turnState.get(TURN.language) as string | undefined;
    if (message && expectReplies) {
      // Already redacted (RedactionMiddleware runs on every send); a very large answer is not kept.
      const json = JSON.stringify(context.bufferedReplyActivities);
      if (json.length <= MAX_KEPT_REPLIES_BYTES) turn.replies = json;
    }
    await turn.commit();
  }
}

/**
 * Picks the conversation's language: the user's explicit choice, else the activity's locale,
 * else detection on the first message, else the configured default. The choice is kept in
 * conversation state; a message such as "English" or "parle français" switches it.
 */
export class LanguageMiddleware implements Middleware {
  private readonly data: StatePropertyAccessor<ConversationData>;
  /**
   * The last language seen per conversation on this instance, for the one case where state can't
   * be read: telling the user in their language that storage is down. Bounded, oldest first out.
   */
  private readonly recent = new Map<string, Language>();
  private static readonly RECENT_MAX = 10000;

  constructor(
    conversationState: ConversationState,
    private readonly defaultLanguage: Language,
    /** Understands the message once for the turn (intents; "english please" switches the language). */
    private readonly recognizer?: NluRecognizer,
  ) {
    this.data = conversationState.createProperty<ConversationData>(CONVERSATION_DATA);
  }

  /** The language this conversation last used here, if any (see `recent`). */
  lastKnown(conversationId: string | undefined): Language | undefined {
    return conversationId ? this.recent.get(conversationId) : undefined;
  }

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const a = context.activity;
    const data = await this.data.get(context, {});
    const text = a.type === ActivityTypes.Message && typeof a.text === 'string' ? a.text : '';
    if (data.language?.source !== 'explicit') {
      const fromLocale = localeLanguage(a.locale) ?? localeLanguage(clientInfoLocale(a.entities));
      if (fromLocale) {
        data.language = { lang: fromLocale, source: 'locale' };
      } else if (!data.language || data.language.source === 'default') {
        const detected = text ? detectLanguage(text) : undefined;
        data.language = detected ? { lang: detected, source: 'detected' } : { lang: this.defaultLanguage, source: 'default' };
      }
    }
    let lang = data.language?.lang ?? this.defaultLanguage;
    if (this.recognizer && a.type === ActivityTypes.Message) {
      const u = await this.recognizer.understandTurn(context, lang);
      // A short request ("can we speak english?"); a sentence that mentions a language does not switch it.
      const short = text.trim().split(/\s+/).length <= 8;
      if ((u.intent === 'language.en' || u.intent === 'language.fr') && u.score >= CONFIDENT && short) {
        lang = u.intent === 'language.en' ? 'en' : 'fr';
        data.language = { lang, source: 'explicit' };
        context.turnState.set(TURN.languageSwitched, true);
      }
    }
    context.turnState.set(TURN.language, lang);
    this.remember(a.conversation?.id, lang);
    await next();
  }

  private remember(conversationId: string | undefined, lang: Language): void {
    if (!conversationId) return;
    this.recent.delete(conversationId);
    this.recent.set(conversationId, lang);
    if (this.recent.size > LanguageMiddleware.RECENT_MAX) this.recent.delete(this.recent.keys().next().value as string);
  }
}

export function localeLanguage(locale: string | undefined): Language | undefined {
  const primary = locale?.toLowerCase().split(/[-_]/)[0];
  return isLanguage(primary) ? primary : undefined;
}

/** Teams and Web Chat also send the browser locale in a `clientInfo` entity. */
function clientInfoLocale(entities: unknown): string | undefined {
  if (!Array.isArray(entities)) return undefined;
  const info = entities.find((e) => e && typeof e === 'object' && (e as { type?: unknown }).type === 'clientInfo') as
    | { locale?: unknown }
    | undefined;
  return typeof info?.locale === 'string' ? info.locale : undefined;
}

/** Single line breaks become markdown hard breaks, which Web Chat and Teams render as new lines. */
export function hardLineBreaks(text: string): string {
  return text.replace(/ *(?<!\n)\n(?!\n)/g, '  \n');
}

/**
 * Messages are written with one line per item ("Why:\n• …\n• …"). Web Chat and Teams read text as
 * markdown, where a single newline is only a space: every outgoing text keeps its lines.
 */
export class LineBreakMiddleware implements Middleware {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    context.onSendActivities(async (_ctx, activities, send) => {
      for (const a of activities) {
        if (typeof a.text === 'string' && a.text.includes('\n') && a.textFormat !== 'plain') a.text = hardLineBreaks(a.text);
      }
      return send();
    });
    await next();
  }
}
