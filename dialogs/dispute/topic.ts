/*
 * The dispute with a merchant (POLICY.md section D) as a description for dialogs/request: the
 * purchase (a shop order), what went wrong (D1), how it went with the merchant (D2); the engine's
 * dispute facts; the answer. What is its own (the D2 message to copy, the case kept for the
 * customer's return, D4/D5, closing from the chat) is in disputeDialog.ts.
 */
import { PREFILL } from '../../src/nlu/types';
import { findOrderNumberInText } from '../../src/services/orderNumber';
import { msg } from '../prompts/message';
import type { TopicDeps } from '../refund/deps';
import { orderSlot } from '../request/slots';
import type { BaseSlots, RequestState, SlotSpec, SummaryLine, TopicSpec } from '../request/spec';
import { disputeAnswer } from './answer';
import { CONTACT_MODEL, contactChoices, isContact, isProblem, PROBLEM_MODEL, problemChoices, type Contact, type Problem } from './choices';
import { disputeFacts } from './facts';
import { merchantName } from './merchantMessage';

export interface DisputeSlots extends BaseSlots {
  problem?: Problem;
  contact?: Contact;
}

export type DisputeState = RequestState<DisputeSlots>;

function slots(): SlotSpec<DisputeSlots>[] {
  return [
    orderSlot<DisputeSlots>({
      prompt: 'dispute:ask.order',
      // A dispute is about a shop purchase: another kind of order has no merchant to contact.
      after: async ({ state, context, t }) => {
        if (state.order && state.order.facts.serviceType !== 'merchant_purchase') {
          await context.sendActivity(t('dispute:order.notShop', { order: state.order.facts.id }));
          delete state.order;
          delete state.slots.order;
        }
      },
    }),
    {
      name: 'problem',
      ask: ({ state }) =>
        state.slots.problem
          ? undefined
          : { kind: 'choice', prompt: msg('dispute:ask.problem'), retry: msg('dispute:retry.problem'), choices: problemChoices(), slotModel: PROBLEM_MODEL },
      accept: ({ state }, value) => {
        if (isProblem(value)) state.slots.problem = value;
      },
    },
    {
      name: 'contact',
      ask: ({ state, t }) => {
        if (state.slots.contact) return undefined;
        const merchant = merchantName(t, state.order);
        return {
          kind: 'choice',
          prompt: msg('dispute:ask.contact', { merchant }),
          retry: msg('dispute:retry.contact', { merchant }),
          choices: contactChoices(),
          slotModel: CONTACT_MODEL,
        };
      },
      accept: ({ state }, value) => {
        if (isContact(value)) state.slots.contact = value;
      },
    },
  ];
}

export function disputeTopic(deps: TopicDeps): TopicSpec<DisputeSlots> {
  return {
    id: 'dispute',
    caseTopic: 'dispute',
    ns: 'dispute',
    /** One-message fill: the order number, and what the recogniser reads of the problem and the merchant. */
    fill: async (text, { lang }) => {
      const out: DisputeSlots = {};
      const number = findOrderNumberInText(text);
      if (number) out.order = { number, lookup: 'pending' };
      const [problem, contact] = await Promise.all([deps.nlu.slot(PROBLEM_MODEL, text, lang), deps.nlu.slot(CONTACT_MODEL, text, lang)]);
      if (problem.score >= PREFILL && isProblem(problem.name)) out.problem = problem.name;
      if (contact.score >= PREFILL && isContact(contact.name)) out.contact = contact.name;
      return out;
    },
    noted: (t, _lang, s) => [
      ...(s.order ? [t('dispute:notedOrder', { order: s.order.number })] : []),
      ...(s.problem ? [t('dispute:notedProblem', { problem: t(`dispute:problems.${s.problem}.label`) })] : []),
      ...(s.contact ? [t('dispute:notedContact', { contact: t(`dispute:contacts.${s.contact}.label`) })] : []),
    ],
    slots: slots(),
    summary: (t, _lang, state): SummaryLine[] => {
      const s = state.slots;
      const order = s.order
        ? s.order.lookup === 'unknown' || s.order.lookup === 'unavailable'
          ? t('dispute:summary.orderUnknown', { order: s.order.number })
          : s.order.number
        : '';
      return [
        { field: 'order', label: t('dispute:summary.order'), value: order },
        { field: 'problem', label: t('dispute:summary.problem'), value: s.problem ? t(`dispute:problems.${s.problem}.label`) : '' },
        { field: 'contact', label: t('dispute:summary.contact'), value: s.contact ? t(`dispute:contacts.${s.contact}.label`) : '' },
      ];
    },
    facts: ({ state, account, ownerRisk, now }) =>
      disputeFacts({
        claims: { orderNumber: state.slots.order?.number, problem: state.slots.problem, contact: state.slots.contact },
        order: state.order,
        account,
        ownerRisk,
        now,
      }),
    answer: (decision, c) => disputeAnswer(decision, { t: c.t, lang: c.lang, timeZone: c.timeZone, merchant: merchantName(c.t, c.state.order), ...(c.reference ? { reference: c.reference } : {}) }),
  };
}
