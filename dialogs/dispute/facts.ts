import { caseFactsSchema, type CaseFacts } from '../../src/eligibility';
import type { Account, Order } from '../../src/services/ports';
import type { Contact, Problem } from './choices';

/** What the dispute conversation collected (besides the order and its lookup). */
export interface DisputeClaims {
  orderNumber?: string;
  problem?: Problem;
  contact?: Contact;
}

export interface DisputeFactsInput {
  claims: DisputeClaims;
  /** The order the port returned; null or absent when unknown. */
  order: Order | null | undefined;
  /** The verified account; null when anonymous or unknown. */
  account: Account | null | undefined;
  /** Risk flags of the order's owner when the asker is anonymous (as in refund/facts.ts). */
  ownerRisk?: { fraudFlag: boolean; openChargeback: boolean } | null;
  now: Date;
}

/** The engine's input for a dispute with a merchant (POLICY.md D), from what was collected. */
export function disputeFacts({ claims, order, account, ownerRisk, now }: DisputeFactsInput): CaseFacts {
  return caseFactsSchema.parse({
    topic: 'dispute',
    now: now.toISOString(),
    order: order ? order.facts : null,
    account: account
      ? { id: account.id, tier: account.tier, fraudFlag: account.fraudFlag, openChargeback: account.openChargeback }
      : ownerRisk
        ? { tier: 'standard', fraudFlag: ownerRisk.fraudFlag, openChargeback: ownerRisk.openChargeback }
        : null,
    claims: {
      ...(claims.orderNumber ? { orderNumber: claims.orderNumber } : {}),
      ...(claims.problem ? { problem: claims.problem } : {}),
      ...(claims.contact ? { merchantContact: claims.contact } : {}),
    },
    proof: {},
  });
}
