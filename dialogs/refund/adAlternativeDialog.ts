import { ComponentDialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import type { TFunction } from 'i18next';
import type { Alternative } from '../../src/eligibility';
import { formatDate, type Language } from '../../src/i18n';
import { tr, turnLanguage } from '../../src/bot/turnContext';
import { CALLS_TO_ACTION, type AdChange, type AdFieldChange, type CallToAction } from '../../src/services/ports';
import { AskDialog, isHandoff, yesNo, type AskOptions } from '../prompts/askDialog';
import { choiceOptions, LocalizedChoicePrompt } from '../prompts/localizedChoicePrompt';
import { msg } from '../prompts/message';
import { slotOptions, SlotPrompt } from '../prompts/slotPrompt';
import type { TopicDeps } from './deps';
import { PARSERS } from '../request/parsers';

export interface AdAlternativeOptions {
  adId: string;
  alternatives: Alternative[];
  accountId?: string;
  /** Changes made in earlier rounds of this dialog. */
  changes?: string[];
}

/** How the R7 offer ended: a change made (or none), the user still wants a refund, or wants a person. */
export interface AdAlternativeResult {
  outcome: 'changed' | 'kept' | 'refund' | 'handoff';
  changes: string[];
}

const FLOW = 'ad.flow';
const ASK = 'ad.ask';
const SLOT = 'ad.slot';
const CHOICE = 'ad.choice';

const ask = (a: AskOptions) => a;
const vals = (step: WaterfallStepContext<AdAlternativeOptions>) => step.values as { choice?: string; changed?: string };

/**
 * R7: offers to change or pause the ad instead of a refund, carries out the chosen change through
 * the ads port, and confirms what changed. The refund stays available ("I still want a refund").
 */
/** The changes whose one parameter the user types: which parser reads it, what is asked, the re-prompt. */
const TYPED_ANSWERS = {
  change_targeting: { parser: 'locations', ask: 'refund:alternative.askLocations', retry: 'refund:alternative.retryLocations' },
  adjust_duration: { parser: 'days', ask: 'refund:alternative.askDays', retry: 'refund:alternative.retryDays' },
  edit_post: { parser: 'postText', ask: 'refund:alternative.askPostText', retry: 'refund:alternative.retryPostText' },
} as const;

/** The AdChange kind each alternative makes. */
const CHANGE_KIND: Record<Alternative, string> = {
  change_targeting: 'targeting',
  change_call_to_action: 'call_to_action',
  adjust_duration: 'duration',
  edit_post: 'post',
  pause_ad: 'pause',
};

export class AdAlternativeDialog extends ComponentDialog {
  static readonly id = 'refund.adAlternative';

  constructor(private readonly deps: TopicDeps) {
    super(AdAlternativeDialog.id);
    this.addDialog(new SlotPrompt(SLOT, PARSERS));
    this.addDialog(new LocalizedChoicePrompt(CHOICE));
    this.addDialog(new AskDialog(ASK, CHOICE));
    this.addDialog(new WaterfallDialog<AdAlternativeOptions>(FLOW, [this.choose.bind(this), this.chosen.bind(this), this.apply.bind(this), this.after.bind(this)]));
    this.initialDialogId = FLOW;
  }

  private async choose(step: WaterfallStepContext<AdAlternativeOptions>): Promise<DialogTurnResult> {
    // Never offer a change already made.
    const made = new Set(step.options.changes ?? []);
    const options = [...step.options.alternatives.filter((a) => !made.has(CHANGE_KIND[a])), 'refund'];
    const first = made.size === 0;
    // The explanation fits the ad: a running ad can be changed or paused; one that has run (finished, paused) only changed.
    const running = step.options.alternatives.includes('pause_ad');
    return step.beginDialog(
      ASK,
      ask({
        promptId: CHOICE,
        choice: true,
        promptOptions: choiceOptions({
          // The first time, the offer explains itself: the ad is running, a change keeps the budget.
          prompt: first
            ? [msg(running ? 'refund:why.R7' : 'refund:why.R7_started'), msg(running ? 'refund:answer.outcome.suggest_alternative' : 'refund:answer.outcome.suggest_alternative_change'), msg('refund:alternative.offer')]
            : msg('refund:alternative.offer'),
          retry: msg('refund:alternative.retry'),
          choices: options.map((o) => ({ value: o, label: msg(`refund:alternative.options.${o}`) })),
        }),
      }),
    );
  }

  private async chosen(step: WaterfallStepContext<AdAlternativeOptions>): Promise<DialogTurnResult> {
    if (isHandoff(step.result)) return this.end(step, 'handoff');
    const choice = (step.result as { value: string }).value;
    if (choice === 'refund') return this.end(step, 'refund');
    vals(step).choice = choice;
    const question = TYPED_ANSWERS[choice as keyof typeof TYPED_ANSWERS];
    if (question) {
      return step.beginDialog(
        ASK,
        ask({ promptId: SLOT, promptOptions: slotOptions({ parser: question.parser, prompt: msg(question.ask), retryKey: question.retry }) }),
      );
    }
    switch (choice as Alternative) {
      case 'change_call_to_action':
        return step.beginDialog(
          ASK,
          ask({
            promptId: CHOICE,
            choice: true,
            promptOptions: choiceOptions({
              prompt: msg('refund:alternative.askCallToAction'),
              retry: msg('refund:alternative.retryCallToAction'),
              choices: CALLS_TO_ACTION.map((c) => ({ value: c, label: msg(`refund:alternative.cta.${c}`) })),
            }),
          }),
        );
      case 'pause_ad':
        return step.beginDialog(ASK, ask({ promptId: CHOICE, choice: true, promptOptions: yesNo(msg('refund:alternative.confirmPause')) }));
      default:
        // The choice prompt only offers the alternatives above and the refund.
        throw new Error(`ad alternative without a question: ${choice}`);
    }
  }

  private async apply(step: WaterfallStepContext<AdAlternativeOptions>): Promise<DialogTurnResult> {
    if (isHandoff(step.result)) return this.end(step, 'handoff');
    const value = (step.result as { value: unknown }).value;
    const change = this.changeFor(vals(step).choice as Alternative, value);
    const t = tr(step.context);
    if (!change) {
      await step.context.sendActivity(t('refund:alternative.noChange'));
    } else {
      const by = `user:${step.context.activity.from?.id ?? 'unknown'}`;
      try {
        const result = await this.deps.services.ads.changeAd(step.options.adId, change, { accountId: step.options.accountId, by });
        if (!result) {
          await step.context.sendActivity(t('refund:alternative.notFound'));
        } else if (!result.ok) {
          await step.context.sendActivity(t(`refund:alternative.refused.${result.reason}`));
        } else {
          const lines = result.changes.map((c) => describeChange(c, t, turnLanguage(step.context), this.deps.timeZone));
          await step.context.sendActivity([t('refund:alternative.done'), ...lines].join('\n'));
          vals(step).changed = change.kind;
        }
      } catch (err) {
        this.deps.logger.warn({ err: (err as Error).message, adId: step.options.adId }, 'ad change failed');
        await step.context.sendActivity(t('refund:alternative.unavailable'));
      }
    }
    return step.beginDialog(
      ASK,
      ask({
        promptId: CHOICE,
        choice: true,
        promptOptions: choiceOptions({
          prompt: msg('refund:alternative.afterChange'),
          retry: msg('refund:alternative.afterChange'),
          choices: (['solved', 'another', 'refund'] as const).map((o) => ({ value: o, label: msg(`refund:alternative.afterChangeOptions.${o}`) })),
        }),
      }),
    );
  }

  private async after(step: WaterfallStepContext<AdAlternativeOptions>): Promise<DialogTurnResult> {
    const changes = [...(step.options.changes ?? []), ...(vals(step).changed ? [vals(step).changed as string] : [])];
    if (isHandoff(step.result)) return step.endDialog({ outcome: 'handoff', changes } satisfies AdAlternativeResult);
    const choice = (step.result as { value: string }).value;
    if (choice === 'another') return step.replaceDialog(FLOW, { ...step.options, changes });
    if (choice === 'refund') return step.endDialog({ outcome: 'refund', changes } satisfies AdAlternativeResult);
    return step.endDialog({ outcome: changes.length ? 'changed' : 'kept', changes } satisfies AdAlternativeResult);
  }

  private end(step: WaterfallStepContext<AdAlternativeOptions>, outcome: AdAlternativeResult['outcome']): Promise<DialogTurnResult> {
    return step.endDialog({ outcome, changes: step.options.changes ?? [] } satisfies AdAlternativeResult);
  }

  private changeFor(choice: Alternative, value: unknown): AdChange | undefined {
    switch (choice) {
      case 'change_targeting':
        return { kind: 'targeting', targeting: { locations: value as string[] } };
      case 'change_call_to_action':
        return { kind: 'call_to_action', callToAction: value as CallToAction };
      case 'adjust_duration':
        return { kind: 'duration', endsAt: new Date(this.deps.now().getTime() + (value as number) * 86_400_000).toISOString() };
      case 'edit_post':
        return { kind: 'post', post: { text: value as string } };
      case 'pause_ad':
        return value === 'yes' ? { kind: 'pause' } : undefined;
    }
  }
}

/** One "before → after" line, in the user's language. */
export function describeChange(c: AdFieldChange, t: TFunction, lang: Language, timeZone: string): string {
  switch (c.field) {
    case 'targeting':
      return t('refund:alternative.changed.targeting', { before: c.before.locations.join(', '), after: c.after.locations.join(', ') });
    case 'callToAction':
      return t('refund:alternative.changed.callToAction', { before: t(`refund:alternative.cta.${c.before}`), after: t(`refund:alternative.cta.${c.after}`) });
    case 'endsAt':
      return t('refund:alternative.changed.endsAt', { before: formatDate(c.before, lang, timeZone), after: formatDate(c.after, lang, timeZone) });
    case 'post':
      return t('refund:alternative.changed.post', { before: c.before.text, after: c.after.text });
    case 'status':
      return t('refund:alternative.changed.status', { before: t(`refund:alternative.status.${c.before}`), after: t(`refund:alternative.status.${c.after}`) });
  }
}
