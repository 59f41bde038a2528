import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * A top-level folder of the project (`locales`, `public`, `data`…), found by walking up from here,
 * so it works whether the code runs from src/ (ts-node, jest) or dist/src/ (npm start).
 * `marker` is a path inside the folder that must exist.
 */
export function projectDir(name: string, marker: string): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, name);
    if (existsSync(join(candidate, marker))) return candidate;
    dir = resolve(dir, '..');
  }
  throw new Error(`${name}/ folder not found`);
}
