import Redis from 'ioredis';
import { RedisCaseRepository, CaseStoreError } from '../../src/cases/repository';
import { InvalidStatusTransitionError, type CaseOwner, type NewCase, type ProofMeta } from '../../src/cases/types';
import { REFERENCE_PATTERN } from '../../src/cases/reference';
import { refundCase } from '../support/disputeCases';
import { keyspace } from '../../src/storage/keys';

const keys = keyspace(`test-cases-${process.pid}-${Date.now()}`);
let redis: Redis;
let repo: RedisCaseRepository;

beforeAll(() => {
  redis = new Redis(process.env.TEST_REDIS_URL as string);
  repo = new RedisCaseRepository(redis, keys);
});
afterAll(async () => {
  const found = await redis.keys(keys.pattern());
  if (found.length) await redis.del(...found);
  await redis.quit();
});

const NOW = '2031-03-15T10:00:00.000Z';
const alice: CaseOwner = { channelId: 'msteams', userId: 'alice' };
const bob: CaseOwner = { channelId: 'msteams', userId: 'bob' };

/** A real case: the demo order FL-100001 (ad not broadcast) and the engine's decision on it. */
const newCase = (owner: CaseOwner, extra: Partial<NewCase> = {}): Promise<NewCase> => refundCase(owner, { now: new Date(NOW), ...extra });

const PROOF: ProofMeta = {
  storeId: 'AAAAAAAAAAAAAAAAAAAAAA',
  name: 'receipt.png',
  contentType: 'image/png',
  size: 1234,
  sha256: 'a'.repeat(64),
  uploadedAt: NOW,
};

