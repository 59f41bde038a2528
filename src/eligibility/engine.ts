/** The engine: picks the section for the topic and profile, and completes the draft into a Decision. */
import { assertTimeZone, dayOf } from './calendar';
import { suspension, type Ctx } from './common';
import type { Decision, Draft, Priority } from './decision';
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
}

export interface EvaluateInput {
  profile?: Profile;
  case: CaseFacts;
}

function unique<T>(list: readonly T[] | undefined): T[] {
  if (!list || list.length === 0) return [];
  return list.length === 1 ? [list[0]!] : [...new Set(list)];
}

function rule(ctx: Ctx): Draft {
  const stop = suspension(ctx);
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
 * Throws RangeError only for an unknown time zone (a configuration error).
 */
export function evaluate(input: EvaluateInput, options: EvaluateOptions): Decision {
  assertTimeZone(options.timeZone);
  const profile = input.profile ?? options.defaultProfile ?? 'standard';
  const facts = input.case;
  const ctx: Ctx = { facts, profile, timeZone: options.timeZone, today: dayOf(facts.now, options.timeZone) };
  const draft = rule(ctx);
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
    missingFacts: unique(draft.missingFacts),
    conflictingFacts: unique(draft.conflictingFacts),
    review: {
      required: outcome === 'needs_review' || outcome === 'suspended' || reasons.includes('urgent'),
      priority,
      reasons,
    },
  };
}
