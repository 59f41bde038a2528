import {
  ActivityTypes,
  CardFactory,
  type Activity,
  type Attachment,
  type CloudAdapterBase,
  type ConversationState,
  type Middleware,
  type ResourceResponse,
  type StatePropertyAccessor,
  type TurnContext,
} from 'botbuilder';
import type { ClaimsIdentity } from 'botframework-connector';
import { isLanguage, translator, type Language } from '../../i18n';
import type { Logger } from '../../logger';
import { sniffContentType } from '../../cases/proof';
import { fetchTeamsFile, fetchTeamsInlineImage, onServiceHost, teamsFileInfo } from '../../../dialogs/proof/teamsFiles';
import type { FetchResult } from '../../../dialogs/proof/fetchAttachment';
import { mentionsBot, normaliseTeamsText } from './text';
import { rememberTeamsUser } from './identity';
import { TURN } from '../../bot/turnContext';
import { CONVERSATION_DATA, type ConversationData } from '../../bot/conversationData';

/*
 * Everything Teams-specific about an incoming activity, in one place, before the language, the NLU
 * and the dialogs read it (docs/teams.md). Only for `channelId: msteams`.
 *
 * Reading: the bot's mention removed, HTML / `textFormat: xml` turned into plain text, and Teams'
 * `text/html` copy of every message dropped from the attachments.
 *
 * Scopes: the bot serves one person in personal chat. In a group chat or a channel it answers only
 * when mentioned, and then only to ask to continue in personal chat (with a link): no case, order or
 * account is ever shown to a group.
 *
 * Files (personal chat): a shared file (file download info) or a pasted image is fetched here, under
 * dialogs/proof/teamsFiles.ts's rules, and handed on as an inline `data:` attachment, so the proof
 * question takes it exactly like a web upload (same type, magic-byte and size checks, same
 * "received"). A file that cannot be fetched is dropped and the user told what to do instead
 * (type the payment reference, or use the web chat); the dialogs never see it, so it is not a failed
 * answer.
 *
 * Cards: `invoke` `adaptiveCard/action` (Universal Actions, Action.Execute) runs as the message an
 * Action.Submit of the same card sends (`value` = the action's data, with `action` = its verb), and is
 * answered with an invoke response, status 200. Each Adaptive Card with buttons the bot sends is
 * remembered (its activity id); when one of its buttons is used, the card is replaced in place with
 * what was chosen and no buttons (updateActivity, or the invoke response's card for Action.Execute),
 * so an old Confirm cannot be pressed again; a card left unused loses its buttons (marked out of
 * date) as soon as the user answers by typing or a later turn sends a new card. Outgoing cards keep to Teams' limits: Adaptive Card
 * schema 1.5 at most. A choice hero card (imBack buttons) goes out as an Adaptive Card, so it too can
 * be updated once used: its buttons as Action.Submit, or, beyond 6, an Input.ChoiceSet; the choice
 * reads as the chosen button's text.
 *
 * Identity: when the request carried a valid Bot Framework token (an app id is configured), the
 * Teams user's tenant id and AAD object id are remembered for the turn (src/channels/teams/identity.ts);
 * nothing else in the activity is believed.
 */

export const TEAMS_CHANNEL_ID = 'msteams';
export const MAX_HERO_BUTTONS = 6;
export const MAX_ADAPTIVE_CARD_VERSION = 1.5;
const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';
const HERO = 'application/vnd.microsoft.card.hero';
/** The Input.ChoiceSet id of a hero card turned into an Adaptive Card. */
export const CHOICE_INPUT_ID = 'teamsChoice';
/** Files fetched from one Teams message; more are dropped. */
const MAX_FILES_PER_MESSAGE = 3;
/** Cards remembered per conversation (the newest). */
const REMEMBERED_CARDS = 8;

export interface TeamsMiddlewareDeps {
  conversationState: ConversationState;
  /** Hosts shared files may come from (config TEAMS_FILE_HOSTS). */
  fileHosts: readonly string[];
  maxBytes: number;
  timeoutMs: number;
  defaultLanguage: Language;
  brandName: string;
  /** MicrosoftAppId: tokens are checked and the bot has a connector token. */
  appId?: string;
  /** PUBLIC_URL: where the web chat is, for users whose file could not be fetched. */
  publicUrl?: string;
  logger: Logger;
}

