/*
 * The refund and cancellation topic (POLICY.md section R, or B with the balance-only profile) as a
 * description for dialogs/request: order, amount (confirmed against the order), reason, link,
 * proof; the engine's refund facts; the refund answer. Its own conclusion (R7 ad change, Pro
 * agent) is in refundDialog.ts.
 */
import { formatMoney } from '../../src/i18n';
import { REFUND_REASONS, type Money, type RefundReason } from '../../src/eligibility';
import { CONFIDENT } from '../../src/nlu/types';
import type { TopicDeps } from './deps';
import { msg } from '../prompts/message';
import { extractFacts } from '../slots/extract';
import type { AmountCheck } from '../slots/amount';
import { parseRefundForm, isRefundFormSubmit } from '../slots/formSubmission';
import { reasonsFor } from '../slots/reason';
import { needsLink, proofIsOptional } from '../slots/requirements';
import { SLOT_FIELDS, type CorrectableField, type RefundSlots } from '../slots/types';
import { refundFormCard } from '../cards/form';
import { orderSlot, proofSlot } from '../request/slots';
import type { RequestState, SlotSpec, SummaryLine, TopicSpec } from '../request/spec';
import { composeAnswer } from './answer';
import { refundFacts } from './facts';

type State = RequestState<RefundSlots>;

/** The amount on record and the one the customer gave differ (twice the amount is a double payment, not a difference). */
function amountDiffers(state: State): boolean {
  const recorded = state.order?.facts.amountPaid;
  const claimed = state.slots.amount;
  return !!recorded && !!claimed && (recorded.currency !== claimed.currency || (recorded.minor !== claimed.minor && claimed.minor !== 2 * recorded.minor));
}

/** Said once per pair of amounts (a corrected amount that still differs is said again). */
const differsKey = (state: State) =>
  `differs:${state.order?.facts.amountPaid.minor}${state.order?.facts.amountPaid.currency}:${state.slots.amount?.minor}${state.slots.amount?.currency}`;

/** Where a shop purchase goes instead of a refund (when those topics exist). */
const SHOP_TOPICS = ['payment', 'dispute'] as const;

