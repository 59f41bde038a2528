/**
 * Call sequences run against botbuilder's MemoryStorage and against RedisStorage; the tests require
 * the same observable log from both. eTag values differ between stores, so every eTag read back is
 * replaced by a label (E1, E2… in order of first appearance): the logs then also agree on which
 * eTags are equal to which.
 */
import { ActivityTypes, ConversationState, TestAdapter, type Storage, type StoreItems, type TurnContext } from 'botbuilder';
import {
  ConfirmPrompt,
  DialogSet,
  DialogTurnStatus,
  NumberPrompt,
  TextPrompt,
  WaterfallDialog,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';

export type LogEntry = { step: string; result?: unknown; error?: { name: string; message: string; conflict: boolean } };

/** Keys MemoryStorage itself mishandles (it indexes a plain object): kept out of the parity runs. */
export const ODD_KEYS = [
  '日本語 🎉',
  'Ünïcödé',
  '{',
  '}',
  '{x}',
  '}{',
  '{{}}',
  'a:b',
  ':',
  'a/b/c',
  ' ',
  '  two  ',
  '',
  'x'.repeat(10000),
  '%7B',
  '%7D',
  '%00',
  '%',
  '%u',
  '\uD800',
  '\uDC00x',
  '\uFFFD',
  'line\nbreak',
  'tab\tnul\u0000',
  '*',
  'state:{conv}:lock',
  'msteams/conversations/19:abc@thread.tacv2;messageid=1/users/29:xyz',
];

class Recorder {
  readonly log: LogEntry[] = [];
  private readonly labels = new Map<string, string>();

  constructor(private readonly storage: Storage) {}

  /** Replaces every `eTag` string found in a value by its label. */
  normalize(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.normalize(v));
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        out[k] = k === 'eTag' && typeof v === 'string' ? this.label(v) : this.normalize(v);
      }
      return out;
    }
    return value;
  }

  private label(eTag: string): string {
    let l = this.labels.get(eTag);
    if (!l) {
      l = `E${this.labels.size + 1}`;
      this.labels.set(eTag, l);
    }
    return l;
  }

  async step(name: string, fn: (s: Storage) => Promise<unknown>): Promise<unknown> {
    try {
      const result = await fn(this.storage);
      this.log.push({ step: name, result: result === undefined ? '<void>' : this.normalize(result) });
      return result;
    } catch (err) {
      const e = err as Error;
      this.log.push({ step: name, error: { name: e.name, message: e.message, conflict: /eTag conflict/.test(e.message) } });
      return undefined;
    }
  }

  /** Reads one key, logs it, returns the raw item (with its real eTag). */
  async current(key: string): Promise<any> {
    const items = (await this.step(`read ${JSON.stringify(key).slice(0, 40)}`, (s) => s.read([key]))) as StoreItems;
    return items?.[key];
  }
}

