import fc from 'fast-check';
import { encodeKeyPart, keyspace } from '../../src/storage/keys';

/** The part of a key Redis Cluster hashes: the content of the first {…}, if non-empty. */
function hashTag(key: string): string | null {
  const open = key.indexOf('{');
  if (open < 0) return null;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return null;
  return key.slice(open + 1, close);
}

/** Inverse of encodeKeyPart: proves no two strings share an encoding. */
function decode(encoded: string): string {
  if (encoded === '%00') return '';
  return encoded.replace(/%(25|7B|7D|u[0-9A-F]{4})/g, (_, code: string) =>
    code === '25' ? '%' : code === '7B' ? '{' : code === '7D' ? '}' : String.fromCharCode(parseInt(code.slice(1), 16)),
  );
}

// Any UTF-16 string, lone surrogates included, biased towards the characters that matter here.
const anyString = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 30 }).map((codes) => String.fromCharCode(...codes)),
  fc
    .array(fc.constantFrom('{', '}', '%', '7', 'B', 'D', '0', '2', '5', 'u', ':', '/', ' ', '\uD800', '\uDC00', '\uFFFD', 'é'), {
      maxLength: 12,
    })
    .map((chars) => chars.join('')),
);

describe('key naming', () => {
  const keys = keyspace('bot');

  it('names each kind of key with the prefix and one hash tag', () => {
    expect(keys.state('emulator/conversations/abc')).toBe('bot:state:{emulator/conversations/abc}');
    expect(keys.lock('abc')).toBe('bot:lock:{abc}');
    expect(keys.conversation('abc', 'seen:1')).toBe('bot:conv:{abc}:seen:1');
    expect(keys.global('agentQueue')).toBe('bot:global:{agentQueue}');
    expect(keys.global('agentQueue', 'claims')).toBe('bot:global:{agentQueue}:claims');
    expect(keys.tag('abc')).toBe('{abc}');
    expect(keys.pattern()).toBe('bot:*');
    expect(keys.prefix).toBe('bot');
  });

  it('escapes what would break the hash tag or collide', () => {
    expect(encodeKeyPart('a{b}c')).toBe('a%7Bb%7Dc');
    expect(encodeKeyPart('100%')).toBe('100%25');
    expect(encodeKeyPart('')).toBe('%00');
    expect(encodeKeyPart('\uD800')).toBe('%uD800');
    expect(encodeKeyPart('😀 日本 a:b/c d')).toBe('😀 日本 a:b/c d');
    expect(keys.state('{}')).toBe('bot:state:{%7B%7D}');
  });

  it('encodes any string reversibly, without braces, as valid UTF-8, never empty', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const e = encodeKeyPart(s);
        expect(decode(e)).toBe(s);
        expect(e).not.toMatch(/[{}]/);
        expect(e.length).toBeGreaterThan(0);
        expect(Buffer.from(e, 'utf8').toString('utf8')).toBe(e);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives distinct strings distinct keys', () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        fc.pre(a !== b);
        expect(keys.state(a)).not.toBe(keys.state(b));
        expect(Buffer.from(keys.state(a))).not.toEqual(Buffer.from(keys.state(b)));
      }),
      { numRuns: 2000 },
    );
  });

  it('hashes every key of a conversation by its id alone', () => {
    fc.assert(
      fc.property(anyString, anyString, (id, suffix) => {
        const tag = encodeKeyPart(id);
        expect(hashTag(keys.lock(id))).toBe(tag);
        expect(hashTag(keys.conversation(id, suffix))).toBe(tag);
        expect(hashTag(keys.state(id))).toBe(tag);
        expect(hashTag(keys.global(id, suffix))).toBe(tag);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses prefixes that would add a hash tag or a glob', () => {
    for (const bad of ['', 'a{b', 'a}b', 'a*', 'a?', 'a[b]', 'a\\b']) expect(() => keyspace(bad)).toThrow(/prefix/);
    expect(keyspace('refund-bot:prod').state('k')).toBe('refund-bot:prod:state:{k}');
  });
});
