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
import { openTestDatabase } from '../helpers/db';

let db: Database;
beforeAll(async () => {
  // One connection on both databases, so a statement prepared by one query is there for the next.
  db = await openTestDatabase({ poolMax: 1 });
});
afterAll(() => db?.close());

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
  expect(await upkeep.pass()).toEqual([]); // nothing changed since

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
  expect(await upkeep.pass()).toEqual([]);

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

test('dead rows left by updates are reclaimed', async () => {
  const upkeep = tableUpkeep(db.knex);
  await upkeep.pass();
  for (let i = 0; i < 3; i++) await db.knex('nodes').where('path', 'like', 'grown/%').update({ size: i + 1 });
  expect(await upkeep.pass()).toContain('nodes');
  const { n_dead_tup: dead } = await db.knex('pg_stat_user_tables').where('relname', 'nodes').first('n_dead_tup');
  expect(Number(dead)).toBe(0);
});
