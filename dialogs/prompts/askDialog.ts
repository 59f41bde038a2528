import { DialogTurnResult, PromptOptions, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { tr } from '../../src/bot/turnContext';
import { choiceOptions } from './localizedChoicePrompt';
import { msg } from './message';

/** What an ask ends with: the answer, or the user accepted a human after repeated failures. */
export type Answer<T> = { ok: true; value: T } | { ok: false; handoff: 'three_failures' };

export interface AskOptions {
  /** The prompt dialog to run (a SlotPrompt or LocalizedChoicePrompt id). */
  promptId: string;
  promptOptions: PromptOptions;
  /** A choice prompt ends with a FoundChoice: unwrap its value. */
  choice?: boolean;
}

export const isHandoff = (r: unknown): r is { ok: false; handoff: 'three_failures' } =>
  typeof r === 'object' && r !== null && (r as { ok?: unknown }).ok === false;

/**
 * Asks one question; after three failed answers it offers to pass the request to the team. Yes ends
 * with `{ ok: false, handoff }` (the caller records the case and calls offerHuman), no asks again.
 */
export class AskDialog extends WaterfallDialog<AskOptions> {
  constructor(id: string, private readonly yesNoPromptId: string) {
    super(id);
    this.addStep(this.ask.bind(this));
    this.addStep(this.answered.bind(this));
    this.addStep(this.decided.bind(this));
  }

  private async ask(step: WaterfallStepContext<AskOptions>): Promise<DialogTurnResult> {
    return step.beginDialog(step.options.promptId, step.options.promptOptions);
  }

  private async answered(step: WaterfallStepContext<AskOptions>): Promise<DialogTurnResult> {
    if (step.result !== undefined) {
      const value = step.options.choice ? (step.result as { value: string }).value : step.result;
      return step.endDialog({ ok: true, value });
    }
    return step.beginDialog(this.yesNoPromptId, yesNo(msg('refund:failures.offerHuman')));
  }

  private async decided(step: WaterfallStepContext<AskOptions>): Promise<DialogTurnResult> {
    const answer = step.result as { value?: string } | undefined;
    if (answer?.value === 'no') {
      await step.context.sendActivity(tr(step.context)('refund:failures.tryAgain'));
      return step.replaceDialog(this.id, step.options);
    }
    return step.endDialog({ ok: false, handoff: 'three_failures' });
  }
}

/** Options of a yes / no question on a LocalizedChoicePrompt. */
export function yesNo(prompt: ReturnType<typeof msg>): PromptOptions {
  return choiceOptions({
    prompt,
    retry: [prompt],
    choices: [
      { value: 'yes', label: msg('refund:yes'), intent: 'yes' },
      { value: 'no', label: msg('refund:no'), intent: 'no' },
    ],
  });
}
