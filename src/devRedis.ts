import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

/*
 * For a fresh machine: when no Redis is configured and nothing answers on the default address,
 * `npm start` runs a private redis-server as a child process, with its data under `.data/redis`,
 * and stops it with the bot.
 */

export class NoRedisError extends Error {}

function answers(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    const timer = setTimeout(() => { s.destroy(); resolve(false); }, timeoutMs);
    s.once('data', (d) => { clearTimeout(timer); s.destroy(); resolve(d.toString().startsWith('+PONG')); });
    s.once('connect', () => s.write('PING\r\n'));
    s.once('error', () => { clearTimeout(timer); resolve(false); });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface DevRedis {
  url: string;
  child?: ChildProcess;
  stop(): Promise<void>;
}

export async function ensureRedis(projectDir: string, probePort = 6379): Promise<DevRedis> {
  if (await answers(probePort)) return { url: `redis://127.0.0.1:${probePort}`, stop: async () => undefined };
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error) {
    throw new NoRedisError(
      `No Redis answers on 127.0.0.1:${probePort} and redis-server is not installed: install it (e.g. 'sudo apt-get install redis-server') or set REDIS_URL.`,
    );
  }
  const dir = join(projectDir, '.data', 'redis');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '60 1', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new NoRedisError(`redis-server did not start on port ${port}.`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
