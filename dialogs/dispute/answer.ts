import type { TFunction } from 'i18next';
import type { Decision } from '../../src/eligibility';
import { formatDate, type Language } from '../../src/i18n';

/** The one answer, in sections (the shape of dialogs/request/answer.ts). */
export interface DisputeAnswer {
  outcome: string;
  why?: string;
  money?: string;
  next: string[];
  provisional?: string;
  reference?: string;
}

export interface DisputeAnswerContext {
  t: TFunction;
  lang: Language;
  timeZone: string;
  /** The merchant as the customer reads it ("SoundPoint", or "the shop"). */
  merchant: string;
  /** D5: the date-time by which the merchant should answer (MerchantsPort.sendComplaint). */
  deadline?: string;
  reference?: string;
}

/** What kind of answer a decision is, for the conversation's own steps (D2 has its own message). */
export type DisputeRoute = 'contact_merchant' | 'to_merchant' | 'to_platform' | 'already_open' | 'refused' | 'review';

export function routeOf(decision: Decision): DisputeRoute {
  switch (decision.outcome) {
    case 'contact_merchant_first':
      return 'contact_merchant';
    case 'report_filed':
      if (decision.nextSteps.includes('sent_to_merchant')) return 'to_merchant';
      if (decision.nextSteps.includes('platform_handles_payment')) return 'to_platform';
      return 'already_open';
    case 'refusal':
      return 'refused';
    default:
      return 'review';
  }
}

/** A date-time as the customer reads it: "Friday 4 December at 14:30" / « vendredi 4 décembre à 14 h 30 ». */
export function formatDeadline(iso: string, lang: Language, timeZone: string): string {
  const d = new Date(iso);
  const locale = lang === 'fr' ? 'fr-FR' : 'en-GB';
  const day = new Intl.DateTimeFormat(locale, { timeZone, weekday: 'long', day: 'numeric', month: 'long' }).format(d);
  const parts = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(d);
  const hour = parts.find((p) => p.type === 'hour')?.value ?? '';
  const minute = parts.find((p) => p.type === 'minute')?.value ?? '';
  return lang === 'fr' ? `${day} à ${hour}\u00a0h\u00a0${minute}` : `${day} at ${hour}:${minute}`;
}

/**
 * The engine's dispute decision as plain words about the customer's case (no clause ids): sent to
 * the merchant with the answer deadline (D5), taken over by the platform the same day (D4), already
 * followed, too old (D6.3), or for a person to look at.
 */
export function disputeAnswer(decision: Decision, c: DisputeAnswerContext): DisputeAnswer {
  const { t } = c;
  const reference = c.reference ? t('dispute:answer.reference', { reference: c.reference }) : undefined;
  const ref = reference ? { reference } : {};
  switch (routeOf(decision)) {
    case 'to_merchant':
      return {
        outcome: t('dispute:answer.delivery', { merchant: c.merchant }),
        next: [
          c.deadline
            ? t('dispute:answer.deliveryNext', { merchant: c.merchant, deadline: formatDeadline(c.deadline, c.lang, c.timeZone) })
            : t('dispute:answer.deliveryNoDeadline', { merchant: c.merchant }),
        ],
        ...ref,
      };
    case 'to_platform': {
      const day = decision.timeline?.kind === 'same_day' ? decision.timeline.date : undefined;
      return {
        outcome: t('dispute:answer.payment'),
        next: day ? [t('dispute:answer.paymentNext', { date: formatDate(`${day}T12:00:00Z`, c.lang, c.timeZone) })] : [],
        ...ref,
      };
    }
    case 'already_open':
      return { outcome: t('dispute:answer.alreadyOpen'), next: [t('dispute:answer.alreadyOpenNext')] };
    case 'refused':
      return { outcome: t('dispute:answer.tooOld'), next: [t('dispute:answer.tooOldNext')], ...ref };
    case 'contact_merchant':
    case 'review':
    default:
      return {
        outcome: decision.review.reasons.includes('dispute_reopen') ? t('dispute:answer.closedBefore') : t('dispute:answer.review'),
        next: [t('dispute:answer.reviewNext')],
        ...ref,
      };
  }
}
