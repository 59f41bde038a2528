import { LANGUAGES, type Language } from '../../src/i18n';
import { loadCorpus } from '../../src/nlu/corpus';
import { NlpjsNlu } from '../../src/nlu/nlpjs';
import { INTENTS, SUMMARY_READINGS } from '../../src/nlu';
import { heldOut as load, trainedOn } from './heldOut';

/*
 * Intent accuracy on a held-out set (test/nlu/heldout.<lang>.json): utterances written as customers
 * write, never in the training corpora (checked below). An out-of-scope message counts as right
 * when it is classified out of scope or as nothing known.
 */
const heldOut = (lang: Language) => load('', lang);
/** Answers to a request's summary (test/nlu/heldout.summary.<lang>.json): confirm, a field to change, or neither. */
const heldOutSummary = (lang: Language) => load('summary', lang);

describe('intent recognition', () => {
  const nlu = new NlpjsNlu();
  beforeAll(() => nlu.train(), 60000);

  it.each(LANGUAGES)('the %s held-out set has 20+ utterances per intent, none of them in training', (lang) => {
    const set = heldOut(lang);
    const training = loadCorpus(lang).intents;
    expect(Object.keys(set).sort()).toEqual([...INTENTS].sort());
    for (const [intent, list] of Object.entries(set)) {
      expect(list.length).toBeGreaterThanOrEqual(20);
      expect(trainedOn(list, training)).toEqual([]);
    }
  });

  it.each(LANGUAGES)('is at least 95%% accurate in %s', async (lang) => {
    const set = heldOut(lang);
    let right = 0;
    let total = 0;
    const misses: string[] = [];
    for (const [intent, list] of Object.entries(set)) {
      for (const u of list) {
        const r = await nlu.understand(u, lang);
        const ok = r.intent === intent || (intent === 'outOfScope' && r.intent === 'none');
        total++;
        if (ok) right++;
        else misses.push(`  ${intent} ← "${u}" read as ${r.intent} (${r.score.toFixed(2)})`);
      }
    }
    const accuracy = right / total;
    // eslint-disable-next-line no-console
    console.log(`NLU accuracy (${lang}): ${(accuracy * 100).toFixed(1)}% (${right}/${total})${misses.length ? `\n${misses.join('\n')}` : ''}`);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it.each(LANGUAGES)('the %s held-out answers to a summary: 20+ per reading, none of them in training', (lang) => {
    const set = heldOutSummary(lang);
    const training = loadCorpus(lang).summary;
    expect(Object.keys(set).sort()).toEqual([...SUMMARY_READINGS].sort());
    for (const list of Object.values(set)) {
      expect(list.length).toBeGreaterThanOrEqual(20);
      expect(trainedOn(list, training)).toEqual([]);
    }
  });

  it.each(LANGUAGES)('reads answers to a summary at least 95%% right in %s', async (lang) => {
    let right = 0;
    let total = 0;
    const misses: string[] = [];
    for (const [reading, list] of Object.entries(heldOutSummary(lang))) {
      for (const u of list) {
        const r = await nlu.summary(u, lang);
        total++;
        if (r.name === reading) right++;
        else misses.push(`  ${reading} ← "${u}" read as ${r.name} (${r.score.toFixed(2)})`);
      }
    }
    const accuracy = right / total;
    // eslint-disable-next-line no-console
    console.log(`Summary answers (${lang}): ${(accuracy * 100).toFixed(1)}% (${right}/${total})${misses.length ? `\n${misses.join('\n')}` : ''}`);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('trains the same model from the same corpora', async () => {
    const again = new NlpjsNlu();
    await again.train();
    for (const u of ['i wnat a refnud for my add FL-100001 pls', 'un conseiller svp', 'no I don t have one']) {
      expect(await again.understand(u, 'en')).toEqual(await nlu.understand(u, 'en'));
    }
  });
});
