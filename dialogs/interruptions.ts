import { translator, LANGUAGES } from '../src/i18n';

export type Interruption = 'help' | 'cancel' | 'startOver' | 'human';

const normalise = (s: string) =>
  s.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[’']/g, "'").replace(/[.!?\s\u00a0]+$/, '').replace(/\s+/g, ' ').trim();

const KEYWORD_KEYS: Record<Interruption, string> = {
  help: 'common:help.keywords',
  cancel: 'common:cancel.keywords',
  startOver: 'common:startOver.keywords',
  human: 'human:keywords',
};

/** Keyword lists come from the locales; a user may type either language's words at any time. */
function keywordTable(): Map<string, Interruption> {
  const table = new Map<string, Interruption>();
  for (const lang of LANGUAGES) {
    const t = translator(lang);
    for (const kind of Object.keys(KEYWORD_KEYS) as Interruption[]) {
      for (const word of t(KEYWORD_KEYS[kind]).split('|')) {
        const w = normalise(word);
        // "?" alone means help; elsewhere a trailing "?" is ignored.
        table.set(w === '' ? word.trim() : w, kind);
      }
    }
  }
  return table;
}

let table: Map<string, Interruption> | undefined;

/** "help", "annuler", "start over", "un conseiller"…: only a whole short message counts, never a word inside a sentence. */
export function recognizeInterruption(text: string | undefined): Interruption | undefined {
  if (!text || text.length > 60) return undefined;
  table ??= keywordTable();
  const n = normalise(text);
  return table.get(n === '' ? text.trim() : n);
}
