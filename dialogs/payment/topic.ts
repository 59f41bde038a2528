/*
 * "My payment isn't showing" (POLICY.md section P) as a description for dialogs/request: which
 * purchase, when and how the customer paid; before 72 hours the answer is the date and time from
 * which they can report; after, the three checks (P3), then the proof (P5) and the report (P4).
 * The engine (src/eligibility/paymentNotReceived.ts) decides; the invoice pause is in paymentDialog.ts.
 */
import { caseFactsSchema } from '../../src/eligibility';
import { PREFILL } from '../../src/nlu/types';
import { findOrderNumberInText } from '../../src/services/orderNumber';
import type { TopicDeps } from '../refund/deps';
import { msg } from '../prompts/message';
import { findUserAccount } from '../identity';
import { parsePaymentDate } from '../slots/paidAt';
import { orderSlot, proofSlot, yesNoQuestion } from '../request/slots';
import type { RequestState, SlotSpec, SummaryLine, TopicSpec } from '../request/spec';
import { composePaymentAnswer, formatPaidAt } from './answer';
import type { PaymentSlots } from './slots';

type State = RequestState<PaymentSlots>;

/** How the customer paid, as buttons: the engine's methods. */
export const PAYMENT_CHOICES = ['card', 'bank_transfer'] as const;
const isPaymentMethod = (v: string): v is (typeof PAYMENT_CHOICES)[number] => (PAYMENT_CHOICES as readonly string[]).includes(v);
/** The recogniser's model of how the customer paid (`slots.paymentMethod` of the corpora). */
const METHOD_MODEL = 'paymentMethod';

/** A date said without a time stays a calendar date (the engine counts from the start of that day). */
function paidAtValue(p: { at: string; hasTime: boolean }, timeZone: string): string {
  if (p.hasTime || p.at.length === 10) return p.at;
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(p.at));
}

/** One P3 check as a yes / no question, once the wait is over (the engine's early answers end the flow before). */
function check(name: 'debited' | 'payeeRight' | 'paidShop', prompt: string): SlotSpec<PaymentSlots> {
  return {
    name,
    ask: ({ state }) => {
      if (state.slots[name] !== undefined || !state.slots.paidAt || !state.slots.method) return undefined;
      return yesNoQuestion(prompt, { merchant: state.order?.merchantName ?? '' });
    },
    accept: ({ state }, value) => {
      state.slots[name] = value === 'yes';
    },
  };
}

function slots(deps: TopicDeps): SlotSpec<PaymentSlots>[] {
  return [
    orderSlot<PaymentSlots>({
      prompt: 'payment:ask.order',
      // The invoice of the purchase: its due date says whether a reminder may come (P2), and the report pauses it (P4).
      after: async ({ state, context }) => {
        delete state.slots.invoice;
        if (!state.order) return;
        try {
          const account = await findUserAccount(deps.services.accounts, context.activity).catch(() => null);
          const invoice = await deps.services.invoices.findForOrder(state.order.facts.id, { accountId: account?.id });
          if (invoice) state.slots.invoice = { id: invoice.id, dueDate: invoice.dueDate, status: invoice.status, amountDue: invoice.amountDue };
        } catch (err) {
          deps.logger.warn({ err: (err as Error).message }, 'invoice lookup failed');
        }
      },
    }),
    {
      name: 'paidAt',
      ask: ({ state }) =>
        state.slots.paidAt
          ? undefined
          : {
              kind: 'slot',
              spec: { parser: 'paidAt', prompt: msg('payment:ask.paidAt'), retryKey: 'payment:retry.paidAt', params: { now: deps.now().toISOString(), timeZone: deps.timeZone } },
            },
      accept: ({ state }, value) => {
        state.slots.paidAt = value as { at: string; hasTime: boolean };
      },
    },
    {
      name: 'method',
      ask: ({ state }) =>
        state.slots.method
          ? undefined
          : {
              kind: 'choice',
              prompt: msg('payment:ask.method'),
              retry: msg('payment:retry.method'),
              choices: PAYMENT_CHOICES.map((m) => ({ value: m, label: msg(`payment:method.${m}`) })),
              // "in the app", "carte", "virement sepa": read by the recogniser's payment method model.
              slotModel: METHOD_MODEL,
            },
      accept: ({ state }, value) => {
        state.slots.method = value as PaymentSlots['method'];
      },
    },
    check('debited', 'payment:ask.debited'),
    check('payeeRight', 'payment:ask.payeeRight'),
    check('paidShop', 'payment:ask.paidShop'),
    // P5: the report needs a proof of payment.
    proofSlot<PaymentSlots>({ optional: () => false, prompts: { optional: 'payment:ask.proof', required: 'payment:ask.proof' } }),
  ];
}

