import { LANGUAGES, type Language } from '../../src/i18n';
import { loadCorpus } from '../../src/nlu/corpus';
import { CONFIDENT, sharedNlu, type NluPort } from '../../src/nlu';
import { heldOut as load, trainedOn } from './heldOut';

/*
 * Refund reasons read from free text (NluPort.reason), on held-out messages written as customers
 * write (test/nlu/heldout.reasons.<lang>.json: the reason alone, or inside a message with an order
 * number, an amount and a date), never in the training corpora. `none` holds messages that state
 * no reason. The refund topic takes a reason as said from CONFIDENT up (dialogs/refund/topic.ts);
 * below, it asks with buttons. So two figures matter: the reasons read right, and the wrong ones
 * taken as said, which would reach the engine unless the customer corrects the summary.
 */
const heldOut = (lang: Language) => load('reasons', lang);

describe('refund reasons', () => {
  let nlu: NluPort;
  beforeAll(async () => {
    nlu = await sharedNlu();
  }, 60000);

  it.each(LANGUAGES)('the %s held-out set covers every reason and none, 12+ each, none of it in training', (lang) => {
    const corpus = loadCorpus(lang);
    const set = heldOut(lang);
    expect(Object.keys(set).sort()).toEqual(Object.keys(corpus.reasons).sort());
    for (const list of Object.values(set)) {
      expect(list.length).toBeGreaterThanOrEqual(12);
      expect(trainedOn(list, corpus.reasons)).toEqual([]);
    }
  });

  it.each(LANGUAGES)('reads the %s held-out messages right, and rarely takes a wrong reason as said', async (lang) => {
    let right = 0;
    let wrongTaken = 0;
    let total = 0;
    const misses: string[] = [];
    for (const [reason, list] of Object.entries(heldOut(lang))) {
      for (const u of list) {
        const r = await nlu.reason(u, lang);
        const taken = r.name !== 'none' && r.score >= CONFIDENT ? r.name : 'none';
        total++;
        if (taken === reason) right++;
        else {
          if (taken !== 'none') wrongTaken++;
          misses.push(`  ${reason} ← "${u}" read as ${r.name} (${r.score.toFixed(2)})${taken !== 'none' ? ' TAKEN' : ''}`);
        }
      }
    }
    // eslint-disable-next-line no-console
    console.log(`Reasons (${lang}): ${((right / total) * 100).toFixed(1)}% right (${right}/${total}), ${wrongTaken} wrong taken as said${misses.length ? `\n${misses.join('\n')}` : ''}`);
    expect(right / total).toBeGreaterThanOrEqual(0.8);
    expect(wrongTaken / total).toBeLessThanOrEqual(0.05);
  });
});