interface RememberedCard {
  /** The card as sent. */
  card: Record<string, unknown>;
  at: number;
}
type CardMemory = Record<string, RememberedCard>;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export function isTeams(a: Partial<Activity>): boolean {
  return (a.channelId ?? '').toLowerCase() === TEAMS_CHANNEL_ID;
}

/** groupChat or channel: anything but the one-to-one personal chat. */
export function isGroupConversation(a: Partial<Activity>): boolean {
  const type = a.conversation?.conversationType;
  return type === 'groupChat' || type === 'channel' || (type !== 'personal' && a.conversation?.isGroup === true);
}

/** The language Teams tells for this activity: its locale, else its clientInfo entity. */
export function teamsLanguage(a: Partial<Activity>): Language | undefined {
  const info = (Array.isArray(a.entities) ? a.entities : []).find((e) => e && typeof e === 'object' && e.type === 'clientInfo') as { locale?: unknown } | undefined;
  for (const locale of [typeof a.locale === 'string' ? a.locale : undefined, typeof info?.locale === 'string' ? info.locale : undefined]) {
    const primary = locale?.toLowerCase().split(/[-_]/)[0];
    if (isLanguage(primary)) return primary;
  }
  return undefined;
}

/** Teams' link that opens a personal chat with the bot (its id is the activity's recipient, `28:<app id>`). */
export function personalChatLink(botId: string | undefined): string {
  return `https://teams.microsoft.com/l/chat/0/0?users=${encodeURIComponent(botId ?? '')}`;
}

function cardActions(card: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) {
      if ((v.type === 'Action.Submit' || v.type === 'Action.Execute') && typeof v.title === 'string') out.push(v);
      for (const [k, x] of Object.entries(v)) if (k === 'actions' || k === 'body' || k === 'items' || k === 'columns' || k === 'card') walk(x);
    }
  };
  walk(card);
  return out;
}

/** What an action sends, as it arrives in `activity.value` (Action.Submit data, or Execute's verb + data). */
function actionValue(action: Record<string, unknown>): Record<string, unknown> {
  const data = isObject(action.data) ? action.data : {};
  return action.type === 'Action.Execute' && typeof action.verb === 'string' ? { ...data, action: action.verb } : data;
}

/** The button of `card` whose data the submitted value carries. */
export function chosenAction(card: Record<string, unknown>, value: unknown): Record<string, unknown> | undefined {
  if (!isObject(value)) return undefined;
  return cardActions(card).find((action) => {
    const data = actionValue(action);
    // `card` is the card's token (dialogs/cards/token.ts): the dialog checks it; here the card is already known by its activity id.
    const keys = Object.keys(data).filter((k) => k !== 'msteams' && k !== 'card');
    return keys.length > 0 && keys.every((k) => JSON.stringify(data[k]) === JSON.stringify(value[k]));
  });
}

/** The card as it stays in the chat once used: its content, what was chosen, no inputs, no buttons. */
export function usedCard(card: Record<string, unknown>, chosenLine: string, tone: 'chosen' | 'outdated' = 'chosen'): Record<string, unknown> {
  const keep = (items: unknown): unknown[] =>
    (Array.isArray(items) ? items : [])
      .filter((x) => isObject(x) && !(typeof x.type === 'string' && (x.type.startsWith('Input.') || x.type === 'ActionSet')))
      .map((x) => {
        const el = { ...(x as Record<string, unknown>) };
        delete el.selectAction;
        if (Array.isArray(el.items)) el.items = keep(el.items);
        if (Array.isArray(el.columns)) el.columns = (el.columns as unknown[]).map((c) => (isObject(c) ? { ...c, items: keep(c.items) } : c));
        return el;
      });
  const { actions: _actions, refresh: _refresh, ...rest } = card;
  return {
    ...rest,
    body: [
      ...keep(card.body),
      tone === 'chosen' ? { type: 'TextBlock', text: chosenLine, wrap: true, weight: 'Bolder', color: 'Good' } : { type: 'TextBlock', text: chosenLine, wrap: true, isSubtle: true, size: 'Small' },
    ],
    actions: [],
  };
}

