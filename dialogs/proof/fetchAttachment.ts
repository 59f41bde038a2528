/**
 * Downloads the bytes of a file a user attached, safely: only from allowed origins (the bot's own
 * public URL, loopback on its port, configured extras; never decided from the activity's serviceUrl)
 * or an inline `data:` URL; never following a
 * redirect; with a size cap and a timeout. Anything else is refused without a request (no SSRF).
 */

import { readCapped } from '../../src/util/readCapped';

export interface FetchPolicy {
  /** Origins (`https://bot.example.com`) the bot may download attachments from. */
  allowedOrigins: readonly string[];
  /** This instance's own origins once it listens (loopback on its real port), for the web chat's files. */
  ownOrigins?: () => readonly string[];
  maxBytes: number;
  timeoutMs: number;
}

export type FetchResult = { ok: true; bytes: Buffer; contentType?: string } | { ok: false; error: 'not_allowed' | 'too_large' | 'download_failed' | 'empty' };

export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Where the embedded Direct Line channel serves uploaded files (src/channels/directline). */
export const DIRECTLINE_ATTACHMENT_PATH = '/v3/directline/conversations/';

/**
 * "Our own" web chat file: on one of this instance's own origins (known from the server itself, never
 * from the activity: `serviceUrl` is whatever the sender wrote) and under the channel's attachment path.
 */
export function isOwnChannelAttachment(contentUrl: string, ownOrigins: readonly string[]): boolean {
  try {
    const file = new URL(contentUrl);
    return ownOrigins.includes(file.origin) && file.pathname.startsWith(DIRECTLINE_ATTACHMENT_PATH) && !file.pathname.includes('..');
  } catch {
    return false;
  }
}

function fromDataUrl(url: string, maxBytes: number): FetchResult {
  const m = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(url);
  if (!m) return { ok: false, error: 'download_failed' };
  const payload = m[3];
  // Base64 gives 3 bytes per 4 characters: refuse before decoding anything oversized.
  const estimate = m[2] ? Math.floor((payload.length * 3) / 4) : payload.length;
  if (estimate > maxBytes + 3) return { ok: false, error: 'too_large' };
  const bytes = m[2] ? Buffer.from(payload, 'base64') : Buffer.from(decodeURIComponent(payload), 'utf8');
  if (bytes.length > maxBytes) return { ok: false, error: 'too_large' };
  if (bytes.length === 0) return { ok: false, error: 'empty' };
  return { ok: true, bytes, contentType: m[1] || undefined };
}

export async function fetchAttachment(url: string, policy: FetchPolicy): Promise<FetchResult> {
  if (url.startsWith('data:')) return fromDataUrl(url, policy.maxBytes);
  const origin = originOf(url);
  const allowed = !!origin && (policy.allowedOrigins.includes(origin) || isOwnChannelAttachment(url, policy.ownOrigins?.() ?? []));
  if (!allowed) return { ok: false, error: 'not_allowed' };

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), policy.timeoutMs);
  try {
    const res = await fetch(url, { redirect: 'error', signal: controller.signal });
    if (!res.ok) return { ok: false, error: 'download_failed' };
    const bytes = await readCapped(res, policy.maxBytes);
    if (!bytes) return { ok: false, error: 'too_large' };
    if (bytes.length === 0) return { ok: false, error: 'empty' };
    return { ok: true, bytes, contentType: res.headers.get('content-type') ?? undefined };
  } catch {
    return { ok: false, error: 'download_failed' };
  } finally {
    clearTimeout(timer);
  }
}
