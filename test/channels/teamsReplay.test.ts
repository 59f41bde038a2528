import { createServer, IncomingMessage, Server } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startBotProcess, type BotProcess } from '../support/botProcess';

/*
 * Teams as customers use it, replayed through POST /api/messages of a real bot process (`src/index.ts`).
 * Every activity is a fixture in test/fixtures/teams whose `_source` names where its shape comes from
 * (Microsoft docs, botbuilder-js recordings). Two local servers stand in for Microsoft:
 *
 * - the Bot Connector (serviceUrl): a plain HTTP server that records every reply, card update (PUT)
 *   and download the bot makes, so the test sees exactly what Teams would receive;
 * - SharePoint: an HTTPS server with a certificate made for this run by `openssl`; the bot trusts it
 *   through NODE_EXTRA_CA_CERTS (as a company trusts its own CA), and TEAMS_FILE_HOSTS points at it.
 *
 * No MicrosoftAppId: the bot runs in local-testing mode (loopback callers, unsigned replies). Pasted
 * images therefore are NOT fetched (they need the bot's connector token, never anonymous);
 * test/channels/teamsUnits.test.ts fetches one with a token.
 */

interface Recorded {
  method: string;
  path: string;
  authorization?: string;
  body: any;
  /** The id the connector gave the activity (what Teams would: the message's id in the chat). */
  id?: string;
}

