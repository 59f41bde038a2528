import { translator, LANGUAGES } from '../src/i18n';

export type Interruption = 'help' | 'cancel' | 'startOver';

const normalise = (s: string) =>
  s.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[’']/g, "'").replace(/[.!]+$/, '').trim();

/** Keyword lists come from the locales; a user may type either language's words at any time. */
function keywordTable(): Map<string, Interruption> {
  const table = new Map<string, Interruption>();
  for (const lang of LANGUAGES) {
    const t = translator(lang);
    for (const kind of ['help', 'cancel', 'startOver'] as const) {
      for (const word of t(`common:${kind}.keywords`).split('|')) table.set(normalise(word), kind);
    }
  }
  return table;
}

let table: Map<string, Interruption> | undefined;

/** "help", "annuler", "start over"…: only a whole short message counts, never a word inside a sentence. */
export function recognizeInterruption(text: string | undefined): Interruption | undefined {
  if (!text || text.length > 40) return undefined;
  table ??= keywordTable();
  return table.get(normalise(text));
}
