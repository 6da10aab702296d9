#!/usr/bin/env node
/**
 * Where the CPU of a metadata request goes: starts the service on PostgreSQL
 * (bench/lib.mjs's prepareSpace), runs vosbench scenarios against it, and
 * prints, for each scenario, the CPU (user and system) of the service process
 * and of the PostgreSQL backends serving it, per request (bench/cpu.mjs's
 * measureCpu, which part `cpu` of npm run bench uses too). With PROF=DIR the
 * service also writes a V8 CPU profile there (--cpu-prof), for Chrome DevTools.
 *
 *   node bench/cpu-per-request.mjs [scenarios] [n] [concurrency]
 *   e.g. node bench/cpu-per-request.mjs create,get,setprops 3000 8
 *
 * No warm-up: the first scenario carries the JIT's start (part `cpu` warms up first).
 * PARAMS='{"prepared_statements":false}' passes [Space] parameters; ARGS='--list-reps 50' more vosbench arguments.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll, prepareSpace } from './lib.mjs';
import { measureCpu } from './cpu.mjs';

const [scenarios = 'create,get,setprops', n = '3000', c = '8'] = process.argv.slice(2);
const dir = join(tmpdir(), `vospace-cpu-${process.pid}`);
const logFile = join(dir, 'service.log');
const space = await prepareSpace({ db: 'postgresql', dir, logFile, label: 'cpu', parameters: JSON.parse(process.env.PARAMS ?? '{}') });
try {
  const prof = process.env.PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF}`] : [];
  await space.start([...prof, 'dist/src/main.js', '--config', space.ini]);
  const lines = await measureCpu({ space, scenarios, n: Number(n), c: Number(c), logFile, tag: 'cpu', extra: (process.env.ARGS ?? '').split(' ').filter(Boolean) });
  for (const l of lines) {
    console.log(`${l.scenario} c=${c}: ${l.ops_s} ops/s, p50 ${l.p50_ms} ms; CPU per request: service user ${l.service_user_us} µs, system ${l.service_sys_us} µs (main thread ${l.main_us} µs); PostgreSQL (${l.pg_backends} backends) user ${l.pg_user_us} µs, system ${l.pg_sys_us} µs; client ${l.client_us} µs`);
  }
  await space.stop();
} finally {
  await cleanupAll();
}
