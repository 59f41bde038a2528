import { Activity, Attachment, CardAction, CardFactory, MessageFactory } from 'botbuilder';
import { supportsSuggestedActions } from 'botbuilder-dialogs';
import { supportsAdaptiveCards } from '../cards/channel';
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

/**
 * The answer as the one message the customer reads: a card where the channel shows one, text
 * otherwise, with the offer's buttons (e.g. "Stop waiting") as suggested actions, or, where the
 * channel shows none, in the same message under the answer.
 */
export function answerMessage(channelId: string, a: Answer, t: TFunction, actions: CardAction[] = []): Partial<Activity> {
  const suggested = actions.length > 0 && supportsSuggestedActions(channelId, actions.length);
  let message: Partial<Activity>;
  if (supportsAdaptiveCards(channelId)) {
    // Teams shows no suggested actions: the buttons go in the same message, under the answer.
    const cards = [answerCard(a, t), ...(actions.length && !suggested ? [CardFactory.heroCard('', undefined, actions)] : [])];
    message = MessageFactory.list(cards);
  } else {
    message = MessageFactory.text([answerText(a, t), ...(actions.length && !suggested ? actions.map((x) => `• ${x.title}`) : [])].join('\n'));
  }
  if (suggested) message.suggestedActions = { actions, to: [] };
  return message;
}
