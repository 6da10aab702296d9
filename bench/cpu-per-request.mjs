#!/usr/bin/env node
/**
 * Where the CPU of a metadata request goes: starts the service on PostgreSQL
 * (bench/lib.mjs's prepareSpace), runs vosbench scenarios against it, and
 * prints the CPU seconds (user and system) of the service process and of the
 * PostgreSQL backends serving it, per request. With PROF=DIR the service
 * also writes a V8 CPU profile there (--cpu-prof), for Chrome DevTools.
 *
 *   node bench/cpu-per-request.mjs [scenarios] [n] [concurrency]
 *   e.g. node bench/cpu-per-request.mjs create,get,setprops 3000 8
 *
 * vosbench's own set-up requests (test containers, the nodes a get reads)
 * count too, so compare runs of the same scenarios, not absolute figures.
 * PARAMS='{"prepared_statements":false}' passes [Space] parameters.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTHORITY, cleanupAll, prepareSpace, vosbench } from './lib.mjs';

const [scenarios = 'create,get,setprops', n = '3000', c = '8'] = process.argv.slice(2);
const stat = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(f[11]) / 100, sys: Number(f[12]) / 100 };
};
const dir = join(tmpdir(), `vospace-cpu-${process.pid}`);
const space = await prepareSpace({ db: 'postgresql', dir, logFile: join(dir, 'service.log'), label: 'cpu', parameters: JSON.parse(process.env.PARAMS ?? '{}') });
try {
  const prof = process.env.PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF}`] : [];
  const svc = await space.start([...prof, 'dist/src/main.js', '--config', space.ini]);
  const before = stat(svc.pid);
  const lines = await vosbench(
    ['--base', `http://127.0.0.1:${space.port}/vospace`, '--authority', AUTHORITY, '--token', space.token, '--root', 'bench', '--n', n, '--concurrency', c, '--scenarios', scenarios],
    { logFile: join(dir, 'vosbench.log'), tag: 'cpu' },
  );
  const after = stat(svc.pid);
  const backends = execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-Atc', `SELECT pid FROM pg_stat_activity WHERE datname = '${space.dbName}'`]).toString().split('\n').filter(Boolean);
  const pg = backends.map(stat).reduce((a, s) => ({ user: a.user + s.user, sys: a.sys + s.sys }), { user: 0, sys: 0 });
  const ops = lines.reduce((a, l) => a + (l.ok ?? 0), 0);
  for (const l of lines) console.log(`${l.scenario} c=${c}: ${l.ops_s ?? l.listings_per_s} ops/s, p50 ${l.p50_ms} ms`);
  const us = (s) => `${Math.round((s * 1e6) / ops)} µs`;
  console.log(`${ops} timed requests. CPU per request: service user ${us(after.user - before.user)}, system ${us(after.sys - before.sys)}; PostgreSQL backends (${backends.length}, whole life) user ${us(pg.user)}, system ${us(pg.sys)}`);
  await space.stop();
} finally {
  await cleanupAll();
}
