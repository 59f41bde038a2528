/**
 * Case records: what a submitted request becomes. A case has a short reference the user can read out
 * (`RF-7K2Q9`), is kept in Redis with no expiry, and holds the facts, the decision with its clauses,
 * proof metadata (never the bytes, never a card number), language, channel, conversation reference,
 * status history and timestamps.
 *
 * Ownership ("a user never sees another user's case"): see `matchesOwner` in ./owner.ts.
 */
import type { ConversationReference } from 'botbuilder';
import type { CaseFacts, Decision, Profile, Topic } from '../eligibility';

// ---------------------------------------------------------------- references

/** Reference prefix per topic: RF refund, PN payment not received, DS dispute. */
export const REFERENCE_PREFIXES = { refund: 'RF', payment_not_received: 'PN', dispute: 'DS' } as const satisfies Record<Topic, string>;
export type ReferencePrefix = (typeof REFERENCE_PREFIXES)[Topic];

/** A case reference, e.g. `RF-7K2Q9` (see ./reference.ts). */
export type CaseReference = string;

// ---------------------------------------------------------------- owner

/**
 * Who a case belongs to. `channelId` + `userId` are the channel's user (Teams, web chat);
 * `accountId` is the verified account (account service), when there is one, never self-declared.
 */
export interface CaseOwner {
  channelId: string;
  userId: string;
  accountId?: string;
}

// ---------------------------------------------------------------- statuses

/**
 * Refunds and payment-not-registered reports:
 * - `submitted`: the request is recorded with its provisional decision; nothing waits on an agent.
 * - `awaiting_review`: an agent must look at it (decision needs review, suspended, escalated).
 * - `in_review`: an agent has taken it.
 * - `approved` / `refused`: an agent (or a back office) decided.
 * - `closed`: finished; nothing more happens. Final.
 *
 * Disputes with a merchant (D6), which may also go through `awaiting_review` / `in_review` when a
 * person takes the conversation:
 * - `open`: recorded; the customer is to contact the merchant first (D2), or the merchant answered.
 * - `waiting_merchant`: a delivery complaint was sent to the merchant, who has until
 *   `dispute.merchantDeadline` to answer (D5).
 * - `platform_review`: the platform handles it (a payment complaint, D4; or the merchant did not
 *   answer in time, D5).
 * - `resolved`: a solution was found; waiting to be closed.
 * - `closed_by_customer` (D6.1), `closed_by_platform` (D6.2), `closed_auto` (D6.3): final.
 */
export const REFUND_CASE_STATUSES = ['submitted', 'awaiting_review', 'in_review', 'approved', 'refused', 'closed'] as const;
export const DISPUTE_CASE_STATUSES = ['open', 'waiting_merchant', 'platform_review', 'resolved', 'closed_by_customer', 'closed_by_platform', 'closed_auto'] as const;
export const CASE_STATUSES = [...REFUND_CASE_STATUSES, ...DISPUTE_CASE_STATUSES] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export type DisputeCaseStatus = (typeof DISPUTE_CASE_STATUSES)[number];

/** Statuses after which nothing more happens. */
export const FINAL_STATUSES: ReadonlySet<CaseStatus> = new Set(['closed', 'closed_by_customer', 'closed_by_platform', 'closed_auto']);

/** Where a dispute can go from any of its non-final statuses (D6 closings included). */
const DISPUTE_EXITS = ['awaiting_review', 'in_review', 'resolved', 'closed_by_customer', 'closed_by_platform', 'closed_auto'] as const;

/**
 * Allowed moves. A move not listed is refused with `InvalidStatusTransitionError`. The dispute
 * statuses are for dispute cases only (`statusAllowedFor`); a dispute taken by a person
 * (`awaiting_review`, `in_review`) goes back to a dispute status or is closed by the platform.
 */
