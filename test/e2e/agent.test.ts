import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { App } from '../../src/app';
import { launchChromium, openChat, OUTPUT_DIR, RECEIPT_PNG, say, startE2eApp, upload, waitForText, ChatPage } from './support';

/*
 * The agent desk end to end, in headless Chromium against a real bot and Redis: a customer in the
 * web widget makes a refund request that needs a person; an agent signs in at /agent in a second
 * browser context, sees the conversation arrive (notice, sound, tab title), opens the case and its
 * proof, claims the conversation (a second agent who tries next is told who took it), answers, and
 * records a decision. The customer gets both in the widget. Screenshots in test-output/e2e/agent/.
 */

jest.setTimeout(240000);

const ROOT = join(__dirname, '..', '..');
const SHOTS = join(OUTPUT_DIR, 'agent');

/** `npm run -s agent-hash -- <password>` prints the hash on its last line (docs/agent-api.md). */
function agentHash(password: string): string {
  const out = execFileSync('npm', ['run', '-s', 'agent-hash', '--', password], { cwd: ROOT, encoding: 'utf8' });
  return out.trim().split('\n').pop()!.trim();
}

interface Console {
  context: BrowserContext;
  page: Page;
  problems: string[];
}

async function openConsole(browser: Browser, baseUrl: string, locale: string, viewport = { width: 1366, height: 768 }): Promise<Console> {
  const context = await browser.newContext({ locale, viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(30000);
  const problems: string[] = [];
  page.on('console', (m) => {
    // Chromium logs every 4xx answer; a refused sign-in (401) and a lost claim race (409) are expected.
    if (m.type() === 'error' && !/status of (401|409)/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`${baseUrl}/agent`);
  return { context, page, problems };
}

async function signIn(page: Page, name: string, password: string): Promise<void> {
  await page.getByLabel(/^(Name|Nom)$/).fill(name);
  await page.getByLabel(/^(Password|Mot de passe)$/).fill(password);
  await page.getByLabel(/^(Password|Mot de passe)$/).press('Enter');
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, name) });

/** Presses Tab until `selector` has the focus (as a keyboard user would), and checks the focus shows. */
async function tabTo(page: Page, selector: string, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) {
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
      expect(outline).not.toBe('none');
      return;
    }
  }
  throw new Error(`Tab never reached ${selector}`);
}

