/**
 * Eligibility API:
 * - `POST /api/eligibility` with `{ profile?, case }` → 200 and the decision; 400 listing each wrong field.
 * - `GET /api/eligibility/schema` → the JSON Schema of that body, generated from the zod schema.
 *
 * The body is read here when no body parser ran before this route, and used as is when one did,
 * so the route works with a server-wide bodyParser, a per-route one, or none.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response, Server } from 'restify';
import { assertHolidaysCountry, assertTimeZone } from '../eligibility/calendar';
import { eligibilityInputJsonSchema, evaluate, parseEligibilityInput, type Profile } from '../eligibility';
import { BodyError, DEFAULT_MAX_JSON_DEPTH, readJson, sendBodyError } from './body';

export interface EligibilityRoutesOptions {
  timeZone: string;
  defaultProfile: Profile;
  /** Public holidays of this country are not business days (HOLIDAYS_COUNTRY); default FR, null: weekends only. */
  holidaysCountry?: string | null;
  /** Largest body read by this route. Default 64 KiB. */
  maxBodyBytes?: number;
  maxJsonDepth?: number;
  /**
   * API keys (ELIGIBILITY_API_KEYS), sent as `Authorization: Bearer <key>`. None: the routes are not
   * registered at all (404): a decision can carry a fraud flag, which the public must not read.
   */
  apiKeys: readonly string[];
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Compares the presented key with every configured key in constant time (no early exit, no length leak). */
export function apiKeyChecker(keys: readonly string[]): (authorization: string | undefined) => boolean {
  const digests = keys.map(digest);
  return (authorization) => {
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(authorization ?? '');
    const presented = digest(m ? m[1] : '');
    let ok = false;
    for (const d of digests) ok = timingSafeEqual(d, presented) || ok;
    return ok && !!m;
  };
}

export function registerEligibilityRoutes(server: Server, opts: EligibilityRoutesOptions): void {
  assertTimeZone(opts.timeZone);
  if (opts.holidaysCountry) assertHolidaysCountry(opts.holidaysCountry);
  const options = { timeZone: opts.timeZone, defaultProfile: opts.defaultProfile, holidaysCountry: opts.holidaysCountry };
  if (opts.apiKeys.length === 0) return;
  const limit = opts.maxBodyBytes ?? 64 * 1024;
  const maxDepth = opts.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const schema = eligibilityInputJsonSchema();
  const allowed = apiKeyChecker(opts.apiKeys);
  const refuse = (req: Request, res: Response) => {
    sendBodyError(req, res, new BodyError(401, 'Unauthorized', 'An API key is required: Authorization: Bearer <key>.'));
  };

  server.get('/api/eligibility/schema', async (req: Request, res: Response) => {
    if (!allowed(req.headers.authorization)) return refuse(req, res);
    res.send(200, schema);
  });

  server.post('/api/eligibility', async (req: Request, res: Response) => {
    if (!allowed(req.headers.authorization)) return refuse(req, res);
    let raw: unknown;
    try {
      raw = await readJson(req, { maxBytes: limit, maxDepth });
      if (raw === undefined) throw new BodyError(400, 'InvalidJson', 'empty body');
    } catch (e) {
      if (e instanceof BodyError) {
        sendBodyError(req, res, e);
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
