import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { BodyTooLargeError } from '../../server/body';

/*
 * multipart/form-data for the Direct Line upload route, and only there: directlinejs sends one part
 * named `activity` (the activity as JSON) and one part per file named `file`. The body is streamed
 * through busboy under hard limits (file size, number of files and parts, field size): nothing is
 * written to disk, a file is held in memory only up to its limit, and anything over a limit stops
 * the read at once.
 */

export { BodyTooLargeError } from '../../server/body';

export class MalformedMultipartError extends Error {}

export interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export interface MultipartLimits {
  /** Largest file, in bytes. */
  fileBytes: number;
  /** Most files. */
  files: number;
  /** Largest non-file field (the activity JSON), in bytes. */
  fieldBytes: number;
  /** Whole body, in bytes (checked on Content-Length and while reading). */
  totalBytes: number;
}

export function isMultipart(contentType: string | undefined): boolean {
  return !!contentType && /^multipart\/form-data\s*;/i.test(contentType) && /boundary=/i.test(contentType);
}

/** Reads the parts of a multipart request under `limits`. Rejects with BodyTooLargeError or MalformedMultipartError. */
export function readMultipart(req: IncomingMessage, limits: MultipartLimits): Promise<Part[]> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.totalBytes) return Promise.reject(new BodyTooLargeError(limits.totalBytes));
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: { fileSize: limits.fileBytes, files: limits.files, fields: 4, parts: limits.files + 4, fieldSize: limits.fieldBytes, fieldNameSize: 100, headerPairs: 20 },
      });
    } catch (err) {
      reject(new MalformedMultipartError((err as Error).message));
      return;
    }
    const parts: Part[] = [];
    let total = 0;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      bb.removeAllListeners();
      bb.on('error', () => undefined);
      reject(err);
    };
    const count = (n: number) => {
      total += n;
      if (total > limits.totalBytes) fail(new BodyTooLargeError(limits.totalBytes));
    };
    bb.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        if (failed) return;
        count(chunk.length);
        chunks.push(chunk);
      });
      stream.on('limit', () => fail(new BodyTooLargeError(limits.fileBytes)));
      stream.on('end', () => {
        if (!failed) parts.push({ name, filename: info.filename, contentType: info.mimeType, data: Buffer.concat(chunks) });
      });
      stream.on('error', (err: Error) => fail(new MalformedMultipartError(err.message)));
    });
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) return fail(new BodyTooLargeError(limits.fieldBytes));
      count(Buffer.byteLength(value));
      parts.push({ name, contentType: info.mimeType, data: Buffer.from(value, 'utf8') });
    });
    bb.on('filesLimit', () => fail(new MalformedMultipartError('too many files')));
    bb.on('partsLimit', () => fail(new MalformedMultipartError('too many parts')));
    bb.on('fieldsLimit', () => fail(new MalformedMultipartError('too many fields')));
    bb.on('error', (err: Error) => fail(new MalformedMultipartError(err.message)));
    bb.on('close', () => {
      if (!failed) resolve(parts);
    });
    req.on('error', (err: Error) => fail(err));
    req.pipe(bb);
  });
}
