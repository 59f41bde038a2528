import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { ActivityTypes, DeliveryModes, type Activity, type CloudAdapter, type TurnContext } from 'botbuilder';
import { recognizeChoices } from 'botbuilder-dialogs';
import { AuthenticationConstants, ClaimsIdentity, ConnectorClient, type AuthenticateRequestResult } from 'botframework-connector';
import type { Keyspace } from './storage/keys';
import type { RedisClient } from './storage/redisClient';
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

/** The first messages of the warm-up conversations (no order number: no port is called). */
const WARM_TURNS: { locale: string; texts: string[] }[] = [
  { locale: 'en-GB', texts: ['hello', 'I want a refund', 'help'] },
  { locale: 'fr-FR', texts: ['bonjour', 'je veux un remboursement', 'aide'] },
];

/** The keys a warm-up conversation leaves (all in its hash tag); anything else expires with the state. */
const WARM_KEY_SUFFIXES = ['s:webchat', 'turn', 'replies', 'desk:t'];

/**
 * A few real turns through the whole bot before it says it is ready (`createApp`, once everything is
 * built): the middleware, the dialogs, the prompts and cards, the Redis scripts (each sent in full
 * once on the connection), so that the first customer's turn runs code that is already compiled and
 * warm instead of paying for it. Two short conversations, one per language, with replies kept in
 * the turn (`expectReplies`: nothing is sent anywhere) and no order number (no port is called); their
 * keys are deleted afterwards. Returns the number of turns run.
 */
export async function warmUpTurns(opts: {
  adapter: CloudAdapter;
  logic: (context: TurnContext) => Promise<void>;
  appId: string | undefined;
  redis: RedisClient;
  keys: Keyspace;
}): Promise<number> {
  const auth = warmUpAuth(opts.appId);
  let turns = 0;
  for (const { locale, texts } of WARM_TURNS) {
    const conversationId = `warm-up-${randomUUID()}`;
    try {
      for (const text of texts) {
        const activity = {
          type: ActivityTypes.Message,
          id: randomUUID(),
          channelId: 'webchat',
          serviceUrl: 'http://127.0.0.1:1/',
          deliveryMode: DeliveryModes.ExpectReplies,
          from: { id: 'warm-up', name: 'warm-up' },
          recipient: { id: 'bot', name: 'bot' },
          conversation: { id: conversationId },
          locale,
          text,
          timestamp: new Date(),
        } as Activity;
        await opts.adapter.processActivityDirect(auth, activity, opts.logic);
        turns += 1;
      }
    } finally {
      await opts.redis.del(...WARM_KEY_SUFFIXES.map((s) => opts.keys.conversation(conversationId, s)), opts.keys.lock(conversationId));
    }
  }
  return turns;
}

/** As for an activity the bot hands to itself: no token to check, and no connector is ever called. */
function warmUpAuth(appId: string | undefined): AuthenticateRequestResult {
  const claims = appId
    ? [
        { type: AuthenticationConstants.AudienceClaim, value: appId },
        { type: AuthenticationConstants.AppIdClaim, value: appId },
      ]
    : [];
  // The adapter wants a client for the turn; with expectReplies it never uses it (port 1: nothing there).
  const client = new ConnectorClient({ signRequest: async (request) => request }, { baseUri: 'http://127.0.0.1:1/', noRetryPolicy: true });
  const nowhere = { create: async (): Promise<ConnectorClient> => client };
  return { audience: AuthenticationConstants.ToChannelFromBotOAuthScope, claimsIdentity: new ClaimsIdentity(claims, true), connectorFactory: nowhere };
}
