import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config';

describe('.env.example', () => {
  const text = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
  const documented = new Set([...text.matchAll(/^#?\s*([A-Za-z][A-Za-z0-9_]*)=/gm)].map((m) => m[1]));
  const read = new Set(CONFIG_VARIABLES);

  it('lists every setting config.ts reads, and nothing else', () => {
    expect([...read].filter((k) => !documented.has(k))).toEqual([]);
    expect([...documented].filter((k) => !read.has(k))).toEqual([]);
  });

  it('holds values that config.ts accepts as they are', () => {
    const env: Record<string, string> = {};
    for (const m of text.matchAll(/^([A-Za-z][A-Za-z0-9_]*)=(.*)$/gm)) env[m[1]] = m[2];
    expect(() => loadConfig(env)).not.toThrow();
  });
});
