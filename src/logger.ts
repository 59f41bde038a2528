import { hostname } from 'node:os';
import pino, { Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import { redactSecrets } from './bot/redact';

export type { Logger };

export interface LoggerOptions {
  /** On every line as `instanceId` (default `<hostname>-<pid>`; config INSTANCE_ID). */
  instanceId?: string;
  /** Readable lines (pino-pretty) instead of JSON lines. Default: when stdout is a terminal and no destination is given. */
  pretty?: boolean;
}

/**
 * Structured JSON logs (one object per line) on stdout, or readable lines when stdout is a terminal.
 * Every line carries `service` and `instanceId`; turn lines add conversationId, caseRef when known,
 * topic, result and durationMs (src/metrics/turns.ts). Every string value that reaches a log line
 * passes through the same redaction as chat text, so a card number can't be logged even by a
 * careless call site.
 */
export function createLogger(level: string, destination?: pino.DestinationStream, opts: LoggerOptions = {}): Logger {
  const pretty = opts.pretty ?? (destination === undefined && process.stdout.isTTY === true);
  // pino-pretty is loaded only for a terminal (production output is JSON, and starts faster without it).
  const out = pretty
    ? (require('pino-pretty') as typeof PinoPretty)({
        colorize: destination === undefined,
        sync: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'service',
        destination: (destination as NodeJS.WritableStream | undefined) ?? 1,
      })
    : destination;
  return pino(
    {
      level,
      base: { service: 'refund-support-bot', instanceId: opts.instanceId ?? `${hostname()}-${process.pid}` },
      redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.token', '*.secret', '*.password'], censor: '[redacted]' },
      formatters: {
        log(obj) {
          return scrub(obj) as Record<string, unknown>;
        },
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactSecrets(a).text : a)) as Parameters<typeof method>);
        },
      },
    },
    out,
  );
}

function scrub(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return redactSecrets(v).text;
  if (v === null || typeof v !== 'object') return v;
  // Deeper than any log call site goes: not written at all rather than written unscanned.
  if (depth > 16) return '[too deep]';
  if (v instanceof Error) return { type: v.name, message: redactSecrets(v.message).text, stack: v.stack && redactSecrets(v.stack).text };
  if (Array.isArray(v)) return v.map((x) => scrub(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[redactSecrets(k).text] = scrub(x, depth + 1);
  return out;
}
