/**
 * Card numbers and IBANs, whatever the spacing: the redaction itself on a table of formats, then the
 * same formats sent through every dialog path over POST /api/messages (free text at the menu, the
 * question prompts, the reason text, the proof reference, the card form, a status lookup), after
 * which the whole private Redis keyspace and the captured logs are scanned for any full number.
 *
 * Not covered here: the "while waiting for an agent" path (the human handoff is built on another
 * branch); its relay must go through the same RedactionMiddleware.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import fc from 'fast-check';
import { luhnValid, redactByWalk, redactDeep, redactSecrets } from '../../src/bot/redact';
import type { Reply } from '../support/app';

// ------------------------------------------------------------------ numbers no other test uses

let seed = 0x5eed1234;
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};

function card(prefix: string, length = 16): string {
  let s = prefix;
  while (s.length < length - 1) s += String(rand(10));
  for (let d = 0; d < 10; d++) if (luhnValid(s + d)) return s + d;
  throw new Error('unreachable');
}

function iban(country: string, bban: string): string {
  const rearranged = `${bban}${country}00`;
  let rem = 0;
  for (const ch of rearranged) {
    const code = /[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch;
    for (const c of code) rem = (rem * 10 + Number(c)) % 97;
  }
  return `${country}${String(98 - rem).padStart(2, '0')}${bban}`;
}

const digits = (n: number) => Array.from({ length: n }, () => String(rand(10))).join('');
const groups = (s: string, sep: string, size = 4) => s.match(new RegExp(`.{1,${size}}`, 'g'))!.join(sep);
const fullWidth = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));

interface Format {
  name: string;
  /** As the user writes it. */
  written: string;
  /** The full number, letters and digits only. */
  full: string;
}

function formats(): Format[] {
  const out: Format[] = [];
  const c = (name: string, f: (n: string) => string, prefix = '49', length = 16) => {
    const n = card(prefix, length);
    out.push({ name, written: f(n), full: n });
  };
  c('plain', (n) => n);
  c('spaces', (n) => groups(n, ' '));
  c('dashes', (n) => groups(n, '-'));
  c('dots', (n) => groups(n, '.'));
  c('underscores', (n) => groups(n, '_'));
  c('slashes', (n) => groups(n, '/'));
  c('no-break spaces', (n) => groups(n, '\u00a0'));
  c('thin spaces', (n) => groups(n, '\u2009'));
  c('narrow no-break spaces', (n) => groups(n, '\u202f'));
  c('ideographic and figure spaces', (n) => groups(n, '\u3000').replace(/\u3000/, '\u2007'));
  c('several spaces', (n) => groups(n, '   '));
  c('tabs and a new line', (n) => groups(n, '\t').replace('\t', '\n'));
  c('a zero-width space inside', (n) => `${n.slice(0, 7)}\u200b${n.slice(7)}`);
  c('word joiner and zero-width joiner', (n) => `${n.slice(0, 3)}\u2060${n.slice(3, 9)}\u200d${n.slice(9)}`);
  c('full-width digits', (n) => fullWidth(n));
  c('full-width digits with ideographic spaces', (n) => groups(fullWidth(n), '\u3000'));
  c('followed by expiry and CVV', (n) => `${groups(n, ' ')} 12/27 123`, '51');
  c('Amex 4-6-5', (n) => `${n.slice(0, 4)} ${n.slice(4, 10)} ${n.slice(10)}`, '37', 15);
  c('19 digits', (n) => groups(n, ' '), '62', 19);
  c('mixed separators', (n) => `${n.slice(0, 4)} -${n.slice(4, 8)}. ${n.slice(8, 12)}_${n.slice(12)}`);
  const fr = iban('FR', `${digits(10)}${digits(11)}${digits(2)}`);
  out.push({ name: 'IBAN FR grouped', written: groups(fr, ' '), full: fr });
  const fr2 = iban('FR', `${digits(10)}${digits(11)}${digits(2)}`);
  out.push({ name: 'IBAN directly followed by a word', written: `${fr2}merci`, full: fr2 });
  const de = iban('DE', digits(18));
  out.push({ name: 'IBAN DE with no-break spaces', written: groups(de, '\u00a0'), full: de });
  const de2 = iban('DE', digits(18));
  out.push({ name: 'IBAN lower case with dashes', written: groups(de2, '-').toLowerCase(), full: de2 });
  const gb = iban('GB', `WEST${digits(14)}`);
  out.push({ name: 'IBAN GB with a zero-width space in the country code', written: `${gb[0]}\u200b${groups(gb, ' ').slice(1)}`, full: gb });
  const es = iban('ES', digits(20));
  out.push({ name: 'IBAN ES full-width', written: fullWidth(groups(es, ' ')), full: es });
  return out;
}

