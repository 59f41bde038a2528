import { DialogTurnResult, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import type { TurnContext } from 'botbuilder';
import { formatDate } from '../../src/i18n';
import { tr, turnLanguage } from '../../src/bot/turnContext';
import { findCaseReferenceInText } from '../../src/cases/reference';
import { findOrderNumberInText } from '../../src/services/orderNumber';
import type { CaseOwner, CaseRecord } from '../../src/cases/types';
import { offerHuman } from '../../src/handoff/offerHuman';
import { BaseDialog } from '../baseDialog';
import { findUserAccount } from '../identity';
import { AskDialog, isHandoff, type AskOptions } from '../prompts/askDialog';
import { LocalizedChoicePrompt } from '../prompts/localizedChoicePrompt';
import { msg } from '../prompts/message';
import { slotOptions, SlotPrompt } from '../prompts/slotPrompt';
import type { TopicDeps } from '../refund/deps';
import { PARSERS } from '../request/parsers';

interface StatusOptions {
  text?: string;
  /** References not found so far in this conversation turn series. */
  misses?: number;
}

const FLOW = 'status.flow';
const ASK = 'status.ask';
const SLOT = 'status.slot';
const CHOICE = 'status.choice';
const MAX_MISSES = 2;

/**
 * "Where is my request?": the user gives a reference, or picks one of their own cases, and gets its
 * status in their language. Only the asker's cases are ever looked up (`getForOwner`).
 */
export class CaseStatusDialog extends BaseDialog {
  static readonly id = 'status';

  constructor(private readonly deps: TopicDeps) {
    super(CaseStatusDialog.id, deps.human);
    this.addDialog(new SlotPrompt(SLOT, PARSERS));
    this.addDialog(new LocalizedChoicePrompt(CHOICE));
    this.addDialog(new AskDialog(ASK, CHOICE));
    this.addDialog(new WaterfallDialog<StatusOptions>(FLOW, [this.start.bind(this), this.answered.bind(this)]));
    this.initialDialogId = FLOW;
  }

  private async start(step: WaterfallStepContext<StatusOptions>): Promise<DialogTurnResult> {
    const given = findCaseReferenceInText(step.options.text ?? '');
    if (given) return step.next({ ok: true, value: given });
    let mine: CaseRecord[] = [];
    try {
      mine = await this.deps.cases.listByOwner(await this.owner(step.context), { limit: 5 });
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'listing cases failed');
      await step.context.sendActivity(tr(step.context)('status:unavailable'));
      return step.endDialog();
    }
    const lang = turnLanguage(step.context);
    return step.beginDialog(ASK, {
      promptId: SLOT,
      promptOptions: slotOptions({
        parser: 'caseReference',
        prompt: msg(mine.length ? 'status:ask' : 'status:askNoCases'),
        retryKey: mine.length ? 'status:retry' : 'status:retryNoCases',
        suggestions: mine.map((c) => ({
          title: msg('status:choice', { reference: c.reference, topic: msg(`status:topics.${c.topic}`), date: formatDate(c.createdAt, lang, this.deps.timeZone) }),
          value: msg('status:choice', { reference: c.reference, topic: msg(`status:topics.${c.topic}`), date: formatDate(c.createdAt, lang, this.deps.timeZone) }),
        })),
      }),
    } satisfies AskOptions);
  }

  private async answered(step: WaterfallStepContext<StatusOptions>): Promise<DialogTurnResult> {
    if (isHandoff(step.result)) {
      await offerHuman(step.context, { reason: 'three_failures' }, this.deps.human);
      return step.endDialog();
    }
    const reference = (step.result as { value: string }).value;
    const t = tr(step.context);
    let record: CaseRecord | null;
    try {
      record = (await this.deps.cases.getForOwner(reference, await this.owner(step.context))) ?? (await this.byOrderNumber(step.context, reference));
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'case lookup failed');
      await step.context.sendActivity(t('status:unavailable'));
      return step.endDialog();
    }
    if (!record) {
      // Someone else's case is answered exactly like an unknown reference.
      await step.context.sendActivity(t('status:notFound', { reference }));
      const misses = (step.options.misses ?? 0) + 1;
      if (misses >= MAX_MISSES) return step.endDialog();
      return step.replaceDialog(FLOW, { misses } satisfies StatusOptions);
    }
    await step.context.sendActivity(describeCase(step.context, record, this.deps.timeZone));
    return step.endDialog();
  }

  /**
   * A customer who is not signed in (a new tab, another device) proves the request is theirs with
   * the reference and the order number it was made for, in the same message. Anything else is
   * answered exactly like an unknown reference.
   */
  private async byOrderNumber(context: TurnContext, reference: string): Promise<CaseRecord | null> {
    const order = findOrderNumberInText(context.activity.text ?? '');
    if (!order) return null;
    const record = await this.deps.cases.get(reference);
    const madeFor = [record?.facts.claims.orderNumber, record?.facts.order?.id].filter(Boolean);
    return record && madeFor.includes(order) ? record : null;
  }

  private async owner(context: TurnContext): Promise<CaseOwner> {
    const a = context.activity;
    let accountId: string | undefined;
    try {
      accountId = (await findUserAccount(this.deps.services.accounts, a))?.id;
    } catch {
      accountId = undefined;
    }
    return { channelId: a.channelId, userId: a.from?.id ?? 'unknown', ...(accountId ? { accountId } : {}) };
  }
}

/** One case, as its owner reads it. */
export function describeCase(context: TurnContext, c: CaseRecord, timeZone: string): string {
  const t = tr(context);
  const lang = turnLanguage(context);
  const lines = [
    t('status:detail', {
      reference: c.reference,
      topic: t(`status:topics.${c.topic}`),
      date: formatDate(c.createdAt, lang, timeZone),
      status: t(`status:statuses.${c.status}`),
    }),
    t('status:decision', { outcome: t(`status:outcomes.${c.decision.outcome}`) }),
    t('status:lastUpdate', { date: formatDate(c.updatedAt, lang, timeZone) }),
  ];
  return lines.join('\n');
}
