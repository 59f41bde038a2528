import { Attachment, CardFactory } from 'botbuilder';
import type { TFunction } from 'i18next';

/** The provisional answer, in sections: each is plain words about the customer's own case. */
export interface Answer {
  outcome: string;
  why?: string;
  money?: string;
  next: string[];
  /** That it is provisional until the team's check (absent when nothing is checked, e.g. "wait until…"). */
  provisional?: string;
  reference?: string;
}

/** The answer as plain text, one paragraph per section. */
export function answerText(a: Answer, t: TFunction): string {
  const next = a.next.length ? [t('refund:answer.nextHeading'), ...a.next.map((n) => `• ${n}`)].join('\n') : undefined;
  return [[a.outcome, a.why].filter(Boolean).join(' '), a.money, next, a.provisional, a.reference].filter(Boolean).join('\n\n');
}

/** The answer as an Adaptive Card 1.3: the same sections, the outcome first. */
export function answerCard(a: Answer, t: TFunction): Attachment {
  const block = (text: string, extra: Record<string, unknown> = {}) => ({ type: 'TextBlock', text, wrap: true, ...extra });
  return CardFactory.adaptiveCard({
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.3',
    speak: a.outcome,
    body: [
      block(a.outcome, { weight: 'Bolder', size: 'Medium' }),
      ...(a.why ? [block(a.why)] : []),
      ...(a.money ? [block(a.money, { spacing: 'Medium' })] : []),
      ...(a.next.length ? [block(t('refund:answer.nextHeading'), { weight: 'Bolder', spacing: 'Medium' }), ...a.next.map((n) => block(`• ${n}`, { spacing: 'None' }))] : []),
      ...(a.provisional ? [block(a.provisional, { isSubtle: true, spacing: 'Medium' })] : []),
      ...(a.reference ? [block(a.reference, { spacing: 'Medium' })] : []),
    ],
  });
}