/** True for a hero card whose buttons all send their text (imBack): a choice the bot asked. */
export function isChoiceHeroCard(att: Attachment): boolean {
  const buttons = isObject(att.content) && Array.isArray(att.content.buttons) ? (att.content.buttons as { type?: string }[]) : [];
  return att.contentType === HERO && buttons.length > 0 && buttons.every((b) => b?.type === 'imBack');
}

/**
 * A choice hero card as an Adaptive Card 1.5, so that it can be updated in place once used: up to 6
 * buttons as Action.Submit, more as an Input.ChoiceSet with one Send button (Teams shows at most 6
 * buttons). Either way the choice arrives as `value.teamsChoice` and is read as the button's text.
 */
export function heroAsChoiceCard(hero: Record<string, unknown>, t: (k: string) => string): Attachment {
  const buttons = (Array.isArray(hero.buttons) ? hero.buttons : []) as { title?: string; value?: unknown }[];
  const choices = buttons.map((b) => ({ title: String(b.title ?? b.value ?? ''), value: String(b.value ?? b.title ?? '') }));
  const body: Record<string, unknown>[] = [];
  if (typeof hero.title === 'string' && hero.title) body.push({ type: 'TextBlock', text: hero.title, weight: 'Bolder', wrap: true });
  if (typeof hero.text === 'string' && hero.text) body.push({ type: 'TextBlock', text: hero.text, wrap: true });
  let actions: Record<string, unknown>[];
  if (choices.length > MAX_HERO_BUTTONS) {
    body.push({ type: 'Input.ChoiceSet', id: CHOICE_INPUT_ID, style: 'expanded', isRequired: true, placeholder: t('teams:card.choose'), choices });
    actions = [{ type: 'Action.Submit', title: t('teams:card.submit'), style: 'positive', data: { teamsChoiceCard: true } }];
  } else {
    actions = choices.map((c) => ({ type: 'Action.Submit', title: c.title, data: { [CHOICE_INPUT_ID]: c.value } }));
  }
  return CardFactory.adaptiveCard({ type: 'AdaptiveCard', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', version: '1.5', body, actions });
}

/** "10 MB" / "10 Mo", as the proof question says it. */
function megabytes(bytes: number, lang: Language): string {
  const value = bytes / (1024 * 1024);
  return new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { style: 'unit', unit: 'megabyte', unitDisplay: 'short', maximumFractionDigits: value < 10 ? 1 : 0 }).format(value);
}

const MIME_BY_FILE_TYPE: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', pdf: 'application/pdf' };
const EXT_BY_MIME: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'application/pdf': 'pdf' };

type FileOutcome = { ok: true; attachment: Attachment } | { ok: false; error: Exclude<FetchResult, { ok: true }>['error'] };

export class TeamsMiddleware implements Middleware {
  private readonly cards: StatePropertyAccessor<CardMemory>;

  constructor(private readonly deps: TeamsMiddlewareDeps) {
    this.cards = deps.conversationState.createProperty<CardMemory>('teamsCards');
    this.conversationData = deps.conversationState.createProperty<ConversationData>(CONVERSATION_DATA);
  }
  private readonly conversationData: StatePropertyAccessor<ConversationData>;

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const a = context.activity;
    if (!isTeams(a)) return next();
    // Shapes only a broken or hostile sender makes: treated as absent rather than trusted.
    if (a.attachments !== undefined && !Array.isArray(a.attachments)) a.attachments = [];
    if (a.entities !== undefined && !Array.isArray(a.entities)) a.entities = [];
    if (a.membersAdded !== undefined && !Array.isArray(a.membersAdded)) a.membersAdded = [];
    if (a.attachments) a.attachments = a.attachments.filter((x) => x && typeof x === 'object');
    if (this.authenticated(context)) rememberTeamsUser(a);

    if (isGroupConversation(a)) return this.inGroup(context);

    this.shapeOutgoing(context);
    if (a.type === ActivityTypes.Invoke && a.name === 'adaptiveCard/action') return this.onExecute(context, next);
    if (a.type !== ActivityTypes.Message) return next();

