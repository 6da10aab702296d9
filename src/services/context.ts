import type { Knex } from 'knex';
import type { Identity } from '../auth/identity';
import type { Policy } from '../auth/policy';
import type { SignInLimiter } from '../auth/signInLimiter';
import type { TokenAuthenticator } from '../auth/tokens';
import type { SpaceConfig } from '../config';
import type { NodeUris } from '../domain/paths';
import type { StorageBackend } from '../storage/backend';
import type { StorageConfig } from '../config';
import type { JobEvents } from './jobEvents';
import type { StorageDirectory } from '../db/storageStore';

/** What every service function needs: the database, the URI scheme, the policy and the limits. */
export interface Services {
  db: Knex;
  embedded: boolean;
  uris: NodeUris;
  policy: Policy;
  /** Bearer tokens and session cookies, looked up with a short cache. */
  tokens: TokenAuthenticator;
  /** Failed sign-ins per user name and address, in this process's memory. */
  signIns: SignInLimiter;
  space: SpaceConfig;
  storage: StorageConfig;
  /** The bytes of data nodes (for copy and delete; the storage server streams through it too). */
  backend: StorageBackend;
  /** Where endpoints can point, and the key that signs them. */
  storageServers: StorageDirectory;
  /** Job phase changes, for waiters in this and other processes. */
  events: JobEvents;
}

export type { Identity };
