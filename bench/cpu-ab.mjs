#!/usr/bin/env node
/**
 * CPU per request (bench/cpu.mjs's measureCpu) of several builds of the service, alternated in
 * one run as the machine is shared: for each round and each checkout given, a fresh PostgreSQL
 * database set up by that checkout's own CLI (its own migrations; lib.mjs's prepareSpace), the
 * base space of the main part bulk-loaded (bench/scale.mjs baseSpaceSql), its `dist/src/main.js`
 * started, a warm-up of n=300, then create, get, setprops at n=3000, c=8. A checkout is a working
 * tree with its own node_modules and a built dist/ (e.g. `git worktree add ../wt-base 0f85af1`,
 * then `npm ci` and `npx tsc -p tsconfig.build.json` there).
 *
 *   ROUNDS=2 node bench/cpu-ab.mjs ../wt-base .
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cleanupAll, prepareSpace } from './lib.mjs';
import { measureCpu } from './cpu.mjs';
import { baseSpaceSql } from './scale.mjs';

const repos = process.argv.slice(2).map((r) => resolve(r));
const rounds = Number(process.env.ROUNDS ?? 2);

try {
  for (let round = 1; round <= rounds; round++) {
    for (const [i, repo] of repos.entries()) {
      const dir = join(tmpdir(), `vospace-cpu-ab-${process.pid}`, `${round}-${i}`);
      const logFile = join(dir, 'service.log');
      const space = await prepareSpace({ db: 'postgresql', dir, logFile, label: 'ab', repo });
      space.runSql(baseSpaceSql());
      await space.start();
      try {
        await measureCpu({ space, n: 300, c: 8, logFile, tag: 'warm-up' });
        for (const l of await measureCpu({ space, n: 3000, c: 8, logFile, tag: 'cpu' })) {
          console.log(`round ${round} ${repo} ${l.scenario}: ${l.ops_s} ops/s; CPU per request: service ${l.service_us} µs, PostgreSQL ${l.pg_us} µs`);
        }
      } finally {
        await space.stop();
      }
    }
  }
} finally {
  await cleanupAll();
}