const FORMATS = formats();

/** Letters and digits only, NFKC-folded, upper case: a leak shows as the full number inside. */
const squash = (s: string) => s.normalize('NFKC').replace(/[^0-9A-Za-z]/g, '').toUpperCase();

describe('redactSecrets', () => {
  it.each(FORMATS.map((f) => [f.name, f]))('%s', (_name, f) => {
    const { text, count } = redactSecrets(`Here you go: ${f.written}, thanks`);
    expect(count).toBe(1);
    expect(squash(text)).not.toContain(f.full);
    expect(text).toContain(`•••• ${f.full.slice(-4)}`);
    expect(text.startsWith('Here you go: ')).toBe(true);
  });

  it('finds them after characters outside the BMP (emoji), and in mathematical digits, at the right place', () => {
    const c = card('49');
    const mathDigits = c.replace(/[0-9]/g, (d) => String.fromCodePoint(0x1d7ce + Number(d))); // 𝟎…𝟗
    for (const [written, tail] of [
      [`👍🏽 ${groups(c, ' ')} 🙏`, ' 🙏'],
      [`𝟙 ${groups(mathDigits, ' ')}`, ''],
      [`${groups(mathDigits, '\u2009')} merci 😀`, ' merci 😀'],
    ] as const) {
      const { text, count } = redactSecrets(written);
      expect(count).toBe(1);
      expect(squash(text)).not.toContain(c);
      expect(text.endsWith(`•••• ${c.slice(-4)}${tail}`)).toBe(true);
    }
    const gb = iban('GB', `WEST${digits(14)}`);
    const { text } = redactSecrets(`🇬🇧 ${groups(gb, ' ')} 🇬🇧`);
    expect(text).toBe(`🇬🇧 •••• ${gb.slice(-4)} 🇬🇧`);
  });

  it('its quick tests never change the answer: the same result as the character by character walk, on random texts', () => {
    // Pieces people (and attackers) write: digits and letters of many forms, every kind of
    // separator, invisible characters, compatibility forms (ª ſ ﬁ ⑩ ²), accents, emoji, combining marks.
    const separator = fc.constantFrom(' ', '-', '.', '/', '_', '\t', '\u00a0', '\u2009', '\u202f', '\u3000', '\u2011', '\uff0d', '·', '\u2212');
    const invisible = fc.constantFrom('\u200b', '\u200d', '\u2060', '\ufeff', '\u00ad');
    const noise = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...'0123456789') },
      { weight: 3, arbitrary: separator },
      { weight: 1, arbitrary: invisible },
      { weight: 3, arbitrary: fc.constantFrom('FR', 'DE', 'GB', 'NL', 'no', 'es', 'IBAN ', 'x', 'é', 'À', 'ß') },
      { weight: 2, arbitrary: fc.constantFrom('０', '９', '𝟕', '𝟘', '٣', '۵', '५', '²', '①', '⑩', 'Ｆ', 'ｒ', '𝐅', 'ª', 'ſ', 'ﬁ', 'Ⓐ') },
      { weight: 1, arbitrary: fc.constantFrom('😀', '👍🏽', '🇫🇷', 'e\u0301', '\u0301', '€', '£') },
    );
    // A card or an IBAN, each character in one of its forms, with 0 to 4 separators or invisible
    // characters after it (4 separators end a number: both sides of the limit are written).
    const forms = (ch: string): string[] =>
      /[0-9]/.test(ch)
        ? [ch, String.fromCharCode(0xff10 + Number(ch)), String.fromCodePoint(0x1d7ce + Number(ch)), String.fromCharCode(0x0660 + Number(ch))]
        : [ch, ch.toLowerCase(), String.fromCharCode(0xff21 + ch.charCodeAt(0) - 65)];
    const secret = fc
      .constantFrom(card('49'), card('37', 15), card('62', 19), iban('FR', digits(23)), iban('DE', digits(18)), iban('GB', `WEST${digits(14)}`), iban('NO', digits(11)))
      .chain((s) =>
        fc
          .tuple(...[...s].map((ch) => fc.tuple(fc.constantFrom(...forms(ch)), fc.array(fc.oneof(separator, invisible), { maxLength: 4 }))))
          .map((parts) => parts.map(([c, gap]) => c + gap.join('')).join('')),
      );
    let withSecrets = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 8, arbitrary: noise }, { weight: 1, arbitrary: secret }), { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        const walked = redactByWalk(text);
        if (walked.count > 0) withSecrets++;
        expect(redactSecrets(text)).toEqual(walked);
      }),
      { numRuns: 3000 },
    );
    expect(withSecrets).toBeGreaterThan(300); // the texts do hold secrets, in many forms
  });

  it('leaves order numbers, amounts, dates, phone numbers and payment references alone', () => {
    for (const s of [
      'FL-200002',
      'order FL-100001 for 49,90 € on 12/05/2024',
      'call 06 12 34 56 78 or +33 6 98 76 54 32',
      'PAY-2024-001234',
      'TX 8841 2291',
      'RF-7KQ2M',
      'Expect it within 3 to 10 business days after approval, between 2 December 2026 and 11 December 2026',
      'DE 10 jours ouvrés après acceptation, entre le 2 décembre 2026 et le 11 décembre 2026',
    ]) {
      expect(redactSecrets(s)).toEqual({ text: s, count: 0 });
    }
  });

  it("never touches the bot's own words (every string of locales/en and locales/fr)", () => {
    const strings: string[] = [];
    const walk = (v: unknown) => (typeof v === 'string' ? strings.push(v) : v && typeof v === 'object' && Object.values(v).forEach(walk));
    for (const lang of ['en', 'fr']) {
      const dir = join(__dirname, '..', '..', 'locales', lang);
      for (const f of readdirSync(dir)) walk(JSON.parse(readFileSync(join(dir, f), 'utf8')));
    }
    expect(strings.length).toBeGreaterThan(100);
    expect(strings.filter((s) => redactSecrets(s).count > 0)).toEqual([]);
  });

  it('redacts card submits at any depth, keys included', () => {
    const n = FORMATS[1].written;
    let deep: unknown = { note: n };
    for (let i = 0; i < 40; i++) deep = { nested: [deep] };
    const { value, count } = redactDeep({ deep, [n]: 'key' });
    expect(count).toBe(2);
    expect(squash(JSON.stringify(value))).not.toContain(FORMATS[1].full);
  });
});

