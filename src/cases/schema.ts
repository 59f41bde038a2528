/**
 * zod schemas of a stored case: every record read from Redis is parsed with them (Redis is a
 * boundary: another version of the bot may have written it), and every new record is checked
 * before it is written.
 */
import { z } from 'zod';
import {
  ALTERNATIVES,
  DESTINATIONS,
  FACT_CODES,
  NEXT_STEPS,
  OUTCOMES,
  PRIORITIES,
  PROFILES,
  REVIEW_REASONS,
  TOPICS,
  caseFactsSchema,
  moneySchema,
  type Decision,
} from '../eligibility';
import { REFERENCE_PATTERN } from './reference';
import {
  CASE_STATUSES,
  PROOF_CONTENT_TYPES,
  type CaseContact,
  type CaseDisputeState,
  type CaseInvoiceState,
  type CaseOwner,
  type CaseRecord,
  type ProofMeta,
  type StatusChange,
  type StoredConversationReference,
} from './types';

const isoDateTime = z.iso.datetime({ offset: true });
const calendarDate = z.iso.date();

export const caseOwnerSchema = z
  .object({ channelId: z.string().min(1), userId: z.string().min(1), accountId: z.string().min(1).optional() })
  .strict();

export const statusChangeSchema = z
  .object({ status: z.enum(CASE_STATUSES), at: isoDateTime, by: z.string().min(1).max(200), note: z.string().max(2000).optional() })
  .strict();

export const proofMetaSchema = z
  .object({
    storeId: z.string().min(1).max(100),
    name: z.string().max(255),
    contentType: z.enum(PROOF_CONTENT_TYPES),
    size: z.number().int().positive(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    uploadedAt: isoDateTime,
    expiresAt: isoDateTime.optional(),
  })
  .strict();

const timelineSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('business_days'), min: z.number().int(), max: z.number().int(), earliest: calendarDate, latest: calendarDate }),
  z.object({ kind: z.literal('immediate') }),
  z.object({ kind: z.literal('wait_until'), date: calendarDate, at: isoDateTime.optional() }),
  z.object({ kind: z.literal('same_day'), date: calendarDate }),
]);

/** The engine's `Decision` (src/eligibility/decision.ts), as stored. */
export const decisionSchema = z.object({
  outcome: z.enum(OUTCOMES),
  clauses: z.array(z.string().min(1)),
  topic: z.enum(TOPICS),
  profile: z.enum(PROFILES),
  refund: z.object({ destination: z.enum(DESTINATIONS), amount: moneySchema }).nullable(),
  timeline: timelineSchema.nullable(),
  nextSteps: z.array(z.enum(NEXT_STEPS)),
  alternatives: z.array(z.enum(ALTERNATIVES)),
  missingFacts: z.array(z.string()),
  conflictingFacts: z.array(z.string()),
  review: z.object({ required: z.boolean(), priority: z.enum(PRIORITIES), reasons: z.array(z.enum(REVIEW_REASONS)) }),
  /** Absent in records made before decisions carried their facts: read as none. */
  facts: z
    .array(
      z.object({
        code: z.enum(FACT_CODES),
        values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), moneySchema])).optional(),
      }),
    )
    .default([]),
});

export const caseContactSchema = z
  .object({ email: z.string().email().max(254).optional(), confirmedAt: isoDateTime.optional(), optedOut: z.boolean().optional() })
  .strict();

export const caseDisputeStateSchema = z
  .object({
    merchantName: z.string().min(1).max(200).optional(),
    complaintType: z.enum(['payment', 'delivery']).optional(),
    complaintSentAt: isoDateTime.optional(),
    merchantDeadline: isoDateTime.optional(),
    merchantAnsweredAt: isoDateTime.optional(),
    deadlinePassedAt: isoDateTime.optional(),
    customerToldAt: isoDateTime.optional(),
    lastRequestAt: isoDateTime.optional(),
  })
  .strict();

export const caseInvoiceStateSchema = z
  .object({
    invoiceId: z.string().min(1).max(200),
    pause: z.enum(['paused', 'already_paused', 'paid', 'cancelled']),
    at: isoDateTime,
    dueDate: calendarDate.optional(),
  })
  .strict();

const conversationReferenceSchema = z.custom<StoredConversationReference>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  { message: 'must be an object' },
);

export const caseRecordSchema = z
  .object({
    reference: z.string().regex(REFERENCE_PATTERN),
    topic: z.enum(TOPICS),
    profile: z.enum(PROFILES),
    owner: caseOwnerSchema,
    status: z.enum(CASE_STATUSES),
    history: z.array(statusChangeSchema).min(1),
    facts: caseFactsSchema,
    decision: decisionSchema,
    proofs: z.array(proofMetaSchema).max(50),
    language: z.enum(['en', 'fr']),
    channelId: z.string().min(1),
    conversationReference: conversationReferenceSchema,
    contact: caseContactSchema.optional(),
    dispute: caseDisputeStateSchema.optional(),
    invoice: caseInvoiceStateSchema.optional(),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
  })
  .strict();

// Compile-time checks: the schemas give exactly the types of ./types.ts and the engine's Decision.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameTypes: [
  Same<z.infer<typeof decisionSchema>, Decision>,
  Same<z.infer<typeof caseOwnerSchema>, CaseOwner>,
  Same<z.infer<typeof statusChangeSchema>, StatusChange>,
  Same<z.infer<typeof proofMetaSchema>, ProofMeta>,
  Same<z.infer<typeof caseRecordSchema>, CaseRecord>,
  Same<z.infer<typeof caseContactSchema>, CaseContact>,
  Same<z.infer<typeof caseDisputeStateSchema>, CaseDisputeState>,
  Same<z.infer<typeof caseInvoiceStateSchema>, CaseInvoiceState>,
] = [true, true, true, true, true, true, true, true];
void sameTypes;
