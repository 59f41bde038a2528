/*
 * Card numbers (and IBANs) never get past the first middleware: they are replaced before the text
 * is stored, logged, shown to an agent or matched by a dialog. Only the last four digits are kept,
 * which is what a receipt shows and what an agent may need to tell two cards apart.
 *
 * People (and phones, and copy-paste from a PDF) write numbers in many ways, so the scan works on
 * characters, not on one regular expression:
 * - digits: ASCII or full-width (０-９), and any other Unicode decimal digit;
 * - between digits: any Unicode space (U+00A0, U+2009, U+202F, …), several of them, `-` `.` `_` `/`
 *   and dashes, and zero-width characters (U+200B-U+200D, U+2060, U+FEFF, soft hyphen);
 * - a card is 13 to 19 digits that pass the Luhn check (or four groups of four, a mistyped card),
 *   starting and ending on a group boundary, so a card followed by its expiry date is still found;
 * - an IBAN is two letters, two check digits and the country's length of letters and digits
 *   (mod-97 checked), even when a word follows with no space.
 */

const ZERO_WIDTH = /[\u00AD\u180E\u200B-\u200D\u2060\uFEFF]/;
const SEPARATOR = /[\s\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000._/\-\u2010-\u2015\u2212\uFE58\uFE63\uFF0D\uFF0E\uFF0F\uFF3F·]/;
/** Most separator characters allowed between two digits of one number. */
const MAX_GAP = 3;

/** Zeros of the Unicode decimal digit runs that NFKC does not fold to ASCII (Arabic-Indic, Devanagari, …). */
const DIGIT_ZEROS = [
  0x0660, 0x06f0, 0x07c0, 0x0966, 0x09e6, 0x0a66, 0x0ae6, 0x0b66, 0x0be6, 0x0c66, 0x0ce6, 0x0d66, 0x0de6, 0x0e50, 0x0ed0,
  0x0f20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0,
  0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0,
];

/** The ASCII digit a character stands for, if it is a decimal digit of any script (full-width included). */
function digitOf(ch: string): string | undefined {
  const c = ch.codePointAt(0)!;
  if (c >= 0x30 && c <= 0x39) return ch;
  if (c < 0x80) return undefined;
  const n = ch.normalize('NFKC');
  if (n.length === 1 && n >= '0' && n <= '9') return n;
  for (const zero of DIGIT_ZEROS) if (c >= zero && c < zero + 10) return String(c - zero);
  return undefined;
}

/** The ASCII letter a character stands for (full-width letters included), upper case. */
function letterOf(ch: string): string | undefined {
  const c = ch.codePointAt(0)!;
  if (c < 0x80) return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ? ch.toUpperCase() : undefined;
  const n = ch.normalize('NFKC');
  return /^[A-Za-z]$/.test(n) ? n.toUpperCase() : undefined;
}

const isSeparator = (ch: string) => SEPARATOR.test(ch) || ZERO_WIDTH.test(ch);

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

/** IBAN lengths by country (ISO 13616 registry). */
const IBAN_LENGTH: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24,
  DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
  HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29,
  RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22,
  VG: 24, XK: 20,
};

function ibanValid(s: string): boolean {
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

/**
 * The text as code points with their positions. Without surrogate pairs (almost every text) a code
 * point is a UTF-16 unit and nothing is copied; otherwise the code points are listed once.
 */
interface CodePoints {
  length: number;
  ch(i: number): string;
  start(i: number): number;
  end(i: number): number;
}

const SURROGATE = /[\uD800-\uDFFF]/;

function codePoints(text: string): CodePoints {
  if (!SURROGATE.test(text)) return { length: text.length, ch: (i) => text[i], start: (i) => i, end: (i) => i + 1 };
  const chs: string[] = [];
  const starts: number[] = [];
  let pos = 0;
  for (const ch of text) {
    chs.push(ch);
    starts.push(pos);
    pos += ch.length;
  }
  return { length: chs.length, ch: (i) => chs[i], start: (i) => starts[i], end: (i) => starts[i] + chs[i].length };
}

interface Span {
  start: number;
  end: number;
  last4: string;
}

function findIbans(text: string): Span[] {
  const cps = codePoints(text);
  const spans: Span[] = [];
  // The candidate's characters: normalised value and code point index (reused for every start).
  const values: string[] = [];
  const at: number[] = [];
  for (let i = 0; i < cps.length; i++) {
    const l1 = letterOf(cps.ch(i));
    if (!l1) continue;
    // Not in the middle of a word or a number: "IBAN FR76…" yes, "xFR76…" no.
    if (i > 0 && (letterOf(cps.ch(i - 1)) || digitOf(cps.ch(i - 1)))) continue;
    // Collect letters and digits, allowing short runs of separators between them (invisible ones anywhere).
    values.length = 0;
    at.length = 0;
    values.push(l1);
    at.push(i);
    let gap = 0;
    for (let j = i + 1; j < cps.length && values.length < 34; j++) {
      const ch = cps.ch(j);
      if (ZERO_WIDTH.test(ch)) continue;
      const d = digitOf(ch);
      const v = d ?? letterOf(ch);
      if (v) {
        if (values.length < 2 && d !== undefined) break; // country code: two letters
        if ((values.length === 2 || values.length === 3) && d === undefined) break; // check digits
        values.push(v);
        at.push(j);
        gap = 0;
      } else if (isSeparator(ch) && values.length >= 2) {
        if (++gap > MAX_GAP) break;
      } else break;
    }
    if (values.length < 15) continue;
    // Only countries that issue IBANs, at their exact length, with a mostly numeric account part:
    // "to 10 business days after approval" must never pass for one.
    const len = IBAN_LENGTH[l1 + values[1]];
    if (!len || len > values.length) continue;
    const candidate = values.slice(0, len).join('');
    if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(candidate) || (candidate.slice(4).match(/\d/g) ?? []).length < 8 || !ibanValid(candidate)) continue;
    spans.push({ start: cps.start(at[0]), end: cps.end(at[len - 1]), last4: candidate.slice(-4) });
    i = at[len - 1];
  }
  return spans;
}

