/**
 * Named prepared statements (src/db/preparedStatements.ts), on PostgreSQL
 * and on the embedded database (also reached through pg: src/db/pgliteSocket.ts):
 * statements with parameters are prepared once per connection, up to a bound
 * on distinct texts, and not at all when the setting is off.
 */
import { openDatabase, type Database } from '../../src/db/connection';
import { createTestDb, type TestDb } from '../helpers/db';

const prepared = async (db: Database) =>
  ((await db.knex.raw('SELECT name, statement FROM pg_prepared_statements ORDER BY name')).rows as { name: string; statement: string }[]);

describe('named prepared statements', () => {
  let testDb: TestDb;
  let db: Database | undefined;
  beforeEach(async () => {
    testDb = await createTestDb();
  });
  afterEach(async () => {
    await db?.close();
    db = undefined;
    await testDb.drop();
  });

  test('a statement with parameters is prepared once and then reused', async () => {
    db = await openDatabase({ dsn: testDb.dsn, dataDir: testDb.dataDir, poolMax: 1 });
    for (const path of ['', 'a', '']) expect((await db.knex('nodes').select('path').where('path', path)).length).toBeLessThanOrEqual(1);
    const mine = (await prepared(db)).filter((s) => /from "nodes" where "path" = \$1/.test(s.statement));
    expect(mine).toHaveLength(1);
    expect(mine[0].name).toMatch(/^vos_\d+$/);
  });

  test('prepared_statements off: nothing is prepared', async () => {
    db = await openDatabase({ dsn: testDb.dsn, dataDir: testDb.dataDir, poolMax: 1, prepared: false });
    await db.knex('nodes').select('path').where('path', 'a');
    expect(await prepared(db)).toEqual([]);
  });

  test('statements whose text varies without end stop being named at the bound, and still run', async () => {
    db = await openDatabase({ dsn: testDb.dsn, dataDir: testDb.dataDir, poolMax: 1 });
    for (let n = 1; n <= 600; n++) {
      const paths = Array.from({ length: n }, (_, i) => `p${i}`);
      expect(await db.knex('nodes').select('path').whereIn('path', paths)).toEqual([]);
    }
    const count = (await prepared(db)).length;
    expect(count).toBeGreaterThanOrEqual(450);
    expect(count).toBeLessThanOrEqual(500);
  });
});
