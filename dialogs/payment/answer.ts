import type { TFunction } from 'i18next';
import type { Decision } from '../../src/eligibility';
import { formatDate, type Language } from '../../src/i18n';
import type { RequestState } from '../request/spec';
import type { Answer } from '../request/answer';
import type { PaymentSlots } from './slots';

const TAG: Record<Language, string> = { en: 'en-GB', fr: 'fr-FR' };

/** "Tuesday 1 December at 23:00" / "mardi 1 décembre à 23 h 00", in the bot's time zone. */
export function formatDateTime(iso: string, lang: Language, timeZone: string): string {
  const date = new Date(iso);
  const day = new Intl.DateTimeFormat(TAG[lang], { timeZone, weekday: 'long', day: 'numeric', month: 'long' }).format(date);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(date).map((p) => [p.type, p.value]),
  );
  return lang === 'fr' ? `${day} à ${Number(parts.hour)}\u00a0h\u00a0${parts.minute}` : `${day} at ${parts.hour}:${parts.minute}`;
}

/** "Tuesday 1 December" / "mardi 1 décembre". */
export function formatDay(iso: string, lang: Language, timeZone: string): string {
  return new Intl.DateTimeFormat(TAG[lang], { timeZone, weekday: 'long', day: 'numeric', month: 'long' }).format(new Date(iso));
}

/** When the customer paid, as they read it: with the time when they said one. */
export function formatPaidAt(p: { at: string; hasTime: boolean }, lang: Language, timeZone: string): string {
  if (p.hasTime) return formatDateTime(p.at, lang, timeZone);
  return formatDate(p.at.length === 10 ? `${p.at}T12:00:00Z` : p.at, lang, timeZone);
}

const DAY_MS = 86_400_000;

/** A reminder may come before they can report: the invoice is due within a few days of that moment (P2). */
function reminderLikely(state: RequestState<PaymentSlots>, until: string | undefined): boolean {
  const due = state.slots.invoice?.dueDate;
  if (!due || !until || state.slots.invoice?.status !== 'due') return false;
  return Date.parse(`${due}T23:59:59Z`) <= Date.parse(until) + 3 * DAY_MS;
}

/**
 * The engine's decision on a payment that is not showing, as one answer about the customer's own
 * payment: the date and time from which they can report, the check that says no, or the report with
 * the invoice paused. No clause ids: they stay on the case.
 */
export function composePaymentAnswer(
  d: Decision,
  ctx: { t: TFunction; lang: Language; timeZone: string },
  state: RequestState<PaymentSlots>,
  reference?: string,
): Answer {
  const { t, lang, timeZone } = ctx;
  const s = state.slots;
  const merchant = state.order?.merchantName ?? t('payment:answer.theShop');
  const ref = reference ? { reference: t('payment:answer.reference', { reference }) } : {};
  const transfer = s.method === 'bank_transfer' || (!s.method && state.order?.facts.paymentMethod === 'bank_transfer');

  if (d.outcome === 'wait') {
    const until = d.timeline?.kind === 'wait_until' ? d.timeline.at : undefined;
    const next: string[] = [];
    if (transfer) next.push(t('payment:answer.transfer'));
    if (reminderLikely(state, until)) next.push(t('payment:answer.reminder'));
    next.push(t('payment:answer.keepProof'));
    return {
      // A date said without a time counts from the start of that day: the day is enough.
      outcome: until ? t('payment:answer.wait', { from: s.paidAt && !s.paidAt.hasTime ? formatDay(until, lang, timeZone) : formatDateTime(until, lang, timeZone) }) : t('payment:answer.waitNoDate'),
      why: t('payment:answer.confirmationEmail'),
      next,
    };
  }
  if (d.outcome === 'contact_merchant_first') {
    return { outcome: t('payment:answer.paidShop', { merchant }), next: [t('payment:answer.invoiceDue')] };
  }
  if (d.outcome === 'refusal') {
    const payee = d.clauses.includes('P3.2');
    return {
      outcome: t(payee ? 'payment:answer.payeeWrong' : 'payment:answer.notDebited'),
      next: [t(payee ? 'payment:answer.askBank' : 'payment:answer.checkBank'), t('payment:answer.invoiceDue')],
    };
  }
  if (d.outcome === 'report_filed') {
    const pause = s.pause?.result ?? 'unavailable';
    const invoice = s.pause?.invoiceId ?? s.invoice?.id ?? '';
    return {
      outcome: t('payment:answer.filed'),
      money: t(`payment:answer.pause.${pause}`, { invoice }),
      next: [t('payment:answer.teamChecks'), t('payment:answer.keepProof')],
      ...ref,
    };
  }
  if (state.order?.facts.paymentRegistered === true) {
    return { outcome: t('payment:answer.registered'), why: t('payment:answer.registeredEmail'), next: [t('payment:answer.teamChecks')], ...ref };
  }
  return { outcome: t('payment:answer.review'), next: [t('payment:answer.teamChecks')], provisional: t('payment:answer.provisional'), ...ref };
}
