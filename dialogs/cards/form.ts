import { Attachment, CardFactory } from 'botbuilder';
import type { TFunction } from 'i18next';
import type { RefundReason } from '../../src/eligibility';

/**
 * Adaptive Card 1.3 with the four fields of a request, as an alternative to one question at a time.
 * Its submit (`action: 'refund.form'`) goes through the same parsers as the questions.
 */
export function refundFormCard(t: TFunction, reasons: readonly RefundReason[]): Attachment {
  return CardFactory.adaptiveCard({
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.3',
    body: [
      { type: 'TextBlock', text: t('refund:form.title'), weight: 'Bolder', size: 'Medium', wrap: true },
      { type: 'TextBlock', text: t('refund:form.intro'), wrap: true },
      { type: 'Input.Text', id: 'orderNumber', label: t('refund:form.orderLabel'), placeholder: t('refund:form.orderPlaceholder'), maxLength: 20 },
      { type: 'Input.Text', id: 'amount', label: t('refund:form.amountLabel'), placeholder: t('refund:form.amountPlaceholder'), maxLength: 40 },
      {
        type: 'Input.ChoiceSet',
        id: 'reason',
        label: t('refund:form.reasonLabel'),
        style: 'compact',
        choices: reasons.map((r) => ({ title: t(`refund:reasons.${r}.label`), value: r })),
      },
      { type: 'Input.Text', id: 'proofReference', label: t('refund:form.proofLabel'), placeholder: t('refund:form.proofPlaceholder'), maxLength: 64 },
    ],
    actions: [{ type: 'Action.Submit', title: t('refund:form.submit'), style: 'positive', data: { action: 'refund.form' } }],
  });
}
