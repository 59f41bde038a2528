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
  if (v === null || typeof v !== 'object') return v;
  // Deeper than any log call site goes: not written at all rather than written unscanned.
  if (depth > 16) return '[too deep]';
  if (v instanceof Error) return { type: v.name, message: redactSecrets(v.message).text, stack: v.stack && redactSecrets(v.stack).text };
  if (Array.isArray(v)) return v.map((x) => scrub(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[redactSecrets(k).text] = scrub(x, depth + 1);
  return out;
}
