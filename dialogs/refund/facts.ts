import { caseFactsSchema, type CaseFacts } from '../../src/eligibility';
import type { Account, Order } from '../../src/services/ports';
import type { RefundSlots } from '../slots/types';

export interface FactsInput {
  slots: RefundSlots;
  /** The order the port returned; null or absent when unknown. */
  order: Order | null | undefined;
  /** The verified account; null when the user is anonymous or unknown. */
  account: Account | null | undefined;
  /**
   * Risk flags of the account that owns the order, when the user has no verified account but the
   * order service still let them see the order (the demo does; the HTTP adapters refuse anonymous
   * lookups). They are facts about the order, so R6.5 / B11 still apply; the tier stays standard,
   * since priority comes only from a verified identity.
   */
  ownerRisk?: { fraudFlag: boolean; openChargeback: boolean } | null;
  now: Date;
  /** The user declined the R7 alternative and still wants money back. */
  insistsOnRefund?: boolean;
  /** Earlier requests recorded for this order, from the case history (B10, B11). */
  requestHistory?: { earlierRequests: number; compensatedRequests: number };
}

/** The engine's input for a refund request, from what the dialog collected and the ports said. */
export function refundFacts(input: FactsInput): CaseFacts {
  const { slots, order, account, ownerRisk } = input;
  const proof = slots.proof;
  return caseFactsSchema.parse({
    topic: 'refund',
    now: input.now.toISOString(),
    order: order ? order.facts : null,
    account: account
      ? { id: account.id, tier: account.tier, fraudFlag: account.fraudFlag, openChargeback: account.openChargeback }
      : ownerRisk
        ? { tier: 'standard', fraudFlag: ownerRisk.fraudFlag, openChargeback: ownerRisk.openChargeback }
        : null,
    claims: {
      ...(slots.order ? { orderNumber: slots.order.number } : {}),
      ...(slots.amount ? { amount: slots.amount } : {}),
      ...(slots.reason ? { reason: slots.reason } : {}),
      ...(input.insistsOnRefund ? { insistsOnRefund: true } : {}),
    },
    proof: {
      ...(proof?.kind === 'file' ? { screenshot: true } : proof?.kind === 'reference' ? { paymentReference: proof.reference } : {}),
      ...(slots.link ? { link: slots.link } : {}),
    },
    ...(input.requestHistory && input.requestHistory.earlierRequests > 0 ? { requestHistory: input.requestHistory } : {}),
  });
}
