/*
 * Slots every topic can use: the order (looked up through the orders port, asked again twice when
 * unknown) and the proof (file checked and stored, or a payment reference, or skipped when optional).
 */
import { formatMoney } from '../../src/i18n';
import { supportsAdaptiveCards as supportsCards } from '../cards/channel';
import { findUserAccount } from '../identity';
import { msg } from '../prompts/message';
import type { ProofSlot } from '../slots/types';
import type { BaseSlots, SlotCtx, SlotSpec } from './spec';

/** An order number is looked up this many times before the request goes to review (R3). */
export const MAX_ORDER_LOOKUPS = 3;

export interface OrderSlotOptions<S extends BaseSlots> {
  /** Locale key of the question (default `refund:ask.order`). */
  prompt?: string;
  /** Offer "fill in a form instead" with the question (topics with a form, on card channels). */
  formOffer?: boolean;
  /** After the lookup: the topic's own check of the order (e.g. refund drops a reason that does not fit it). */
  after?(c: SlotCtx<S>): void | Promise<void>;
}

export function orderSlot<S extends BaseSlots>(o: OrderSlotOptions<S> = {}): SlotSpec<S> {
  return {
    name: 'order',
    ask: ({ state, context }) => {
      const order = state.slots.order;
      if (order?.lookup === 'pending') return { kind: 'known', value: order.number };
      if (order) return undefined;
      const cards = o.formOffer && supportsCards(context.activity.channelId);
      return {
        kind: 'slot',
        spec: {
          parser: 'order',
          prompt: msg(o.prompt ?? 'refund:ask.order'),
          retryKey: 'refund:retry.order',
          suggestions: cards ? [{ title: msg('refund:form.offer'), value: msg('refund:form.offer') }] : undefined,
        },
      };
    },
    accept: async (c, value) => {
      await lookUpOrder(c, value as string);
      await o.after?.(c);
    },
    clear: (state) => {
      delete state.slots.order;
      delete state.order;
      state.unknownOrders = 0;
    },
  };
}

/** Looks the order up and says what was found; unknown twice more asks again, then goes on for review. */
async function lookUpOrder<S extends BaseSlots>({ context, state, deps, t, lang }: SlotCtx<S>, number: string): Promise<void> {
  try {
    let accountId: string | undefined;
    try {
      accountId = (await findUserAccount(deps.services.accounts, context.activity))?.id;
    } catch (err) {
      deps.logger.warn({ err: (err as Error).message }, 'account lookup failed');
    }
    const order = await deps.services.orders.findOrder(number, { accountId });
    if (order) {
      state.order = order;
      state.slots.order = { number: order.facts.id, lookup: 'found' };
      await context.sendActivity(
        // Described in the user's language from the facts; the service's own label may be in any language.
        t('refund:order.found', {
          order: order.facts.id,
          what: t(`refund:order.serviceType.${order.facts.serviceType}`),
          amount: formatMoney(order.facts.amountPaid.minor, order.facts.amountPaid.currency, lang),
        }),
      );
      return;
    }
    state.unknownOrders += 1;
    delete state.order;
    if (state.unknownOrders < MAX_ORDER_LOOKUPS) {
      // "Please check the number": asked again, twice, before the request goes to review.
      await context.sendActivity(t('refund:order.unknown', { order: number }));
      delete state.slots.order;
      return;
    }
    state.slots.order = { number, lookup: 'unknown' };
    await context.sendActivity(t('refund:order.unknownFinal', { order: number }));
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message }, 'order lookup failed');
    delete state.order;
    state.slots.order = { number, lookup: 'unavailable' };
    await context.sendActivity(t('refund:order.unavailable', { order: number }));
  }
}

export interface ProofSlotOptions<S extends BaseSlots> {
  /** Whether the customer may go on without a proof. */
  optional(c: SlotCtx<S>): boolean;
  /** Locale keys of the question, optional and required (default refund's). */
  prompts?: { optional: string; required: string };
  /** Ask only when this holds (default always). */
  when?(c: SlotCtx<S>): boolean;
}

/** A screenshot or PDF (downloaded, checked, stored), a payment reference, or "skip" when optional. */
export function proofSlot<S extends BaseSlots>(o: ProofSlotOptions<S>): SlotSpec<S> {
  return {
    name: 'proof',
    ask: (c) => {
      if (c.state.slots.proof || (o.when && !o.when(c))) return undefined;
      const optional = o.optional(c);
      return {
        kind: 'slot',
        spec: {
          parser: 'proof',
          prompt: msg(optional ? (o.prompts?.optional ?? 'refund:ask.proofOptional') : (o.prompts?.required ?? 'refund:ask.proofRequired')),
          retryKey: 'refund:retry.proof',
          params: { optional },
        },
      };
    },
    accept: async ({ context, state, t }, value) => {
      const proof = value as ProofSlot;
      if (proof.kind === 'reference') await context.sendActivity(t('refund:proof.reference', { reference: proof.reference }));
      if (proof.kind === 'skipped') await context.sendActivity(t('refund:proof.skipped'));
      state.slots.proof = proof;
    },
  };
}

/** A yes / no question as buttons; `accept` gets `'yes'` or `'no'`. */
export function yesNoQuestion(prompt: string, args?: Record<string, unknown>) {
  return {
    kind: 'choice' as const,
    prompt: msg(prompt, args),
    retry: msg(prompt, args),
    choices: [
      { value: 'yes', label: msg('refund:yes'), intent: 'yes' as const },
      { value: 'no', label: msg('refund:no'), intent: 'no' as const },
    ],
  };
}
