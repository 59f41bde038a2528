import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Language } from '../../src/i18n';

/*
 * The held-out sets of test/nlu/ (heldout[.<kind>].<lang>.json): messages written as customers
 * write, never in the training corpora.
 */

/** A text as the recogniser compares it: lower case, no accents, no punctuation. */
export const fold = (s: string): string =>
  s
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** `heldout.<lang>.json` (no kind: intents) or `heldout.<kind>.<lang>.json`. */
export function heldOut<T = Record<string, string[]>>(kind: '' | 'summary' | 'slots' | 'reasons', lang: Language): T {
  return JSON.parse(readFileSync(join(__dirname, `heldout.${kind ? `${kind}.` : ''}${lang}.json`), 'utf8')) as T;
}

/** The held-out messages that are in the training utterances too (the tests want none). */
export function trainedOn(list: string[], training: Record<string, string[]>): string[] {
  const trained = new Set(Object.values(training).flat().map(fold));
  return list.filter((u) => trained.has(fold(u)));
}
