/** The engine: picks the section for the topic and profile, and completes the draft into a Decision. */
import { assertHolidaysCountry, assertTimeZone, dayOf } from './calendar';
import { futureDates, needsReview, note, suspension, type Ctx } from './common';
import type { Decision, DecisionFact, Draft, Priority } from './decision';
import { dispute } from './dispute';
import { paymentNotReceived } from './paymentNotReceived';
import { priorityAgent, refundStandard } from './refund';
import { refundBalanceOnly } from './balanceOnly';
import type { CaseFacts, Profile } from './schema';

export interface EvaluateOptions {
  /** IANA time zone for calendar and business days, e.g. `Europe/Paris`. */
  timeZone: string;
  /** Profile when the input does not give one. Default `standard`. */
  defaultProfile?: Profile;
  /**
   * Country whose public holidays are not business days (R5.1), as `date-holidays` knows it
   * (ISO 3166-1 alpha-2, e.g. `FR`). Default `FR` (as `HOLIDAYS_COUNTRY`); null: weekends only.
   */
  holidaysCountry?: string | null;
}

/** The country whose public holidays count when the options do not say (same as HOLIDAYS_COUNTRY's default). */
export const DEFAULT_HOLIDAYS_COUNTRY = 'FR';

export interface EvaluateInput {
  profile?: Profile;
  case: CaseFacts;
}

function unique<T>(list: readonly T[] | undefined): T[] {
  if (!list || list.length === 0) return [];
  return list.length === 1 ? [list[0]!] : [...new Set(list)];
}

/** The clause a date in the future is checked under, per topic and profile. */
function futureClause(ctx: Ctx): string {
  switch (ctx.facts.topic) {
    case 'refund':
      // R4: the team checks the exact order state and anomalies; B10: support reviews internal status and history.
      return ctx.profile === 'balance-only' ? 'B10' : 'R4';
    case 'payment_not_received':
      // P1: the wait is counted from the payment date.
      return 'P1';
    case 'dispute':
      // D6.3: the 180 days are counted from the transaction date.
      return 'D6.3';
  }
}

/** Nothing impossible passes: a date in the facts later than now is named and goes to a person. */
function impossible(ctx: Ctx): Draft | null {
  const future = futureDates(ctx.facts, ctx.timeZone);
  if (future.length === 0) return null;
  for (const f of future) note(ctx, 'date.in_future', { fact: f.fact, at: f.at, now: ctx.facts.now });
  return needsReview([futureClause(ctx)], { conflicting: future.flatMap((f) => [f.fact, 'now']) });
}

function rule(ctx: Ctx): Draft {
  const stop = suspension(ctx) ?? impossible(ctx);
  switch (ctx.facts.topic) {
    case 'refund':
      return priorityAgent(ctx, stop ?? (ctx.profile === 'balance-only' ? refundBalanceOnly(ctx) : refundStandard(ctx)));
    case 'payment_not_received':
      return stop ?? paymentNotReceived(ctx);
    case 'dispute':
      return stop ?? dispute(ctx);
  }
}

/**
 * Decides one case. Pure: the same input and options always give the same decision; no I/O, no
 * clock (the case carries `now`). The input must already be valid (see `parseEligibilityInput`).
 * Throws RangeError only for an unknown time zone or holidays country (a configuration error).
 */
export function evaluate(input: EvaluateInput, options: EvaluateOptions): Decision {
  assertTimeZone(options.timeZone);
  const holidaysCountry = options.holidaysCountry === undefined ? DEFAULT_HOLIDAYS_COUNTRY : options.holidaysCountry;
  if (holidaysCountry !== null) assertHolidaysCountry(holidaysCountry);
  const profile = input.profile ?? options.defaultProfile ?? 'standard';
  const facts = input.case;
  const ctx: Ctx = { facts, profile, timeZone: options.timeZone, holidaysCountry, today: dayOf(facts.now, options.timeZone), why: [] };
  const draft = rule(ctx);
  const missingFacts = unique(draft.missingFacts);
  const outcome = draft.outcome;
  const reasons = unique(draft.reviewReasons);
  const refusal = outcome === 'refusal';
  const priority: Priority =
    facts.account?.tier === 'pro' ? 'pro' : draft.urgent || outcome === 'suspended' ? 'high' : 'normal';
  return {
    outcome,
    clauses: unique(draft.clauses),
    topic: facts.topic,
    profile,
    // A refusal never carries an amount or a timeline.
    refund: refusal ? null : (draft.refund ?? null),
    timeline: refusal ? null : (draft.timeline ?? null),
    nextSteps: unique(draft.nextSteps),
    alternatives: unique(draft.alternatives),
    missingFacts,
    conflictingFacts: unique(draft.conflictingFacts),
    review: {
      required: outcome === 'needs_review' || outcome === 'suspended' || reasons.includes('urgent'),
      priority,
      reasons,
    },
    facts: factsOf(ctx.why, missingFacts),
  };
}

/** The facts collected by the rules, then one `fact.missing` per missing fact; no duplicates. */
function factsOf(why: DecisionFact[], missingFacts: string[]): DecisionFact[] {
  const all = missingFacts.length ? [...why, ...missingFacts.map((fact): DecisionFact => ({ code: 'fact.missing', values: { fact } }))] : why;
  if (all.length < 2) return all;
  // Usual case: every code once, nothing to compare.
  const codes = new Set<string>();
  for (const f of all) codes.add(f.code);
  if (codes.size === all.length) return all;
  const seen = new Set<string>();
  return all.filter((f) => {
    const key = JSON.stringify(f);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
