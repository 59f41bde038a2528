import type { Config } from '../src/config';
import type { Logger } from '../src/logger';
import type { RedisClient } from '../src/storage/redisClient';
import type { Keyspace } from '../src/storage/keys';
import { MainDialog } from './mainDialog';
import type { Topic } from './topics';

export interface DialogDeps {
  config: Config;
  redis: RedisClient;
  keys: Keyspace;
  logger: Logger;
}

/** Builds the dialog tree: the main menu and every topic that works. */
export function buildDialogs(_deps: DialogDeps): MainDialog {
  const topics: Topic[] = [];
  return new MainDialog(topics);
}
