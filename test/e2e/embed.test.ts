import { ActivityStore } from '../../src/channels/directline/store';
import { createServer, Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import type { App } from '../../src/app';
import { launchChromium, screenshotPath, startE2eApp } from './support';
import { freePort } from '../support/redisServer';

/*
 * The widget on a host site: a page on another origin adds the embed snippet. Its server asks the
 * bot for a token (server to server, with the Direct Line secret) for a user it has signed in and
 * verified; embed.js hands that token to the chat iframe. The bot then knows the account, whatever
 * the browser says.
 */

jest.setTimeout(60000);

const SECRET = randomBytes(32).toString('base64url');

describe('the widget embedded in a host site', () => {
  let app: App;
  let botUrl: string;
  let host: Server;
  let hostUrl: string;
  let browser: Browser;
  const generated: unknown[] = [];

  beforeAll(async () => {
    ({ app, baseUrl: botUrl } = await startE2eApp({ DIRECTLINE_SECRET: SECRET }));
    const port = await freePort();
    hostUrl = `http://localhost:${port}`; // another origin than the bot's 127.0.0.1
    host = createServer(async (req, res) => {
      if (req.method === 'POST' && req.url === '/support/chat-token') {
        // The host site's backend: its user is signed in as Northwind's account manager.
        const r = await fetch(`${botUrl}/v3/directline/tokens/generate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
          body: JSON.stringify({ user: { id: 'demo-pro', name: 'Northwind' }, verifiedAccountId: 'ACC-NORTHWIND' }),
        });
        const body = (await r.json()) as { token: string };
        generated.push(body);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token: body.token }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><title>Northwind shop</title></head><body>
        <h1>Northwind shop</h1><p>Welcome back.</p>
        <script src="${botUrl}/embed.js" data-token-url="/support/chat-token" async></script>
      </body></html>`);
    });
    await new Promise<void>((r) => host.listen(port, '127.0.0.1', () => r()));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    host?.closeAllConnections();
    await new Promise((r) => host?.close(r));
    await app?.close();
  });

  it('opens the chat from the button, with the host-verified account, never a browser-declared one', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1000, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    await page.goto(hostUrl);
    await page.getByRole('button', { name: 'Chat with us' }).click();
    const frame = page.frameLocator(`iframe[src^="${botUrl}/"]`);
    await frame.getByText('Hello, I’m the Acme payments assistant').first().waitFor();
    expect(generated).toHaveLength(1);

    // Camille's order: for Northwind's verified account it does not exist (anonymous visitors of
    // the demo may look any order up).
    await frame.getByRole('textbox').last().fill('I want a refund for order FL-100001');
    await frame.getByRole('textbox').last().press('Enter');
    await frame.getByText('I can’t find order FL-100001').first().waitFor(); // Web Chat curls the apostrophe
    await page.screenshot({ path: screenshotPath('embed-host-site.png') });

    // What the bot received: the user and the account from the token.
    const conv = JSON.parse(Buffer.from((generated[0] as { token: string }).token.split('.')[1], 'base64url').toString()).conv;
    const log = (await new ActivityStore(app.redis, app.keys, 60).entries(conv)).map((x) => x.activity as any);
    const mine = log.filter((a) => a.from.role === 'user');
    expect(mine.length).toBeGreaterThan(0);
    for (const a of mine) {
      expect(a.from).toEqual({ id: 'demo-pro', name: 'Northwind', role: 'user' });
      expect(a.channelData.verifiedAccountId).toBe('ACC-NORTHWIND');
    }
    await page.getByRole('button', { name: 'Close the chat' }).click();
    await context.close();
  });

  it('shows the snippet on the example page, and the anonymous widget works there', async () => {
    const context = await browser.newContext({ locale: 'fr-FR' });
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    await page.goto(`${botUrl}/embed-example`);
    expect(await page.locator('pre code').first().innerText()).toBe(`<script src="${botUrl}/embed.js" async></script>`);
    await page.getByRole('button', { name: 'Discuter avec nous' }).click();
    const frame = page.frameLocator('iframe');
    await frame.getByText('Bonjour, je suis l’assistant Acme pour vos paiements').first().waitFor();
    await context.close();
  });
});
