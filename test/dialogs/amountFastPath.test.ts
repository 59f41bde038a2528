import fc from 'fast-check';
import { findAmountInText, parseAmount, recognizedAmount, recognizedAmountInText } from '../../dialogs/slots/amount';

/*
 * The plain forms are read without the recognizers (dialogs/slots/amount.ts): generated plain forms
 * must read the same both ways, in both languages, alone and inside a sentence.
 */

const lang = fc.constantFrom<'en' | 'fr'>('en', 'fr');
const amount = fc.record({
  units: fc.integer({ min: 0, max: 99999 }),
  cents: fc.option(fc.integer({ min: 0, max: 99 }), { nil: undefined }),
  oneDigitCents: fc.boolean(),
  sep: fc.constantFrom('.', ','),
});
type Amount = typeof amount extends fc.Arbitrary<infer T> ? T : never;
const number = (a: Amount) => {
  if (a.cents === undefined) return String(a.units);
  const cents = a.oneDigitCents && a.cents % 10 === 0 ? String(a.cents / 10) : String(a.cents).padStart(2, '0');
  return `${a.units}${a.sep}${cents}`;
};
/** Forms the recognizers read right in both languages. */
const agreed = [
  (n: string) => `€${n}`,
  (n: string) => `€ ${n}`,
  (n: string) => `${n} €`,
  (n: string) => `${n}€`,
  (n: string) => `${n} EUR`,
  (n: string) => `${n} eur`,
  (n: string) => `${n}eur`,
  (n: string) => `${n} euros`,
  (n: string) => `$${n}`,
  (n: string) => `${n} $`,
];
/**
 * Forms the recognizers misread, read right by the plain path: `EUR 49` is 0.49 € to the English
 * model; `£49`, `USD 49`, `GBP 49`, `CHF 49` (and `49 GBP`, `49 USD` to the French model) have no
 * currency or the wrong one.
 */
const misread: [(n: string) => string, string][] = [
  [(n) => `EUR ${n}`, 'EUR'],
  [(n) => `£${n}`, 'GBP'],
  [(n) => `${n} £`, 'GBP'],
  [(n) => `GBP ${n}`, 'GBP'],
  [(n) => `${n} GBP`, 'GBP'],
  [(n) => `USD ${n}`, 'USD'],
  [(n) => `${n} USD`, 'USD'],
  [(n) => `CHF ${n}`, 'CHF'],
  [(n) => `${n} CHF`, 'CHF'],
];
const currency = fc.constantFrom(...agreed);
const minorOf = (a: Amount) => a.units * 100 + (a.cents ?? 0);
const expected = (a: Amount, currency: string) =>
  minorOf(a) === 0 ? { ok: false, error: 'zero' } : minorOf(a) > 10_000_000 ? { ok: false, error: 'too_large' } : { ok: true, value: { minor: minorOf(a), currency } };

describe('amounts: the plain forms read without the recognizers agree with them', () => {
  it('a bare number or an amount with its currency, alone', () => {
    fc.assert(
      fc.property(amount, fc.option(currency, { nil: undefined }), lang, (a, cur, l) => {
        const text = cur ? cur(number(a)) : number(a);
        expect(parseAmount(text, l)).toEqual(recognizedAmount(text, l));
      }),
      { numRuns: 250 },
    );
  });

  it('an amount with its currency inside a sentence', () => {
    const sentence = fc.constantFrom(
      (x: string) => `I want a refund of ${x} for my order, I paid by mistake`,
      (x: string) => `Je veux être remboursé de ${x}, j'ai payé par erreur`,
      (x: string) => `${x} paid twice`,
      (x: string) => `remboursement ${x} svp`,
    );
    fc.assert(
      fc.property(amount, currency, sentence, lang, (a, cur, s, l) => {
        const text = s(cur(number(a)));
        expect(findAmountInText(text, l)).toEqual(recognizedAmountInText(text, l));
      }),
      { numRuns: 250 },
    );
  });

  it('reads the amount written, in the forms the recognizers misread too', () => {
    fc.assert(
      fc.property(amount, fc.constantFrom(...misread, ...agreed.map((f) => [f, f('').includes('$') ? 'USD' : 'EUR'] as [(n: string) => string, string])), lang, (a, [form, iso], l) => {
        expect(parseAmount(form(number(a)), l)).toEqual(expected(a, iso));
        const inside = findAmountInText(`I want a refund of ${form(number(a))} for my order`, l);
        expect(inside).toEqual(minorOf(a) === 0 ? undefined : { minor: minorOf(a), currency: iso });
      }),
      { numRuns: 250 },
    );
  });

  it('a message without any currency costs no recognizer call, and the recognizers find nothing there either', () => {
    for (const [text, l] of [
      ["j'ai payé deux fois pour la commande", 'fr'],
      ['I paid twice on 3 March, order number 12', 'en'],
      ['trois annonces, quarante-neuf jours', 'fr'],
      ['one hundred and twenty views only', 'en'],
    ] as const) {
      expect(findAmountInText(text, l)).toBeUndefined();
      expect(recognizedAmountInText(text, l)).toBeUndefined();
    }
  });

  it('forms that need the recognizers still get them', () => {
    expect(parseAmount('forty-nine euros', 'en')).toEqual({ ok: true, value: { minor: 4900, currency: 'EUR' } });
    expect(parseAmount('quarante-neuf euros', 'fr')).toEqual({ ok: true, value: { minor: 4900, currency: 'EUR' } });
    expect(findAmountInText('I paid forty-nine euros for it', 'en')).toEqual({ minor: 4900, currency: 'EUR' });
    expect(findAmountInText("j'ai payé quarante-neuf euros", 'fr')).toEqual({ minor: 4900, currency: 'EUR' });
    expect(findAmountInText('order paid twice, please help', 'en')).toBeUndefined();
  });

  it('the cents after the unit', () => {
    expect(parseAmount('49€90', 'fr')).toEqual({ ok: true, value: { minor: 4990, currency: 'EUR' } });
    expect(parseAmount('49 euros 90', 'en')).toEqual({ ok: true, value: { minor: 4990, currency: 'EUR' } });
    expect(findAmountInText('remboursez-moi 49€90 svp', 'fr')).toEqual({ minor: 4990, currency: 'EUR' });
  });
});