export const STATUS_TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  submitted: ['awaiting_review', 'in_review', 'approved', 'refused', 'closed'],
  awaiting_review: ['in_review', 'approved', 'refused', 'closed', 'open', 'waiting_merchant', 'platform_review', 'resolved', 'closed_by_customer', 'closed_by_platform'],
  in_review: ['awaiting_review', 'approved', 'refused', 'closed', 'open', 'waiting_merchant', 'platform_review', 'resolved', 'closed_by_customer', 'closed_by_platform'],
  approved: ['in_review', 'closed', 'closed_by_customer', 'closed_by_platform'],
  refused: ['in_review', 'closed', 'closed_by_customer', 'closed_by_platform'],
  closed: [],
  open: ['waiting_merchant', 'platform_review', ...DISPUTE_EXITS],
  waiting_merchant: ['open', 'platform_review', ...DISPUTE_EXITS],
  platform_review: [...DISPUTE_EXITS],
  resolved: ['platform_review', 'awaiting_review', 'in_review', 'closed_by_customer', 'closed_by_platform', 'closed_auto'],
  closed_by_customer: [],
  closed_by_platform: [],
  closed_auto: [],
};

/**
 * Whether a case of this topic may be in this status: the dispute statuses are for disputes only.
 * (A dispute may still be `approved` / `refused` by an agent's decision at the desk.)
 */
export function statusAllowedFor(topic: Topic, status: CaseStatus): boolean {
  return topic === 'dispute' || !(DISPUTE_CASE_STATUSES as readonly string[]).includes(status);
}

/** Dispute statuses the D6.3 sweep closes (a case a person has in hand is left to them). */
export const AUTO_CLOSABLE_STATUSES: ReadonlySet<CaseStatus> = new Set(['open', 'waiting_merchant', 'platform_review', 'resolved']);

/** D6.3: a dispute closes this long after its transaction date (or the customer's last new request). */
export const DISPUTE_AUTO_CLOSE_DAYS = 180;

export interface StatusChange {
  status: CaseStatus;
  /** ISO date-time. */
  at: string;
  /** Who made the change: `bot`, `user:<id>`, `agent:<id>`, `system`. */
  by: string;
  note?: string;
}

// ---------------------------------------------------------------- proof

/** Proof content types accepted (checked by magic bytes, see ./proof.ts). */
export const PROOF_CONTENT_TYPES = ['image/png', 'image/jpeg', 'application/pdf'] as const;
export type ProofContentType = (typeof PROOF_CONTENT_TYPES)[number];

/** Metadata of one proof file. The bytes live in a `ProofStore` under `storeId` (with a TTL). */
export interface ProofMeta {
  /** Id in the proof store. */
  storeId: string;
  /** File name as the user gave it (display only). */
  name: string;
  /** Detected from the bytes, not the declared type. */
  contentType: ProofContentType;
  size: number;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
  /** ISO date-time of the upload. */
  uploadedAt: string;
  /** ISO date-time after which the bytes may be gone from the store (metadata stays). */
  expiresAt?: string;
}

// ---------------------------------------------------------------- decision

/** The eligibility engine's decision, stored as the engine returned it (clauses included). */
export type CaseDecision = Decision;

// ---------------------------------------------------------------- e-mail contact

/**
 * How the customer wants to hear about this request by e-mail (src/services/notifications).
 * - `email`: an address the customer typed in the chat and confirmed; kept on this case only. Absent
 *   when the address comes from the verified account (read through the accounts port when sending).
 * - `optedOut`: the customer said they want no e-mails for this request.
 */
export interface CaseContact {
  email?: string;
  /** ISO date-time the customer confirmed the address. */
  confirmedAt?: string;
  optedOut?: boolean;
}

// ---------------------------------------------------------------- dispute and invoice facts

/** What happened to a dispute outside the chat (all date-times ISO). */
export interface CaseDisputeState {
  /** The merchant, as the order names it. */
  merchantName?: string;
  /** D3: payment (the platform handles it, D4) or delivery (sent to the merchant, D5). */
  complaintType?: 'payment' | 'delivery';
  /** D5: when the complaint was sent to the merchant (the platform informed). */
  complaintSentAt?: string;
  /** D5: by when the merchant should answer (from the merchants port). */
  merchantDeadline?: string;
  /** When the merchant answered (from the merchants port, seen by the sweep). */
  merchantAnsweredAt?: string;
  /** When the sweep found the deadline passed with no answer and moved the case to the platform. */
  deadlinePassedAt?: string;
  /** When the customer was told that the platform took over (e-mail queued / chat message sent). */
  customerToldAt?: string;
  /** D6.3: the customer's last new request on this case (it restarts the 180 days). */
  lastRequestAt?: string;
}

