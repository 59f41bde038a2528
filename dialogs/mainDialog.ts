import { ActionTypes, CardAction, CardFactory, MessageFactory, TurnContext } from 'botbuilder';
import { DialogSet, DialogState, DialogTurnStatus, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import type { StatePropertyAccessor } from 'botbuilder';
import { tr } from '../src/bot/turnContext';
import { offerHuman, type HumanOfferDeps } from '../src/handoff/offerHuman';
import { CLARIFY, CONFIDENT, understanding, type Intent, type Understanding } from '../src/nlu';
import { BaseDialog, isSummarySubmit, SHOW_MENU, START_OVER } from './baseDialog';
import { isRefundFormSubmit } from './slots/formSubmission';
import { isFormRequest } from './cards/form';
import { interruptionOf } from './interruptions';
import { rerouteText } from './email/emailContactDialog';
import type { Topic } from './topics';
import { isTopicSwitch, type Carry } from './request/spec';

const MENU = 'menuWaterfall';

/** Intents worth offering as a guess when the recogniser is unsure (answers to a question are not). */
const GUESSABLE: readonly Intent[] = ['topic.refund', 'topic.paymentNotRegistered', 'topic.dispute', 'topic.status', 'human', 'help'];

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
    else if (result.status === DialogTurnStatus.empty) await dc.beginDialog(this.id);
  }

  /** Re-asks the active question (after a language switch), or shows the menu. */
  async reprompt(context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void> {
    const set = new DialogSet(accessor);
    set.add(this);
    const dc = await set.createContext(context);
    if (dc.activeDialog) await dc.repromptDialog();
    else await this.sendMenu(context);
  }

  /**
   * The first message may already name a topic ("I want a refund for FL-123456"): go straight
   * there, with the text, so the topic keeps every fact it holds. What the recogniser understood
   * decides the rest; when it is unsure, the customer picks between its two best guesses.
   */
  private async route(step: WaterfallStepContext<{ text?: string; switchTo?: string; carry?: Carry }>) {
    const context = step.context;
    // The options are read once: the menu's state keeps no copy of a message or of facts the topic now holds.
    const options = { ...(step.options ?? {}) };
    if (step.options) for (const key of Object.keys(step.options) as (keyof typeof options)[]) delete step.options[key];
    // A topic moved the customer to another one (a shop purchase in the refund topic): start it with the facts kept.
    if (options.switchTo && this.topics.some((x) => x.id === options.switchTo)) return step.beginDialog(options.switchTo, { carry: options.carry });
    const t = tr(context);
    const text = options.text ?? context.activity.text;
    const u = understanding(context);
    const value = context.activity.value as { topic?: unknown } | undefined;
    const byButton = typeof value?.topic === 'string' ? this.topics.find((x) => x.id === value.topic) : undefined;
    if (byButton) return step.beginDialog(byButton.id, {});
    // A summary or a form pressed after the request was sent: out of date, nothing changes.
    if (isSummarySubmit(context.activity.value) || isRefundFormSubmit(context.activity.value)) {
      await context.sendActivity(t('common:staleCard'));
      return step.endDialog();
    }

    const interruption = interruptionOf(u);
    if (interruption === 'human') {
      if (this.human) await offerHuman(context, { reason: 'user_asked' }, this.human);
      else await context.sendActivity(t('human:noCase'));
      return step.endDialog();
    }
    const topic = this.topicFor(text, u);
    if (topic) return step.beginDialog(topic.id, { text });
    // "Can I just fill in a form?" before any topic: the topic with a form starts, its form shown.
    const formTopic = this.topics.find((x) => x.form);
    if (formTopic && isFormRequest(context)) return step.beginDialog(formTopic.id, { form: true });
    if (interruption === 'help') {
      await context.sendActivity(t('common:help.text'));
      await this.sendMenu(context);
      return step.endDialog();
    }
    if (u.score >= CONFIDENT) {
      switch (u.intent) {
        case 'greeting':
          await this.sendMenu(context, 'common:greeting');
          return step.endDialog();
        case 'thanks':
        case 'goodbye':
          await context.sendActivity(t(`common:close.${u.intent}`));
          return step.endDialog();
        case 'outOfScope':
          await this.sendOutOfScope(context);
          return step.endDialog();
        case 'cancel':
        case 'startOver':
          await this.sendMenu(context);
          return step.endDialog();
        default:
          break;
      }
    }
    const guesses = u.ranked.filter((r) => GUESSABLE.includes(r.name)).slice(0, 2);
    if (guesses.length === 2 && guesses[0].score >= CLARIFY) {
      await this.sendClarification(context, [guesses[0].name, guesses[1].name]);
      return step.endDialog();
    }
    // Something was said that matches no topic: say so, with the menu.
    await this.sendMenu(context, text?.trim() ? 'common:menu.retry' : 'common:menu.prompt');
    return step.endDialog();
  }

  private async loop(step: WaterfallStepContext) {
    if (step.result === START_OVER) await this.sendMenu(step.context);
    // A topic's last question got an answer about something else: route that message now.
    if (isTopicSwitch(step.result)) return step.replaceDialog(MENU, { switchTo: step.result.switchTo, carry: step.result.carry });
    const reroute = rerouteText(step.result);
    if (reroute) return step.replaceDialog(MENU, { text: reroute });
    return step.endDialog();
  }

  /** A topic named by its title, by facts in the text (a case reference, an order number), or by a confident intent. */
  private topicFor(text: string | undefined, u: Understanding): Topic | undefined {
    const trimmed = text?.trim() ?? '';
    const byTitle = this.topics.find((x) => x.id === trimmed);
    if (byTitle) return byTitle;
    // Facts first: a case reference is about a request already made; an order number starts a new one.
    if (trimmed) for (const topic of [...this.topics].reverse()) if (topic.matches?.(trimmed)) return topic;
    return u.score >= CONFIDENT ? this.topics.find((x) => x.intent === u.intent) : undefined;
  }

  /** Buttons for the topics; what each sends is understood like typed text would be, in any language. */
  private topicButtons(context: TurnContext): CardAction[] {
    const t = tr(context);
    return this.topics.map((topic) => ({
      type: ActionTypes.MessageBack,
      title: t(topic.titleKey),
      displayText: t(topic.titleKey),
      text: t(topic.titleKey),
      value: { topic: topic.id },
    }));
  }

  async sendMenu(context: TurnContext, textKey: 'common:menu.prompt' | 'common:menu.retry' | 'common:greeting' = 'common:menu.prompt'): Promise<void> {
    const t = tr(context);
    await context.sendActivity(MessageFactory.attachment(CardFactory.heroCard('', t(textKey), undefined, this.topicButtons(context))));
  }

  /** What the bot can do, and a person for the rest. */
  private async sendOutOfScope(context: TurnContext): Promise<void> {
    const t = tr(context);
    const person: CardAction = {
      type: ActionTypes.MessageBack,
      title: t('common:intents.human'),
      displayText: t('common:intents.human'),
      text: t('common:intents.human'),
      value: { action: 'nlu.choose', intent: 'human' },
    };
    await context.sendActivity(MessageFactory.attachment(CardFactory.heroCard('', t('common:outOfScope'), undefined, [...this.topicButtons(context), person])));
  }

  /** "Did you mean…?" with the two best guesses as buttons. */
  private async sendClarification(context: TurnContext, intents: [Intent, Intent]): Promise<void> {
    const t = tr(context);
    const buttons: CardAction[] = intents.map((intent) => ({
      type: ActionTypes.MessageBack,
      title: t(`common:intents.${intent}`),
      displayText: t(`common:intents.${intent}`),
      text: t(`common:intents.${intent}`),
      value: { action: 'nlu.choose', intent },
    }));
    await context.sendActivity(MessageFactory.attachment(CardFactory.heroCard('', t('common:clarify'), undefined, buttons)));
  }
}