function slots(deps: TopicDeps): SlotSpec<RefundSlots>[] {
  const order = orderSlot<RefundSlots>({
      formOffer: true,
      // Reasons fit the order: one said in the first message that cannot apply to it is asked again.
      after: ({ state }) => {
        if (state.order && state.slots.reason && !reasonsFor(deps.profile, state.order.facts.serviceType).includes(state.slots.reason)) {
          delete state.slots.reason;
          delete state.slots.reasonText;
        }
      },
  });
  return [
    {
      ...order,
      clear: (state) => {
        order.clear?.(state);
        delete state.flags.shopAsked;
      },
    },
    {
      // A shop purchase: a refund is not the way; the payment or the purchase has its own topic (facts kept).
      name: 'shopTopic',
      ask: ({ state }) => {
        if (state.order?.facts.serviceType !== 'merchant_purchase' || state.flags.shopAsked) return undefined;
        const ids = deps.topicIds ?? [];
        const targets = SHOP_TOPICS.filter((x) => ids.includes(x));
        if (!targets.length) return undefined;
        const choices = [...targets, 'refund' as const].map((x) => ({ value: x, label: msg(`refund:shop.${x}`) }));
        return { kind: 'choice', prompt: msg('refund:shop.ask'), retry: msg('refund:shop.ask'), choices };
      },
      accept: ({ state }, value) => {
        state.flags.shopAsked = true;
        return value === 'payment' || value === 'dispute' ? { switchTo: value } : undefined;
      },
      clear: (state) => {
        delete state.flags.shopAsked;
      },
    },
    {
      // The order is known: show the amount on record and ask to confirm it, rather than asking from nothing.
      name: 'amountCheck',
      ask: ({ state }) => {
        if (state.slots.amount || !state.order || state.flags.askAmount) return undefined;
        const paid = state.order.facts.amountPaid;
        const amount = { minor: paid.minor, currency: paid.currency };
        return {
          kind: 'slot',
          spec: {
            parser: 'amountCheck',
            prompt: msg('refund:amountCheck.ask', { amount }),
            retryKey: 'refund:amountCheck.retry',
            params: { currency: paid.currency, amount },
            suggestions: [
              { title: msg('refund:amountCheck.yes'), value: msg('refund:amountCheck.yes') },
              { title: msg('refund:amountCheck.other'), value: msg('refund:amountCheck.other') },
            ],
          },
        };
      },
      accept: ({ state }, value) => {
        const check = value as AmountCheck;
        if (check.kind === 'amount') state.slots.amount = check.amount;
        else if (check.kind === 'confirm' && state.order) state.slots.amount = state.order.facts.amountPaid;
        else state.flags.askAmount = true;
      },
    },
    {
      name: 'amount',
      ask: ({ state }) =>
        state.slots.amount
          ? undefined
          : { kind: 'slot', spec: { parser: 'amount', prompt: msg('refund:ask.amount'), retryKey: 'refund:retry.amount', params: { currency: state.order?.facts.amountPaid.currency ?? 'EUR' } } },
      accept: ({ state }, value) => {
        state.slots.amount = value as Money;
      },
      clear: (state) => {
        delete state.slots.amount;
        state.flags.askAmount = true;
      },
    },
    {
      // Said plainly once the amount and the order are both known; the engine sends the difference to review.
      name: 'amountDiffers',
      ask: ({ state }) => (amountDiffers(state) && !state.flags[differsKey(state)] ? { kind: 'known', value: true } : undefined),
      accept: async ({ context, state, t, lang }) => {
        const recorded = state.order!.facts.amountPaid;
        const claimed = state.slots.amount!;
        state.flags[differsKey(state)] = true;
        await context.sendActivity(
          t('refund:amountCheck.differs', { recorded: formatMoney(recorded.minor, recorded.currency, lang), claimed: formatMoney(claimed.minor, claimed.currency, lang) }),
        );
      },
    },
    {
      name: 'reason',
      ask: ({ state }) =>
        state.slots.reason
          ? undefined
          : {
              kind: 'choice',
              prompt: msg('refund:ask.reason'),
              retry: msg('refund:retry.reason'),
              choices: reasonsFor(deps.profile, state.order?.facts.serviceType).map((r) => ({ value: r, label: msg(`refund:reasons.${r}.label`) })),
              reasons: true,
            },
      accept: ({ state }, value) => {
        state.slots.reason = value as RefundReason;
        if (state.slots.reason !== 'other') delete state.slots.reasonText;
      },
      clear: (state) => {
        delete state.slots.reason;
        delete state.slots.reasonText;
      },
    },
    {
      name: 'reasonText',
      ask: ({ state }) =>
        state.slots.reason === 'other' && !state.slots.reasonText
          ? { kind: 'slot', spec: { parser: 'reasonText', prompt: msg('refund:ask.otherReason'), retryKey: 'refund:retry.otherReason', params: { max: 500 } } }
          : undefined,
      accept: ({ state }, value) => {
        if (typeof value === 'string' && value) state.slots.reasonText = value;
      },
    },
    {
      name: 'link',
      ask: ({ state }) =>
        needsLink(deps.profile, state.order?.facts.serviceType) && !state.slots.link
          ? { kind: 'slot', spec: { parser: 'link', prompt: msg('refund:ask.link'), retryKey: 'refund:retry.link' } }
          : undefined,
      accept: ({ state }, value) => {
        if (typeof value === 'string' && value) state.slots.link = value;
      },
    },
    proofSlot<RefundSlots>({ optional: () => proofIsOptional(deps.profile) }),
  ];
}

