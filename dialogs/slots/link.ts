import { fail, ok, Parsed } from './types';

/**
 * The link (or @username) a digital service was ordered for (B10): an http(s) URL with a host, or a
 * handle of 2 to 30 letters, digits, dots or underscores.
 */
export function parseLink(text: string | undefined): Parsed<string> {
  const t = (text ?? '').trim();
  if (!t || t.length > 300) return fail('format');
  if (/^@[A-Za-z0-9._]{2,30}$/.test(t)) return ok(t);
  const candidate = /^https?:\/\//i.test(t) ? t : /^[a-z0-9-]+(\.[a-z0-9-]+)+\//i.test(t) ? `https://${t}` : '';
  if (!candidate) return fail('format');
  try {
    const u = new URL(candidate);
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || !u.hostname.includes('.')) return fail('format');
    return ok(u.toString());
  } catch {
    return fail('format');
  }
}
