/**
 * The embedded database's promise (src/db/connection.ts): a transaction whose
 * commit has returned survives the process being killed outright. A child
 * process commits one row per transaction and prints each number once its
 * commit has returned; it is SIGKILLed in the middle of that; reopened, the
 * database holds every row printed.
 */
import path from 'node:path';
import { openDatabase, type Database } from '../../src/db/connection';
import { createTestDb, usePg, type TestDb } from '../helpers/db';
import { ROOT, kill9, killAll, launch } from '../helpers/processes';

jest.setTimeout(120_000);

const CHILD = `
const { openDatabase } = require(${JSON.stringify(path.join(ROOT, 'dist/src/db/connection.js'))});
(async () => {
  const db = await openDatabase({ dsn: '', dataDir: process.argv[1] });
  await db.knex.raw('CREATE TABLE durability (n int PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
  for (let n = 1; ; n++) {
    await db.knex.transaction((tx) => tx('durability').insert({ n }));
    process.stdout.write(n + '\\n');
  }
})();
`;

/** Commits printed before the kill. */
const KILL_AFTER = 300;

(usePg ? describe.skip : describe)('embedded database, kill -9 between commits', () => {
  let testDb: TestDb;
  let db: Database | undefined;
  beforeAll(async () => {
    testDb = await createTestDb();
  });
  afterAll(async () => {
    await killAll();
    await db?.close();
    await testDb?.drop();
  });

  test('every commit that returned before the kill is there after a restart', async () => {
    const child = launch(['-e', CHILD, testDb.dataDir]);
    const printed = await new Promise<number[]>((resolve, reject) => {
      const onData = () => {
        const ns = child.stdout.split('\n').filter(Boolean).map(Number);
        if (ns.length < KILL_AFTER) return;
        child.child.stdout!.off('data', onData);
        child.child.kill('SIGKILL');
        resolve(ns);
      };
      child.child.stdout!.on('data', onData);
      void child.exited.then(({ code, signal }) => (signal ? undefined : reject(new Error(`child exited ${code}: ${child.stderr}`))));
    });
    expect((await kill9(child)).signal).toBe('SIGKILL');

    db = await openDatabase({ dsn: '', dataDir: testDb.dataDir });
    const rows = (await db.knex('durability').select('n').orderBy('n')) as { n: number }[];
    const present = new Set(rows.map((r) => r.n));
    expect(printed.filter((n) => !present.has(n))).toEqual([]);
    // The rows are exactly 1..k: none lost in the middle, none half there.
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
  });
});
