import type { Answer } from '../request/answer';
import type { TFunction } from 'i18next';
import type { Decision, Money } from '../../src/eligibility';
import { formatDate, formatMoney, i18n, type Language } from '../../src/i18n';

export interface AnswerContext {
  t: TFunction;
  lang: Language;
  timeZone: string;
}

/** What the answer says about this case besides the decision. */
export interface AnswerFacts {
  reference?: string;
  /** The amount on the order and the one the customer gave, when they differ. */
  recorded?: Money;
  claimed?: Money;
  /**
   * What the offer of a person said (src/handoff/offerHuman composeHumanOffer), when the case went
   * to the team with this answer: it becomes part of "what happens next", its buttons the answer's.
   */
  handoff?: { lines: string[] };
}

const clauseKey = (id: string) => `refund:clauses.${id.replace(/\./g, '_')}`;

/** "R1.1" → the rule in words, with its id: for agents and the case record, never for customers. */
export function explainClause(id: string, ctx: AnswerContext): string | undefined {
  if (!i18n().exists(clauseKey(id), { lng: ctx.lang })) return undefined;
  return `${ctx.t(clauseKey(id))} (${id})`;
}

/** Which clause speaks for the case: the kind of purchase first, then the refusal or the reason. */
const WHY_ORDER = [/^R1\./, /^R6\./, /^R2\./, /^B7$/, /^B/];

/** One sentence about the customer's case, worded for the outcome (a rule reads differently in a yes and a no). */
function why(d: Decision, ctx: AnswerContext): string | undefined {
  const group = d.outcome === 'provisional_approval' ? 'yes' : d.outcome === 'refusal' ? 'no' : undefined;
  if (!group) return undefined;
  for (const re of WHY_ORDER) {
    for (const c of d.clauses) {
      const key = `refund:why.${group}.${c.replace(/\./g, '_')}`;
      if (re.test(c) && i18n().exists(key, { lng: ctx.lang })) return ctx.t(key);
    }
  }
  return undefined;
}

/**
 * The engine's decision as one answer about the customer's case: the outcome, why in their terms,
 * where the money goes and when, what happens next, that it is provisional (once), the reference.
 * No clause ids: they stay on the case. Pure: the dialog sends it as a card or as text.
 */
export function composeAnswer(d: Decision, ctx: AnswerContext, facts: AnswerFacts = {}): Answer {
  const { t, lang } = ctx;
  const amountDiffers = d.conflictingFacts.includes('claims.amount') && facts.recorded && facts.claimed;
  // "Your ad hasn't been broadcast yet, so it can be refunded" says the outcome about this case: the
  // headline is then only its tone ("Good news."), not "your request can be refunded" a second time.
  const because = why(d, ctx);
  const reasons = [
    amountDiffers
      ? t('refund:answer.amountDiffers', {
          recorded: formatMoney(facts.recorded!.minor, facts.recorded!.currency, lang),
          claimed: formatMoney(facts.claimed!.minor, facts.claimed!.currency, lang),
        })
      : undefined,
    because,
  ].filter((x): x is string => !!x);

  const money: string[] = [];
  if (d.refund) {
    const amount = formatMoney(d.refund.amount.minor, d.refund.amount.currency, lang);
    const key = d.refund.destination === 'balance' && d.profile === 'balance-only' ? 'balanceOnly' : d.refund.destination;
    money.push(t(`refund:answer.money.${key}`, { amount }));
  }
  if (d.timeline) {
    const date = (s: string) => formatDate(`${s}T12:00:00Z`, lang, ctx.timeZone);
    switch (d.timeline.kind) {
      case 'business_days':
        money.push(t('refund:answer.timeline.business_days', { min: d.timeline.min, max: d.timeline.max, earliest: date(d.timeline.earliest), latest: date(d.timeline.latest) }));
        break;
      case 'immediate':
        money.push(t('refund:answer.timeline.immediate'));
        break;
      case 'wait_until':
        money.push(t('refund:answer.timeline.wait_until', { date: date(d.timeline.date) }));
        break;
      case 'same_day':
        money.push(t('refund:answer.timeline.same_day', { date: date(d.timeline.date) }));
        break;
    }
  }

  const next: string[] = [];
  if (d.missingFacts.length) {
    const key = (f: string) => `refund:facts.${f.replace(/\./g, '_')}`;
    const named = d.missingFacts.map((f) => (i18n().exists(key(f), { lng: lang }) ? t(key(f)) : t('refund:facts.other')));
    next.push(t('refund:answer.missing', { facts: [...new Set(named)].join(', ') }));
  }
  for (const step of d.nextSteps) {
    // The notification is said once, in the provisional line.
    if ((step === 'provide_missing_facts' && d.missingFacts.length) || step === 'await_confirmation') continue;
    // R8's priority agent is asked as its own question right after, or given already with a person's offer.
    if (step === 'offer_priority_agent') continue;
    // Handed to the team with this answer: the offer says who looks at it and when.
    if (facts.handoff && step === 'agent_review') continue;
    const key = i18n().exists(`refund:nextSteps.${step}`, { lng: lang }) ? `refund:nextSteps.${step}` : 'refund:nextSteps.other';
    next.push(t(key));
  }

  if (facts.handoff) next.push(...facts.handoff.lines);
  // A review with nothing decided yet has no provisional answer to qualify; one that names an amount does.
  const review = (d.outcome === 'needs_review' || d.outcome === 'suspended') && money.length === 0;

  return {
    outcome: t(because ? `refund:answer.lead.${d.outcome}` : `refund:answer.outcome.${d.outcome}`),
    ...(reasons.length ? { why: reasons.join(' ') } : {}),
    ...(money.length ? { money: money.join(' ') } : {}),
    next: [...new Set(next)],
    ...(review ? {} : { provisional: t('refund:answer.provisional') }),
    ...(facts.reference ? { reference: t('refund:answer.reference', { reference: facts.reference }) } : {}),
  };
}


export { answerCard, answerMessage, answerText, type Answer } from '../request/answer';
