import type { TFunction } from 'i18next';
import { formatDate, type Language } from '../../src/i18n';
import type { Order } from '../../src/services/ports';
import type { Problem } from './choices';

/**
 * D2: the short message the customer can copy and send to the merchant, in the customer's language,
 * filled with the order number, the product, the day it was paid and what went wrong.
 */
export function merchantMessage(t: TFunction, lang: Language, timeZone: string, order: Order, problem: Problem): string {
  const paid = order.facts.transactionAt ?? order.facts.paidAt;
  const args = { order: order.facts.id, product: order.label ?? t('refund:order.serviceType.merchant_purchase'), problem: t(`dispute:problems.${problem}.sentence`) };
  return paid ? t('dispute:firstContact.message', { ...args, date: formatDate(paid, lang, timeZone) }) : t('dispute:firstContact.messageNoDate', args);
}

/** The merchant's name as the customer reads it ("SoundPoint"), or "the shop". */
export function merchantName(t: TFunction, order: Order | undefined): string {
  return order?.merchantName ?? (t('dispute:theShop') as string);
}
