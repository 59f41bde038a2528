import restify, { Request, Response, Server } from 'restify';
import type { TurnContext } from 'botbuilder';
import type { BotFrameworkAuthentication } from 'botframework-connector';
import type { Logger } from '../logger';
import { jsonBody } from './body';
import { AddressOf } from './clientAddress';
import { EdgeCloudAdapter, messagesHandler } from './messages';

export { jsonBody } from './body';

export interface ServerDeps {
  adapter: EdgeCloudAdapter;
  runTurn: (context: TurnContext) => Promise<void>;
  isReady: () => Promise<boolean>;
  logger: Logger;
  maxBodyBytes: number;
  maxJsonDepth: number;
  /** Checks Bot Framework tokens on /api/messages (when an app id is configured). */
  auth: BotFrameworkAuthentication;
  authenticated: boolean;
  allowUnauthenticated: boolean;
  addressOf: AddressOf;
  /** The embedded channel's connector path: never a serviceUrl /api/messages accepts. */
  ownConnectorPath: string;
}

/** How long an idle keep-alive connection is kept open (ms), announced in `Keep-Alive: timeout=…`. */
export const IDLE_KEEP_ALIVE_MS = 65_000;

/**
 * The restify server: /api/messages (Bot Framework), health checks, and a count of requests in
 * flight so shutdown can wait for them. Other routes (Direct Line, agent, eligibility, pages) are
 * registered on the returned server by their own modules.
 */
export function createServer(deps: ServerDeps): { server: Server; inFlight: () => number } {
  const server = restify.createServer({ name: 'refund-support-bot', handleUncaughtExceptions: false });
  // An idle keep-alive connection is closed by the client or the proxy first, never by this server
  // while a request is on its way: Node's 5 s default races with clients that keep sockets 4 to 5 s
  // (undici's fetch, proxies), and a POST lost in that race is not retried (ECONNRESET). Proxies in
  // front of the bot must keep their own idle timeout below this one (deploy/haproxy.cfg).
  server.server.keepAliveTimeout = IDLE_KEEP_ALIVE_MS;
  server.server.headersTimeout = IDLE_KEEP_ALIVE_MS + 5_000;
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

  server.post('/api/messages', jsonBody(deps.maxBodyBytes, deps.maxJsonDepth), messagesHandler(deps));

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
