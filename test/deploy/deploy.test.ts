import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config';

/*
 * deploy/ cannot be run here (no Docker on this machine), so it is checked statically: the
 * Dockerfile by a linter (dockerfile-utils, the Docker language server's validator; hadolint is in
 * neither npm nor Debian) plus the rules this project holds to, and the compose file by parsing it
 * and checking that what it names exists and agrees: files, ports, health checks, the proxy's
 * backends, Sentinel's master, and the bot's settings (which must pass config.ts as they are).
 */
const ROOT = resolve(__dirname, '..', '..');
const DEPLOY = join(ROOT, 'deploy');
const read = (f: string) => readFileSync(join(DEPLOY, f), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };
const routes = readFileSync(join(ROOT, 'src', 'server', 'createServer.ts'), 'utf8');

describe('deploy/Dockerfile', () => {
  const text = read('Dockerfile');
  const doc = DockerfileParser.parse(text);
  const instructions = doc.getInstructions();
  const froms = doc.getFROMs();
  const finalStart = froms[froms.length - 1].getRange().start.line;
  const final = instructions.filter((i) => i.getRange().start.line >= finalStart);
  const args = (keyword: string, from = final) => from.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? '');

  it('passes the linter with no error or warning', () => {
    const problems = validate(text).filter((d) => d.severity === ValidationSeverity.ERROR || d.severity === ValidationSeverity.WARNING);
    expect(problems.map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('is multi-stage on a pinned Node 20 image, and the final stage installs production dependencies only', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f.getImage()).toMatch(/^node:20[.\d]*-[a-z]+-slim$/);
    expect(args('RUN').some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(args('RUN').some((r) => /\bnpm (install|i)\b/.test(r))).toBe(false);
    // The build stage compiles to what package.json's main and the CMD run, with the V8 flags of
    // `npm start` (the heap cap): the container runs what `npm start` and the benchmark run.
    const startFlags = pkg.scripts.start.split(/\s+/).filter((a) => a.startsWith('--'));
    expect(startFlags).toContain('--max-old-space-size=384');
    expect(pkg.scripts.start.endsWith(pkg.main)).toBe(true);
    expect(args('CMD')).toEqual([JSON.stringify(['node', ...startFlags, pkg.main]).replace(/","/g, '", "')]);
  });

  it('runs as a non-root user', () => {
    const users = args('USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
    const userLine = final.find((i) => i.getKeyword() === 'USER')!.getRange().start.line;
    const cmdLine = final.find((i) => i.getKeyword() === 'CMD')!.getRange().start.line;
    expect(userLine).toBeLessThan(cmdLine);
  });

  it('has a HEALTHCHECK on /healthz at PORT, which the server serves, and exposes PORT and METRICS_PORT', () => {
    const hc = args('HEALTHCHECK');
    expect(hc).toHaveLength(1);
    expect(hc[0]).toContain('/healthz');
    expect(hc[0]).toContain('process.env.PORT || 3978');
    expect(routes).toContain("'/healthz'");
    expect(routes).toContain("'/readyz'");
    const env = args('ENV').join(' ');
    expect(env).toMatch(/PORT=3978/);
    expect(env).toMatch(/METRICS_PORT=9464/);
    expect(args('EXPOSE').join(' ').split(/\s+/).sort()).toEqual(['3978', '9464']);
  });

  it('copies only files that exist, and what the bot reads at run time', () => {
    const copies = instructions.filter((i) => i.getKeyword() === 'COPY' && !/--from=/.test(i.getTextContent()));
    for (const c of copies) {
      const parts = (c.getArgumentsContent() ?? '').split(/\s+/);
      for (const src of parts.slice(0, -1)) expect({ src, exists: existsSync(join(ROOT, src)) }).toEqual({ src, exists: true });
    }
    const copied = copies.flatMap((c) => (c.getArgumentsContent() ?? '').split(/\s+/).slice(0, -1));
    for (const needed of ['locales', 'public', 'data', 'package-lock.json']) expect(copied).toContain(needed);
    // The ignore file lets through everything the Dockerfile copies.
    const ignore = read('Dockerfile.dockerignore');
    for (const src of new Set(copied)) expect(ignore).toMatch(new RegExp(`^!${src.replace(/\./g, '\\.')}(/\\*\\*)?$`, 'm'));
  });
});

describe('deploy/compose.yaml', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as {
    services: Record<string, any>;
    volumes?: Record<string, unknown>;
  };
  const services = compose.services;
  const bots = Object.keys(services).filter((s) => /^bot-\d+$/.test(s));
  const sentinels = Object.keys(services).filter((s) => /^sentinel-\d+$/.test(s));
  /** ${VAR:?msg} and ${VAR:-default} as compose would substitute them with these values. */
  const substitute = (v: string, given: Record<string, string>) =>
    v.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => given[name] ?? (op === '-' ? (arg ?? '') : ''));

  it('runs three bot instances from deploy/Dockerfile, each with its own INSTANCE_ID', () => {
    expect(bots).toEqual(['bot-1', 'bot-2', 'bot-3']);
    for (const b of bots) {
      expect(services[b].build).toEqual({ context: '..', dockerfile: 'deploy/Dockerfile' });
      expect(existsSync(resolve(DEPLOY, services[b].build.context, services[b].build.dockerfile))).toBe(true);
      expect(services[b].environment.INSTANCE_ID).toBe(b);
    }
  });

  it('gives each bot settings that config.ts accepts, on Sentinel, with metrics on their own port', () => {
    const secrets = { REDIS_PASSWORD: 'p'.repeat(24), DIRECTLINE_SECRET: 's'.repeat(40) };
    for (const b of bots) {
      const env = Object.fromEntries(Object.entries(services[b].environment as Record<string, string>).map(([k, v]) => [k, substitute(String(v), secrets)]));
      expect(Object.keys(env).filter((k) => !CONFIG_VARIABLES.includes(k))).toEqual([]);
      const config = loadConfig(env);
      expect(config.redis.sentinelName).toBe('mymaster');
      expect(config.redis.sentinels!.map((s) => s.host).sort()).toEqual(sentinels);
      expect(config.redis.sentinels!.every((s) => s.port === 26379)).toBe(true);
      expect(config.redis.autostart).toBe(false);
      expect(config.metrics.port).toBeDefined();
      expect(services[b].expose).toEqual(expect.arrayContaining([String(config.port), String(config.metrics.port)]));
      expect(services[b].ports).toBeUndefined(); // only the proxy is published
      // The compose health check asks the same port and path as the image's HEALTHCHECK.
      expect(services[b].healthcheck.test.join(' ')).toContain(`http://127.0.0.1:${config.port}/healthz`);
      for (const s of sentinels) expect(services[b].depends_on[s]).toBeDefined();
    }
    // A required secret left unset stops compose, rather than starting with an empty one.
    expect(services['bot-1'].environment.REDIS_PASSWORD).toMatch(/^\$\{REDIS_PASSWORD:\?/);
    expect(services['bot-1'].environment.DIRECTLINE_SECRET).toMatch(/^\$\{DIRECTLINE_SECRET:\?/);
  });

  it('mounts files that exist, and names only declared volumes', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const v of (svc.volumes ?? []) as string[]) {
        const [src] = v.split(':');
        if (src.startsWith('.')) expect({ name, src, exists: existsSync(resolve(DEPLOY, src)) }).toEqual({ name, src, exists: true });
        else expect(Object.keys(compose.volumes ?? {})).toContain(src);
      }
    }
  });

  it('publishes only the proxy, whose backends are the bot services, checked on /readyz at PORT', () => {
    const published = Object.entries(services).filter(([, s]) => s.ports).map(([n]) => n);
    expect(published).toEqual(['proxy']);
    const cfg = read('haproxy.cfg');
    const [hostPort, containerPort] = String(services.proxy.ports[0]).split(':');
    expect(hostPort).toMatch(/^\d+$/);
    expect(cfg).toMatch(new RegExp(`^\\s*bind :${containerPort}$`, 'm'));
    const backends = [...cfg.matchAll(/^\s*server (\S+) (\S+):(\d+) check$/gm)].map((m) => ({ name: m[1], host: m[2], port: Number(m[3]) }));
    expect(backends.map((b) => b.host)).toEqual(bots);
    for (const b of backends) expect(b.port).toBe(Number(services[b.host].environment.PORT));
    expect(cfg).toMatch(/^\s*option httpchk GET \/readyz$/m);
    expect(cfg).toMatch(/deny.*path_beg \/metrics/);
    for (const b of bots) expect(services.proxy.depends_on[b]).toBeDefined();
  });

  it('runs Redis with the append-only file and noeviction, and three Sentinels watching the primary', () => {
    const redisConf = read('redis.conf');
    expect(redisConf).toMatch(/^appendonly yes$/m);
    expect(redisConf).toMatch(/^maxmemory-policy noeviction$/m);
    expect(redisConf).toMatch(/^maxmemory \d+[kmg]b$/m);
    expect(services['redis-primary'].command.join(' ')).toContain('/usr/local/etc/redis/redis.conf');
    expect(services['redis-replica'].command.join(' ')).toMatch(/--replicaof redis-primary 6379/);
    expect(sentinels).toHaveLength(3);
    const sentinelConf = read('sentinel.conf');
    const monitor = /^sentinel monitor (\S+) (\S+) (\d+) (\d+)$/m.exec(sentinelConf)!;
    expect(monitor).not.toBeNull();
    expect(monitor[1]).toBe(services['bot-1'].environment.REDIS_SENTINEL_NAME);
    expect(Object.keys(services)).toContain(monitor[2]);
    expect(services[monitor[2]].expose).toContain(monitor[3]);
    expect(Number(monitor[4])).toBe(Math.floor(sentinels.length / 2) + 1); // a majority
    expect(sentinelConf).toMatch(/^port 26379$/m);
    for (const s of sentinels) {
      expect(services[s].command.join(' ')).toContain('redis-sentinel /data/sentinel.conf');
      expect(services[s].expose).toContain('26379');
    }
    // Every service with a health check has a test.
    for (const [name, svc] of Object.entries(services)) if (svc.healthcheck) expect({ name, test: Array.isArray(svc.healthcheck.test) }).toEqual({ name, test: true });
  });
});
