import Redis, { Cluster } from 'ioredis';
import type { Loops } from './driver';

export interface Outcome {
  missing: string[];
  wrongFacts: string[];
  doubled: string[];
  reusedIds: string[];
  backwardWatermarks: string[];
  confused: string[];
  summary: Record<string, unknown>;
}

async function scanAll(node: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

/** What is in Redis after the run, against what the customers were told and saw. */
export async function checkOutcome(redis: Redis | Cluster, prefix: string, loops: Loops, facts: unknown): Promise<Outcome> {
  const pattern = `${prefix}:global:{case:*`;
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const keys = (await Promise.all(nodes.map((n) => scanAll(n, pattern)))).flat().filter((k) => /:\{case:(RF|PN|DS)-[0-9A-Z]{5}\}$/.test(k));
  const records = new Map<string, any>();
  for (const k of keys) {
    const raw = await redis.get(k);
    if (raw) {
      const r = JSON.parse(raw);
      records.set(r.reference, r);
    }
  }
  const byConversation = new Map<string, any[]>();
  for (const r of records.values()) {
    const conv = r.conversationReference?.conversation?.id as string;
    byConversation.set(conv, [...(byConversation.get(conv) ?? []), r]);
  }

  const out: Outcome = { missing: [], wrongFacts: [], doubled: [], reusedIds: [], backwardWatermarks: [], confused: [], summary: {} };
  for (const c of loops.conversations) {
    for (const ref of c.references) {
      const r = records.get(ref);
      if (!r) out.missing.push(`${ref} (conversation ${c.conv})`);
      else if (JSON.stringify(r.facts?.claims) !== JSON.stringify(facts) || r.conversationReference?.conversation?.id !== c.conv || r.owner?.userId !== c.user) {
        out.wrongFacts.push(`${ref}: ${JSON.stringify(r.facts?.claims)} in ${r.conversationReference?.conversation?.id}`);
      }
    }
    // One case per request: the references given, a request started again after the bot said it
    // lost track, and the request still under way when the run stopped.
    const cases = byConversation.get(c.conv) ?? [];
    const allowed = c.references.length + c.lostTrack + (c.done ? 0 : 1);
    if (cases.length > allowed) out.doubled.push(`${c.conv}: ${cases.length} cases (${cases.map((r) => r.reference).join(', ')}), ${c.references.length} given, lost track ${c.lostTrack}×`);
    const seen = new Set<string>();
    for (const id of c.ids) {
      if (seen.has(id)) out.reusedIds.push(`${c.conv}: ${id}`);
      seen.add(id);
    }
    for (let i = 1; i < c.watermarks.length; i++) {
      if (c.watermarks[i] < c.watermarks[i - 1]) out.backwardWatermarks.push(`${c.conv}: ${c.watermarks[i - 1]} → ${c.watermarks[i]}`);
    }
    out.confused.push(...c.confused.map((x) => `${c.conv}: ${x}`));
  }
  const byResult: Record<string, number> = {};
  for (const t of loops.turns) byResult[t.result] = (byResult[t.result] ?? 0) + 1;
  out.summary = {
    conversations: loops.conversations.length,
    referencesGiven: loops.conversations.reduce((n, c) => n + c.references.length, 0),
    casesInRedis: records.size,
    lostTrack: loops.conversations.reduce((n, c) => n + c.lostTrack, 0),
    turns: loops.turns.length,
    turnsByResult: byResult,
  };
  return out;
}
