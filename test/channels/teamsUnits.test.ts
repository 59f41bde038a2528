import { createServer, Server } from 'node:http';
import { Activity, CloudAdapter, ConversationState, MemoryStorage, TestAdapter, TurnContext, type CloudAdapterBase } from 'botbuilder';
import { AppCredentials, ClaimsIdentity, ConnectorClient, MicrosoftAppCredentials } from 'botframework-connector';
import { htmlToPlainText, normaliseTeamsText, TeamsMiddleware, heroAsChoiceCard } from '../../src/channels/teams';
import { fetchTeamsFile, fetchTeamsInlineImage, hostAllowed } from '../../dialogs/proof/teamsFiles';
import { findUserAccount } from '../../dialogs/identity';
import { DemoData } from '../../src/services/demo/data';
import { DemoAccountsAdapter } from '../../src/services/demo/adapters';
import { HttpAccountsAdapter } from '../../src/services/http/adapters';
import { DEFAULT_TEAMS_FILE_HOSTS } from '../../src/config';
import { createLogger } from '../../src/logger';

/*
 * The Teams pieces on their own, where the replay (teamsReplay.test.ts) cannot reach them without a
 * real Azure registration: a pasted image fetched with the bot's token, and identity believed only
 * with a validated Bot Framework token. Real HTTP servers, the real demo accounts.
 */

const BOT = { id: '28:7d3c6b9e-5a1f-4c2e-9b8d-2f6e1a0c4b71', name: 'Support Payments' };
const APP_ID = '7d3c6b9e-5a1f-4c2e-9b8d-2f6e1a0c4b71';
// The tenant and AAD object id of the botbuilder-js recordings (integrationBot), linked to the demo Pro account.
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const AAD = '6b703ce3-6d14-4fe6-b90c-dc5f03657ae4';

describe('reading what a Teams user wrote', () => {
  const msg = (text: string, extra: Partial<Activity> = {}) =>
    ({ type: 'message', channelId: 'msteams', text, recipient: BOT, from: { id: '29:u' }, conversation: { id: 'a:1', conversationType: 'personal' }, ...extra }) as Activity;
  const mention = { type: 'mention', text: '<at>Support Payments</at>', mentioned: { id: BOT.id, name: BOT.name } };

  it.each([
    ['<p>aide</p>', 'aide'],
    ['<div><div>refund for <b>FL-100001</b></div></div>', 'refund for FL-100001'],
    ['first<br>second', 'first\nsecond'],
    ['50&nbsp;&euro; &amp; more &lt;3 &#233;t&#xE9;', '50 &euro; & more <3 été'],
    ['<ul><li>one</li><li>two</li></ul>', '• one\n• two'],
    // A reply quoting the bot's earlier message (the quote markup Teams uses): only the new words count.
    [
      '<blockquote itemscope="" itemtype="http://schema.skype.com/Reply" itemid="1741769033402"><strong itemprop="mri" itemid="28:7d3c">Support Payments</strong><span itemprop="time" itemid="1741769033402"></span><p itemprop="preview">Pour quelle raison demandez-vous un remboursement ?</p></blockquote><p>j\'ai payé deux fois</p>',
      "j'ai payé deux fois",
    ],
  ])('HTML %j → %j', (html, text) => expect(htmlToPlainText(html)).toBe(text));

  it('removes the bot mention, keeps other people by name, turns xml into plain text', () => {
    const a = msg('<at>Support Payments</at> aide', { entities: [mention] });
    expect(normaliseTeamsText(a)).toBe('aide');
    expect(a.textFormat).toBe('plain');
    const b = msg('<at>Support Payments</at> ask <at>Alice</at> about FL-100001', {
      entities: [mention, { type: 'mention', text: '<at>Alice</at>', mentioned: { id: '29:alice', name: 'Alice' } }],
    });
    expect(normaliseTeamsText(b)).toBe('ask Alice about FL-100001');
    expect(normaliseTeamsText(msg('<p>remboursement</p>', { textFormat: 'xml' }))).toBe('remboursement');
    // Plain text that merely holds a "<" is left as typed.
    expect(normaliseTeamsText(msg('amount < 50 €'))).toBe('amount < 50 €');
  });
});

