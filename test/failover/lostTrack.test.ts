import { randomUUID } from 'node:crypto';
import { startTestApp, send, texts } from '../support/app';
import type { App } from '../../src/app';
import { translator } from '../../src/i18n';

/*
 * A failover that throws away a conversation's last writes takes its state back a few turns (or to
 * nothing). The bot must notice and say so, naming the customer's latest recorded request, instead of
 * restarting silently. Simulated here exactly as a failover leaves it: the state key goes back to an
 * earlier version (DUMP / RESTORE), or disappears, while the rest of Redis moves on.
 */
describe('a conversation whose state went back', () => {
  let app: App;
  let baseUrl: string;
  const en = translator('en');
  const fr = translator('fr');

  beforeAll(async () => {
    ({ app, baseUrl } = await startTestApp());
  }, 60000);
  afterAll(async () => app?.close());

  const stateKey = (conv: string) => app.stateKey(`test/conversations/${conv}/`);
  const say = async (conv: string, activity: Record<string, unknown>, user: string) => texts(await send(baseUrl, conv, activity, user)).join('\n');

  it('says it lost track and names the latest recorded request, then goes on normally', async () => {
    const conv = randomUUID();
    const user = `u-${randomUUID().slice(0, 8)}`;
    expect(await say(conv, { text: 'I want a refund of €49.00 for order FL-100001, I paid by mistake', locale: 'en-GB' }, user)).toContain(en('refund:ask.proofOptional'));
    const early = await app.redis.dumpBuffer(stateKey(conv));
    expect(early).toBeTruthy();
    await say(conv, { text: 'skip', locale: 'en-GB' }, user);
    const done = await say(conv, { value: { action: 'refund.confirm' }, locale: 'en-GB' }, user);
    const ref = /\b((?:RF|PN|DS)-[0-9A-Z]{5})\b/.exec(done)?.[1];
    expect(ref).toBeDefined();

    // The failover: the state is back to what it was after the first message.
    await app.redis.restore(stateKey(conv), 0, early, 'REPLACE');
    const after = await say(conv, { text: 'hello', locale: 'en-GB' }, user);
    expect(after).toContain(
      en('common:continuity.lostTrackWithCase', { reference: ref, topic: en('status:topics.refund'), status: en('status:statuses.submitted') }),
    );
    // Not the old question again, as if nothing had happened.
    expect(after).not.toContain(en('refund:ask.proofOptional'));
    // Said once: the next message is an ordinary turn.
    const next = await say(conv, { text: 'hello', locale: 'en-GB' }, user);
    expect(next).not.toContain(en('common:continuity.lostTrack').slice(0, 30));
  }, 150000); // the first turn of a fresh app is slow on a loaded machine

  it('a state lost entirely is noticed too, in the customer’s language, even without a recorded request', async () => {
    const conv = randomUUID();
    const user = `u-${randomUUID().slice(0, 8)}`;
    expect(await say(conv, { text: 'Je veux être remboursé de 49,00 € pour la commande FL-100001, j’ai payé par erreur', locale: 'fr-FR' }, user)).toContain(fr('refund:ask.proofOptional'));
    await app.redis.del(stateKey(conv));
    const after = await say(conv, { text: 'passer', locale: 'fr-FR' }, user);
    expect(after).toContain(fr('common:continuity.lostTrack'));
  }, 60000);

  it('a conversation that never lost anything never hears it', async () => {
    const conv = randomUUID();
    const user = `u-${randomUUID().slice(0, 8)}`;
    const all = [
      await say(conv, { text: 'help', locale: 'en-GB' }, user),
      await say(conv, { text: 'I want a refund of €49.00 for order FL-100001, I paid by mistake', locale: 'en-GB' }, user),
      await say(conv, { text: 'skip', locale: 'en-GB' }, user),
    ].join('\n');
    expect(all).not.toContain(en('common:continuity.lostTrack').slice(0, 30));
  }, 60000);
});
