/**
 * The baseline for bench/turns.ts: a bare echo bot on the same stack as the real one (CloudAdapter
 * without credentials, restify, conversation state read and written once per turn, in
 * MemoryStorage). `GET /stats` reports its resident memory and event-loop delay since the last call
 * (the bot reports the same through /metrics). Listens on PORT (127.0.0.1).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import restify from 'restify';
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication, ConversationState, MemoryStorage } from 'botbuilder';

const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
const state = new ConversationState(new MemoryStorage());
const count = state.createProperty<number>('count');

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      const n = ((await count.get(context, 0)) ?? 0) + 1;
      await count.set(context, n);
      await context.sendActivity(`You said: ${context.activity.text ?? ''} (${n})`);
      await next();
    });
  }
  override async run(context: Parameters<ActivityHandler['run']>[0]): Promise<void> {
    await super.run(context);
    await state.saveChanges(context, false);
  }
}
const bot = new EchoBot();

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

const server = restify.createServer({ name: 'echo', handleUncaughtExceptions: false });
server.use(restify.plugins.bodyParser({ maxBodySize: 256 * 1024, mapParams: false }));
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, (context) => bot.run(context));
});
server.get('/readyz', async (_req, res) => {
  res.send(200, { status: 'ready' });
});
server.get('/stats', async (_req, res) => {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  res.send(200, { rss: mem.rss, heap: mem.heapUsed, lagMax: loop.max / 1e9, lagP99: loop.percentile(99) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
  loop.reset();
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
