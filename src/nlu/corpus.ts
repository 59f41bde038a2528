import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LANGUAGES, type Language } from '../i18n';
import { projectDir } from '../util/projectDir';
import { INTENTS, SUMMARY_READINGS } from './types';

const utterances = z.array(z.string().min(1).max(500)).min(1);

/**
 * `locales/<lang>/intents.json`: utterances per intent, per refund reason (`none`: states no reason),
 * per value of a topic's own slots (`slots.<model>.<value>`, e.g. `slots.disputeProblem.damaged`;
 * `none`: says nothing about it), each slot read by a model of its own, and per answer to a request's
 * summary (confirm, a field to change, or `none`).
 */
export const corpusSchema = z.object({
  intents: z.object(Object.fromEntries(INTENTS.map((i) => [i, utterances])) as Record<(typeof INTENTS)[number], typeof utterances>).strict(),
  reasons: z.record(z.string(), utterances),
  slots: z.record(z.string(), z.record(z.string(), utterances)).default({}),
  summary: z.object(Object.fromEntries(SUMMARY_READINGS.map((r) => [r, utterances])) as Record<(typeof SUMMARY_READINGS)[number], typeof utterances>).strict(),
});
export type Corpus = z.infer<typeof corpusSchema>;

export function loadCorpus(lang: Language, dir = projectDir('locales', join('en', 'intents.json'))): Corpus {
  const file = join(dir, lang, 'intents.json');
  const parsed = corpusSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export function loadCorpora(dir?: string): Record<Language, Corpus> {
  return Object.fromEntries(LANGUAGES.map((l) => [l, loadCorpus(l, dir)])) as Record<Language, Corpus>;
}
