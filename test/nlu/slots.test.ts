import { LANGUAGES, type Language } from '../../src/i18n';
import { loadCorpus } from '../../src/nlu/corpus';
import { sharedNlu, type NluPort } from '../../src/nlu';
import { heldOut as load, trainedOn } from './heldOut';

/*
 * A topic's own slots read from free text (NluPort.slot, models `slots.<name>` of
 * locales/<lang>/intents.json): what went wrong with a shop purchase, and how it went with the
 * merchant. Held-out utterances (test/nlu/heldout.slots.<lang>.json), written as customers write,
 * never in the training corpora.
 */
const heldOut = (lang: Language) => load<Record<string, Record<string, string[]>>>('slots', lang);

describe('slot models', () => {
  let nlu: NluPort;
  beforeAll(async () => {
    nlu = await sharedNlu();
  }, 60000);

  it.each(LANGUAGES)('the %s held-out set covers every value of every slot model, none of it in training', (lang) => {
    const corpus = loadCorpus(lang);
    for (const [model, values] of Object.entries(heldOut(lang))) {
      const trained = corpus.slots[model];
      expect(trained).toBeDefined();
      expect(Object.keys(values).sort()).toEqual(Object.keys(trained).filter((v) => v !== 'none').sort());
      for (const list of Object.values(values)) {
        expect(list.length).toBeGreaterThanOrEqual(6);
        expect(trainedOn(list, trained)).toEqual([]);
      }
    }
  });

  it.each(LANGUAGES)('reads at least 90%% of the %s held-out answers right', async (lang) => {
    let right = 0;
    let total = 0;
    const misses: string[] = [];
    for (const [model, values] of Object.entries(heldOut(lang))) {
      for (const [value, list] of Object.entries(values)) {
        for (const u of list) {
          const r = await nlu.slot(model, u, lang);
          total++;
          if (r.name === value && r.score >= 0.5) right++;
          else misses.push(`  ${model}.${value} ← "${u}" read as ${r.name} (${r.score.toFixed(2)})`);
        }
      }
    }
    // eslint-disable-next-line no-console
    console.log(`slot accuracy (${lang}): ${((right / total) * 100).toFixed(1)}% (${right}/${total})${misses.length ? `\n${misses.join('\n')}` : ''}`);
    expect(right / total).toBeGreaterThanOrEqual(0.9);
  });

  it('says nothing for an unknown model, and nothing of the merchant in a greeting', async () => {
    expect(await nlu.slot('noSuchModel', 'it never arrived', 'en')).toEqual({ name: 'none', score: 0 });
    expect((await nlu.slot('merchantContact', 'hello', 'en')).name).toBe('none');
    expect((await nlu.slot('disputeProblem', 'bonjour', 'fr')).name).toBe('none');
  });
});
