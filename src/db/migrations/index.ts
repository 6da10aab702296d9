/**
 * Migrations are listed here rather than found on disk, so the same list runs
 * from compiled JS, from the tests (SWC) and from the CLI.
 */
import type { Knex } from 'knex';
import * as m001 from './001_init';
import * as m002 from './002_transfers';
import * as m003 from './003_storage_space';
import * as m004 from './004_token_use';
import * as m005 from './005_job_kinds';
import * as m006 from './006_sessions';
import * as m007 from './007_child_order_indexes';
import * as m008 from './008_busy_job_index';
import * as m009 from './009_set_based_child_cascade';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const MIGRATIONS: Record<string, Migration> = {
  '001_init': m001,
  '002_transfers': m002,
  '003_storage_space': m003,
  '004_token_use': m004,
  '005_job_kinds': m005,
  '006_sessions': m006,
  '007_child_order_indexes': m007,
  '008_busy_job_index': m008,
  '009_set_based_child_cascade': m009,
};

export const MIGRATION_NAMES = Object.keys(MIGRATIONS);

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => MIGRATION_NAMES,
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name],
};

export async function migrateLatest(knex: Knex): Promise<void> {
  await knex.migrate.latest({ migrationSource });
}
