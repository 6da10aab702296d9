/**
 * Autovacuum's work for the embedded database. PGlite runs PostgreSQL in
 * single-user mode, where autovacuum never runs: without this, statistics stay
 * those of the empty tables of the first start, so a prepared statement's
 * cached plan reads a whole table where an index would find one row (a node
 * lookup then costs in proportion to the number of nodes), and the dead rows
 * that updates and deletes leave are never reclaimed.
 *
 * Single-user mode does not keep the per-table activity counters autovacuum
 * reads, so the WAL written stands for the changes, and autovacuum's rule (a
 * threshold plus a fraction of the table) becomes: once the database has
 * written 64 KiB plus 2% of the size of the schema's tables (with their
 * indexes) since the last pass, every table gets a VACUUM (ANALYZE). A row
 * inserted writes more WAL than its size, a row deleted about an eighth of
 * it, so that is a fifth of the rows deleted (autovacuum's default) or a
 * fiftieth more inserted. The one connection is busy while a pass runs; its
 * time grows with the tables, though a VACUUM skips the pages it knows
 * unchanged and an ANALYZE reads a sample.
 */
import type { Knex } from 'knex';
import { logger } from '../log';

const MIN_WAL_BYTES = 64 << 10;
const SCALE = 0.02;

const TABLES = `FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = current_schema() AND c.relkind = 'r'`;

export interface TableUpkeep {
  /** One pass: VACUUM (ANALYZE) of every table if enough has changed since the last; returns the tables done. */
  pass(): Promise<string[]>;
  /** Stops the passes started by start(), waiting for one under way. */
  stop(): Promise<void>;
  start(intervalMs: number): void;
}

export function tableUpkeep(knex: Knex): TableUpkeep {
  let lastLsn: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  const walLsn = async () => ((await knex.raw('SELECT pg_current_wal_lsn()::text AS lsn')) as { rows: { lsn: string }[] }).rows[0].lsn;

  async function pass(): Promise<string[]> {
    if (lastLsn !== null) {
      const { rows } = (await knex.raw(
        `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), ?::pg_lsn) AS written, (SELECT sum(pg_total_relation_size(c.oid)) ${TABLES}) AS size`,
        [lastLsn],
      )) as { rows: { written: string; size: string }[] };
      if (Number(rows[0].written) < MIN_WAL_BYTES + SCALE * Number(rows[0].size)) return [];
    }
    const { rows } = (await knex.raw(`SELECT c.relname ${TABLES} ORDER BY c.relname`)) as { rows: { relname: string }[] };
    for (const { relname } of rows) await knex.raw('VACUUM (ANALYZE) ??', [relname]);
    lastLsn = await walLsn(); // after the VACUUMs, which write WAL of their own
    return rows.map((r) => r.relname);
  }

  return {
    pass,
    start(intervalMs) {
      timer = setInterval(() => {
        running = pass().then(
          (tables) => tables.length && logger.debug({ tables }, 'embedded database: tables vacuumed and analysed'),
          (err) => logger.warn({ err }, 'embedded database: table upkeep failed'),
        );
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
