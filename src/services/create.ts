/** Builds the Services bundle from configuration and an open database. */
import { defaultPolicy, type Policy } from '../auth/policy';
import { SignInLimiter } from '../auth/signInLimiter';
import { TokenAuthenticator } from '../auth/tokens';
import type { Config } from '../config';
import type { Database } from '../db/connection';
import { NodeUris } from '../domain/paths';
import { loadBackend } from '../storage/load';
import type { Services } from './context';
import { JobEvents } from './jobEvents';
import { StorageDirectory } from '../db/storageStore';
import { LIVE_SERVER_SECONDS } from './transfers';

export async function createServices(config: Config, db: Database, policy: Policy = defaultPolicy): Promise<Services> {
  return {
    db: db.knex,
    embedded: db.embedded,
    uris: new NodeUris(config.space.uri),
    policy,
    tokens: new TokenAuthenticator(db.knex),
    signIns: new SignInLimiter(config.space.signinFailures),
    space: config.space,
    storage: config.storage,
    events: new JobEvents(db.knex, config.space.dsn),
    storageServers: new StorageDirectory(db.knex, LIVE_SERVER_SECONDS),
    backend: await loadBackend(config.storage),
  };
}
