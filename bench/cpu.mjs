// CPU per metadata request, of the service process and of the PostgreSQL backends serving it:
// part `cpu` of bench/run.mjs (PostgreSQL only) and bench/cpu-per-request.mjs on its own.
//
// vosbench runs the scenarios one after another in one process and prints each scenario's line
// when it ends; at each line the user and system CPU of the service (/proc/PID/stat) and of every
// client backend of its database (pg_stat_activity; not autovacuum) are read, so each scenario
// gets the CPU spent between the end of the previous one and its own end, divided by its
// requests. With create,get,setprops the get and setprops read the nodes the create made, so no
// untimed set-up falls in between (only vosbench's first few requests: the namespace probe and
// two containers). A scenario run alone that fills its own nodes (get) carries that filling.
// Part `cpu` then measures bench/null-vospace.mjs the same way (httpFloor): what the HTTP stack
// alone costs per request, the floor under the service's figure.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AUTHORITY, fmt, log, prepareSpace, r2, sh, startNullVospace, stopChild, vosbench } from './lib.mjs';
import { profileLayers } from './profile.mjs';
import { BASE_NODES, baseSpaceSql } from './scale.mjs';

export const CPU = { on: process.env.BENCH_CPU !== '0', n: Number(process.env.BENCH_CPU_N ?? 3000) };
export const CPU_KNOBS = ['BENCH_CPU', 'BENCH_CPU_N'];
export const CPU_GOAL_US = 400;
// mkdir is measured for the CPU bound of its throughput goal (goals.mjs); the CPU goal is of the other three.
const SCENARIOS = 'mkdir,create,get,setprops';
/** The scenarios the CPU goal (≤ CPU_GOAL_US, PostgreSQL no higher than before) is of. */
export const CPU_GOAL_SCENARIOS = ['create', 'get', 'setprops'];
/** 4 KiB pushes measured after the metadata scenarios (and an unrecorded 100 first, for the JIT). */
const PUSH_N = 300;
/** Listings of a container of LIST_CHILDREN (`detail=min`, as part main times them), LIST_REPS of them. */
const LIST_CHILDREN = 1000;
const LIST_REPS = 200;
/**
 * PostgreSQL CPU per request before issue 13's work ("no higher than today"), µs user+system:
 * commit 0f85af1 measured by `ROUNDS=2 node bench/cpu-ab.mjs ../wt-base .` (a worktree of
 * 0f85af1 beside this checkout), 2026-12-05 ~10:47 UTC, at a load average under 2, with the
 * base space this part loads; the mean of its two rounds (create 663/620, get 160/177, setprops
 * 580/597). The same run measured this tree at 625, 153 and 532.
 */
export const PG_BEFORE_US = { create: 642, get: 169, setprops: 589 };

