import type { Browser } from 'playwright-core';
import type { App } from '../../src/app';
import { launchChromium, openChat, RECEIPT_PNG, say, screenshotPath, startE2eApp, transcript, upload, waitForText, ChatPage } from './support';

/*
 * A French browser on the real page: the welcome in French, a whole refund request (facts in the
 * first message, a proof uploaded through Web Chat's paperclip, the summary card's Confirm button),
 * the case reference, then a reload that resumes the same conversation.
 */

jest.setTimeout(60000);

describe('web chat page, French browser', () => {
  let app: App;
  let baseUrl: string;
  let browser: Browser;
  let chat: ChatPage;

  beforeAll(async () => {
    ({ app, baseUrl } = await startE2eApp());
    browser = await launchChromium();
    chat = await openChat(browser, baseUrl, 'fr-FR');
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows the page in French and the bot welcomes in French', async () => {
    const { page } = chat;
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await page.title()).toBe('Acme – votre assistant pour les paiements');
    expect(await page.getByRole('button', { name: 'Français' }).getAttribute('aria-pressed')).toBe('true');
    await waitForText(page, "Bonjour, je suis l’assistant Acme pour vos paiements");
    await waitForText(page, 'Que puis-je faire pour vous');
  });

  it('completes a refund request with an uploaded proof and the summary card', async () => {
    const { page } = chat;
    await say(page, "Je veux être remboursé de 49,00 € pour la commande FL-100001, j'ai payé par erreur");
    await waitForText(page, "J’ai trouvé la commande FL-100001");
    await waitForText(page, 'justificatif de paiement');

    await upload(page, { name: 'recu.png', mimeType: 'image/png', buffer: RECEIPT_PNG });
    await waitForText(page, /Merci, j’ai bien reçu recu\.png/);
    await waitForText(page, 'Votre demande');

    await page.getByRole('button', { name: 'Confirmer' }).last().click();
    await waitForText(page, /référence est RF-[A-Z0-9]{5}/);
    await page.waitForTimeout(300); // let Web Chat scroll to the end
    await page.screenshot({ path: screenshotPath('webchat-fr-refund.png') });
    expect(chat.problems).toEqual([]);
  });

  it('resumes the same conversation after a reload', async () => {
    const { page } = chat;
    const before = await page.evaluate(() => sessionStorage.getItem('support-widget.session'));
    const welcomes = (text: string) => text.split('Bonjour, je suis l’assistant').length - 1;
    const welcomesBefore = welcomes(await transcript(page));
    await page.reload();
    await waitForText(page, /référence est RF-[A-Z0-9]{5}/);
    await waitForText(page, "Bonjour, je suis l’assistant Acme pour vos paiements");
    const after = await page.evaluate(() => sessionStorage.getItem('support-widget.session'));
    expect(JSON.parse(after!).conversationId).toBe(JSON.parse(before!).conversationId);
    // The welcome is not sent again, and the conversation goes on.
    expect(welcomes(await transcript(page))).toBe(welcomesBefore);
    await say(page, 'aide');
    await waitForText(page, 'Je peux vous aider pour quatre choses');
    await page.waitForTimeout(300);
    await page.screenshot({ path: screenshotPath('webchat-fr-after-reload.png') });
    expect(chat.problems).toEqual([]);
  });
});
