import { ComponentDialog, DialogContext, DialogTurnResult, DialogTurnStatus } from 'botbuilder-dialogs';
import { ActivityTypes, type TurnContext } from 'botbuilder';
import { tr } from '../src/bot/turnContext';
import { offerHuman, type HumanOfferDeps } from '../src/handoff/offerHuman';
import { understanding } from '../src/nlu';
import { interruptionOf, SURE } from './interruptions';
import { fileAttachments } from './slots/proof';
import { isChoiceTitle, type LocalizedChoiceOptions } from './prompts/localizedChoicePrompt';
import type { SlotPromptSpec } from './prompts/slotPrompt';
import { PARSERS } from './request/parsers';
import { turnLanguage } from '../src/bot/turnContext';
import { foldTitle } from '../src/i18n/fold';
import { answerOutOfDate, isCurrentCard } from './cards/token';

/** Questions whose answers have a shape: an answer that fits it is never taken for an interruption. */
const SHAPED = new Set(['order', 'amount', 'link', 'days', 'caseReference', 'paidAt']);
/** Questions that take the customer's own words: only a certain interruption counts there. */
const FREE_TEXT = new Set(['reasonText', 'postText', 'locations']);

export const START_OVER = 'startOver';

/** Set in turn state when cancel or start over ended the stack: the main dialog shows the menu. */
export const SHOW_MENU = Symbol('showMenu');

/**
 * Every dialog gets help, cancel, start over and "talk to a person" at any time. Cancel and start
 * over end the whole stack; the main dialog then shows the menu again. The innermost BaseDialog
 * handles them (it knows what is being collected), and files sent where none is expected are set
 * aside politely.
 */
export abstract class BaseDialog extends ComponentDialog {
  constructor(
    id: string,
    protected readonly human?: HumanOfferDeps,
  ) {
    super(id);
  }

  protected override async onContinueDialog(inner: DialogContext): Promise<DialogTurnResult> {
    if (this.childIsBaseDialog(inner)) return super.onContinueDialog(inner);
    const result = (await this.staleCard(inner)) ?? (await this.interrupt(inner)) ?? (await this.intercept(inner)) ?? (await this.strayAttachments(inner));
    return result ?? super.onContinueDialog(inner);
  }

  /** Subclasses handle their card submits and other special input here. */
  protected async intercept(_inner: DialogContext): Promise<DialogTurnResult | undefined> {
    return undefined;
  }

  /** Whether the active question takes a file (the proof question does). */
  protected acceptsAttachments(_inner: DialogContext): boolean {
    return false;
  }

  /** The user asked for a person. Dialogs that collect a request override this to record it first. */
  protected async onHumanRequested(inner: DialogContext): Promise<DialogTurnResult> {
    if (this.human) await offerHuman(inner.context, { reason: 'user_asked' }, this.human);
    else await inner.context.sendActivity(tr(inner.context)('human:noCase'));
    return inner.cancelAllDialogs(true);
  }

  private childIsBaseDialog(inner: DialogContext): boolean {
    const active = inner.activeDialog;
    return !!active && this.findDialog(active.id) instanceof BaseDialog;
  }

  private async interrupt(inner: DialogContext): Promise<DialogTurnResult | undefined> {
    const a = inner.context.activity;
    if (a.type !== ActivityTypes.Message) return undefined;
    const t = tr(inner.context);
    const asked = activePrompt(inner);
    const question = asked.question;
    if (question && answersQuestion(inner.context, question)) return undefined;
    // A dialog that offers its own buttons (the e-mail question) lists their titles in its state: a title typed is its answer.
    const buttons = asked.state?.buttons ?? (asked.raw as { buttons?: unknown } | undefined)?.buttons;
    if (Array.isArray(buttons) && a.text && buttons.some((b) => typeof b === 'string' && foldTitle(b) === foldTitle(a.text!))) return undefined;
    // Questions that take the customer's own words, and buttons whose free text a slot model reads
    // ("their address doesn't work" is an answer, not a request for help): only a certain interruption counts.
    const freeText = (question?.parser !== undefined && FREE_TEXT.has(question.parser)) || question?.slotModel !== undefined;
    switch (interruptionOf(understanding(inner.context), freeText ? SURE : undefined)) {
      case 'help':
        await inner.context.sendActivity(t('common:help.text'));
        await inner.repromptDialog();
        return { status: DialogTurnStatus.waiting };
      case 'cancel':
        await inner.context.sendActivity(t('common:cancel.done'));
        inner.context.turnState.set(SHOW_MENU, true);
        return inner.cancelAllDialogs(true);
      case 'startOver':
        await inner.context.sendActivity(t('common:menu.startOver'));
        inner.context.turnState.set(SHOW_MENU, true);
        return inner.cancelAllDialogs(true, START_OVER);
      case 'human':
        return this.onHumanRequested(inner);
      default:
        return undefined;
    }
  }

  /**
   * A summary card pressed when it is not the summary being asked (the request was corrected and
   * a newer summary shown, or it was sent): out of date, nothing changes, the real question again.
   */
  private async staleCard(inner: DialogContext): Promise<DialogTurnResult | undefined> {
    const value = inner.context.activity.value;
    if (!isSummarySubmit(value)) return undefined;
    const asked = activePrompt(inner);
    if (['summary', 'fields'].includes(asked.question?.parser ?? '') && isCurrentCard(value, typeof asked.state?.card === 'string' ? asked.state.card : undefined)) return undefined;
    return answerOutOfDate(inner);
  }

  private async strayAttachments(inner: DialogContext): Promise<DialogTurnResult | undefined> {
    const a = inner.context.activity;
    if (a.type !== ActivityTypes.Message || fileAttachments(a.attachments).length === 0 || this.acceptsAttachments(inner)) return undefined;
    await inner.context.sendActivity(tr(inner.context)('common:error.unexpectedAttachment'));
    a.attachments = [];
    if (typeof a.text === 'string' && a.text.trim() !== '') return undefined;
    await inner.repromptDialog();
    return { status: DialogTurnStatus.waiting };
  }
}

type Question = Partial<SlotPromptSpec> & Partial<LocalizedChoiceOptions>;

/** The question being asked, however deep the dialogs that ask it, and its prompt's own state. */
function activePrompt(inner: DialogContext): { question?: Question; state?: Record<string, unknown>; raw?: unknown } {
  let dc = inner;
  while (dc.child) dc = dc.child;
  const instance = dc.activeDialog?.state as { options?: { validations?: Question }; state?: Record<string, unknown> } | undefined;
  return { question: instance?.options?.validations, state: instance?.state, raw: instance };
}

function activeQuestion(inner: DialogContext): Question | undefined {
  return activePrompt(inner).question;
}

/** The message is an answer to the question: a button's title, or an answer of the expected shape ("49 €"). */
function answersQuestion(context: TurnContext, q: Question): boolean {
  const text = context.activity.text ?? '';
  if (!text.trim()) return false;
  if (Array.isArray(q.choices)) return isChoiceTitle(text, q as LocalizedChoiceOptions);
  // Shaped answers hold digits ("un conseiller" must not read as an amount of 1).
  if (q.parser && SHAPED.has(q.parser) && /\d/.test(text)) return PARSERS[q.parser]({ text }, turnLanguage(context), q.params ?? {}).ok;
  return false;
}

/** What the summary card's buttons send. */
export function isSummarySubmit(value: unknown): boolean {
  const action = (value as { action?: unknown } | undefined)?.action;
  return action === 'refund.confirm' || action === 'refund.correct';
}
