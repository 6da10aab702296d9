#!/usr/bin/env node
/**
 * CPU per request (bench/cpu.mjs's measureCpu) of several builds of the service, alternated in
 * one run as the machine is shared: for each round and each checkout given, a fresh PostgreSQL
 * database set up by that checkout's own CLI (its own migrations), the base space of the main part
 * bulk-loaded (bench/scale.mjs baseSpaceSql), its `dist/src/main.js` started, a warm-up of n=300,
 * then create, get, setprops at n=3000, c=8. A checkout is a working tree with its own
 * node_modules and a built dist/ (e.g. `git worktree add ../wt-base 0f85af1`, then `npm ci` and
 * `npx tsc -p tsconfig.build.json` there).
 *
 *   ROUNDS=2 node bench/cpu-ab.mjs ../wt-base .
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { cleanupAll, cleanups, ensurePostgres, freePort, psql, PG_URL, sh, startChild, stopChild } from './lib.mjs';
import { measureCpu } from './cpu.mjs';
import { baseSpaceSql } from './scale.mjs';

const repos = process.argv.slice(2).map((r) => resolve(r));
const rounds = Number(process.env.ROUNDS ?? 2);

/** A fresh database and INI for `repo`, set up by its own CLI; returns what measureCpu needs of a space. */
async function space(repo, dir) {
  mkdirSync(dir, { recursive: true });
  const dbName = `vospace_bench_ab_${randomBytes(4).toString('hex')}`;
  psql(`CREATE DATABASE ${dbName}`);
  cleanups.push(async () => psql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  const port = await freePort();
  const sport = await freePort();
  const ini = join(dir, 'vospace.ini');
  const storage = { root_dir: join(dir, 'storage'), staging_dir: join(dir, 'staging'), endpoint_ttl: 3600 };
  writeFileSync(ini, `[Space]\nhost = 127.0.0.1\nport = ${port}\nname = vospace\nuri = example.org\ndsn = ${PG_URL}/${dbName}\ndata_dir = ${join(dir, 'db')}\nadmin_socket = ${join(dir, 'admin.sock')}\nuse_ssl = 0\n\n[Storage]\nname = posix\nhost = 127.0.0.1\nport = ${sport}\nparameters = ${JSON.stringify(storage)}\nuse_ssl = 0\n`);
  const cli = (...a) => {
    const r = sh(process.execPath, [join(repo, 'dist/src/cli.js'), '--config', ini, ...a], { cwd: repo });
    if (r.code !== 0) throw new Error(`cli ${a.join(' ')}: ${r.err || r.out}`);
    return r.out;
  };
  cli('user', 'add', 'bench');
  const token = cli('token', 'create', '--user', 'bench').split('\n').pop().trim();
  const load = join(dir, 'load.sql');
  writeFileSync(load, baseSpaceSql().map((s) => `${s.trim().replace(/;$/, '')};`).join('\n'));
  const r = sh('psql', ['-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', dbName, '-v', 'ON_ERROR_STOP=1', '-f', load]);
  if (r.code !== 0) throw new Error(`psql -f: ${r.err}`);
  return { ini, port, token, dbName };
}

ensurePostgres();
try {
  for (let round = 1; round <= rounds; round++) {
    for (const [i, repo] of repos.entries()) {
      const dir = join(tmpdir(), `vospace-cpu-ab-${process.pid}`, `${round}-${i}`);
      const logFile = join(dir, 'service.log');
      const s = await space(repo, dir);
      s.svc = await startChild(`service (${repo})`, process.execPath, [join(repo, 'dist/src/main.js'), '--config', s.ini], { ready: 'listening on', logFile, cwd: repo });
      try {
        await measureCpu({ space: s, n: 300, c: 8, logFile, tag: 'warm-up' });
        for (const l of await measureCpu({ space: s, n: 3000, c: 8, logFile, tag: 'cpu' })) {
          console.log(`round ${round} ${repo} ${l.scenario}: ${l.ops_s} ops/s; CPU per request: service ${l.service_us} µs, PostgreSQL ${l.pg_us} µs`);
        }
      } finally {
        await stopChild(s.svc);
      }
    }
  }
} finally {
  await cleanupAll();
}
