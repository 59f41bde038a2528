import { loadResources, LANGUAGES } from '../../src/i18n';

type Tree = Record<string, unknown>;

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const [kk, vv] of flatten(v as Tree, key)) out.set(kk, vv);
    else out.set(key, Array.isArray(v) ? v.join('\n') : String(v));
  }
  return out;
}

const vars = (s: string) => [...s.matchAll(/\{\{\s*([\w.]+)\s*(?:,[^}]*)?\}\}/g)].map((m) => m[1]).sort();

describe('locales', () => {
  const resources = loadResources();
  const namespaces = new Set(LANGUAGES.flatMap((l) => Object.keys(resources[l])));

  it('has the same namespaces in every language', () => {
    for (const lang of LANGUAGES) expect(Object.keys(resources[lang]).sort()).toEqual([...namespaces].sort());
  });

  for (const ns of namespaces) {
    it(`${ns}: every key exists in every language, non-empty, with the same interpolation variables`, () => {
      const flat = Object.fromEntries(LANGUAGES.map((l) => [l, flatten((resources[l][ns] ?? {}) as Tree)]));
      const allKeys = new Set(LANGUAGES.flatMap((l) => [...flat[l].keys()]));
      const problems: string[] = [];
      for (const key of allKeys) {
        for (const lang of LANGUAGES) {
          const v = flat[lang].get(key);
          if (v === undefined) problems.push(`${lang}: missing ${ns}:${key}`);
          else if (v.trim() === '') problems.push(`${lang}: empty ${ns}:${key}`);
        }
        const [a, ...rest] = LANGUAGES.map((l) => flat[l].get(key)).filter((v): v is string => v !== undefined);
        for (const other of rest) {
          if (a !== undefined && JSON.stringify(vars(a)) !== JSON.stringify(vars(other))) {
            problems.push(`${ns}:${key}: variables differ (${vars(a)} vs ${vars(other)})`);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('French punctuation takes a narrow no-break space (U+202F) before ; : ! ? and inside « » (VOICE.md)', () => {
    const problems: string[] = [];
    for (const ns of namespaces) {
      if (ns === 'intents') continue; // what customers type, not what the bot writes
      for (const [key, text] of flatten((resources.fr[ns] ?? {}) as Tree)) {
        if (/[^\u202f\s](?=[;!?»])|«(?!\u202f)|[ \u00a0](?=[;:!?»])|«[ \u00a0]/.test(text.replace(/\{\{[^}]*\}\}/g, 'x').replace(/https?:\S+/g, ''))) problems.push(`${ns}:${key}: ${text}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
