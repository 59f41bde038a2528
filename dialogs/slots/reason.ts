import type { Profile, RefundReason, ServiceType } from '../../src/eligibility';

/*
 * Which reasons the choice list shows: the ones that can mean something for this profile and this
 * kind of purchase (the clause each can meet is in REFUND_REASONS' table, src/eligibility/schema.ts).
 * `other` is always last and leads to free text.
 */
const STANDARD: Record<string, RefundReason[]> = {
  ad: ['paid_by_mistake', 'not_broadcast', 'results_too_low', 'technical_error', 'double_payment', 'wrong_amount', 'changed_mind'],
  top_up: ['paid_by_mistake', 'double_payment', 'technical_error', 'wrong_amount', 'changed_mind'],
  pro_account: ['paid_by_mistake', 'not_consumed', 'technical_error', 'double_payment', 'wrong_amount', 'changed_mind'],
  premium_service: ['paid_by_mistake', 'not_consumed', 'technical_error', 'double_payment', 'wrong_amount', 'changed_mind'],
  unknown: ['paid_by_mistake', 'not_broadcast', 'not_consumed', 'technical_error', 'double_payment', 'wrong_amount', 'results_too_low', 'changed_mind'],
};

const BALANCE_ONLY: Record<string, RefundReason[]> = {
  digital_service: [
    'not_delivered',
    'partial_delivery',
    'provider_cancelled',
    'service_unavailable',
    'technical_error',
    'wrong_amount',
    'duplicate_order',
    'double_payment',
    'results_too_low',
    'paid_by_mistake',
  ],
  vip_plan: ['paid_by_mistake', 'not_consumed', 'technical_error', 'service_unavailable', 'double_payment', 'wrong_amount'],
  top_up: ['double_payment', 'wrong_amount', 'technical_error', 'paid_by_mistake'],
  ad: ['paid_by_mistake', 'not_broadcast', 'results_too_low', 'technical_error', 'double_payment', 'wrong_amount'],
  unknown: [
    'not_delivered',
    'partial_delivery',
    'provider_cancelled',
    'service_unavailable',
    'technical_error',
    'wrong_amount',
    'double_payment',
    'duplicate_order',
    'paid_by_mistake',
    'not_consumed',
  ],
};

/** The reason codes to offer, `other` last. */
export function reasonsFor(profile: Profile, serviceType: ServiceType | undefined): RefundReason[] {
  const table = profile === 'balance-only' ? BALANCE_ONLY : STANDARD;
  return [...(table[serviceType ?? 'unknown'] ?? table.unknown), 'other'];
}
