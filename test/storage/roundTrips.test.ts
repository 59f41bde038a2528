import { randomUUID } from 'node:crypto';
import type { App } from '../../src/app';
import { send, startTestApp, texts } from '../support/app';

/*
 * Issue 13: at most 3 Redis round trips per ordinary turn, counted on the real private Redis.
 * A round trip is a stretch of time during which at least one of the turn's commands is waiting for
 * its reply: commands sent together, or while others are still out, share it (that is what the
 * customer waits for). Only commands about this conversation count (the desk's and the e-mail
 * outbox's background loops run on the same client).
 */
function recorder(app: App) {
  const target = app.redis as unknown as { sendCommand: (cmd: any, ...rest: unknown[]) => unknown };
  const original = target.sendCommand;
  let conv = '';
  let inFlight = 0;
  let trips = 0;
  const commands: string[] = [];
  target.sendCommand = function (cmd: any, ...rest: unknown[]) {
    const args: unknown[] = cmd?.args ?? [];
    if (conv && cmd?.promise && !cmd.__rt && args.some((a) => String(a).includes(conv))) {
      cmd.__rt = true;
      if (inFlight++ === 0) trips++;
      commands.push(`${trips} ${cmd.name} ${String(args.find((a) => String(a).includes(conv))).replace(conv, '<conv>')}`);
      const settle = () => {
        inFlight--;
      };
      cmd.promise.then(settle, settle);
    }
    return original.call(this, cmd, ...rest);
  };
  return {
    start(c: string) {
      conv = c;
      trips = 0;
      commands.length = 0;
    },
    stop() {
      conv = '';
      return { trips, commands: [...commands] };
    },
  };
}

describe('Redis round trips per turn', () => {
  let app: App;
  let baseUrl: string;

  beforeAll(async () => {
    ({ app, baseUrl } = await startTestApp({ RATE_LIMIT_MESSAGES_PER_MINUTE: '1000' }));
  }, 60000);
  afterAll(async () => {
    await app?.close();
  });

  it('an ordinary turn makes at most 3, a whole refund conversation is counted turn by turn', async () => {
    const rec = recorder(app);
    const conv = `rt-${randomUUID()}`;
    const steps: { name: string; activity: Record<string, unknown>; ordinary: boolean; expect: RegExp }[] = [
      { name: 'first message (facts)', activity: { text: 'I want a refund of €49.00 for order FL-100001, I paid by mistake', locale: 'en-GB' }, ordinary: false, expect: /proof/i },
      { name: 'skip the proof', activity: { text: 'skip', locale: 'en-GB' }, ordinary: true, expect: /no proof/i },
      { name: 'confirm (case created)', activity: { value: { action: 'refund.confirm' }, locale: 'en-GB' }, ordinary: false, expect: /RF-/ },
      { name: 'thanks', activity: { text: 'thanks', locale: 'en-GB' }, ordinary: true, expect: /welcome/i },
      { name: 'help', activity: { text: 'help', locale: 'en-GB' }, ordinary: true, expect: /./ },
    ];
    const figures: Record<string, number> = {};
    for (const step of steps) {
      rec.start(conv);
      const replies = await send(baseUrl, conv, step.activity);
      // Writes deferred to the end of the turn are awaited by the turn itself: nothing is left in flight.
      const { trips, commands } = rec.stop();
      figures[step.name] = trips;
      expect(texts(replies).join('\n')).toMatch(step.expect);
      if (step.ordinary) {
        if (trips > 3) throw new Error(`${step.name}: ${trips} round trips\n${commands.join('\n')}`);
        expect(trips).toBeGreaterThanOrEqual(3); // the lock, the state, the commit: the count is real
      }
    }
    // eslint-disable-next-line no-console
    console.log(`Redis round trips per turn: ${JSON.stringify(figures)}`);
  }, 120000);

  it('a duplicate of a committed message is dropped in one round trip, and not processed twice', async () => {
    const rec = recorder(app);
    const conv = `rt-${randomUUID()}`;
    const id = randomUUID();
    await send(baseUrl, conv, { text: 'hello', locale: 'en-GB' });
    const first = await send(baseUrl, conv, { id, text: 'I want a refund', locale: 'en-GB' });
    rec.start(conv);
    const again = await send(baseUrl, conv, { id, text: 'I want a refund', locale: 'en-GB' });
    const { trips } = rec.stop();
    // The client gets what the first attempt answered (it lost it), read in the same round trip.
    expect(again).toEqual(first);
    expect(trips).toBe(1);
  }, 60000);
});
