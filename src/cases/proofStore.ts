/**
 * `ProofStore` on Redis: the bytes of a proof file (≤ 10 MiB, PNG / JPEG / PDF by magic bytes) with a
 * TTL (default 30 days). The case keeps only the metadata (`ProofMeta`: name, detected type, size,
 * SHA-256, store id, expiry); after the TTL the bytes are gone and the metadata stays.
 *
 * Key: `keys.global('proof:' + id)`: one hash per proof (`meta`, `bytes`), its own hash tag, so big
 * files spread over a Cluster's slots. Ids are 128 random bits (base64url).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Keyspace } from '../storage/keys';
import type { RedisClient } from '../storage/redisClient';
import { checkProofFile, MAX_PROOF_BYTES, ProofRejectedError, type ProofFile } from './proof';
import { proofMetaSchema } from './schema';
import type { ProofMeta, ProofStore, StoredProof } from './types';

export interface RedisProofStoreOptions {
  /** How long the bytes are kept (default 30 days). */
  ttlSeconds?: number;
  /** Largest accepted file (default 10 MiB; `config.limits.maxUploadBytes` is the usual value). */
  maxBytes?: number;
  now?: () => Date;
}

export const DEFAULT_PROOF_TTL_SECONDS = 30 * 24 * 3600;
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export class RedisProofStore implements ProofStore {
  private readonly ttlSeconds: number;
  private readonly maxBytes: number;
  private readonly now: () => Date;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
    opts: RedisProofStoreOptions = {},
  ) {
    this.ttlSeconds = opts.ttlSeconds ?? DEFAULT_PROOF_TTL_SECONDS;
    this.maxBytes = Math.min(opts.maxBytes ?? MAX_PROOF_BYTES, MAX_PROOF_BYTES);
    this.now = opts.now ?? (() => new Date());
  }

  key(storeId: string): string {
    return this.keys.global(`proof:${storeId}`);
  }

  async put(file: ProofFile): Promise<ProofMeta> {
    const check = checkProofFile(file, this.maxBytes);
    if (!check.ok) throw new ProofRejectedError(check.reason);
    const bytes = Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength);
    const now = this.now();
    const storeId = randomBytes(16).toString('base64url');
    const meta: ProofMeta = proofMetaSchema.parse({
      storeId,
      name: sanitiseName(file.name),
      contentType: check.contentType,
      size: check.size,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      uploadedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.ttlSeconds * 1000).toISOString(),
    });
    const key = this.key(storeId);
    const results = await this.redis.multi().hset(key, 'meta', JSON.stringify(meta), 'bytes', bytes).expire(key, this.ttlSeconds).exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error('proof store: transaction aborted');
    return meta;
  }

  async get(storeId: string): Promise<StoredProof | null> {
    if (!ID_PATTERN.test(storeId)) return null;
    const [meta, bytes] = await this.redis.hmgetBuffer(this.key(storeId), 'meta', 'bytes');
    if (!meta || !bytes) return null;
    return { meta: proofMetaSchema.parse(JSON.parse(meta.toString('utf8'))), bytes };
  }

  async delete(storeId: string): Promise<void> {
    if (ID_PATTERN.test(storeId)) await this.redis.del(this.key(storeId));
  }
}

/** A display name: no path, no control characters, at most 255 characters. */
function sanitiseName(name: string): string {
  const base = String(name ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return clean || 'proof';
}
