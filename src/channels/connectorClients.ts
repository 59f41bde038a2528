import { JwtTokenValidation, type AuthenticateRequestResult, type BotFrameworkAuthentication, type ConnectorClient, type ConnectorFactory, type UserTokenClient } from 'botframework-connector';

/**
 * One ConnectorClient per bot identity, service URL and audience, kept and reused, instead of the new
 * client (with its whole HTTP pipeline) that botbuilder's ConnectorFactory builds for every turn:
 * about 4% of a turn's CPU. A ConnectorClient holds no per-turn state and its credentials renew their
 * own token, so it is shared by concurrent turns (BotFrameworkAdapter used to keep such a cache too).
 * Bounded: the least recently used client goes once `max` are kept (service URLs come from activities).
 */
export class ConnectorClients {
  private readonly clients = new Map<string, Promise<ConnectorClient>>();

  constructor(private readonly max = 256) {}

  /** The request's connector factory, answering from the cache. */
  factory(result: AuthenticateRequestResult): ConnectorFactory | undefined {
    const inner = result.connectorFactory;
    if (!inner) return inner;
    const appId = JwtTokenValidation.getAppIdFromClaims(result.claimsIdentity.claims) ?? '';
    return { create: (serviceUrl: string, audience?: string) => this.get(`${appId}\n${serviceUrl}\n${audience ?? ''}`, () => inner.create(serviceUrl, audience)) };
  }

  private get(key: string, make: () => Promise<ConnectorClient>): Promise<ConnectorClient> {
    let client = this.clients.get(key);
    if (client) {
      this.clients.delete(key); // most recently used last
    } else {
      client = make();
      client.catch(() => this.clients.delete(key));
      if (this.clients.size >= this.max) this.clients.delete(this.clients.keys().next().value as string);
    }
    this.clients.set(key, client);
    return client;
  }

  get size(): number {
    return this.clients.size;
  }
}

/**
 * The same for the UserTokenClient the adapter asks for every turn (its HTTP pipeline is built anew
 * each time, whether or not the turn signs anyone in): one per bot identity, kept. Patches `auth`.
 */
export function shareUserTokenClients(auth: BotFrameworkAuthentication, max = 16): void {
  const create = auth.createUserTokenClient.bind(auth);
  const clients = new Map<string, Promise<UserTokenClient>>();
  auth.createUserTokenClient = (claimsIdentity) => {
    const key = JwtTokenValidation.getAppIdFromClaims(claimsIdentity.claims) ?? '';
    let client = clients.get(key);
    if (!client) {
      client = create(claimsIdentity);
      client.catch(() => clients.delete(key));
      if (clients.size >= max) clients.delete(clients.keys().next().value as string);
      clients.set(key, client);
    }
    return client;
  };
}
