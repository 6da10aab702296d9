/**
 * Which database a test service runs on. VOSPACE_TEST_DB=pg: a fresh database
 * on a real PostgreSQL (VOSPACE_TEST_PG_URL, default the local server), which
 * must be reachable: the suite fails rather than skips. Otherwise: an embedded
 * PGlite data directory, copied from a template migrated once per run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { openDatabase, type Database } from '../../src/db/connection';
import { MIGRATION_NAMES, migrationSource } from '../../src/db/migrations';

export const usePg = process.env.VOSPACE_TEST_DB === 'pg';
export const PG_URL = process.env.VOSPACE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const TEST_ROOT = path.join(os.tmpdir(), 'vospace-test');

/**
 * Named after the migrations it holds, their code as well as their names: checkouts with other
 * migrations (branches side by side, or a migration edited before it lands) must not share one.
 */
async function hashedTemplatePath(): Promise<string> {
  const hash = createHash('sha256');
  for (const name of MIGRATION_NAMES) {
    const m = await migrationSource.getMigration(name);
    hash.update(`${name}\n${m.up.toString()}\n${m.down?.toString() ?? ''}\n`);
  }
  return path.join(TEST_ROOT, `pglite-template-${hash.digest('hex').slice(0, 12)}`);
}
// Worked out once per worker, not for every test database.
let templateName: Promise<string> | undefined;
const templatePath = (): Promise<string> => (templateName ??= hashedTemplatePath());

export interface TestDb {
  dsn: string;
  dataDir: string;
  drop(): Promise<void>;
}

async function templateDir(): Promise<string> {
  const template = await templatePath();
  const ready = path.join(template, 'READY');
  if (!fs.existsSync(ready)) {
    // Several jest workers may get here at once: each builds its own copy, the first rename wins.
    const tmp = `${template}.${process.pid}.${randomBytes(4).toString('hex')}`;
    const db = await openDatabase({ dsn: '', dataDir: tmp });
    await db.close();
    fs.writeFileSync(path.join(tmp, 'READY'), '');
    try {
      fs.renameSync(tmp, template);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  return template;
}

export async function createTestDb(): Promise<TestDb> {
  const id = `${process.pid}_${randomBytes(4).toString('hex')}`;
  if (usePg) {
    const admin = knexFactory({ client: 'pg', connection: PG_URL, pool: { min: 0, max: 1 } });
    const name = `vospace_test_${id}`;
    try {
      await admin.raw(`CREATE DATABASE ${name}`);
    } catch (e) {
      await admin.destroy();
      throw new Error(`VOSPACE_TEST_DB=pg but PostgreSQL at ${PG_URL} is not usable: ${(e as Error).message}`);
    }
    const url = new URL(PG_URL);
    url.pathname = `/${name}`;
    return {
      dsn: url.toString(),
      dataDir: '',
      drop: async () => {
        await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.destroy();
      },
    };
  }
  fs.mkdirSync(TEST_ROOT, { recursive: true });
  const dataDir = path.join(TEST_ROOT, `db-${id}`);
  fs.cpSync(await templateDir(), dataDir, { recursive: true });
  fs.rmSync(path.join(dataDir, 'READY'));
  return { dsn: '', dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}

/** A fresh test database, opened as the service opens one; its close() drops it too. */
export async function openTestDatabase(opts: { poolMax?: number } = {}): Promise<Database> {
  const testDb = await createTestDb();
  let db: Database;
  try {
    db = await openDatabase({ dsn: testDb.dsn, dataDir: testDb.dataDir, ...opts });
  } catch (e) {
    await testDb.drop();
    throw e;
  }
  return {
    ...db,
    close: async () => {
      await db.close();
      await testDb.drop();
    },
  };
}
