import type { Money } from '../../src/eligibility';
import type { InvoiceStatus } from '../../src/services/ports';
import type { BaseSlots } from '../request/spec';

/** What the payment topic collects (POLICY.md section P), and what it learnt about the invoice. */
export interface PaymentSlots extends BaseSlots {
  /** When the customer paid: an instant when they said a time, else a calendar date (P1). */
  paidAt?: { at: string; hasTime: boolean };
  /** In the app or by card, or a manual bank transfer (P2). */
  method?: 'card' | 'bank_transfer';
  /** P3.1: the money left their account. */
  debited?: boolean;
  /** P3.2: the payee and payment details were right. */
  payeeRight?: boolean;
  /** P3.3: they paid the shop directly. */
  paidShop?: boolean;
  /** The purchase's invoice, from the invoices port (not a question). */
  invoice?: { id: string; dueDate: string; status: InvoiceStatus; amountDue: Money };
  /** What the pause said, once the report is filed (P4). */
  pause?: { invoiceId?: string; result: 'paused' | 'already_paused' | 'paid' | 'cancelled' | 'unavailable' };
}
