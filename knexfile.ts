/**
 * For the knex CLI (e.g. `npx knex migrate:status --knexfile dist/knexfile.js`
 * after a build). The service and `npm run -s vospace -- migrate` run the same
 * migrations themselves; this reads the same configuration ($VOSPACE_CONFIG).
 */
import type { Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { loadConfig } from './src/config';
import { migrationSource } from './src/db/migrations';

const { space } = loadConfig();

const config: Knex.Config = space.dsn
  ? { client: 'pg', connection: space.dsn, migrations: { migrationSource } }
  : {
      client: ClientPgLite as unknown as Knex.Config['client'],
      dialect: 'postgres',
      connection: { filename: space.dataDir } as Knex.StaticConnectionConfig,
      migrations: { migrationSource },
    };

export default config;
