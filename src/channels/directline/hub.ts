import { RedisClient, waitUntilReady } from '../../storage/redisClient';
import type { Logger } from '../../logger';

/**
 * Wakes the WebSocket listeners of a conversation, on every instance, when something is appended
 * to its log. The log in Redis is the truth; a wake-up only says "read again from your watermark",
 * so a lost or duplicated wake-up costs at most a delay, never a lost or repeated activity.
 *
 * - Same instance: listeners are woken directly.
 * - Other instances: one Redis pub/sub message (the conversation id) on one channel per keyspace.
 * - After the subscriber reconnects (wake-ups may have been missed meanwhile), and every
 *   `sweepMs` as a safety net, every local listener is woken.
 */
export interface Listener {
  wake(): void;
}

export class StreamHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private subscriber?: RedisClient;
  private sweep?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly channel: string,
    private readonly logger: Logger,
    private readonly sweepMs = 10000,
  ) {}

  async start(): Promise<void> {
    // A dedicated connection (same options, same topology): a subscribed connection cannot run
    // other commands. ioredis subscribes again by itself after a reconnection.
    const sub = this.redis.duplicate() as RedisClient;
    this.subscriber = sub;
    sub.on('error', (err: Error) => this.logger.debug({ err: err.message }, 'directline subscriber error'));
    sub.on('message', (_channel: string, conv: string) => this.wakeLocal(conv));
    await waitUntilReady(sub, 10000);
    await sub.subscribe(this.channel);
    sub.on('ready', () => this.wakeAll());
    this.sweep = setInterval(() => this.wakeAll(), this.sweepMs);
    this.sweep.unref();
  }

  add(conv: string, listener: Listener): void {
    let set = this.listeners.get(conv);
    if (!set) this.listeners.set(conv, (set = new Set()));
    set.add(listener);
  }

  remove(conv: string, listener: Listener): void {
    const set = this.listeners.get(conv);
    if (!set) return;
    set.delete(listener);
    if (set.size === 0) this.listeners.delete(conv);
  }

  /** Something was appended to `conv`: wake listeners here at once, and on the other instances. */
  async notify(conv: string): Promise<void> {
    this.wakeLocal(conv);
    if (this.closed) return;
    await this.redis.publish(this.channel, conv).catch((err: Error) => {
      // Other instances will catch up on their next sweep.
      this.logger.warn({ err: err.message, conversationId: conv }, 'directline: could not publish a wake-up');
    });
  }

  get size(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  private wakeLocal(conv: string): void {
    for (const l of this.listeners.get(conv) ?? []) l.wake();
  }

  private wakeAll(): void {
    for (const set of this.listeners.values()) for (const l of set) l.wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweep) clearInterval(this.sweep);
    const sub = this.subscriber;
    this.subscriber = undefined;
    if (sub) await sub.quit().catch(() => sub.disconnect());
  }
}
