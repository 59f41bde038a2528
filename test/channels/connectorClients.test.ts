import { AuthenticationConstants, ClaimsIdentity, ConnectorClient, type AuthenticateRequestResult } from 'botframework-connector';
import { ConnectorClients, shareUserTokenClients } from '../../src/channels/connectorClients';
import { ConfigurationBotFrameworkAuthentication } from 'botbuilder';

/*
 * The connector clients kept per bot identity, service URL and audience (src/channels/connectorClients.ts),
 * with botbuilder's own ConnectorClient behind a counting factory.
 */
function result(appId: string | undefined, made: string[], fail = false): AuthenticateRequestResult {
  const claims = appId ? [{ type: AuthenticationConstants.AudienceClaim, value: appId }, { type: AuthenticationConstants.AppIdClaim, value: appId }] : [];
  return {
    audience: AuthenticationConstants.ToChannelFromBotOAuthScope,
    claimsIdentity: new ClaimsIdentity(claims, true),
    connectorFactory: {
      create: async (serviceUrl: string, audience?: string) => {
        made.push(`${appId}|${serviceUrl}|${audience}`);
        if (fail) throw new Error('token endpoint unreachable');
        return new ConnectorClient({ signRequest: async (r) => r }, { baseUri: serviceUrl });
      },
    },
  };
}

describe('ConnectorClients', () => {
  it('builds one client per bot, service URL and audience, and reuses it', async () => {
    const clients = new ConnectorClients();
    const made: string[] = [];
    const a1 = await clients.factory(result('bot-a', made))!.create('https://smba.example/emea/', 'aud');
    const a2 = await clients.factory(result('bot-a', made))!.create('https://smba.example/emea/', 'aud');
    expect(a2).toBe(a1);
    const otherUrl = await clients.factory(result('bot-a', made))!.create('https://smba.example/amer/', 'aud');
    const otherBot = await clients.factory(result('bot-b', made))!.create('https://smba.example/emea/', 'aud');
    const otherAudience = await clients.factory(result('bot-a', made))!.create('https://smba.example/emea/', 'other');
    const anonymous = await clients.factory(result(undefined, made))!.create('http://127.0.0.1:1/', undefined);
    expect(new Set([a1, otherUrl, otherBot, otherAudience, anonymous]).size).toBe(5);
    expect(made).toHaveLength(5);
    expect((a1 as unknown as { baseUri: string }).baseUri).toBe('https://smba.example/emea/');
  });

  it('keeps at most `max` clients, dropping the least recently used', async () => {
    const clients = new ConnectorClients(3);
    const made: string[] = [];
    const get = (url: string) => clients.factory(result('bot', made))!.create(url);
    const first = await get('https://one.example/');
    await get('https://two.example/');
    await get('https://three.example/');
    expect(await get('https://one.example/')).toBe(first); // used again: now the most recent
    await get('https://four.example/'); // drops two
    expect(clients.size).toBe(3);
    expect(await get('https://one.example/')).toBe(first);
    made.length = 0;
    await get('https://two.example/');
    expect(made).toEqual(['bot|https://two.example/|undefined']); // built again
  });

  it('does not keep a client whose creation failed', async () => {
    const clients = new ConnectorClients();
    const made: string[] = [];
    await expect(clients.factory(result('bot', made, true))!.create('https://x.example/')).rejects.toThrow('unreachable');
    await new Promise((r) => setImmediate(r));
    expect(clients.size).toBe(0);
    await expect(clients.factory(result('bot', made))!.create('https://x.example/')).resolves.toBeInstanceOf(ConnectorClient);
    expect(made).toHaveLength(2);
  });

  it("keeps one UserTokenClient per bot identity (botbuilder's own, from the configured authentication)", async () => {
    const auth = new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '' });
    shareUserTokenClients(auth);
    const anon = (appId?: string) => new ClaimsIdentity(appId ? [{ type: AuthenticationConstants.AppIdClaim, value: appId }, { type: AuthenticationConstants.AudienceClaim, value: appId }] : [], true);
    const a = await auth.createUserTokenClient(anon());
    expect(await auth.createUserTokenClient(anon())).toBe(a);
    const b = await auth.createUserTokenClient(anon('bot-b'));
    expect(b).not.toBe(a);
    expect(await auth.createUserTokenClient(anon('bot-b'))).toBe(b);
  });
});
