import type { Money, RefundReason } from '../../src/eligibility';
import type { ProofMeta } from '../../src/cases/types';

/** What a parser says about one answer: the value, or a stable error code that picks the re-prompt. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = <T = never>(error: string): Parsed<T> => ({ ok: false, error });

/** What a user sent, reduced to what parsers look at. */
export interface UserInput {
  text?: string;
  value?: unknown;
  attachments?: AttachmentInput[];
  /** What the recogniser understood in the text, when it is confident (e.g. `skip`, `no`). */
  intent?: string;
}

export interface AttachmentInput {
  name?: string;
  contentType?: string;
  contentUrl?: string;
}

/** The order slot: the number the user gave and what the lookup said. */
export interface OrderSlot {
  number: string;
  /**
   * `pending`: given (first message, form) but not looked up yet; `found`: the order port knows it;
   * `unknown`: still not found after the retries; `unavailable`: the port could not answer.
   */
  lookup: 'pending' | 'found' | 'unknown' | 'unavailable';
}

export type ProofSlot =
  | { kind: 'file'; meta: ProofMeta }
  | { kind: 'reference'; reference: string }
  | { kind: 'skipped' };

/** The four facts of a refund request (R3), as the dialog collects them. */
export interface RefundSlots {
  order?: OrderSlot;
  amount?: Money;
  reason?: RefundReason;
  /** Free text when the reason is `other`. */
  reasonText?: string;
  proof?: ProofSlot;
  /** The link or @username a digital service was ordered for (B10, balance-only profile). */
  link?: string;
}

export const SLOT_FIELDS = ['order', 'amount', 'reason', 'proof'] as const;
export type SlotField = (typeof SLOT_FIELDS)[number];

/** Fields the summary can send back to be corrected: the four, and the link when it was asked. */
export const CORRECTABLE_FIELDS = [...SLOT_FIELDS, 'link'] as const;
export type CorrectableField = (typeof CORRECTABLE_FIELDS)[number];
