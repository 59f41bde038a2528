import { ComponentDialog, DialogContext, DialogTurnResult, DialogTurnStatus } from 'botbuilder-dialogs';
import { ActivityTypes } from 'botbuilder';
import { tr } from '../src/bot/turnContext';
import { offerHuman, type HumanOfferDeps } from '../src/handoff/offerHuman';
import { recognizeInterruption } from './interruptions';
import { fileAttachments } from './slots/proof';

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
    const result = (await this.interrupt(inner)) ?? (await this.intercept(inner)) ?? (await this.strayAttachments(inner));
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
    switch (recognizeInterruption(a.text)) {
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
