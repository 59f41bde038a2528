import { randomUUID } from 'node:crypto';
import type { App } from '../../src/app';
import { translator } from '../../src/i18n';
import { send, startTestApp, texts } from '../support/app';
import { SCRIPTS, type End, type Script } from './corpus';

/*
 * The conversation corpus, through POST /api/messages (deliveryMode expectReplies) on the private
 * test Redis: each scripted conversation must reach its end; the median number of customer
 * messages to a provisional answer is printed (target: 4, and 3 when everything is in the first message).
 */
/** The start of a message whose end names the case (the part before its first variable). */
const lead = (lang: 'en' | 'fr', key: string, vars: Record<string, string> = {}) => translator(lang)(key, vars).split('\u0000')[0];
const DS = /\bDS-[2-9A-HJ-NP-Z]{5}\b/;

const reached: Record<End, (said: string, lang: 'en' | 'fr', all: string) => boolean> = {
  // The answer card, whatever the outcome (a review has no "first answer" line): it ends with the reference.
  answer: (s, l) => s.includes(translator(l)('refund:answer.reference', { reference: 'RF-' }).split('RF-')[0]) && /\bRF-[2-9A-HJ-NP-Z]{5}\b/.test(s),
  greeting: (s, l) => s.includes(translator(l)('common:greeting')),
  thanks: (s, l) => s.includes(translator(l)('common:close.thanks')),
  goodbye: (s, l) => s.includes(translator(l)('common:close.goodbye')),
  outOfScope: (s, l) => s.includes(translator(l)('common:outOfScope')),
  // Handed to a person: the live desk queues the conversation and says how to stop waiting; without it, the follow-up texts.
  human: (s, l) =>
    s.includes(translator(l)('handoff:howToStop')) ||
    s.includes(translator(l)('human:noCase')) ||
    s.includes(translator(l)('human:handedOver.user_asked', { reference: '' }).split(' ')[0]),
  statusNotFound: (s, l) => s.includes(translator(l)('status:notFound', { reference: '' }).slice(0, 20)),
  cancelled: (s, l) => s.includes(translator(l)('common:cancel.done')),
  disputeSent: (s, l) => s.includes(lead(l, 'dispute:answer.delivery', { merchant: '\u0000' })) && DS.test(s),
  disputePlatform: (s, l) => s.includes(translator(l)('dispute:answer.payment')) && DS.test(s),
  disputeOpen: (s, l) => s.includes(translator(l)('dispute:answer.alreadyOpen')),
  disputeTooOld: (s, l) => s.includes(translator(l)('dispute:answer.tooOld')),
  // The D2 answer (why to write to the merchant first, the message to copy) came, then the customer closed the case.
  disputeWriteFirstThenClosed: (s, l, all) =>
    all.includes(lead(l, 'dispute:firstContact.explain', { merchant: '\u0000' })) && s.includes(lead(l, 'dispute:close.done', { reference: '\u0000' })),
  paymentReported: (s, l) => s.includes(translator(l)('payment:answer.filed')) && /\bPN-[2-9A-HJ-NP-Z]{5}\b/.test(s),
  paymentWait: (s, l) => s.includes(lead(l, 'payment:answer.wait', { from: '\u0000' })),
  paymentPaidShop: (s, l) => s.includes(lead(l, 'payment:answer.paidShop', { merchant: '\u0000' })),
  paymentNotDebited: (s, l) => s.includes(translator(l)('payment:answer.notDebited')),
  paymentPayeeWrong: (s, l) => s.includes(translator(l)('payment:answer.payeeWrong')),
  paymentRegistered: (s, l) => s.includes(translator(l)('payment:answer.registered')),
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

describe('conversation corpus', () => {
  let app: App;
  let baseUrl: string;
  beforeAll(async () => {
    ({ app, baseUrl } = await startTestApp({ BRAND_NAME: 'Acme' }));
  }, 60000);
  afterAll(() => app.close());

  it('has at least 60 conversations per language', () => {
    for (const lang of ['en', 'fr']) expect(SCRIPTS.filter((s) => s.lang === lang).length).toBeGreaterThanOrEqual(60);
  });

  it('every conversation reaches its end', async () => {
    const failures: string[] = [];
    const toAnswer: Record<string, number[]> = { en: [], fr: [], allInFirst: [] };
    for (const script of SCRIPTS as Script[]) {
      const conv = randomUUID();
      const locale = script.lang === 'fr' ? 'fr-FR' : 'en-GB';
      let said = '';
      let all = '';
      let count = 0;
      let answeredAt: number | undefined;
      for (const step of script.steps) {
        count++;
        const activity = typeof step === 'string' ? { text: step, locale } : { ...step, locale };
        said = texts(await send(baseUrl, conv, activity, script.user ?? 'demo-camille')).join('\n');
        all += `${said}\n`;
        if (answeredAt === undefined && reached.answer(said, script.lang, all)) answeredAt = count;
      }
      if (!reached[script.end](said, script.lang, all)) failures.push(`[${script.lang}] ${script.name} → expected ${script.end}, last said:\n    ${said.slice(0, 300).replace(/\n/g, '\n    ')}`);
      if (script.end === 'answer' && answeredAt !== undefined) {
        toAnswer[script.lang].push(answeredAt);
        if (script.allInFirst) toAnswer.allInFirst.push(answeredAt);
      }
    }
    const all = [...toAnswer.en, ...toAnswer.fr];
    // eslint-disable-next-line no-console
    console.log(
      [
        `conversations: ${SCRIPTS.length} (${SCRIPTS.length - failures.length} reached their end)`,
        `median customer messages to a provisional answer: ${median(all)} (en ${median(toAnswer.en)}, fr ${median(toAnswer.fr)}; everything in the first message: ${median(toAnswer.allInFirst)})`,
        ...failures,
      ].join('\n'),
    );
    expect(failures).toEqual([]);
    expect(median(all)).toBeLessThanOrEqual(4);
    expect(median(toAnswer.allInFirst)).toBeLessThanOrEqual(3);
  }, 300000);
});