function findCards(text: string): Span[] {
  const cps = codePoints(text);
  const spans: Span[] = [];
  // The run's code point indexes and group starts (reused for every run).
  const at: number[] = [];
  const starts: number[] = [];
  let i = 0;
  while (i < cps.length) {
    if (digitOf(cps.ch(i)) === undefined) {
      i++;
      continue;
    }
    // A run: digits with short separator gaps between them. Group starts are where a gap ended.
    let all = '';
    at.length = 0;
    starts.length = 0;
    starts.push(0);
    let j = i;
    let gap = 0;
    for (; j < cps.length; j++) {
      const ch = cps.ch(j);
      const d = digitOf(ch);
      if (d !== undefined) {
        if (gap > 0 && at.length > 0) starts.push(at.length);
        all += d;
        at.push(j);
        gap = 0;
      } else if (isSeparator(ch)) {
        if (ZERO_WIDTH.test(ch)) continue; // invisible: not even a group boundary
        if (++gap > MAX_GAP) break;
      } else break;
    }
    i = j;
    const n = at.length;
    if (n < 13) continue;
    const groupStart = new Set<number>(starts);
    const groupEnd = new Set<number>(starts.filter((s) => s > 0).concat([n]));
    let k = 0;
    while (k <= n - 13) {
      let found = 0;
      if (groupStart.has(k)) {
        for (let len = Math.min(19, n - k); len >= 13; len--) {
          if (!groupEnd.has(k + len)) continue;
          const s = all.slice(k, k + len);
          const fourByFour = len === 16 && [4, 8, 12].every((o) => groupStart.has(k + o)) && groupStart.size > 1;
          if (luhnValid(s) || fourByFour) {
            found = len;
            break;
          }
        }
      }
      if (found) {
        spans.push({ start: cps.start(at[k]), end: cps.end(at[k + found - 1]), last4: all.slice(k + found - 4, k + found) });
        k += found;
      } else k++;
    }
  }
  return spans;
}

function replaceSpans(text: string, spans: Span[]): string {
  let out = '';
  let pos = 0;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.start < pos) continue;
    out += text.slice(pos, s.start) + `•••• ${s.last4}`;
    pos = s.end;
  }
  return out + text.slice(pos);
}

/**
 * Fewer than this many decimal digits (of any script) cannot hold a secret: a card has 13 or more, an
 * IBAN 2 check digits and at least 8 more (see findIbans).
 */
const MIN_DIGITS = 10;

/** True when the text has at least MIN_DIGITS decimal digits: most texts are ruled out in one pass. */
function mayHoldSecret(text: string): boolean {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) n++;
    else if (c >= 0x80 && digitOf(String.fromCodePoint(text.codePointAt(i)!)) !== undefined) n++;
    if (n >= MIN_DIGITS) return true;
  }
  return false;
}

/*
 * A quick test that rules out most texts before the character by character walk. It reads the text
 * as the walk does, character by character: a digit or a letter (digitOf, letterOf), a separator,
 * an invisible character (skipped), or anything else. What findCards and findIbans look for then
 * shows as 13 digits with at most 3 separators between two of them, or an IBAN country code, 2
 * digits and 11 more letters or digits, the same way apart. A text without either holds nothing the
 * walk would find (test/security/redaction.test.ts checks the two give the same answers on random
 * texts). Plain loops, no regular expression: this runs on every text the bot receives and sends.
 */
const SKIP = -1;
const SPACE = 0x20;
const OTHER = 0x23;

