/**
 * Lua scripts called by hash. A script is declared once, at module level:
 *
 *   const CLAIM = luaScript<[key: string, ref: string, ttl: string], number>('caseClaim', 1, `…lua…`);
 *
 * and called on any client (plain, Sentinel, Cluster, a `duplicate()`), or added to a pipeline:
 *
 *   await CLAIM.run(redis, key, ref, ttl);
 *   await durabilityFor(redis).write(key, (p) => CLAIM.queue(p, key, ref, ttl));
 *
 * What goes on the wire (the same scheme as ioredis' `defineCommand`): the first call on a
 * connection sends `EVAL` with the text (which also loads it into the server's script cache), every
 * later call on that connection sends `EVALSHA <sha1>`. If the server answers `NOSCRIPT` (its cache
 * was flushed: `SCRIPT FLUSH`, or evicted), the call is sent again as `EVAL` and the connection
 * starts over. Nothing to register: the "already sent on this connection" mark is kept per socket,
 * so a client shared by several modules, a duplicate, each node of a Cluster and a Sentinel client
 * after a failover (a new socket) all load the script the first time they use it, and only then.
 *
 * Why not `defineCommand` itself: on a pipeline, its NOSCRIPT fallback sends the script again
 * outside the pipeline, after the pipeline's `WAIT` (./durability): the write would be reported
 * durable without WAIT having covered it. Here, a pipeline remembers that one of its scripts was
 * sent again (`scriptsResentIn`), and `Durability.write` then waits once more.
 *
 * Cluster: as with any EVAL, every key a script touches must be passed as a key and all of them
 * must share one hash slot (our keys carry the conversation's or the queue's hash tag).
 */
import { createHash } from 'node:crypto';
import { Command, type ChainableCommander } from 'ioredis';
import type { RedisClient } from './redisClient';

export type ScriptArg = string | number | Buffer;

/** A script's caller: `run` on a client, `queue` on a pipeline. `A`: its keys then its arguments. */
export interface LuaScript<A extends readonly ScriptArg[], R> {
  readonly name: string;
  /** How many of the leading arguments are keys. */
  readonly keys: number;
  readonly lua: string;
  /** The SHA1 of `lua`, as `SCRIPT LOAD` answers it. */
  readonly sha: string;
  /** Runs the script on `client` (EVALSHA; EVAL the first time on a connection or after NOSCRIPT). */
  run(client: RedisClient, ...args: A): Promise<R>;
  /** Same, with Buffer replies (binary data). */
  runBuffer(client: RedisClient, ...args: A): Promise<unknown>;
  /** Adds the script to `pipeline` (its result is in `exec()`'s reply at its position). */
  queue(pipeline: ChainableCommander, ...args: A): ChainableCommander;
}

const isNoScript = (err: unknown): boolean => /NOSCRIPT/.test((err as Error | undefined)?.message ?? '');

/** Pipelines in which a script had to be sent again after NOSCRIPT (outside the pipeline). */
const resent = new WeakSet<object>();

/** True when a script of `pipeline` was sent again on its own after NOSCRIPT (see ./durability). */
export function scriptsResentIn(pipeline: object): boolean {
  return resent.has(pipeline);
}

/** Names already declared in this process, so that two different scripts cannot share one. */
const declared = new Map<string, string>();

interface PipelineLike {
  redis: RedisClient;
  sendCommand(command: Command): unknown;
}

class Script<A extends readonly ScriptArg[], R> implements LuaScript<A, R> {
  readonly sha: string;
  /** EVALSHA of this script, written as EVAL on a connection that has not had its text yet. */
  private readonly Command: new (args: ScriptArg[], options: { replyEncoding: 'utf8' | null; keyPrefix?: string }) => Command;

  constructor(
    readonly name: string,
    readonly keys: number,
    readonly lua: string,
  ) {
    const sha = createHash('sha1').update(lua).digest('hex');
    this.sha = sha;
    /** Sockets on which the text was sent (and so is in that server's cache, unless flushed). */
    const sentOn = new WeakSet<object>();
    this.Command = class ScriptCommand extends Command {
      constructor(args: ScriptArg[], options: { replyEncoding: 'utf8' | null; keyPrefix?: string }) {
        super('evalsha', [sha, keys, ...args], options);
      }

      override toWritable(socket: object): string | Buffer {
        const reject = this.reject;
        this.reject = (err: Error) => {
          if (isNoScript(err)) sentOn.delete(socket);
          reject.call(this, err);
        };
        if (!sentOn.has(socket)) {
          sentOn.add(socket);
          this.name = 'eval';
          this.args[0] = lua;
        } else if (this.name === 'eval') {
          // Written again (a Cluster redirection, a retry) on a connection that has it now.
          this.name = 'evalsha';
          this.args[0] = sha;
        }
        return super.toWritable(socket);
      }
    };
  }

  run(client: RedisClient, ...args: A): Promise<R> {
    return this.send(client, client, args, 'utf8') as Promise<R>;
  }

  runBuffer(client: RedisClient, ...args: A): Promise<unknown> {
    return this.send(client, client, args, null);
  }

  queue(pipeline: ChainableCommander, ...args: A): ChainableCommander {
    const p = pipeline as unknown as PipelineLike;
    void this.send(p, p.redis, args, 'utf8', () => resent.add(pipeline)).catch(() => undefined); // the pipeline reports it
    return pipeline;
  }

  private send(
    target: { sendCommand(command: Command): unknown },
    client: RedisClient,
    args: A,
    encoding: 'utf8' | null,
    onResend?: () => void,
  ): Promise<unknown> {
    // Like any ioredis command (and defineCommand): the client's `keyPrefix`, if one is set, applies to the keys.
    const keyPrefix = (client.options as { keyPrefix?: string }).keyPrefix;
    const options = { replyEncoding: encoding, ...(keyPrefix ? { keyPrefix } : {}) };
    const command = new this.Command([...args], options);
    command.promise = command.promise.catch((err: unknown) => {
      if (!isNoScript(err)) throw err;
      // The server lost its script cache; this connection sends the text again (see toWritable).
      onResend?.();
      const again = new this.Command([...args], options);
      client.sendCommand(again);
      return again.promise;
    });
    target.sendCommand(command);
    return command.promise;
  }
}

/**
 * Declares a script (at module level). `name` names it for people reading the code (one name,
 * one text: declaring a name twice with different texts throws); `keys` is how many of the leading
 * arguments are keys.
 */
export function luaScript<A extends readonly ScriptArg[], R = unknown>(name: string, keys: number, lua: string): LuaScript<A, R> {
  const script = new Script<A, R>(name, keys, lua);
  const known = declared.get(name);
  if (known !== undefined && known !== script.sha) throw new Error(`Lua script "${name}" is declared twice with different texts`);
  declared.set(name, script.sha);
  return script;
}
