import { randomUUID } from 'node:crypto';
import { loadConfig, Config } from '../../src/config';
import { createApp, App } from '../../src/app';

/** A bot app on a free port against the private test Redis, with its own key prefix. */
export async function startTestApp(env: Record<string, string> = {}): Promise<{ app: App; baseUrl: string; config: Config }> {
  const config = loadConfig({
    PORT: '1',
    HOST: '127.0.0.1',
    REDIS_URL: process.env.TEST_REDIS_URL,
    REDIS_KEY_PREFIX: `t${randomUUID().slice(0, 8)}`,
    LOG_LEVEL: 'silent',
    ...env,
  });
  config.port = 0;
  const app = await createApp(config);
  const { port } = await app.listen();
  return { app, baseUrl: `http://127.0.0.1:${port}`, config };
}

export interface Reply {
  type: string;
  text?: string;
  attachments?: { contentType: string; content: any }[];
  value?: unknown;
  name?: string;
  suggestedActions?: { actions: { title: string; value: unknown }[] };
}

/** Sends one activity with deliveryMode expectReplies and returns the bot's replies. */
export async function send(
  baseUrl: string,
  conversationId: string,
  activity: Record<string, unknown>,
  user = 'user-1',
): Promise<Reply[]> {
  const res = await fetch(`${baseUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'message',
      id: randomUUID(),
      channelId: 'test',
      serviceUrl: 'http://127.0.0.1:1/',
      deliveryMode: 'expectReplies',
      from: { id: user, name: 'User' },
      recipient: { id: 'bot', name: 'Bot' },
      conversation: { id: conversationId },
      timestamp: new Date().toISOString(),
      ...activity,
    }),
  });
  if (res.status !== 200) throw new Error(`POST /api/messages: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { activities?: Reply[] };
  return body.activities ?? [];
}

/** Plain text of the replies, cards reduced to their text fields. */
export function texts(replies: Reply[]): string[] {
  return replies.flatMap((r) => {
    const out: string[] = [];
    if (r.text) out.push(r.text);
    for (const a of r.attachments ?? []) {
      const c = a.content ?? {};
      if (c.title) out.push(c.title);
      if (c.text) out.push(c.text);
      if (Array.isArray(c.body)) out.push(JSON.stringify(c.body));
    }
    return out;
  });
}
