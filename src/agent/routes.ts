/**
 * The agent API (docs/agent-api.md): sign-in, queue, claim, one conversation (detail, messages,
 * typing, decision, release, close), proofs through signed links, catalog, and the live event stream.
 * Every route but login needs an agent session token (401 otherwise, customer tokens included).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response, Server } from 'restify';
import { SubjectRateLimiter } from '../storage/rateLimit';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Keyspace } from '../storage/keys';
import type { RedisClient } from '../storage/redisClient';
import type { CaseRepository, ProofStore } from '../cases/types';
import { jsonBody } from '../server/createServer';
import { translator, isLanguage, type Language } from '../i18n';
import { APPROVE_REASONS, REFUSE_REASONS, decisionSchema, Desk, DeskError } from '../handoff/desk';
import type { StoredEvent, TranscriptEntry } from '../handoff/relay';
import { AgentAuth, ProofLinks, type Session } from './auth';

export interface AgentApiDeps {
  config: Config;
  redis: RedisClient;
  keys: Keyspace;
  logger: Logger;
  desk: Desk;
  cases: CaseRepository;
  proofs: ProofStore;
  /** Login attempts before 429, per address and per name, per 15 minutes (default 10 and 5). */
  loginLimits?: { perAddress: number; perName: number };
}

export interface AgentApi {
  auth: AgentAuth;
  /** Ends every open event stream (shutdown). */
  close(): void;
}

const MAX_BODY = 16 * 1024;
const MAX_STREAMS_PER_AGENT = 5;
const loginSchema = z.object({ name: z.string().min(1).max(60), password: z.string().min(1).max(200) }).strict();
const messageSchema = z.object({ text: z.string().trim().min(1).max(2000) }).strict();
const TEMPLATE_IDS = ['greeting', 'lookingIntoIt', 'needProof', 'moreTime', 'goodbye'] as const;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m?.[1];
}

/** Compares stream ids (`ms-seq`). */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || (as ?? 0) - (bs ?? 0);
}

