import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp } from '../support/app';
import type { App } from '../../src/app';
import { LANGUAGES, loadResources } from '../../src/i18n';
import { HUMAN_OFFER_REASONS } from '../../src/handoff/offerHuman';
import { TRANSCRIPT_EVENT_KEYS } from '../../src/handoff/relay';
import { CASE_STATUSES } from '../../src/cases/types';
import { OUTCOMES } from '../../src/eligibility/decision';
import { ACCOUNT_TIERS, AD_BROADCAST_STATES, DISPUTE_PROBLEMS, ORDER_STATUSES, PAYMENT_METHODS, REFUND_REASONS, SERVICE_TYPES, TOPICS } from '../../src/eligibility/schema';

/*
 * The agent console's page and files: served by the bot with a strict CSP, never framed, no inline
 * script; its strings from locales/<lang>/agent.json; and every key the page uses exists in both
 * languages (literal keys found in the script and the page, plus the families it builds from codes).
 */

const root = join(__dirname, '..', '..');
const appJs = readFileSync(join(root, 'public', 'agent', 'app.js'), 'utf8');
const indexHtml = readFileSync(join(root, 'public', 'agent', 'index.html'), 'utf8');
const agent = Object.fromEntries(LANGUAGES.map((l) => [l, loadResources()[l].agent as Record<string, unknown>]));

function lookup(node: unknown, parts: string[]): unknown {
  if (node === undefined || node === null) return undefined;
  if (!parts.length) return node;
  const whole = parts.join('.');
  if (typeof node === 'object' && Object.prototype.hasOwnProperty.call(node, whole)) return (node as Record<string, unknown>)[whole];
  return lookup((node as Record<string, unknown>)[parts[0]], parts.slice(1));
}

/** A key the page may call with `{ count }`: the plain key, or both `_one` and `_other`. */
function missing(lang: string, key: string): boolean {
  const plain = lookup(agent[lang], key.split('.'));
  if (typeof plain === 'string' && plain.trim()) return false;
  const one = lookup(agent[lang], `${key}_one`.split('.'));
  const other = lookup(agent[lang], `${key}_other`.split('.'));
  return !(typeof one === 'string' && typeof other === 'string');
}

describe('agent console: strings', () => {
  const namespaces = Object.keys(agent.en);

  it('has the same top-level sections in both languages', () => {
    expect(Object.keys(agent.fr).sort()).toEqual(namespaces.sort());
  });

  it('every key the page uses exists in English and French', () => {
    const nsAlt = namespaces.join('|');
    const literal = new RegExp(`'((?:${nsAlt})\\.[A-Za-z_]+(?:\\.[A-Za-z_]+)*)'`, 'g');
    const used = new Set<string>();
    for (const m of appJs.matchAll(literal)) used.add(m[1]);
    for (const m of indexHtml.matchAll(/data-i18n(?:-label)?="([^"]+)"/g)) used.add(m[1]);
    // Keys the script builds from codes: one per code the API or the case may send.
    const factPaths = [...(/FACT_PATHS = \[([^\]]+)\]/.exec(appJs)?.[1] ?? '').matchAll(/'([\w.]+)'/g)].map((m) => m[1]);
    expect(factPaths.length).toBeGreaterThan(5);
    const families: Record<string, readonly string[]> = {
      topic: [...TOPICS, 'none'],
      reason: [...HUMAN_OFFER_REASONS, 'dispute_platform'],
      caseStatus: CASE_STATUSES,
      outcome: OUTCOMES,
      status: ['waiting', 'assigned', 'released', 'closed'],
      severity: ['suspended', 'urgent', 'review', 'normal'],
      languageName: LANGUAGES,
      transcript: ['customer', 'bot', 'system'],
      'transcript.events': [...TRANSCRIPT_EVENT_KEYS, 'decisionNote'],
      facts: factPaths,
      confirm: ['release', 'releaseTitle', 'releaseText', 'close', 'closeTitle', 'closeText'],
    };
    const factValues: Record<string, readonly string[]> = {
      serviceType: SERVICE_TYPES,
      orderStatus: ORDER_STATUSES,
      paymentMethod: PAYMENT_METHODS,
      adBroadcast: AD_BROADCAST_STATES,
      tier: ACCOUNT_TIERS,
      refundReason: REFUND_REASONS,
      disputeProblem: DISPUTE_PROBLEMS,
    };
    for (const [list, codes] of Object.entries(factValues)) {
      expect(appJs).toContain(`'${list}'`);
      for (const code of codes) used.add(`factValues.${list}.${code}`);
    }
    for (const [ns, codes] of Object.entries(families)) {
      expect(appJs).toContain(`'${ns}.' +`);
      for (const code of codes) used.add(`${ns}.${code}`);
    }
    expect(used.size).toBeGreaterThan(100);
    const problems = [...used].flatMap((key) => LANGUAGES.filter((l) => missing(l, key)).map((l) => `${l}: agent:${key}`));
    expect(problems).toEqual([]);
  });

  it('writes French with a narrow no-break space before ; : ! ? and never an ordinary one', () => {
    const values = JSON.stringify(agent.fr);
    expect(values).not.toMatch(/[ \u00a0][;:!?]/);
    expect(values).toMatch(/\u202f:/);
  });
});

