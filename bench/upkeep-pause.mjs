#!/usr/bin/env node
/**
 * How long a pass of the embedded database's upkeep (src/db/tableUpkeep.ts) holds its one
 * connection: an embedded database in a temporary directory, then containers of 10 000 and
 * 100 000 data nodes (one property each) added with SQL, a pass timed after each, and again
 * after updating about a tenth of the larger one's nodes. Run after `npm run build`.
 *
 *   node bench/upkeep-pause.mjs
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { openDatabase } = require('../dist/src/db/connection.js');
const { tableUpkeep } = require('../dist/src/db/tableUpkeep.js');

const dir = mkdtempSync(join(tmpdir(), 'vospace-upkeep-'));
const db = await openDatabase({ dsn: '', dataDir: join(dir, 'db') });
try {
  const k = db.knex;
  const upkeep = tableUpkeep(k);
  await upkeep.pass();
  const timed = async (what) => {
    const t = performance.now();
    const tables = await upkeep.pass();
    console.log(`${what}: pass ${Math.round(performance.now() - t)} ms (${tables.length} tables)`);
  };
  const root = (await k('nodes').where('path', '').first('id')).id;
  for (const n of [10000, 100000]) {
    const name = `t${n}`;
    const [{ id }] = await k('nodes').insert({ parent_id: root, path: name, name, type: 'ContainerNode' }).returning('id');
    await k.raw(`INSERT INTO nodes (parent_id, path, name, type) SELECT ?, ? || '/c' || i, 'c' || i, 'DataNode' FROM generate_series(1, ?) i`, [id, name, n]);
    await k.raw(`INSERT INTO properties (node_id, uri, value) SELECT id, 'ivo://ivoa.net/vospace/core#title', 'x' FROM nodes WHERE parent_id = ?`, [id]);
    await timed(`after ${n} nodes added`);
    const { rowCount } = await k.raw(`UPDATE nodes SET size = 2 WHERE parent_id = ? AND name < 'c2'`, [id]);
    await timed(`after ${rowCount} of them updated`);
  }
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
