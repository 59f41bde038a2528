/**
 * Moves the Redis keys of an earlier version to this version's key layout (issue 13).
 *   npm run -s migrate:keys -- --dry-run      what it would do, nothing written
 *   npm run -s migrate:keys                   do it
 * Reads the bot's own settings (REDIS_URL, or REDIS_SENTINELS + REDIS_SENTINEL_NAME, or
 * REDIS_CLUSTER_NODES; REDIS_PASSWORD; REDIS_KEY_PREFIX; REDIS_WAIT_REPLICAS). The mapping and the
 * guarantees are in src/storage/keyMigration.ts.
 */
import { loadConfig, ConfigError } from '../src/config';
import { configureDurability } from '../src/storage/durability';
import { FAMILIES, formatSummary, migrateKeys } from '../src/storage/keyMigration';
import { keyspace } from '../src/storage/keys';
import { createRedisClient, waitUntilReady } from '../src/storage/redisClient';

const HELP = `Usage: npm run -s migrate:keys -- [--dry-run] [--batch N] [--verbose]

Moves the Redis keys an earlier version of the bot wrote to the key layout of this version, in which no
unbounded family of keys shares one Redis Cluster hash slot:

  case records, owner and order indexes, request claims, dispute sweep indexes  ({case} -> one tag each)
  conversation state          state:{<channel>/conversations/<id>/}  -> conv:{<id>}:s:<channel>
  continuity marker           conv:{<id>}:turns                      -> field n of conv:{<id>}:turn
  desk transcripts            global:{desk}:t:<id>                   -> conv:{<id>}:desk:t
  desk records (released, closed)  global:{desk}:c:<id>              -> conv:{<id>}:desk:c
                              (a conversation still at the desk keeps its record where it is)
  customer outbox, cursor     global:{desk}:out:<id>, cur:<id>       -> conv:{<id>}:desk:out, desk:cur
  agent sessions              global:{desk}:s:<hash>                 -> global:{desk-session:<hash>}
  e-mail markers              global:{mail}:key:<id>, sent:<id>      -> global:{mail-msg:<id>}:key, :sent

Rate-limit counters (global:{ratelimit}:..., global:{desk}:login-..., global:{mail}:typed-address-limit:...),
de-duplication markers (conv:{<id>}:seen:...), delivery locks (global:{desk}:outlock:..., global:{mail}:lock:...)
and Pro-offer markers (global:{desk}:prochecked:..., 7 days) are short-lived: they are not moved but
left to expire; the summary counts them.

Run it once every instance runs the new version; the bot may keep serving meanwhile. It copies each key
(keeping its TTL) and deletes the old one only once the copy is written (and acknowledged by the replicas);
a key that exists in both layouts is merged (indexes are unioned; a case record keeps the copy updated
last and the other one is kept at global:{case-conflict:<reference>}). It is safe to interrupt and to run
again; a second run finds nothing to do. It prints ids only (references, conversation ids), never values.

Settings come from the environment, as for the bot: REDIS_URL, or REDIS_SENTINELS with REDIS_SENTINEL_NAME,
or REDIS_CLUSTER_NODES (every master is scanned); REDIS_PASSWORD; REDIS_KEY_PREFIX; REDIS_WAIT_REPLICAS.

  --dry-run    print what would be moved or merged, write nothing
  --batch N    keys per SCAN page, handled together (default 200)
  --verbose    one line per key moved (a dry run always prints them)

Exit status: 0 done, 1 bad settings or Redis unreachable, 3 some keys were left where they are (run again).`;

interface Args {
  dryRun: boolean;
  batch: number;
  verbose: boolean;
  help: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { dryRun: false, batch: 200, verbose: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dry-run' || a === '-n') args.dryRun = true;
    else if (a === '--verbose' || a === '-v') args.verbose = true;
    else if (a === '--help' || a === '-h') args.help = true;
    else if (a === '--batch') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1 || n > 10000) throw new ConfigError('--batch needs a whole number from 1 to 10000');
      args.batch = n;
    } else throw new ConfigError(`unknown option ${a} (see --help)`);
  }
  return args;
}

async function main(): Promise<number> {
  let args: Args;
  let config: ReturnType<typeof loadConfig>;
  try {
    args = parseArgs(process.argv.slice(2));
    if (args.help) {
      console.log(HELP);
      return 0;
    }
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  const r = config.redis;
  if (!r.url && !r.sentinels && !r.clusterNodes) {
    console.error('Set REDIS_URL, REDIS_SENTINELS (with REDIS_SENTINEL_NAME) or REDIS_CLUSTER_NODES: the Redis to migrate.');
    return 1;
  }
  const redis = createRedisClient({
    url: r.url,
    sentinels: r.sentinels,
    sentinelName: r.sentinelName,
    clusterNodes: r.clusterNodes,
    password: r.password,
    // A large key (a long transcript, a big index) may take longer than a chat turn's budget.
    commandTimeoutMs: Math.max(r.commandTimeoutMs, 10000),
  });
  let lastError = '';
  redis.on('error', (err: Error) => {
    lastError = err.message;
  });
  try {
    await waitUntilReady(redis, 10000);
  } catch (err) {
    console.error(`Redis is not reachable: ${(err as Error).message}${lastError ? ` (${lastError})` : ''}`);
    redis.disconnect();
    return 1;
  }
  const durability = configureDurability(redis, {
    replicas: r.waitReplicas,
    timeoutMs: Math.max(r.waitTimeoutMs, 1000),
    ...(r.sentinels && r.sentinelName ? { sentinel: { sentinels: r.sentinels, name: r.sentinelName, password: r.password } } : {}),
  });
  try {
    const keys = keyspace(r.keyPrefix);
    console.log(`${args.dryRun ? 'Dry run: ' : ''}migrating the key layout under prefix ${keys.prefix} (${FAMILIES.length} families)`);
    const summary = await migrateKeys(redis, keys, { dryRun: args.dryRun, batchSize: args.batch, verbose: args.verbose, log: (line) => console.log(line) });
    for (const line of formatSummary(summary)) console.log(line);
    const skipped = FAMILIES.reduce((n, f) => n + summary.families[f].skipped, 0);
    return !args.dryRun && skipped > 0 ? 3 : 0;
  } finally {
    durability.close();
    await redis.quit().catch(() => redis.disconnect());
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`migrate:keys failed: ${(err as Error)?.message ?? String(err)}`);
    process.exit(1);
  },
);
