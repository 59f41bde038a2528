import type { Browser } from 'playwright-core';
import type { App } from '../../src/app';
import { launchChromium, openChat, RECEIPT_PNG, say, screenshotPath, startE2eApp, transcript, upload, waitForText, ChatPage } from './support';

/*
 * An English browser on the real page: the welcome in English, the language switch (page, Web Chat
 * and the bot follow), an upload the page refuses with a message in the user's language, and a whole
 * refund request through the menu button, the form card (an Adaptive Card submit), a proof uploaded
 * with the paperclip and the summary card.
 */

jest.setTimeout(60000);

describe('web chat page, English browser', () => {
  let app: App;
  let baseUrl: string;
  let browser: Browser;
  let chat: ChatPage;

  beforeAll(async () => {
    ({ app, baseUrl } = await startE2eApp());
    browser = await launchChromium();
    chat = await openChat(browser, baseUrl, 'en-GB');
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows the page in English and the bot welcomes in English', async () => {
    const { page } = chat;
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.title()).toBe('Acme – chat with our payments assistant');
    await waitForText(page, 'Hello, I’m the Acme payments assistant');
    expect(await page.getByRole('textbox').last().getAttribute('placeholder')).toBe('Type your message');
  });

  it('switches to French and back: the page, Web Chat and the bot follow', async () => {
    const { page } = chat;
    await page.getByRole('button', { name: 'Français' }).click();
    await waitForText(page, 'Très bien, je continue en français');
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await page.locator('#heading').innerText()).toBe('Acme – vos paiements');
    expect(await page.getByRole('textbox').last().getAttribute('placeholder')).toBe('Tapez votre message');
    await page.getByRole('button', { name: 'English' }).click();
    await waitForText(page, 'Sure, I’ll continue in English');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.getByRole('textbox').last().getAttribute('placeholder')).toBe('Type your message');
  });

  it('refuses a file that is not PNG, JPEG or PDF before sending it, in the page language', async () => {
    const { page } = chat;
    const before = await transcript(page);
    await upload(page, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a receipt') });
    const notice = page.locator('#notice');
    await notice.waitFor({ state: 'visible' });
    expect(await page.locator('#notice-text').innerText()).toBe("“notes.txt” can't be sent: only PNG or JPEG images and PDF files are accepted.");
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await notice.waitFor({ state: 'hidden' });
    expect(await transcript(page)).toBe(before);
  });

  it('says so when the bot refuses a file whose bytes are not what its name says', async () => {
    const { page } = chat;
    await upload(page, { name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('MZ this is not an image') });
    await page.locator('#notice').waitFor({ state: 'visible' });
    expect(await page.locator('#notice-text').innerText()).toBe(
      "Your file couldn't be sent. Check that it is a PNG, JPEG or PDF under 10 MB, then try again.",
    );
    await page.getByRole('button', { name: 'Dismiss' }).click();
    // The browser logs the refusal (415) and Web Chat its failed post; nothing else went wrong.
    const logged = chat.problems.splice(0);
    expect(logged.some((p) => p.includes('415'))).toBe(true);
    expect(logged.filter((p) => !/415|Failed to post activity|could not be decoded/.test(p))).toEqual([]);
  });

  it('completes a refund request through the menu, the form card, an uploaded proof and the summary card', async () => {
    const { page } = chat;
    await page.getByRole('button', { name: 'Refund or cancellation' }).last().click();
    await waitForText(page, 'What is your order number?');
    await page.getByRole('button', { name: 'Fill in a form instead' }).last().click();
    await waitForText(page, 'Your refund request');

    const form = page.locator('.ac-adaptiveCard').last();
    await form.getByLabel('Order number').fill('FL-400001');
    await form.getByLabel('Amount paid').fill('€150');
    await form.getByLabel('Reason').selectOption({ label: "I haven't used the service" });
    await form.getByRole('button', { name: 'Send' }).click();
    await waitForText(page, 'I found order FL-400001');
    await waitForText(page, 'proof of payment');

    await upload(page, { name: 'receipt.png', mimeType: 'image/png', buffer: RECEIPT_PNG });
    await waitForText(page, /Thanks, I’ve received receipt\.png/);
    await waitForText(page, 'Your request');

    await page.getByRole('button', { name: 'Confirm' }).last().click();
    await waitForText(page, /reference is RF-[A-Z0-9]{5}/);
    await page.waitForTimeout(300); // let Web Chat scroll to the end
    await page.screenshot({ path: screenshotPath('webchat-en-refund.png') });
    expect(chat.problems).toEqual([]);
  });
});
