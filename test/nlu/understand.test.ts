import { sharedNlu, type NluPort } from '../../src/nlu';
import { recognizeInterruption } from '../../dialogs/interruptions';
import { NluRecognizer } from '../../src/nlu/recognizer';
import { TestAdapter, TurnContext } from 'botbuilder';

/* What customers write, read by the one recogniser: the cases the keyword lists used to miss. */
describe('understanding what customers write', () => {
  let nlu: NluPort;
  beforeAll(async () => {
    nlu = await sharedNlu();
  }, 60000);

  it.each([
    ['English', 'en', 'language.en'], ['in English please', 'fr', 'language.en'], ['can we speak english?', 'fr', 'language.en'], ['en anglais svp', 'fr', 'language.en'],
    ['français', 'en', 'language.fr'], ['Francais', 'en', 'language.fr'], ['parle français', 'en', 'language.fr'], ['French please', 'en', 'language.fr'],
    ['I want a human NOW', 'en', 'human'], ['this is a scam, I want a human NOW', 'en', 'human'], ['je veux parler à un conseiller svp', 'fr', 'human'], ['un conseiller svp', 'fr', 'human'],
    ["no I don't have one", 'en', 'skip'], ["non j'en ai pas", 'fr', 'skip'],
    ['i wnat a refnud for my add FL-100001 pls', 'en', 'topic.refund'], ['je veux annuler ma publicité fl-100001, je me suis trompée', 'fr', 'topic.refund'],
    ['hi', 'en', 'greeting'], ['thanks', 'en', 'thanks'], ['what are your opening hours?', 'en', 'outOfScope'],
  ])('"%s" (conversation in %s) is %s', async (text, lang, intent) => {
    const u = await nlu.understand(text, lang as 'en' | 'fr');
    expect(u.intent).toBe(intent);
    expect(u.score).toBeGreaterThanOrEqual(0.7);
  });

  it.each(['bonjour', 'refund', 'FL-100001', '49,90 €'])('"%s" is not a language switch', async (text) => {
    expect((await nlu.understand(text, 'en')).intent).not.toMatch(/^language\./);
  });

  it.each([
    ["j'ai payé deux fois", 'fr', 'double_payment'], ['I was charged twice', 'en', 'double_payment'], ['the results are too low', 'en', 'results_too_low'],
    ['je me suis trompée', 'fr', 'paid_by_mistake'], ['je veux un remboursement', 'fr', 'none'], ['refund for FL-100001 please', 'en', 'none'],
  ])('reads the reason in "%s"', async (text, lang, reason) => {
    expect((await nlu.reason(text, lang as 'en' | 'fr')).name).toBe(reason);
  });

  it('recognizeInterruption gives the turn\'s interruption, as understood once by the recogniser', async () => {
    const recognizer = new NluRecognizer(nlu);
    const adapter = new TestAdapter();
    for (const [text, expected] of [['stop waiting', 'cancel'], ['un conseiller svp', 'human'], ['start over', 'startOver'], ['help', 'help'], ['49,90 €', undefined]] as const) {
      const context = new TurnContext(adapter, { type: 'message', text, conversation: { id: 'c' } as never, channelId: 'test' });
      await recognizer.understandTurn(context, 'en');
      expect(recognizeInterruption(text)).toBe(expected);
    }
  });
});
