import { Attachment, CardFactory } from 'botbuilder';
import type { TFunction } from 'i18next';
import type { Language } from '../../src/i18n';

export interface SummaryLine {
  field: string;
  label: string;
  value: string;
}

/**
 * Adaptive Card 1.3: the facts, a Confirm button and one "change" button per field. Any topic's
 * summary: its texts are `<ns>:summary.title|intro|change.<field>`; the buttons send the same
 * actions for every topic (`refund.confirm`, `refund.correct` + field), checked against the topic's
 * fields. Every button carries the card's token: once a newer summary is shown, this one's buttons are out of date.
 */
export function summaryCard(t: TFunction, ns: string, lines: SummaryLine[], card: string): Attachment {
  return CardFactory.adaptiveCard({
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.3',
    speak: t(`${ns}:summary.intro`),
    body: [
      { type: 'TextBlock', text: t(`${ns}:summary.title`), weight: 'Bolder', size: 'Medium', wrap: true },
      { type: 'TextBlock', text: t(`${ns}:summary.intro`), wrap: true },
      { type: 'FactSet', facts: lines.map((l) => ({ title: l.label, value: l.value })) },
    ],
    actions: [
      { type: 'Action.Submit', title: t('refund:summary.confirm'), style: 'positive', data: { action: 'refund.confirm', card } },
      ...lines.map(({ field }) => ({
        type: 'Action.Submit',
        title: t(`${ns}:summary.change.${field}`),
        data: { action: 'refund.correct', field, card },
      })),
    ],
  });
}

/** The same summary as plain text, for channels without cards. */
export function summaryText(t: TFunction, lang: Language, ns: string, lines: SummaryLine[]): string {
  const sep = lang === 'fr' ? '\u202f: ' : ': ';
  return [t(`${ns}:summary.title`), t(`${ns}:summary.intro`), ...lines.map((l) => `• ${l.label}${sep}${l.value}`), t(`${ns}:summary.textChoices`)].join('\n');
}
