import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Activity, ConversationState, TestAdapter } from 'botbuilder';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { keyspace, Keyspace } from '../../src/storage/keys';
import { RedisStorage } from '../../src/storage/redisStorage';
import { LanguageMiddleware, RedactionMiddleware } from '../../src/bot/middleware';
import { SupportBot } from '../../src/bot/supportBot';
import { RedisCaseRepository } from '../../src/cases/repository';
import { createServices } from '../../src/services';
import type { Services } from '../../src/services/ports';
import { buildDialogs, DialogDeps } from '../../dialogs';
import { NluRecognizer, sharedNlu } from '../../src/nlu';

/**
 * Dialog tests: the whole dialog tree behind the bot's own middleware (redaction, language) and
 * SupportBot, on botbuilder-core's TestAdapter, with state, cases, proofs and demo ads on the private
 * test Redis under a key prefix of their own.
 */
export interface Harness {
  redis: Redis;
  keys: Keyspace;
  cases: RedisCaseRepository;
  services: Services;
  /** A new conversation with one user. */
  conversation(opts?: ConversationOptions): Conversation;
  close(): Promise<void>;
}

export interface ConversationOptions {
  /** Channel user id; the demo accounts: demo-camille (standard), demo-pro (Pro), demo-noah, demo-flagged. */
  user?: string;
  locale?: string;
  channelId?: string;
}

export interface Reply {
  text: string;
  activity: Partial<Activity>;
}

export interface Conversation {
  id: string;
  user: string;
  channelId: string;
  /** Sends text or an activity; returns the bot's replies (text, cards as JSON text). */
  say(input: string | Partial<Activity>): Promise<Reply[]>;
  /** Same, joined into one string (for `toContain`). */
  send(input: string | Partial<Activity>): Promise<string>;
}

/** All the text a user would read in a reply: text, card text and buttons. */
export function readable(a: Partial<Activity>): string {
  const out: string[] = [];
  if (a.text) out.push(a.text);
  for (const att of a.attachments ?? []) out.push(JSON.stringify(att.content));
  for (const action of a.suggestedActions?.actions ?? []) out.push(`[${action.title}]`);
  return out.join('\n');
}

export async function createHarness(env: Record<string, string> = {}, extra: Partial<DialogDeps> = {}): Promise<Harness> {
  const nlu = extra.nlu ?? (await sharedNlu());
  const url = process.env.TEST_REDIS_URL as string;
  const prefix = `td${randomUUID().slice(0, 8)}`;
  const config = loadConfig({ REDIS_URL: url, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'silent', ...env });
  const logger = createLogger('silent');
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  const keys = keyspace(prefix);
  const storage = new RedisStorage(redis as never, { keyspace: keys });
  const conversationState = new ConversationState(storage);
  const services = extra.services ?? createServices(config, redis as never, keys);
  const dialog = buildDialogs({ config, redis: redis as never, keys, logger, services, ...extra, nlu });
  const bot = new SupportBot({ conversationState, dialog, brandName: 'Acme', logger });
  const cases = new RedisCaseRepository(redis as never, keys);

  return {
    redis,
    keys,
    cases,
    services,
    conversation(opts: ConversationOptions = {}): Conversation {
      const id = `c-${randomUUID()}`;
      const user = opts.user ?? 'demo-camille';
      const channelId = opts.channelId ?? 'test';
      const adapter = new TestAdapter(async (ctx) => bot.run(ctx), {
        channelId,
        from: { id: user, name: 'User' },
        conversation: { id, isGroup: false, name: id, conversationType: 'personal' },
        ...(opts.locale ? { locale: opts.locale } : {}),
      } as Partial<Activity>);
      adapter.use(new RedactionMiddleware(), new LanguageMiddleware(conversationState, 'en', new NluRecognizer(nlu)));
      const say = async (input: string | Partial<Activity>): Promise<Reply[]> => {
        const activity: Partial<Activity> = typeof input === 'string' ? { type: 'message', text: input } : { type: 'message', ...input };
        await adapter.processActivity(activity);
        return adapter.activeQueue.splice(0).map((a) => ({ text: readable(a), activity: a }));
      };
      return {
        id,
        user,
        channelId,
        say,
        send: async (input) => (await say(input)).map((r) => r.text).join('\n'),
      };
    },
    async close() {
      await redis.quit();
    },
  };
}
