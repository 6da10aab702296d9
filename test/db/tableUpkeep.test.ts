/**
 * Table upkeep (src/db/tableUpkeep.ts): the embedded database has no
 * autovacuum, so a table that grows is vacuumed and analysed by the service,
 * and a node lookup's prepared statement is planned again on the index
 * instead of keeping the sequential scan planned when the table was empty.
 * The function is the same on PostgreSQL, where autovacuum also does it.
 */
import type { Database } from '../../src/db/connection';
import { getChain } from '../../src/db/nodeStore';
import { upkeepTables } from '../../src/db/tableUpkeep';
import { openTestDatabase } from '../helpers/db';

let db: Database;
beforeAll(async () => {
  // One connection on both databases, so a statement prepared by one query is there for the next.
  db = await openTestDatabase({ poolMax: 1 });
});
afterAll(() => db?.close());

const relpages = async (table: string) => Number((await db.knex('pg_class').where('relname', table).first('relpages')).relpages);

/** The plan the connection has cached for the prepared lookup `chain` (prepared while the table was small). */
async function chainPlan(): Promise<string> {
  const rows = (await db.knex.raw(`EXPLAIN EXECUTE chain('', 'grown', 'grown/c5')`)) as { rows: { 'QUERY PLAN': string }[] };
  return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
}

test('a grown table is vacuumed and analysed once, and its lookups then use the index', async () => {
  await upkeepTables(db.knex); // whatever the template left
  const before = await relpages('nodes');
  await db.knex.raw(`PREPARE chain(text, text, text) AS SELECT n.id FROM nodes n WHERE n.path IN ($1, $2, $3)`);
  for (let i = 0; i < 6; i++) await db.knex.raw(`EXECUTE chain('', 'grown', 'grown/c5')`); // past the custom plans: the generic one is kept
  expect(await chainPlan()).toMatch(/Seq Scan/);
  const rootId = (await db.knex('nodes').where('path', '').first('id')).id;
  const [{ id }] = await db.knex('nodes').insert({ parent_id: rootId, path: 'grown', name: 'grown', type: 'ContainerNode' }).returning('id');
  await db.knex.raw(
    `INSERT INTO nodes (parent_id, path, name, type) SELECT ?, 'grown/c' || i, 'c' || i, 'DataNode' FROM generate_series(1, 5000) i`,
    [id],
  );

  expect(await chainPlan()).toMatch(/Seq Scan/); // still the plan of the small table

  const done = await upkeepTables(db.knex);
  expect(done).toContain('nodes');
  expect(await relpages('nodes')).toBeGreaterThan(before + 8);
  expect(await chainPlan()).toMatch(/Index/);
  expect((await getChain(db.knex, 'grown/c5')).map((n) => n.path)).toEqual(['', 'grown', 'grown/c5']);

  // Nothing has grown since: the next pass does nothing.
  expect(await upkeepTables(db.knex)).toEqual([]);
});

test('updates grow a table with dead rows, and upkeep reclaims them', async () => {
  await upkeepTables(db.knex);
  for (let i = 0; i < 3; i++) await db.knex('nodes').where('path', 'like', 'grown/%').update({ size: i + 1 });
  expect(await upkeepTables(db.knex)).toContain('nodes');
  const { n_dead_tup: dead } = await db.knex('pg_stat_user_tables').where('relname', 'nodes').first('n_dead_tup');
  expect(Number(dead)).toBe(0);
});
