/**
 * Proof files (screenshots, payment receipts): what is accepted.
 *
 * The type is read from the file's first bytes (magic numbers), not from its name or declared type:
 * PNG (`89 50 4E 47 0D 0A 1A 0A`), JPEG (`FF D8 FF`), PDF (`%PDF-`). A renamed executable is refused.
 * When the declared type is another accepted type (a phone calling a JPEG `image/png`), the detected
 * type wins. Size: 1 byte to 10 MiB.
 */
import type { ProofContentType } from './types';

export const MAX_PROOF_BYTES = 10 * 1024 * 1024;

export type ProofRejection = 'empty' | 'too_large' | 'unsupported_type';
export type ProofCheck = { ok: true; contentType: ProofContentType; size: number } | { ok: false; reason: ProofRejection };

export interface ProofFile {
  name: string;
  /** What the channel or browser declared; informative only. */
  contentType?: string;
  bytes: Uint8Array;
}

const startsWith = (bytes: Uint8Array, magic: readonly number[]): boolean =>
  bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;
const JPEG = [0xff, 0xd8, 0xff] as const;
const PDF = [0x25, 0x50, 0x44, 0x46, 0x2d] as const; // %PDF-

/** The accepted type the bytes are, or `null`. */
export function sniffContentType(bytes: Uint8Array): ProofContentType | null {
  if (startsWith(bytes, PNG)) return 'image/png';
  if (startsWith(bytes, JPEG)) return 'image/jpeg';
  if (startsWith(bytes, PDF)) return 'application/pdf';
  return null;
}

/** Checks one proof file. Pure; used by the dialogs and the web upload alike. */
export function checkProofFile(file: ProofFile, maxBytes: number = MAX_PROOF_BYTES): ProofCheck {
  const size = file.bytes.byteLength;
  if (size === 0) return { ok: false, reason: 'empty' };
  if (size > maxBytes) return { ok: false, reason: 'too_large' };
  const contentType = sniffContentType(file.bytes);
  if (!contentType) return { ok: false, reason: 'unsupported_type' };
  return { ok: true, contentType, size };
}

export class ProofRejectedError extends Error {
  override readonly name = 'ProofRejectedError';
  constructor(readonly reason: ProofRejection) {
    super(`proof file rejected: ${reason}`);
  }
}
