/**
 * Folds a short text for comparing it with a button title or a synonym, in either language:
 * lower case, no accents, one kind of apostrophe, no trailing punctuation, single spaces.
 * "Confirmer la demande !" and "confirmer la demande" compare equal. Not for reading intents:
 * that is the recogniser's job (src/nlu).
 */
export function foldTitle(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[’']/g, "'")
    .replace(/[.!?\s]+$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}
