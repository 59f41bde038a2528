import fc from 'fast-check';
import { findOrderNumberInText, isValidOrderNumber, normaliseOrderNumber, ORDER_NUMBER_PATTERN } from '../../src/services/orderNumber';

describe('order numbers', () => {
  it.each([
    ['FL-123456', 'FL-123456'],
    ['fl-123456', 'FL-123456'],
    ['fl123456', 'FL-123456'],
    ['  FL 123 456 ', 'FL-123456'],
    ['#fl-123456', 'FL-123456'],
    ['Fl_123.456', 'FL-123456'],
    ['FL\u2013123456', 'FL-123456'],
  ])('%j normalises to %s', (input, expected) => {
    expect(normaliseOrderNumber(input)).toBe(expected);
    expect(isValidOrderNumber(input)).toBe(true);
  });

  it.each(['', 'FL-12345', 'FL-1234567', 'F-123456', 'FLX-123456', '12-123456', 'FL-12345a', 'order FL-123456', 'FL--', 'ÉL-123456', 'ß-123456', 'ßx123456', 'ıl123456']) (
    '%j is not an order number',
    (input) => {
      expect(normaliseOrderNumber(input)).toBeNull();
      expect(isValidOrderNumber(input)).toBe(false);
    },
  );

  it('normalising is idempotent and always gives the canonical form', () => {
    const letter = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'.split(''));
    const digit = fc.constantFrom(...'0123456789'.split(''));
    const sep = fc.constantFrom('', ' ', '-', '  ', '.', '_');
    fc.assert(
      fc.property(fc.array(letter, { minLength: 2, maxLength: 2 }), fc.array(digit, { minLength: 6, maxLength: 6 }), sep, sep, (l, d, s1, s2) => {
        const input = `${l.join('')}${s1}${d.slice(0, 3).join('')}${s2}${d.slice(3).join('')}`;
        const n = normaliseOrderNumber(input);
        expect(n).toMatch(ORDER_NUMBER_PATTERN);
        expect(n).toBe(`${l.join('').toUpperCase()}-${d.join('')}`);
        expect(normaliseOrderNumber(n as string)).toBe(n);
      }),
    );
  });

  it('never accepts an arbitrary string that is not two letters and six digits', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const n = normaliseOrderNumber(s);
        if (n !== null) expect(n).toMatch(ORDER_NUMBER_PATTERN);
      }),
    );
  });

  it('finds the order number in a message', () => {
    expect(findOrderNumberInText('my order fl-100002 was charged twice')).toBe('FL-100002');
    expect(findOrderNumberInText('Commande FL 100 002 stp')).toBe('FL-100002');
    expect(findOrderNumberInText('call me at 0612345678')).toBeNull();
    expect(findOrderNumberInText('reference XFL-1000023')).toBeNull();
  });
});
