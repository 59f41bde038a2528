/**
 * Files a Teams user sends, fetched safely (docs/teams.md, "Files as proof"):
 *
 * - A file shared in personal chat arrives as `application/vnd.microsoft.teams.file.download.info`
 *   whose `content.downloadUrl` is a short-lived, pre-authorised SharePoint / OneDrive link. It is
 *   fetched over HTTPS only, from a host on the allow-list (TEAMS_FILE_HOSTS), with no credentials;
 *   a redirect is followed only to another allowed HTTPS host, at most 3 times.
 * - An image pasted into the message is hosted by the Bot Framework service (`{serviceUrl}v3/
 *   attachments/…`). It is fetched with the bot's own connector token, never anonymously, and only
 *   from the host of the activity's serviceUrl (which /api/messages checked, and which the Bot
 *   Framework token vouches for).
 *
 * Both are capped (size, time). What the bytes are (PNG, JPEG, PDF by their first bytes) is checked
 * later, by the same check as the web widget's uploads (src/cases/proof.ts).
 */
import { readCapped } from '../../src/util/readCapped';
import type { FetchResult } from './fetchAttachment';

export const TEAMS_FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';

export interface TeamsFileInfo {
  downloadUrl: string;
  uniqueId?: string;
  fileType?: string;
}

/** The content of a file download info attachment, when it has the documented shape. */
export function teamsFileInfo(attachment: { contentType?: string; content?: unknown }): TeamsFileInfo | undefined {
  if (attachment.contentType !== TEAMS_FILE_DOWNLOAD_INFO) return undefined;
  const c = attachment.content as { downloadUrl?: unknown; uniqueId?: unknown; fileType?: unknown } | undefined;
  if (!c || typeof c.downloadUrl !== 'string' || c.downloadUrl === '') return undefined;
  return {
    downloadUrl: c.downloadUrl,
    ...(typeof c.uniqueId === 'string' ? { uniqueId: c.uniqueId } : {}),
    ...(typeof c.fileType === 'string' ? { fileType: c.fileType } : {}),
  };
}

/** `host` matches a pattern `example.com`, `*.example.com` (any sub-domain, not the apex), either with `:port`. */
export function hostAllowed(url: URL, patterns: readonly string[]): boolean {
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return patterns.some((raw) => {
    const p = raw.toLowerCase();
    const [name, wantPort] = p.includes(':') ? [p.slice(0, p.lastIndexOf(':')), p.slice(p.lastIndexOf(':') + 1)] : [p, undefined];
    if (wantPort && wantPort !== port) return false;
    if (!wantPort && port !== '443') return false;
    if (name.startsWith('*.')) return host.endsWith(name.slice(1)) && host.length > name.length - 1;
    return host === name;
  });
}

function parseHttps(url: string): URL | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && !u.username && !u.password ? u : undefined;
  } catch {
    return undefined;
  }
}

export interface TeamsFilePolicy {
  /** Host patterns (config TEAMS_FILE_HOSTS). */
  fileHosts: readonly string[];
  maxBytes: number;
  timeoutMs: number;
}

async function download(url: URL, init: { headers?: Record<string, string>; maxBytes: number; timeoutMs: number; next?: (to: URL) => boolean }): Promise<FetchResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), init.timeoutMs);
  try {
    let current = url;
    for (let hops = 0; ; hops++) {
      const res = await fetch(current, { redirect: 'manual', signal: controller.signal, headers: init.headers });
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        await res.body?.cancel().catch(() => undefined);
        const to = parseHttps(new URL(res.headers.get('location') as string, current).toString());
        if (!to || hops >= 3 || !init.next?.(to)) return { ok: false, error: 'not_allowed' };
        current = to;
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        return { ok: false, error: 'download_failed' };
      }
      const bytes = await readCapped(res, init.maxBytes);
      if (!bytes) return { ok: false, error: 'too_large' };
      if (bytes.length === 0) return { ok: false, error: 'empty' };
      return { ok: true, bytes, contentType: res.headers.get('content-type') ?? undefined };
    }
  } catch {
    return { ok: false, error: 'download_failed' };
  } finally {
    clearTimeout(timer);
  }
}

/** A shared file: HTTPS, allowed host, no credentials sent, redirects only to allowed hosts. */
export async function fetchTeamsFile(downloadUrl: string, policy: TeamsFilePolicy): Promise<FetchResult> {
  const url = parseHttps(downloadUrl);
  if (!url || !hostAllowed(url, policy.fileHosts)) return { ok: false, error: 'not_allowed' };
  return download(url, { maxBytes: policy.maxBytes, timeoutMs: policy.timeoutMs, next: (to) => hostAllowed(to, policy.fileHosts) });
}

export interface InlineImagePolicy {
  /** The activity's serviceUrl (checked by /api/messages before the turn). */
  serviceUrl: string;
  /** The bot's connector token; undefined when the bot has none (no MicrosoftAppId): then nothing is fetched. */
  token: string | undefined;
  maxBytes: number;
  timeoutMs: number;
}

/** True when `contentUrl` is on the same origin as the activity's serviceUrl (where Teams hosts pasted images). */
export function onServiceHost(contentUrl: string, serviceUrl: string): boolean {
  try {
    const file = new URL(contentUrl);
    const service = new URL(serviceUrl);
    return file.origin === service.origin && !file.username && !file.password && !file.pathname.includes('..');
  } catch {
    return false;
  }
}

/** A pasted image: only from the serviceUrl's origin, only with the bot's token; redirects refused. */
export async function fetchTeamsInlineImage(contentUrl: string, policy: InlineImagePolicy): Promise<FetchResult> {
  if (!policy.token || !onServiceHost(contentUrl, policy.serviceUrl)) return { ok: false, error: 'not_allowed' };
  return download(new URL(contentUrl), { headers: { authorization: `Bearer ${policy.token}` }, maxBytes: policy.maxBytes, timeoutMs: policy.timeoutMs });
}
