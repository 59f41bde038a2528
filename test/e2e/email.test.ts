import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { App } from '../../src/app';
import { RedisCaseRepository } from '../../src/cases/repository';
import { decideCase, type NotifyResult } from '../../src/services/notifications';
import { makeCase, startMailApp } from '../notifications/support';
import { launchChromium, OUTPUT_DIR } from './support';

/*
 * Every HTML e-mail as a customer sees it: each message, in both languages, delivered to the
 * development mailbox and opened from /dev/outbox in Chromium, at a desktop and a phone width.
 * Screenshots: test-output/e2e/email/<message>.<lang>.<width>.png
 */

const DIR = join(OUTPUT_DIR, 'email');

describe('e-mails rendered in Chromium', () => {
  let app: App;
  let baseUrl: string;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(DIR, { recursive: true });
    ({ app, baseUrl } = await startMailApp({}));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  for (const lang of ['en', 'fr'] as const) {
    it(`shows each message in ${lang}, readable on a desktop and a phone`, async () => {
      const n = app.notifications.notifier;
      const cases = new RedisCaseRepository(app.redis, app.keys);
      const contact = (name: string) => ({ email: `${name}@example.org`, confirmedAt: new Date().toISOString() });
      const recorded = await makeCase(app, { language: lang, owner: { accountId: 'ACC-CAMILLE' } });
      const refused = await makeCase(app, { language: lang, contact: contact('refused') });
      const paused = await makeCase(app, { topic: 'payment_not_received', language: lang, contact: contact('invoice') });
      const dispute = await makeCase(app, { topic: 'dispute', language: lang, contact: contact('dispute') });
      const waiting = await makeCase(app, { language: lang, contact: contact('waiting') });
      const results: [string, NotifyResult][] = [['recorded', await n.notifyRequestRecorded(recorded)]];
      const approved = await decideCase({ cases, notifier: n }, recorded.reference, {
        status: 'approved',
        by: 'agent:a1',
        reasons: [lang === 'fr' ? "Votre annonce n'avait pas encore été diffusée." : "Your ad hadn't been broadcast yet."],
      });
      results.push(['approved', { queued: true, id: `${recorded.reference}:decision:approved:${approved!.history.length}` }]);
      const refusedRecord = await decideCase({ cases, notifier: n }, refused.reference, {
        status: 'refused',
        by: 'agent:a1',
        reasons: [lang === 'fr' ? 'Votre annonce a déjà été diffusée du 2 au 9 novembre.' : 'Your ad was already broadcast from 2 to 9 November.'],
      });
      results.push(['refused', { queued: true, id: `${refused.reference}:decision:refused:${refusedRecord!.history.length}` }]);
      results.push(['invoice-paused', await n.notifyInvoicePaused(paused, { invoice: 'INV-2026-0042', amount: { minor: 4900, currency: 'EUR' } })]);
      results.push(['merchant-deadline', await n.notifyMerchantDeadline(dispute, { merchant: 'SoundPoint', deadline: '2026-11-20T17:00:00Z' })]);
      results.push([
        'agent-answer',
        await n.notifyAgentAnswer(waiting, {
          text:
            lang === 'fr'
              ? "Bonjour,\nJ'ai vérifié votre commande : le remboursement de 49,00 € est validé. Vous le verrez sur votre carte d'ici 5 jours ouvrés."
              : "Hello,\nI've checked your order: the €49.00 refund is approved. You'll see it on your card within 5 business days.",
          messageId: 'm1',
        }),
      ]);

      for (const [name, result] of results) {
        expect(result.queued).toBe(true);
        const id = (result as { id: string }).id;
        const url = `${baseUrl}/dev/outbox/${encodeURIComponent(id)}`;
        const deadline = Date.now() + 15000;
        while ((await fetch(url)).status !== 200) {
          if (Date.now() > deadline) throw new Error(`${name} never reached the outbox`);
          await new Promise((r) => setTimeout(r, 50));
        }
        for (const width of [800, 375]) {
          const context = await browser.newContext({ viewport: { width, height: 900 }, locale: lang });
          const page = await context.newPage();
          const problems: string[] = [];
          page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
          await page.goto(url);
          const button = page.getByRole('link', { name: lang === 'fr' ? 'Suivre ma demande' : 'Follow my request' });
          await expect(button.isVisible()).resolves.toBe(true);
          // Nothing is wider than the screen (no sideways scrolling on a phone).
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          expect(overflow).toBeLessThanOrEqual(0);
          await page.screenshot({ path: join(DIR, `${name}.${lang}.${width}.png`), fullPage: true });
          expect(problems).toEqual([]);
          await context.close();
        }
      }
    });
  }

  it('lists the messages at /dev/outbox', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/dev/outbox`);
    expect(await page.locator('tbody tr').count()).toBeGreaterThanOrEqual(12);
    await page.screenshot({ path: join(DIR, 'outbox-list.png'), fullPage: true });
    await context.close();
  });
});
