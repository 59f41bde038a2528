import { ComponentDialog, DialogContext, DialogTurnResult, DialogTurnStatus } from 'botbuilder-dialogs';
import { ActivityTypes } from 'botbuilder';
import { tr } from '../src/bot/turnContext';
import { recognizeInterruption } from './interruptions';

export const START_OVER = 'startOver';

/**
 * Every dialog gets help, cancel and start over at any time. Cancel and start over end the whole
 * stack; the main dialog then shows the menu again.
 */
export abstract class BaseDialog extends ComponentDialog {
  protected override async onContinueDialog(inner: DialogContext): Promise<DialogTurnResult> {
    const result = await this.interrupt(inner);
    return result ?? super.onContinueDialog(inner);
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
        return inner.cancelAllDialogs(true);
      case 'startOver':
        await inner.context.sendActivity(t('common:menu.startOver'));
        return inner.cancelAllDialogs(true, START_OVER);
      default:
        return undefined;
    }
  }
}
