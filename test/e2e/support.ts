import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, Browser, BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../src/config';
import { createApp, App } from '../../src/app';
import { freePort } from '../support/redisServer';

/*
 * End-to-end tests: the real page (Web Chat from node_modules, served by the bot) in headless
 * Chromium against a real bot on a real port, on the private test Redis. The bot listens on a port
 * chosen here rather than port 0 because, as with `npm start`, the dialogs download proof files only
 * from the bot's own address (PUBLIC_URL, or loopback on PORT).
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const OUTPUT_DIR = resolve(__dirname, '..', '..', 'test-output', 'e2e');

/** Flags for a quiet, sandbox-free headless Chromium that never phones home. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function startE2eApp(env: Record<string, string> = {}): Promise<{ app: App; baseUrl: string }> {
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: process.env.TEST_REDIS_URL,
    REDIS_KEY_PREFIX: `e${randomUUID().slice(0, 8)}`,
    LOG_LEVEL: 'silent',
    BRAND_NAME: 'Acme',
    ...env,
  });
  const app = await createApp(config);
  await app.listen();
  return { app, baseUrl: `http://127.0.0.1:${port}` };
}

/** Chromium from the system (never downloaded), with a fresh temporary profile for each launch. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface ChatPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and failed requests seen by the page (CSP violations show up here). */
  problems: string[];
}

export async function openChat(browser: Browser, baseUrl: string, locale: string, path = '/'): Promise<ChatPage> {
  const context = await browser.newContext({ locale, viewport: { width: 900, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // Web Chat closes its socket when the page goes away; that is not a failure of the page.
    if (!r.url().includes('/stream?')) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  await page.goto(`${baseUrl}${path}`);
  return { context, page, problems };
}

/** The text of the whole transcript (messages and cards), as the user sees it. */
export async function transcript(page: Page): Promise<string> {
  return (await page.locator('.webchat__basic-transcript__transcript').first().innerText().catch(() => '')) ?? '';
}

/** Waits until the transcript shows `pattern` (`count` times at least). */
export async function waitForText(page: Page, pattern: RegExp | string, { timeout = 15000, count = 1 } = {}): Promise<void> {
  const deadline = Date.now() + timeout;
  const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g') : new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`);
  let text = '';
  while (Date.now() < deadline) {
    text = await transcript(page);
    if ((text.match(re) ?? []).length >= count) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`transcript never showed ${re} (${count}×). It shows:\n${text.slice(-3000)}`);
}

/** Types a message in Web Chat's send box and sends it. */
export async function say(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox').last();
  await box.fill(text);
  await box.press('Enter');
}

/** Chooses a file with Web Chat's upload button, as a user would. */
export async function upload(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  // Web Chat's paperclip, named in the page's language ("Upload file" / "Charger le fichier").
  await page.getByRole('button', { name: /^(Upload file|Charger le fichier)$/ }).click();
  await (await chooser).setFiles(file);
}

export function screenshotPath(name: string): string {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  return join(OUTPUT_DIR, name);
}

/** A small valid PNG (a receipt stand-in) that the proof check accepts. */
export const RECEIPT_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