// ------------------------------------------------------------------ through the dialogs

describe('every dialog path, then the whole Redis keyspace and the logs', () => {
  let app: App;
  let baseUrl: string;
  const logs: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) });
    const config = loadConfig({ PORT: '1', HOST: '127.0.0.1', REDIS_URL: process.env.TEST_REDIS_URL, REDIS_KEY_PREFIX: `t${randomUUID().slice(0, 8)}`, RATE_LIMIT_MESSAGES_PER_MINUTE: '1000' });
    config.port = 0;
    app = await createApp(config, { logger: createLogger('trace', sink) });
    baseUrl = `http://127.0.0.1:${(await app.listen()).port}`;
    await send(randomUUID(), { text: 'hello' }, 'en-US'); // the recogniser loads on the first turn
  }, 60000);
  afterAll(() => app.close());

  async function send(conv: string, activity: Record<string, unknown>, locale: string): Promise<Reply[]> {
    const res = await fetch(`${baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        id: randomUUID(),
        channelId: 'webchat',
        serviceUrl: 'http://127.0.0.1:1/',
        deliveryMode: 'expectReplies',
        from: { id: 'demo-camille', name: 'Camille' },
        recipient: { id: 'bot' },
        conversation: { id: conv },
        locale,
        ...activity,
      }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { activities?: Reply[] }).activities ?? [];
  }

  it(`keeps none of ${FORMATS.length} formats anywhere`, async () => {
    const replies: string[] = [];
    // Three formats per conversation, each message carrying all three: every format goes through
    // every path, in a third of the turns.
    const run = async (group: Format[], i: number) => {
      const conv = randomUUID();
      const locale = i % 2 ? 'fr-FR' : 'en-US';
      const w = (k: number) => group[k % group.length].written;
      const steps: Record<string, unknown>[] = [
        { text: `I would like a refund, my card is ${w(0)} or ${w(1)}, IBAN ${w(2)}` }, // free text at the menu
        { text: `FL-100001 ${w(0)} ${w(1)} ${w(2)}` }, // the order number prompt
        { text: `49 € ${w(0)} ${w(1)} ${w(2)}` }, // the amount prompt
        { text: `other: ${w(0)} ${w(1)} ${w(2)}` }, // the reason prompt
        { text: `because I paid with ${w(0)} then ${w(1)} and ${w(2)}` }, // the reason text
        { text: w(0) }, // the proof reference
        { text: `${w(1)} ${w(2)}` },
        { value: { action: 'refund.form', orderNumber: w(0), amount: `49 ${w(1)}`, proofReference: w(2) } }, // the card form
        { text: `where is my request ${w(0)} ${w(1)} ${w(2)}?` }, // status lookup
        { text: locale === 'fr-FR' ? 'je veux parler à un conseiller' : 'talk to a person' }, // to the agent desk's queue
        { text: `while I wait: card ${w(0)}, ${w(1)}, IBAN ${w(2)}` }, // relayed to the agent: the desk's transcript
        { value: { note: `${w(0)} ${w(1)} ${w(2)}` } }, // a card submit while waiting
      ];
      for (const step of steps) replies.push(JSON.stringify(await send(conv, step, locale)));
    };
    const groupsOf3: Format[][] = [];
    for (let i = 0; i < FORMATS.length; i += 3) groupsOf3.push(FORMATS.slice(i, i + 3));
    for (let i = 0; i < groupsOf3.length; i += 3) await Promise.all(groupsOf3.slice(i, i + 3).map((g, k) => run(g, i + k)));

    // Every key of the private Redis, every type.
    const dump: string[] = [];
    let deskTranscripts = 0;
    let cursor = '0';
    do {
      const [next, keys] = await app.redis.scan(cursor, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        dump.push(key);
        const type = await app.redis.type(key);
        if (type === 'string') dump.push((await app.redis.getBuffer(key))?.toString('utf8') ?? '');
        else if (type === 'hash') dump.push(JSON.stringify(await app.redis.hgetall(key)));
        else if (type === 'list') dump.push(JSON.stringify(await app.redis.lrange(key, 0, -1)));
        else if (type === 'set') dump.push(JSON.stringify(await app.redis.smembers(key)));
        else if (type === 'zset') dump.push(JSON.stringify(await app.redis.zrange(key, 0, -1)));
        else if (type === 'stream') {
          const entries = JSON.stringify(await app.redis.xrange(key, '-', '+'));
          dump.push(entries);
          if (key.endsWith(':desk:t') && entries.includes('while I wait: card')) deskTranscripts++;
        }
      }
    } while (cursor !== '0');
    // The conversations did reach Redis (state and cases), and the logs were written.
    expect(dump.join('\n')).toContain(app.keys.prefix);
    // The messages written while waiting for a person reached the desk's transcript (redacted).
    expect(deskTranscripts).toBeGreaterThan(0);
    expect(logs.length).toBeGreaterThan(0);

    const where = { redis: squash(dump.join('\n')), logs: squash(logs.join('\n')), replies: squash(replies.join('\n')) };
    const leaks = FORMATS.flatMap((f) => Object.entries(where).filter(([, text]) => text.includes(f.full)).map(([place]) => `${f.name} in ${place}`));
    expect(leaks).toEqual([]);
  }, 120000);
});
