/**
 * Prints an scrypt hash of a password for AGENTS (`name:hash,…`), on the last line.
 *   npm run -s agent-hash -- 'a long password'
 * With no argument the password is read from standard input (so it stays out of the shell history).
 */
import { hashPassword } from '../src/agent/auth';

async function main(): Promise<void> {
  let password = process.argv[2];
  if (password === undefined) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  if (!password) {
    console.error('usage: npm run -s agent-hash -- <password>');
    process.exit(2);
  }
  if (password.length < 8) console.error('warning: a password shorter than 8 characters is easy to guess');
  console.log(await hashPassword(password));
}

void main();
