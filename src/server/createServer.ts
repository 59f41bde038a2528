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
