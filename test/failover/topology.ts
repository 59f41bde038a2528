import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { freePort, startRedis, type PrivateRedis } from '../support/redisServer';

const run = promisify(execFile);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value, or fails after `ms` saying `what`. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false | null>, ms = 20000, every = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

/** A one-shot command to a server on loopback (fresh connection, short timeouts); undefined on failure. */
export async function ask(port: number, ...args: string[]): Promise<unknown> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, connectTimeout: 500, commandTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await r.call(args[0], ...args.slice(1));
  } catch {
    return undefined;
  } finally {
    r.disconnect();
  }
}

export async function roleOf(port: number): Promise<string | undefined> {
  const role = (await ask(port, 'ROLE')) as unknown[] | undefined;
  return Array.isArray(role) ? String(role[0]) : undefined;
}

/** A redis-server we may kill, stop and start again on the same port and directory. */
export class Node {
  server?: PrivateRedis;
  constructor(
    readonly port: number,
    readonly dir: string,
    private readonly args: string[],
  ) {}

  static async create(args: (port: number) => string[]): Promise<Node> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'bot-failover-'));
    const node = new Node(port, dir, args(port));
    await node.start();
    return node;
  }

  async start(extra: string[] = []): Promise<void> {
    this.server = await startRedis({ port: this.port, dir: this.dir, keepDir: true, extraArgs: [...this.args, ...extra] });
  }

  get pid(): number {
    return this.server?.process.pid ?? 0;
  }

  get alive(): boolean {
    const p = this.server?.process;
    return !!p && p.exitCode === null && p.signalCode === null;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.alive) this.server!.process.kill(signal);
  }

  async killHard(): Promise<void> {
    const p = this.server?.process;
    if (!p || !this.alive) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (this.alive) {
      this.kill('SIGCONT');
      await this.killHard();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A sentinel process (redis-server --sentinel) with its own writable config file. */
class SentinelProcess {
  child?: ChildProcess;
  constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async create(masterPort: number, name: string): Promise<SentinelProcess> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'bot-sentinel-'));
    writeFileSync(
      join(dir, 'sentinel.conf'),
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        `sentinel parallel-syncs ${name} 2`,
        '',
      ].join('\n'),
    );
    const s = new SentinelProcess(port, dir);
    s.child = spawn('redis-server', [join(dir, 'sentinel.conf'), '--sentinel', '--loglevel', 'warning'], { stdio: 'ignore' });
    await until(`sentinel on ${port}`, async () => (await ask(port, 'PING')) === 'PONG', 10000, 50);
    return s;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null) {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const SENTINEL_NAME = 'mymaster';

/**
 * 1 master, 2 replicas, 3 sentinels on loopback. The data nodes use what the README asks of a
 * deployment: `min-replicas-to-write 1`, AOF with `appendfsync everysec`.
 */
export class SentinelSet {
  nodes: Node[] = [];
  sentinels: SentinelProcess[] = [];

  static async start(): Promise<SentinelSet> {
    const set = new SentinelSet();
    try {
      const base = ['--appendonly', 'yes', '--appendfsync', 'everysec', '--min-replicas-to-write', '1', '--min-replicas-max-lag', '10', '--repl-ping-replica-period', '1', '--repl-diskless-sync-delay', '0'];
      const master = await Node.create(() => base);
      set.nodes.push(master);
      for (let i = 0; i < 2; i++) set.nodes.push(await Node.create(() => [...base, '--replicaof', '127.0.0.1', String(master.port)]));
      await until('both replicas in sync', async () => (String(await ask(master.port, 'INFO', 'replication')).match(/state=online/g) ?? []).length === 2, 10000);
      for (let i = 0; i < 3; i++) set.sentinels.push(await SentinelProcess.create(master.port, SENTINEL_NAME));
      await until('sentinels see both replicas and each other', async () => {
        for (const s of set.sentinels) {
          const m = (await ask(s.port, 'SENTINEL', 'MASTER', SENTINEL_NAME)) as string[] | undefined;
          if (!m) return false;
          const field = (k: string) => Number(m[m.indexOf(k) + 1]);
          if (field('num-slaves') < 2 || field('num-other-sentinels') < 2) return false;
        }
        return true;
      }, 20000, 200);
      return set;
    } catch (err) {
      await set.stop();
      throw err;
    }
  }

  get sentinelList(): string {
    return this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',');
  }

  /** The master the sentinels name (the first that answers). */
  async masterPort(): Promise<number | undefined> {
    for (const s of this.sentinels) {
      const a = (await ask(s.port, 'SENTINEL', 'get-master-addr-by-name', SENTINEL_NAME)) as string[] | undefined;
      if (a) return Number(a[1]);
    }
    return undefined;
  }

  node(port: number): Node {
    const n = this.nodes.find((x) => x.port === port);
    if (!n) throw new Error(`no node on ${port}`);
    return n;
  }

  /**
   * True once every sentinel names the same master, that server says master, and it has `replicas`
   * replicas in sync; with `demoted`, also no other server still believes it is a master.
   */
  async settled(replicas: number, demoted = true): Promise<boolean> {
    const named = new Set<number>();
    for (const s of this.sentinels) {
      const a = (await ask(s.port, 'SENTINEL', 'get-master-addr-by-name', SENTINEL_NAME)) as string[] | undefined;
      if (!a) return false;
      named.add(Number(a[1]));
    }
    if (named.size !== 1) return false;
    const [port] = [...named];
    if ((await roleOf(port)) !== 'master') return false;
    const info = String(await ask(port, 'INFO', 'replication'));
    if ((info.match(/state=online/g) ?? []).length < replicas) return false;
    // No other node still believes it is a master (a demoted master is reconfigured a few seconds later).
    if (demoted) for (const n of this.nodes) if (n.port !== port && n.alive && (await roleOf(n.port)) === 'master') return false;
    return true;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sentinels.map((s) => s.stop()), ...this.nodes.map((n) => n.stop())]);
  }
}