/** One character as the walk reads it (char code): a digit, an upper-case letter, SPACE (separator), SKIP (invisible) or OTHER. */
function readCode(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 0x80) {
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a)) return c;
    if (c >= 0x61 && c <= 0x7a) return c - 0x20;
    // ASCII separators: white space, . _ / -
    return (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0x2e || c === 0x5f || c === 0x2f || c === 0x2d ? SPACE : OTHER;
  }
  const ch = String.fromCodePoint(text.codePointAt(i)!);
  if (ZERO_WIDTH.test(ch)) return SKIP;
  if (SEPARATOR.test(ch)) return SPACE;
  const r = digitOf(ch) ?? letterOf(ch);
  return r === undefined ? OTHER : r.charCodeAt(0);
}

const isDigitCode = (c: number) => c >= 0x30 && c <= 0x39;
/** IBAN_LENGTH's country codes, by (first letter - A) * 26 + (second letter - A). */
const IBAN_COUNTRY = new Uint8Array(26 * 26);
for (const cc of Object.keys(IBAN_LENGTH)) IBAN_COUNTRY[(cc.charCodeAt(0) - 0x41) * 26 + (cc.charCodeAt(1) - 0x41)] = 1;
const isAlnumCode = (c: number) => isDigitCode(c) || (c >= 0x41 && c <= 0x5a);

function mayMatch(text: string): boolean {
  // The text as read, without the invisible characters (a surrogate pair is one character).
  const read: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const r = readCode(text, i);
    if (r !== SKIP) read.push(r);
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) i++;
  }
  // 13 digits, at most 3 separators between two of them.
  let run = 0;
  let gap = 0;
  for (const r of read) {
    if (isDigitCode(r)) {
      gap = 0;
      if (++run >= 13) return true;
    } else if (r === SPACE) {
      if (run > 0 && ++gap > MAX_GAP) run = gap = 0;
    } else run = gap = 0;
  }
  // A country code, then 2 digits and 11 letters or digits, at most 3 separators apart.
  for (let i = 0; i + 1 < read.length; i++) {
    const a = read[i];
    const b = read[i + 1];
    if (a < 0x41 || a > 0x5a || b < 0x41 || b > 0x5a || !IBAN_COUNTRY[(a - 0x41) * 26 + (b - 0x41)]) continue;
    let items = 0;
    gap = 0;
    for (let j = i + 2; j < read.length; j++) {
      const r = read[j];
      if (isAlnumCode(r)) {
        if (items < 2 && !isDigitCode(r)) break;
        gap = 0;
        if (++items >= 13) return true;
      } else if (r === SPACE) {
        if (++gap > MAX_GAP) break;
      } else break;
    }
  }
  return false;
}

export function redactSecrets(text: string): Redaction {
  if (text.length < 13 || !mayHoldSecret(text) || !mayMatch(text)) return { text, count: 0 };
  return redactByWalk(text);
}

/** The character by character walk alone (redactSecrets without its quick tests); exported for the property test. */
export function redactByWalk(text: string): Redaction {
  // IBANs first: their digits could otherwise be taken for a card, leaving the country code and the rest.
  const ibans = findIbans(text);
  const afterIbans = replaceSpans(text, ibans);
  const cards = findCards(afterIbans);
  return { text: replaceSpans(afterIbans, cards), count: ibans.length + cards.length };
}

/** Redacts every string inside a JSON-like value (card submits, channel data), keys included. */
export function redactDeep<T>(value: T, maxDepth = 512): { value: T; count: number } {
  let count = 0;
  const str = (s: string) => {
    const r = redactSecrets(s);
    count += r.count;
    return r.text;
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return str(v);
    if (v === null || typeof v !== 'object') return v;
    // Deeper than any body the edge lets in: dropped rather than kept unscanned.
    if (depth > maxDepth) return null;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v instanceof Date) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[str(k)] = walk(x, depth + 1);
    return out;
  };
  const value2 = walk(value, 0) as T;
  return { value: value2, count };
}

const TEXT_FIELDS = ['text', 'speak', 'summary'] as const;
const DEEP_FIELDS = ['value', 'attachments', 'channelData', 'entities'] as const;

/**
 * Redacts, in place, every field of an activity where a person's words can be: the text, what a
 * card submitted, attachment names and contents, channel data and entities. Returns how many
 * secrets were removed.
 */
export function redactActivityInPlace(a: Record<string, unknown>): number {
  let count = 0;
  for (const f of TEXT_FIELDS) {
    if (typeof a[f] === 'string') {
      const r = redactSecrets(a[f] as string);
      a[f] = r.text;
      count += r.count;
    }
  }
  for (const f of DEEP_FIELDS) {
    if (a[f] !== undefined && a[f] !== null) {
      const r = redactDeep(a[f]);
      a[f] = r.value;
      count += r.count;
    }
  }
  return count;
}
