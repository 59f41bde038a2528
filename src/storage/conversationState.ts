import { randomBytes } from 'node:crypto';
import { ConversationState, type Storage, type StoreItem, type TurnContext } from 'botbuilder';
import type { TurnHandle } from './turnGate';
import type { Keyspace } from './keys';

/** Where the turn's TurnHandle lives in turn state (set by TurnGateMiddleware). */
export const TURN_HANDLE = Symbol('turnHandle');
/** The eTag the state had when this turn read it ('' when there was none). */
const READ_ETAG = Symbol('readETag');

export function turnHandle(context: TurnContext): TurnHandle | undefined {
  return context.turnState.get(TURN_HANDLE) as TurnHandle | undefined;
}

/**
 * ConversationState whose writes are conditional on the eTag read in the same turn, never
 * botbuilder's blind `'*'`: a turn that lost its lock cannot overwrite newer state.
 *
 * Inside a turn that holds the lock (a TurnHandle in turn state), `saveChanges` writes nothing: it
 * stages the write on the handle, and the turn's commit writes it in the same script that marks the
 * activity done and releases the lock (src/storage/turnGate.ts). Outside such a turn it writes at once,
 * conditionally (an eTag conflict rejects, as RedisStorage does).
 */
export class TurnConversationState extends ConversationState {
  constructor(
    private readonly store: Storage,
    /** The Redis key of a storage key (RedisStorage's `keyFor`). */
    private readonly redisKeyOf: (storageKey: string) => string,
  ) {
    super(store);
  }

  /**
   * As BotState.load, with the change hash taken by `stateJson` (one plain JSON.stringify) instead of
   * botbuilder's `calculateChangeHash` (a replacer function called on every value, three times a turn).
   */
  override async load(context: TurnContext, force = false): Promise<any> {
    const stateKey = (this as unknown as { stateKey: symbol }).stateKey;
    const cached = context.turnState.get(stateKey) as { state?: StoreItem; hash: string } | undefined;
    let state = cached?.state;
    if (force || !state) {
      const key = this.getStorageKey(context);
      if (!key) throw new Error('TurnConversationState: no storage key for this activity');
      const items = await this.store.read([key]);
      state = (items[key] as StoreItem | undefined) ?? {};
      context.turnState.set(stateKey, { state, hash: stateJson(state) });
    }
    const eTag = (state as StoreItem | undefined)?.eTag;
    if (force || !context.turnState.has(READ_ETAG)) context.turnState.set(READ_ETAG, typeof eTag === 'string' && eTag !== '*' ? eTag : '');
    return state;
  }

  override async saveChanges(context: TurnContext, force = false): Promise<void> {
    const stateKey = (this as unknown as { stateKey: symbol }).stateKey;
    let cached = context.turnState.get(stateKey) as { state: StoreItem; hash: string } | undefined;
    const body = cached ? stateJson(cached.state) : '{}';
    if (!(force || (cached && cached.hash !== body))) return;
    cached ??= { state: {}, hash: '' };
    const key = this.getStorageKey(context);
    if (!key) return;
    const read = (context.turnState.get(READ_ETAG) as string | undefined) ?? '';
    const handle = turnHandle(context);
    if (!handle) {
      await this.store.write({ [key]: { ...cached.state, eTag: read || '*' } });
    } else {
      const eTag = randomBytes(12).toString('base64url');
      const json = body === '{}' ? `{"eTag":${JSON.stringify(eTag)}}` : `${body.slice(0, -1)},"eTag":${JSON.stringify(eTag)}}`;
      handle.staged = { key: this.redisKeyOf(key), mode: read ? 'match' : 'absent', expected: read, eTag, json };
    }
    cached.hash = body;
    context.turnState.set(stateKey, cached);
  }
}

/** The state as stored, without its eTag: both the change hash and the body of the write. */
function stateJson(state: StoreItem): string {
  const { eTag: _eTag, ...rest } = state;
  return JSON.stringify(rest);
}

/** `<channel>/conversations/<conversation id>/` (ConversationState's storage key), split. */
export function parseConversationStorageKey(storageKey: string): { channelId: string; conversationId: string } | undefined {
  const m = /^([^/]*)\/conversations\/(.+)\/$/s.exec(storageKey);
  return m ? { channelId: m[1], conversationId: m[2] } : undefined;
}

/**
 * Where RedisStorage keeps an item: conversation state in its conversation's hash tag, next to the turn
 * lock and the turn record (`conv:{<id>}:s:<channel>`), so that one script commits a turn
 * (src/storage/turnGate.ts); any other item at `keyspace.state(key)`.
 */
export function stateKeyFor(keys: Keyspace): (storageKey: string) => string {
  return (storageKey) => {
    const c = parseConversationStorageKey(storageKey);
    return c ? keys.conversation(c.conversationId, `s:${c.channelId}`) : keys.state(storageKey);
  };
}
