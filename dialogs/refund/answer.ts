import type { TFunction } from 'i18next';
import type { Decision } from '../../src/eligibility';
import { formatDate, formatMoney, i18n, type Language } from '../../src/i18n';

export interface AnswerContext {
  t: TFunction;
  lang: Language;
  timeZone: string;
}

/** Clauses said elsewhere in the answer: R4 (provisional line), R5 (money line), R8 (next steps). */
const SAID_ELSEWHERE = /^(R4|R5\.\d|R8)$/;

const clauseKey = (id: string) => `refund:clauses.${id.replace(/\./g, '_')}`;

/** "R1.1" → "an ad can be cancelled… (R1.1)", or undefined when the locales have no plain words for it. */
export function explainClause(id: string, ctx: AnswerContext): string | undefined {
  if (!i18n().exists(clauseKey(id), { lng: ctx.lang })) return undefined;
  return ctx.t('refund:answer.clauseLine', { text: ctx.t(clauseKey(id)), clause: id });
}

/**
 * The engine's decision in the user's words: the provisional outcome, the reasons with their
 * clauses, where the money goes and when, what happens next, and that it is provisional (R4).
 * One string per message. Pure: the dialog sends them.
 */
export function renderDecision(d: Decision, ctx: AnswerContext): string[] {
  const { t, lang } = ctx;
  const out: string[] = [];

  const reasons = d.clauses
    .filter((c) => !SAID_ELSEWHERE.test(c) && !(c === 'B3' && d.refund?.destination === 'balance'))
    .map((c) => explainClause(c, ctx))
    .filter((x): x is string => x !== undefined);
  out.push([t(`refund:answer.outcome.${d.outcome}`), ...(reasons.length ? [t('refund:answer.because'), ...reasons] : [])].join('\n'));

  const money: string[] = [];
  if (d.refund) {
    const amount = formatMoney(d.refund.amount.minor, d.refund.amount.currency, lang);
    const key = d.refund.destination === 'balance' && d.profile === 'balance-only' ? 'balanceOnly' : d.refund.destination;
    money.push(t(`refund:answer.money.${key}`, { amount }));
  }
  if (d.timeline) {
    const r5 = d.clauses.filter((c) => /^R5\.[123]$/.test(c)).join(', ') || 'R5';
    const date = (s: string) => formatDate(`${s}T12:00:00Z`, lang, ctx.timeZone);
    switch (d.timeline.kind) {
      case 'business_days':
        money.push(
          t('refund:answer.timeline.business_days', {
            min: d.timeline.min,
            max: d.timeline.max,
            earliest: date(d.timeline.earliest),
            latest: date(d.timeline.latest),
            clauses: r5,
          }),
        );
        break;
      case 'immediate':
        money.push(t('refund:answer.timeline.immediate', { clauses: r5 }));
        break;
      case 'wait_until':
        money.push(t('refund:answer.timeline.wait_until', { date: date(d.timeline.date) }));
        break;
      case 'same_day':
        money.push(t('refund:answer.timeline.same_day', { date: date(d.timeline.date) }));
        break;
    }
  }
  if (money.length) out.push(money.join(' '));

  const next: string[] = [];
  if (d.missingFacts.length) {
    const key = (f: string) => `refund:facts.${f.replace(/\./g, '_')}`;
    const facts = d.missingFacts.map((f) => (i18n().exists(key(f), { lng: lang }) ? t(key(f)) : t('refund:facts.other')));
    next.push(t('refund:answer.missing', { facts: [...new Set(facts)].join(', ') }));
  }
  for (const step of d.nextSteps) {
    if (step === 'provide_missing_facts' && d.missingFacts.length) continue;
    const key = i18n().exists(`refund:nextSteps.${step}`, { lng: lang }) ? `refund:nextSteps.${step}` : 'refund:nextSteps.other';
    next.push(t('refund:answer.nextLine', { text: t(key) }));
  }
  if (next.length) out.push([t('refund:answer.nextHeading'), ...[...new Set(next)]].join('\n'));

  out.push(t('refund:answer.provisional'));
  return out;
}
