import fc from 'fast-check';
import {
  findCaseReferenceInText,
  generateReference,
  parseCaseReference,
  REFERENCE_ALPHABET,
  REFERENCE_PATTERN,
  topicOfReference,
} from '../../src/cases/reference';
import { matchesOwner } from '../../src/cases/owner';

describe('case references', () => {
  it('the alphabet has no ambiguous characters', () => {
    for (const c of '01OIL') expect(REFERENCE_ALPHABET).not.toContain(c);
    expect(new Set(REFERENCE_ALPHABET).size).toBe(REFERENCE_ALPHABET.length);
    expect(REFERENCE_ALPHABET).toMatch(/^[2-9A-Z]+$/);
  });

  it('a prefix per topic, five characters from the alphabet', () => {
    expect(generateReference('refund')).toMatch(/^RF-[2-9A-HJKMNP-Z]{5}$/);
    expect(generateReference('payment_not_received')).toMatch(/^PN-/);
    expect(generateReference('dispute')).toMatch(/^DS-/);
    expect(topicOfReference('DS-7K2Q9')).toBe('dispute');
    expect(topicOfReference('XX-7K2Q9')).toBeNull();
  });

  it('uses every symbol of the alphabet (uniform draw)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) for (const c of generateReference('refund').slice(3)) seen.add(c);
    expect([...seen].sort().join('')).toBe([...REFERENCE_ALPHABET].sort().join(''));
  });

  it('every generated reference parses back to itself, however the user types it', () => {
    const symbols = fc.array(fc.nat({ max: REFERENCE_ALPHABET.length - 1 }), { minLength: 5, maxLength: 5 });
    fc.assert(
      fc.property(fc.constantFrom('refund', 'payment_not_received', 'dispute' as const), symbols, fc.constantFrom('', ' ', '-', ' - '), fc.boolean(), (topic, picks, sep, lower) => {
        let i = 0;
        const ref = generateReference(topic as 'refund', () => picks[i++]);
        expect(ref).toMatch(REFERENCE_PATTERN);
        expect(parseCaseReference(ref)).toBe(ref);
        const typed = `${ref.slice(0, 2)}${sep}${ref.slice(3)}`;
        expect(parseCaseReference(lower ? typed.toLowerCase() : typed)).toBe(ref);
        expect(parseCaseReference(` #${typed} `)).toBe(ref);
      }),
    );
  });

  it('anything parsed is canonical', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (s) => {
        const r = parseCaseReference(s);
        if (r !== null) expect(r).toMatch(REFERENCE_PATTERN);
      }),
    );
  });

  it.each(['RF-7K2Q', 'RF-7K2Q9X', 'RX-7K2Q9', 'RF-0K2Q9', 'RF-OK2Q9', 'RF-1K2Q9', 'RF-IK2Q9', 'RF-LK2Q9', 'ßF-7K2Q9', ''])('%j is not a reference', (s) => {
    expect(parseCaseReference(s)).toBeNull();
  });

  it('finds a reference in a message', () => {
    expect(findCaseReferenceInText('where is my request rf-7k2q9 please')).toBe('RF-7K2Q9');
    expect(findCaseReferenceInText('dossier PN 7K2Q9 ?')).toBe('PN-7K2Q9');
    expect(findCaseReferenceInText('order FL-100001')).toBeNull();
  });
});

describe('owner matching', () => {
  const u1 = { channelId: 'msteams', userId: 'u1' };
  it.each([
    ['same channel user', u1, u1, true],
    ['same user id on another channel', u1, { channelId: 'directline', userId: 'u1' }, false],
    ['another user', u1, { channelId: 'msteams', userId: 'u2' }, false],
    ['same verified account from another channel', { ...u1, accountId: 'A' }, { channelId: 'directline', userId: 'x', accountId: 'A' }, true],
    ['another verified account on the same channel user', { ...u1, accountId: 'A' }, { ...u1, accountId: 'B' }, false],
    ['case without account, asker now verified, same channel user', u1, { ...u1, accountId: 'A' }, true],
    ['case with account, same channel user asking anonymously', { ...u1, accountId: 'A' }, u1, true],
    ['case with account, another anonymous user', { ...u1, accountId: 'A' }, { channelId: 'msteams', userId: 'u2' }, false],
  ])('%s → %s', (_what, owner, asker, expected) => {
    expect(matchesOwner(owner, asker)).toBe(expected);
  });
});
