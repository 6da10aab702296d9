/**
 * Table upkeep (src/db/tableUpkeep.ts): the embedded database has no
 * autovacuum, so once enough has changed the service vacuums and analyses its
 * tables, and a node lookup's prepared statement is planned again on the index
 * instead of keeping the sequential scan planned when the table was small.
 * The pass is the same on PostgreSQL (where autovacuum also does this work).
 */
import type { Database } from '../../src/db/connection';
import { getChain } from '../../src/db/nodeStore';
import { tableUpkeep } from '../../src/db/tableUpkeep';
import { openTestDatabase, usePg } from '../helpers/db';

let db: Database;
beforeAll(async () => {
  // One connection on both databases, so a statement prepared by one query is there for the next.
  db = await openTestDatabase({ poolMax: 1 });
});
afterAll(() => db?.close());

/**
 * The pass measures change by the WAL written, which on a shared PostgreSQL every database
 * writes: "nothing changed since" holds only on the embedded database, which is private.
 */
async function expectNothingDue(upkeep: ReturnType<typeof tableUpkeep>) {
  const tables = await upkeep.pass();
  if (!usePg) expect(tables).toEqual([]);
}

/** The plan the connection has cached for the prepared lookup `chain`. */
async function chainPlan(): Promise<string> {
  const rows = (await db.knex.raw(`EXPLAIN EXECUTE chain('', 'grown', 'grown/c5')`)) as { rows: { 'QUERY PLAN': string }[] };
  return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
}

async function fill(parentId: number) {
  await db.knex.raw(`INSERT INTO nodes (parent_id, path, name, type) SELECT ?, 'grown/c' || i, 'c' || i, 'DataNode' FROM generate_series(1, 5000) i`, [parentId]);
}

test('after many changes the tables are vacuumed and analysed once, and a cached lookup is planned again on the index', async () => {
  const upkeep = tableUpkeep(db.knex);
  expect(await upkeep.pass()).toEqual(expect.arrayContaining(['nodes', 'properties', 'jobs'])); // the first pass always runs
  await expectNothingDue(upkeep); // nothing changed since

  await db.knex.raw(`PREPARE chain(text, text, text) AS SELECT n.id FROM nodes n WHERE n.path IN ($1, $2, $3)`);
  for (let i = 0; i < 6; i++) await db.knex.raw(`EXECUTE chain('', 'grown', 'grown/c5')`); // past the custom plans: the generic one is kept
  expect(await chainPlan()).toMatch(/Seq Scan/);

  const rootId = (await db.knex('nodes').where('path', '').first('id')).id;
  const [{ id }] = await db.knex('nodes').insert({ parent_id: rootId, path: 'grown', name: 'grown', type: 'ContainerNode' }).returning('id');
  await fill(id);
  expect(await chainPlan()).toMatch(/Seq Scan/); // still the plan of the small table

  expect(await upkeep.pass()).toContain('nodes');
  expect(await chainPlan()).toMatch(/Index/);
  expect((await getChain(db.knex, 'grown/c5')).map((n) => n.path)).toEqual(['', 'grown', 'grown/c5']);
  await expectNothingDue(upkeep);

  // Emptied and filled again in the same pages (the table does not grow): still noticed.
  await db.knex('nodes').where('path', 'like', 'grown/%').delete();
  expect(await upkeep.pass()).toContain('nodes');
  const emptied = await db.knex('pg_class').where('relname', 'nodes').first('reltuples');
  expect(Number(emptied.reltuples)).toBeLessThan(100);
  await fill(id);
  expect(await upkeep.pass()).toContain('nodes');
  const refilled = await db.knex('pg_class').where('relname', 'nodes').first('reltuples');
  expect(Number(refilled.reltuples)).toBeGreaterThan(4000);
  expect(await chainPlan()).toMatch(/Index/);
});

test('dead rows left by updates are reclaimed, and their space is used again', async () => {
  // Autovacuum's own ANALYZE of this table would hold back what the pass's VACUUM may remove.
  await db.knex.raw('ALTER TABLE nodes SET (autovacuum_enabled = off)');
  const upkeep = tableUpkeep(db.knex);
  await upkeep.pass();
  const update = async () => {
    for (let i = 0; i < 3; i++) await db.knex('nodes').where('path', 'like', 'grown/%').update({ size: i + 1 });
  };
  // A backend sends its table counters at most once a second: without this, they could arrive after the VACUUM.
  const deadRows = async () => {
    await db.knex.raw('SELECT pg_stat_force_next_flush()');
    return Number((await db.knex('pg_stat_user_tables').where('relname', 'nodes').first('n_dead_tup')).n_dead_tup);
  };
  const pages = async () => Number((await db.knex.raw(`SELECT pg_relation_size('nodes') AS size`)).rows[0].size);

  const before = await pages();
  await update();
  expect(await deadRows()).toBeGreaterThanOrEqual(15000);
  const grown = await pages();
  expect(grown).toBeGreaterThan(before);
  expect(await upkeep.pass()).toContain('nodes');
  expect(await deadRows()).toBe(0);

  // As many new row versions again: they go in the space reclaimed. Without it the table would
  // grow by as much again; the free space map's rounding may cost a page or two (it did under load).
  await update();
  const regrown = (await pages()) - grown;
  expect(regrown).toBeLessThan((grown - before) / 10);
});
