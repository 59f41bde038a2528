import type { CloudAdapter } from 'botbuilder';
import {
  AuthenticateRequestResult,
  AuthenticationConstants,
  BotFrameworkAuthentication,
  ClaimsIdentity,
  ConnectorClient,
  ConnectorFactory,
} from 'botframework-connector';
import type { Logger } from '../../logger';

/*
 * The channel plays the Bot Connector service for its own conversations.
 *
 * Inbound: a customer's activity is handed to the bot in process, with
 * `adapter.processActivityDirect(authResult, activity, logic)`. The auth result is made here (the
 * channel has already checked the customer's token), so this works whether or not MicrosoftAppId is
 * set, and the whole middleware chain runs as for /api/messages.
 *
 * Outbound: the bot's replies go through a real ConnectorClient, as for any channel, to the channel's
 * connector routes (`/directline-connector/v3/conversations/...`) on this instance's loopback address,
 * signed with a key derived from DIRECTLINE_SECRET (`Authorization: Bearer <connector key>`). The
 * connector routes accept nothing else: loopback alone is not trusted, because a reverse proxy on the
 * same host makes every visitor look like loopback.
 *
 * Proactive messages (a human agent answering later, from any instance): `adapter.continueConversationAsync`
 * with a reference whose serviceUrl is this channel's also works. The adapter asks its
 * BotFrameworkAuthentication for a ConnectorFactory; `routeOwnServiceUrls` wraps that one method so
 * that, for this channel's serviceUrls only, the factory below is used. Any other serviceUrl (Teams,
 * Azure Direct Line) goes to the original factory, untouched.
 */

export const CONNECTOR_PATH = '/directline-connector';

type Credentials = ConstructorParameters<typeof ConnectorClient>[0];

/** ConnectorClients that reach this instance's connector routes, signed with the connector key. */
export class ChannelConnectorFactory extends ConnectorFactory {
  private readonly credentials: Credentials;

  constructor(
    private readonly baseUrl: () => string,
    connectorKey: string,
  ) {
    super();
    this.credentials = {
      signRequest: async (request) => {
        request.headers.set('authorization', `Bearer ${connectorKey}`);
        return request;
      },
    };
  }

  private client?: { baseUri: string; client: ConnectorClient };

  /** One client, reused while this instance's address stays the same (see ../connectorClients.ts). */
  async create(): Promise<ConnectorClient> {
    const baseUri = this.baseUrl();
    if (this.client?.baseUri !== baseUri) this.client = { baseUri, client: new ConnectorClient(this.credentials, { baseUri, noRetryPolicy: true }) };
    return this.client.client;
  }
}

/** The authentication result for an activity the channel hands to the bot itself. */
export function channelAuthResult(appId: string | undefined, connectorFactory: ConnectorFactory): AuthenticateRequestResult {
  const claims = appId
    ? [
        { type: AuthenticationConstants.AudienceClaim, value: appId },
        { type: AuthenticationConstants.AppIdClaim, value: appId },
      ]
    : [];
  return {
    audience: AuthenticationConstants.ToChannelFromBotOAuthScope,
    claimsIdentity: new ClaimsIdentity(claims, true),
    connectorFactory,
  };
}

/**
 * Makes the adapter's own ConnectorFactory use `factory` for this channel's serviceUrls (see above).
 * Returns a function that undoes it. If the adapter's internals are not what this expects (another
 * botbuilder version), nothing is changed and a warning says that proactive messages to web chat
 * conversations need `DirectLineChannel.continueConversation` instead.
 */
export function routeOwnServiceUrls(
  adapter: CloudAdapter,
  isOwn: (serviceUrl: string) => boolean,
  factory: ConnectorFactory,
  logger: Logger,
): () => void {
  const auth = (adapter as unknown as { botFrameworkAuthentication?: BotFrameworkAuthentication }).botFrameworkAuthentication;
  if (!auth || typeof auth.createConnectorFactory !== 'function') {
    logger.warn('directline: could not route proactive messages through the channel (unexpected CloudAdapter internals)');
    return () => undefined;
  }
  const original = auth.createConnectorFactory;
  const wrapped = function (this: BotFrameworkAuthentication, claimsIdentity: ClaimsIdentity): ConnectorFactory {
    const inner = original.call(this, claimsIdentity);
    return {
      create: (serviceUrl: string, audience?: string) =>
        isOwn(serviceUrl) ? factory.create(serviceUrl, audience) : inner.create(serviceUrl, audience),
    };
  };
  auth.createConnectorFactory = wrapped;
  return () => {
    if (auth.createConnectorFactory === wrapped) auth.createConnectorFactory = original;
  };
}
