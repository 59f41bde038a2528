import { Attachment, CardFactory } from 'botbuilder';
import type { TFunction } from 'i18next';
import type { TurnContext } from 'botbuilder';
import type { RefundReason } from '../../src/eligibility';
import { LANGUAGES, translator } from '../../src/i18n';
import { foldTitle } from '../../src/i18n/fold';
import { CONFIDENT, understanding } from '../../src/nlu';
import { isCurrentCard } from './token';

/**
 * The customer asks for the form: its button ("Fill in a form instead", in either language), or
 * what the recogniser understood ("can I just fill in a form?", "formulaire svp").
 */
export function isFormRequest(context: TurnContext): boolean {
  const text = context.activity.text;
  if (typeof text !== 'string' || !text.trim()) return false;
  const n = foldTitle(text);
  if (LANGUAGES.some((l) => foldTitle(translator(l)('refund:form.offer')) === n)) return true;
  // A long message is about something else, even if it mentions a form ("I filled in your form and…").
  if (text.length > 80) return false;
  const u = understanding(context);
  return u.intent === 'form' && u.score >= CONFIDENT;
}

/**
 * A form's submit is taken while the request is being collected, from the last form shown. Once
 * the request was confirmed (the ad change is being offered, or the case exists), any form is out of date.
 */
export function formIsCurrent(value: unknown, flow: { caseRef?: string; formCard?: string } | undefined, confirmed: boolean): boolean {
  if (confirmed || flow?.caseRef) return false;
  return isCurrentCard(value, flow?.formCard);
}

/**
 * Adaptive Card 1.3 with the four fields of a request, as an alternative to one question at a time.
 * Its submit (`action: 'refund.form'`, with the card's token) goes through the same parsers as the questions.
 */
export function refundFormCard(t: TFunction, reasons: readonly RefundReason[], card: string): Attachment {
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
    actions: [{ type: 'Action.Submit', title: t('refund:form.submit'), style: 'positive', data: { action: 'refund.form', card } }],
  });
}
