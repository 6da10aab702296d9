/**
 * runSql (src/db/runSql.ts) runs a fixed text on the connection Knex would
 * use: the pool's outside a transaction, the transaction's own inside one
 * (so it sees the transaction's writes, and on the embedded database's single
 * connection does not wait for it), on both databases.
 */
import type { Database } from '../../src/db/connection';
import { getChain } from '../../src/db/nodeStore';
import { runSql } from '../../src/db/runSql';
import { openTestDatabase } from '../helpers/db';

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db?.close());

test('outside a transaction: the rows, with array parameters', async () => {
  expect(await runSql<{ path: string }>(db.knex, 'SELECT path FROM nodes WHERE path = ANY($1::text[])', [['', 'nowhere']])).toEqual([{ path: '' }]);
});

test('inside a transaction: its own connection, which sees what it wrote and what a rollback undoes', async () => {
  const seen = await db.knex
    .transaction(async (trx) => {
      await trx('nodes').insert({ parent_id: (await trx('nodes').where('path', '').first('id')).id, path: 'inside', name: 'inside', type: 'ContainerNode' });
      const chain = await getChain(trx, 'inside');
      throw Object.assign(new Error('undo'), { chain });
    })
    .catch((e: { chain: { path: string }[] }) => e.chain.map((n) => n.path));
  expect(seen).toEqual(['', 'inside']);
  expect((await getChain(db.knex, 'inside')).map((n) => n.path)).toEqual(['']);
});

test('a transaction that is over is refused, not run on a connection back in the pool', async () => {
  let done: Parameters<Parameters<typeof db.knex.transaction>[0]>[0] | undefined;
  await db.knex.transaction(async (trx) => {
    done = trx;
  });
  await expect(runSql(done!, 'SELECT 1', [])).rejects.toThrow('the transaction is already over');
});

test('a failing statement rejects and gives its connection back', async () => {
  await expect(runSql(db.knex, 'SELECT * FROM no_such_table WHERE x = $1', [1])).rejects.toThrow(/no_such_table/);
  expect(await runSql(db.knex, 'SELECT 1 AS one', [])).toEqual([{ one: 1 }]);
});

test("Knex's 'query' event tells of each statement, as for Knex's own, in a transaction too", async () => {
  const seen: string[] = [];
  const listen = (q: { sql: string }) => seen.push(q.sql);
  db.knex.on('query', listen);
  try {
    await runSql(db.knex, 'SELECT $1::int AS one', [1]);
    await db.knex.transaction((trx) => runSql(trx, 'SELECT $1::int AS two', [2]));
  } finally {
    db.knex.removeListener('query', listen);
  }
  expect(seen.filter((s) => /^SELECT \$1::int AS (one|two)$/.test(s))).toEqual(['SELECT $1::int AS one', 'SELECT $1::int AS two']);
});
