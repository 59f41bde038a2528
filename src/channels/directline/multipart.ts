import type { IncomingMessage } from 'node:http';

/*
 * Just enough multipart/form-data for the Direct Line upload route: directlinejs sends one part
 * named `activity` (the activity as JSON, type application/vnd.microsoft.activity) and one part per
 * file named `file`. The whole body is read into memory with a hard byte limit, checked while
 * reading, so an oversized upload is cut off early and never buffered whole.
 */

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`Request body is larger than ${limit} bytes`);
  }
}

export class MalformedMultipartError extends Error {}

export interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** Reads the request body, failing as soon as it passes `limit` bytes (or at once on Content-Length). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (err) {
        req.resume(); // drain what is left so the connection can answer
        reject(err);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return finish(new BodyTooLargeError(limit));
      chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = (err: Error) => finish(err);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

function headerParam(header: string, name: string): string | undefined {
  // RFC 5987 extended form first (filename*=UTF-8''…), then the quoted or bare form.
  const ext = new RegExp(`;\\s*${name}\\*=(?:UTF-8|utf-8)''([^;]+)`).exec(header);
  if (ext) {
    try {
      return decodeURIComponent(ext[1].trim());
    } catch {
      /* fall through */
    }
  }
  // Browsers do not backslash-escape inside the quotes (they send `"` as %22), so neither do we:
  // a Windows path keeps its backslashes, and the caller keeps only the last segment.
  const m = new RegExp(`;\\s*${name}=(?:"([^"]*)"|([^;]+))`, 'i').exec(header);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1] : m[2].trim();
}

/** Splits a multipart body into its parts. Throws MalformedMultipartError on anything unexpected. */
export function parseMultipart(body: Buffer, boundary: string, maxParts = 10): Part[] {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // Treat the body as if it started with CRLF so the first delimiter looks like the others.
  const buf = Buffer.concat([Buffer.from('\r\n'), body]);
  let pos = buf.indexOf(delimiter);
  if (pos !== 0) throw new MalformedMultipartError('multipart body does not start with the boundary');
  const parts: Part[] = [];
  for (;;) {
    pos += delimiter.length;
    if (buf.subarray(pos, pos + 2).toString() === '--') return parts; // closing delimiter
    if (buf.subarray(pos, pos + 2).toString() !== '\r\n') throw new MalformedMultipartError('bad delimiter line');
    pos += 2;
    const headerEnd = buf.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw new MalformedMultipartError('part headers do not end');
    const headers = buf.subarray(pos, headerEnd).toString('utf8').split('\r\n');
    const next = buf.indexOf(delimiter, headerEnd + 4);
    if (next < 0) throw new MalformedMultipartError('part does not end');
    const data = buf.subarray(headerEnd + 4, next);
    let disposition = '';
    let contentType: string | undefined;
    for (const line of headers) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const key = line.slice(0, i).trim().toLowerCase();
      const value = line.slice(i + 1).trim();
      if (key === 'content-disposition') disposition = value;
      else if (key === 'content-type') contentType = value;
    }
    if (!/^form-data\b/i.test(disposition)) throw new MalformedMultipartError('part is not form-data');
    const name = headerParam(disposition, 'name');
    if (name === undefined) throw new MalformedMultipartError('part has no name');
    parts.push({ name, filename: headerParam(disposition, 'filename'), contentType, data: Buffer.from(data) });
    if (parts.length > maxParts) throw new MalformedMultipartError('too many parts');
    pos = next;
  }
}
