/**
 * node-postgres on the embedded database through PGliteSocket
 * (src/db/pgliteSocket.ts): each client gets a fresh session, errors come
 * back as PostgreSQL's, and answers larger than PGlite's buffer come whole.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { PGliteSocket } from '../../src/db/pgliteSocket';
import { createTestDb, usePg, type TestDb } from '../helpers/db';

(usePg ? describe.skip : describe)('PGliteSocket', () => {
  let testDb: TestDb;
  let pglite: PGlite;
  const client = async () => {
    const c = new pg.Client({ stream: () => new PGliteSocket(pglite) });
    await c.connect();
    return c;
  };

  beforeAll(async () => {
    testDb = await createTestDb();
    pglite = await PGlite.create(testDb.dataDir);
    await pglite.exec('CREATE TABLE t (id int PRIMARY KEY, v text)');
  });
  afterAll(async () => {
    await pglite?.close();
    await testDb?.drop();
  });

  test('a client left inside a transaction: the next one starts clean, and may prepare the same names', async () => {
    const first = await client();
    await first.query('BEGIN');
    await first.query({ name: 'ins', text: 'INSERT INTO t VALUES ($1, $2)', values: [1, 'uncommitted'] });
    await first.end();

    const second = await client();
    expect((await second.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 0 }]);
    await second.query({ name: 'ins', text: 'INSERT INTO t VALUES ($1, $2)', values: [2, 'committed'] });
    await second.query({ name: 'ins', text: 'INSERT INTO t VALUES ($1, $2)', values: [3, 'again'] });
    expect((await second.query('SELECT id FROM t ORDER BY id')).rows).toEqual([{ id: 2 }, { id: 3 }]);
    await second.end();
  });

  test('a failing statement answers PostgreSQL\'s error, and the session goes on', async () => {
    const c = await client();
    await c.query({ name: 'ins', text: 'INSERT INTO t VALUES ($1, $2)', values: [10, 'a'] });
    await expect(c.query({ name: 'ins', text: 'INSERT INTO t VALUES ($1, $2)', values: [10, 'b'] })).rejects.toMatchObject({ code: '23505' });
    await expect(c.query('SELEC 1')).rejects.toMatchObject({ code: '42601' });
    await c.query('BEGIN');
    await expect(c.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
    await expect(c.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
    await c.query('ROLLBACK');
    expect((await c.query({ text: 'SELECT v FROM t WHERE id = $1', values: [10] })).rows).toEqual([{ v: 'a' }]);
    await c.end();
  });

  test('an answer larger than PGlite\'s 1 MiB buffer arrives whole', async () => {
    const c = await client();
    const { rows } = await c.query({ text: "SELECT repeat('x', $1::int) AS s, g FROM generate_series(1, 3) g", values: [3_000_000] });
    expect(rows.map((r) => [r.g, r.s.length])).toEqual([
      [1, 3_000_000],
      [2, 3_000_000],
      [3, 3_000_000],
    ]);
    await c.end();
  });
});
