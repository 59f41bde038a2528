/*
 * The dispute's own questions (POLICY.md D1, D2): what went wrong, and how it went with the
 * merchant. Buttons with their words in locales/<lang>/dispute.json; free text is read by the
 * recogniser's slot models `disputeProblem` and `merchantContact` (locales/<lang>/intents.json).
 */
import type { DisputeProblem, MerchantContactState } from '../../src/eligibility';
import type { ChoiceSpec } from '../prompts/localizedChoicePrompt';
import { msg } from '../prompts/message';

/** D1: the covered problems the customer picks from (the engine's `other` is never offered). */
export const PROBLEMS = ['not_arrived', 'damaged', 'not_as_ordered', 'payment_problem'] as const satisfies readonly DisputeProblem[];
export type Problem = (typeof PROBLEMS)[number];

/** D2: how it went with the merchant; `not_contacted` first leads to D2's "write to them first". */
export const CONTACTS = ['no_reply', 'invalid_address', 'unsatisfactory_offer', 'not_contacted'] as const satisfies readonly MerchantContactState[];
export type Contact = (typeof CONTACTS)[number];

/** The recogniser's slot models for these two questions. */
export const PROBLEM_MODEL = 'disputeProblem';
export const CONTACT_MODEL = 'merchantContact';

export const isProblem = (v: unknown): v is Problem => typeof v === 'string' && (PROBLEMS as readonly string[]).includes(v);
export const isContact = (v: unknown): v is Contact => typeof v === 'string' && (CONTACTS as readonly string[]).includes(v);

export function problemChoices(): ChoiceSpec[] {
  return PROBLEMS.map((p) => ({ value: p, label: msg(`dispute:problems.${p}.label`) }));
}

export function contactChoices(): ChoiceSpec[] {
  // "No" to "have you contacted them?" is "not yet".
  return CONTACTS.map((c) => ({ value: c, label: msg(`dispute:contacts.${c}.label`), ...(c === 'not_contacted' ? { intent: 'no' as const } : {}) }));
}

/** D3: the complaint is about the payment or the delivery. */
export const complaintTypeOf = (p: Problem): 'payment' | 'delivery' => (p === 'payment_problem' ? 'payment' : 'delivery');
