import type { Language } from './index';

/*
 * Telling French from English on a short chat message. Only two languages are in play, so a
 * small score over frequent function words and French diacritics is enough and has no false
 * "third language" answers that general detectors give on five-word messages.
 */

const FR_WORDS = new Set(
  ('je j tu il elle nous vous ils le la les un une des du de d au aux et ou mais est suis ai a pas ne '
    + 'mon ma mes ton votre vos pour avec sur dans par que qui quoi comment bonjour salut merci oui non '
    + 'commande remboursement rembourser paiement payé payée annuler aide veux voudrais ça c cette ce '
    + 'deux fois été reçu mois jours publicité compte').split(' '),
);
const EN_WORDS = new Set(
  ('i you he she we they the a an and or but is am are was were not no yes my your our for with on in '
    + 'by that which what how hello hi thanks thank please order refund payment paid cancel help want '
    + 'would like it this twice been received days ad account money back get').split(' '),
);

/** Returns a language when the text leans clearly one way, else undefined. */
export function detectLanguage(text: string): Language | undefined {
  const lower = text.toLowerCase();
  const words = lower.normalize('NFC').split(/[^\p{L}]+/u).filter(Boolean);
  let fr = 0;
  let en = 0;
  for (const w of words) {
    if (FR_WORDS.has(w)) fr++;
    if (EN_WORDS.has(w)) en++;
  }
  fr += (lower.match(/[éèêàçùûôîœ]/g) ?? []).length * 0.5;
  if (fr === en) return undefined;
  const margin = Math.abs(fr - en);
  if (margin < 1) return undefined;
  return fr > en ? 'fr' : 'en';
}
