import { ReplyError } from 'ioredis';

/**
 * Which Redis errors mean "not available right now, try again in a moment" (the user gets the
 * "temporarily unavailable" message and the conversation resumes later), as opposed to a bug.
 *
 * Recognised by class or code wherever ioredis gives one:
 *  - `ReplyError` (a reply from Redis) whose code, the first word of the reply, is one of
 *    `UNAVAILABLE_REPLY_CODES` (a failover or resharding in progress, a server still loading…);
 *  - `MaxRetriesPerRequestError`, `ClusterAllFailedError` (by class name: the second is not exported);
 *  - Node socket errors by `code` (ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE…);
 *  - `NotDurableError` from ./durability (the write may not survive a failover yet).
 * ioredis raises a few conditions as a plain `Error` with a fixed message and no class or code
 * (connection closed, command timed out, offline queue disabled, too many cluster redirections,
 * sentinels unreachable…): those are matched on that fixed message, and nothing else is.
 */
export const UNAVAILABLE_REPLY_CODES = new Set([
  'CLUSTERDOWN', // the cluster is down, or a slot has no master
  'TRYAGAIN', // a multi-key command during resharding
  'MOVED', // only reaches us wrapped (too many redirections) while the slot map is moving
  'ASK',
  'READONLY', // wrote to a replica: a demoted master after a failover
  'LOADING', // the server is loading its dataset after a restart
  'MASTERDOWN', // a replica lost its master (replica-serve-stale-data no)
  'NOREPLICAS', // min-replicas-to-write not met: the master refuses writes it cannot replicate
  'BUSY', // a script runs too long on the server
  'NOSCRIPT',
]);

const UNAVAILABLE_CLASS_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError', 'NotDurableError']);

const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTCONN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'EAI_AGAIN']);

/** Fixed messages of the plain `Error`s ioredis raises without a class or a code (see above). */
const IOREDIS_PLAIN_MESSAGES = [
  'Connection is closed.',
  'Command timed out',
  "Stream isn't writeable and enableOfflineQueue options is false",
  "Cluster isn't ready and enableOfflineQueue options is false",
  'Too many Cluster redirections.',
  'None of startup nodes is available',
  'Cluster is disconnected.',
  'Node is disconnected',
  'All sentinels are unreachable',
  'Failed to refresh slots cache',
  'connect ETIMEDOUT',
];

/** The code of a Redis error reply: its first word (`CLUSTERDOWN The cluster is down` → `CLUSTERDOWN`). */
export function replyCode(err: unknown): string | undefined {
  if (!(err instanceof ReplyError)) return undefined;
  const message = (err as Error).message ?? '';
  return /^[A-Z]+/.exec(message)?.[0];
}

/** True when `err` means Redis cannot serve right now (see above); false for a bug or a business error. */
export function isStorageUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = replyCode(err);
  if (code !== undefined) return UNAVAILABLE_REPLY_CODES.has(code);
  if (UNAVAILABLE_CLASS_NAMES.has(err.name) || UNAVAILABLE_CLASS_NAMES.has(err.constructor?.name)) return true;
  const sysCode = (err as { code?: unknown }).code;
  if (typeof sysCode === 'string' && UNAVAILABLE_SOCKET_CODES.has(sysCode)) return true;
  if (IOREDIS_PLAIN_MESSAGES.some((m) => err.message.startsWith(m))) return true;
  // A pipeline or script error may wrap the original as `cause` / `lastNodeError`.
  const inner = (err as { cause?: unknown; lastNodeError?: unknown }).cause ?? (err as { lastNodeError?: unknown }).lastNodeError;
  return inner !== undefined && inner !== err && isStorageUnavailable(inner);
}

/**
 * True for an error after which a connection should be dropped and the topology looked up again:
 * the server we talk to is no longer a master (READONLY after a failover, MASTERDOWN).
 */
export function needsReconnect(err: unknown): boolean {
  const code = replyCode(err);
  return code === 'READONLY' || code === 'MASTERDOWN';
}

/**
 * Runs an idempotent Redis step, again after each pause in `pausesMs` while it fails with an
 * "unavailable" error (a timeout may have been applied: the step must be safe to repeat). Any other
 * error, or the last one, is thrown.
 */
export async function retryWhileUnavailable<T>(step: () => Promise<T>, pausesMs: readonly number[]): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (attempt >= pausesMs.length || !isStorageUnavailable(err)) throw err;
      await new Promise((r) => setTimeout(r, pausesMs[attempt]));
    }
  }
}