    normaliseTeamsText(a);
    // Teams attaches an HTML rendering of every message: never a file, never read.
    if (a.attachments) a.attachments = a.attachments.filter((x) => String(x.contentType ?? '').toLowerCase() !== 'text/html');
    if (isObject(a.value) && typeof a.value[CHOICE_INPUT_ID] === 'string') {
      // A hero card shown as a choice list: the choice reads as the button's text, as on the widget.
      a.text = a.value[CHOICE_INPUT_ID] as string;
      await this.markUsed(context, a.replyToId, a.value, a.text);
      a.value = undefined;
    } else if (a.value !== undefined && a.replyToId) {
      await this.markUsed(context, a.replyToId, a.value);
    } else if (a.value === undefined) {
      // Answered by typing: the cards still on screen are no longer the question.
      await this.supersede(context, Date.now());
    }
    if (!(await this.takeFiles(context))) return;
    await next();
  }

  /** True when this request carried a valid Bot Framework token for this bot. */
  private authenticated(context: TurnContext): boolean {
    if (!this.deps.appId) return false;
    const identity = context.turnState.get((context.adapter as CloudAdapterBase).BotIdentityKey) as ClaimsIdentity | undefined;
    return !!identity?.isAuthenticated && identity.getClaimValue('aud') === this.deps.appId;
  }

  /** The turn's language once the language middleware ran, else the one Teams tells. */
  private t(context: TurnContext) {
    return translator((context.turnState.get(TURN.language) as Language | undefined) ?? teamsLanguage(context.activity) ?? this.deps.defaultLanguage);
  }

  /** Before the language middleware: a language the user chose in this conversation wins over Teams' locale. */
  private async tBefore(context: TurnContext) {
    const data = await this.conversationData.get(context, {});
    return data.language?.source === 'explicit' ? translator(data.language.lang) : this.t(context);
  }

  /** Group chat or channel: quiet unless mentioned, then only a pointer to the personal chat. */
  private async inGroup(context: TurnContext): Promise<void> {
    const a = context.activity;
    const t = this.t(context);
    const link = personalChatLink(a.recipient?.id);
    if (a.type === ActivityTypes.ConversationUpdate || a.type === ActivityTypes.InstallationUpdate) {
      const botAdded = (a.membersAdded ?? []).some((m) => m?.id === a.recipient?.id) || (a.type === ActivityTypes.InstallationUpdate && a.action === 'add');
      if (botAdded) await context.sendActivity(t('teams:group.added', { brand: this.deps.brandName, link }));
      return;
    }
    if (a.type === ActivityTypes.Invoke) {
      await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: t('teams:group.personalOnly', { link }) } } });
      return;
    }
    if (a.type !== ActivityTypes.Message || !mentionsBot(a)) return;
    const files = (a.attachments ?? []).some((x) => teamsFileInfo(x) || String(x.contentType ?? '').startsWith('image/'));
    await context.sendActivity(t(files ? 'teams:file.inGroup' : 'teams:group.personalOnly', { link }));
  }

  /** Universal Actions: runs as the matching Action.Submit's message, answered 200. */
  private async onExecute(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const a = context.activity;
    const invoke = isObject(a.value) ? a.value : {};
    const action = isObject(invoke.action) ? invoke.action : {};
    const data = isObject(action.data) ? action.data : {};
    const value = typeof action.verb === 'string' && action.verb ? { ...data, action: action.verb } : data;
    const t = await this.tBefore(context);
    const remembered = a.replyToId ? await this.forget(context, a.replyToId) : undefined;
    const message = (text: string) => ({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text });
    let body: unknown = message(t('teams:card.sent'));
    if (remembered) {
      const chosen = chosenAction(remembered.card, value);
      const title = typeof chosen?.title === 'string' ? chosen.title : undefined;
      // Teams replaces the card with the one in the invoke response: the used card, buttons gone.
      if (title) body = { statusCode: 200, type: ADAPTIVE, value: usedCard(remembered.card, t('teams:card.chosen', { choice: title })) };
    }
    a.type = ActivityTypes.Message;
    a.value = value;
    (a as { text?: string }).text = undefined;
    let failure: unknown;
    try {
      await next();
    } catch (err) {
      failure = err;
    }
    // Back to what it is, for the adapter: an invoke, answered here (a failure as Teams' notice).
    a.type = ActivityTypes.Invoke;
    if (failure) body = message(t('common:error.generic'));
    await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
    if (failure) throw failure;
  }

  private async forget(context: TurnContext, activityId: string): Promise<RememberedCard | undefined> {
    const memory = await this.cards.get(context, {});
    const card = memory[activityId];
    if (card) {
      delete memory[activityId];
      await this.cards.set(context, { ...memory });
    }
    return card;
  }

  /** The card whose button was used shows the choice and loses its buttons (Action.Submit, messageBack). */
  private async markUsed(context: TurnContext, replyToId: string | undefined, value: unknown, choiceText?: string): Promise<void> {
    if (!replyToId) return;
    const remembered = await this.forget(context, replyToId);
    if (!remembered) return;
    const chosen = chosenAction(remembered.card, value);
    const title = choiceText ?? (typeof chosen?.title === 'string' ? chosen.title : undefined);
    if (!title) return;
    const card = usedCard(remembered.card, (await this.tBefore(context))('teams:card.chosen', { choice: title }));
    await this.replaceCard(context, replyToId, card);
  }

  /** The remembered cards sent before `before` lose their buttons, marked out of date, and are forgotten. */
  private async supersede(context: TurnContext, before: number): Promise<void> {
    const memory = { ...(await this.cards.get(context, {})) };
    const superseded = Object.entries(memory).filter(([, c]) => c.at < before);
    if (!superseded.length) return;
    for (const [id] of superseded) delete memory[id];
    await this.cards.set(context, memory);
    const outdated = (await this.tBefore(context))('teams:card.outdated') as string;
    for (const [id, c] of superseded) await this.replaceCard(context, id, usedCard(c.card, outdated, 'outdated'));
  }

  private async replaceCard(context: TurnContext, activityId: string, card: Record<string, unknown>): Promise<void> {
    try {
      await context.updateActivity({ type: ActivityTypes.Message, id: activityId, attachments: [{ contentType: ADAPTIVE, content: card }] });
    } catch (err) {
      this.deps.logger.info({ conversationId: context.activity.conversation?.id, err: (err as Error).message }, 'teams: could not update a card');
    }
  }

  /** Outgoing: Teams' card limits, and each card with buttons remembered by the id Teams gives it. */
  private shapeOutgoing(context: TurnContext): void {
    const turnStart = Date.now();
    context.onSendActivities(async (ctx, activities, send) => {
      for (const out of activities) {
        if (!out.attachments?.length) continue;
        out.attachments = out.attachments.map((att) => {
          if (isChoiceHeroCard(att)) return heroAsChoiceCard(att.content as Record<string, unknown>, (k) => this.t(ctx)(k) as string);
          if (att.contentType === ADAPTIVE && isObject(att.content)) {
            const v = Number(att.content.version);
            if (!Number.isFinite(v) || v > MAX_ADAPTIVE_CARD_VERSION) return { ...att, content: { ...att.content, version: String(MAX_ADAPTIVE_CARD_VERSION) } };
          }
          return att;
        });
      }
      const responses: ResourceResponse[] = await send();
      const sent: { id: string; card: Record<string, unknown> }[] = [];
      activities.forEach((out, i) => {
        const id = responses?.[i]?.id;
        const card = out.attachments?.find((x) => x.contentType === ADAPTIVE && isObject(x.content) && cardActions(x.content as Record<string, unknown>).length > 0);
        if (id && card && out.type === ActivityTypes.Message) sent.push({ id, card: card.content as Record<string, unknown> });
      });
      if (sent.length) {
        // A new question supersedes the cards of earlier turns that were not used: their buttons go
        // (an old Confirm must not be pressed later, in another context). Cards of this turn stay.
        await this.supersede(ctx, turnStart);
        const memory = { ...(await this.cards.get(ctx, {})) };
        for (const s of sent) memory[s.id] = { card: s.card, at: Date.now() };
        const newest = Object.entries(memory)
          .sort((x, y) => y[1].at - x[1].at)
          .slice(0, REMEMBERED_CARDS);
        await this.cards.set(ctx, Object.fromEntries(newest));
      }
      return responses;
    });
  }

  /**
   * Shared files and pasted images: fetched and handed on inline, or dropped with a word on what to
   * do instead. Returns false when nothing is left for the dialogs (the turn ends here).
   */
  private async takeFiles(context: TurnContext): Promise<boolean> {
    const a = context.activity;
    const attachments = a.attachments ?? [];
    const isFile = (x: Attachment) => !!teamsFileInfo(x) || (String(x.contentType ?? '').startsWith('image/') && typeof x.contentUrl === 'string');
    if (!attachments.some(isFile)) return true;
    const kept: Attachment[] = [];
    const failures: FileOutcome[] = [];
    let fetched = 0;
    for (const x of attachments) {
      if (!isFile(x)) {
        kept.push(x);
        continue;
      }
      // Bounded work per message (Teams waits for the answer): a proof is one file; the desk keeps a few.
      if (++fetched > MAX_FILES_PER_MESSAGE) continue;
      const got = await this.fetchOne(context, x);
      if (got.ok) kept.push(got.attachment);
      else failures.push(got);
    }
    a.attachments = kept;
    if (failures.length) {
      const t = await this.tBefore(context);
      const tooLarge = failures.every((f) => !f.ok && f.error === 'too_large');
      const web = this.deps.publicUrl ? `${this.deps.publicUrl.replace(/\/+$/, '')}/` : '';
      await context.sendActivity(
        tooLarge
          ? t('teams:file.tooLarge', { max: megabytes(this.deps.maxBytes, teamsLanguage(a) ?? this.deps.defaultLanguage) })
          : t('teams:file.unavailable', { webChat: web ? ` (${web})` : '' }),
      );
      this.deps.logger.info({ conversationId: a.conversation?.id, errors: failures.map((f) => (f.ok ? 'ok' : f.error)) }, 'teams: a file could not be taken');
    }
    const text = typeof a.text === 'string' ? a.text.trim() : '';
    return kept.length > 0 || text !== '' || a.value !== undefined || failures.length === 0;
  }

  private async fetchOne(context: TurnContext, x: Attachment): Promise<FileOutcome> {
    const a = context.activity;
    const info = teamsFileInfo(x);
    let got: FetchResult;
    if (info) {
      got = await fetchTeamsFile(info.downloadUrl, { fileHosts: this.deps.fileHosts, maxBytes: this.deps.maxBytes, timeoutMs: this.deps.timeoutMs });
    } else {
      const url = x.contentUrl as string;
      const token = onServiceHost(url, a.serviceUrl) ? await this.connectorToken(context) : undefined;
      got = await fetchTeamsInlineImage(url, { serviceUrl: a.serviceUrl, token, maxBytes: this.deps.maxBytes, timeoutMs: this.deps.timeoutMs });
    }
    if (!got.ok) return got;
    const sniffed = sniffContentType(got.bytes);
    const declared = info ? MIME_BY_FILE_TYPE[(info.fileType ?? '').toLowerCase()] : x.contentType !== 'image/*' ? x.contentType : undefined;
    const type = sniffed ?? declared ?? 'application/octet-stream';
    const name = x.name ?? `pasted-image.${EXT_BY_MIME[type] ?? 'bin'}`;
    return { ok: true, attachment: { contentType: type, name, contentUrl: `data:${type};base64,${got.bytes.toString('base64')}` } };
  }

  /** The bot's own token for the Bot Framework service (what its replies are signed with); none without an app id. */
  private async connectorToken(context: TurnContext): Promise<string | undefined> {
    if (!this.deps.appId) return undefined;
    const client = context.turnState.get((context.adapter as CloudAdapterBase).ConnectorClientKey) as { credentials?: { appId?: string; getToken?: (force?: boolean) => Promise<string> } } | undefined;
    const credentials = client?.credentials;
    if (!credentials?.appId || typeof credentials.getToken !== 'function') return undefined;
    try {
      return (await credentials.getToken()) || undefined;
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'teams: no connector token for a pasted image');
      return undefined;
    }
  }
}
