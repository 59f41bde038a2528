import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config';
import { createApp, App } from '../../src/app';
import { createLogger } from '../../src/logger';
import Redis from 'ioredis';
import { createMetrics, instrumentRedis } from '../../src/metrics';
import { send, texts } from '../support/app';
import { startRedis, PrivateRedis } from '../support/redisServer';

/** A bot app on a free port against the private test Redis, its log lines captured as objects. */
async function start(env: Record<string, string>, opts: { metricsPort?: boolean } = {}) {
  const lines: Record<string, any>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  const config = loadConfig({
    PORT: '1',
    HOST: '127.0.0.1',
    REDIS_URL: process.env.TEST_REDIS_URL,
    REDIS_KEY_PREFIX: `t${randomUUID().slice(0, 8)}`,
    LOG_LEVEL: 'info',
    INSTANCE_ID: 'bot-test-1',
    ...env,
  });
  config.port = 0;
  if (opts.metricsPort) config.metrics.port = 0;
  const app = await createApp(config, { logger: createLogger('info', sink, { instanceId: config.instanceId }) });
  const { port, metricsPort } = await app.listen();
  return { app, baseUrl: `http://127.0.0.1:${port}`, metricsUrl: metricsPort ? `http://127.0.0.1:${metricsPort}/metrics` : undefined, lines };
}

