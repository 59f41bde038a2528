/**
 * Case references: a topic prefix and five characters the user can read out, e.g. `RF-7K2Q9`.
 *
 * - Prefix per topic: `RF` refund, `PN` payment not received, `DS` dispute.
 * - Alphabet: digits 2-9 and capital letters without I, L, O (no 0/O, 1/I/L confusion): 31 symbols,
 *   31^5 ≈ 28.6 million references per prefix. Drawn with `crypto.randomInt` (uniform, unpredictable).
 * - Uniqueness is the repository's job (SET NX, new draw on collision).
 * - What a user types is normalised: case, spaces and dashes do not matter (`rf 7k2q9` → `RF-7K2Q9`).
 */
import { randomInt } from 'node:crypto';
import type { Topic } from '../eligibility/schema';
import { REFERENCE_PREFIXES, type CaseReference } from './types';

export const REFERENCE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const REFERENCE_LENGTH = 5;
export const REFERENCE_PATTERN = new RegExp(`^(RF|PN|DS)-[${REFERENCE_ALPHABET}]{${REFERENCE_LENGTH}}$`);

const TOPIC_OF_PREFIX: Record<string, Topic> = Object.fromEntries(
  Object.entries(REFERENCE_PREFIXES).map(([topic, prefix]) => [prefix, topic as Topic]),
);

/** A fresh random reference for `topic`. `random(n)` returns an integer in [0, n) (injectable for tests). */
export function generateReference(topic: Topic, random: (n: number) => number = randomInt): CaseReference {
  let body = '';
  for (let i = 0; i < REFERENCE_LENGTH; i++) body += REFERENCE_ALPHABET[random(REFERENCE_ALPHABET.length)];
  return `${REFERENCE_PREFIXES[topic]}-${body}`;
}

/** The canonical reference (`RF-7K2Q9`) in what the user typed, or `null` when it is not one. Pure. */
export function parseCaseReference(input: string): CaseReference | null {
  if (typeof input !== 'string' || input.length > 40) return null;
  const compact = input.trim().replace(/^#/, '').replace(/[\s\-_.\u2010-\u2015\u2212]+/g, '');
  // ASCII check before upper-casing (`'ß'.toUpperCase()` is `SS`).
  if (!/^[A-Za-z0-9]{7}$/.test(compact)) return null;
  const upper = compact.toUpperCase();
  const ref = `${upper.slice(0, 2)}-${upper.slice(2)}`;
  return REFERENCE_PATTERN.test(ref) ? ref : null;
}

/** The first case reference written in a free-text message, normalised, or `null`. */
export function findCaseReferenceInText(text: string): CaseReference | null {
  if (typeof text !== 'string') return null;
  for (const m of text.matchAll(/(?<![A-Za-z0-9])(RF|PN|DS)[\s\-_.]?([A-Za-z0-9]{5})(?![A-Za-z0-9])/gi)) {
    const ref = parseCaseReference(`${m[1]}${m[2]}`);
    if (ref) return ref;
  }
  return null;
}

/** The topic a (canonical) reference belongs to. */
export function topicOfReference(reference: CaseReference): Topic | null {
  return REFERENCE_PATTERN.test(reference) ? TOPIC_OF_PREFIX[reference.slice(0, 2)] ?? null : null;
}
