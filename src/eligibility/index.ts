/**
 * Shared eligibility rules (POLICY.md sections R, P, D, B) as one pure engine.
 *
 *   const parsed = parseEligibilityInput(body);            // zod, at the boundary
 *   if (parsed.ok) evaluate(parsed.input, { timeZone: 'Europe/Paris', defaultProfile: 'standard' });
 *
 * The decision holds codes, never sentences; the chat layer translates them.
 *
 * | field              | codes                                                                       |
 * |--------------------|-----------------------------------------------------------------------------|
 * | `outcome`          | provisional_approval · refusal · needs_review · suggest_alternative · wait · |
 * |                    | contact_merchant_first · report_filed · suspended                           |
 * | `clauses`          | POLICY.md clause ids, e.g. R1.1 R2.1 R4 R5.1 · P1 P4 · D2.1 D5 · B4.2 B5 B3  |
 * | `refund`           | null, or { destination: same_card · original_method · balance,             |
 * |                    |            amount: { minor, currency } }                                    |
 * | `timeline`         | null · { kind: business_days, min, max, earliest, latest } ·                 |
 * |                    | { kind: immediate } · { kind: wait_until, date, at } · { kind: same_day, date }|
 * | `nextSteps`        | await_confirmation (R5.4) · offer_priority_agent (R8) ·                     |
 * |                    | contact_support_payments_billing (R8) · provide_missing_facts ·             |
 * |                    | agent_review · check_confirmation_email (P1) · ignore_reminder_if_paid (P2) |
 * |                    | keep_proof (P5) · provide_proof (P5) · check_bank_debit (P3.1) ·            |
 * |                    | check_payee_details (P3.2) · ask_merchant_refund (P3.3) ·                   |
 * |                    | invoice_still_due (P3) · invoice_paused (P4) · await_pause_email (P6) ·     |
 * |                    | follow_report (P6) · contact_merchant (D2) · platform_handles_payment (D4) ·|
 * |                    | sent_to_merchant (D5) · follow_dispute (D3) · dispute_closed (D6.3) ·       |
 * |                    | order_continues_during_review (B10) · balance_not_withdrawable (B3, B8) ·   |
 * |                    | review_external_change (B13) · await_processor_decision (B11)               |
 * | `alternatives`     | R7: change_targeting · change_call_to_action · adjust_duration · edit_post ·|
 * |                    | pause_ad (only while the ad is broadcasting)                                |
 * | `missingFacts`     | dotted paths into the case, e.g. order · account · claims.reason ·          |
 * |                    | claims.amount · order.adBroadcast · order.transactions · proof.link         |
 * | `conflictingFacts` | dotted paths that contradict each other, e.g. claims.amount + order.amountPaid|
 * | `review.required`  | true for needs_review, suspended, and urgent requests (R8)                  |
 * | `review.priority`  | pro (Pro account, R8) · high (urgent, suspended, D4 same day) · normal      |
 * | `review.reasons`   | missing_facts · conflicting_facts · profile_requires_review (B4) ·          |
 * |                    | partial_progress (R1.4) · unverified_incident · fraud_flag · open_chargeback|
 * |                    | urgent · dispute_reopen (D6.1, D6.2) · external_change (B13) ·              |
 * |                    | mandatory_remedy (B14) · anomaly (R4) · repeated_request (B10, B11).        |
 * |                    | Agent-facing: never tell a user about a fraud flag.                         |
 * | `facts`            | why, in facts: [{ code, values? }], e.g. ad.not_broadcast ·                 |
 * |                    | payment.duplicate { captures, amount } · topup.credited { amount } ·        |
 * |                    | service.fully_consumed { status, ordered, delivered } · amount.differs ·    |
 * |                    | date.in_future { fact, at, now } — every code in docs/decision-codes.md     |
 *
 * Input reason codes (`claims.reason`) are listed with their clauses in `schema.ts` (REFUND_REASONS).
 */
import { z } from 'zod';
import { eligibilityInputSchema, type EligibilityInput } from './schema';

export * from './schema';
export * from './decision';
export { evaluate, DEFAULT_HOLIDAYS_COUNTRY, type EvaluateOptions, type EvaluateInput } from './engine';

/** One wrong field of an input: its dotted path (`case.order.amountPaid.minor`) and what is wrong. */
export interface FieldError {
  field: string;
  code: string;
  message: string;
}

export type ParseResult = { ok: true; input: EligibilityInput } | { ok: false; errors: FieldError[] };

function pathOf(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

/** Lists each wrong field of a zod error; an unknown key is reported under its own path. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: pathOf([...issue.path, key]), code: 'unrecognized_key', message: 'unknown field' });
    } else {
      out.push({ field: pathOf(issue.path), code: issue.code, message: issue.message });
    }
  }
  return out;
}

/** Validates `{ profile?, case }` (the POST body and one CLI line). */
export function parseEligibilityInput(raw: unknown): ParseResult {
  const r = eligibilityInputSchema.safeParse(raw);
  return r.success ? { ok: true, input: r.data } : { ok: false, errors: fieldErrors(r.error) };
}

/** JSON Schema of the input (`{ profile?, case }`), generated from the zod schema. */
export function eligibilityInputJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(eligibilityInputSchema, { io: 'input' }) as Record<string, unknown>;
}
