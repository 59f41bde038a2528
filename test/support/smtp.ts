import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

/**
 * A real SMTP server in the test process (smtp-server) on a free loopback port. Every accepted message
 * is read back with mailparser. `refuse(true)` makes it answer 451 (try again later) to every
 * recipient, as a server under maintenance would, until `refuse(false)`.
 */
export interface TestSmtp {
  url: string;
  received: ParsedMail[];
  /** Recipients refused while refusing. */
  refusals: number;
  refuse(on: boolean): void;
  /** Resolves once at least `n` messages were received (or rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

export async function startSmtp(): Promise<TestSmtp> {
  const received: ParsedMail[] = [];
  let refusing = false;
  const state = { refusals: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 5 * 1024 * 1024,
    onRcptTo(_address, _session, callback) {
      if (refusing) {
        state.refusals++;
        const err = Object.assign(new Error('Mailbox temporarily unavailable, try again later'), { responseCode: 451 });
        return callback(err);
      }
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push(mail);
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    get refusals() {
      return state.refusals;
    },
    refuse(on: boolean) {
      refusing = on;
    },
    async waitFor(n: number, timeoutMs = 15000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`SMTP received ${received.length} of ${n} messages`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
