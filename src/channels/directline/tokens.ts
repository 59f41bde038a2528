import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * Direct Line tokens: compact JWTs (HS256), so that the official clients can read the `user` claim
 * (botframework-directlinejs and Web Chat decode it, without checking the signature, to learn the
 * user id) while only this server can make or change one.
 *
 * Claims:
 *   conv   the one conversation the token opens; every route checks it against the URL
 *   user   the user id; the only source of `from.id` for what this user posts
 *   name   optional display name given by the host site
 *   acct   optional verified account id given by the host site (server to server, with the secret)
 *   kind   'dl' for the bearer token, 'stream' for the short-lived token in a WebSocket URL
 *   iat / exp (seconds), jti (random, so two tokens issued in the same second differ)
 *
 * The signing keys are derived from DIRECTLINE_SECRET with HMAC and a purpose label, so the secret
 * itself never signs anything a client sees, and one leaked derived key does not give the others.
 */

export type TokenKind = 'dl' | 'stream';

export interface TokenClaims {
  conv: string;
  user: string;
  name?: string;
  acct?: string;
  kind: TokenKind;
  iat: number;
  exp: number;
  jti: string;
}

export interface IssueInput {
  conv: string;
  user: string;
  name?: string;
  acct?: string;
}

const b64url = (buf: Buffer | string): string => Buffer.from(buf).toString('base64url');
const HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** A key for one purpose, derived from the channel secret. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return createHmac('sha256', secret).update(`refund-support-bot/directline/${purpose}/v1`).digest();
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class TokenService {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.key = deriveKey(secret, 'token');
  }

  get lifetimeSeconds(): number {
    return this.ttlSeconds;
  }

  issue(input: IssueInput, kind: TokenKind = 'dl', ttlSeconds = this.ttlSeconds): { token: string; claims: TokenClaims } {
    const iat = Math.floor(this.now() / 1000);
    const claims: TokenClaims = {
      conv: input.conv,
      user: input.user,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.acct !== undefined ? { acct: input.acct } : {}),
      kind,
      iat,
      exp: iat + ttlSeconds,
      jti: randomBytes(9).toString('base64url'),
    };
    const body = `${HEADER}.${b64url(JSON.stringify(claims))}`;
    return { token: `${body}.${this.sign(body)}`, claims };
  }

  /** The claims of a valid, unexpired token of the given kind; undefined for anything else. */
  verify(token: string | undefined, kind: TokenKind = 'dl'): TokenClaims | undefined {
    if (!token || token.length > 4096) return undefined;
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== HEADER) return undefined;
    if (!safeEqual(parts[2], this.sign(`${parts[0]}.${parts[1]}`))) return undefined;
    let claims: Partial<TokenClaims>;
    try {
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Partial<TokenClaims>;
    } catch {
      return undefined;
    }
    if (claims.kind !== kind || typeof claims.conv !== 'string' || typeof claims.user !== 'string') return undefined;
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.now()) return undefined;
    return claims as TokenClaims;
  }

  private sign(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }
}

/** The bearer token of an `Authorization: Bearer …` header. */
export function bearer(header: string | string[] | undefined): string | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m ? m[1] : undefined;
}

/** Random ids: conversation ids, anonymous user ids, attachment ids. URL-safe. */
export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}