/** The invoice of a payment-not-registered report (P4) and what the invoices port answered. */
export interface CaseInvoiceState {
  invoiceId: string;
  /** `paused` now; `already_paused` before this report; `paid` / `cancelled`: not paused. */
  pause: 'paused' | 'already_paused' | 'paid' | 'cancelled';
  /** ISO date-time of the answer. */
  at: string;
  /** ISO date of the invoice's due date, when known. */
  dueDate?: string;
}

// ---------------------------------------------------------------- the record

/** What the conversation reference keeps: enough to continue the conversation proactively. */
export type StoredConversationReference = Partial<ConversationReference>;

export interface CaseRecord {
  reference: CaseReference;
  topic: Topic;
  /** The policy profile the decision was made with. */
  profile: Profile;
  owner: CaseOwner;
  status: CaseStatus;
  /** Oldest first; the first entry is the creation. */
  history: StatusChange[];
  /** The engine's input, as decided. */
  facts: CaseFacts;
  decision: CaseDecision;
  proofs: ProofMeta[];
  language: 'en' | 'fr';
  /** The channel the request came from (`msteams`, `directline`, `webchat`…). */
  channelId: string;
  conversationReference: StoredConversationReference;
  /** E-mail choice for this request; absent until the customer answered. */
  contact?: CaseContact;
  /** Disputes: the merchant complaint, its deadline, and the customer's new requests (D5, D6). */
  dispute?: CaseDisputeState;
  /** Payment-not-registered reports: the invoice and its pause (P4, P6). */
  invoice?: CaseInvoiceState;
  /** ISO date-times. */
  createdAt: string;
  updatedAt: string;
}

/** What a dialog gives to create a case. */
export interface NewCase {
  topic: Topic;
  profile: Profile;
  owner: CaseOwner;
  facts: CaseFacts;
  decision: CaseDecision;
  proofs?: ProofMeta[];
  language: 'en' | 'fr';
  conversationReference: StoredConversationReference;
  /**
   * Default `submitted` (`open` for disputes); `awaiting_review` when the decision needs a human;
   * for disputes also `waiting_merchant` (complaint sent, D5) or `platform_review` (D4).
   */
  status?: 'submitted' | 'awaiting_review' | 'open' | 'waiting_merchant' | 'platform_review';
  /** Disputes: the complaint facts (merchant, deadline…). */
  dispute?: CaseDisputeState;
  /** Payment reports: the invoice pause. */
  invoice?: CaseInvoiceState;
  /** Who created it (default `bot`) and an optional note for the first history entry. */
  by?: string;
  note?: string;
  /**
   * Idempotency (conversation id + request id): creating again with the same key returns the case
   * the first call created, never a second one (a retry after a write that could not be confirmed).
   */
  requestKey?: string;
}

// ---------------------------------------------------------------- repository

export interface ListOptions {
  /** At most this many, newest first (default 20, at most 100). */
  limit?: number;
}

