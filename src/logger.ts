import pino, { Logger } from 'pino';
import { redactSecrets } from './bot/redact';

export type { Logger };

/**
 * Structured JSON logs. Every string value that reaches a log line passes through the same
 * redaction as chat text, so a card number can't be logged even by a careless call site.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'refund-support-bot' },
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
    destination,
  );
}

function scrub(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return redactSecrets(v).text;
  if (depth > 6 || v === null || typeof v !== 'object') return v;
  if (v instanceof Error) return { type: v.name, message: redactSecrets(v.message).text, stack: v.stack };
  if (Array.isArray(v)) return v.map((x) => scrub(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = scrub(x, depth + 1);
  return out;
}
