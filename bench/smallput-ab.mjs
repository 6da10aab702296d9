// Small pushes A/B, alternating in one run, on PostgreSQL: node bench/smallput-ab.mjs DIST_A DIST_B [REPS] [N]
// (DIST_A: a dist/ of the code before, e.g. copied to .scratch/base/dist; A's database has migration 008 taken
// back unless BASE_SCHEMA=0). Per run: pushes/s, p50, service CPU ms per push (/proc/PID/stat), transactions per
// push (pg_stat_database.xact_commit); COUNT=1 writes SQL statement counts (bench/sql-count.cjs) to $COUNT_FILE.PID;
// STRACE=1 counts the service's fsync/fdatasync/rename/mkdir/openat/unlink calls into /tmp/xfer-strace-*.
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { AUTHORITY, HERE, prepareSpace, vosbench, cleanupAll, psql } from './lib.mjs';
const [distA, distB, reps = '2', n = '200', scen = 'smallput'] = process.argv.slice(2);
const db = 'postgresql';
const tmp = `/tmp/xfer-ab-${process.pid}`;
const logFile = join(tmp, 'log.txt');
const cpu = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const commits = (s) => Number(psql(`select xact_commit from pg_stat_database where datname='${s.dbName}'`));
const spaces = {};
for (const [k, dist] of [['A', distA], ['B', distB]]) {
  const s = await prepareSpace({ db, dir: join(tmp, k), logFile, label: `ab${k.toLowerCase()}` });
  if (k === 'A' && process.env.BASE_SCHEMA !== '0') psql(`DELETE FROM knex_migrations WHERE name = '008_busy_job_index'; DROP INDEX IF EXISTS nodes_busy_job`, s.dbName);
  await s.start([...(process.env.NODEARGS||'').split(' ').filter(Boolean).map(a=>a.replace('%K',k)), '-r', join(HERE, 'sql-count.cjs'), join(dist, 'src/main.js'), '--config', s.ini], `svc ${k}`);
  spaces[k] = s;
}
const modes = (process.env.MODES || 'async,sync').split(',');
const extra = (process.env.EXTRA || '').split(' ').filter(Boolean);
for (const k of ['A', 'B']) { // warm-up
  const s = spaces[k];
  await vosbench(['--base', `http://127.0.0.1:${s.port}/vospace`, '--authority', AUTHORITY, '--token', s.token, '--root', 'bench', '--scenarios', 'smallput', '--small-n', '100', ...extra], { logFile, tag: 'warm' });
}
for (let r = 0; r < Number(reps); r++) {
  for (const mode of modes) {
    for (const k of (r % 2 ? ['B', 'A'] : ['A', 'B'])) {
      const s = spaces[k];
      const st = process.env.STRACE ? spawn('strace', ['-c', '-f', '-e', 'trace=fsync,fdatasync,rename,mkdir,openat,unlink', '-p', String(s.svc.pid), '-o', `/tmp/xfer-strace-${k}-${mode}-${r}.txt`]) : null;
      if (st) await new Promise((r) => setTimeout(r, 1500));
      const c0 = cpu(s.svc.pid); const x0 = commits(s);
      const lines = await vosbench(['--base', `http://127.0.0.1:${s.port}/vospace`, '--authority', AUTHORITY, '--token', s.token, '--root', 'bench', '--scenarios', scen, '--small-n', n, '--concurrency', '8', '--transfer-mode', mode, ...extra], { logFile, tag: `${k}-${mode}` });
      const c1 = cpu(s.svc.pid); const x1 = commits(s);
      if (st) { st.kill('SIGINT'); await new Promise((r) => st.once('exit', r)); }
      const l = lines.find((x) => x.scenario === scen);
      console.log(`${k} ${mode} rep${r}: ${l.ok}/${l.n} ok, ${l.ops_s}/s, p50 ${l.p50_ms} ms, svc cpu ${((c1 - c0) / l.n).toFixed(2)} ms/push, commits ${((x1 - x0) / l.n).toFixed(2)}/push ${l.sample_errors ? JSON.stringify(l.sample_errors) : ''}`);
    }
  }
}
if (process.env.COUNT) for (const k of ['A', 'B']) { process.kill(spaces[k].svc.pid, 'SIGUSR2'); }
await new Promise((r) => setTimeout(r, 500));
await cleanupAll();
process.exit(0);