/** The four fields (and the link when it was asked) as the customer reads them. */
export function refundSummary(t: (k: string, o?: Record<string, unknown>) => string, lang: 'en' | 'fr', state: State): SummaryLine[] {
  const s = state.slots;
  const value = (field: CorrectableField): string => {
    switch (field) {
      case 'order': {
        const o = s.order;
        if (!o) return '—';
        if (o.lookup === 'unknown') return t('refund:summary.orderUnknown', { order: o.number });
        if (o.lookup === 'unavailable') return t('refund:summary.orderUnchecked', { order: o.number });
        return o.number;
      }
      case 'amount':
        return s.amount ? formatMoney(s.amount.minor, s.amount.currency, lang) : '—';
      case 'reason': {
        if (!s.reason) return '—';
        const label = t(`refund:reasons.${s.reason}.label`);
        return s.reason === 'other' && s.reasonText ? `${label}${lang === 'fr' ? '\u202f: ' : ': '}${s.reasonText}` : label;
      }
      case 'proof': {
        const p = s.proof;
        if (!p || p.kind === 'skipped') return t('refund:summary.proofSkipped');
        if (p.kind === 'file') return t('refund:summary.proofFile', { name: p.meta.name });
        return t('refund:summary.proofReference', { reference: p.reference });
      }
      case 'link':
        return s.link ?? '—';
    }
  };
  const fields: CorrectableField[] = s.link ? [...SLOT_FIELDS, 'link'] : [...SLOT_FIELDS];
  return fields.map((field) => ({ field, label: t(`refund:summary.${field}`), value: value(field) }));
}

export function refundTopic(deps: TopicDeps): TopicSpec<RefundSlots> {
  return {
    id: 'refund',
    caseTopic: 'refund',
    ns: 'refund',
    fill: async (text, { lang }) => {
      const stated = await deps.nlu.reason(text, lang);
      const reason = stated && stated.score >= CONFIDENT && (REFUND_REASONS as readonly string[]).includes(stated.name) ? (stated.name as RefundReason) : undefined;
      const facts = extractFacts(text, lang, reason);
      const s: RefundSlots = {};
      if (facts.orderNumber) s.order = { number: facts.orderNumber, lookup: 'pending' };
      if (facts.amount) s.amount = facts.amount;
      if (facts.reason) s.reason = facts.reason;
      return s;
    },
    noted: (t, lang, s) => [
      ...(s.order ? [t('refund:notedOrder', { order: s.order.number })] : []),
      ...(s.amount ? [t('refund:notedAmount', { amount: formatMoney(s.amount.minor, s.amount.currency, lang) })] : []),
      ...(s.reason ? [t('refund:notedReason', { reason: t(`refund:reasons.${s.reason}.label`) })] : []),
    ],
    slots: slots(deps),
    summary: (t, lang, state) => refundSummary(t as never, lang, state),
    facts: ({ state, account, ownerRisk, now, requestHistory, extra }) =>
      refundFacts({ slots: state.slots, order: state.order, account, ownerRisk, now, requestHistory, insistsOnRefund: extra?.insistsOnRefund === true }),
    answer: (decision, { t, lang, timeZone, state, reference, handoff }) =>
      composeAnswer(decision, { t, lang, timeZone }, { reference, recorded: state.order?.facts.amountPaid, claimed: state.slots.amount, ...(handoff ? { handoff } : {}) }),
    notes: (state) => (state.slots.reason === 'other' && state.slots.reasonText ? [`reason (other): ${state.slots.reasonText}`] : []),
    form: {
      card: (t, state, card) => refundFormCard(t, reasonsFor(deps.profile, state?.order?.facts.serviceType), card),
      isSubmit: isRefundFormSubmit,
      apply: (value, lang, next) => {
        const currency = next.order?.facts.amountPaid.currency ?? 'EUR';
        const form = parseRefundForm(value, lang, currency);
        if (!form) return undefined;
        const s = next.slots;
        if (form.slots.orderNumber && form.slots.orderNumber !== s.order?.number) {
          s.order = { number: form.slots.orderNumber, lookup: 'pending' };
          delete next.order;
          next.unknownOrders = 0;
        }
        if (form.slots.amount) s.amount = form.slots.amount;
        if (form.slots.reason) {
          if (form.slots.reason !== s.reason) delete s.reasonText;
          s.reason = form.slots.reason;
        }
        if (form.slots.proof) s.proof = form.slots.proof;
        for (const e of form.errors) {
          if (e.field === 'amount') {
            delete s.amount;
            next.flags.askAmount = true;
          } else delete s[e.field];
        }
        return { state: next, invalid: form.errors.map((e) => e.field) };
      },
    },
  };
}
