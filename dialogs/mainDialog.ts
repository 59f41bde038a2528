import { ActionTypes, CardFactory, MessageFactory, TurnContext } from 'botbuilder';
import { DialogSet, DialogState, DialogTurnStatus, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import type { StatePropertyAccessor } from 'botbuilder';
import { LANGUAGES, translator } from '../src/i18n';
import { tr } from '../src/bot/turnContext';
import { offerHuman, type HumanOfferDeps } from '../src/handoff/offerHuman';
import { BaseDialog, SHOW_MENU, START_OVER } from './baseDialog';
import { rerouteText } from './email/emailContactDialog';
import { recognizeInterruption } from './interruptions';
import type { Topic } from './topics';

const MENU = 'menuWaterfall';

const normalise = (s: string) => s.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');

/** Shows the menu of the topics that work, routes buttons and free text to them, and loops. */
export class MainDialog extends BaseDialog {
  static readonly id = 'main';

  constructor(
    private readonly topics: Topic[],
    human?: HumanOfferDeps,
  ) {
    super(MainDialog.id, human);
    for (const topic of topics) this.addDialog(topic.dialog);
    this.addDialog(new WaterfallDialog(MENU, [this.route.bind(this), this.loop.bind(this)]));
    this.initialDialogId = MENU;
  }

  /** Runs one turn of the main dialog, starting it when nothing is active. */
  async run(context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void> {
    const set = new DialogSet(accessor);
    set.add(this);
    const dc = await set.createContext(context);
    const result = await dc.continueDialog();
    if (context.turnState.get(SHOW_MENU)) await this.sendMenu(context);
    else if (result.status === DialogTurnStatus.empty) await dc.beginDialog(this.id, { text: context.activity.text });
  }

  /** Re-asks the active question (after a language switch), or shows the menu. */
  async reprompt(context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void> {
    const set = new DialogSet(accessor);
    set.add(this);
    const dc = await set.createContext(context);
    if (dc.activeDialog) await dc.repromptDialog();
    else await this.sendMenu(context);
  }

  /** The first message may already name a topic ("I want a refund for FL-123456"): go straight there. */
  private async route(step: WaterfallStepContext<{ text?: string }>) {
    const text = step.options?.text ?? step.context.activity.text;
    const interruption = recognizeInterruption(text);
    if (interruption) {
      // Nothing is running: help explains, cancel and start over just show the menu.
      if (interruption === 'help') await step.context.sendActivity(tr(step.context)('common:help.text'));
      if (interruption === 'human') {
        if (this.human) await offerHuman(step.context, { reason: 'user_asked' }, this.human);
        else await step.context.sendActivity(tr(step.context)('human:noCase'));
        return step.endDialog();
      }
      await this.sendMenu(step.context);
      return step.endDialog();
    }
    const value = step.context.activity.value as { topic?: unknown } | undefined;
    const topic = this.match(typeof value?.topic === 'string' ? value.topic : text);
    if (topic) return step.beginDialog(topic.id, { text });
    // Something was said that matches no topic: say so, with the menu.
    await this.sendMenu(step.context, text?.trim() ? 'common:menu.retry' : 'common:menu.prompt');
    return step.endDialog();
  }

  private async loop(step: WaterfallStepContext) {
    if (step.result === START_OVER) await this.sendMenu(step.context);
    // A topic's last question got an answer about something else: route that message now.
    const reroute = rerouteText(step.result);
    if (reroute) return step.replaceDialog(MENU, { text: reroute });
    return step.endDialog();
  }

  private match(text: string | undefined): Topic | undefined {
    if (!text) return undefined;
    const n = normalise(text.trim());
    const byId = this.topics.find((t) => t.id === text.trim());
    if (byId) return byId;
    const byMatcher = this.topics.find((t) => t.matches?.(text));
    if (byMatcher) return byMatcher;
    // The most specific keyword wins: "où en est mon remboursement" is about status, not a new refund.
    let best: { topic: Topic; length: number } | undefined;
    for (const topic of this.topics) {
      for (const lang of LANGUAGES) {
        const t = translator(lang);
        if (normalise(t(topic.titleKey)) === n) return topic;
        for (const w of t(topic.keywordsKey).split('|').map(normalise).filter(Boolean)) {
          if (n.includes(w) && (!best || w.length > best.length)) best = { topic, length: w.length };
        }
      }
    }
    return best?.topic;
  }

  async sendMenu(context: TurnContext, textKey: 'common:menu.prompt' | 'common:menu.retry' = 'common:menu.prompt'): Promise<void> {
    const t = tr(context);
    const buttons = this.topics.map((topic) => ({ type: ActionTypes.ImBack, title: t(topic.titleKey), value: t(topic.titleKey) }));
    await context.sendActivity(MessageFactory.attachment(CardFactory.heroCard('', t(textKey), undefined, buttons)));
  }
}
