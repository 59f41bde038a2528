/**
 * Agents' passwords and sessions.
 *
 * - Passwords: scrypt (node:crypto), stored as `scrypt$N$r$p$<salt>$<key>` (base64url), printed by
 *   `npm run -s agent-hash -- <password>`. Checked with timingSafeEqual; an unknown name is checked
 *   against a dummy hash, so both answers take about the same time.
 * - Sessions: a random token (`agt_…`, 256 bits); Redis keeps only its SHA-256
 *   (`global:{desk-session:<hash>}`: each session its own hash tag, so sessions do not pile up in one
 *   Redis Cluster slot) with the session's expiry, so every instance accepts it and a Redis dump holds
 *   no usable token.
 */
import { createHash, createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import type { Keyspace } from '../storage/keys';
import type { RedisClient } from '../storage/redisClient';

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, KEYLEN, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(hash);
  if (!m) return false;
  const [n, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (n > 1 << 20 || r > 32 || p > 16) return false;
  const expected = Buffer.from(m[5], 'base64url');
  const got = await scrypt(password, Buffer.from(m[4], 'base64url'), n, r, p);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

/** Any valid hash with the default cost: what an unknown name is checked against. */
const DUMMY = `scrypt$${N}$${R}$${P}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEYLEN).toString('base64url')}`;

/** Where a session lives, by the SHA-256 (hex) of its token. */
export function sessionKey(keys: Keyspace, tokenHash: string): string {
  return keys.global(`desk-session:${tokenHash}`);
}

export interface Session {
  name: string;
  expiresAt: string;
}

export class AgentAuth {
  private readonly agents: Map<string, string>;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
    agents: { name: string; hash: string }[],
    private readonly ttlSeconds: number,
  ) {
    this.agents = new Map(agents.map((a) => [a.name, a.hash]));
  }

  get configured(): boolean {
    return this.agents.size > 0;
  }

  has(name: string): boolean {
    return this.agents.has(name);
  }

  /** Checks the password; the same work whether or not the name exists. */
  async check(name: string, password: string): Promise<boolean> {
    const hash = this.agents.get(name);
    const ok = await verifyPassword(password, hash ?? DUMMY);
    return ok && hash !== undefined;
  }

  private sessionKey(token: string): string {
    return sessionKey(this.keys, createHash('sha256').update(token).digest('hex'));
  }

  async open(name: string): Promise<{ token: string; session: Session }> {
    const token = `agt_${randomBytes(32).toString('base64url')}`;
    const session: Session = { name, expiresAt: new Date(Date.now() + this.ttlSeconds * 1000).toISOString() };
    await this.redis.set(this.sessionKey(token), JSON.stringify(session), 'EX', this.ttlSeconds);
    return { token, session };
  }

  /** The session for a bearer token, or null (missing, unknown, expired, or the agent was removed). */
  async session(token: string | undefined): Promise<Session | null> {
    if (!token || !token.startsWith('agt_') || token.length > 100) return null;
    const raw = await this.redis.get(this.sessionKey(token));
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    if (!this.agents.has(s.name) || Date.parse(s.expiresAt) <= Date.now()) return null;
    return s;
  }

  async close(token: string): Promise<void> {
    await this.redis.del(this.sessionKey(token));
  }
}

/**
 * Signed, short-lived links to a proof file, bound to one agent: `sig=<agent>.<expiry s>.<hmac>`.
 * The key is random, made once and shared by every instance through Redis.
 */
export class ProofLinks {
  private key?: Buffer;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keyspace,
    private readonly ttlSeconds = 300,
  ) {}

  private async secret(): Promise<Buffer> {
    if (this.key) return this.key;
    const k = this.keys.global('desk', 'proofkey');
    await this.redis.set(k, randomBytes(32).toString('base64url'), 'NX');
    this.key = Buffer.from((await this.redis.get(k)) as string, 'base64url');
    return this.key;
  }

  private mac(key: Buffer, storeId: string, agent: string, exp: number): string {
    return createHmac('sha256', key).update(`${storeId}\n${agent}\n${exp}`).digest('base64url');
  }

  async url(storeId: string, agent: string): Promise<string> {
    const exp = Math.floor(Date.now() / 1000) + this.ttlSeconds;
    const sig = `${Buffer.from(agent).toString('base64url')}.${exp}.${this.mac(await this.secret(), storeId, agent, exp)}`;
    return `/api/agent/proofs/${encodeURIComponent(storeId)}?sig=${sig}`;
  }

  /** The agent the link was made for, or null when forged or expired. */
  async verify(storeId: string, sig: string | undefined): Promise<string | null> {
    const m = /^([A-Za-z0-9_-]{1,80})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(sig ?? '');
    if (!m) return null;
    const agent = Buffer.from(m[1], 'base64url').toString();
    const exp = Number(m[2]);
    if (exp < Math.floor(Date.now() / 1000)) return null;
    const expected = Buffer.from(this.mac(await this.secret(), storeId, agent, exp));
    const got = Buffer.from(m[3]);
    return expected.length === got.length && timingSafeEqual(expected, got) ? agent : null;
  }
}