const FIXTURES = join(__dirname, '..', 'fixtures', 'teams');
function fixture(name: string): any {
  const { _source, ...activity } = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
  expect(typeof _source).toBe('string');
  return activity;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f0d1d80000000049454e44ae426082', 'hex');

describe('Teams, replayed: files, mentions, scopes, Universal Actions, cards updated in place, welcome', () => {
  let bot: BotProcess;
  let connector: Server;
  let sharepoint: HttpsServer;
  let serviceUrl: string;
  let sharepointOrigin: string;
  let certDir: string;
  const recorded: Recorded[] = [];
  const downloads: { path: string; authorization?: string }[] = [];
  let replyN = 0;

  beforeAll(async () => {
    // A certificate for this run only.
    certDir = mkdtempSync(join(tmpdir(), 'teams-cert-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'),
    ], { stdio: 'ignore' });

    sharepoint = createHttpsServer({ key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) }, (req, res) => {
      downloads.push({ path: req.url ?? '', authorization: req.headers.authorization });
      const path = (req.url ?? '').split('?')[0];
      if (path === '/personal/camille_contoso_com/_layouts/15/download.aspx') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(PDF.length) });
        res.end(PDF);
      } else if (path === '/big.pdf') {
        const big = Buffer.concat([PDF, Buffer.alloc(11 * 1024 * 1024)]);
        res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(big.length) });
        res.end(big);
      } else if (path === '/moved') {
        res.writeHead(302, { location: 'https://evil.example/steal' });
        res.end();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => sharepoint.listen(0, '127.0.0.1', () => r()));
    const spPort = (sharepoint.address() as { port: number }).port;
    sharepointOrigin = `https://localhost:${spPort}`;

    connector = createServer(async (req, res) => {
      const text = await readBody(req);
      const entry: Recorded = { method: req.method ?? '', path: decodeURIComponent(req.url ?? ''), authorization: req.headers.authorization, body: text ? JSON.parse(text) : undefined };
      recorded.push(entry);
      if (req.method === 'GET') {
        // A pasted image: Teams answers only with the bot's token.
        res.writeHead(req.headers.authorization ? 200 : 401, { 'content-type': 'image/png' });
        res.end(req.headers.authorization ? PNG : '');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      entry.id = entry.method === 'PUT' ? entry.path.split('/').pop() : `1:reply-${++replyN}`;
      res.end(JSON.stringify({ id: entry.id }));
    });
    await new Promise<void>((r) => connector.listen(0, '127.0.0.1', () => r()));
    serviceUrl = `http://127.0.0.1:${(connector.address() as { port: number }).port}/emea/`;

    bot = await startBotProcess(
      {
        REDIS_URL: process.env.TEST_REDIS_URL as string,
        REDIS_KEY_PREFIX: `t${randomUUID().slice(0, 8)}`,
        BRAND_NAME: 'Acme',
        PUBLIC_URL: 'https://support.acme.example',
        TEAMS_FILE_HOSTS: `localhost:${spPort}`,
        NODE_EXTRA_CA_CERTS: join(certDir, 'cert.pem'),
      },
      { startTimeoutMs: 60000 },
    );
  }, 90000);

  afterAll(async () => {
    await bot?.stop();
    for (const s of [connector, sharepoint]) {
      s?.closeAllConnections();
      await new Promise((r) => s?.close(r));
    }
    rmSync(certDir, { recursive: true, force: true });
  });

  const newConversation = () => `a:1${randomUUID().replace(/-/g, '')}`;
  let nextId = 1741780000000;

  /** A fixture in a conversation of its own, pointed at the fake connector, with a fresh id. */
  function teams(name: string, conversationId: string, patch: Record<string, unknown> = {}): any {
    const a = fixture(name);
    return { ...a, id: String(++nextId), serviceUrl, conversation: { ...a.conversation, id: conversationId }, ...patch };
  }

  /** Posts one activity as Teams does; returns the HTTP answer and what the bot sent the connector meanwhile. */
  async function replay(activity: any): Promise<{ status: number; body: any; sent: Recorded[] }> {
    const before = recorded.length;
    const res = await fetch(`${bot.baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, sent: recorded.slice(before) };
  }

  const texts = (sent: Recorded[]) =>
    sent
      .filter((r) => r.method === 'POST')
      .flatMap((r) => [r.body.text, ...(r.body.attachments ?? []).map((a: any) => a.content?.text ?? JSON.stringify(a.content?.body ?? ''))])
      .filter(Boolean)
      .join('\n');
  const cardOf = (sent: Recorded[]) => {
    const r = sent.find((x) => x.method === 'POST' && x.body.attachments?.some((a: any) => a.contentType === 'application/vnd.microsoft.card.adaptive'));
    return r ? { id: r.id as string, card: r.body.attachments[0].content } : undefined;
  };
  const say = (conv: string, text: string) =>
    replay(teams('message', conv, { text, locale: 'fr-FR', entities: [{ type: 'clientInfo', locale: 'fr-FR', country: 'FR', platform: 'Web' }], attachments: [{ contentType: 'text/html', content: `<p>${text}</p>` }] }));

  /** Up to the proof question of a French refund for FL-100001. */
  async function refundUpToProof(conv: string): Promise<void> {
    const first = texts((await say(conv, "Je veux être remboursé de 49 € pour la commande FL-100001, j'ai payé par erreur")).sent);
    expect(first).toContain('FL-100001');
    expect(first).toMatch(/justificatif/i);
  }

  it('personal install with no locale: one short welcome in both languages; the first message sets the language', async () => {
    const conv = newConversation();
    const install = await replay(teams('installation-update', conv));
    expect(install.status).toBe(200);
    const welcome = texts(install.sent);
    expect(welcome).toContain("Hello, I'm the Acme payments assistant");
    expect(welcome).toContain("Bonjour, je suis l'assistant Acme pour vos paiements");
    expect(install.sent).toHaveLength(1);
    expect(install.sent[0].path.startsWith(`/emea/v3/conversations/${conv}/activities`)).toBe(true);
    // The conversationUpdate Teams sends for the same install (no locale either) does not welcome again.
    const added = teams('members-added', conv);
    delete added.locale;
    expect((await replay(added)).sent).toEqual([]);
    // The first message, from a French client, is answered in French.
    expect(texts((await say(conv, 'aide')).sent)).toContain('Je peux vous aider pour quatre choses');
  });

  it('an install event that carries a locale welcomes in that language, with the menu', async () => {
    const conv = newConversation();
    const { sent } = await replay(teams('installation-update', conv, { locale: 'fr-FR' }));
    const all = texts(sent);
    expect(all).toContain("Bonjour, je suis l'assistant Acme pour vos paiements");
    expect(all).not.toContain("Hello, I'm the Acme");
  });

  it('group chat: answers only when mentioned, and then only points to the personal chat', async () => {
    const conv = `19:${randomUUID().replace(/-/g, '')}@thread.v2`;
    const mentioned = await replay(teams('group-mention', conv));
    expect(mentioned.sent).toHaveLength(1);
    expect(mentioned.sent[0].path.startsWith(`/emea/v3/conversations/${conv}/activities/`)).toBe(true);
    const text = texts(mentioned.sent);
    expect(text).toContain('continuons dans une conversation personnelle');
    expect(text).toContain('https://teams.microsoft.com/l/chat/0/0?users=28%3A7d3c6b9e-5a1f-4c2e-9b8d-2f6e1a0c4b71');
    // Without a mention of the bot: silence.
    const plain = teams('group-mention', conv, { text: 'aide', entities: fixture('group-mention').entities.filter((e: any) => e.type !== 'mention') });
    expect((await replay(plain)).sent).toEqual([]);
  });

  it('group chat: the bot added says once where it works; a card action in a group gets 200 and no case', async () => {
    const conv = `19:${randomUUID().replace(/-/g, '')}@thread.v2`;
    const group = { isGroup: true, conversationType: 'groupChat', tenantId: fixture('group-mention').conversation.tenantId, id: conv };
    const added = teams('members-added', conv, { conversation: group, membersAdded: [{ id: fixture('members-added').recipient.id }, { id: fixture('message').from.id }] });
    const { sent } = await replay(added);
    expect(sent).toHaveLength(1);
    expect(texts(sent)).toContain("Bonjour, je suis l'assistant Acme pour vos paiements. Vos paiements sont privés");
    const execute = await replay(teams('adaptive-card-action', conv, { conversation: group }));
    expect(execute.status).toBe(200);
    expect(execute.body.statusCode).toBe(200);
    expect(execute.body.value).toContain('conversation personnelle');
    expect(execute.sent).toEqual([]);
  });

  it('channel: a mention asking about an order gets no case details, only the way to the personal chat', async () => {
    const conv = `19:${randomUUID().replace(/-/g, '')}@thread.skype;messageid=1741770340736`;
    const { sent } = await replay(teams('channel-mention', conv));
    const text = texts(sent);
    expect(text).toContain("let's continue in a personal chat");
    expect(text).not.toContain('FL-100001');
    expect(text).not.toMatch(/49|refund amount|I found order/i);
  });

  it('textFormat xml and HTML are read as plain words; a mention in personal chat is removed', async () => {
    const conv = newConversation();
    expect(texts((await replay(teams('message-xml', conv))).sent)).toContain('Je peux vous aider pour quatre choses');
    const withMention = teams('message', conv, {
      text: '<at>Support Payments</at> help',
      entities: [{ type: 'mention', text: '<at>Support Payments</at>', mentioned: { id: '28:7d3c6b9e-5a1f-4c2e-9b8d-2f6e1a0c4b71', name: 'Support Payments' } }, ...fixture('message').entities],
    });
    expect(texts((await replay(withMention)).sent)).toContain('I can help with four things');
  });

  it('a French refund in Teams: shared file taken as proof, Action.Submit updates its card in place, Action.Execute confirms with an invoke response 200', async () => {
    const conv = newConversation();
    await refundUpToProof(conv);

    // The file, shared from OneDrive: downloaded from the allowed host, without any credential.
    const before = downloads.length;
    const file = teams('file-download-info', conv);
    file.attachments[0].content.downloadUrl = `${sharepointOrigin}/personal/camille_contoso_com/_layouts/15/download.aspx?UniqueId=5a3f1b2c&tempauth=x`;
    const got = await replay(file);
    expect(downloads.slice(before)).toEqual([expect.objectContaining({ path: expect.stringContaining('/download.aspx?UniqueId=5a3f1b2c') })]);
    expect(downloads.at(-1)!.authorization).toBeUndefined();
    const afterFile = texts(got.sent);
    expect(afterFile).toContain("Merci, j'ai bien reçu releve.pdf");
    expect(afterFile).not.toContain("n'attendais pas de fichier");
    const summary = cardOf(got.sent)!;
    expect(summary).toBeDefined();
    expect(Number(summary.card.version)).toBeLessThanOrEqual(1.5);
    for (const action of summary.card.actions) expect(action.title).not.toMatch(/^[a-z_.]+$/);

    // Action.Submit "change the amount": the card is replaced in place, buttons gone, the choice shown.
    const change = summary.card.actions.find((x: any) => x.data?.action === 'refund.correct' && x.data?.field === 'amount');
    const submit = teams('card-submit', conv, { replyToId: summary.id, value: change.data, locale: 'fr-FR' });
    const changed = await replay(submit);
    const put = changed.sent.find((r) => r.method === 'PUT');
    expect(put?.path).toBe(`/emea/v3/conversations/${conv}/activities/${summary.id}`);
    const used = put!.body.attachments[0].content;
    expect(used.actions).toEqual([]);
    expect(JSON.stringify(used.body)).toContain(`Votre choix\u202f: ${change.title}`);
    expect(JSON.stringify(used.body)).toContain('FL-100001');
    const second = cardOf((await say(conv, '45 €')).sent)!;
    expect(second).toBeDefined();

    // Action.Execute (Universal Actions) on the new card: 200, the used card in the answer, the case created.
    const execute = teams('adaptive-card-action', conv, { replyToId: second.id });
    const done = await replay(execute);
    expect(done.status).toBe(200);
    expect(done.body.statusCode).toBe(200);
    expect(done.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(done.body.value.actions).toEqual([]);
    expect(JSON.stringify(done.body.value.body)).toMatch(/Votre choix\u202f: /);
    const reference = /RF-[A-Z0-9]{5}/.exec(texts(done.sent))?.[0];
    expect(reference).toBeDefined();

    // The same Confirm sent again (an old client, a retry as messageBack): no second case, no card to update.
    const again = await replay(teams('message-back', conv, { replyToId: second.id }));
    expect(again.sent.filter((r) => r.method === 'PUT')).toEqual([]);
    const refs = texts(again.sent).match(/RF-[A-Z0-9]{5}/g) ?? [];
    expect(refs.filter((r) => r !== reference)).toEqual([]);
  });

  it('a file that cannot be fetched: the user is told to type the reference or use the web chat, and it is not a failed answer', async () => {
    const conv = newConversation();
    await refundUpToProof(conv);
    const attempts = [
      fixture('file-download-info').attachments[0].content.downloadUrl, // a real SharePoint host, not on this test's allow-list
      `${sharepointOrigin.replace('https:', 'http:')}/personal/camille_contoso_com/_layouts/15/download.aspx`, // not HTTPS
      `${sharepointOrigin}/moved`, // redirected off the allow-list
      `${sharepointOrigin}/expired`, // 404: the link expired
    ];
    for (const downloadUrl of attempts) {
      const file = teams('file-download-info', conv);
      file.attachments[0].content.downloadUrl = downloadUrl;
      const { sent } = await replay(file);
      const text = texts(sent);
      expect([downloadUrl, text]).toEqual([downloadUrl, expect.stringContaining('écrivez la référence du paiement')]);
      expect(text).toContain('https://support.acme.example/');
      expect(text).not.toMatch(/conseiller|agent/i);
    }
    expect(downloads.some((d) => d.path.startsWith('/steal'))).toBe(false);
    // Too large: said with the limit, in the user's language.
    const big = teams('file-download-info', conv);
    big.attachments[0].content.downloadUrl = `${sharepointOrigin}/big.pdf`;
    expect(texts((await replay(big)).sent)).toMatch(/Ce fichier dépasse 10\sMo/);
    // Five files that could not be fetched, and the proof question is still open: a reference answers it.
    const answered = await say(conv, 'PAY-2024-001234');
    expect(texts(answered.sent)).toContain('PAY-2024-001234');
    const summary = cardOf(answered.sent)!;
    expect(summary).toBeDefined();
    // Confirmed with a messageBack (text and value, replyToId the card): the case is made, the card shows it.
    const confirmed = await replay(teams('message-back', conv, { replyToId: summary.id }));
    expect(texts(confirmed.sent)).toMatch(/RF-[A-Z0-9]{5}/);
    const put = confirmed.sent.find((r) => r.method === 'PUT');
    expect(put?.path).toBe(`/emea/v3/conversations/${conv}/activities/${summary.id}`);
    expect(put!.body.attachments[0].content.actions).toEqual([]);
  });

  it('a pasted image is never fetched without the bot token: the user is told what to do instead', async () => {
    const conv = newConversation();
    await refundUpToProof(conv);
    const image = teams('inline-image', conv);
    image.attachments[0].contentUrl = image.attachments[0].contentUrl.replace('https://smba.trafficmanager.net/emea/', serviceUrl);
    const { sent } = await replay(image);
    expect(sent.filter((r) => r.method === 'GET')).toEqual([]);
    expect(texts(sent)).toContain('écrivez la référence du paiement');
  });

  it('a long choice list (8 reasons) is one Input.ChoiceSet card; the choice is read as its button and the card then shows it, buttons gone', async () => {
    const conv = newConversation();
    await say(conv, 'Je veux être remboursé pour la commande FL-100001');
    const question = cardOf((await say(conv, '49 €')).sent)!;
    expect(question).toBeDefined();
    expect(Number(question.card.version)).toBeLessThanOrEqual(1.5);
    const list = question.card.body.find((b: any) => b.type === 'Input.ChoiceSet');
    expect(list.choices.length).toBeGreaterThan(6);
    expect(question.card.actions).toHaveLength(1);
    for (const c of list.choices) expect(c.title).not.toMatch(/^[a-z_.]+$/);
    const choice = list.choices.find((c: any) => /erreur/.test(c.title) && /payé/.test(c.title));
    // What Teams sends for an Action.Submit under an Input.ChoiceSet: the inputs merged with the data.
    const submit = teams('card-submit', conv, { replyToId: question.id, value: { ...question.card.actions[0].data, teamsChoice: choice.value }, locale: 'fr-FR' });
    const { sent } = await replay(submit);
    const put = sent.find((r) => r.method === 'PUT')!;
    expect(put.path).toBe(`/emea/v3/conversations/${conv}/activities/${question.id}`);
    expect(put.body.attachments[0].content.actions).toEqual([]);
    expect(JSON.stringify(put.body.attachments[0].content.body)).toContain(`Votre choix\u202f: ${choice.title}`);
    expect(JSON.stringify(put.body.attachments[0].content.body)).not.toContain('Input.ChoiceSet');
    // The reason was taken: the next question is the proof.
    expect(texts(sent)).toMatch(/justificatif/i);
  });

  it('a card left unused loses its buttons as soon as the user answers by typing', async () => {
    const conv = newConversation();
    await say(conv, 'Je veux être remboursé pour la commande FL-100001');
    const reasons = cardOf((await say(conv, '49 €')).sent)!;
    // Answered by typing, not with the card: the card is marked out of date, its buttons gone.
    const typed = await say(conv, "j'ai payé par erreur");
    expect(texts(typed.sent)).toMatch(/justificatif/i);
    const put = typed.sent.find((r) => r.method === 'PUT');
    expect(put?.path).toBe(`/emea/v3/conversations/${conv}/activities/${reasons.id}`);
    expect(put!.body.attachments[0].content.actions).toEqual([]);
    expect(JSON.stringify(put!.body.attachments[0].content.body)).toContain("Cette carte n'est plus à jour");
    // Pressed anyway (an old client that kept it): no card to update, and the proof question is still the one asked.
    const late = await replay(teams('card-submit', conv, { replyToId: reasons.id, value: { teamsChoiceCard: true, teamsChoice: 'Autre' }, locale: 'fr-FR' }));
    expect(late.sent.filter((r) => r.method === 'PUT')).toEqual([]);
    expect(cardOf((await say(conv, 'PAY-2024-001234')).sent)).toBeDefined();
  });

  it('message edits, deletions and reactions are acknowledged and change nothing', async () => {
    const conv = newConversation();
    await refundUpToProof(conv);
    for (const name of ['message-update', 'message-delete', 'reaction']) {
      const { status, sent } = await replay(teams(name, conv));
      expect([name, status, sent]).toEqual([name, 200, []]);
    }
    // The conversation goes on where it was: the proof question.
    expect(texts((await say(conv, 'PAY-2024-001234')).sent)).toContain('PAY-2024-001234');
  });
});
