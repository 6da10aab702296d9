// Uploads A/B: node bench/upload-ab.mjs REPO_A REPO_B [ROUNDS] (each REPO a built checkout, e.g. a
// worktree of an earlier commit with `npx tsc -p tsconfig.build.json` run in it). Starts both
// services on the embedded database, warms each with a 256 MiB upload, then uploads BENCH_BYTES
// (1GiB) to A and B in turn, ROUNDS times (who goes first alternates), after `sync` each, the
// client as in bench/bytes.mjs (`--no-verify`; VERIFY=1 hashes). Per upload: MB/s, the service's
// CPU per MB (user + system, and system alone), its page faults per MB, and of its three busiest
// threads the share of the run each ran and waited for a core (/proc/PID/task/TID/schedstat).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUTHORITY, cleanupAll, median, prepareSpace, sh, vosbench } from './lib.mjs';
import { BYTES_CLIENT_ENV, threadTimes as threads } from './bytes.mjs';
import { cpuSeconds } from './cpu.mjs';

const [repoA, repoB, rounds = '3'] = process.argv.slice(2);
if (!repoA || !repoB) throw new Error('usage: node bench/upload-ab.mjs REPO_A REPO_B [ROUNDS]');
const bytes = process.env.BENCH_BYTES ?? '1GiB';
const flag = process.env.VERIFY ? [] : ['--no-verify'];
const tmp = `/tmp/vospace-upload-ab-${process.pid}`;
const logFile = join(tmp, 'log.txt');

const minorFaults = (pid) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[7]);
const sides = {};
for (const [k, repo] of [['A', repoA], ['B', repoB]]) {
  const space = await prepareSpace({ db: 'embedded', dir: join(tmp, k), logFile, label: `up${k.toLowerCase()}`, repo });
  const svc = await space.start([join(repo, 'dist/src/main.js'), '--config', space.ini], `service ${k}`);
  const base = ['--base', `http://127.0.0.1:${space.port}/vospace`, '--authority', AUTHORITY, '--token', space.token, '--root', 'bench'];
  await vosbench(['--scenarios', 'upload', ...base, '--bytes', '256MiB', ...flag], { logFile, tag: `warm-${k}`, env: BYTES_CLIENT_ENV });
  sides[k] = { pid: svc.pid, base, rates: [] };
}

for (let r = 0; r < Number(rounds); r++) {
  for (const k of r % 2 ? ['B', 'A'] : ['A', 'B']) {
    const { pid, base, rates } = sides[k];
    sh('sync', []);
    const [c0, f0, t0, w0] = [cpuSeconds(pid), minorFaults(pid), threads(pid), performance.now()];
    const lines = await vosbench(['--scenarios', 'upload', ...base, '--bytes', bytes, ...flag], { logFile, tag: k, env: BYTES_CLIENT_ENV });
    const [c1, f1, t1, secs] = [cpuSeconds(pid), minorFaults(pid), threads(pid), (performance.now() - w0) / 1000];
    const l = lines.find((x) => x.scenario === 'upload');
    if (!l?.ok) throw new Error(`${k}: upload failed: ${JSON.stringify(l?.sample_errors)}`);
    const mb = l.bytes / 1e6;
    const busiest = [...t1].map(([tid, t]) => ({ run: t.run - (t0.get(tid)?.run ?? 0), wait: t.wait - (t0.get(tid)?.wait ?? 0) })).sort((a, b) => b.run - a.run).slice(0, 3);
    rates.push(l.stream_MBps);
    const pct = (x) => Math.round((100 * x) / secs);
    console.log(`${k} round ${r + 1}: ${l.stream_MBps} MB/s; service CPU ${((1000 * (c1.user + c1.sys - c0.user - c0.sys)) / mb).toFixed(2)} ms/MB (system ${((1000 * (c1.sys - c0.sys)) / mb).toFixed(2)}), ${((f1 - f0) / mb).toFixed(1)} faults/MB; busiest threads ran/waited %: ${busiest.map((t) => `${pct(t.run)}/${pct(t.wait)}`).join(' ')}`);
  }
}
console.log(`median MB/s: A ${median(sides.A.rates)}, B ${median(sides.B.rates)}`);
await cleanupAll();
process.exit(0);