describe('agent console: page and files', () => {
  let app: App;
  let baseUrl: string;
  beforeAll(async () => ({ app, baseUrl } = await startTestApp({ BRAND_NAME: 'Acme' })));
  afterAll(() => app.close());

  const expectSecurityHeaders = (res: Response) => {
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  };

  it('serves the page in the browser language, with a strict CSP and no inline script', async () => {
    const res = await fetch(`${baseUrl}/agent`, { headers: { 'accept-language': 'fr-FR,fr;q=0.9' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expectSecurityHeaders(res);
    const html = await res.text();
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('<title>Espace conseillers Acme</title>');
    expect(html).not.toMatch(/\{\{\w+\}\}/);
    // Every <script> loads a file from this origin or is a JSON data block (not run).
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(2);
    for (const [, attrs, body] of scripts) {
      if (/type="application\/json"/.test(attrs)) expect(() => JSON.parse(body)).not.toThrow();
      else {
        expect(attrs).toMatch(/src="\/agent\/app\.js"/);
        expect(body.trim()).toBe('');
      }
    }
    expect(html).not.toMatch(/\son\w+=/i); // no inline event handlers
    expect(html).not.toMatch(/\sstyle=/i); // no inline styles
    expect(html).not.toMatch(/https?:\/\//); // nothing from another origin
    const en = await fetch(`${baseUrl}/agent/`, { headers: { 'accept-language': 'en-GB' } });
    expect(await en.text()).toContain('<title>Acme agent desk</title>');
  });

  it('serves its script and styles (gzip, ETag, 304) with the same headers', async () => {
    for (const [path, type] of [
      ['/agent/app.js', /^application\/javascript/],
      ['/agent/app.css', /^text\/css/],
    ] as const) {
      const res = await fetch(`${baseUrl}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(type);
      expectSecurityHeaders(res);
      const etag = res.headers.get('etag')!;
      expect((await res.text()).length).toBeGreaterThan(1000);
      expect((await fetch(`${baseUrl}${path}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    }
  });

  it('serves locales/<lang>/agent.json at /agent/locales/<lang>.json without a token, and nothing else', async () => {
    for (const lang of LANGUAGES) {
      const res = await fetch(`${baseUrl}/agent/locales/${lang}.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expectSecurityHeaders(res);
      expect(await res.json()).toEqual(agent[lang]);
    }
    for (const bad of ['de.json', 'en', 'en.js', '..%2Fen%2Fcommon.json', '%2e%2e%2f%2e%2e%2fpackage.json']) {
      expect((await fetch(`${baseUrl}/agent/locales/${bad}`)).status).toBe(404);
    }
  });
});
