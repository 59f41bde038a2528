import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { checkProofFile, MAX_PROOF_BYTES, ProofRejectedError, sniffContentType } from '../../src/cases/proof';
import { RedisProofStore } from '../../src/cases/proofStore';
import { keyspace } from '../../src/storage/keys';

// A real 1×1 PNG, a real (tiny) JPEG, a real one-page PDF.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
  'latin1',
);
// The start of a Windows executable (DOS header "MZ" + PE offset), renamed to look like a screenshot.
const EXE = Buffer.concat([Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00]), Buffer.alloc(200, 0)]);

describe('checkProofFile', () => {
  it.each([
    ['PNG', PNG, 'screenshot.png', 'image/png', 'image/png'],
    ['JPEG', JPEG, 'photo.jpg', 'image/jpeg', 'image/jpeg'],
    ['PDF', PDF, 'receipt.pdf', 'application/pdf', 'application/pdf'],
    ['JPEG declared as PNG (the bytes win)', JPEG, 'IMG_0001.png', 'image/png', 'image/jpeg'],
    ['PNG with no declared type', PNG, 'capture', undefined, 'image/png'],
  ])('%s is accepted', (_what, bytes, name, contentType, detected) => {
    expect(checkProofFile({ name, contentType, bytes })).toEqual({ ok: true, contentType: detected, size: bytes.length });
  });

  it('a renamed .exe is refused whatever its name and declared type', () => {
    expect(checkProofFile({ name: 'receipt.png', contentType: 'image/png', bytes: EXE })).toEqual({ ok: false, reason: 'unsupported_type' });
    expect(checkProofFile({ name: 'receipt.pdf', contentType: 'application/pdf', bytes: EXE })).toEqual({ ok: false, reason: 'unsupported_type' });
  });

  it('other types, truncated magic, empty and too large files are refused', () => {
    expect(checkProofFile({ name: 'a.gif', bytes: Buffer.from('GIF89a\x01\x00', 'latin1') })).toEqual({ ok: false, reason: 'unsupported_type' });
    expect(checkProofFile({ name: 'a.png', bytes: PNG.subarray(0, 4) })).toEqual({ ok: false, reason: 'unsupported_type' });
    expect(checkProofFile({ name: 'a.txt', bytes: Buffer.from('%PDF') })).toEqual({ ok: false, reason: 'unsupported_type' });
    expect(checkProofFile({ name: 'a.png', contentType: 'image/png', bytes: new Uint8Array(0) })).toEqual({ ok: false, reason: 'empty' });
    const big = Buffer.concat([PNG, Buffer.alloc(MAX_PROOF_BYTES - PNG.length + 1)]);
    expect(checkProofFile({ name: 'big.png', bytes: big })).toEqual({ ok: false, reason: 'too_large' });
    expect(checkProofFile({ name: 'max.png', bytes: big.subarray(0, MAX_PROOF_BYTES) })).toMatchObject({ ok: true });
    expect(checkProofFile({ name: 'a.png', bytes: PNG }, 10)).toEqual({ ok: false, reason: 'too_large' });
  });

  it('sniffs only the start of the file', () => {
    expect(sniffContentType(Buffer.concat([EXE, PNG]))).toBeNull();
  });
});

describe('RedisProofStore', () => {
  const keys = keyspace(`test-proof-${process.pid}-${Date.now()}`);
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(process.env.TEST_REDIS_URL as string);
  });
  afterAll(async () => {
    const found = await redis.keys(keys.pattern());
    if (found.length) await redis.del(...found);
    await redis.quit();
    // Reading the 10 MiB reply grew ioredis' parser buffer pool; redis-parser shrinks it back on a
    // 50 ms interval that keeps the process alive for a few seconds (bounded, not a leak). Let it end
    // here rather than have jest report a worker that does not exit.
    await new Promise((r) => setTimeout(r, 3500));
  }, 10_000);

  it('stores the bytes with a TTL and returns metadata: detected type, size, sha256, never the bytes', async () => {
    const store = new RedisProofStore(redis, keys, { ttlSeconds: 3600 });
    const meta = await store.put({ name: 'C:\\Users\\me\\IMG_0001.png', contentType: 'image/png', bytes: JPEG });
    expect(meta).toMatchObject({ name: 'IMG_0001.png', contentType: 'image/jpeg', size: JPEG.length, sha256: createHash('sha256').update(JPEG).digest('hex') });
    expect(meta).not.toHaveProperty('bytes');
    const ttl = await redis.ttl(store.key(meta.storeId));
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
    const back = await store.get(meta.storeId);
    expect(back?.meta).toEqual(meta);
    expect(Buffer.compare(back!.bytes, JPEG)).toBe(0);
    await store.delete(meta.storeId);
    expect(await store.get(meta.storeId)).toBeNull();
  });

  it('keeps a 10 MiB PDF intact', async () => {
    const store = new RedisProofStore(redis, keys);
    const big = Buffer.concat([PDF, Buffer.alloc(MAX_PROOF_BYTES - PDF.length, 7)]);
    const meta = await store.put({ name: 'statement.pdf', bytes: big });
    expect(meta.size).toBe(MAX_PROOF_BYTES);
    const back = await store.get(meta.storeId);
    expect(createHash('sha256').update(back!.bytes).digest('hex')).toBe(meta.sha256);
  });

  it('refuses what checkProofFile refuses, with the reason code, and stores nothing', async () => {
    const store = new RedisProofStore(redis, keys);
    const before = (await redis.keys(keys.pattern())).length;
    await expect(store.put({ name: 'receipt.png', contentType: 'image/png', bytes: EXE })).rejects.toEqual(new ProofRejectedError('unsupported_type'));
    await expect(store.put({ name: 'x.png', bytes: new Uint8Array(0) })).rejects.toMatchObject({ reason: 'empty' });
    expect((await redis.keys(keys.pattern())).length).toBe(before);
  });

  it('unknown or malformed ids → null', async () => {
    const store = new RedisProofStore(redis, keys);
    expect(await store.get('AAAAAAAAAAAAAAAAAAAAAA')).toBeNull();
    expect(await store.get('../../etc')).toBeNull();
  });
});
