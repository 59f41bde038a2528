import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/*
 * Who the client is, for rate limits and the loopback-only rule of /api/messages. The TCP peer,
 * unless that peer is one of TRUSTED_PROXIES: then the nearest address in X-Forwarded-For that is
 * not itself a trusted proxy (proxy-addr, the same logic as Express's `trust proxy`). With no
 * trusted proxy configured, X-Forwarded-For is never read, so a client cannot pick its own address.
 */

export type AddressOf = (req: IncomingMessage) => string;

export function clientAddressResolver(trustedProxies: readonly string[]): AddressOf {
  if (trustedProxies.length === 0) return (req) => normalise(req.socket.remoteAddress ?? 'unknown');
  const trust = proxyaddr.compile([...trustedProxies]);
  return (req) => {
    try {
      return normalise(proxyaddr(req, trust));
    } catch {
      return normalise(req.socket.remoteAddress ?? 'unknown');
    }
  };
}

function normalise(addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

export function isLoopback(addr: string): boolean {
  return addr === '::1' || LOOPBACK_V4.test(addr) || addr === '::ffff:127.0.0.1';
}
