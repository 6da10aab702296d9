/**
 * One Knex for the service: PostgreSQL through `pg` when a dsn is set, else the
 * embedded PostgreSQL (PGlite) under data_dir, also through `pg` (see
 * pgliteSocket.ts). PGlite has a single connection, so every query of a unit
 * of work must run on the transaction passed to it.
 */
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import knexFactory, { type Knex } from 'knex';
import { PGlite } from '@electric-sql/pglite';
import { migrateLatest } from './migrations';
import { PGliteSocket } from './pgliteSocket';
import { tableUpkeep } from './tableUpkeep';
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
 * PostgreSQL's settings for the embedded database, beside PGlite's own
 * (PGlite.defaultStartParams: single-user mode, fsync off). Its memory is a
 * WASM heap that never shrinks, and PostgreSQL touches all of shared_buffers
 * at start: the initdb default of 128MB made ~150 MiB of the service's RSS;
 * 16MB keeps the catalog and the hot pages, and a page read past it comes
 * from the OS page cache. max_connections sizes shared memory: one backend
 * runs here, the one connection of the pool. default_statistics_target=10
 * makes the ANALYZE of the service's own upkeep (tableUpkeep.ts), which holds
 * the one connection, read a tenth of the rows: a pass after 100 000 nodes
 * were added took 270 ms with the default of 100 and 82–101 ms with 10
 * (bench/upkeep-pause.mjs); the statements here are index lookups and child
 * pages, which need no finer histograms.
 *
 * Durability: a commit writes its WAL to the file (synchronous_commit on),
 * so it survives the process being killed; with fsync off it may not survive
 * the machine losing power (test/process/crash.test.ts).
 */
const EMBEDDED_SETTINGS = ['shared_buffers=16MB', 'max_connections=8', 'default_statistics_target=10'];

/**
 * The embedded database under dataDir (not yet ready: PGlite.create or
 * waitReady). V8 runs PostgreSQL's WASM on its baseline compiler only: its
 * optimising tier recompiled the hot functions for ~50 MiB more RSS and a
 * second or two of CPU after each start, for no gain measured per statement.
 */
export function newPGlite(dataDir: string): PGlite {
  v8.setFlagsFromString('--liftoff-only');
  return new PGlite(dataDir, { startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS.flatMap((s) => ['-c', s])] });
}

/** Knex over the embedded database: `pg` on one session (PGlite has one backend). */
export function embeddedKnexConfig(pglite: PGlite): Knex.Config {
  return { client: 'pg', connection: { stream: () => new PGliteSocket(pglite) } as Knex.PgConnectionConfig, pool: { min: 1, max: 1 } };
}

/** How often the embedded database checks whether its tables are due a VACUUM (ANALYZE) (tableUpkeep.ts). */
const UPKEEP_MS = 10_000;

export interface DatabaseOptions {
  dsn: string;
  dataDir: string;
  poolMax?: number;
  /** Named prepared statements (default true; see preparedStatements.ts). */
  prepared?: boolean;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  let knex: Knex;
  let release = async () => {};
  if (opts.dsn) {
    knex = knexFactory({ client: 'pg', connection: opts.dsn, pool: { min: 0, max: opts.poolMax ?? 10 } });
  } else {
    fs.mkdirSync(opts.dataDir, { recursive: true });
    const unlock = lockDataDir(opts.dataDir);
    let pglite: PGlite;
    try {
      pglite = newPGlite(opts.dataDir);
      await pglite.waitReady;
    } catch (e) {
      unlock();
      throw e;
    }
    release = async () => {
      await pglite.close();
      unlock();
    };
    knex = knexFactory(embeddedKnexConfig(pglite));
  }
  if (opts.prepared !== false) usePreparedStatements(knex);
  try {
    await migrateLatest(knex);
  } catch (e) {
    await knex.destroy();
    await release();
    throw e;
  }
  const upkeep = opts.dsn ? null : tableUpkeep(knex);
  upkeep?.start(UPKEEP_MS);
  return {
    knex,
    embedded: !opts.dsn,
    close: async () => {
      await upkeep?.stop();
      await knex.destroy();
      await release();
    },
  };
}
