/**
 * One JSON request to an outside service, with Node 20's global fetch, a timeout
 * (`AbortSignal.timeout`, covering the body too), an optional bearer token, and failures mapped to the
 * ports' errors:
 *  - timeout, connection refused, DNS, reset → `ServiceUnavailableError` (no status);
 *  - 408, 429, 5xx, 401, 403 → `ServiceUnavailableError` with the status (cannot answer now / misconfigured);
 *  - 404 → `{ status: 404 }`: the caller decides (usually `null`);
 *  - 200 with a JSON body → the parsed body, for the caller to validate with zod;
 *  - anything else (other statuses, redirects, a body that is not JSON or too large) → `ServiceContractError`.
 */
import type { z } from 'zod';
import { ServiceContractError, ServiceUnavailableError, type ServiceName } from '../ports';
import { describeIssues } from '../schemas';
import { readCapped } from '../../util/readCapped';

export interface HttpServiceOptions {
  /** Base URL; paths are appended to it (`https://api.example/v1` + `orders/FL-123456`). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  token?: string;
  /** Whole request, body included (SERVICES_TIMEOUT_MS). */
  timeoutMs: number;
  /** Larger answers are refused as contract errors (default 1 MiB). */
  maxResponseBytes?: number;
}

export type HttpAnswer = { status: 200; body: unknown } | { status: 404 };

const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

function joinUrl(baseUrl: string, path: string, query?: Record<string, string | undefined>): URL {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const url = new URL(path.replace(/^\/+/, ''), base);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  return url;
}

/** Encodes one path segment (ids may hold anything). */
export const segment = (s: string): string => encodeURIComponent(s);

export async function requestJson(
  service: ServiceName,
  opts: HttpServiceOptions,
  method: 'GET' | 'POST',
  path: string,
  init: { query?: Record<string, string | undefined>; body?: unknown } = {},
): Promise<HttpAnswer> {
  const url = joinUrl(opts.baseUrl, path, init.query);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const label = `${method} ${url.pathname}`;

  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal,
      redirect: 'manual',
    });
    if (res.status !== 200) {
      // The body is not needed; free the connection.
      await res.body?.cancel().catch(() => undefined);
    }
    if (res.status === 404) return { status: 404 };
    if (res.status !== 200) throw statusError(service, label, res.status);
    const declared = Number(res.headers.get('content-length') ?? '0');
    const max = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (declared > max) {
      await res.body?.cancel().catch(() => undefined);
      throw new ServiceContractError(service, `${label}: answer larger than ${max} bytes`);
    }
    text = await readText(res, max, service, label);
  } catch (err) {
    if (err instanceof ServiceUnavailableError || err instanceof ServiceContractError) throw err;
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || signal.aborted) {
      throw new ServiceUnavailableError(service, `${label}: no answer within ${opts.timeoutMs} ms`, undefined, { cause: err });
    }
    const detail = e.cause?.code ?? e.cause?.message ?? e.message;
    throw new ServiceUnavailableError(service, `${label}: ${detail}`, undefined, { cause: err });
  }

  try {
    return { status: 200, body: JSON.parse(text) };
  } catch {
    throw new ServiceContractError(service, `${label}: answer is not JSON`);
  }
}

function statusError(service: ServiceName, label: string, status: number): Error {
  if (status >= 500 || status === 408 || status === 429) {
    return new ServiceUnavailableError(service, `${label}: HTTP ${status}`, status);
  }
  if (status === 401 || status === 403) {
    return new ServiceUnavailableError(service, `${label}: HTTP ${status} (credentials rejected: check SERVICES_API_TOKEN)`, status);
  }
  return new ServiceContractError(service, `${label}: unexpected HTTP ${status}`);
}

async function readText(res: Response, max: number, service: ServiceName, label: string): Promise<string> {
  const bytes = await readCapped(res, max);
  if (!bytes) throw new ServiceContractError(service, `${label}: answer larger than ${max} bytes`);
  return bytes.toString('utf8');
}

/** Parses a 200 body with `schema`, or throws a `ServiceContractError` naming the wrong paths. */
export function parseAnswer<T>(service: ServiceName, what: string, schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new ServiceContractError(service, `${what}: answer does not fit the contract`, describeIssues(r.error));
  return r.data;
}
