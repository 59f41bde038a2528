/**
 * Case records: references, owners, statuses, proof files, and the repository on Redis.
 * See ./types.ts for the record and the repository interface.
 */
export * from './types';
export { generateReference, parseCaseReference, findCaseReferenceInText, topicOfReference, REFERENCE_ALPHABET, REFERENCE_LENGTH, REFERENCE_PATTERN } from './reference';
export { matchesOwner, ownerIndexIds } from './owner';
export { checkProofFile, sniffContentType, ProofRejectedError, MAX_PROOF_BYTES, type ProofCheck, type ProofFile, type ProofRejection } from './proof';
export { caseRecordSchema, decisionSchema, proofMetaSchema, caseOwnerSchema, statusChangeSchema, caseContactSchema, caseDisputeStateSchema, caseInvoiceStateSchema } from './schema';
export { RedisCaseRepository, CaseStoreError, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, TELL_GRACE_MS, sweepScores, disputeExpiryMs, type RedisCaseRepositoryOptions } from './repository';
export { RedisProofStore, DEFAULT_PROOF_TTL_SECONDS, type RedisProofStoreOptions } from './proofStore';
