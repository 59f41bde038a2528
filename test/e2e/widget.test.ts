import type { Browser, Page } from 'playwright-core';
import type { App } from '../../src/app';
import { launchChromium, OUTPUT_DIR, startE2eApp, waitForText } from './support';
import { mkdirSync } from 'node:fs';
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

describe('the widget at 360 px wide', () => {
  let app: App;
  let baseUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    ({ app, baseUrl } = await startE2eApp());
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
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
    ['fr-FR', 'Bonjour, je suis l’assistant paiements de Acme', ['English', 'Français']],
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
});
