import type { App } from '../../src/app';
import { send, startTestApp } from '../support/app';

/*
 * Issue 13: Redis memory per conversation, everything included (conversation state, turn record,
 * Direct Line log and meta, desk transcript, case record and indexes, de-duplication), for a complete
 * refund conversation over the web widget (embedded Direct Line): measured with MEMORY USAGE over
 * the app's whole keyspace, before and after N conversations, divided by N.
 */
const SECRET = 'memory-test-secret-0123456789abcdef';
const N = 5;

async function keyspaceBytes(app: App): Promise<{ bytes: number; byKind: Record<string, number> }> {
  let cursor = '0';
  let bytes = 0;
  const byKind: Record<string, number> = {};
  do {
    const [next, keys] = await app.redis.scan(cursor, 'MATCH', `${app.keys.prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const n = Number((await app.redis.memory('USAGE', key, 'SAMPLES', '0')) ?? 0);
      bytes += n;
      const kind = key
        .slice(app.keys.prefix.length + 1)
        .replace(/\{[^}]*\}/, '{…}')
        .replace(/(RF|PN|DS)-[0-9A-Z]{5}/, '<ref>')
        .replace(/(owner|order|req):.*/, '$1:…');
      byKind[kind] = (byKind[kind] ?? 0) + n;
    }
  } while (cursor !== '0');
  return { bytes, byKind };
}

describe('Redis memory per conversation', () => {
  let app: App;
  let baseUrl: string;

  beforeAll(async () => {
    ({ app, baseUrl } = await startTestApp({ DIRECTLINE_SECRET: SECRET, RATE_LIMIT_MESSAGES_PER_MINUTE: '1000', LOG_LEVEL: process.env.MEM_LOG ?? 'silent' }));
  }, 60000);
  afterAll(async () => app?.close());

  async function dl(path: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<any> {
    const res = await fetch(`${baseUrl}/v3/directline${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${init.token ?? SECRET}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    expect(res.status).toBeLessThan(300);
    return res.json();
  }

  async function conversation(i: number): Promise<string> {
    const user = `dl_mem_${i}_${Date.now().toString(36)}`;
    const gen = await dl('/tokens/generate', { method: 'POST', body: { user: { id: user } } });
    const token = gen.token as string;
    const conv = gen.conversationId as string;
    await dl('/conversations', { method: 'POST', token, body: { locale: 'en-GB' } });
    const turns = [
      { text: 'I want a refund of €49.00 for order FL-100001, I paid by mistake' },
      { text: 'skip' },
      { value: { action: 'refund.confirm' } },
      { text: "Don't e-mail me" },
    ];
    for (const t of turns) await dl(`/conversations/${conv}/activities`, { method: 'POST', token, body: { type: 'message', locale: 'en-GB', from: { id: user }, ...t } });
    const all = await dl(`/conversations/${conv}/activities`, { token });
    const text = (all.activities as any[]).map((a) => `${a.text ?? ''} ${JSON.stringify(a.attachments ?? [])}`).join('\n');
    expect(text).toMatch(/RF-[0-9A-Z]{5}/);
    expect(text).toContain('no e-mails for this request');
    if (process.env.MEM_DUMP) {
      const log = await app.redis.lrange(app.keys.conversation(conv, 'dl:log'), 0, -1);
      // eslint-disable-next-line no-console
      console.log(log.map((l) => `${l.length}: ${l}`).join('\n\n'));
      const t = await app.redis.xrange(app.keys.conversation(conv, 'desk:t'), '-', '+');
      // eslint-disable-next-line no-console
      console.log(JSON.stringify(t).slice(0, 6000));
    }
    return conv;
  }

  it('a complete refund conversation over the web widget takes at most 8 KB', async () => {
    // The first amount a process parses is slow (recognizer models load): warm up outside Direct Line,
    // whose POST does not wait that long, then one conversation creates the keys all conversations share.
    await send(baseUrl, 'mem-warm-up', { text: 'I want a refund of €49.00 for order FL-100001, I paid by mistake', locale: 'en-GB' });
    await conversation(-1);
    const before = await keyspaceBytes(app);
    for (let i = 0; i < N; i++) await conversation(i);
    const after = await keyspaceBytes(app);
    const perConversation = Math.round((after.bytes - before.bytes) / N);
    const kinds = Object.fromEntries(
      Object.entries(after.byKind)
        .map(([k, v]) => [k, Math.round((v - (before.byKind[k] ?? 0)) / N)] as const)
        .filter(([, v]) => v !== 0)
        .sort((a, b) => b[1] - a[1]),
    );
    // eslint-disable-next-line no-console
    console.log(`Redis memory per conversation: ${perConversation} bytes\n${JSON.stringify(kinds, null, 1)}`);
    expect(perConversation).toBeLessThanOrEqual(8 * 1024);
  }, 120000);
});
