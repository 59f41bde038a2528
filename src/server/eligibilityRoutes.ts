/**
 * Eligibility API:
 * - `POST /api/eligibility` with `{ profile?, case }` → 200 and the decision; 400 listing each wrong field.
 * - `GET /api/eligibility/schema` → the JSON Schema of that body, generated from the zod schema.
 *
 * The body is read here when no body parser ran before this route, and used as is when one did,
 * so the route works with a server-wide bodyParser, a per-route one, or none.
 */
import type { Request, Response, Server } from 'restify';
import { assertHolidaysCountry, assertTimeZone } from '../eligibility/calendar';
import { eligibilityInputJsonSchema, evaluate, parseEligibilityInput, type Profile } from '../eligibility';

export interface EligibilityRoutesOptions {
  timeZone: string;
  defaultProfile: Profile;
  /** Public holidays of this country are not business days (HOLIDAYS_COUNTRY); default FR, null: weekends only. */
  holidaysCountry?: string | null;
  /** Largest body read by this route when no body parser ran first. Default 64 KiB. */
  maxBodyBytes?: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function readRaw(req: Request, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > limit) throw new HttpError(413, 'PayloadTooLarge', `body larger than ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function jsonBody(req: Request, limit: number): Promise<unknown> {
  const consumed = req.readableEnded || (req as { _readBody?: boolean })._readBody === true;
  let body: unknown = (req as { body?: unknown }).body;
  if (!consumed) {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== '' && type !== 'application/json' && !type.endsWith('+json')) {
      throw new HttpError(415, 'UnsupportedMediaType', 'body must be application/json');
    }
    body = await readRaw(req, limit);
  }
  if (Buffer.isBuffer(body)) body = body.toString('utf8');
  if (typeof body === 'string') {
    if (body.trim() === '') throw new HttpError(400, 'InvalidJson', 'empty body');
    try {
      return JSON.parse(body) as unknown;
    } catch (e) {
      throw new HttpError(400, 'InvalidJson', `invalid JSON: ${(e as Error).message}`);
    }
  }
  if (body === undefined) throw new HttpError(400, 'InvalidJson', 'empty body');
  return body;
}

export function registerEligibilityRoutes(server: Server, opts: EligibilityRoutesOptions): void {
  assertTimeZone(opts.timeZone);
  if (opts.holidaysCountry) assertHolidaysCountry(opts.holidaysCountry);
  const options = { timeZone: opts.timeZone, defaultProfile: opts.defaultProfile, holidaysCountry: opts.holidaysCountry };
  const limit = opts.maxBodyBytes ?? 64 * 1024;
  const schema = eligibilityInputJsonSchema();

  server.get('/api/eligibility/schema', async (_req: Request, res: Response) => {
    res.send(200, schema);
  });

  server.post('/api/eligibility', async (req: Request, res: Response) => {
    let raw: unknown;
    try {
      raw = await jsonBody(req, limit);
    } catch (e) {
      if (e instanceof HttpError) {
        res.send(e.status, { error: { code: e.code, message: e.message } });
        return;
      }
      throw e;
    }
    const parsed = parseEligibilityInput(raw);
    if (!parsed.ok) {
      res.send(400, { error: { code: 'InvalidInput', message: 'the case has wrong fields', fields: parsed.errors } });
      return;
    }
    res.send(200, evaluate(parsed.input, options));
  });
}