describe('agent desk, end to end', () => {
  let app: App;
  let baseUrl: string;
  let browser: Browser;
  let customer: ChatPage;
  let alice: Console;
  let bob: Console;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const agents = `alice:${agentHash('alice-secret-1')},bob:${agentHash('bob-secret-2')}`;
    ({ app, baseUrl } = await startE2eApp({ AGENTS: agents }));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('signs an agent in, refusing a wrong password first', async () => {
    alice = await openConsole(browser, baseUrl, 'en-GB');
    const { page } = alice;
    expect(await page.title()).toBe('Acme agent desk');
    await page.getByRole('heading', { name: 'Sign in to the agent desk' }).waitFor();
    await shot(page, 'signin.png');
    await signIn(page, 'alice', 'not-her-password');
    await page.getByText("That name and password don't match. Check them and try again.").waitFor();
    await shot(page, 'signin-refused.png');
    await signIn(page, 'alice', 'alice-secret-1');
    await page.getByRole('heading', { name: /^Waiting/ }).waitFor();
    await page.getByText('No one is waiting.', { exact: false }).waitFor();
    await page.locator('#live-status[data-state="live"]').waitFor();
    expect(await page.locator('#signed-in-as').innerText()).toBe('Signed in as alice');

    bob = await openConsole(browser, baseUrl, 'fr-FR', { width: 1024, height: 768 });
    await signIn(bob.page, 'bob', 'bob-secret-2');
    await bob.page.getByRole('heading', { name: /^En attente/ }).waitFor();
  });

  it('shows a customer who needs a person the moment they are queued: notice, sound, title count, waiting time', async () => {
    customer = await openChat(browser, baseUrl, 'en-GB');
    customer.page.setDefaultTimeout(30000);
    const { page } = customer;
    await waitForText(page, 'Hello, I’m the Acme payments assistant', { timeout: 40000 });
    await say(page, 'I want a refund of €300 for order FL-400002, I changed my mind');
    await waitForText(page, /proof of payment/, { timeout: 40000 });
    await upload(page, { name: 'receipt.png', mimeType: 'image/png', buffer: RECEIPT_PNG });
    await waitForText(page, /Thanks, I’ve received receipt\.png/, { timeout: 40000 });
    await page.getByRole('button', { name: 'Confirm' }).last().click();
    await waitForText(page, /RF-[A-Z0-9]{5}/, { timeout: 40000 });
    const caseRef = /RF-[A-Z0-9]{5}/.exec(await page.locator('.webchat__basic-transcript__transcript').innerText())![0];

    const { page: agent } = alice;
    const item = agent.locator('#queue-list li', { hasText: caseRef });
    await item.waitFor();
    await expect(item.innerText()).resolves.toMatch(/Refund[\s\S]*EN[\s\S]*The decision needs a review/);
    await agent.locator('.toast', { hasText: 'New conversation waiting: Refund, English' }).waitFor();
    expect(await agent.title()).toBe('(1) Acme agent desk');
    expect(Number(await agent.locator('body').getAttribute('data-last-beep'))).toBeGreaterThan(0);
    const timer = item.locator('.timer');
    const before = await timer.innerText();
    await agent.waitForTimeout(2100);
    expect(await timer.innerText()).not.toBe(before);
    expect(await timer.innerText()).toMatch(/^waiting \d+:\d\d$/);
    await bob.page.locator('#queue-list li', { hasText: caseRef }).waitFor();
    await shot(agent, 'queue.png');
  });

  it('lets the agent read the case, open the proof, claim, answer, and tells a second agent who took it', async () => {
    const { page: agent } = alice;
    // Keyboard only: Tab to the conversation in the queue, Enter opens it, Tab to Claim, Enter.
    await tabTo(agent, '#queue-list li button.open');
    await agent.keyboard.press('Enter');
    await agent.locator('#conv-title').waitFor();
    await agent.waitForFunction(() => document.activeElement?.id === 'conv-title');
    expect(await agent.locator('#conv-title').innerText()).toMatch(/Case RF-[A-Z0-9]{5}/);
    await agent.locator('#transcript .entry.from-customer', { hasText: 'I changed my mind' }).waitFor();
    await agent.locator('#decision .clause', { hasText: 'R1.4' }).waitFor();
    // The proof opens through its signed link, without the agent's token.
    const proof = agent.locator('#proofs a').first();
    expect(await proof.innerText()).toMatch(/^Open receipt\.png/);
    const href = await proof.getAttribute('href');
    const file = await fetch(new URL(href!, baseUrl));
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');

    // bob's console misses the live events from now on (his stream is cut and cannot come back), so it
    // still shows the conversation as waiting when alice takes it: his claim gets the 409.
    await bob.page.route('**/api/agent/events', (route) => route.abort());
    await bob.page.reload();
    await bob.page.locator('#queue-list li button.open').first().click();
    await bob.page.locator('#claim').waitFor();

    await tabTo(agent, '#claim');
    await agent.keyboard.press('Enter');
    await agent.getByText('You have this conversation.', { exact: false }).waitFor();
    expect(await agent.evaluate(() => document.activeElement?.id)).toBe('reply');
    await agent.locator('#mine-list li').waitFor();

    await bob.page.locator('#claim').click();
    await bob.page.getByText('alice a déjà pris cette conversation.').waitFor();
    expect(await bob.page.locator('#claim').isHidden()).toBe(true);
    await shot(bob.page, 'taken-fr-1024.png');
    await bob.page.unroute('**/api/agent/events');
    await bob.page.locator('#live-status[data-state="live"]').waitFor(); // reconnects on its own

    // Typing shows both ways: the customer's in the console, the agent's in the widget.
    const box = customer.page.getByRole('textbox').last();
    await box.pressSequentially('Is it', { delay: 80 });
    await agent.locator('#typing', { hasText: 'The customer is typing…' }).waitFor();
    await box.fill('');

    // Templates in the customer's language; Enter sends, Shift+Enter is a new line.
    await agent.locator('#template option').nth(1).waitFor({ state: 'attached' });
    await agent.keyboard.type('Hello, I’m Alice from the support team.');
    await customer.page.locator('.webchat__typing-indicator').first().waitFor();
    await agent.keyboard.press('Shift+Enter');
    await agent.keyboard.type('I’m looking at your request now.');
    await agent.keyboard.press('Enter');
    await agent.locator('#transcript .entry.from-agent', { hasText: 'I’m looking at your request now.' }).waitFor();
    expect(await agent.locator('#reply').inputValue()).toBe('');
    await waitForText(customer.page, 'Hello, I’m Alice from the support team.', { timeout: 40000 });

    await say(customer.page, 'Thank you, that was quick');
    await agent.locator('#transcript .entry.from-customer', { hasText: 'Thank you, that was quick' }).waitFor();
    await shot(agent, 'conversation.png');

    // With the console in French, the reply templates stay in the customer's language (English) and the
    // decision reasons follow the console.
    await agent.getByRole('button', { name: 'Français' }).click();
    await agent.locator('#template-hint', { hasText: 'Dans la langue du client (anglais)' }).waitFor();
    await agent.getByLabel('Accepter').check();
    await agent.locator('#decision-reason option', { hasText: 'Conditions remplies' }).waitFor({ state: 'attached' });
    await agent.getByLabel('Réponses types').selectOption({ label: 'Greeting' });
    expect(await agent.locator('#reply').inputValue()).toBe("Hello, I'm looking at your request now.");
    expect(await agent.evaluate(() => document.activeElement?.id)).toBe('reply');
    await agent.locator('#reply').fill('');
    await agent.getByRole('button', { name: 'English' }).click();
    await agent.getByRole('button', { name: 'Sign out' }).waitFor();
  });

  it('records a decision after a confirmation; the customer is told', async () => {
    const { page: agent } = alice;
    await agent.getByLabel('Approve').check();
    await agent.locator('#decision-reason option').nth(1).waitFor({ state: 'attached' });
    await agent.getByLabel('Reason', { exact: true }).selectOption({ index: 1 });
    await agent.getByLabel(/^Note for the case history/).fill('Customer changed their mind before the next session; goodwill.');
    await agent.getByRole('button', { name: 'Record the decision' }).click();
    const dialog = agent.getByRole('dialog', { name: 'Record this decision?' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toMatch(/Approve case RF-[A-Z0-9]{5}: .+\. The customer will be told at once\./);
    await shot(agent, 'decision-confirm.png');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await agent.getByText('Decision recorded (Approve). The customer has been told.').waitFor();
    await agent.locator('#case-status', { hasText: 'Approved' }).waitFor();
    await shot(agent, 'decision.png');
    await waitForText(customer.page, /approved|accepted/i, { timeout: 40000 });
    // What the customer is told of the decision: plain words, no clause id, no agent note.
    const seen = await customer.page.locator('.webchat__basic-transcript__transcript').innerText();
    const told = seen.slice(seen.search(/approved|accepted/i));
    expect(told).not.toMatch(/\b[RBDP]\d+(?:\.\d+)?\b|goodwill|next session/i); // a clause id (R1.4), not a reference (RF-R6G9N)
  });

  it('closes the conversation after a confirmation; the customer is told and the console stops offering replies', async () => {
    const { page: agent } = alice;
    await agent.getByRole('button', { name: 'Close the conversation' }).click();
    const dialog = agent.getByRole('dialog', { name: 'Close this conversation?' });
    await dialog.waitFor();
    await agent.keyboard.press('Escape'); // Escape goes back, nothing happens
    await dialog.waitFor({ state: 'hidden' });
    expect(await agent.locator('#reply-form').isVisible()).toBe(true);
    await agent.getByRole('button', { name: 'Close the conversation' }).click();
    await dialog.getByRole('button', { name: 'Close the conversation' }).click();
    await agent.getByText('The conversation is closed.').waitFor();
    await agent.locator('#reply-form').waitFor({ state: 'hidden' });
    await agent.getByText('You have no conversation yet.', { exact: false }).waitFor();
    await waitForText(customer.page, 'The person from our team has ended the conversation.', { timeout: 40000 });
  });

  it('switches the console to French and signs out; a dead session brings the sign-in form back', async () => {
    const { page: agent } = alice;
    await agent.getByRole('button', { name: 'Français' }).click();
    await agent.getByRole('button', { name: 'Se déconnecter' }).waitFor();
    expect(await agent.getAttribute('html', 'lang')).toBe('fr');
    await agent.reload();
    await agent.getByRole('button', { name: 'Se déconnecter' }).waitFor(); // token and language kept
    await agent.getByRole('button', { name: 'Se déconnecter' }).click();
    await agent.getByText('Vous êtes déconnecté.').waitFor();

    // bob's token is revoked behind his back (as an expired session would be): his next call brings the form back.
    const token = await bob.page.evaluate(() => JSON.parse(sessionStorage.getItem('agent-console.session')!).token as string);
    await fetch(`${baseUrl}/api/agent/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    await bob.page.getByText('Votre session a expiré. Reconnectez-vous pour continuer.').waitFor({ timeout: 25000 });
    expect(alice.problems).toEqual([]);
    // bob's only failed loads are the event streams this test cut on purpose.
    expect(bob.problems.filter((p) => !/net::ERR_FAILED/.test(p))).toEqual([]);
  });
});
