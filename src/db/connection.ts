/**
 * One Knex for the service: PostgreSQL through `pg` when a dsn is set, else the
 * embedded PostgreSQL (PGlite) under data_dir. PGlite has a single connection,
 * so every query of a unit of work must run on the transaction passed to it.
 */
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { migrateLatest } from './migrations';
import { usePreparedStatements } from './preparedStatements';

export interface Database {
  knex: Knex;
  embedded: boolean;
  close(): Promise<void>;
}

/** Only one process may open an embedded data directory; a lock file says which. */
function lockDataDir(dir: string): () => void {
  const lock = path.join(dir, 'vospace.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(lock, 'utf8'));
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new Error(`the embedded database ${dir} is in use by process ${pid}`);
      }
      fs.rmSync(lock, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`cannot lock ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * knex-pglite, with a bare delete() answering its row count as on PostgreSQL:
 * it names the command 'DEL', which Knex's pg dialect does not count, so
 * such a delete answered a result object (and `n > 0` was always false).
 */
class EmbeddedClient extends (ClientPgLite as unknown as new (config: Knex.Config) => { processResponse(obj: unknown, runner: unknown): unknown }) {
  override processResponse(obj: { method?: string; returning?: unknown; output?: unknown; response: { affectedRows?: number } }, runner: unknown): unknown {
    if (obj.method === 'del' && !obj.returning && !obj.output) return obj.response.affectedRows ?? 0;
    return super.processResponse(obj, runner);
  }
}

export interface DatabaseOptions {
  dsn: string;
  dataDir: string;
  poolMax?: number;
  /** Named prepared statements on PostgreSQL (default true; see preparedStatements.ts). */
  prepared?: boolean;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  let knex: Knex;
  let unlock = () => {};
  if (opts.dsn) {
    knex = knexFactory({ client: 'pg', connection: opts.dsn, pool: { min: 0, max: opts.poolMax ?? 10 } });
    if (opts.prepared !== false) usePreparedStatements(knex);
  } else {
    fs.mkdirSync(opts.dataDir, { recursive: true });
    unlock = lockDataDir(opts.dataDir);
    knex = knexFactory({
      client: EmbeddedClient as unknown as typeof knexFactory.Client,
      dialect: 'postgres',
      connection: { filename: opts.dataDir } as Knex.StaticConnectionConfig,
    });
  }
  try {
    await migrateLatest(knex);
  } catch (e) {
    await knex.destroy();
    unlock();
    throw e;
  }
  return {
    knex,
    embedded: !opts.dsn,
    close: async () => {
      await knex.destroy();
      unlock();
    },
  };
}