/** The value of one sample, e.g. `bot_turns_total{result="ok"}`; undefined when absent. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

const TOKEN = 'a-metrics-token-of-at-least-32-characters';
const refIn = (s: string) => /\bRF-[2-9A-HJ-NP-Z]{5}\b/.exec(s)?.[0];

describe('/metrics', () => {
  it('does not exist on the bot port by default', async () => {
    const { app, baseUrl } = await start({});
    try {
      expect((await fetch(`${baseUrl}/metrics`)).status).toBe(404);
      // The registry still counts (the handoff desk and tests can read it).
      await send(baseUrl, randomUUID(), { text: 'help', locale: 'en-GB' });
      expect(sample((await app.metrics.render()).body, 'bot_turns_total{result="ok"}')).toBe(1);
    } finally {
      await app.close();
    }
  });

  describe('behind a token on the bot port', () => {
    let app: App;
    let baseUrl: string;
    let lines: Record<string, any>[];
    beforeAll(async () => ({ app, baseUrl, lines } = await start({ METRICS_TOKEN: TOKEN })));
    afterAll(() => app.close());
    const scrape = async () => {
      const res = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      return res.text();
    };

    it('refuses a scrape without the token or with a wrong one', async () => {
      expect((await fetch(`${baseUrl}/metrics`)).status).toBe(401);
      expect((await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
      expect((await fetch(`${baseUrl}/metrics`, { headers: { authorization: TOKEN } })).status).toBe(401);
    });

    it('counts a complete refund conversation: turns by topic and result, the decision, Redis commands', async () => {
      const conv = randomUUID();
      const say = async (activity: Record<string, unknown>) => texts(await send(baseUrl, conv, activity, 'demo-camille')).join('\n');
      await say({ text: 'I want a refund of €49.00 for order FL-100001, I paid by mistake', locale: 'en-GB' });
      await say({ text: 'skip' });
      const answer = await say({ value: { action: 'refund.confirm' } });
      const ref = refIn(answer);
      expect(ref).toBeDefined();

      const text = await scrape();
      expect(sample(text, 'bot_turns_total{result="ok"}')).toBe(3);
      expect(sample(text, 'bot_turns_total{result="error"}')).toBe(0);
      expect(sample(text, 'bot_turn_duration_seconds_count{topic="refund"}')).toBe(3);
      expect(sample(text, 'bot_decisions_total{topic="refund",outcome="provisional_approval"}')).toBe(1);
      expect(sample(text, 'bot_redis_command_duration_seconds_count{command="get"}') ?? 0).toBeGreaterThan(0);
      expect(sample(text, 'bot_rate_limit_rejections_total{limit="messages"}')).toBe(0);
      expect(sample(text, 'bot_info{instance_id="bot-test-1",version="0.1.0"}') ?? sample(text, 'bot_info{instance_id="bot-test-1",version="unknown"}')).toBe(1);
      expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(10e6);
      expect(sample(text, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0);
      expect(text).toContain('# TYPE bot_handoff_queue_length gauge');
      expect(text).toContain('# TYPE bot_handoff_wait_seconds histogram');

      // One log line per turn: ids, topic, result, duration; the case reference once it exists.
      const turns = lines.filter((l) => l.msg === 'turn' && l.conversationId === conv);
      expect(turns).toHaveLength(3);
      for (const t of turns) {
        expect(t).toMatchObject({ instanceId: 'bot-test-1', topic: 'refund', result: 'ok', level: 30 });
        expect(typeof t.durationMs).toBe('number');
        expect(t.durationMs).toBeGreaterThan(0);
      }
      expect(turns[2].caseRef).toBe(ref);
      // Nothing the user typed is on a turn line.
      expect(JSON.stringify(turns)).not.toMatch(/mistake|FL-100001|€/);
    }, 90000);

    it('counts Redis errors by command and kind', async () => {
      await expect(app.redis.call('nosuchcommand')).rejects.toThrow();
      expect(sample(await scrape(), 'bot_redis_command_errors_total{command="nosuchcommand",kind="reply"}')).toBe(1);
    });

  });

  it('resetTraffic: back to zero after the warm-up turns, every turn result and limit still listed', async () => {
    const metrics = createMetrics({ instanceId: 'reset', defaultMetrics: false });
    metrics.turns.inc({ result: 'ok' }, 6);
    metrics.turnDuration.observe({ topic: 'menu' }, 0.02);
    metrics.redisRoundTrips.inc(18);
    metrics.resetTraffic();
    const body = (await metrics.render()).body;
    for (const result of ['ok', 'busy', 'storage_unavailable', 'error']) expect(sample(body, `bot_turns_total{result="${result}"}`)).toBe(0);
    expect(sample(body, 'bot_rate_limit_rejections_total{limit="messages"}')).toBe(0);
    expect(sample(body, 'bot_redis_round_trips_total')).toBe(0);
    expect(body).not.toContain('bot_turn_duration_seconds_count{topic="menu"}');
    expect(sample(body, 'bot_info{instance_id="reset",version="unknown"}')).toBe(1);
  });

  it('counts a pipeline as one round trip, and commands awaited one after another as one each', async () => {
    // Its own client and registry: nothing else sends commands on it meanwhile.
    const metrics = createMetrics({ instanceId: 'rt', defaultMetrics: false });
    const redis = new Redis(process.env.TEST_REDIS_URL as string);
    instrumentRedis(redis, metrics);
    try {
      const trips = async () => sample((await metrics.render()).body, 'bot_redis_round_trips_total') as number;
      await redis.ping();
      const before = await trips();
      await redis.pipeline().get('rt:a').get('rt:b').get('rt:c').exec();
      expect((await trips()) - before).toBe(1);
      await redis.multi().incr('rt:n').pexpire('rt:n', 1000).exec();
      expect((await trips()) - before).toBe(2);
      await redis.get('rt:a');
      await redis.get('rt:b');
      expect((await trips()) - before).toBe(4);
      expect(sample((await metrics.render()).body, 'bot_redis_command_duration_seconds_count{command="get"}')).toBe(5);
    } finally {
      redis.disconnect();
    }
  });

  it('counts rate-limit rejections', async () => {
    const { app, baseUrl } = await start({ RATE_LIMIT_MESSAGES_PER_MINUTE: '2' });
    try {
      const conv = randomUUID();
      for (let i = 0; i < 4; i++) await send(baseUrl, conv, { text: 'help', locale: 'en-GB' });
      const text = (await app.metrics.render()).body;
      expect(sample(text, 'bot_rate_limit_rejections_total{limit="messages"}')).toBe(2);
      expect(sample(text, 'bot_turns_total{result="ok"}')).toBe(4);
    } finally {
      await app.close();
    }
  });

  it('on its own port: only /metrics there, nothing on the bot port, token too when set', async () => {
    const { app, baseUrl, metricsUrl } = await start({ METRICS_TOKEN: TOKEN }, { metricsPort: true });
    try {
      expect(metricsUrl).toBeDefined();
      expect((await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
      expect((await fetch(metricsUrl!)).status).toBe(401);
      const res = await fetch(metricsUrl!, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('bot_turns_total{result="ok"} 0');
      expect((await fetch(metricsUrl!.replace('/metrics', '/'))).status).toBe(404);
    } finally {
      await app.close();
    }
  });

  describe('when Redis stops', () => {
    let redis: PrivateRedis;
    afterAll(() => redis?.stop());

    it('counts the failed turn as storage_unavailable and the failed commands as connection errors', async () => {
      redis = await startRedis();
      const { app, baseUrl, lines } = await start({ REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '300' });
      try {
        const conv = randomUUID();
        await send(baseUrl, conv, { text: 'help', locale: 'en-GB' });
        redis.process.kill('SIGKILL');
        await new Promise((r) => redis.process.once('exit', r));
        await send(baseUrl, conv, { text: 'help', locale: 'en-GB' });
        const text = (await app.metrics.render()).body;
        expect(sample(text, 'bot_turns_total{result="ok"}')).toBe(1);
        expect(sample(text, 'bot_turns_total{result="storage_unavailable"}')).toBe(1);
        const errors = text.split('\n').filter((l) => l.startsWith('bot_redis_command_errors_total{') && l.includes('kind="connection"'));
        expect(errors.length).toBeGreaterThan(0);
        const failed = lines.find((l) => l.msg === 'turn' && l.result === 'storage_unavailable');
        expect(failed).toMatchObject({ conversationId: conv, instanceId: 'bot-test-1', level: 40 });
        // Back up before closing (as in production, closing while Redis is away is not this test's subject).
        redis = await startRedis({ port: redis.port });
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        await app.close();
      }
    });
  });
});
