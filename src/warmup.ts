import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { recognizeChoices } from 'botbuilder-dialogs';
import { LANGUAGES, warmI18n } from './i18n';
import { detectLanguage } from './i18n/detect';
import type { NluPort } from './nlu';
import { warmAmounts, parseAmount, findAmountInText } from '../dialogs/slots/amount';
import { warmPaymentDateParser } from '../dialogs/slots/paidAt';

/**
 * Everything slow is built once, before the bot says it is ready (`createApp` runs this before the
 * server listens, so /readyz cannot answer earlier):
 * - the recognizers-text models for amounts and numbers, in both languages (their first call in a
 *   process compiles regular expressions for seconds: 15 s for the French currency model on a
 *   loaded 2-core machine);
 * - botbuilder's choice recogniser (the same library's number and ordinal models);
 * - the i18n tables, one translator per language, the Intl formatters;
 * - the NLU model (trained before this; a few calls per language here compile its code paths);
 * - then a few hundred calls of the per-turn code, so the first turns run optimised code.
 * Returns what each step took, for the start-up log.
 */
export async function warmUp(opts: { nlu?: NluPort; timeZone?: string; currencies?: readonly string[] }): Promise<Record<string, number>> {
  const took: Record<string, number> = {};
  // The recognizers' number models are regular expressions of 120-130 KB. With V8's default regexp
  // tier-up, each one is first run by the bytecode interpreter (seconds), then compiled to native
  // code on its second run (seconds again), so a customer's turn could pay the second half.
  // Compiling them to native code at their first run halves the warm-up and leaves nothing for later.
  setFlagsFromString('--no-regexp-tier-up');
  const step = async (name: string, fn: () => unknown) => {
    const t0 = performance.now();
    await fn();
    took[name] = Math.round(performance.now() - t0);
    // Between steps, the event loop runs (Redis pings, signals).
    await new Promise((r) => setImmediate(r));
  };
  await step('i18n', () => warmI18n({ currencies: opts.currencies ?? ['EUR', 'USD', 'GBP', 'CHF'], timeZone: opts.timeZone }));
  await step('amounts', () => warmAmounts());
  // The date-time models ("when did you pay?"): the French one costs seconds on first use.
  await step('dates', () => warmPaymentDateParser());
  await step('choices', () => {
    const choices = [
      { value: 'yes', synonyms: ['oui'] },
      { value: 'no', synonyms: ['non'] },
    ];
    for (let i = 0; i < 2; i++) {
      recognizeChoices('the second one', choices, { locale: 'en-us' });
      recognizeChoices('le deuxième', choices, { locale: 'fr-fr' });
    }
  });
  const nlu = opts.nlu;
  if (nlu) {
    await step('nlu', async () => {
      const samples: Record<string, string[]> = {
        en: ['I want a refund of €49.00 for order FL-100001, I paid by mistake', 'skip', 'yes', 'can I talk to a person'],
        fr: ['Je veux être remboursé de 49,90 € pour la commande FL-100001', 'passer', 'oui', 'un conseiller svp'],
      };
      for (let i = 0; i < 20; i++) {
        for (const lang of LANGUAGES) {
          for (const s of samples[lang]) {
            await nlu.understand(s, lang);
            await nlu.reason(s, lang);
          }
        }
      }
    });
  }
  await step('hot paths', () => {
    for (let i = 0; i < 300; i++) {
      parseAmount('49,90 €', 'fr');
      parseAmount('€49.90', 'en');
      findAmountInText('I want a refund of €49.00 for order, I paid by mistake', 'en');
      findAmountInText('remboursement de 49,90 € svp', 'fr');
      detectLanguage('Je veux être remboursé de 49,90 €');
    }
  });
  return took;
}
