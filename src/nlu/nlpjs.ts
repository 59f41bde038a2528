import { containerBootstrap } from '@nlpjs/core';
import { Nlp } from '@nlpjs/nlp';
import { LangEn } from '@nlpjs/lang-en';
import { LangFr } from '@nlpjs/lang-fr';
import { LANGUAGES, type Language } from '../i18n';
import { loadCorpora, type Corpus } from './corpus';
import { CONFIDENT, isIntent, SUMMARY_READINGS, type Intent, type NluPort, type Scored, type SummaryReading, type Understanding } from './types';

/** Longest text given to the classifier; the facts of a longer message are read elsewhere. */
const MAX_CLASSIFIED = 1000;

function newNlp(lang: Language): Nlp {
  const container = containerBootstrap();
  container.use(lang === 'fr' ? LangFr : LangEn);
  const nlp = new Nlp({ container, autoSave: false, autoLoad: false, forceNER: false, calculateSentiment: false, nlu: { log: false, spellCheck: true, useNoneFeature: true } });
  nlp.addLanguage(lang);
  return nlp;
}

/**
 * The nlp.js recogniser: per language, one model for the intents and one for refund reasons,
 * trained from `locales/<lang>/intents.json`. nlp.js starts its networks from zero weights and
 * shuffles nothing, so the same corpora give the same model.
 */
export class NlpjsNlu implements NluPort {
  private intents = new Map<Language, Nlp>();
  private reasons = new Map<Language, Nlp>();
  /** `<lang>:<slot model>` → its model. */
  private slots = new Map<string, Nlp>();
  private summaries = new Map<Language, Nlp>();
  private training: Promise<void> | undefined;
  ready = false;

  constructor(private readonly corpora: () => Record<Language, Corpus> = () => loadCorpora()) {}

  train(): Promise<void> {
    this.training ??= (async () => {
      const corpora = this.corpora();
      for (const lang of LANGUAGES) {
        const intents = newNlp(lang);
        for (const [intent, list] of Object.entries(corpora[lang].intents)) for (const u of list) intents.addDocument(lang, u, intent);
        const reasons = newNlp(lang);
        for (const [reason, list] of Object.entries(corpora[lang].reasons)) for (const u of list) reasons.addDocument(lang, u, reason);
        const summaries = newNlp(lang);
        for (const [reading, list] of Object.entries(corpora[lang].summary)) for (const u of list) summaries.addDocument(lang, u, reading);
        await intents.train();
        await reasons.train();
        await summaries.train();
        this.intents.set(lang, intents);
        this.reasons.set(lang, reasons);
        for (const [name, values] of Object.entries(corpora[lang].slots)) {
          const model = newNlp(lang);
          for (const [value, list] of Object.entries(values)) for (const u of list) model.addDocument(lang, u, value);
          await model.train();
          this.slots.set(`${lang}:${name}`, model);
        }
        this.summaries.set(lang, summaries);
      }
      this.ready = true;
    })();
    return this.training;
  }

  private async classify(models: Map<Language, Nlp>, lang: Language, text: string) {
    const nlp = models.get(lang);
    if (!nlp) throw new Error('the recogniser is not trained yet');
    return nlp.process(lang, text.slice(0, MAX_CLASSIFIED));
  }

  private async inLanguage(text: string, lang: Language): Promise<Understanding> {
    const r = await this.classify(this.intents, lang, text);
    const ranked = r.classifications
      .filter((c): c is { intent: Intent; score: number } => isIntent(c.intent) && c.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, 3)
      .map((c) => ({ name: c.intent, score: c.score }));
    const intent = isIntent(r.intent) ? r.intent : 'none';
    return { intent, score: intent === 'none' ? 0 : r.score, ranked, lang };
  }

  /**
   * Read in the conversation's language first; when that is not confident, the other language's
   * model is asked too (a customer may write "english please" in a French conversation).
   */
  async understand(text: string, lang: Language): Promise<Understanding> {
    const main = await this.inLanguage(text, lang);
    if (main.score >= CONFIDENT) return main;
    const other = await this.inLanguage(text, lang === 'fr' ? 'en' : 'fr');
    return other.score > main.score ? other : main;
  }

  /**
   * Like a reason, what happened is often one clause of a longer message ("FL-900004 arrived broken
   * and the seller doesn't answer"): the whole text and each clause are read, the most confident wins.
   */
  async slot(name: string, text: string, lang: Language): Promise<Scored<string>> {
    if (!this.ready) throw new Error('the recogniser is not trained yet');
    const model = this.slots.get(`${lang}:${name}`);
    if (!model) return { name: 'none', score: 0 };
    // Order numbers and references are facts, not what happened ("2 fois" stays).
    const numbers = /[^\s,;.!?]*\d{3,}[^\s,;!?]*/g;
    const plain = text.slice(0, MAX_CLASSIFIED).replace(numbers, ' ');
    let best: Scored<string> = { name: 'none', score: 0 };
    for (const part of new Set([plain, ...clausesOf(text, numbers)])) {
      const r = await model.process(lang, part);
      if (r.intent && r.intent !== 'None' && r.intent !== 'none' && r.score > best.score) best = { name: r.intent, score: r.score };
    }
    return best;
  }

  /**
   * A reason is often one clause of a longer message ("refund for FL-100001, I paid twice"): the
   * whole text and each clause are read, and the most confident reason wins.
   */
  async reason(text: string, lang: Language): Promise<Scored<string>> {
    // Numbers are facts, not reasons: "order FL-200002" or "€50" says nothing of why. Read the
    // text without them, and each clause, a number also ending a clause.
    const numbers = /[^\s,;.!?]*\d[^\s,;!?]*/g;
    const plain = text.slice(0, MAX_CLASSIFIED).replace(numbers, ' ');
    const clauses = clausesOf(text, numbers);
    let best: Scored<string> = { name: 'none', score: 0 };
    for (const part of new Set([plain, ...clauses])) {
      const r = await this.classify(this.reasons, lang, part);
      if (r.intent !== 'None' && r.intent !== 'none' && r.score > best.score) best = { name: r.intent, score: r.score };
    }
    return best;
  }

  /** Confirm, a field to change, or nothing of the two, in an answer to the summary of a request. */
  async summary(text: string, lang: Language): Promise<Scored<SummaryReading>> {
    const read = async (l: Language): Promise<Scored<SummaryReading>> => {
      const r = await this.classify(this.summaries, l, text);
      const name = (SUMMARY_READINGS as readonly string[]).includes(r.intent) ? (r.intent as SummaryReading) : 'none';
      return { name, score: name === 'none' ? 0 : r.score };
    };
    const main = await read(lang);
    if (main.score >= CONFIDENT) return main;
    // "changer le montant" in an English conversation.
    const other = await read(lang === 'fr' ? 'en' : 'fr');
    return other.score > main.score ? other : main;
  }
}

/** The clauses of a message, a number also ending a clause. */
function clausesOf(text: string, numbers: RegExp): string[] {
  return text
    .slice(0, MAX_CLASSIFIED)
    .replace(numbers, ', ')
    .split(/[,.;:!?\n()\u2014\u2013]+|\s-\s|\s(?:because|since|as|but|and|car|parce que|puisque|mais|et)\s/i)
    .map((c) => c.trim())
    .filter((c) => c.length > 2);
}