/** Clock ticks per second, the unit of /proc's CPU times. */
export const TICK = Number(sh('getconf', ['CLK_TCK']).out) || 100;
/** User and system CPU seconds of a process so far, or of its thread `tid` (null once it has ended). */
export function cpuSeconds(pid, tid) {
  try {
    const f = readFileSync(tid ? `/proc/${pid}/task/${tid}/stat` : `/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { user: Number(f[11]) / TICK, sys: Number(f[12]) / TICK };
  } catch { return null; } // ended
}
function backends(dbName) {
  return execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-Atc', `SELECT pid FROM pg_stat_activity WHERE datname = '${dbName}' AND backend_type = 'client backend'`]).toString().split('\n').filter(Boolean);
}
/**
 * The service first: listing the backends runs psql, while vosbench goes on with its next scenario.
 * Its main thread too: on the embedded database it runs PostgreSQL as well, one request at a time.
 */
function snapshot(svcPid, dbName) {
  const svc = cpuSeconds(svcPid);
  const main = cpuSeconds(svcPid, svcPid);
  const pg = new Map();
  if (dbName) for (const pid of backends(dbName)) { const s = cpuSeconds(pid); if (s) pg.set(pid, s); }
  return { svc, main, pg };
}
/** CPU seconds between two snapshots; a backend born in between counts from zero, one gone is lost. */
function spent(a, b) {
  const pg = { user: 0, sys: 0 };
  for (const [pid, s] of b.pg) {
    const s0 = a.pg.get(pid) ?? { user: 0, sys: 0 };
    pg.user += s.user - s0.user;
    pg.sys += s.sys - s0.sys;
  }
  const delta = (k) => ({ user: b[k].user - a[k].user, sys: b[k].sys - a[k].sys });
  return { svc: delta('svc'), main: delta('main'), pg, backends: b.pg.size };
}

/**
 * Counts CPU per request for vosbench run with cpuMarks: its onLine reads the counters at each
 * scenario's end, and cpuAt(i) gives the i-th line's CPU per request (µs) spent since the
 * previous line: the service's (all threads), its main thread's, PostgreSQL's backends' (with a
 * database name), the client's own and its main thread's (from bench/client-cpu.mjs).
 */
export function cpuMarker(space) {
  const pid = space.svc.pid;
  let last = snapshot(pid, space.dbName);
  const lastClient = { client_cpu_ms: 0, client_main_cpu_ms: 0 };
  const marks = [];
  return {
    onLine: (l) => {
      const now = snapshot(pid, space.dbName);
      const d = spent(last, now);
      last = now;
      const client = (k) => {
        if (l[k] == null) return null;
        const ms = l[k] - lastClient[k];
        lastClient[k] = l[k];
        return ms / 1000;
      };
      const [clientAll, clientMain] = [client('client_cpu_ms'), client('client_main_cpu_ms')];
      const reqs = (l.ok ?? 0) + (l.errors ?? 0);
      const us = (s) => (reqs && s != null ? Math.round((s * 1e6) / reqs) : null);
      marks.push({
        service_user_us: us(d.svc.user), service_sys_us: us(d.svc.sys), service_us: us(d.svc.user + d.svc.sys),
        main_us: us(d.main.user + d.main.sys),
        ...(space.dbName ? { pg_user_us: us(d.pg.user), pg_sys_us: us(d.pg.sys), pg_us: us(d.pg.user + d.pg.sys), pg_backends: d.backends } : {}),
        ...(clientAll == null ? {} : { client_us: us(clientAll) }),
        ...(clientMain == null ? {} : { client_main_us: us(clientMain) }),
      });
    },
    cpuAt: (i) => marks[i] ?? {},
  };
}

/**
 * Runs vosbench's `scenarios` against a started service and returns one line per scenario with
 * the CPU per request (µs) of the service, of its PostgreSQL backends and of the client.
 */
export async function measureCpu({ space, scenarios = SCENARIOS, n, c, logFile, tag, extra = [] }) {
  const marker = cpuMarker(space);
  const lines = await vosbench(
    ['--base', `http://127.0.0.1:${space.port}/vospace`, '--authority', AUTHORITY, '--token', space.token, '--root', 'bench', '--n', String(n), '--small-n', String(n), '--concurrency', String(c), '--scenarios', scenarios, ...extra],
    { logFile, tag, onLine: marker.onLine, cpuMarks: true },
  );
  return lines.map((l, i) => ({
    kind: 'cpu', scenario: l.scenario, n: (l.ok ?? 0) + (l.errors ?? 0), concurrency: c, ok: l.ok, errors: l.errors, ops_s: l.ops_s, p50_ms: l.p50_ms,
    ...marker.cpuAt(i),
  }));
}

/**
 * Part `cpu`: a fresh space, an unrecorded warm-up, then mkdir, create, get, setprops and pushes at
 * c=8; on PostgreSQL a profiled run of the metadata scenarios after.
 */
export async function runCpu(db, { tmp, logFile, runId }) {
  const out = { db, lines: [], notes: [] };
  const t0 = performance.now();
  const space = await prepareSpace({ db, dir: join(tmp, `${db}-cpu`), logFile, label: 'cpu' });
  space.runSql(baseSpaceSql());
  await space.start();
  try {
    log(`${db}: cpu: warm-up, then ${SCENARIOS} n=${CPU.n} c=8`);
    await measureCpu({ space, n: 300, c: 8, logFile, tag: `${db}-cpu-warmup` });
    for (const l of await measureCpu({ space, n: CPU.n, c: 8, logFile, tag: `${db}-cpu` })) {
      out.lines.push({ ...l, db, run: runId });
      log(`${db}: cpu ${l.scenario}: service ${l.service_us} µs (main thread ${l.main_us}), PostgreSQL ${l.pg_us ?? '(in the service)'} µs per request`);
    }
    // A 4 KiB push (async, with negotiation: five requests) costs far more than a metadata request:
    // its CPU, with the client ceiling of part main, is the measured limit of the push goal.
    await measureCpu({ space, scenarios: 'smallput', n: 100, c: 8, logFile, tag: `${db}-cpu-push-warmup` });
    for (const l of await measureCpu({ space, scenarios: 'smallput', n: PUSH_N, c: 8, logFile, tag: `${db}-cpu-push` })) {
      out.lines.push({ ...l, kind: 'cpu-push', db, run: runId });
      log(`${db}: cpu push: service ${l.service_us} µs (main thread ${l.main_us}), PostgreSQL ${l.pg_us ?? '(in the service)'} µs per push`);
    }
    // The listing goal's bound: vosbench lists one listing at a time whatever its concurrency, so a
    // listing's CPU bounds the rate directly. The create fills the container (its line is not kept);
    // the first listing run warms the JIT for the second, which is kept.
    const lists = await measureCpu({ space, scenarios: 'create,list,list', n: LIST_CHILDREN, c: 8, logFile, tag: `${db}-cpu-list`, extra: ['--list-n', String(LIST_CHILDREN), '--list-reps', String(LIST_REPS)] });
    const list = lists.filter((l) => l.scenario === 'list').at(-1);
    if (list) {
      out.lines.push({ ...list, kind: 'cpu-list', db, run: runId });
      log(`${db}: cpu list: service ${list.service_us} µs (main thread ${list.main_us}), PostgreSQL ${list.pg_us ?? '(in the service)'} µs per listing`);
    }
    if (db === 'postgresql') out.lines.push({ kind: 'cpu-profile', layers: await profiled(space, { tmp, db, logFile }), db, run: runId });
  } finally {
    await space.stop();
  }
  if (db === 'postgresql') {
    for (const l of await httpFloor(logFile)) {
      out.lines.push({ ...l, db, run: runId });
      log(`cpu floor (${l.stack}) ${l.scenario}: ${l.service_us} µs per request`);
    }
  }
  out.lines.push({ kind: 'step', step: 'cpu', seconds: r2((performance.now() - t0) / 1000), db, run: runId });
  return out;
}

/**
 * The same scenarios against bench/null-vospace.mjs, which answers with documents of the
 * service's shape and does no other work: on node:http alone, then through Express and the
 * service's own middleware. Their CPU per request is what the service's HTTP stack costs before
 * any database or XML work: the floor under the service's figure, measured in the same run.
 */
async function httpFloor(logFile) {
  const lines = [];
  for (const stack of ['node:http', 'express']) {
    const { svc, port } = await startNullVospace(stack, logFile);
    try {
      const space = { svc, port, token: 'null-vospace' };
      await measureCpu({ space, n: 300, c: 8, logFile, tag: `cpu-floor-${stack}-warmup` });
      for (const l of await measureCpu({ space, n: CPU.n, c: 8, logFile, tag: `cpu-floor-${stack}` })) lines.push({ ...l, kind: 'cpu-floor', stack });
    } finally {
      await stopChild(svc);
    }
  }
  return lines;
}

/**
 * The metadata scenarios again, on the service restarted with V8's profiler (which costs CPU
 * itself, so it is not the run measured): where the service's time goes, by layer.
 */
async function profiled(space, { tmp, db, logFile }) {
  await space.stop();
  const profDir = join(tmp, `${db}-cpu-prof`);
  mkdirSync(profDir, { recursive: true });
  await space.start(['--cpu-prof', `--cpu-prof-dir=${profDir}`, 'dist/src/main.js', '--config', space.ini]);
  await measureCpu({ space, n: CPU.n, c: 8, logFile, tag: `${db}-cpu-profiled` });
  await space.stop();
  // The main thread's profile is the largest (a log transport's worker writes its own).
  const [main] = readdirSync(profDir).map((f) => join(profDir, f)).sort((a, b) => statSync(b).size - statSync(a).size);
  return profileLayers(main);
}

export function cpuSection(results) {
  const pg = results.filter((r) => r.db === 'postgresql');
  const emb = results.filter((r) => r.db === 'embedded');
  return [pgCpuSection(pg), embeddedCpuSection(emb)].filter(Boolean).join('\n');
}

const pushLine = (results) => results.flatMap((r) => r.lines).find((l) => l.kind === 'cpu-push');
const listLine = (results) => results.flatMap((r) => r.lines).find((l) => l.kind === 'cpu-list');
const LIST_WHAT = `A listing of ${LIST_CHILDREN} children (\`detail=min\`, one GET, vosbench's list scenario: one listing at a time)`;
const PUSH_WHAT = 'A 4 KiB push with negotiation (vosbench smallput, async: POST /transfers, PHASE=RUN, a phase poll, transferDetails, the PUT)';
const stepNote = (results) => `Step time ${fmt(results.flatMap((r) => r.lines).find((l) => l.kind === 'step' && l.step === 'cpu')?.seconds, 0)} s. CPU is counted in clock ticks of 1/${TICK} s.`;

function pgCpuSection(results) {
  const all = results.flatMap((r) => r.lines).filter((l) => l.kind === 'cpu');
  if (!all.length) return '';
  const md = ['### CPU per request (PostgreSQL)', ''];
  md.push(`A fresh space on PostgreSQL with ${BASE_NODES} nodes bulk-loaded and analysed first (as in the main part), the service as \`npm start\` runs it (\`dist/src/main.js\`), an unrecorded warm-up (n=300), then one vosbench run of \`${SCENARIOS}\` at n=${all[0].n}, c=${all[0].concurrency} (the get and setprops use the nodes the create made; mkdir has no CPU goal, and is measured for the CPU bound of its throughput in the goals table). At the end of each scenario (its line on vosbench's stdout) the CPU of the service process (and of its main thread) and of every PostgreSQL backend of its database is read from \`/proc/PID/stat\`; a scenario's figure is the CPU since the previous scenario's end divided by its requests (the first also carries vosbench's few set-up requests). \`node bench/cpu-per-request.mjs\` measures the same on its own (and writes a \`--cpu-prof\` profile with PROF=DIR). Goal (issue 13): service ≤ ${CPU_GOAL_US} µs per request; PostgreSQL no higher than before issue 13 (commit 0f85af1, measured by \`bench/cpu-ab.mjs\` on the same base space: create ${PG_BEFORE_US.create}, get ${PG_BEFORE_US.get}, setprops ${PG_BEFORE_US.setprops} µs).`, '');
  md.push('| scenario | ops/s | p50 ms | service user µs | service system µs | service total µs | of it, main thread µs | goal ≤ 400 µs | PostgreSQL user µs | PostgreSQL system µs | PostgreSQL total µs | before issue 13 | backends |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const l of all) {
    const before = PG_BEFORE_US[l.scenario];
    md.push(`| ${l.scenario} | ${fmt(l.ops_s)} | ${fmt(l.p50_ms)} | ${l.service_user_us} | ${l.service_sys_us} | ${l.service_us} | ${l.main_us ?? '—'} | ${CPU_GOAL_SCENARIOS.includes(l.scenario) ? cpuVerdict(l.service_us) : '(no goal)'} | ${l.pg_user_us} | ${l.pg_sys_us} | ${l.pg_us} | ${before == null ? '—' : `${before} µs: ${l.pg_us <= before ? 'met' : `**missed** (${fmt((l.pg_us / before) * 100, 0)}% of it)`}`} | ${l.pg_backends} |`);
  }
  const floor = results.flatMap((r) => r.lines).filter((l) => l.kind === 'cpu-floor');
  if (floor.length) {
    md.push('', `The HTTP stack's share: the same warm-up and scenarios (n=${floor[0].n}, c=${floor[0].concurrency}) against \`bench/null-vospace.mjs\`, which answers with documents of the service's shape and does nothing else, run after the service on node:http alone and then through Express with the service's middleware (security headers, request log, rate limit); its process's CPU per request, measured as above. What the service spends above the Express figure is its own work: authentication, the database client, XML, the node logic.`, '');
    md.push('| scenario | service µs | null server, node:http µs | null server through Express µs | the service above the Express figure µs |', '|---|---|---|---|---|');
    for (const l of all) {
      const raw = floorOf(results, l.scenario, 'node:http');
      const ex = floorOf(results, l.scenario, 'express');
      md.push(`| ${l.scenario} | ${l.service_us} | ${raw ?? '—'} | ${ex ?? '—'} | ${ex == null ? '—' : l.service_us - ex} |`);
    }
  }
  const push = pushLine(results);
  if (push) md.push('', `${PUSH_WHAT}, ${push.n} of them at c=${push.concurrency} on the same service after the scenarios above, measured the same way: service ${push.service_us} µs (user ${push.service_user_us} + system ${push.service_sys_us}; main thread ${push.main_us}), PostgreSQL ${push.pg_us} µs (user ${push.pg_user_us} + system ${push.pg_sys_us}) per push; ${fmt(push.ops_s)} pushes/s.`);
  const list = listLine(results);
  if (list) md.push('', `${LIST_WHAT}, ${list.n} of them after the pushes and a first ${LIST_REPS} unrecorded, measured the same way: service ${list.service_us} µs (user ${list.service_user_us} + system ${list.service_sys_us}; main thread ${list.main_us}), PostgreSQL ${list.pg_us} µs (user ${list.pg_user_us} + system ${list.pg_sys_us}) per listing; ${fmt(list.ops_s)} listings/s.`);
  const prof = results.flatMap((r) => r.lines).find((l) => l.kind === 'cpu-profile');
  if (prof) {
    md.push('', `Where the service's time goes: the same vosbench run again (${SCENARIOS}, n=${all[0].n}, c=${all[0].concurrency}) on the service restarted with \`node --cpu-prof\` (not the run above: the profiler costs CPU itself). Self time of the main thread's samples by the layer of the function sampled (\`bench/profile.mjs\`), idle left out; the service's start and its first requests, before the JIT has warmed up, are included.`, '');
    md.push('| layer | share of the service\'s busy time |', '|---|---|');
    for (const l of prof.layers) md.push(`| ${l.layer} | ${fmt(l.pct)}% |`);
  }
  md.push('', stepNote(results), '');
  for (const r of results) for (const n of r.notes) md.push(`- ${n}`);
  return md.join('\n');
}

/** The embedded database runs in the service's main thread: that thread's CPU per request bounds its rate. */
function embeddedCpuSection(results) {
  const all = results.flatMap((r) => r.lines).filter((l) => l.kind === 'cpu');
  if (!all.length) return '';
  const md = ['### CPU per request (embedded)', ''];
  md.push(`The same as on PostgreSQL (a fresh space with ${BASE_NODES} nodes loaded first, a warm-up, then \`${SCENARIOS}\` at n=${all[0].n}, c=${all[0].concurrency}, then pushes and listings), on the embedded database, where PostgreSQL (PGlite) runs in the service's main thread: that thread's CPU per request, which it spends one request after another, bounds the service's rate at any concurrency (the goals table shows that bound beside a missed goal).`, '');
  md.push('| scenario | ops/s | p50 ms | service total µs | main thread µs | at most, by the main thread (/s) |', '|---|---|---|---|---|---|');
  const more = [pushLine(results) && { ...pushLine(results), scenario: 'push (4 KiB, async)' }, listLine(results) && { ...listLine(results), scenario: `list ${LIST_CHILDREN} children` }];
  for (const l of [...all, ...more.filter(Boolean)]) {
    md.push(`| ${l.scenario} | ${fmt(l.ops_s)} | ${fmt(l.p50_ms)} | ${l.service_us} | ${l.main_us} | ${l.main_us ? fmt(1e6 / l.main_us, 0) : '—'} |`);
  }
  md.push('', stepNote(results), '');
  for (const r of results) for (const n of r.notes) md.push(`- ${n}`);
  return md.join('\n');
}

/** The null server's CPU per request in a scenario, on `stack` ('node:http' or 'express'), from part cpu's lines. */
export const floorOf = (results, scenario, stack) =>
  results.flatMap((r) => r.lines).find((l) => l.kind === 'cpu-floor' && l.scenario === scenario && l.stack === stack)?.service_us;

export const cpuVerdict = (us) => (us == null ? '—' : us <= CPU_GOAL_US ? 'met' : `**missed** (${us} µs, ${fmt((CPU_GOAL_US / us) * 100, 0)}% of goal)`);