/** The whole Storage contract, branch by branch. Returns the normalized log. */
export async function storageScenario(storage: Storage): Promise<LogEntry[]> {
  const r = new Recorder(storage);
  const any = (v: unknown): any => v;

  // Unknown keys, empty calls.
  await r.step('read unknown keys', (s) => s.read(['nope', 'nope-2']));
  await r.step('read no keys', (s) => s.read([]));
  await r.step('write nothing', (s) => s.write({}));
  await r.step('delete no keys', (s) => s.delete([]));
  await r.step('delete unknown key', (s) => s.delete(['never-written']));

  // Create, update, stale, '*', falsy eTags.
  await r.step('create without eTag', (s) => s.write({ a: { n: 1, tags: ['x'], nested: { ok: true } } }));
  const a1 = await r.current('a');
  await r.step('update with the current eTag', (s) => s.write({ a: { ...a1, n: 2 } }));
  const a2 = await r.current('a');
  await r.step('update with a stale eTag', (s) => s.write({ a: { ...a1, n: 99 } }));
  await r.current('a');
  await r.step("overwrite with '*'", (s) => s.write({ a: { n: 3, eTag: '*' } }));
  await r.current('a');
  await r.step("overwrite with eTag ''", (s) => s.write({ a: { n: 4, eTag: '' } }));
  await r.step('overwrite with eTag null', (s) => s.write({ a: { n: 5, eTag: null } }));
  await r.step('overwrite without eTag', (s) => s.write({ a: { n: 6 } }));
  const a6 = await r.current('a');
  await r.step('the previous current eTag is now stale', (s) => s.write({ a: { ...a2, n: 100 } }));
  await r.step('a numeric eTag on an existing key', (s) => s.write({ a: { n: 7, eTag: 12345 } }));
  await r.step('an eTag on a missing key creates it', (s) => s.write({ b: { v: 1, eTag: 'no-such-etag' } }));
  await r.current('b');
  await r.step('a numeric eTag on a missing key', (s) => s.write({ num: { v: 1, eTag: 7 } }));
  await r.current('num');
  await r.step('same current eTag twice: second is stale', async (s) => {
    await s.write({ a: { ...a6, n: 8 } });
    await s.write({ a: { ...a6, n: 9 } });
  });
  await r.current('a');

  // Batches.
  await r.step('batch: create two keys', (s) => s.write({ c: { v: 'c' }, d: { v: 'd' } }));
  await r.step('read batch with duplicates and unknowns', (s) => s.read(['d', 'c', 'zz', 'c', 'a']));
  await r.step('batch: one key conflicts, others are written', (s) =>
    s.write({ x: { v: 'x' }, a: { n: 10, eTag: 'stale' }, y: { v: 'y' } }),
  );
  await r.step('read after the conflicting batch', (s) => s.read(['x', 'a', 'y']));
  await r.step('batch: two conflicts, the first in key order is reported', (s) =>
    s.write({ c: { eTag: 'stale-c' }, z: { v: 'z' }, d: { eTag: 'stale-d' } }),
  );
  await r.step('create an integer-like key', (s) => s.write({ 7: { v: 7 } }));
  await r.step('integer-like keys come first in key order', (s) =>
    s.write({ y: { eTag: 'stale-y' }, 7: { eTag: 'stale-7' } }),
  );
  await r.step('read after the integer-key batch', (s) => s.read(['c', 'd', 'z', 'y', '7']));
  const c = await r.current('c');
  const d = await r.current('d');
  await r.step('batch: all current eTags', (s) => s.write({ c: { ...c, v: 'c2' }, d: { ...d, v: 'd2' } }));
  await r.step('read after the current batch', (s) => s.read(['c', 'd']));

  // Deletes.
  await r.step('delete a known and an unknown key', (s) => s.delete(['a', 'never-existed']));
  await r.step('read a deleted key', (s) => s.read(['a']));
  await r.step('write to a deleted key with its old eTag', (s) => s.write({ a: { n: 11, eTag: a6.eTag } }));
  await r.current('a');
  await r.step('delete a key twice in one call', (s) => s.delete(['a', 'a']));
  await r.step('read after double delete', (s) => s.read(['a']));

  // Missing arguments, undefined keys, odd items.
  await r.step('read(undefined)', (s) => s.read(any(undefined)));
  await r.step('write(undefined)', (s) => s.write(any(undefined)));
  await r.step('delete(undefined)', (s) => s.delete(any(undefined)));
  await r.step('read(null)', (s) => s.read(any(null)));
  await r.step('write(null)', (s) => s.write(any(null)));
  await r.step('write key "undefined"', (s) => s.write({ undefined: { u: 1 } }));
  await r.step('read [undefined]', (s) => s.read(any([undefined])));
  await r.step('read [null, 7]', (s) => s.read(any([null, 7])));
  await r.step('delete [undefined]', (s) => s.delete(any([undefined])));
  await r.step('read "undefined" after delete', (s) => s.read(['undefined']));
  await r.step('JSON semantics of values', (s) =>
    s.write({ j: { u: undefined, f: () => 1, d: new Date(0), list: [1, undefined, 'x'], nan: NaN, inf: -Infinity } }),
  );
  await r.current('j');
  await r.step('a string item', (s) => s.write({ str: 'ab' }));
  await r.current('str');
  await r.step('a number item', (s) => s.write({ five: 5 }));
  await r.current('five');
  await r.step('an array item', (s) => s.write({ arr: [1, 2] }));
  await r.current('arr');
  await r.step('a null item on a missing key', (s) => s.write({ nul: null }));
  await r.current('nul');
  await r.step('a null item on an existing key stops the batch', (s) =>
    s.write({ p: { v: 1 }, nul: null, q: { v: 2 } }),
  );
  await r.step('read around the null item', (s) => s.read(['p', 'nul', 'q']));
  await r.step('a conflict before a stopping null item wins', (s) =>
    s.write({ p: { eTag: 'stale-p' }, nul: undefined, q: { v: 3 } }),
  );
  await r.step('read after the second null batch', (s) => s.read(['p', 'nul', 'q']));
  const circular: any = { v: 1 };
  circular.self = circular;
  await r.step('an unserializable item stops the batch', (s) =>
    s.write({ before: { v: 1 }, circ: circular, after: { v: 2 } }),
  );
  await r.step('read around the unserializable item', (s) => s.read(['before', 'circ', 'after']));
  await r.step('an unserializable item with a stale eTag is only a conflict', (s) =>
    s.write({ before: Object.assign(circular, { eTag: 'stale' }), after: { v: 3 } }),
  );
  await r.step('read after the stale unserializable item', (s) => s.read(['before', 'after']));
  await r.step('a BigInt', (s) => s.write({ big: { n: BigInt(1) } }));
  await r.step('toJSON giving undefined stores nothing', (s) => s.write({ before: { toJSON: () => undefined } }));
  await r.step('read after toJSON undefined', (s) => s.read(['before']));
  await r.step('toJSON giving a number', (s) => s.write({ tj: { toJSON: () => 0 } }));
  await r.step('read after toJSON number', (s) => s.read(['tj']));

  // The caller's objects.
  // (Snapshots as JSON: structuredClone would build objects of another realm under jest.)
  const nested = { list: [1, 2] };
  const mine = { n: 1, eTag: '*', nested };
  const snapshot = JSON.stringify(mine);
  await r.step('write does not mutate the item', async (s) => {
    await s.write({ m: mine });
    return { unchanged: JSON.stringify(mine) === snapshot && mine.nested === nested && Object.keys(mine).length === 3 };
  });
  const current = (await r.step('read the written item', (s) => s.read(['m']))) as StoreItems;
  const withETag = { ...current.m, n: 2 };
  const withETagSnapshot = JSON.stringify(withETag);
  await r.step('write with an eTag does not update the caller\'s eTag', async (s) => {
    await s.write({ m: withETag });
    return { unchanged: JSON.stringify(withETag) === withETagSnapshot };
  });
  const changes = { m2: { v: 1 } };
  await r.step('write does not mutate the changes map', async (s) => {
    await s.write(changes);
    return { unchanged: JSON.stringify(changes) === '{"m2":{"v":1}}' };
  });
  await r.step('read returns copies', async (s) => {
    const first = await s.read(['m']);
    first.m.nested.list.push(3);
    first.m.n = 100;
    const again = await s.read(['m']);
    return { again, distinct: first.m !== again.m };
  });
  const keys = ['m', 'm2'];
  await r.step('read does not mutate the keys', async (s) => {
    await s.read(keys);
    await s.delete(keys);
    return { unchanged: JSON.stringify(keys) === '["m","m2"]' };
  });

  // Odd keys.
  await r.step('write odd keys', (s) => s.write(Object.fromEntries(ODD_KEYS.map((k, i) => [k, { i }]))));
  await r.step('read odd keys', (s) => s.read([...ODD_KEYS, 'odd-unknown']));
  const odd = await r.step('read odd keys again', (s) => s.read(ODD_KEYS));
  await r.step('update every odd key with its eTag', (s) =>
    s.write(Object.fromEntries(ODD_KEYS.map((k) => [k, { ...(odd as StoreItems)[k], updated: true }]))),
  );
  await r.step('stale eTag on odd keys', (s) => s.write({ '{x}': { eTag: 'stale' }, '': { eTag: 'stale' } }));
  await r.step('delete half the odd keys', (s) => s.delete(ODD_KEYS.filter((_, i) => i % 2 === 0)));
  await r.step('read odd keys after delete', (s) => s.read(ODD_KEYS));
  await r.step('delete the rest', (s) => s.delete(ODD_KEYS));
  await r.step('read odd keys after deleting all', (s) => s.read(ODD_KEYS));

  return r.log;
}

