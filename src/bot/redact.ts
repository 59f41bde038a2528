/*
 * Card numbers (and IBANs) never get past the first middleware: they are replaced before the text
 * is stored, logged, shown to an agent or matched by a dialog. Only the last four digits are kept,
 * which is what a receipt shows and what an agent may need to tell two cards apart.
 */

// 13 to 19 digits, optionally grouped by single spaces, dots or dashes.
const CARD_CANDIDATE = /(?<![\d])(?:\d[ .-]?){12,18}\d(?![\d])/g;
// IBAN: two letters, two check digits, 11 to 30 alphanumerics, optionally grouped by spaces.
const IBAN_CANDIDATE = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/gi;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function ibanValid(raw: string): boolean {
  const s = raw.replace(/ /g, '').toUpperCase();
  if (s.length < 15 || s.length > 34) return false;
  const rearranged = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const code = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const c of code) rem = (rem * 10 + (c.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

export interface Redaction {
  text: string;
  /** How many secrets were removed. */
  count: number;
}

export function redactSecrets(text: string): Redaction {
  let count = 0;
  let out = text.replace(CARD_CANDIDATE, (m) => {
    const digits = m.replace(/\D/g, '');
    // A mistyped card still looks like one: four groups of four digits are removed even off-Luhn.
    const groupedLikeCard = /^\d{4}([ .-])\d{4}\1\d{4}\1\d{4}$/.test(m);
    if (digits.length < 13 || digits.length > 19 || !(luhnValid(digits) || groupedLikeCard)) return m;
    count++;
    return `•••• ${digits.slice(-4)}`;
  });
  out = out.replace(IBAN_CANDIDATE, (m) => {
    if (!ibanValid(m)) return m;
    count++;
    return `•••• ${m.replace(/ /g, '').slice(-4)}`;
  });
  return { text: out, count };
}

/** Redacts every string inside a JSON-like value (card submits, channel data). */
export function redactDeep<T>(value: T): { value: T; count: number } {
  let count = 0;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') {
      const r = redactSecrets(v);
      count += r.count;
      return r.text;
    }
    if (depth > 8 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = walk(x, depth + 1);
    return out;
  };
  const value2 = walk(value, 0) as T;
  return { value: value2, count };
}
