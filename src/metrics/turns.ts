import type { BotState, Middleware, TurnContext } from 'botbuilder';
import type { Logger } from '../logger';
import type { CaseRepository, NewCase } from '../cases/types';
import { REFERENCE_PATTERN } from '../cases/reference';
import type { Metrics, TurnResult } from './registry';

/** What the observer knows of the turn in progress (kept in turn state, and per conversation). */
export interface TurnRecord {
  conversationId?: string;
  topic?: string;
  caseRef?: string;
}

export interface TurnObserverOptions {
  metrics: Metrics;
  logger: Logger;
  /** What a failed turn counts as; anything that is not busy or storage_unavailable is an error. */
  classify: (err: unknown) => Exclude<TurnResult, 'ok'>;
  /** Where the dialog stack is read from, to name the topic and find a case reference. */
  conversationState?: BotState;
  dialogStateProperty?: string;
}

/**
 * The first middleware: times the turn, counts it by result, labels it with its topic, and writes one
 * `turn` log line: conversation id, case reference when known, result, topic, duration (the instance
 * id is on every line, from the logger). No text of the user's, no personal data beyond ids.
 *
 * The topic is read from the dialog stack (never from what the user typed): at each reply the bot
 * sends, and at the end of the turn, the first dialog on the active path below the main dialog
 * (`refund`, `status`…); `menu` when only the main menu runs; `none` when no dialog ran.
 * A failing turn is re-thrown unchanged, for the adapter's `onTurnError`.
 */
export class TurnObserver implements Middleware {
  /** Turns in progress by conversation (turns of one conversation are serialised by the lock). */
  private readonly current = new Map<string, TurnRecord>();

  constructor(private readonly opts: TurnObserverOptions) {}

  /** The turn in progress for this conversation on this instance, if any. */
  turnOf(conversationId: string | undefined): TurnRecord | undefined {
    return conversationId ? this.current.get(conversationId) : undefined;
  }

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const start = process.hrtime.bigint();
    const conversationId = context.activity.conversation?.id;
    const record: TurnRecord = { conversationId };
    if (conversationId) this.current.set(conversationId, record);
    context.onSendActivities(async (ctx, activities, nextSend) => {
      this.look(ctx, record);
      return nextSend();
    });
    let result: TurnResult = 'ok';
    try {
      await next();
    } catch (err) {
      result = this.opts.classify(err);
      throw err;
    } finally {
      this.look(context, record);
      if (conversationId && this.current.get(conversationId) === record) this.current.delete(conversationId);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const topic = record.topic ?? 'none';
      const { metrics, logger } = this.opts;
      metrics.turns.inc({ result });
      metrics.turnDuration.observe({ topic }, seconds);
      const line = {
        conversationId,
        ...(record.caseRef ? { caseRef: record.caseRef } : {}),
        activityType: context.activity.type,
        channelId: context.activity.channelId,
        topic,
        result,
        durationMs: Math.round(seconds * 1e4) / 10,
      };
      if (result === 'ok' || result === 'busy') logger.info(line, 'turn');
      else logger.warn(line, 'turn');
    }
  }

  /** Notes the topic and a case reference from the dialog stack as it is now. */
  private look(context: TurnContext, record: TurnRecord): void {
    const { conversationState, dialogStateProperty } = this.opts;
    if (!conversationState || !dialogStateProperty) return;
    let state: unknown;
    try {
      state = (conversationState.get(context) as Record<string, unknown> | undefined)?.[dialogStateProperty];
    } catch {
      return;
    }
    const seen = readDialogStack(state);
    if (seen.topic) record.topic = seen.topic;
    if (seen.caseRef) record.caseRef = seen.caseRef;
  }
}

const ROOT_IDS = new Set(['main', 'menuWaterfall']);
const MAX_DEPTH = 8;

/** A dialog id that names its topic (`refund.main` → refund). */
const TOPIC_ID = /^[A-Za-z][\w-]{0,31}(\.|$)/;

/**
 * Follows the active dialog (the last entry of each stack, then the stack inside it) from the root.
 * Topic: the first dialog id below the root ones, up to its first dot (`refund.adAlternative` is
 * `refund`); `other` when that id does not look like a code identifier, so a label never holds user data.
 * Case reference: a `caseRef` that is a valid reference in a waterfall's values or options.
 */
export function readDialogStack(dialogState: unknown): { topic?: string; caseRef?: string } {
  let stack = (dialogState as { dialogStack?: unknown } | undefined)?.dialogStack;
  let topic: string | undefined;
  let caseRef: string | undefined;
  let sawRoot = false;
  for (let depth = 0; depth < MAX_DEPTH && Array.isArray(stack) && stack.length > 0; depth++) {
    const top = stack[stack.length - 1] as { id?: unknown; state?: Record<string, unknown> } | undefined;
    const id = typeof top?.id === 'string' ? top.id : undefined;
    if (id && ROOT_IDS.has(id)) sawRoot = true;
    else if (!topic && top) topic = id && TOPIC_ID.test(id) ? id.split('.')[0] : 'other';
    const s = top?.state;
    caseRef ??= findCaseRef(s?.values) ?? findCaseRef(s?.options);
    stack = (s?.dialogs as { dialogStack?: unknown } | undefined)?.dialogStack;
  }
  return { topic: topic ?? (sawRoot ? 'menu' : undefined), caseRef };
}

function findCaseRef(v: unknown, depth = 0): string | undefined {
  if (!v || typeof v !== 'object' || depth > 2) return undefined;
  const ref = (v as { caseRef?: unknown }).caseRef;
  if (typeof ref === 'string' && REFERENCE_PATTERN.test(ref)) return ref;
  for (const x of Object.values(v)) {
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      const found = findCaseRef(x, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * The case repository, counting each new case's decision by topic and outcome, and noting the new
 * reference on the turn in progress (for the turn's log line). Every other method is the inner
 * repository's own (the wrapper inherits from it), so methods added later pass through unchanged.
 */
export function observeCases<R extends CaseRepository>(inner: R, metrics: Metrics, turns?: TurnObserver): R {
  const wrapped = Object.create(inner) as R;
  wrapped.create = async (input: NewCase) => {
    const record = await inner.create(input);
    metrics.decisions.inc({ topic: input.topic, outcome: input.decision.outcome });
    const turn = turns?.turnOf(input.conversationReference.conversation?.id);
    if (turn) turn.caseRef = record.reference;
    return record;
  };
  return wrapped;
}
