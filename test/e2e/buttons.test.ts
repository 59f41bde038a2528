import type { Browser } from 'playwright-core';
import type { App } from '../../src/app';
import { translator, type Language } from '../../src/i18n';
import { reasonsFor } from '../../dialogs/slots/reason';
import { launchChromium, openChat, say, screenshotPath, startE2eApp, transcript, waitForText, type ChatPage } from './support';

/*
 * Every choice is a button in Web Chat, whatever the length of its label: the reason list and the
 * R7 offer (change or pause the ad instead of a refund) are clickable buttons named by their
 * translated titles, never a numbered list to type from. Driven in headless Chromium on the real
 * page, in both languages, as a customer would: buttons are clicked, not typed.
 */

jest.setTimeout(90000);

/** A text as Web Chat may show it: its markdown turns ' into ’. */
const shown = (s: string, whole = false) => new RegExp(`${whole ? '^' : ''}${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/'/g, "['’]")}${whole ? '$' : ''}`);

/** The reasons that fit an ad, as the bot offers them. */
const REASONS = reasonsFor('standard', 'ad');
const R7 = ['change_targeting', 'change_call_to_action', 'adjust_duration', 'edit_post', 'pause_ad', 'refund'];

describe.each([
  ['en', 'en-GB', 'I want a refund for my ad FL-100002'],
  ['fr', 'fr-FR', 'je veux être remboursé pour ma pub FL-100002'],
] as const)('choices are buttons in Web Chat (%s)', (lang: Language, locale, first) => {
  const t = translator(lang);
  let app: App;
  let baseUrl: string;
  let browser: Browser;
  let chat: ChatPage;

  beforeAll(async () => {
    ({ app, baseUrl } = await startE2eApp());
    browser = await launchChromium();
    chat = await openChat(browser, baseUrl, locale);
    chat.page.setDefaultTimeout(30000);
  }, 60000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** The button with this exact name in the latest bot activity or suggested actions. */
  const button = (name: string, page = chat.page) => page.getByRole('button', { name: shown(name, true) }).last();

  it('the reason list and the R7 offer are buttons with their translated titles, clicked to the end', async () => {
    const { page } = chat;
    await waitForText(page, shown(t('common:welcome', { brand: 'Acme' }).slice(0, 12)), { timeout: 40000 });
    await say(page, first);
    await waitForText(page, shown(t('refund:amountCheck.ask', { amount: lang === 'fr' ? '120,00\u00a0€' : '€120.00' }).slice(0, 10)), { timeout: 40000 });
    await button(t('refund:amountCheck.yes')).click({ timeout: 40000 });

    await waitForText(page, shown(t('refund:ask.reason')), { timeout: 40000 });
    expect(REASONS.length).toBeGreaterThanOrEqual(6);
    for (const r of REASONS) await button(t(`refund:reasons.${r}.label`)).waitFor();
    // The reasons of other purchases are not offered for an ad.
    expect(await chat.page.getByRole('button', { name: shown(t('refund:reasons.not_consumed.label'), true) }).count()).toBe(0);
    // Buttons, not a numbered list to type from.
    expect(await transcript(page)).not.toMatch(/^\s*\d+\.\s/m);
    await page.waitForTimeout(300);
    await page.screenshot({ path: screenshotPath(`buttons-reasons-${lang}.png`) });
    await button(t('refund:reasons.results_too_low.label')).click();

    await waitForText(page, shown(t('refund:ask.proofOptional').slice(0, 20)), { timeout: 40000 });
    await say(page, lang === 'fr' ? 'passer' : 'skip');
    await waitForText(page, shown(t('refund:summary.title')), { timeout: 40000 });
    await button(t('refund:summary.confirm')).click();

    await waitForText(page, shown(t('refund:alternative.offer')), { timeout: 40000 });
    for (const o of R7) await button(t(`refund:alternative.options.${o}`)).waitFor();
    expect(await transcript(page)).not.toMatch(/^\s*\d+\.\s/m);
    // The offer explains itself once.
    const text = await transcript(page);
    expect(text.match(new RegExp(shown(t('refund:answer.outcome.suggest_alternative')).source, 'g'))).toHaveLength(1);
    await page.waitForTimeout(300);
    await page.screenshot({ path: screenshotPath(`buttons-r7-${lang}.png`) });

    // A button of the offer, clicked, is taken: the pause is asked to be confirmed, with yes / no buttons.
    await button(t('refund:alternative.options.pause_ad')).click();
    await waitForText(page, shown(t('refund:alternative.confirmPause')), { timeout: 40000 });
    await button(t('refund:yes')).waitFor();
    await button(t('refund:no')).waitFor();
    await page.waitForTimeout(300); // let Web Chat scroll to the end
    await page.screenshot({ path: screenshotPath(`buttons-pause-${lang}.png`) });
    expect(chat.problems).toEqual([]);
  });

  it('a review answer is one message, with the offer of a person and its Stop button', async () => {
    const review = await openChat(browser, baseUrl, locale);
    const { page } = review;
    page.setDefaultTimeout(30000);
    await waitForText(page, shown(t('common:welcome', { brand: 'Acme' }).slice(0, 12)), { timeout: 40000 });
    await say(page, lang === 'fr' ? "remboursement FL-100001, j'ai payé 45 € par erreur" : 'refund for FL-100001, I paid €45 by mistake');
    await waitForText(page, shown(t('refund:ask.proofOptional').slice(0, 20)), { timeout: 40000 });
    await say(page, lang === 'fr' ? 'passer' : 'skip');
    await waitForText(page, shown(t('refund:summary.title')), { timeout: 40000 });
    const before = await page.locator('.webchat__basic-transcript__activity').count();
    await button(t('refund:summary.confirm'), page).click();
    await waitForText(page, /RF-[A-Z0-9]{5}/, { timeout: 40000 });
    await page.locator(`button:has-text("${t('handoff:stop.button')}")`).last().waitFor();
    await page.waitForTimeout(500);
    // The customer's press and one answer: nothing else came after it.
    expect((await page.locator('.webchat__basic-transcript__activity').count()) - before).toBeLessThanOrEqual(2);
    const text = await transcript(page);
    expect(text.match(/RF-[A-Z0-9]{5}/g)).toHaveLength(1);
    expect(text).not.toMatch(shown(t('refund:answer.provisional')));
    await page.screenshot({ path: screenshotPath(`review-answer-${lang}.png`) });
    await review.context.close();
  });
});