export function registerAgentApi(server: Server, deps: AgentApiDeps): AgentApi {
  const { config, redis, keys, logger, desk } = deps;
  const agents = [...config.handoff.agents];
  if (config.handoff.demoAgent && !agents.some((a) => a.name === 'demo')) agents.push({ name: 'demo', hash: DEMO_HASH });
  const auth = new AgentAuth(redis, keys, agents, config.handoff.sessionTtlSeconds);
  const links = new ProofLinks(redis, keys);
  // Each address's and name's counter in its own Cluster slot (src/storage/rateLimit.ts), not all under {desk}.
  const byAddress = new SubjectRateLimiter(redis, keys, 'desk-login-addr', { points: deps.loginLimits?.perAddress ?? 10, duration: 900 });
  const byName = new SubjectRateLimiter(redis, keys, 'desk-login-name', { points: deps.loginLimits?.perName ?? 5, duration: 900 });
  const streams = new Set<() => void>();
  const perAgent = new Map<string, (() => void)[]>();
  const body = jsonBody(MAX_BODY);

  const send = (res: Response, status: number, payload?: unknown) => {
    res.header('Cache-Control', 'no-store');
    if (payload === undefined) {
      res.status(status);
      res.end();
    } else res.send(status, payload);
  };

  /** Wraps a handler: session check (unless public), errors as `{ error, message }`. */
  const route =
    (handler: (req: Request, res: Response, session: Session, token: string) => Promise<void>, opts: { public?: boolean } = {}) =>
    async (req: Request, res: Response) => {
      try {
        let session: Session | null = null;
        const token = bearer(req) ?? '';
        if (!opts.public) {
          session = await auth.session(token);
          if (!session) throw new ApiError(401, 'unauthorized', 'An agent session token is required.');
        }
        await handler(req, res, session as Session, token);
      } catch (err) {
        if (err instanceof ApiError || err instanceof DeskError) {
          send(res, err.status, { error: err.code, message: err.message, ...err.extra });
          return;
        }
        logger.error({ err, path: req.path() }, 'agent api: request failed');
        if (!res.headersSent) send(res, 500, { error: 'internal', message: 'Something went wrong.' });
      }
    };

  const parse = <T>(schema: z.ZodType<T>, value: unknown): T => {
    const r = schema.safeParse(value);
    if (!r.success) throw new ApiError(400, 'invalid_body', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    return r.data;
  };
  const idOf = (req: Request): string => {
    const id = String(req.params?.id ?? '');
    if (!id || id.length > 300) throw new ApiError(404, 'not_found', 'Unknown conversation.');
    return id;
  };

  // ---------------------------------------------------------------- sign-in

  server.post('/api/agent/login', body, route(async (req, res) => {
    const address = req.socket.remoteAddress ?? 'unknown';
    const input = parse(loginSchema, req.body);
    const [a, n] = await Promise.all([byAddress.get(address), byName.get(input.name)]);
    if ((a && a.remainingPoints <= 0) || (n && n.remainingPoints <= 0)) {
      const wait = Math.max(a?.msBeforeNext ?? 0, n?.msBeforeNext ?? 0);
      res.header('Retry-After', String(Math.ceil(wait / 1000)));
      throw new ApiError(429, 'too_many_attempts', 'Too many failed sign-ins; try again later.');
    }
    if (!(await auth.check(input.name, input.password))) {
      await Promise.all([byAddress.penalty(address, 1), byName.penalty(input.name, 1)]).catch((e) => {
        if (!(e instanceof RateLimiterRes)) throw e;
      });
      logger.info({ agent: input.name.slice(0, 60) }, 'agent api: failed sign-in');
      throw new ApiError(401, 'invalid_credentials', 'Wrong name or password.');
    }
    await byName.delete(input.name).catch(() => undefined);
    const { token, session } = await auth.open(input.name);
    await desk.heartbeat(session.name);
    logger.info({ agent: session.name }, 'agent api: signed in');
    send(res, 200, { token, name: session.name, expiresAt: session.expiresAt });
  }, { public: true }));

  server.post('/api/agent/logout', route(async (_req, res, session, token) => {
    await auth.close(token);
    logger.info({ agent: session.name }, 'agent api: signed out');
    send(res, 204);
  }));

  server.get('/api/agent/me', route(async (_req, res, session) => {
    send(res, 200, { name: session.name, expiresAt: session.expiresAt, desk: await desk.deskStatus() });
  }));

  server.post('/api/agent/heartbeat', route(async (_req, res, session) => {
    await desk.heartbeat(session.name);
    send(res, 204);
  }));

  // ---------------------------------------------------------------- queue and conversations

  server.get('/api/agent/queue', route(async (_req, res, session) => {
    send(res, 200, await desk.queue(session.name));
  }));

  server.post('/api/agent/conversations/:id/claim', route(async (req, res, session) => {
    const conv = await desk.claim(idOf(req), session.name);
    logger.info({ agent: session.name, conversationId: conv.id, caseRef: conv.caseRef }, 'agent api: claimed');
    send(res, 200, { conversation: await detail(conv.id, session.name) });
  }));

  server.get('/api/agent/conversations/:id', route(async (req, res, session) => {
    send(res, 200, await detail(idOf(req), session.name));
  }));

  server.post('/api/agent/conversations/:id/messages', body, route(async (req, res, session) => {
    const { text } = parse(messageSchema, req.body);
    const seq = await desk.send(idOf(req), session.name, text);
    send(res, 201, { seq });
  }));

  server.post('/api/agent/conversations/:id/typing', route(async (req, res, session) => {
    await desk.typing(idOf(req), session.name);
    send(res, 204);
  }));

  server.post('/api/agent/conversations/:id/decision', body, route(async (req, res, session) => {
    const decision = parse(decisionSchema, req.body);
    const record = await desk.decide(idOf(req), session.name, decision);
    logger.info({ agent: session.name, caseRef: record.reference, outcome: decision.outcome, reason: decision.reason }, 'agent api: decision');
    send(res, 200, { case: await caseView(record.reference, session.name) });
  }));

  server.post('/api/agent/conversations/:id/release', route(async (req, res, session) => {
    await desk.release(idOf(req), session.name);
    send(res, 200, { status: 'released' });
  }));

  server.post('/api/agent/conversations/:id/close', route(async (req, res, session) => {
    await desk.close(idOf(req), session.name);
    send(res, 200, { status: 'closed' });
  }));

  // ---------------------------------------------------------------- proofs

  server.get('/api/agent/proofs/:storeId', route(async (req, res) => {
    const storeId = String(req.params?.storeId ?? '');
    const agent = await links.verify(storeId, typeof req.query?.sig === 'string' ? req.query.sig : undefined);
    if (!agent || !auth.has(agent)) throw new ApiError(403, 'forbidden', 'The link is invalid or has expired.');
    // Opened with a session too (fetch from the console): it must be the same agent.
    const token = bearer(req);
    if (token) {
      const s = await auth.session(token);
      if (!s) throw new ApiError(401, 'unauthorized', 'Unknown session.');
      if (s.name !== agent) throw new ApiError(403, 'forbidden', 'This link was made for another agent.');
    }
    const proof = await deps.proofs.get(storeId);
    if (!proof) throw new ApiError(404, 'not_found', 'The file is no longer kept.');
    res.writeHead(200, {
      'Content-Type': proof.meta.contentType,
      'Content-Length': String(proof.bytes.length),
      'Content-Disposition': `inline; filename="${proof.meta.name.replace(/[^\w.-]+/g, '_')}"`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, no-store',
      'Content-Security-Policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
    });
    res.end(proof.bytes);
  }, { public: true }));

  // ---------------------------------------------------------------- catalog

  server.get('/api/agent/catalog', route(async (req, res) => {
    const q = typeof req.query?.lang === 'string' ? req.query.lang : 'en';
    const lang: Language = isLanguage(q) ? q : 'en';
    const t = translator(lang);
    send(res, 200, {
      decisionReasons: {
        approve: APPROVE_REASONS.map((code) => ({ code, label: t(`desk:reasons.approve.${code}`) })),
        refuse: REFUSE_REASONS.map((code) => ({ code, label: t(`desk:reasons.refuse.${code}`) })),
      },
      templates: TEMPLATE_IDS.map((id) => ({ id, label: t(`desk:templates.${id}.label`), text: t(`desk:templates.${id}.text`) })),
    });
  }));

  // ---------------------------------------------------------------- live events

  server.get('/api/agent/events', route(async (req, res, session, token) => {
    const agent = session.name;
    const raw = res as unknown as ServerResponse;
    const header = req.headers['last-event-id'];
    const after = (typeof header === 'string' && header) || (typeof req.query?.after === 'string' ? req.query.after : '');
    let last = /^\d{1,16}-\d{1,10}$/.test(after) ? after : '';
    raw.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    raw.flushHeaders();
    let open = true;
    const write = (id: string, event: string, data: unknown) => {
      if (!open) return;
      raw.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      last = id;
    };
    let replaying = true;
    const buffered: StoredEvent[] = [];
    let chain: Promise<void> = Promise.resolve();
    let queuePending = 0;
    const handle = (e: StoredEvent) => {
      if (e.event.type === 'queue') queuePending++;
      chain = chain.then(async () => {
        if (!open) return;
        if (last && compareIds(e.id, last) <= 0) {
          if (e.event.type === 'queue') queuePending--;
          return;
        }
        const ev = e.event;
        if (ev.type === 'queue') {
          queuePending--;
          if (queuePending > 0) return; // a newer snapshot follows
          write(e.id, 'queue', await desk.queue(agent));
        } else if (ev.type === 'message') {
          if (ev.assignedTo === agent) write(e.id, 'message', { conversationId: ev.conversationId, entry: await withLinks(ev.entry, agent) });
        } else if (ev.type === 'typing') {
          if (ev.assignedTo === agent) write(e.id, 'typing', { conversationId: ev.conversationId });
        } else {
          write(e.id, 'conversation', { conversationId: ev.conversationId, status: ev.status, assignedTo: ev.assignedTo });
        }
      }).catch((err: Error) => logger.warn({ err: err.message }, 'agent api: event not sent'));
    };
    const unsubscribe = desk.feed.subscribe((e) => (replaying ? buffered.push(e) : handle(e)));
    const beatEvery = Math.min(10000, (config.handoff.heartbeatTimeoutSeconds * 1000) / 3);
    const beat = setInterval(() => {
      void desk.heartbeat(agent).catch(() => undefined);
      void auth.session(token).then((s) => {
        if (!s) stop();
      }, () => undefined);
    }, beatEvery);
    const ping = setInterval(() => open && raw.write(': ping\n\n'), 15000);
    const stop = () => {
      if (!open) return;
      open = false;
      clearInterval(beat);
      clearInterval(ping);
      unsubscribe();
      streams.delete(stop);
      raw.end();
    };
    streams.add(stop);
    req.on('close', stop);
    raw.on('close', stop);
    // At most a few streams per agent on this instance: the oldest goes when another opens.
    const open_ = (perAgent.get(agent) ?? []).filter((s) => streams.has(s));
    open_.push(stop);
    while (open_.length > MAX_STREAMS_PER_AGENT) open_.shift()!();
    perAgent.set(agent, open_);
    await desk.heartbeat(agent);

    // What was missed, in order; queue snapshots collapse into one, sent at the end.
    let snapshotId = last;
    if (last) {
      let from = last;
      for (;;) {
        const batch = await desk.relay.eventsAfter(from, 1000);
        for (const e of batch) {
          if (e.event.type === 'queue') snapshotId = e.id;
          else handle(e);
        }
        if (batch.length < 1000) break;
        from = batch[batch.length - 1].id;
      }
      await chain;
    }
    const newest = await desk.relay.lastEventId();
    const id = [snapshotId, last, newest].filter(Boolean).sort(compareIds).pop() || '0-0';
    write(id, 'queue', await desk.queue(agent));
    replaying = false;
    for (const e of buffered.splice(0)) handle(e);
  }));

  async function withLinks(entry: TranscriptEntry, agent: string) {
    if (!entry.attachments?.length) return entry;
    return {
      ...entry,
      attachments: await Promise.all(
        entry.attachments.map(async (a) => ({ name: a.name, contentType: a.contentType, url: a.storeId ? await links.url(a.storeId, agent) : null })),
      ),
    };
  }

  async function caseView(reference: string, _agent: string) {
    const record = await deps.cases.get(reference);
    if (!record) return null;
    return { reference: record.reference, status: record.status, topic: record.topic, facts: record.facts, history: record.history };
  }

  async function detail(id: string, agent: string) {
    const conv = await desk.readable(id, agent);
    const record = conv.caseRef ? await deps.cases.get(conv.caseRef) : null;
    const entries = await desk.transcript(id, 500);
    const d = record?.decision;
    return {
      ...desk.summary(conv),
      status: conv.status,
      assignedTo: conv.assignedTo ?? null,
      email: conv.email ?? null,
      transcript: await Promise.all(entries.map((e) => withLinks(e, agent))),
      case: record ? { reference: record.reference, status: record.status, topic: record.topic, facts: record.facts, history: record.history } : null,
      decision: d
        ? { outcome: d.outcome, clauses: d.clauses, codes: d.review.reasons, amountMinor: d.refund?.amount.minor ?? null, currency: d.refund?.amount.currency ?? null }
        : null,
      proofs: record
        ? await Promise.all(record.proofs.map(async (p) => ({ name: p.name, contentType: p.contentType, size: p.size, url: await links.url(p.storeId, agent) })))
        : [],
    };
  }

  return {
    auth,
    close: () => {
      for (const stop of [...streams]) stop();
    },
  };
}

/** The demo agent's password is `demo` (DEMO_AGENT=true, never with NODE_ENV=production). */
const DEMO_HASH = 'scrypt$16384$8$1$ZGVtby1hZ2VudC1zYWx0$BskYyqR898vSGX5gLrMGE_evXwkyB9rdPDe74K02kgs';
