/**
 * For the knex CLI (e.g. `npx knex migrate:status --knexfile dist/knexfile.js`
 * after a build). The service and `npm run -s vospace -- migrate` run the same
 * migrations themselves; this reads the same configuration ($VOSPACE_CONFIG).
 */
import type { Knex } from 'knex';
import { loadConfig } from './src/config';
import { embeddedKnexConfig, newPGlite } from './src/db/connection';
import { migrationSource } from './src/db/migrations';

const { space } = loadConfig();

const config: Knex.Config = space.dsn
  ? { client: 'pg', connection: space.dsn, migrations: { migrationSource } }
  : { ...embeddedKnexConfig(newPGlite(space.dataDir)), migrations: { migrationSource } };

export default config;
