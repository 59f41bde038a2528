import { ActivityTypes, ConversationState, StatePropertyAccessor, TeamsActivityHandler, TurnContext } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import type { Logger } from '../logger';
import { ConversationData, CONVERSATION_DATA, DIALOG_STATE } from './conversationData';
import { tr, turnLanguage, TURN } from './turnContext';
import { findOrderNumberInText } from '../services/orderNumber';
import { formatNumber, LANGUAGES, translator } from '../i18n';

/** The part of the main dialog the bot needs: run a turn, re-ask, show the menu. */
export interface RootDialog {
  run(context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void>;
  reprompt(context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void>;
  sendMenu(context: TurnContext): Promise<void>;
}

export interface SupportBotOptions {
  conversationState: ConversationState;
  dialog: RootDialog;
  brandName: string;
  logger: Logger;
  maxTextLength?: number;
  /**
   * Called before the dialogs on every message. Returns true when it handled the turn (for
   * example the conversation is with a human agent), and the bot stays quiet.
   */
  intercept?: (context: TurnContext) => Promise<boolean>;
}

/**
 * The bot: welcome, language switches, routing to the dialogs. Teams-aware through
 * TeamsActivityHandler (members added, card submits in `activity.value`, tenant in channelData).
 * State is loaded once by the middleware and saved once at the end of the turn.
 */
export class SupportBot extends TeamsActivityHandler {
  private readonly data: StatePropertyAccessor<ConversationData>;
  private readonly dialogState: StatePropertyAccessor<DialogState>;

  constructor(private readonly opts: SupportBotOptions) {
    super();
    this.data = opts.conversationState.createProperty(CONVERSATION_DATA);
    this.dialogState = opts.conversationState.createProperty(DIALOG_STATE);

    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient?.id;
      const added = context.activity.membersAdded ?? [];
      const humans = added.filter((m) => m.id !== botId);
      // Teams, personal chat: installing the app adds only the bot; the user is the one who installed it.
      const installedInPersonalChat =
        context.activity.conversation?.conversationType === 'personal' && added.some((m) => m.id === botId);
      if (humans.length > 0 || installedInPersonalChat) await this.welcome(context);
      await next();
    });

    // Teams also tells of a personal install with installationUpdate (sometimes the only event with a locale).
    this.onInstallationUpdateAdd(async (context, next) => {
      if (context.activity.conversation?.conversationType === 'personal') await this.welcome(context);
      await next();
    });

    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.opts.conversationState.saveChanges(context, false);
  }

  private async welcome(context: TurnContext): Promise<void> {
    const data = await this.data.get(context, {});
    if (data.welcomed) return;
    if (context.activity.channelId === 'msteams' && (!data.language || data.language.source === 'default')) {
      // A Teams install that tells no locale: a short welcome in both languages; the first message sets the language.
      data.welcomed = true;
      const both = LANGUAGES.map((l) => translator(l)('teams:welcome', { brand: this.opts.brandName }));
      await context.sendActivity(both.join('\n\n'));
      return;
    }
    data.welcomed = true;
    await context.sendActivity(tr(context)('common:welcome', { brand: this.opts.brandName }));
    await this.opts.dialog.sendMenu(context);
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const data = await this.data.get(context, {});
    data.turns = (data.turns ?? 0) + 1;
    const t = tr(context);
    const a = context.activity;

    if (context.turnState.get(TURN.redactedCount) > 0) await context.sendActivity(t('common:redacted'));

    // Before the language switch: while a person has the conversation, the handoff answers it.
    if (this.opts.intercept && (await this.opts.intercept(context))) return;

    if (context.turnState.get(TURN.languageSwitched)) {
      await context.sendActivity(t('common:language.switched'));
      await this.opts.dialog.reprompt(context, this.dialogState);
      return;
    }

    const max = this.opts.maxTextLength ?? 5000;
    const text = typeof a.text === 'string' ? a.text : '';
    if (text.length > max) {
      // Too long to read for facts: ask for a shorter message, but keep the order number it holds.
      const order = findOrderNumberInText(text);
      const n = formatNumber(max, turnLanguage(context));
      await context.sendActivity(order ? t('common:error.tooLongKept', { max: n, order }) : t('common:error.tooLong', { max: n }));
      if (!order) return;
      a.text = order;
    }
    const hasAttachments = (a.attachments?.length ?? 0) > 0;
    if (!text.trim() && a.value === undefined && !hasAttachments) {
      await context.sendActivity(t('common:error.empty'));
      return;
    }
    if (!data.welcomed && a.type === ActivityTypes.Message) {
      // Channels that send no conversationUpdate (or a first message straight away) still get a welcome,
      // but a first message that already says what the user wants goes straight to the dialogs.
      data.welcomed = true;
      await context.sendActivity(t('common:welcome', { brand: this.opts.brandName }));
    }
    await this.opts.dialog.run(context, this.dialogState);
  }
}
