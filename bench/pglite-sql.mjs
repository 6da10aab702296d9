#!/usr/bin/env node
// node bench/pglite-sql.mjs DATA_DIR STATEMENTS.json
// Opens an embedded (PGlite) data directory the way the service does
// (dist/src/db/connection.js openDatabase: lock file, migrations), runs the
// statements of the JSON array one by one in its single session, closes it,
// and prints one JSON line: {"ms": [per statement], "rows": [rows of the last]}.
// The bench's bulk loader for the embedded database; the service must not be
// running (one process owns a PGlite directory).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { openDatabase } = require('../dist/src/db/connection.js');

const [dataDir, file] = process.argv.slice(2);
if (!dataDir || !file) {
  process.stderr.write('usage: node bench/pglite-sql.mjs DATA_DIR STATEMENTS.json\n');
  process.exit(2);
}
const statements = JSON.parse(readFileSync(file, 'utf8'));
const t0 = performance.now();
const db = await openDatabase({ dsn: '', dataDir });
const openMs = performance.now() - t0;
const ms = [];
let rows = [];
try {
  for (const s of statements) {
    const a = performance.now();
    const r = await db.knex.raw(s);
    ms.push(Math.round(performance.now() - a));
    rows = r?.rows ?? [];
  }
} finally {
  await db.close();
}
process.stdout.write(`${JSON.stringify({ openMs: Math.round(openMs), ms, totalMs: Math.round(performance.now() - t0), rows })}\n`);