describe('RedisCaseRepository', () => {
  it('create then get: the whole record, with a readable reference, kept without expiry', async () => {
    const input = await newCase(alice, { proofs: [PROOF] });
    const created = await repo.create(input);
    expect(created.reference).toMatch(/^RF-[2-9A-HJKMNP-Z]{5}$/);
    expect(created.status).toBe('submitted');
    expect(created.history).toEqual([{ status: 'submitted', at: expect.any(String), by: 'bot' }]);
    expect(created.decision.outcome).toBe('provisional_approval');
    expect(created.decision.clauses).toEqual(expect.arrayContaining(['R1.1', 'R2.1']));
    expect(created.language).toBe('fr');
    expect(created.channelId).toBe('msteams');
    expect(created.proofs).toEqual([PROOF]);

    expect(await repo.get(created.reference)).toEqual(created);
    expect(await repo.get(created.reference.toLowerCase().replace('-', ' '))).toEqual(created);
    expect(await redis.ttl(repo.caseKey(created.reference))).toBe(-1);
    expect(await repo.get('RF-22222')).toBeNull();
    expect(await repo.get('nonsense')).toBeNull();
  });

  it('prefixes follow the topic', async () => {
    const pn = await repo.create({ ...(await newCase(alice)), topic: 'payment_not_received', facts: { ...(await newCase(alice)).facts, topic: 'payment_not_received' } });
    expect(pn.reference).toMatch(/^PN-/);
  });

  it('never stores a card number, even if one slipped through', async () => {
    const input = await newCase(alice);
    input.facts = { ...input.facts, proof: { paymentReference: 'card 4111 1111 1111 1111' } };
    const created = await repo.create({ ...input, note: 'user said 4111111111111111' });
    const raw = (await redis.get(repo.caseKey(created.reference))) as string;
    expect(raw).not.toMatch(/4111 ?1111 ?1111 ?1111/);
    const updated = await repo.updateStatus(created.reference, 'awaiting_review', 'bot', 'card 5500 0000 0000 0004 mentioned');
    expect(JSON.stringify(updated)).not.toMatch(/5500 ?0000 ?0000 ?0004/);
  });

  it('leaves ids and hashes alone even when a digit run in them looks like a card number', async () => {
    const hash = `4111111111111111${'0'.repeat(48)}`;
    const digits = { ...PROOF, storeId: '4111111111111111000000', sha256: hash, name: 'scan 4111 1111 1111 1111.png' };
    const created = await repo.create({ ...(await newCase(alice)), proofs: [digits] });
    expect(created.proofs[0]).toMatchObject({ storeId: digits.storeId, sha256: hash });
    expect(created.proofs[0].name).not.toMatch(/4111 1111 1111 1111/);
    expect((await repo.get(created.reference))?.proofs[0].sha256).toBe(hash);
  });

  it('200 creates in parallel give 200 distinct references, all stored', async () => {
    const input = await newCase({ channelId: 'directline', userId: 'bulk' });
    const created = await Promise.all(Array.from({ length: 200 }, () => repo.create(input)));
    const refs = new Set(created.map((c) => c.reference));
    expect(refs.size).toBe(200);
    for (const r of refs) expect(r).toMatch(REFERENCE_PATTERN);
    const stored = await redis.mget(...[...refs].map((r) => repo.caseKey(r)));
    expect(stored.every((s) => s !== null)).toBe(true);
  });

  it('a taken reference is never overwritten: a new one is drawn', async () => {
    const input = await newCase(alice);
    const seq = ['RF-AAAAA', 'RF-AAAAA', 'RF-BBBBB'];
    const forced = new RedisCaseRepository(redis, keys, { generate: () => seq.shift() ?? 'RF-CCCCC' });
    const first = await forced.create(input);
    const second = await forced.create({ ...input, language: 'en' });
    expect([first.reference, second.reference]).toEqual(['RF-AAAAA', 'RF-BBBBB']);
    expect((await repo.get('RF-AAAAA'))?.language).toBe('fr');
    const stuck = new RedisCaseRepository(redis, keys, { generate: () => 'RF-AAAAA', maxReferenceAttempts: 3 });
    await expect(stuck.create(input)).rejects.toBeInstanceOf(CaseStoreError);
  });

  it('status history: each change appended with who, when and the note', async () => {
    let t = Date.parse(NOW);
    const clocked = new RedisCaseRepository(redis, keys, { now: () => new Date((t += 1000)) });
    const c = await clocked.create({ ...(await newCase(alice)), status: 'awaiting_review' });
    await clocked.updateStatus(c.reference, 'in_review', 'agent:42');
    const done = await clocked.updateStatus(c.reference, 'approved', 'agent:42', 'refund to card');
    expect(done?.status).toBe('approved');
    expect(done?.history).toEqual([
      { status: 'awaiting_review', at: '2031-03-15T10:00:01.000Z', by: 'bot' },
      { status: 'in_review', at: '2031-03-15T10:00:02.000Z', by: 'agent:42' },
      { status: 'approved', at: '2031-03-15T10:00:03.000Z', by: 'agent:42', note: 'refund to card' },
    ]);
    expect(done?.updatedAt).toBe('2031-03-15T10:00:03.000Z');
    expect(done?.createdAt).toBe('2031-03-15T10:00:01.000Z');
    expect(await repo.get(c.reference)).toEqual(done);

    await clocked.updateStatus(c.reference, 'closed', 'system');
    await expect(clocked.updateStatus(c.reference, 'approved', 'agent:42')).rejects.toBeInstanceOf(InvalidStatusTransitionError);
    expect(await repo.updateStatus('RF-22222', 'closed', 'x')).toBeNull();
  });

  it('concurrent updates never lose a history entry', async () => {
    const c = await repo.create(await newCase(alice));
    const proofs = Array.from({ length: 20 }, (_, i) => ({ ...PROOF, storeId: `proof${String(i).padStart(17, '0')}` }));
    await Promise.all([
      ...proofs.map((p) => repo.addProof(c.reference, p, 'user:alice')),
      // two other instances' agents at the same time
      new RedisCaseRepository(redis, keys).updateStatus(c.reference, 'awaiting_review', 'bot'),
      new RedisCaseRepository(redis, keys).updateStatus(c.reference, 'in_review', 'agent:7'),
    ]);
    const after = (await repo.get(c.reference))!;
    expect(after.proofs.map((p) => p.storeId).sort()).toEqual(proofs.map((p) => p.storeId).sort());
    expect(after.history).toHaveLength(1 + 20 + 2);
    expect(after.history.filter((h) => h.by === 'agent:7' || h.status === 'awaiting_review').length).toBeGreaterThanOrEqual(2);
    // adding the same proof again changes nothing
    expect((await repo.addProof(c.reference, proofs[0], 'user:alice'))?.history).toHaveLength(23);
  });

  it('listByOwner returns only the owner\'s cases, newest first, bounded', async () => {
    let t = Date.parse(NOW);
    const clocked = new RedisCaseRepository(redis, keys, { now: () => new Date((t += 1000)) });
    const carol: CaseOwner = { channelId: 'directline', userId: 'carol' };
    const dave: CaseOwner = { channelId: 'directline', userId: 'dave' };
    const carols = [];
    for (let i = 0; i < 5; i++) {
      carols.push(await clocked.create(await newCase(carol)));
      await clocked.create(await newCase(dave));
    }
    const list = await repo.listByOwner(carol);
    expect(list.map((c) => c.reference)).toEqual(carols.map((c) => c.reference).reverse());
    expect(list.every((c) => c.owner.userId === 'carol')).toBe(true);
    expect((await repo.listByOwner(carol, { limit: 2 })).map((c) => c.reference)).toEqual([carols[4].reference, carols[3].reference]);
    expect(await repo.listByOwner({ channelId: 'msteams', userId: 'carol' })).toEqual([]);
    expect(await repo.listByOwner({ channelId: 'directline', userId: 'nobody' })).toEqual([]);
  });

  it('a verified account sees its cases from any channel; another account never does', async () => {
    const teams: CaseOwner = { channelId: 'msteams', userId: 'erin-teams', accountId: 'ACC-ERIN' };
    const web: CaseOwner = { channelId: 'directline', userId: 'erin-web', accountId: 'ACC-ERIN' };
    const c = await repo.create(await newCase(teams));
    expect((await repo.listByOwner(web)).map((x) => x.reference)).toEqual([c.reference]);
    expect(await repo.getForOwner(c.reference, web)).not.toBeNull();
    const sameUserOtherAccount: CaseOwner = { ...teams, accountId: 'ACC-MALLORY' };
    expect(await repo.getForOwner(c.reference, sameUserOtherAccount)).toBeNull();
    expect(await repo.listByOwner(sameUserOtherAccount)).toEqual([]);
  });

  it('getForOwner refuses another owner\'s case, answering as if it did not exist', async () => {
    const c = await repo.create(await newCase(alice));
    expect((await repo.getForOwner(c.reference, alice))?.reference).toBe(c.reference);
    expect(await repo.getForOwner(c.reference, bob)).toBeNull();
    expect(await repo.getForOwner(c.reference, { channelId: 'directline', userId: 'alice' })).toBeNull();
    expect(await repo.getForOwner('RF-22222', alice)).toBeNull();
  });

  it('every record and every index has its own hash tag: no unbounded key family in one Cluster slot', async () => {
    const c = await repo.create(await newCase(alice));
    const d = await repo.create(await newCase(alice));
    const tag = (k: string) => /\{[^}]*\}/.exec(k)?.[0];
    const tags = [repo.caseKey(c.reference), repo.caseKey(d.reference), repo.indexKey('user:["msteams","alice"]'), repo.orderIndexKey('FL-100001'), repo.requestKeyName('x')].map(tag);
    expect(new Set(tags).size).toBe(tags.length);
    expect(repo.caseKey(c.reference).startsWith(`${keys.prefix}:`)).toBe(true);
  });

  it('a retried create after a partial first attempt completes the same case, never a second', async () => {
    const input = { ...(await newCase(alice)), requestKey: `retry-${Math.random()}` };
    const first = await repo.create(input);
    // As if the first attempt stopped after writing the record: its indexes are gone.
    await redis.zrem(repo.indexKey('user:["msteams","alice"]'), first.reference);
    const again = await repo.create(input);
    expect(again.reference).toBe(first.reference);
    expect((await repo.listByOwner(alice, { limit: 100 })).filter((r) => r.reference === first.reference)).toHaveLength(1);
  });

  it('a record that is not valid in Redis is an error, not a silent null', async () => {
    await redis.set(repo.caseKey('RF-99999'), '{"reference":"RF-99999"}');
    await expect(repo.get('RF-99999')).rejects.toBeInstanceOf(CaseStoreError);
  });
});