describe('where Teams files may come from', () => {
  it('allow-list: sub-domains of a *.pattern, exact hosts, https port unless one is named', () => {
    const hosts = [...DEFAULT_TEAMS_FILE_HOSTS];
    expect(hostAllowed(new URL('https://contoso-my.sharepoint.com/x'), hosts)).toBe(true);
    expect(hostAllowed(new URL('https://sharepoint.com/x'), hosts)).toBe(false);
    expect(hostAllowed(new URL('https://contoso.sharepoint.com.evil.example/x'), hosts)).toBe(false);
    expect(hostAllowed(new URL('https://evilsharepoint.com/x'), hosts)).toBe(false);
    expect(hostAllowed(new URL('https://contoso.sharepoint.com:8443/x'), hosts)).toBe(false);
    expect(hostAllowed(new URL('https://localhost:8443/x'), ['localhost:8443'])).toBe(true);
  });

  let server: Server;
  let origin: string;
  const seen: { url: string; authorization?: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(req.headers.authorization === 'Bearer the-bot-token' ? 200 : 401, { 'content-type': 'image/png' });
      res.end(req.headers.authorization ? Buffer.from('89504e470d0a1a0a00', 'hex') : '');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('a shared file: refused without a request unless https and on the allow-list', async () => {
    const before = seen.length;
    const policy = { fileHosts: ['127.0.0.1:' + new URL(origin).port], maxBytes: 1024, timeoutMs: 2000 };
    expect(await fetchTeamsFile(`${origin}/file.pdf`, policy)).toEqual({ ok: false, error: 'not_allowed' }); // http
    expect(await fetchTeamsFile('https://contoso.sharepoint.com.evil.example/f', { ...policy, fileHosts: [...DEFAULT_TEAMS_FILE_HOSTS] })).toEqual({ ok: false, error: 'not_allowed' });
    expect(await fetchTeamsFile('https://user:pw@contoso.sharepoint.com/f', { ...policy, fileHosts: [...DEFAULT_TEAMS_FILE_HOSTS] })).toEqual({ ok: false, error: 'not_allowed' });
    expect(seen.length).toBe(before);
  });

  it("a pasted image: fetched with the bot's token, only from the serviceUrl's host, never anonymously", async () => {
    const serviceUrl = `${origin}/emea/`;
    const url = `${origin}/emea/v3/attachments/0-weu-d11-6a4b/views/original`;
    const got = await fetchTeamsInlineImage(url, { serviceUrl, token: 'the-bot-token', maxBytes: 1024, timeoutMs: 2000 });
    expect(got.ok).toBe(true);
    expect(seen.at(-1)).toEqual({ url: '/emea/v3/attachments/0-weu-d11-6a4b/views/original', authorization: 'Bearer the-bot-token' });

    const before = seen.length;
    expect(await fetchTeamsInlineImage(url, { serviceUrl, token: undefined, maxBytes: 1024, timeoutMs: 2000 })).toEqual({ ok: false, error: 'not_allowed' });
    // Another host (an image link anywhere else) never gets the token.
    expect(await fetchTeamsInlineImage(`http://localhost:${new URL(origin).port}/emea/v3/attachments/x/views/original`, { serviceUrl, token: 'the-bot-token', maxBytes: 1024, timeoutMs: 2000 })).toEqual({
      ok: false,
      error: 'not_allowed',
    });
    expect(seen.length).toBe(before);
  });
});

describe("a pasted image through the middleware, with the connector client's own credentials", () => {
  let server: Server;
  let origin: string;
  const seen: { url: string; authorization?: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(req.headers.authorization ? 200 : 401, { 'content-type': 'image/png' });
      res.end(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it("takes the bot's token from the turn's connector client and hands the image on inline", async () => {
    const credentials = new MicrosoftAppCredentials(APP_ID, 'not-a-real-secret');
    // What MSAL would have answered, in the SDK's own token cache (this test has no Microsoft login service).
    (AppCredentials as unknown as { cache: Map<string, { accessToken: string; expiresOn: Date }> }).cache.set(credentials.tokenCacheKey, {
      accessToken: 'token-from-the-connector-credentials',
      expiresOn: new Date(Date.now() + 3600_000),
    });
    const adapter = new CloudAdapter();
    const serviceUrl = `${origin}/emea/`;
    const activity = {
      type: 'message',
      id: '1741770962710',
      channelId: 'msteams',
      serviceUrl,
      text: '',
      from: { id: '29:u', aadObjectId: AAD },
      recipient: BOT,
      conversation: { id: 'a:1img', conversationType: 'personal', tenantId: TENANT },
      attachments: [
        { contentType: 'image/*', contentUrl: `${serviceUrl}v3/attachments/0-weu-d11-6a4b/views/original` },
        { contentType: 'text/html', content: '<div><img src="x"></div>' },
      ],
    } as unknown as Activity;
    const context = new TurnContext(adapter, activity);
    context.turnState.set((adapter as CloudAdapterBase).ConnectorClientKey, new ConnectorClient(credentials, { baseUri: serviceUrl }));
    const mw = new TeamsMiddleware({ conversationState: new ConversationState(new MemoryStorage()), fileHosts: [], maxBytes: 1024, timeoutMs: 2000, defaultLanguage: 'en', brandName: 'Acme', appId: APP_ID, logger: createLogger('silent') });
    let handedOn: Activity['attachments'];
    await mw.onTurn(context, async () => {
      handedOn = context.activity.attachments;
    });
    expect(seen).toEqual([{ url: '/emea/v3/attachments/0-weu-d11-6a4b/views/original', authorization: 'Bearer token-from-the-connector-credentials' }]);
    expect(handedOn).toEqual([{ contentType: 'image/png', name: 'pasted-image.png', contentUrl: expect.stringMatching(/^data:image\/png;base64,iVBORw0KGgo/) }]);
  });
});

describe('who a Teams user is', () => {
  const accounts = new DemoAccountsAdapter(DemoData.load());
  const logger = createLogger('silent');
  const middleware = (appId?: string) =>
    new TeamsMiddleware({ conversationState: new ConversationState(new MemoryStorage()), fileHosts: [], maxBytes: 1024, timeoutMs: 1000, defaultLanguage: 'en', brandName: 'Acme', appId, logger });
  const activity = (extra: Partial<Activity> = {}) =>
    ({
      type: 'message',
      id: '1741768923152',
      channelId: 'msteams',
      serviceUrl: 'https://smba.trafficmanager.net/emea/',
      text: 'help',
      from: { id: '29:1CFIxRJBLjT_io3iNsDZxMk_4YPWQmr3DZUM1I6ihf5L2ocCDqg9S1vkHK6kRdGfK1P_2LFE2nQqFIvdu-GBOZA', name: 'Dave', aadObjectId: AAD },
      recipient: BOT,
      conversation: { id: 'a:1xyz', conversationType: 'personal', tenantId: TENANT },
      channelData: { tenant: { id: TENANT } },
      ...extra,
    }) as Activity;

  /** The account the dialogs would see for this activity, after TeamsMiddleware, with these claims. */
  async function accountSeen(a: Activity, claims: ClaimsIdentity | undefined, appId?: string) {
    const adapter = new CloudAdapter();
    const context = new TurnContext(adapter, a);
    if (claims) context.turnState.set((adapter as CloudAdapterBase).BotIdentityKey, claims);
    let account: Awaited<ReturnType<typeof findUserAccount>> | 'not reached' = 'not reached';
    await middleware(appId).onTurn(context, async () => {
      account = await findUserAccount(accounts, context.activity);
    });
    return account;
  }

  const validToken = () => new ClaimsIdentity([{ type: 'aud', value: APP_ID }, { type: 'appid', value: 'channel' }], 'https://api.botframework.com');

  it('with a validated Bot Framework token: found by tenant id + AAD object id (a Pro account)', async () => {
    const account = await accountSeen(activity(), validToken(), APP_ID);
    expect(account).toMatchObject({ id: 'ACC-NORTHWIND', tier: 'pro' });
  });

  it('without a token, or with a token for another bot, nobody: whatever the activity says', async () => {
    expect(await accountSeen(activity(), undefined, APP_ID)).toBeNull();
    expect(await accountSeen(activity(), new ClaimsIdentity([], 'anonymous'), APP_ID)).toBeNull();
    expect(await accountSeen(activity(), new ClaimsIdentity([{ type: 'aud', value: 'another-bot' }], 'https://api.botframework.com'), APP_ID)).toBeNull();
    // No app id configured (local testing): no Teams identity, even with the Pro's AAD ids in the activity.
    expect(await accountSeen(activity(), validToken(), undefined)).toBeNull();
    // The demo link "demo-pro" (any channel) does not work as a Teams user id, nor does a tier in channelData.
    expect(await accountSeen(activity({ from: { id: 'demo-pro', name: 'x' }, channelData: { tenant: { id: TENANT }, tier: 'pro', verifiedAccountId: undefined } }), undefined, APP_ID)).toBeNull();
  });

  it('the HTTP accounts service is asked by tenant id + AAD object id', async () => {
    const urls: string[] = [];
    const server = createServer((req, res) => {
      urls.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'ACC-9', tier: 'pro', fraudFlag: false, openChargeback: false }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const http = new HttpAccountsAdapter({ baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1/`, timeoutMs: 2000 });
      const adapter = new CloudAdapter();
      const context = new TurnContext(adapter, activity());
      context.turnState.set((adapter as CloudAdapterBase).BotIdentityKey, validToken());
      let tier: string | undefined;
      await middleware(APP_ID).onTurn(context, async () => {
        tier = (await findUserAccount(http, context.activity))?.tier;
      });
      expect(tier).toBe('pro');
      const q = new URL(urls[0], 'http://x').searchParams;
      expect(Object.fromEntries(q)).toEqual({ channelId: 'msteams', userId: activity().from.id, tenantId: TENANT, aadObjectId: AAD });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('another tenant with the same object id is another person', async () => {
    const a = activity({ conversation: { id: 'a:1', conversationType: 'personal', tenantId: 'another-tenant' } as never, channelData: { tenant: { id: 'another-tenant' } } });
    expect(await accountSeen(a, validToken(), APP_ID)).toBeNull();
  });
});

describe("Teams' card limits", () => {
  const t = (k: string) => ({ 'teams:card.choose': 'Choose…', 'teams:card.submit': 'Send' })[k] ?? k;

  it('a choice hero card goes out as an Adaptive Card 1.5 (a choice list beyond 6 buttons), and its choice reads as the button', async () => {
    const buttons = ['Paid twice', 'Paid by mistake', 'Not delivered', 'Cancelled', 'Service not used', 'Technical problem', 'Other'].map((title) => ({ type: 'imBack', title, value: title }));
    const sentToTeams: Partial<Activity>[] = [];
    const seenByBot: Partial<Activity>[] = [];
    const mw = new TeamsMiddleware({ conversationState: new ConversationState(new MemoryStorage()), fileHosts: [], maxBytes: 1024, timeoutMs: 1000, defaultLanguage: 'en', brandName: 'Acme', logger: createLogger('silent') });
    const adapter = new TestAdapter(async (context) => {
      seenByBot.push({ ...context.activity });
      if (context.activity.text === 'why') await context.sendActivity({ attachments: [{ contentType: 'application/vnd.microsoft.card.hero', content: { text: 'Why?', buttons } }] });
    }, { channelId: 'msteams', conversation: { id: 'a:1', conversationType: 'personal' } as never, recipient: BOT, locale: 'en-GB' });
    adapter.use(mw);
    adapter.use({ onTurn: async (ctx, next) => (ctx.onSendActivities(async (_c, acts, send) => (sentToTeams.push(...acts), send())), next()) });
    await adapter.send('why').startTest();
    const card = sentToTeams[0].attachments![0];
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.content.version).toBe('1.5');
    const choices = card.content.body.find((b: any) => b.type === 'Input.ChoiceSet');
    expect(choices.choices.map((c: any) => c.title)).toEqual(buttons.map((b) => b.title));
    expect(card.content.actions).toHaveLength(1);
    expect(card.content.actions[0].title).toBe('Send');

    await adapter.send({ type: 'message', value: { teamsChoiceCard: true, teamsChoice: 'Not delivered' } } as never).startTest();
    expect(seenByBot.at(-1)).toMatchObject({ text: 'Not delivered', value: undefined });
    // Up to 6: one Action.Submit per button, titled as the button, sending the same text.
    const few = heroAsChoiceCard({ text: 'Sure?', buttons: buttons.slice(0, 2) }, t).content;
    expect(few.version).toBe('1.5');
    expect(few.actions).toEqual([
      { type: 'Action.Submit', title: 'Paid twice', data: { teamsChoice: 'Paid twice' } },
      { type: 'Action.Submit', title: 'Paid by mistake', data: { teamsChoice: 'Paid by mistake' } },
    ]);
  });
});
