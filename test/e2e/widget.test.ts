import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { App } from '../../src/app';
import { CHROMIUM, launchChromium, openChat, say, OUTPUT_DIR, RECEIPT_PNG, startE2eApp, upload, waitForText } from './support';
import { mkdirSync, readFileSync } from 'node:fs';
import { request as httpRequest, createServer, Server } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { webChatBundlePath } from '../../src/channels/widget';
import { freePort } from '../support/redisServer';
import { join } from 'node:path';

/*
 * The widget page as a phone shows it (360 × 740): one compact header line, a title that never
 * wraps, nothing wider than the screen.
 */

jest.setTimeout(90000);

const SHOTS = join(OUTPUT_DIR, 'widget');
const shot = (name: string) => {
  mkdirSync(SHOTS, { recursive: true });
  return join(SHOTS, name);
};

describe('the widget page', () => {
  let app: App;
  let baseUrl: string;
  let browser: Browser;
  let host: Server;
  let hostUrl: string;

  beforeAll(async () => {
    ({ app, baseUrl } = await startE2eApp());
    // A host site on another origin (localhost vs the bot's 127.0.0.1) with the embed snippet.
    const port = await freePort();
    hostUrl = `http://localhost:${port}`;
    host = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><title>Northwind shop</title></head><body>
        <h1>Northwind shop</h1><script src="${baseUrl}/embed.js" async></script></body></html>`);
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

  async function header(page: Page) {
    return page.evaluate(() => {
      const h1 = document.getElementById('heading')!;
      const lh = parseFloat(getComputedStyle(h1).lineHeight) || parseFloat(getComputedStyle(h1).fontSize) * 1.3;
      return {
        bar: document.querySelector('.bar')!.getBoundingClientRect().height,
        h1Height: h1.getBoundingClientRect().height,
        lineHeight: lh,
        scrollWidth: document.documentElement.scrollWidth,
        introShown: getComputedStyle(document.getElementById('intro')!).display !== 'none',
      };
    });
  }

  for (const [locale, welcome, names] of [
    ['en-US', 'Hello, I’m the Acme payments assistant', ['English', 'Français']],
    ['fr-FR', 'Bonjour, je suis l’assistant Acme pour vos paiements', ['English', 'Français']],
  ] as const) {
    it(`keeps a one-line header and a usable chat (${locale})`, async () => {
      const context = await browser.newContext({ locale, viewport: { width: 360, height: 740 }, deviceScaleFactor: 1 });
      const page = await context.newPage();
      page.setDefaultTimeout(15000);
      await page.goto(baseUrl);
      await waitForText(page, welcome);
      const h = await header(page);
      expect(h.h1Height).toBeLessThan(h.lineHeight * 1.5); // one line
      expect(h.bar).toBeLessThanOrEqual(48);
      expect(h.introShown).toBe(false);
      expect(h.scrollWidth).toBeLessThanOrEqual(360);
      // The short language buttons keep their full names for screen readers.
      for (const name of names) expect(await page.getByRole('button', { name, exact: true }).isVisible()).toBe(true);
      // The send box is on screen, full width.
      const box = await page.getByRole('textbox').last().boundingBox();
      expect(box!.y + box!.height).toBeLessThanOrEqual(740);
      expect(box!.width).toBeGreaterThan(200);
      await page.screenshot({ path: shot(`narrow-360-${locale}.png`) });
      await context.close();
    });
  }

  it('labels the form fields, clears an upload error once an upload succeeds, and shows the customer’s own image', async () => {
    const { page, context } = await openChat(browser, baseUrl, 'en-US');
    await waitForText(page, 'Hello, I’m the Acme payments assistant');
    await page.getByRole('button', { name: 'Refund or cancellation' }).last().click();
    await waitForText(page, 'What is your order number?');
    await page.getByRole('button', { name: 'Fill in a form instead' }).last().click();
    await waitForText(page, 'Your refund request');

    // Every field a person can reach has a name from a real label, never its placeholder.
    const form = page.locator('.ac-adaptiveCard').last();
    const fields = await form.evaluate((card) =>
      Array.from(card.querySelectorAll('input, select, textarea')).map((el) => {
        const f = el as HTMLInputElement;
        const ids = (f.getAttribute('aria-labelledby') ?? '').split(/\s+/).filter(Boolean);
        const fromIds = ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
        const fromLabels = Array.from(f.labels ?? []).map((l) => l.textContent ?? '').join(' ').trim();
        return { label: fromIds || fromLabels, ariaLabel: f.getAttribute('aria-label'), placeholder: f.getAttribute('placeholder') };
      }),
    );
    expect(fields.map((f) => f.label)).toEqual(['Order number', 'Amount paid', 'Reason', 'Payment reference (optional)']);
    for (const f of fields) expect(f.ariaLabel === null || f.ariaLabel !== f.placeholder).toBe(true);
    await form.getByRole('textbox', { name: 'Order number', exact: true }).fill('FL-400001');
    await form.getByRole('textbox', { name: 'Amount paid', exact: true }).fill('€150');
    await form.getByRole('combobox', { name: 'Reason', exact: true }).selectOption({ label: "I haven't used the service" });
    await form.getByRole('button', { name: 'Send' }).click();
    await waitForText(page, 'proof of payment');

    // A file the bot refuses: the banner says so ...
    await upload(page, { name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('MZ this is not an image') });
    await page.locator('#notice').waitFor({ state: 'visible' });
    // ... and goes once the next upload has gone through, without the customer dismissing it.
    await upload(page, { name: 'receipt.png', mimeType: 'image/png', buffer: RECEIPT_PNG });
    await waitForText(page, /Thanks, I’ve received receipt\.png/);
    await page.locator('#notice').waitFor({ state: 'hidden' });

    // The customer's own image is shown as an image, loaded from the bot, not as a download link.
    const img = page.locator('.webchat__bubble--from-user img').last();
    await img.waitFor();
    await page.waitForFunction((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0, await img.elementHandle());
    expect(await img.getAttribute('src')).toContain(`${baseUrl}/v3/directline/conversations/`);
    await page.waitForTimeout(300);
    await page.screenshot({ path: shot('upload-thumbnail.png') });
    await context.close();
  });

  function get(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      httpRequest(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
        .on('error', reject)
        .end();
    });
  }

  it('serves Web Chat compressed, versioned and cached for a year', async () => {
    const page = await (await fetch(baseUrl)).text();
    const path = /<script src="(\/widget\/webchat\/[0-9a-f]{16}\/webchat\.js)" defer>/.exec(page)?.[1];
    expect(path).toBeDefined();
    const original = readFileSync(webChatBundlePath());

    const br = await get(`${baseUrl}${path}`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(brotliDecompressSync(br.body).equals(original)).toBe(true);
    const gz = await get(`${baseUrl}${path}`, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(original)).toBe(true);
    const plain = await get(`${baseUrl}${path}`, { 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBe(original.length);
    console.log(`Web Chat bundle: ${original.length} B, gzip ${gz.body.length} B, brotli ${br.body.length} B`);
    expect(br.body.length).toBeLessThan(original.length / 4);

    // Revalidation: the same ETag gets a 304 with no body.
    const again = await get(`${baseUrl}${path}`, { 'accept-encoding': 'br', 'if-none-match': String(br.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    // Another version than today's is never pinned for a year.
    const old = await get(`${baseUrl}/widget/webchat/0123456789abcdef/webchat.js`, { 'accept-encoding': 'br' });
    expect(old.headers['cache-control']).toBe('no-cache');
  });

  it('loads Web Chat on a host site only when the visitor opens the chat', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1000, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    const fromBot: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(baseUrl)) fromBot.push(new URL(r.url()).pathname);
    });
    await page.goto(hostUrl);
    await page.getByRole('button', { name: 'Chat with us' }).waitFor();
    await page.waitForTimeout(500);
    expect(fromBot).toEqual(['/embed.js']);

    const bundle = page.waitForResponse((r) => /\/widget\/webchat\/[0-9a-f]{16}\/webchat\.js$/.test(r.url()));
    await page.getByRole('button', { name: 'Chat with us' }).click();
    const res = await bundle;
    expect(res.headers()['content-encoding']).toBe('br');
    await page.frameLocator('iframe').getByText('Hello, I’m the Acme payments assistant').first().waitFor();
    await context.close();
  });

  it('resumes the conversation after the host page reloads, in a browser that blocks third-party storage', async () => {
    // Third-party cookies and storage blocked, as in browsers with the phase-out on.
    const strict = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--test-third-party-cookie-phaseout'],
    });
    try {
      const context = await strict.newContext({ locale: 'en-US', viewport: { width: 1000, height: 800 } });
      const page = await context.newPage();
      page.setDefaultTimeout(15000);
      await page.goto(hostUrl);
      await page.getByRole('button', { name: 'Chat with us' }).click();
      const frameEl = page.locator(`iframe[src^="${baseUrl}/"]`);
      const frame = page.frameLocator(`iframe[src^="${baseUrl}/"]`);
      await frame.getByText('Hello, I’m the Acme payments assistant').first().waitFor();
      // The chat, on the bot's origin inside the host's page, really has no storage of its own.
      const blocked = await (await frameEl.elementHandle())!.contentFrame().then((f) =>
        f!.evaluate(() => {
          try {
            sessionStorage.setItem('probe', '1');
            return 'allowed';
          } catch (e) {
            return (e as Error).name;
          }
        }),
      );
      expect(blocked).toBe('SecurityError');

      await frame.getByRole('textbox').last().fill('I want a refund for order FL-100001');
      await frame.getByRole('textbox').last().press('Enter');
      await frame.getByText(/I found order FL-100001/).first().waitFor();
      const conversationBefore = await page.evaluate(() => {
        const key = Object.keys(sessionStorage).find((k) => k.startsWith('support-widget.session:'));
        return key ? (JSON.parse(sessionStorage.getItem(key)!) as { conversationId: string }).conversationId : null;
      });
      expect(conversationBefore).toMatch(/^[A-Za-z0-9_-]+$/);

      const transcriptText = () => frame.locator('.webchat__basic-transcript__transcript').first().innerText();
      const count = (text: string, what: string) => text.split(what).length - 1;
      const welcomes = count(await transcriptText(), 'Hello, I’m the Acme payments assistant');
      expect(welcomes).toBeGreaterThan(0);
      await page.reload();
      // The chat opens again by itself, on the same conversation: the earlier messages are there,
      // and the bot carries on from where it was.
      await frame.getByText('I want a refund for order FL-100001').first().waitFor();
      await frame.getByText(/I found order FL-100001/).first().waitFor();
      const conversationAfter = await page.evaluate(() => {
        const key = Object.keys(sessionStorage).find((k) => k.startsWith('support-widget.session:'));
        return key ? (JSON.parse(sessionStorage.getItem(key)!) as { conversationId: string }).conversationId : null;
      });
      expect(conversationAfter).toBe(conversationBefore);
      await page.waitForTimeout(500);
      await page.screenshot({ path: shot('embed-resumed-after-reload.png') });
      expect(count(await transcriptText(), 'Hello, I’m the Acme payments assistant')).toBe(welcomes); // no second welcome
      await context.close();
    } finally {
      await strict.close();
    }
  });
});