export function paymentSummary(t: (k: string, o?: Record<string, unknown>) => string, lang: 'en' | 'fr', state: State, timeZone: string): SummaryLine[] {
  const s = state.slots;
  const order = !s.order
    ? '—'
    : s.order.lookup === 'unknown'
      ? t('refund:summary.orderUnknown', { order: s.order.number })
      : s.order.lookup === 'unavailable'
        ? t('refund:summary.orderUnchecked', { order: s.order.number })
        : s.order.number;
  const proof = !s.proof || s.proof.kind === 'skipped' ? t('refund:summary.proofSkipped') : s.proof.kind === 'file' ? t('refund:summary.proofFile', { name: s.proof.meta.name }) : t('refund:summary.proofReference', { reference: s.proof.reference });
  return [
    { field: 'order', label: t('payment:summary.order'), value: order },
    { field: 'paidAt', label: t('payment:summary.paidAt'), value: s.paidAt ? formatPaidAt(s.paidAt, lang, timeZone) : '—' },
    { field: 'method', label: t('payment:summary.method'), value: s.method ? t(`payment:method.${s.method}`) : '—' },
    { field: 'proof', label: t('payment:summary.proof'), value: proof },
  ];
}

export function paymentTopic(deps: TopicDeps): TopicSpec<PaymentSlots> {
  return {
    id: 'payment',
    caseTopic: 'payment_not_received',
    ns: 'payment',
    fill: async (text, { lang }) => {
      const s: PaymentSlots = {};
      const order = findOrderNumberInText(text);
      if (order) s.order = { number: order, lookup: 'pending' };
      // The order number is not a date: read the date in the rest.
      const rest = order ? text.replace(/#?[A-Za-z]{2}[\s\-_.]?\d{3}\s?\d{3}/g, ' ') : text;
      const now = deps.now();
      const date = parsePaymentDate(rest, lang, now, deps.timeZone);
      if (date.ok && Date.parse(date.value) <= now.getTime() + 60_000) s.paidAt = { at: date.value, hasTime: date.hasTime };
      // "by card", "virement sepa": the recogniser's payment method model, as the method question reads it.
      const method = await deps.nlu.slot(METHOD_MODEL, rest, lang);
      if (method.score >= PREFILL && isPaymentMethod(method.name)) s.method = method.name;
      return s;
    },
    noted: (t, lang, s) => [
      ...(s.order ? [t('refund:notedOrder', { order: s.order.number })] : []),
      ...(s.paidAt ? [t('payment:notedPaidAt', { date: formatPaidAt(s.paidAt, lang, deps.timeZone) })] : []),
      ...(s.method ? [t(`payment:notedMethod.${s.method}`)] : []),
    ],
    slots: slots(deps),
    settle: async (c, kit) => {
      const { state } = c;
      // The engine answers once it knows the purchase, when and how: too early, or one of the checks says no.
      if (!state.order || !state.slots.paidAt || !state.slots.method) return undefined;
      const assessment = await kit.assess(c.context, state);
      const { outcome, clauses } = assessment.decision;
      if (outcome === 'wait' || outcome === 'refusal' || outcome === 'contact_merchant_first') return { assessment };
      // The record says the payment is registered: nothing to report, the team checks it (P1).
      if (state.order.facts.paymentRegistered === true && outcome === 'needs_review' && clauses.includes('P1')) return { assessment, record: true };
      return undefined;
    },
    summary: (t, lang, state) => paymentSummary(t as never, lang, state, deps.timeZone),
    facts: ({ state, account, ownerRisk, now }) => {
      const s = state.slots;
      const proof = s.proof;
      return caseFactsSchema.parse({
        topic: 'payment_not_received',
        now: now.toISOString(),
        order: state.order ? state.order.facts : null,
        account: account
          ? { id: account.id, tier: account.tier, fraudFlag: account.fraudFlag, openChargeback: account.openChargeback }
          : ownerRisk
            ? { tier: 'standard', ...ownerRisk }
            : null,
        claims: {
          ...(s.order ? { orderNumber: s.order.number } : {}),
          ...(s.paidAt ? { paidAt: paidAtValue(s.paidAt, deps.timeZone) } : {}),
          ...(s.method ? { paymentMethod: s.method } : {}),
          ...(s.debited !== undefined ? { amountDebited: s.debited } : {}),
          ...(s.payeeRight !== undefined ? { payeeDetailsCorrect: s.payeeRight } : {}),
          ...(s.paidShop !== undefined ? { paidMerchantDirectly: s.paidShop } : {}),
        },
        proof: proof?.kind === 'file' ? { screenshot: true } : proof?.kind === 'reference' ? { paymentReference: proof.reference } : {},
      });
    },
    answer: (decision, { t, lang, timeZone, state, reference }) => composePaymentAnswer(decision, { t, lang, timeZone }, state, reference),
    notes: (state) => {
      const p = state.slots.pause;
      return p ? [`invoice ${p.invoiceId ?? '?'}: ${p.result}`] : [];
    },
  };
}
