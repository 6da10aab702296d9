/**
 * Autovacuum's work for the embedded database. PGlite runs PostgreSQL in
 * single-user mode, where autovacuum never runs: without this, statistics stay
 * those of the empty tables of the first start, so a prepared statement's
 * cached plan reads a whole table where an index would find one row (a node
 * lookup then costs in proportion to the number of nodes), and the dead rows
 * that updates leave are never reclaimed.
 *
 * Its activity counters are not kept reliably in single-user mode, so a
 * table's growth stands for its changes: when a table has grown past what its
 * last VACUUM (ANALYZE) recorded (pg_class.relpages) by 10% and 8 pages, it is
 * vacuumed and analysed again. Updates and deletes grow a table too, by the
 * dead rows they leave, so they are caught as inserts are. The one connection
 * is busy while it runs: a few ms on a small table, longer on a large one,
 * and only after the table has grown by a tenth.
 */
import type { Knex } from 'knex';
import { logger } from '../log';

const GROWTH = 1.1;
const MIN_PAGES = 8;

/** The tables of the current schema that have outgrown their statistics. */
const STALE_SQL = `SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
  WHERE s.nspname = current_schema() AND c.relkind = 'r'
    AND pg_relation_size(c.oid) / current_setting('block_size')::int > GREATEST(c.relpages, 0) * ${GROWTH} + ${MIN_PAGES}`;

/** One pass: VACUUM (ANALYZE) of every table that has outgrown its statistics; returns their names. */
export async function upkeepTables(knex: Knex): Promise<string[]> {
  const { rows } = (await knex.raw(STALE_SQL)) as { rows: { relname: string }[] };
  for (const { relname } of rows) await knex.raw('VACUUM (ANALYZE) ??', [relname]);
  return rows.map((r) => r.relname);
}

/** Runs upkeepTables every intervalMs; the returned function stops it, waiting for a pass under way. */
export function startTableUpkeep(knex: Knex, intervalMs: number): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = upkeepTables(knex).then(
      (tables) => tables.length && logger.debug({ tables }, 'embedded database: tables vacuumed and analysed'),
      (err) => logger.warn({ err }, 'embedded database: table upkeep failed'),
    );
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
