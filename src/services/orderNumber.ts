/**
 * Order numbers: two letters, a dash, six digits (`FL-123456`).
 *
 * What a user types is accepted when, after removing spaces, dashes, dots, underscores, slashes and a
 * leading `#`, it is exactly two letters then six digits, in any case: `fl123456`, `FL 123 456`,
 * `#fl-123456` all normalise to `FL-123456`. Anything else is not an order number (`null`).
 */

const SEPARATORS = /[\s\-_./\u2010-\u2015\u2212]+/g;
const COMPACT = /^([A-Za-z]{2})([0-9]{6})$/;
/** The canonical form. */
export const ORDER_NUMBER_PATTERN = /^[A-Z]{2}-\d{6}$/;

/** The canonical order number (`FL-123456`), or `null` when the input is not one. Pure. */
export function normaliseOrderNumber(input: string): string | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  const compact = input.trim().replace(/^#/, '').replace(SEPARATORS, '');
  const m = COMPACT.exec(compact);
  // Upper-cased only after the ASCII check: `'ß'.toUpperCase()` is `SS`.
  return m ? `${m[1].toUpperCase()}-${m[2]}` : null;
}

/** True when `normaliseOrderNumber(input)` gives an order number. */
export function isValidOrderNumber(input: string): boolean {
  return normaliseOrderNumber(input) !== null;
}

/**
 * The first order number written in a free-text message (`my order fl-123456 was charged twice`),
 * normalised, or `null`. Lets a first message that already holds the number skip the question.
 */
export function findOrderNumberInText(text: string): string | null {
  if (typeof text !== 'string') return null;
  const re = /(?<![A-Za-z0-9])#?([A-Za-z]{2})[\s\-_.]?(\d{3})[\s]?(\d{3})(?![0-9])/g;
  for (const m of text.matchAll(re)) {
    const n = normaliseOrderNumber(`${m[1]}${m[2]}${m[3]}`);
    if (n) return n;
  }
  return null;
}
