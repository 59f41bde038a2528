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

/** One case, as its owner reads it: what it is, where it stands, and what happens next. */
export function describeCase(context: TurnContext, c: CaseRecord, timeZone: string): string {
  const t = tr(context);
  const lang = turnLanguage(context);
  const next = nextStep(c, (key, vars) => t(key, vars), (iso) => formatDate(iso, lang, timeZone));
  const lines = [
    t('status:detail', {
      reference: c.reference,
      topic: t(`status:topics.${c.topic}`),
      date: formatDate(c.createdAt, lang, timeZone),
      status: t(`status:statuses.${c.status}`),
    }),
    // The engine's first answer reads well for refunds; the other topics say what happens next.
    next ?? t('status:decision', { outcome: t(`status:outcomes.${c.decision.outcome}`) }),
    t('status:lastUpdate', { date: formatDate(c.updatedAt, lang, timeZone) }),
  ];
  return lines.join('\n');
}

/**
 * The plain-words "what now" of a payment report (its invoice) or a dispute (its merchant), from the
 * facts on the case; `undefined` when there is nothing more to say than the first answer.
 */
export function nextStep(
  c: CaseRecord,
  t: (key: string, vars?: Record<string, string>) => string,
  date: (iso: string) => string,
): string | undefined {
  if (c.topic === 'payment_not_received') {
    if (!c.invoice) return undefined;
    return t(`status:next.invoice.${c.invoice.pause}`, { invoice: c.invoice.invoiceId });
  }
  if (c.topic !== 'dispute') return undefined;
  const d = c.dispute ?? {};
  const merchant = d.merchantName ?? c.facts.order?.id ?? '';
  switch (c.status) {
    case 'open':
      if (d.merchantAnsweredAt) return t('status:next.dispute.merchantAnswered', { merchant, date: date(d.merchantAnsweredAt) });
      return c.decision.outcome === 'contact_merchant_first' ? t('status:next.dispute.contactMerchant', { merchant }) : undefined;
    case 'waiting_merchant':
      return d.merchantDeadline ? t('status:next.dispute.waitingMerchant', { merchant, date: date(d.merchantDeadline) }) : undefined;
    case 'platform_review':
      if (d.deadlinePassedAt) return t('status:next.dispute.merchantSilent', { merchant });
      return c.decision.timeline?.kind === 'same_day' ? t('status:next.dispute.paymentSameDay') : t('status:next.dispute.platform');
    case 'resolved':
      return t('status:next.dispute.resolved');
    default:
      return undefined;
  }
}
