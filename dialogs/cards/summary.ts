import { Attachment, CardFactory } from 'botbuilder';
import type { TFunction } from 'i18next';
import { formatMoney, type Language } from '../../src/i18n';
import { SLOT_FIELDS, type CorrectableField, type RefundSlots } from '../slots/types';

export interface SummaryLine {
  field: CorrectableField;
  label: string;
  value: string;
}

/** The four fields as the user reads them, in their language. */
export function summaryLines(t: TFunction, lang: Language, slots: RefundSlots): SummaryLine[] {
  const value = (field: CorrectableField): string => {
    switch (field) {
      case 'order': {
        const o = slots.order;
        if (!o) return '—';
        if (o.lookup === 'unknown') return t('refund:summary.orderUnknown', { order: o.number });
        if (o.lookup === 'unavailable') return t('refund:summary.orderUnchecked', { order: o.number });
        return o.number;
      }
      case 'amount':
        return slots.amount ? formatMoney(slots.amount.minor, slots.amount.currency, lang) : '—';
      case 'reason': {
        if (!slots.reason) return '—';
        const label = t(`refund:reasons.${slots.reason}.label`) as string;
        return slots.reason === 'other' && slots.reasonText ? `${label}${lang === 'fr' ? '\u202f: ' : ': '}${slots.reasonText}` : label;
      }
      case 'proof': {
        const p = slots.proof;
        if (!p || p.kind === 'skipped') return t('refund:summary.proofSkipped');
        if (p.kind === 'file') return t('refund:summary.proofFile', { name: p.meta.name });
        return t('refund:summary.proofReference', { reference: p.reference });
      }
      case 'link':
        return slots.link ?? '—';
    }
  };
  const fields: CorrectableField[] = slots.link ? [...SLOT_FIELDS, 'link'] : [...SLOT_FIELDS];
  return fields.map((field) => ({ field, label: t(`refund:summary.${field}`) as string, value: value(field) }));
}

/**
 * Adaptive Card 1.3: the facts, a Confirm button and one "change" button per field. Every button
 * carries the card's token: once a newer summary is shown, this one's buttons are out of date.
 */
export function summaryCard(t: TFunction, lang: Language, slots: RefundSlots, card: string): Attachment {
  const lines = summaryLines(t, lang, slots);
  return CardFactory.adaptiveCard({
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.3',
    speak: t('refund:summary.intro'),
    body: [
      { type: 'TextBlock', text: t('refund:summary.title'), weight: 'Bolder', size: 'Medium', wrap: true },
      { type: 'TextBlock', text: t('refund:summary.intro'), wrap: true },
      { type: 'FactSet', facts: lines.map((l) => ({ title: l.label, value: l.value })) },
    ],
    actions: [
      { type: 'Action.Submit', title: t('refund:summary.confirm'), style: 'positive', data: { action: 'refund.confirm', card } },
      ...lines.map(({ field }) => ({
        type: 'Action.Submit',
        title: t(`refund:summary.change.${field}`),
        data: { action: 'refund.correct', field, card },
      })),
    ],
  });
}

/** The same summary as plain text, for channels without cards. */
export function summaryText(t: TFunction, lang: Language, slots: RefundSlots): string {
  const sep = lang === 'fr' ? '\u202f: ' : ': ';
  const lines = summaryLines(t, lang, slots).map((l) => `• ${l.label}${sep}${l.value}`);
  return [t('refund:summary.title'), t('refund:summary.intro'), ...lines, t('refund:summary.textChoices')].join('\n');
}
