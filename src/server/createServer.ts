import restify, { Request, Response, Server } from 'restify';
import type { CloudAdapter, TurnContext } from 'botbuilder';
import type { Logger } from '../logger';

export interface ServerDeps {
  adapter: CloudAdapter;
  runTurn: (context: TurnContext) => Promise<void>;
  isReady: () => Promise<boolean>;
  logger: Logger;
  maxBodyBytes: number;
}

/** Body parsing per route, so each route has its own size limit (uploads need more than messages). */
export function jsonBody(maxBodySize: number) {
  return restify.plugins.bodyParser({ maxBodySize, mapParams: false, rejectUnknown: true });
}

/**
 * The restify server: /api/messages (Bot Framework), health checks, and a count of requests in
 * flight so shutdown can wait for them. Other routes (Direct Line, agent, eligibility, pages) are
 * registered on the returned server by their own modules.
 */
export function createServer(deps: ServerDeps): { server: Server; inFlight: () => number } {
  const server = restify.createServer({ name: 'refund-support-bot', handleUncaughtExceptions: false });
  let inFlight = 0;

  server.pre((req: Request, res: Response, next: restify.Next) => {
    inFlight++;
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        inFlight--;
      }
    };
    res.once('finish', finish);
    res.once('close', finish);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  server.use(restify.plugins.queryParser({ mapParams: false }));

  server.post('/api/messages', jsonBody(deps.maxBodyBytes), async (req: Request, res: Response) => {
    if (!req.body || typeof req.body !== 'object' || typeof (req.body as { type?: unknown }).type !== 'string') {
      res.send(400, { error: { code: 'BadRequest', message: 'Body must be a Bot Framework activity (JSON with a type).' } });
      return;
    }
    // Only the embedded web channel, in process, may vouch for an account (dialogs/identity.ts).
    const channelData = (req.body as { channelData?: Record<string, unknown> }).channelData;
    if (channelData && typeof channelData === 'object') delete channelData.verifiedAccountId;
    await deps.adapter.process(req, res, deps.runTurn);
  });

  server.get('/healthz', async (_req: Request, res: Response) => {
    res.send(200, { status: 'ok' });
  });

  server.get('/readyz', async (_req: Request, res: Response) => {
    const ok = await deps.isReady();
    res.send(ok ? 200 : 503, { status: ok ? 'ready' : 'unavailable', redis: ok ? 'up' : 'down' });
  });

  server.on('restifyError', (req: Request, res: Response, err: Error & { statusCode?: number }, cb: () => void) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) deps.logger.error({ err, path: req.path() }, 'request failed');
    else deps.logger.debug({ status, path: req.path(), reason: err.message }, 'request rejected');
    cb();
  });

  return { server, inFlight: () => inFlight };
}
