import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { RedisStorage } from '../../src/storage/redisStorage';
import { keyspace } from '../../src/storage/keys';
import { stateKeyFor } from '../../src/storage/conversationState';
import { startBotProcess, BotProcess } from '../support/botProcess';
import { send } from '../support/app';

describe('two bot processes on one Redis', () => {
  const prefix = `so${randomUUID().slice(0, 6)}`;
  let a: BotProcess;
  let b: BotProcess;
  let redis: Redis;

  beforeAll(async () => {
    const env = { REDIS_URL: process.env.TEST_REDIS_URL!, REDIS_KEY_PREFIX: prefix };
    [a, b] = await Promise.all([startBotProcess(env, { startTimeoutMs: 90000 }), startBotProcess(env, { startTimeoutMs: 90000 })]);
    redis = new Redis(process.env.TEST_REDIS_URL!);
  }, 120000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.quit();
  });

  it('serialises 50 concurrent messages of one conversation: the counter ends at exactly 50', async () => {
    const conversationId = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => send(i % 2 ? a.baseUrl : b.baseUrl, conversationId, { text: 'help', locale: 'en-US' })),
    );
    // Every turn answered (none dropped, none failed with the error message).
    for (const replies of results) {
      expect(replies.length).toBeGreaterThan(0);
      expect(replies.map((r) => r.text ?? '').join(' ')).not.toContain('Sorry');
    }
    const storage = new RedisStorage(redis, { keyspace: keyspace(prefix), keyFor: stateKeyFor(keyspace(prefix)) });
    const key = `test/conversations/${conversationId}/`; // ConversationState key: channel/conversations/id/namespace
    const state = await storage.read([key]);
    expect(state[key]?.conversationData?.turns).toBe(50);
  }, 60000);
});