export interface CaseRepository {
  /**
   * Stores a new case under a fresh unique reference; never overwrites. Resolves only once the case
   * is durable (see src/storage/durability.ts); rejects with `NotDurableError` when that could not be
   * confirmed: retry with the same `requestKey`, and never show the reference meanwhile.
   */
  create(input: NewCase): Promise<CaseRecord>;
  /** The case, whoever owns it (agents, back office). `null` when unknown. */
  get(reference: CaseReference): Promise<CaseRecord | null>;
  /** The case only when it belongs to `owner` (`matchesOwner`); otherwise `null`, as if unknown. */
  getForOwner(reference: CaseReference, owner: CaseOwner): Promise<CaseRecord | null>;
  /** The owner's cases, newest first, bounded by `limit`. */
  listByOwner(owner: CaseOwner, opts?: ListOptions): Promise<CaseRecord[]>;
  /**
   * Moves the case to `status` and appends to its history, atomically (concurrent updates never lose
   * an entry). `null` when unknown; throws `InvalidStatusTransitionError` for a move not allowed.
   */
  updateStatus(reference: CaseReference, status: CaseStatus, by: string, note?: string): Promise<CaseRecord | null>;
  /** Appends a history entry without changing the status (an agent's action, a note). `null` when unknown. */
  note(reference: CaseReference, by: string, note: string): Promise<CaseRecord | null>;
  /** Adds proof metadata to a case (e.g. a proof sent after submission). `null` when unknown. */
  addProof(reference: CaseReference, proof: ProofMeta, by: string): Promise<CaseRecord | null>;
  /**
   * The case history of one order, as the eligibility engine reads it (`requestHistory`, B10, B11):
   * how many requests were recorded for it (except `exclude`, the conversation's own case), and how
   * many of those were compensated (approved by an agent, or provisionally approved and not refused).
   * Counts the newest 100 cases recorded since the order index exists; with `owner`, only that
   * customer's own (a repeated request, B10, or a second compensation, B11, is the same customer's).
   */
  requestHistory(orderId: string, exclude?: CaseReference, owner?: CaseOwner): Promise<{ earlierRequests: number; compensatedRequests: number }>;
  /** Sets the e-mail choice of a case (replaces the previous one). `null` when unknown. */
  setContact(reference: CaseReference, contact: CaseContact, by: string): Promise<CaseRecord | null>;
  /**
   * Compare-and-set move: only when the case is in one of `from` (and `when`, if given, holds for
   * it), to `to`, with `patch` merged into its dispute facts, in one atomic write. `to` may be the
   * current status: then only the facts change (a claim), with a history note. Of several callers
   * (instances) making the same move, exactly one gets `moved: true`; the others get the case as it
   * is. `null` when unknown. Throws `InvalidStatusTransitionError` for a move not allowed.
   */
  transition(reference: CaseReference, move: CaseTransition): Promise<{ moved: boolean; record: CaseRecord } | null>;
  /** D6.1: the customer closes their own case (ownership as `getForOwner`). */
  closeByCustomer(reference: CaseReference, owner: CaseOwner, note?: string): Promise<CloseByCustomerResult>;
  /**
   * The customer comes back with a new request on their dispute (e.g. "the merchant didn't answer"):
   * noted in the history, and the D6.3 180 days count from now. `null` when unknown or not theirs.
   */
  recordCustomerRequest(reference: CaseReference, owner: CaseOwner, note: string): Promise<CaseRecord | null>;
  /** Merges dispute facts (merchant, deadline…) into the case, with a history note. `null` when unknown. */
  setDispute(reference: CaseReference, patch: CaseDisputeState, by: string, note?: string): Promise<CaseRecord | null>;
  /** Records the invoice pause of a payment report (P4). `null` when unknown. */
  setInvoice(reference: CaseReference, invoice: CaseInvoiceState, by: string): Promise<CaseRecord | null>;
  /**
   * References the sweep should look at (src/disputes/sweep.ts): `deadline`: disputes waiting for a
   * merchant whose deadline is at or before `now` (and cases moved to the platform whose customer
   * was not told yet); `expiry`: disputes whose D6.3 180 days are over. At most `limit`, oldest first.
   * A hint: the sweep checks every case again before changing it.
   */
  dueForSweep(kind: 'deadline' | 'expiry', now: Date, limit: number): Promise<CaseReference[]>;
}

export interface CaseTransition {
  from: readonly CaseStatus[];
  to: CaseStatus;
  by: string;
  note?: string;
  /** Dispute facts to merge in the same write. */
  patch?: CaseDisputeState;
  /** An extra condition on the case as read (e.g. "the deadline has passed"). */
  when?: (record: CaseRecord) => boolean;
}

export type CloseByCustomerResult =
  | { ok: true; record: CaseRecord; alreadyClosed: boolean }
  /** `not_found`: unknown or someone else's; `final`: closed already in another way (by the platform, automatically). */
  | { ok: false; reason: 'not_found' | 'final'; record?: CaseRecord };

export class InvalidStatusTransitionError extends Error {
  override readonly name = 'InvalidStatusTransitionError';
  constructor(
    readonly reference: CaseReference,
    readonly from: CaseStatus,
    readonly to: CaseStatus,
  ) {
    super(`case ${reference}: cannot move from ${from} to ${to}`);
  }
}

// ---------------------------------------------------------------- proof store

export interface StoredProof {
  meta: ProofMeta;
  bytes: Buffer;
}

export interface ProofStore {
  /**
   * Checks the file (`checkProofFile`) and stores the bytes; returns the metadata to put on the case.
   * Throws `ProofRejectedError` (with the reason code) when the check fails.
   */
  put(file: { name: string; contentType?: string; bytes: Uint8Array }): Promise<ProofMeta>;
  /** The bytes and metadata, or `null` when unknown or expired. */
  get(storeId: string): Promise<StoredProof | null>;
  delete(storeId: string): Promise<void>;
}
