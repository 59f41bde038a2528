import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Next, Request, Response } from 'restify';

/*
 * Request bodies, read in memory only. JSON routes take `application/json` (or `…+json`) and nothing
 * else: a multipart or urlencoded body is refused with 415 before a byte of it is read, so nothing
 * ever reaches the disk (restify's bodyParser hands multipart to formidable, which writes temp files)
 * and a plain HTML form on another site cannot drive the bot. Only the Direct Line upload route reads
 * multipart, streamed with busboy (src/channels/directline/multipart.ts).
 */

export const DEFAULT_MAX_JSON_DEPTH = 64;

export class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class BodyTooLargeError extends BodyError {
  constructor(readonly limit: number) {
    super(413, 'PayloadTooLarge', `Request body is larger than ${limit} bytes`);
  }
}

/**
 * After a 413 (or any refusal before the body was read), the rest of the body must not be taken for
 * the next request on a keep-alive connection: the answer says `Connection: close`, what is left of
 * the body is discarded (bounded), and the socket closes once the answer is out.
 */
export function refuseUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  if (req.readableEnded || req.complete) return;
  if (!res.headersSent) res.setHeader('Connection', 'close');
  let drained = 0;
  const cap = 64 * 1024 * 1024;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > cap) req.socket.destroy();
  });
  req.on('error', () => undefined);
  req.resume();
  res.once('finish', () => {
    // Let the kernel deliver the answer before the socket goes; a client still sending is cut off.
    setTimeout(() => req.socket.destroySoon?.(), 1000).unref();
  });
}

/** The media type of the request, lower case, without parameters ('' when there is none). */
export function mediaType(req: IncomingMessage): string {
  return String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

const JSON_SUFFIX_TYPE = /^application\/[a-z0-9.+-]*\+json$/;

export function isJsonType(type: string): boolean {
  return type === 'application/json' || JSON_SUFFIX_TYPE.test(type);
}

/** True when the request announces a body (a length above zero, or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  if (len !== undefined) return Number(len) > 0;
  return req.headers['transfer-encoding'] !== undefined;
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
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size));
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

/**
 * The deepest nesting of arrays and objects in a JSON text, counted without parsing (strings are
 * skipped), stopping as soon as `max` is passed. So a body nested a million deep costs one scan,
 * never a stack overflow in whatever walks the parsed value later.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

export interface JsonBodyOptions {
  maxBytes: number;
  maxDepth: number;
}

/** Reads and parses a JSON body under the limits; throws BodyError (415, 413, 400). Undefined when there is no body. */
export async function readJson(req: IncomingMessage, opts: JsonBodyOptions): Promise<unknown> {
  const type = mediaType(req);
  if (!hasBody(req) && type === '') return undefined;
  if (!isJsonType(type)) throw new BodyError(415, 'UnsupportedMediaType', 'The body must be application/json.');
  const raw = (await readBody(req, opts.maxBytes)).toString('utf8');
  if (raw.trim() === '') return undefined;
  if (jsonDepthExceeds(raw, opts.maxDepth)) throw new BodyError(400, 'BadRequest', `JSON nested deeper than ${opts.maxDepth} levels.`);
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new BodyError(400, 'BadRequest', 'The body is not valid JSON.');
  }
}

/** Sends a body error as `{ error: { code, message } }`, closing the connection when the body was not read. */
export function sendBodyError(req: Request, res: Response, err: BodyError): void {
  refuseUnreadBody(req, res);
  if (res.headersSent) return;
  res.send(err.status, { error: { code: err.code, message: err.message } });
}

/**
 * restify handler: parses a JSON body into `req.body` (undefined when there is none), or answers
 * 415 / 413 / 400 itself. Use instead of restify's bodyParser on every JSON route.
 */
export function jsonBody(maxBytes: number, maxDepth: number = DEFAULT_MAX_JSON_DEPTH) {
  // Not async: restify refuses async handlers that also take `next`.
  return (req: Request, res: Response, next: Next): void => {
    readJson(req, { maxBytes, maxDepth }).then(
      (body) => {
        (req as { body?: unknown }).body = body;
        next();
      },
      (err: unknown) => {
        if (err instanceof BodyError) {
          sendBodyError(req, res, err);
          next(false);
        } else next(err as Error);
      },
    );
  };
}
