import { createServer, Server } from 'node:http';
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp } from '../support/app';
import type { App } from '../../src/app';

/*
 * Identity in Teams with a real Bot Framework registration: the bot has a MicrosoftAppId, and every
 * request to /api/messages must carry a token the Bot Framework signed. Here a local OpenID metadata
 * server plays login.botframework.com (its JWKS holds a key generated for this run, endorsed for
 * msteams), set through the SDK's own ToBotFromChannelOpenIdMetadataUrl setting; the bot validates
 * the tokens with botframework-connector exactly as in production. Replies come back inline
 * (deliveryMode expectReplies), since an authenticated bot only talks to Microsoft's hosts.
 *
 * The account of a Teams user is looked up by tenant id + AAD object id, only once the token was
 * validated; a Pro account gets the Pro offer at once, as on the widget.
 */

const APP_ID = '7d3c6b9e-5a1f-4c2e-9b8d-2f6e1a0c4b71';
const SERVICE_URL = 'https://smba.trafficmanager.net/emea/';
// The botbuilder-js recording's tenant and AAD object id; data/demo/accounts.json links them to the Pro account.
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const PRO_AAD = '6b703ce3-6d14-4fe6-b90c-dc5f03657ae4';

function fixture(name: string): any {
  const { _source, ...activity } = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'teams', `${name}.json`), 'utf8'));
  return activity;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('Teams identity with a Bot Framework token', () => {
  let app: App;
  let baseUrl: string;
  let metadata: Server;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `test-${randomUUID()}`;

  beforeAll(async () => {
    const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
    metadata = createServer((req, res) => {
      const origin = `http://127.0.0.1:${(metadata.address() as { port: number }).port}`;
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url === '/v1/.well-known/openidconfiguration') {
        res.end(JSON.stringify({ issuer: 'https://api.botframework.com', jwks_uri: `${origin}/v1/.well-known/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
      } else {
        res.end(JSON.stringify({ keys: [{ kty: 'RSA', use: 'sig', kid, n: jwk.n, e: jwk.e, endorsements: ['msteams'] }] }));
      }
    });
    await new Promise<void>((r) => metadata.listen(0, '127.0.0.1', () => r()));
    const origin = `http://127.0.0.1:${(metadata.address() as { port: number }).port}`;
    ({ app, baseUrl } = await startTestApp({
      BRAND_NAME: 'Acme',
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: 'not-a-real-secret',
      ToBotFromChannelOpenIdMetadataUrl: `${origin}/v1/.well-known/openidconfiguration`,
      ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
      ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
      ToChannelFromBotOAuthScope: 'https://api.botframework.com',
      ToBotFromEmulatorOpenIdMetadataUrl: `${origin}/emulator/openidconfiguration`,
      OAuthUrl: 'https://api.botframework.com',
    }));
  });
  afterAll(async () => {
    await app?.close();
    metadata.closeAllConnections();
    await new Promise((r) => metadata.close(r));
  });

  /** A token as the Bot Framework signs it for Teams → bot. */
  function token(key: KeyObject = privateKey, claims: Record<string, unknown> = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const head = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64({ iss: 'https://api.botframework.com', aud: APP_ID, serviceurl: SERVICE_URL, nbf: now - 60, exp: now + 3600, ...claims })}`;
    return `${head}.${sign('sha256', Buffer.from(head), key).toString('base64url')}`;
  }

  async function post(activity: any, bearer?: string): Promise<{ status: number; texts: string }> {
    const res = await fetch(`${baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify(activity),
    });
    const body = res.status === 200 ? await res.json() : undefined;
    const texts = (body?.activities ?? [])
      .flatMap((a: any) => [a.text, ...(a.attachments ?? []).map((x: any) => JSON.stringify(x.content))])
      .filter(Boolean)
      .join('\n');
    return { status: res.status, texts };
  }

  /** The recorded Teams message, from the user with this AAD object id, in a new personal chat. */
  function message(aadObjectId: string, patch: Record<string, unknown> = {}): any {
    const a = fixture('message');
    return {
      ...a,
      id: String(Date.now()),
      serviceUrl: SERVICE_URL,
      deliveryMode: 'expectReplies',
      locale: 'fr-FR',
      text: 'aide',
      from: { ...a.from, aadObjectId },
      conversation: { ...a.conversation, id: `a:1${randomUUID().replace(/-/g, '')}`, tenantId: TENANT },
      channelData: { tenant: { id: TENANT } },
      ...patch,
    };
  }

  it('a Pro user, known by tenant + AAD object id under a valid token, is offered a person at once', async () => {
    const { status, texts } = await post(message(PRO_AAD), token());
    expect(status).toBe(200);
    expect(texts).toContain('En tant que client Pro');
  });

  it('the same ids in another tenant, or another user, are not that Pro account', async () => {
    const otherTenant = await post(message(PRO_AAD, { conversation: { conversationType: 'personal', id: `a:1${randomUUID()}`, tenantId: 'another' }, channelData: { tenant: { id: 'another' } } }), token());
    expect(otherTenant.status).toBe(200);
    expect(otherTenant.texts).not.toContain('client Pro');
    const other = await post(message('00000000-0000-4000-8000-000000000000'), token());
    expect(other.status).toBe(200);
    expect(other.texts).toContain('Je peux vous aider pour quatre choses');
    expect(other.texts).not.toContain('client Pro');
  });

  it('nothing else in the activity claims a tier: a demo user id, a tier in channelData', async () => {
    const a = message('00000000-0000-4000-8000-000000000000', { from: { id: 'demo-pro', name: 'Northwind', aadObjectId: '00000000-0000-4000-8000-000000000000' } });
    a.channelData = { tenant: { id: TENANT }, tier: 'pro', accountTier: 'pro', verifiedAccountId: 'ACC-NORTHWIND' };
    const { status, texts } = await post(a, token());
    expect(status).toBe(200);
    expect(texts).not.toContain('client Pro');
  });

  it('without a valid token nothing is read at all', async () => {
    const forged = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect((await post(message(PRO_AAD))).status).toBe(401);
    expect((await post(message(PRO_AAD), token(forged))).status).toBe(401);
    expect((await post(message(PRO_AAD), token(privateKey, { aud: 'another-bot' }))).status).toBe(401);
  });
});