/**
 * A multi-turn waterfall dialog through ConversationState (which writes with eTag '*') and
 * TestAdapter. Returns the transcript and the stored conversation state, normalized.
 */
export async function dialogScenario(
  storage: Storage,
): Promise<{ transcript: string[]; calls: string[]; state: unknown }> {
  // Records what ConversationState asks of the store.
  const calls: string[] = [];
  const written = new Set<string>();
  const spy: Storage = {
    read: (keys) => (calls.push(`read ${keys.join(',')}`), storage.read(keys)),
    write: (changes) => {
      Object.keys(changes).forEach((k) => written.add(k));
      calls.push(`write ${Object.keys(changes).join(',')} eTag=${Object.values(changes).map((c) => c.eTag).join(',')}`);
      return storage.write(changes);
    },
    delete: (keys) => (calls.push(`delete ${keys.join(',')}`), storage.delete(keys)),
  };
  const conversationState = new ConversationState(spy);
  const dialogState = conversationState.createProperty('DialogState');
  const turns = conversationState.createProperty<number>('turns');
  const dialogs = new DialogSet(dialogState);
  dialogs.add(new TextPrompt('name'));
  dialogs.add(
    new NumberPrompt('amount', async (p) => p.recognized.succeeded && (p.recognized.value ?? 0) > 0, 'en-us'),
  );
  dialogs.add(new ConfirmPrompt('confirm', undefined, 'en-us'));
  dialogs.add(
    new WaterfallDialog('refund', [
      async (step: WaterfallStepContext) => step.prompt('name', 'Your name?'),
      async (step: WaterfallStepContext) => {
        (step.values as Record<string, unknown>).name = step.result;
        return step.prompt('amount', { prompt: 'Amount?', retryPrompt: 'A positive number, please.' });
      },
      async (step: WaterfallStepContext) => {
        (step.values as Record<string, unknown>).amount = step.result;
        return step.prompt('confirm', `Refund ${step.result} to ${(step.values as Record<string, unknown>).name}?`);
      },
      async (step: WaterfallStepContext) => {
        const v = step.values as Record<string, unknown>;
        await step.context.sendActivity(step.result ? `Refund of ${v.amount} for ${v.name} filed.` : 'Cancelled.');
        return step.endDialog();
      },
    ]),
  );

  const adapter = new TestAdapter(async (context: TurnContext) => {
    const n = (await turns.get(context, 0)) + 1;
    await turns.set(context, n);
    const dc = await dialogs.createContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty && context.activity.type === ActivityTypes.Message) {
      await context.sendActivity(`Turn ${n}.`);
      await dc.beginDialog('refund');
    }
    await conversationState.saveChanges(context);
  });

  const transcript: string[] = [];
  for (const text of ['hello', 'Alice', 'lots', '-3', '42', 'maybe', 'yes', 'again', 'Bob', '7', 'no']) {
    transcript.push(`user: ${text}`);
    await adapter.receiveActivity(text);
    for (const reply of adapter.activeQueue.splice(0)) transcript.push(`bot: ${reply.text ?? `<${reply.type}>`}`);
  }
  const items = await storage.read([...written]);
  const state = new Recorder(storage).normalize(items);
  return { transcript, calls, state };
}
