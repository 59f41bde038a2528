import type { IncomingMessage } from 'node:http';
import { Activity, CloudAdapter, TurnContext } from 'botbuilder';
import type { AuthenticateRequestResult, BotFrameworkAuthentication } from 'botframework-connector';
import { ConnectorClients } from '../channels/connectorClients';
import type { Request, Response } from 'restify';
import { z } from 'zod';
import type { Logger } from '../logger';
import { isLoopback, type AddressOf } from './clientAddress';

/*
 * The edge of POST /api/messages: who may call it, what an activity must look like, where the bot
 * may be told to reply, and how a bad token is answered. Checked before the adapter sees anything.
 *
 * - No MicrosoftAppId: local testing only. Loopback callers, unless ALLOW_UNAUTHENTICATED_MESSAGES.
 * - The activity is validated with zod: the ids the bot keys state and cases on are bounded strings,
 *   never objects (an object would become the key "[object Object]", shared by every such request).
 * - serviceUrl: Bot Framework channel hosts (https) when authenticated; loopback when not; never the
 *   embedded channel's own connector (only the channel itself hands the bot those activities).
 * - A token that fails (forged, expired, alg none, wrong audience) is a 401 with no upstream text,
 *   logged as one JSON line.
 */

export const MAX_ID_LENGTH = 512;
const boundedId = z.string().min(1).max(MAX_ID_LENGTH);

export const inboundActivitySchema = z.looseObject({
  type: z.string().min(1).max(64),
  id: z.string().max(MAX_ID_LENGTH).optional(),
  channelId: boundedId,
  serviceUrl: z.string().min(1).max(2048),
  conversation: z.looseObject({ id: boundedId }),
  from: z.looseObject({ id: boundedId, name: z.string().max(MAX_ID_LENGTH).optional() }),
  recipient: z.looseObject({ id: z.string().max(MAX_ID_LENGTH) }).optional(),
  text: z.string().max(32 * 1024).optional(),
  locale: z.string().max(64).optional(),
  timestamp: z.string().max(64).optional(),
  localTimestamp: z.string().max(64).optional(),
  expiration: z.string().max(64).optional(),
});

/** Hosts of the Bot Framework channels (public cloud, US government, Teams). */
const CHANNEL_HOSTS = [
  /(^|\.)botframework\.com$/,
  /(^|\.)botframework\.us$/,
  /(^|\.)botframework\.azure\.us$/,
  /^smba(-[a-z0-9]+)?\.trafficmanager\.net$/,
  /(^|\.)teams\.microsoft\.com$/,
  /(^|\.)teams\.microsoft\.us$/,
  /(^|\.)infra\.gov\.teams\.microsoft\.us$/,
];

export function isAllowedServiceUrl(serviceUrl: string, opts: { authenticated: boolean; ownConnectorPath: string }): boolean {
  let u: URL;
  try {
    u = new URL(serviceUrl);
  } catch {
    return false;
  }
  const path = u.pathname.replace(/\/{2,}/g, '/');
  if (path === opts.ownConnectorPath || path.startsWith(`${opts.ownConnectorPath}/`)) return false;
  if (u.username || u.password) return false;
  const host = u.hostname.toLowerCase().replace(/\.$/, '');
  if (opts.authenticated) return u.protocol === 'https:' && CHANNEL_HOSTS.some((re) => re.test(host));
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  return host === 'localhost' || host === '[::1]' || isLoopback(host);
}

/** CloudAdapter whose authenticated entry point is reachable: the edge authenticates first, then hands over. */
export class EdgeCloudAdapter extends CloudAdapter {
  processAuthenticated(authResult: AuthenticateRequestResult, activity: Activity, logic: (context: TurnContext) => Promise<void>) {
    return this.processActivity(authResult, activity, logic);
  }
}

export interface MessagesRouteDeps {
  adapter: EdgeCloudAdapter;
  auth: BotFrameworkAuthentication;
  runTurn: (context: TurnContext) => Promise<void>;
  logger: Logger;
  authenticated: boolean;
  allowUnauthenticated: boolean;
  addressOf: AddressOf;
  ownConnectorPath: string;
}

function reply(res: Response, status: number, code: string, message: string): void {
  if (!res.headersSent) res.send(status, { error: { code, message } });
}

export function messagesHandler(deps: MessagesRouteDeps) {
  const connectors = new ConnectorClients();
  return async (req: Request, res: Response): Promise<void> => {
    const address = deps.addressOf(req as IncomingMessage);
    if (!deps.authenticated && !deps.allowUnauthenticated && !isLoopback(address)) {
      deps.logger.warn({ event: 'auth_failed', route: '/api/messages', address, reason: 'unauthenticated_non_loopback' }, 'messages refused');
      reply(res, 403, 'Forbidden', 'This bot has no Bot Framework registration: /api/messages is for local testing only.');
      return;
    }
    const parsed = inboundActivitySchema.safeParse(req.body);
    if (!parsed.success) {
      reply(res, 400, 'BadRequest', 'Body must be a Bot Framework activity (type, channelId, serviceUrl, conversation.id and from.id as strings).');
      return;
    }
    const body = parsed.data as Record<string, unknown>;
    if (!isAllowedServiceUrl(body.serviceUrl as string, { authenticated: deps.authenticated, ownConnectorPath: deps.ownConnectorPath })) {
      deps.logger.warn({ event: 'service_url_refused', address, channelId: body.channelId }, 'messages refused: serviceUrl not allowed');
      reply(res, 400, 'BadRequest', 'serviceUrl is not a channel this bot talks to.');
      return;
    }
    // Only the embedded web channel, in process, may vouch for an account (dialogs/identity.ts).
    const channelData = body.channelData;
    if (channelData && typeof channelData === 'object') delete (channelData as Record<string, unknown>).verifiedAccountId;
    for (const k of ['timestamp', 'localTimestamp', 'expiration'] as const) {
      const raw = `raw${k[0].toUpperCase()}${k.slice(1)}`;
      if (typeof body[k] === 'string') {
        body[raw] = body[k];
        const d = new Date(body[k] as string);
        if (Number.isNaN(d.getTime())) delete body[k];
        else body[k] = d;
      }
    }
    const activity = body as unknown as Activity;

    let authResult;
    try {
      authResult = await deps.auth.authenticateRequest(activity, String(req.headers.authorization ?? ''));
    } catch (err) {
      const e = err as { name?: string; message?: string };
      deps.logger.warn(
        { event: 'auth_failed', route: '/api/messages', address, channelId: activity.channelId, reason: `${e?.name ?? 'Error'}: ${String(e?.message ?? '').split('\n')[0].slice(0, 200)}` },
        'messages refused: authentication failed',
      );
      reply(res, 401, 'Unauthorized', 'The request is not authenticated.');
      return;
    }
    authResult.connectorFactory = connectors.factory(authResult);
    let invoke;
    try {
      invoke = await deps.adapter.processAuthenticated(authResult, activity, deps.runTurn);
    } catch (err) {
      deps.logger.error({ err, conversationId: activity.conversation.id }, 'messages: processing failed');
      reply(res, 500, 'InternalError', 'The activity could not be processed.');
      return;
    }
    if (res.headersSent) return;
    if (invoke?.body !== undefined) res.send(invoke.status ?? 200, invoke.body);
    else {
      res.status(invoke?.status ?? 200);
      res.end();
    }
  };
}
