import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What a turn ended as (the `result` label of `bot_turns_total`). */
export const TURN_RESULTS = ['ok', 'busy', 'storage_unavailable', 'error'] as const;
export type TurnResult = (typeof TURN_RESULTS)[number];

/** Kinds of failed Redis commands (the `kind` label of `bot_redis_command_errors_total`). */
export type RedisErrorKind = 'timeout' | 'connection' | 'reply';

/**
 * Every metric of one app, in that app's own registry (tests run several apps in one process, and
 * prom-client's global registry would mix them or refuse the second registration).
 *
 * Names follow Prometheus conventions: `_seconds` for durations, `_total` for counters. Labels take
 * values from bounded sets only (topic and command names come from the code, never from users).
 *
 * The handoff desk updates the two `handoff*` metrics when it exists:
 * - `metrics.handoffQueueLength.set({ priority: 'pro' | 'high' | 'normal' }, n)` whenever the queue
 *   changes (or from a periodic read of the queue's size in Redis, since the queue is shared by every
 *   instance: set it from one place, or read it from Redis on each scrape with `onCollect`);
 * - `metrics.handoffWaitSeconds.observe({ priority }, seconds)` when an agent claims a conversation
 *   (seconds since it entered the queue).
 */
export interface Metrics {
  readonly registry: Registry;
  readonly instanceId: string;
  /** `bot_turn_duration_seconds{topic}`: one turn, from the first middleware to the last reply. */
  readonly turnDuration: Histogram<'topic'>;
  /** `bot_turns_total{result}`. */
  readonly turns: Counter<'result'>;
  /** `bot_decisions_total{topic,outcome}`: eligibility decisions recorded on a case. */
  readonly decisions: Counter<'topic' | 'outcome'>;
  /** `bot_redis_command_duration_seconds{command}`: sent to answered (or failed). */
  readonly redisCommandDuration: Histogram<'command'>;
  /**
   * `bot_redis_round_trips_total`: bursts of commands the bot sends in one go (a pipeline or a MULTI
   * counts once). With one turn at a time, it is the number of round trips a turn waits for.
   */
  readonly redisRoundTrips: Counter;
  /** `bot_redis_command_errors_total{command,kind}`. */
  readonly redisCommandErrors: Counter<'command' | 'kind'>;
  /** `bot_rate_limit_rejections_total{limit}`: messages refused by a rate limit. */
  readonly rateLimitRejections: Counter<'limit'>;
  /** `bot_handoff_queue_length{priority}`: conversations waiting for an agent (set by the handoff desk). */
  readonly handoffQueueLength: Gauge<'priority'>;
  /** `bot_handoff_wait_seconds{priority}`: time from entering the queue to an agent's claim (observed by the desk). */
  readonly handoffWaitSeconds: Histogram<'priority'>;
  /**
   * Runs `fn` before each scrape, for a gauge whose value is read rather than pushed (e.g. the
   * handoff queue length from Redis). Errors are swallowed: a scrape never fails because of one.
   */
  onCollect(fn: () => Promise<void> | void): void;
  /** Back to zero for what traffic counts (turns, decisions, Redis commands, rejections): after the warm-up turns. */
  resetTraffic(): void;
  /** The text a scrape returns, and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

export interface MetricsOptions {
  instanceId: string;
  version?: string;
  /** Node and process metrics (memory, CPU, handles, GC, event-loop delay). Default true. */
  defaultMetrics?: boolean;
}

const TURN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const REDIS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const WAIT_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600];

export function createMetrics(opts: MetricsOptions): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const collectors: (() => Promise<void> | void)[] = [];

  if (opts.defaultMetrics !== false) {
    // Includes process_resident_memory_bytes, nodejs_heap_size_used_bytes and the event-loop delay
    // (nodejs_eventloop_lag_{min,max,mean,p50,p90,p99}_seconds from perf_hooks.monitorEventLoopDelay,
    // reset at each scrape: each value covers the time since the previous scrape).
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  }

  new Gauge({
    name: 'bot_info',
    help: 'Always 1; the labels say which instance and version answered the scrape.',
    labelNames: ['instance_id', 'version'],
    registers,
  }).set({ instance_id: opts.instanceId, version: opts.version ?? 'unknown' }, 1);

  const turns = new Counter({
    name: 'bot_turns_total',
    help: 'Turns by result: ok, busy (the conversation was locked by its previous turn), storage_unavailable (Redis unreachable or too slow), error.',
    labelNames: ['result'],
    registers,
  });
  const zeroTurns = () => {
    for (const result of TURN_RESULTS) turns.inc({ result }, 0);
  };
  zeroTurns();

  const redisCommandErrors = new Counter({
    name: 'bot_redis_command_errors_total',
    help: 'Redis commands that failed, by command and kind (timeout, connection, reply).',
    labelNames: ['command', 'kind'],
    registers,
  });

  const rateLimitRejections = new Counter({
    name: 'bot_rate_limit_rejections_total',
    help: 'Messages refused because a rate limit was reached.',
    labelNames: ['limit'],
    registers,
  });
  const zeroRateLimits = () => rateLimitRejections.inc({ limit: 'messages' }, 0);
  zeroRateLimits();

  const metrics: Metrics = {
    registry,
    instanceId: opts.instanceId,
    turnDuration: new Histogram({
      name: 'bot_turn_duration_seconds',
      help: 'Duration of a turn, by topic (the dialog the turn ran in; menu when none; none before any dialog).',
      labelNames: ['topic'],
      buckets: TURN_BUCKETS,
      registers,
    }),
    turns,
    decisions: new Counter({
      name: 'bot_decisions_total',
      help: 'Eligibility decisions recorded on a new case, by topic and outcome.',
      labelNames: ['topic', 'outcome'],
      registers,
    }),
    redisCommandDuration: new Histogram({
      name: 'bot_redis_command_duration_seconds',
      help: 'Redis command latency as the bot sees it (sent to answered or failed), by command.',
      labelNames: ['command'],
      buckets: REDIS_BUCKETS,
      registers,
    }),
    redisRoundTrips: new Counter({
      name: 'bot_redis_round_trips_total',
      help: 'Bursts of Redis commands sent together (a pipeline or MULTI counts once); per turn, at one turn at a time, the round trips a turn waits for.',
      registers,
    }),
    redisCommandErrors,
    rateLimitRejections,
    handoffQueueLength: new Gauge({
      name: 'bot_handoff_queue_length',
      help: 'Conversations waiting for a human agent, by priority.',
      labelNames: ['priority'],
      registers,
    }),
    handoffWaitSeconds: new Histogram({
      name: 'bot_handoff_wait_seconds',
      help: 'Time a conversation waited in the handoff queue before an agent claimed it, by priority.',
      labelNames: ['priority'],
      buckets: WAIT_BUCKETS,
      registers,
    }),
    onCollect(fn) {
      collectors.push(fn);
    },
    resetTraffic() {
      for (const m of [turns, metrics.turnDuration, metrics.decisions, metrics.redisCommandDuration, metrics.redisRoundTrips, redisCommandErrors, rateLimitRejections]) m.reset();
      zeroTurns();
      zeroRateLimits();
    },
    async render() {
      await Promise.all(collectors.map(async (fn) => {
        try {
          await fn();
        } catch {
          // A gauge that could not be refreshed keeps its last value.
        }
      }));
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
  return metrics;
}
