import type { RedisClient } from '../storage/redisClient';
import type { Metrics, RedisErrorKind } from './registry';

const SEEN = Symbol('metricsSeen');
const MAX_COMMAND_NAMES = 64;

interface CommandLike {
  name?: string;
  promise?: Promise<unknown>;
  [SEEN]?: true;
}

/** Classifies a failed command for the `kind` label. */
export function redisErrorKind(err: unknown): RedisErrorKind {
  const e = err as { name?: string; message?: string; code?: string } | undefined;
  const msg = `${e?.message ?? ''} ${e?.code ?? ''}`;
  if (/Command timed out/i.test(msg)) return 'timeout';
  if (e?.name === 'ReplyError') return 'reply';
  if (/Connection is closed|Stream isn't writeable|ECONN|EPIPE|ETIMEDOUT|EHOSTUNREACH|MaxRetriesPerRequest|enableOfflineQueue|isn't ready|ClusterAllFailed|Failed to refresh slots/i.test(`${e?.name ?? ''} ${msg}`))
    return 'connection';
  return 'reply';
}

/**
 * Measures every command the client sends: latency histogram by command, and errors by command and
 * kind, and round trips (see `redisRoundTrips`). It wraps the client's `sendCommand` (which plain commands, scripts, pipelines and MULTI all go
 * through, on a single node, Sentinel or Cluster), so the cost is one timestamp and one `then` on the
 * command's own promise: no extra round trip, no MONITOR.
 *
 * A NOSCRIPT reply is not counted as an error (the script is sent again in full: src/storage/scripts.ts).
 * Command names are bounded: after 64 distinct names, the rest count as `other`.
 */
export function instrumentRedis(client: RedisClient, metrics: Metrics): void {
  const target = client as unknown as { sendCommand: (command: CommandLike, ...rest: unknown[]) => unknown };
  const original = target.sendCommand;
  const durations = new Map<string, ReturnType<Metrics['redisCommandDuration']['labels']>>();

  const label = (name: string | undefined): string => {
    const n = (name ?? 'unknown').toLowerCase();
    if (durations.has(n)) return n;
    if (durations.size >= MAX_COMMAND_NAMES || !/^[a-z][a-z0-9_.|-]{0,40}$/.test(n)) return 'other';
    durations.set(n, metrics.redisCommandDuration.labels(n));
    return n;
  };

  // Commands sent in the same synchronous run (a pipeline, a MULTI) leave in one write: one round trip.
  let burstOpen = false;
  const closeBurst = () => {
    burstOpen = false;
  };

  target.sendCommand = function instrumentedSendCommand(this: unknown, command: CommandLike, ...rest: unknown[]) {
    // A command sent again (cluster redirection, retry) is measured once, from its first send.
    if (command && !command[SEEN] && command.promise) {
      command[SEEN] = true;
      if (!burstOpen) {
        burstOpen = true;
        metrics.redisRoundTrips.inc();
        queueMicrotask(closeBurst);
      }
      const name = label(command.name);
      const start = process.hrtime.bigint();
      const done = () => Number(process.hrtime.bigint() - start) / 1e9;
      const observe = (seconds: number) => {
        const child = durations.get(name);
        if (child) child.observe(seconds);
        else metrics.redisCommandDuration.observe({ command: name }, seconds);
      };
      command.promise.then(
        () => observe(done()),
        (err: unknown) => {
          observe(done());
          if (/^NOSCRIPT/.test((err as Error | undefined)?.message ?? '')) return;
          metrics.redisCommandErrors.inc({ command: name, kind: redisErrorKind(err) });
        },
      );
    }
    return original.call(this, command, ...rest);
  };
}