/** 3 masters with 1 replica each on loopback; a short node timeout so a failover takes about 2 s. */
export class ClusterSet {
  nodes: Node[] = [];

  static async start(): Promise<ClusterSet> {
    const set = new ClusterSet();
    try {
      for (let i = 0; i < 6; i++) {
        const bus = await freePort();
        set.nodes.push(
          await Node.create(() => [
            '--cluster-enabled', 'yes',
            '--cluster-config-file', 'nodes.conf',
            '--cluster-port', String(bus),
            '--cluster-node-timeout', '1000',
            '--appendonly', 'yes', '--appendfsync', 'everysec',
            '--repl-ping-replica-period', '1', '--repl-diskless-sync-delay', '0',
          ]),
        );
      }
      await run('redis-cli', ['--cluster', 'create', ...set.nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes']);
      await until('cluster ok with 3 masters and 3 replicas', () => set.settled(), 20000, 100);
      return set;
    } catch (err) {
      await set.stop();
      throw err;
    }
  }

  get nodeList(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  }

  /** The port of the master that serves `slot`, as a live node reports it. */
  async masterOfSlot(slot: number): Promise<number | undefined> {
    for (const n of this.nodes) {
      if (!n.alive) continue;
      const slots = (await ask(n.port, 'CLUSTER', 'SLOTS')) as [number, number, [string, number]][] | undefined;
      if (!slots) continue;
      const range = slots.find(([a, b]) => slot >= a && slot <= b);
      return range ? Number(range[2][1]) : undefined;
    }
    return undefined;
  }

  /** The live replica of the master on `masterPort`. */
  async replicaOf(masterPort: number): Promise<Node | undefined> {
    for (const n of this.nodes) {
      if (!n.alive || n.port === masterPort) continue;
      const role = (await ask(n.port, 'ROLE')) as unknown[] | undefined;
      if (role && role[0] === 'slave' && Number(role[2]) === masterPort && role[3] === 'connected') return n;
    }
    return undefined;
  }

  /** Every live node says cluster_state:ok, 3 masters, each with a connected replica. */
  async settled(replicasPerMaster = 1): Promise<boolean> {
    let masters = 0;
    for (const n of this.nodes) {
      if (!n.alive) continue;
      if (!/cluster_state:ok/.test(String(await ask(n.port, 'CLUSTER', 'INFO')))) return false;
      const role = (await ask(n.port, 'ROLE')) as unknown[] | undefined;
      if (!role) return false;
      if (role[0] === 'master') {
        masters++;
        if ((role[2] as unknown[]).length < replicasPerMaster) return false;
      } else if (role[3] !== 'connected') return false;
    }
    return masters === 3;
  }

  node(port: number): Node {
    const n = this.nodes.find((x) => x.port === port);
    if (!n) throw new Error(`no node on ${port}`);
    return n;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}
