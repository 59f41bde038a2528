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
 * - `submitted`: the request is recorded with its provisional decision; nothing waits on an agent.
 * - `awaiting_review`: an agent must look at it (decision needs review, suspended, escalated).
 * - `in_review`: an agent has taken it.
 * - `approved` / `refused`: an agent (or a back office) decided.
 * - `closed`: finished; nothing more happens. Final.
 */
export const CASE_STATUSES = ['submitted', 'awaiting_review', 'in_review', 'approved', 'refused', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** Allowed moves. A move not listed is refused with `InvalidStatusTransitionError`. */
export const STATUS_TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  submitted: ['awaiting_review', 'in_review', 'approved', 'refused', 'closed'],
  awaiting_review: ['in_review', 'approved', 'refused', 'closed'],
  in_review: ['awaiting_review', 'approved', 'refused', 'closed'],
  approved: ['in_review', 'closed'],
  refused: ['in_review', 'closed'],
  closed: [],
};

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
  /** Default `submitted`; `awaiting_review` when the decision needs a human. */
  status?: 'submitted' | 'awaiting_review';
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
}

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
