import type { Money, RefundReason } from '../../src/eligibility';
import type { Language } from '../../src/i18n';
import { findOrderNumberInText } from '../../src/services/orderNumber';
import { findAmountInText } from './amount';

export interface ExtractedFacts {
  orderNumber?: string;
  amount?: Money;
  reason?: RefundReason;
}

/**
 * The facts a first message already holds ("Je veux être remboursé de 49,90 € pour la commande
 * FL-123456, j'ai payé deux fois"): each one found fills its slot, so the dialog asks only for the rest.
 * The reason is the recogniser's (dialogs pass it in); the order number and the amount are patterns.
 */
export function extractFacts(text: string | undefined, lang: Language, reason?: RefundReason): ExtractedFacts {
  if (!text) return {};
  const out: ExtractedFacts = {};
  const order = findOrderNumberInText(text);
  if (order) out.orderNumber = order;
  // The order number is not an amount: look for money in the rest of the text.
  // A dash between parts ("FL-100001 - 49 € - …") is not a minus sign.
  const rest = (order ? text.replace(/#?[A-Za-z]{2}[\s\-_.]?\d{3}\s?\d{3}/g, ' ') : text).replace(/\s[-\u2013\u2014]\s/g, ', ');
  const amount = findAmountInText(rest, lang);
  if (amount) out.amount = amount;
  if (reason) out.reason = reason;
  return out;
}
