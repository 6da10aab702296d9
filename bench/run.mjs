#!/usr/bin/env node
// npm run bench: measures the service (embedded PGlite and a real PostgreSQL)
// with ../shared/vosbench/vosbench.mjs, against an nginx reference started in
// the same run, then the parts vosbench cannot measure (bench/scale.mjs,
// bench/gqlsql.mjs, bench/storage.mjs, bench/cpu.mjs), judges issue 13's goals
// (bench/goals.mjs) and rewrites bench/RESULTS.md (previous results kept below).
//
// Once, first: the machine's single-core MD5 speed (node crypto over BENCH_BYTES in memory) and
// the nginx reference (PUT of BENCH_BYTES with and without the client's hash, GET with and
// without), when main, storage or s3 runs. Then the parts, in this order for each database:
//   main      client ceiling (once: the metadata runs against bench/null-vospace.mjs, a server
//             doing no work, plain and behind Express with the service's middleware), then
//             vosbench: metadata c=8 and c=1, the large listing, 4 KiB pushes (async, vosbench's
//             sync form and REQUEST=redirect of bench/synctrans.mjs, alternating, twice),
//             BENCH_BYTES up/download, the GraphQL portal query (this file)
//   scale     get/create latency (c=1) at 10^3, 10^5, 10^6 nodes, bulk-loaded with SQL (scale.mjs)
//   paging    cost of each page of a 100 000-child listing vs. its offset, REST and GraphQL,
//             then the whole listing without limit (streamed), with the server's peak RSS
//             (scale.mjs; in the scale space when both run)
//   sqlcount  SQL statements per request: GraphQL portal query, REST get, 1000-child
//             listing, create (gqlsql.mjs: the service in-process, knex `query` events)
//   storage   a standalone storage server on the posix backend during a BENCH_BYTES
//             up/download: MB/s and RSS (PostgreSQL only; storage.mjs)
//   s3        the same on the s3 backend, against a real Ceph RADOS Gateway started for it with
//             ../shared/ceph/rgw.sh (PostgreSQL only; storage.mjs, rgw.mjs)
//   cpu       service and PostgreSQL CPU per mkdir, create, get, setprops, and per 4 KiB push, then
//             the null server's on node:http and through Express: the HTTP stack's floor (cpu.mjs)
//
// Knobs (environment):
//   BENCH_ONLY=main,scale,...       run only these parts (for development). Such a partial run
//                                   does NOT touch bench/RESULTS.md or bench/results/: its report
//                                   and raw lines go to $TMPDIR/vospace-bench-partial-<time>.{md,jsonl}
//   BENCH_DBS=embedded,postgresql   which databases to run
//   BENCH_BYTES=1GiB                size of the byte transfers (MD5, nginx, main, storage, s3)
//   BENCH_BYTES_REPS=3              rounds of the main part's transfers beside nginx (bytes.mjs)
//   BENCH_N=2000                    requests of each metadata scenario (main, and the ceiling)
//   BENCH_SMALL_N=300               4 KiB pushes in each of the six smallput runs (main)
//   BENCH_BASE_NODES=10000          nodes already in the space when the main and cpu parts start (scale.mjs baseSpaceSql)
//   BENCH_BIG_LIST=100000           children of the large listed container (main, created through REST)
//   BENCH_BIG_LIST_MAX_S=150        if creating BENCH_BIG_LIST children would take longer
//                                   than this (estimated from the create rate), use
//                                   BENCH_BIG_LIST_FALLBACK (20000) instead; the number used is recorded
//   BENCH_GQL_SECONDS=5             duration of the GraphQL run
//   BENCH_SCALE=0                   skip the scale part
//   BENCH_SCALE_MAX=1000000         largest space of the scale part (sizes: 10^3, 10^5, 10^6 up to it,
//                                   and it); BENCH_SCALE_GETS=500, BENCH_SCALE_CREATES=300 samples
//   BENCH_PAGING=0                  skip the paging part; BENCH_PAGING_N=100000 children
//   BENCH_SQLCOUNT=0                skip the statement count; BENCH_SQLCOUNT_N=20 requests of each kind
//   BENCH_STORAGE_RSS=0             skip the standalone storage server part (posix)
//   BENCH_S3=0                      skip the s3 part; RGW_MEM_BYTES caps the gateway's in-memory OSD
//                                   (default max(4 GiB, 3 × BENCH_BYTES)); RGW_SH=path of rgw.sh
//   BENCH_CPU=0                     skip the cpu part; BENCH_CPU_N=3000 requests of each scenario
//   BENCH_KEEP_TMP=1                keep the temporary directory (logs, data)
//   BENCH_PG_URL=postgres://postgres@127.0.0.1:5432   (databases created and dropped by the run)
// Time on the 2-core reference machine (measured with other work running on
// it, 2026-11-26): main ~4–5 min per database (more with BENCH_BIG_LIST_MAX_S=400) and
// ~40 s once for the client ceiling (plain and through Express),
// scale+paging ~3 min on the embedded database (loading 10^6 nodes ~35 s)
// and ~1.7 min on PostgreSQL (~17 s), sqlcount ~10–25 s per database,
// storage ~30–60 s. Added 2026-12-05 (estimates for a quiet machine; measured at a load
// average of ~20 with small sizes): MD5 and the second nginx PUT ~5 s; the five extra
// smallput runs ~30 s per database; s3 ~1.5 min (the gateway starts in ~15–25 s, then two
// 1 GiB up/downloads through it); cpu ~40 s on each database. Added 2026-12-06: the byte
// transfers in three rounds beside nginx (bytes.mjs) ~75–80 s per database, where one up/download
// of each kind took ~15 s. With BENCH_SCALE=0 the whole run took 13.0 and 14.3 min that day.
import { mkdtempSync, writeFileSync, readFileSync, existsSync, mkdirSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir, totalmem, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import {
  AUTHORITY, HERE, REPO, VOSBENCH, cleanupAll, cleanups, ensurePostgres, fmt, gqlPost, log, parseSize, pct, psql, r2,
  httpReq, prepareSpace, readRssKiB, rssSampler, sh, startNullVospace, stopChild, vosbench,
} from './lib.mjs';
import { BASE_NODES, SCALE, SCALE_KNOBS, baseSpaceSql, runScale, scaleSection } from './scale.mjs';
import { SQLCOUNT, SQLCOUNT_KNOBS, runSqlCount, sqlCountSection } from './gqlsql.mjs';
import { S3, STORAGE_KNOBS, STORAGE_RSS, backendsSection, runStorageRss, storageSection } from './storage.mjs';
import { CPU, CPU_KNOBS, cpuMarker, cpuSection, cpuSeconds, runCpu } from './cpu.mjs';
import { ANCHOR_NOTE, GOAL, METADATA_SCENARIOS, PYVOSPACE, ceilingLine, ceilingRate, goalsSection, metaGoal, rateOf, smallputOf, verdict } from './goals.mjs';
import { runRedirectPush } from './synctrans.mjs';
import { BYTES_KNOBS, BYTES_REPS, bytesSummary, nginxReference, pairedBytes, startNginx } from './bytes.mjs';

const RESULTS_DIR = join(HERE, 'results');
const RESULTS_MD = join(HERE, 'RESULTS.md');

const env = process.env;
const DBS = (env.BENCH_DBS ?? 'embedded,postgresql').split(',').map((s) => s.trim()).filter(Boolean);
const BYTES = env.BENCH_BYTES ?? '1GiB';
const BIG_LIST = Number(env.BENCH_BIG_LIST ?? 100000);
const BIG_LIST_FALLBACK = Number(env.BENCH_BIG_LIST_FALLBACK ?? 20000);
const BIG_LIST_MAX_S = Number(env.BENCH_BIG_LIST_MAX_S ?? 150);
const GQL_SECONDS = Number(env.BENCH_GQL_SECONDS ?? 5);
const N = Number(env.BENCH_N ?? 2000);
const SMALL_N = Number(env.BENCH_SMALL_N ?? 300);

const PARTS = ['main', 'scale', 'paging', 'sqlcount', 'storage', 's3', 'cpu'];
const ONLY = env.BENCH_ONLY ? env.BENCH_ONLY.split(',').map((s) => s.trim()).filter(Boolean) : null;
for (const p of ONLY ?? []) if (!PARTS.includes(p)) throw new Error(`BENCH_ONLY: unknown part ${p} (parts: ${PARTS.join(', ')})`);
const partOn = (p) => !ONLY || ONLY.includes(p);
const MAIN = partOn('main');
SCALE.on &&= partOn('scale');
SCALE.pagingOn &&= partOn('paging');
SQLCOUNT.on &&= partOn('sqlcount');
STORAGE_RSS.on &&= partOn('storage');
S3.on &&= partOn('s3');
CPU.on &&= partOn('cpu');
const NGINX_ON = MAIN || STORAGE_RSS.on || S3.on;

const started = new Date();
const DATE = started.toISOString().slice(0, 10);
const RUN_ID = started.toISOString();
const KNOBS = ['BENCH_ONLY', 'BENCH_DBS', 'BENCH_BYTES', 'BENCH_N', 'BENCH_SMALL_N', 'BENCH_BASE_NODES', 'BENCH_BIG_LIST', 'BENCH_BIG_LIST_MAX_S', 'BENCH_GQL_SECONDS', ...SCALE_KNOBS, ...SQLCOUNT_KNOBS, ...STORAGE_KNOBS, ...CPU_KNOBS, ...BYTES_KNOBS].filter((k) => env[k]);
const COMMAND = `${KNOBS.map((k) => `${k}=${env[k]} `).join('')}npm run bench`;

/** When (s after its last request) the service's RSS is read again; the goal is judged on the last. */
const SETTLE_S = [5, 30];
/** The service's RSS may grow by less than this during a byte transfer. */
const RSS_GROWTH_MIB = 64;

// vosbench arguments of the metadata runs, shared by the service runs (runDb) and the client
// ceiling (runCeiling), so both measure the same requests. The warm-up is not recorded: a freshly
// started Node process runs its first requests unoptimised (JIT), which a 5-listing sample would
// mostly measure; a service in use is past that.
const WARMUP_ARGS = ['--scenarios', 'mkdir,create,get,setprops,list,delete', '--n', String(Math.min(300, N)), '--list-n', '1000', '--list-reps', '10', '--concurrency', '8'];
const META_ARGS = (c) => ['--scenarios', 'mkdir,create,get,setprops,delete', '--n', String(N), '--concurrency', String(c)];
// 4 KiB pushes, as many in each run (main) as against the ceiling.
const SMALLPUT_ARGS = (mode) => ['--scenarios', 'smallput', '--small-n', String(SMALL_N), '--small-bytes', '4096', '--concurrency', '8', '--transfer-mode', mode];
// On its own: in one run with n=2000, vosbench lists the 2000 nodes it made for get/setprops
// instead of a container of --list-n children (pyvospace's anchor listed 1000). 60 listings, not
// vosbench's 5: each vosbench run is a fresh process, and its first parses of a 1000-child
// document (not yet optimised by the JIT) weigh on a median of 5 at a few ms a listing; and the
// CPU marks count in ticks of 10 ms, which over 20 listings was 500 µs a listing. Its
// `create` makes the 1000 children (which its `list` would otherwise make within its own line),
// so the listing line's CPU marks are of the listings alone; only the `list` line is kept.
const LIST_ARGS = (c) => ['--scenarios', 'create,list', '--n', '1000', '--list-n', '1000', '--list-reps', '60', '--concurrency', String(c)];
const listLinesOnly = (lines) => lines.filter((l) => l.scenario === 'list');


// ---------------------------------------------------------------- MD5
/** The machine's single-core MD5 speed (node crypto, in memory) over BENCH_BYTES: the limit of an upload, which the service hashes. */
function md5Speed() {
  const chunk = randomBytes(64 * 2 ** 20);
  const count = Math.max(1, Math.ceil(parseSize(BYTES) / chunk.length));
  const h = createHash('md5');
  const t0 = performance.now();
  for (let i = 0; i < count; i++) h.update(chunk);
  h.digest();
  const bytes = count * chunk.length;
  return { kind: 'md5', bytes, bytes_label: BYTES, MBps: r2(bytes / 1e6 / ((performance.now() - t0) / 1000)) };
}

// ---------------------------------------------------------------- client ceiling
/**
 * The metadata runs against bench/null-vospace.mjs, a server that answers with documents of a
 * real service's shape but does no work: on a machine the client shares with the server (and
 * PostgreSQL), what vosbench reaches there caps what any server can reach. Same arguments and
 * warm-up as the service runs; a failed vosbench run becomes a note, the others still run.
 * Then the same through Express and the service's middleware (`--express`): the floor of
 * the service's own HTTP stack, before any database or XML work.
 */
async function runCeiling(logFile) {
  const out = { meta: { kind: 'ceiling', server: 'bench/null-vospace.mjs' }, lines: [], notes: [] };
  for (const stack of ['node:http', 'express']) {
    const { svc, port } = await startNullVospace(stack, logFile);
    cleanups.push(() => stopChild(svc));
    // a token as the service runs send one (the null server ignores it), and the same --root
    const base = ['--base', `http://127.0.0.1:${port}/vospace`, '--authority', AUTHORITY, '--token', 'null-vospace', '--root', 'bench'];
    const pre = stack === 'express' ? 'ceiling-express' : 'ceiling';
    const run = async (tag, a, extra = {}, keep = (lines) => lines) => {
      try {
        const lines = keep(await vosbench([...base, ...a], { logFile, tag }));
        if (extra.concurrency) out.lines.push(...lines.map((l) => ({ ...l, ...extra, kind: 'ceiling', stack })));
      } catch (e) { out.notes.push(`${tag}: FAILED: ${e.message}`); log(`ceiling: ${tag} failed: ${e.message}`); }
    };
    try {
      await run(`${pre}-warmup`, WARMUP_ARGS);
      for (const c of [8, 1]) {
        await run(`${pre}-meta-c${c}`, META_ARGS(c), { concurrency: c });
        await run(`${pre}-list-c${c}`, LIST_ARGS(c), { concurrency: c }, listLinesOnly);
      }
      await run(`${pre}-smallput`, SMALLPUT_ARGS('async'), { concurrency: 8 });
    } finally {
      await stopChild(svc);
    }
  }
  return out;
}


async function runGraphql(port, token, pid) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const dir = '/bench/gql-portal';
  // the fixture: a container with 100 data nodes, each with two properties
  await gqlPost(agent, port, token, { query: 'mutation($p:String!){ createNode(path:$p, type: ContainerNode, properties:[{uri:"ivo://ivoa.net/vospace/core#title", value:"portal"}]) { uri } }', variables: { p: dir } });
  for (let i = 0; i < 100; i += 10) {
    await Promise.all(Array.from({ length: 10 }, (_, k) => gqlPost(agent, port, token, {
      query: 'mutation($p:String!,$t:String!){ createNode(path:$p, type: DataNode, properties:[{uri:"ivo://ivoa.net/vospace/core#title", value:$t},{uri:"ivo://ivoa.net/vospace/core#description", value:"benchmark fixture"}]) { uri } }',
      variables: { p: `${dir}/f${String(i + k).padStart(4, '0')}.fits`, t: `object ${i + k}` },
    })));
  }
  const query = `query($p:String!){ node(path:$p){ uri name type owner properties{ uri value }
    children(first:100){ totalCount pageInfo{ hasNextPage endCursor }
      edges{ node{ uri name type owner properties{ uri value } } } } } }`;
  const check = await gqlPost(agent, port, token, { query, variables: { p: dir } });
  const got = check.node?.children?.edges?.length;
  if (got !== 100) throw new Error(`graphql fixture: expected 100 children, got ${got}`);
  const lat = [];
  let errors = 0; let sampleError = null;
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const until = t0 + GQL_SECONDS * 1000;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (performance.now() < until) {
      const a = performance.now();
      try { await gqlPost(agent, port, token, { query, variables: { p: dir } }); lat.push(performance.now() - a); } catch (e) { errors++; sampleError ??= e.message; }
    }
  }));
  const wall = (performance.now() - t0) / 1000;
  const cpu1 = cpuSeconds(pid);
  agent.destroy();
  lat.sort((x, y) => x - y);
  const n = lat.length + errors;
  return { scenario: 'graphql-portal', concurrency: 8, children: 100, ok: lat.length, errors, wall_s: r2(wall), ops_s: r2(lat.length / wall),
    p50_ms: r2(pct(lat, 50)), p95_ms: r2(pct(lat, 95)), p99_ms: r2(pct(lat, 99)), sample_error: sampleError,
    // the service's user + system CPU per query (not PostgreSQL's)
    service_cpu_ms: cpu0 && cpu1 && n ? r2((1000 * (cpu1.user + cpu1.sys - cpu0.user - cpu0.sys)) / n) : null };
}

// ---------------------------------------------------------------- one database
async function runDb(db, tmp, logFile, ng) {
  const out = { db, lines: [], notes: [], bigList: null };
  const space = await prepareSpace({ db, dir: join(tmp, db), logFile, label: 'main' });
  if (db === 'postgresql') out.pgVersion = psql('SHOW server_version');
  const { port, token } = space;
  const seeded = space.runSql(baseSpaceSql());
  log(`${db}: base space loaded: ${JSON.stringify(seeded[0] ?? {})}`);
  const svc = await space.start(['dist/src/main.js', '--config', space.ini], `service (${db})`);
  const base = ['--base', `http://127.0.0.1:${port}/vospace`, '--authority', AUTHORITY, '--token', token, '--root', 'bench'];
  const push = (lines, extra = {}) => { for (const l of lines) out.lines.push({ ...l, ...extra, db, run: RUN_ID }); };
  const step = async (name, fn) => {
    const t = performance.now();
    log(`${db}: ${name}`);
    try { await fn(); } catch (e) { out.notes.push(`${name}: FAILED: ${e.message}`); log(`${db}: ${name} failed: ${e.message}`); }
    out.lines.push({ kind: 'step', step: name, seconds: r2((performance.now() - t) / 1000), db, run: RUN_ID });
  };
  try {
    out.idleRssMiB = Math.round(readRssKiB(svc.pid) / 102.4) / 10;
    await step('warm-up', () => vosbench([...base, ...WARMUP_ARGS], { logFile, tag: `${db}-warmup` }));
    for (const c of [8, 1]) {
      await step(`metadata c=${c}`, async () => {
        // Each scenario's CPU per request (client, service, PostgreSQL), for the limit of a missed goal (goals.mjs).
        for (const [args, tag, keep] of [[META_ARGS(c), 'meta', (lines) => lines], [LIST_ARGS(c), 'list', listLinesOnly]]) {
          const marker = cpuMarker(space);
          const lines = await vosbench([...base, ...args], { logFile, tag: `${db}-${tag}-c${c}`, onLine: marker.onLine, cpuMarks: true });
          push(keep(lines.map((l, i) => ({ ...l, ...marker.cpuAt(i) }))), { concurrency: c });
        }
      });
    }
    // the large listing: lower the size if creating it through REST would take too long
    const create = out.lines.find((l) => l.scenario === 'create' && l.concurrency === 8);
    let n = BIG_LIST;
    if (create?.ops_s && BIG_LIST / create.ops_s > BIG_LIST_MAX_S) {
      n = BIG_LIST_FALLBACK;
      out.notes.push(`large listing lowered from ${BIG_LIST} to ${n} children: at ${create.ops_s} creates/s, creating ${BIG_LIST} would take ~${Math.round(BIG_LIST / create.ops_s)} s (> BENCH_BIG_LIST_MAX_S=${BIG_LIST_MAX_S})`);
    }
    out.bigList = n;
    await step(`list ${n} paged`, async () => {
      const stop = rssSampler(svc.pid);
      const lines = await vosbench([...base, '--scenarios', 'list,delete', '--list-n', String(n), '--page-limit', '1000', '--list-reps', '2', '--concurrency', '8'], { logFile, tag: `${db}-biglist` });
      const rss = stop();
      push(lines, { concurrency: 8, big_list: true });
      out.lines.push({ kind: 'rss', phase: `list ${n} (creation, 2 paged listings, delete)`, ...rss, db, run: RUN_ID });
    });
    // async, vosbench's sync form and REQUEST=redirect, alternating, twice: compared in one run
    await step('smallput', async () => {
      for (const rep of [1, 2]) {
        for (const mode of ['async', 'sync']) {
          push(await vosbench([...base, ...SMALLPUT_ARGS(mode)], { logFile, tag: `${db}-smallput-${mode}-r${rep}` }), { concurrency: 8, rep });
        }
        push([await runRedirectPush({ port, token, n: SMALL_N, c: 8, bytes: 4096, name: `smallput-redirect-r${rep}` })], { rep });
      }
    });
    // side by side with nginx, BYTES_REPS rounds (bytes.mjs)
    await step(`bytes ${BYTES} ×${BYTES_REPS}`, async () => {
      if (!ng) throw new Error('nginx did not start: no reference to set the service beside');
      const { lines, rss } = await pairedBytes({ ng, svcPid: svc.pid, base, bytes: BYTES, scratch: join(tmp, db), logFile, tag: db });
      push(lines);
      for (const nv of [false, true]) if (rss[nv]) out.lines.push({ kind: 'rss', phase: `upload+download ${BYTES} (${nv ? '--no-verify' : 'verified'}), the peak of ${BYTES_REPS} rounds`, ...rss[nv], no_verify: nv, db, run: RUN_ID });
    });
    await step('graphql', async () => out.lines.push({ ...(await runGraphql(port, token, svc.pid)), db, run: RUN_ID }));
    out.endRssMiB = Math.round(readRssKiB(svc.pid) / 102.4) / 10;
    // What an operator sees once the load is over: the service collects its heap when idle (src/idleCollect.ts),
    // and V8's memory reducer gives back more later. Each reading also takes V8's heap from /metrics: the share
    // of the RSS that V8 holds.
    out.settledRss = [];
    for (const s of SETTLE_S) {
      await new Promise((r) => setTimeout(r, (s - (out.settledRss.at(-1)?.seconds ?? 0)) * 1000));
      out.settledRss.push({ seconds: s, MiB: Math.round(readRssKiB(svc.pid) / 102.4) / 10, ...(await v8Heap(port)) });
    }
  } finally {
    await stopChild(svc);
  }
  return out;
}

/** V8's heap, committed and used (MiB), from the service's /metrics (loopback may read it without a token); {} when it cannot be read. */
async function v8Heap(port) {
  try {
    const { body } = await httpReq(undefined, port, 'GET', '/metrics');
    const toMiB = (v) => Math.round(Number(v) / 104857.6) / 10;
    const mib = (name) => toMiB(new RegExp(`^${name} (\\S+)$`, 'm').exec(body)?.[1]);
    // Each space's committed and used (MiB), where it commits 1 MiB or more: which of V8's spaces holds what it keeps.
    const spaces = {};
    for (const [, kind, space, v] of body.matchAll(/^nodejs_heap_space_size_(total|used)_bytes\{space="(\w+)"\} (\S+)$/gm)) (spaces[space] ??= {})[kind] = toMiB(v);
    const heapSpaces = Object.fromEntries(Object.entries(spaces).filter(([, x]) => x.total >= 1));
    return { heapTotalMiB: mib('nodejs_heap_size_total_bytes'), heapUsedMiB: mib('nodejs_heap_size_used_bytes'), heapSpaces };
  } catch {
    return {};
  }
}

// ---------------------------------------------------------------- report
/** "; old 60.1/30.2, new 32.0/1.1" (committed/used MiB per space), or "" for a run without them. */
const heapSpacesText = (spaces) => (spaces && Object.keys(spaces).length ? `; ${Object.entries(spaces).map(([k, x]) => `${k} ${fmt(x.total)}/${fmt(x.used)}`).join(', ')}` : '');

/** The ceiling cells of a metadata row: the ceiling (node:http) and through Express. */
function ceilingCells(ceiling, s, c) {
  const f = (x) => (x == null ? '—' : `${fmt(x, s === 'delete' ? 0 : 1)}${s === 'delete' ? ' nodes/s' : ''}`);
  return `${f(ceilingRate(ceiling, s, c))} | ${f(ceilingRate(ceiling, s, c, 'express'))}`;
}

function ceilingSection(ceiling) {
  const md = ['### Client ceiling (same run)', ''];
  if (ceiling?.error) md.push(`**Client ceiling (null VOSpace) failed:** ${ceiling.error}`, '');
  for (const n of ceiling?.notes ?? []) md.push(`- ${n}`);
  if (ceiling?.notes?.length) md.push('');
  if (!ceiling?.lines?.length) return md.join('\n');
  md.push('The metadata runs (same vosbench arguments, after the same unrecorded warm-up) against `bench/null-vospace.mjs`, a server that answers with documents of a real service\'s shape (a ~1 KB node for get, a 1000-child `detail=min` listing) but does no work. The client and this server share the machine\'s CPUs as the client and the service do, so no server can go much faster here; where a goal is above these figures, the metadata tables judge 70% of the Express figure instead. The delete figure is of one DELETE of a few ms, so it is noisy.', '');
  md.push('"Express" is the same server behind Express and the service\'s own middleware (security headers, request log, rate limit), as `src/app.ts` sets them up: the floor of the service\'s HTTP stack before any database or XML work.', '');
  md.push('| scenario | c=8 ops/s | c=8 through Express | c=1 ops/s | c=1 through Express | p50 ms (c=8 / c=1) | errors (c=8 / c=1, both stacks) |', '|---|---|---|---|---|---|---|');
  for (const s of METADATA_SCENARIOS) {
    const [a, ax, b, bx] = [[8, 'node:http'], [8, 'express'], [1, 'node:http'], [1, 'express']].map(([c, st]) => ceilingLine(ceiling, s, c, st));
    const rate = (l) => (!l?.ok ? '—' : s === 'delete' ? `${fmt(l.nodes_per_s, 0)} nodes/s` : fmt(l.ops_s));
    const name = s === 'list' ? 'list 1000 children (listings/s)' : s === 'delete' ? `delete tree (${a?.nodes_in_tree ?? b?.nodes_in_tree ?? '?'} nodes, one DELETE)` : s;
    const errors = [a, b, ax, bx].map((l) => l?.errors ?? '—');
    md.push(`| ${name} | ${rate(a)} | ${rate(ax)} | ${rate(b)} | ${rate(bx)} | ${fmt(a?.p50_ms)} / ${fmt(b?.p50_ms)} | ${errors[0]} / ${errors[1]}, ${errors[2]} / ${errors[3]} |`);
  }
  const [p, px] = ['node:http', 'express'].map((st) => ceilingLine(ceiling, 'smallput', 8, st));
  if (p || px) md.push(`| 4 KiB push with negotiation, async (5 requests each; shown beside the push goal, not used for it) | ${p?.ok ? fmt(p.ops_s) : '—'} | ${px?.ok ? fmt(px.ops_s) : '—'} | | | ${fmt(p?.p50_ms)} / — | ${p?.errors ?? '—'} / —, ${px?.errors ?? '—'} / — |`);
  md.push('');
  return md.join('\n');
}

function dbSection(r, ceiling) {
  const L = r.lines;
  const find = (pred) => L.find(pred);
  const md = [];
  md.push(`### ${r.db === 'embedded' ? 'Embedded database (PGlite)' : `PostgreSQL ${r.pgVersion ?? ''}`}`, '');
  if (r.error) md.push(`**Run failed:** ${r.error}`, '');
  for (const n of r.notes) md.push(`- ${n}`);
  if (r.notes.length) md.push('');
  md.push(`Metadata (n=${N}, list of 1000 children, \`detail=min\`; pyvospace anchor: n=500, side by side 2026-12-04):`, '');
  md.push(`| scenario | c | ops/s | p50 ms | p99 ms | errors | pyvospace | ratio | goal | result | ceiling | ceiling through Express | CPU µs per request: client / service (its main thread)${r.db === 'postgresql' ? ' / PostgreSQL' : ''} |`, '|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const c of [8, 1]) {
    for (const s of METADATA_SCENARIOS) {
      const l = find((x) => x.scenario === s && x.concurrency === c && !x.big_list);
      const g = metaGoal(r.db, s, c, ceiling);
      const cc = ceilingCells(ceiling, s, c);
      const x = rateOf(l, s);
      const d = s === 'list' ? 1 : 0;
      const name = s === 'list' ? 'list 1000 children (listings/s)' : s === 'delete' ? `delete tree (${l?.nodes_in_tree ?? '?'} nodes, one DELETE; nodes/s)` : s;
      if (!l) { md.push(`| ${name} | ${c} | not measured | | | | ${fmt(g.anchor, d)} | | ${g.rule}: ${fmt(g.rate, d)} | — | ${cc} | |`); continue; }
      // A tree delete's run carries vosbench's set-up (creating the tree): not shown.
      const cpu = l.main_us == null || s === 'delete' ? '—' : `${l.client_us ?? '—'} / ${l.service_us} (${l.main_us})${l.pg_us == null ? '' : ` / ${l.pg_us}`}`;
      const lat = s === 'delete' ? `${fmt(l.p50_ms)} (total) | ` : `${fmt(l.p50_ms)} | ${fmt(l.p99_ms)}`;
      md.push(`| ${name} | ${c} | ${fmt(x, d)} | ${lat} | ${l.errors} | ${fmt(g.anchor, d)} | ${fmt(x / g.anchor, 2)}× | ${g.rule}: ${fmt(g.rate, d)} | ${verdict(x, g.rate, { d })} | ${cc} | ${cpu} |`);
    }
  }
  md.push('');
  if (ceiling?.lines?.length) md.push('Ceiling: the client ceiling of this run (above), same scenario and c. If a service figure is above its ceiling, that ceiling did not hold in this run (run-to-run noise).', '');
  md.push("CPU: what each scenario spent during its own run, per request, read at the end of each scenario from /proc (the service, its main thread, PostgreSQL's backends of this database) and from vosbench itself (bench/client-cpu.mjs); a scenario's figure carries vosbench's few set-up requests for it. A listing's is of the listings alone (its 1000 children are made by a \`create\` of their own in the same vosbench run, whose line is not kept); a listing's CPU is per listing. Not shown for the tree delete, whose run creates the tree first.", '');
  const big = find((x) => x.scenario === 'list' && x.big_list);
  const bigDel = find((x) => x.scenario === 'delete' && x.big_list);
  const bigRss = find((x) => x.kind === 'rss' && x.phase.startsWith('list'));
  md.push(`Large container (${r.bigList ?? '?'} children, pages of 1000, 2 listings):`, '');
  md.push('| figure | value |', '|---|---|');
  if (big) {
    md.push(`| full paged listing, p50 | ${fmt(big.p50_ms / 1000, 2)} s (${fmt(r.bigList / (big.p50_ms / 1000), 0)} children/s) |`);
    md.push(`| full paged listing, max | ${fmt(big.max_ms / 1000, 2)} s |`);
    md.push(`| errors | ${big.errors}${big.paging_ignored_by_server ? ' (paging ignored by server!)' : ''} |`);
  } else md.push('| listing | not measured (failed) |');
  if (bigDel) md.push(`| delete of the ${bigDel.nodes_in_tree}-node tree (one DELETE) | ${fmt(bigDel.p50_ms / 1000, 2)} s, ${fmt(bigDel.nodes_per_s, 0)} nodes/s |`);
  if (bigRss) md.push(`| server RSS before → peak (whole step incl. creating the children) | ${fmt(bigRss.beforeMiB)} → ${fmt(bigRss.peakMiB)} MiB (+${fmt(bigRss.growthMiB)} MiB, ${bigRss.samples} samples) |`);
  md.push('');
  md.push('Transfers:', '');
  md.push('| figure | value | reference | ratio | goal |', '|---|---|---|---|---|');
  const spAsync = smallputOf(L, 'async');
  for (const [mode, what] of [['async', 'async (`/transfers`, PHASE=RUN)'], ['sync', 'sync, vosbench\'s form (transfer document to `/synctrans`, 303 to transferDetails)'], ['sync-redirect', 'sync, `REQUEST=redirect` (`bench/synctrans.mjs`)']]) {
    const sp = smallputOf(L, mode);
    if (!sp) { md.push(`| smallput 4 KiB, c=8, ${what} | not measured (failed) | | | |`); continue; }
    const ref = mode === 'async' ? PYVOSPACE.smallput : spAsync?.ops_s;
    const goal = mode === 'async' ? GOAL.smallput * PYVOSPACE.smallput : spAsync?.ops_s;
    md.push(`| smallput 4 KiB, ${sp.reps} runs of ${sp.n / sp.reps} alternating with the other forms, c=8, ${what}, incl. negotiation | ${fmt(sp.ops_s)} ops/s (mean of runs), p50 ${fmt(sp.p50_ms)} ms, ${sp.errors} errors | ${mode === 'async' ? `pyvospace ${fmt(PYVOSPACE.smallput, 1)}` : `async ${fmt(spAsync?.ops_s)}`} ops/s | ${ref ? fmt(sp.ops_s / ref, 2) : '—'}× | ${mode === 'async' ? `≥ ${GOAL.smallput}×` : '≥ async'}: ${verdict(sp.ops_s, goal)} |`);
  }
  for (const nv of [false, true]) {
    const sum = bytesSummary(L, nv);
    const sfx = nv ? ', `--no-verify`' : ' (sha256 computed by the client)';
    if (!sum) { md.push(`| upload and download ${BYTES}${sfx} | not measured (failed) | | | |`); continue; }
    for (const [op, verb, goal] of [['upload', 'PUT', GOAL.upload], ['download', 'GET', GOAL.download]]) {
      const { service: sv, nginx: ng, ratio, ratios } = sum[op];
      const anchor = op === 'upload' ? PYVOSPACE.upload_MBps : PYVOSPACE.download_MBps;
      md.push(`| ${op} ${BYTES}${sfx}, median of ${sum.reps} rounds | ${fmt(sv.MBps)} MB/s stream (rounds: ${sv.all.map((x) => fmt(x)).join(', ')}); CPU per MB: client ${fmt(sv.client, 2)} ms (${fmt(sv.faults, 0)} page faults), service ${fmt(sv.server, 2)} ms, the whole machine ${fmt(sv.machine, 2)} ms; the service's busiest thread ran ${fmt(100 * sv.thread.run, 0)}% and waited ${fmt(100 * sv.thread.wait, 0)}% for a core | nginx ${verb} ${fmt(ng.MBps)} MB/s (rounds: ${ng.all.map((x) => fmt(x)).join(', ')}; CPU per MB: client ${fmt(ng.client, 2)} ms (${fmt(ng.faults, 0)} page faults), nginx ${fmt(ng.server, 2)} ms, the whole machine ${fmt(ng.machine, 2)} ms); pyvospace ${fmt(anchor)} | ${fmt(ratio, 2)}× nginx (rounds: ${ratios.map((x) => fmt(x, 2)).join(', ')}), ${fmt(sv.MBps / anchor, 1)}× pyvospace | ≥ ${goal}× nginx: ${verdict(ratio, goal, { d: 2, unit: '×' })} |`);
    }
    md.push(`| limits measured beside them${sfx} | the client making${nv ? '' : ' and hashing'} ${BYTES} (vosbench gen) ${fmt(sum.gen)} MB/s; the disk's write-back ${fmt(sum.disk)} MB/s (medians of the rounds) | | | |`);
  }
  for (const x of L.filter((y) => y.kind === 'rss' && y.phase.startsWith('upload'))) {
    md.push(`| server RSS during ${x.phase} (service + in-process storage server) | ${fmt(x.beforeMiB)} → peak ${fmt(x.peakMiB)} MiB (+${fmt(x.growthMiB)} MiB, ${x.samples} samples) | | | growth < ${RSS_GROWTH_MIB} MiB: ${x.growthMiB < RSS_GROWTH_MIB ? 'met' : `**missed** by ${fmt(x.growthMiB - RSS_GROWTH_MIB)} MiB`} |`);
  }
  md.push('');
  const g = find((x) => x.scenario === 'graphql-portal');
  md.push('GraphQL portal query (`node(path)` with owner and properties, `children(first: 100)` each with owner and properties), POST /graphql, c=8:', '');
  if (g) md.push(`| ops/s | p50 ms | p95 ms | p99 ms | requests | errors | service CPU ms per query |`, '|---|---|---|---|---|---|---|', `| ${fmt(g.ops_s)} | ${fmt(g.p50_ms)} | ${fmt(g.p95_ms)} | ${fmt(g.p99_ms)} | ${g.ok} | ${g.errors} | ${fmt(g.service_cpu_ms, 2)} |`);
  else md.push('not measured (failed)');
  md.push('');
  md.push(`Server RSS: idle after start ${fmt(r.idleRssMiB)} MiB, at the last request ${fmt(r.endRssMiB)} MiB, ${(r.settledRss ?? []).map((x) => `${x.seconds} s later ${fmt(x.MiB)} MiB${x.heapTotalMiB == null ? '' : ` (V8 heap ${fmt(x.heapTotalMiB)} committed, ${fmt(x.heapUsedMiB)} in use${heapSpacesText(x.heapSpaces)})`}`).join(', ')}. Step times: ${L.filter((x) => x.kind === 'step').map((x) => `${x.step} ${fmt(x.seconds, 0)} s`).join(', ')}.`, '');
  return md.join('\n');
}

function writeReport({ results, nginx, ceiling, md5, env: e, seconds, tmpNote, extra, file, keepPrevious }) {
  const md = [];
  md.push('# Benchmark results', '');
  md.push(`## Run of ${RUN_ID}${ONLY ? ` (partial: ${ONLY.join(', ')})` : ''}`, '');
  md.push(`- Command: \`${COMMAND}\` (from the repository root; ${fmt(seconds / 60, 1)} min wall for the whole run)`);
  md.push(`- Machine: ${e.nproc} CPUs (\`nproc\`), ${fmt(e.memGiB)} GiB RAM, ${e.cpuModel}; client, service, PostgreSQL and nginx share the machine. Load average (1 min) at the start ${fmt(e.loadStart, 2)}, at the end ${fmt(loadavg()[0], 2)}: anything else running on the machine shows here.`);
  md.push(`- Versions: node ${process.version}, PostgreSQL ${e.pgVersion ?? 'not run'}, nginx ${nginx?.meta?.version ?? 'not run'}, vosbench \`../shared/vosbench/vosbench.mjs\`.`);
  md.push(`- Raw lines: ${ONLY ? `\`${e.jsonl}\`` : DBS.map((db) => `\`bench/results/${DATE}-${db}.jsonl\``).join(', ')} (run id \`${RUN_ID}\`).`);
  if (MAIN) {
    md.push(`- ${ANCHOR_NOTE}; nginx ran in this run on 127.0.0.1 with the same ${BYTES} file (PUT via \`dav_methods PUT\`, then GET of it; a second PUT without the client's hash).`);
    md.push('- Metadata runs are async-mode vosbench defaults; MB = 10^6 bytes; "stream" = the data PUT/GET alone.');
    md.push('- Caveats: each figure is ONE run on a shared machine (vosbench\'s README: ±25% between runs), except the byte transfers of the main part: ' + BYTES_REPS + ' rounds side by side with nginx, judged on medians. The service\'s upload computes MD5 and fsyncs before renaming into place; nginx\'s dav PUT does not fsync. A download ratio above 1× means the client (sha256, or its socket read loop), not nginx, was the limit; the nginx GET follows its PUT and the service\'s download follows its upload, so both are served from the page cache. RSS is of the service process, which runs the storage server in-process (except in "Standalone storage server RSS"). Before the metadata runs each service gets an unrecorded warm-up (every metadata scenario at n=300 and ten 1000-child listings), so the figures are of a service past its JIT warm-up, as pyvospace (no JIT) always is. The space is not empty: before the service starts, ' + BASE_NODES + ' nodes with 2 properties each are bulk-loaded under \`/bench/scale\` and analysed, as in the scale part (on empty tables PostgreSQL would plan each prepared statement as a sequential scan of a one-page table and keep that plan while the run fills the table; a live space has data and autovacuum\'s statistics, and the embedded database\'s service keeps its own: src/db/tableUpkeep.ts). Runs before 2026-11-26T03:00 listed 2000 children, not 1000 (vosbench lists the nodes its get made when --n ≥ --list-n): their listings/s are of twice the children.');
  }
  if (tmpNote) md.push(`- ${tmpNote}`);
  md.push('');
  md.push(goalsSection({ results, nginx, ceiling, extra, md5 }));
  if (nginx?.error) md.push(`**nginx reference failed:** ${nginx.error}`, '');
  if (nginx?.lines?.length) {
    md.push('### nginx reference (same run)', '', '| run | MB/s (stream) | sha256 checked |', '|---|---|---|');
    for (const l of nginx.lines) md.push(`| ${l.tag} | ${fmt(l.stream_MBps)} | ${l.verified ?? (l.sha256 ? 'computed' : 'no')} |`);
    md.push('');
  }
  if (ceiling) md.push(ceilingSection(ceiling));
  for (const r of results) md.push(dbSection(r, ceiling));
  const failedPart = (rs) => rs.filter((r) => r.error).map((r) => `**${r.db}: failed:** ${r.error}`);
  const backends = (rs) => backendsSection(rs, nginx, results);
  for (const [rs, section] of [[extra.scale, scaleSection], [extra.sql, sqlCountSection], [extra.storage, storageSection], [extra.storage, backends], [extra.cpu, cpuSection]]) {
    if (!rs.length) continue;
    const text = section(rs.filter((r) => !r.error));
    if (text) md.push(text);
    const f = section === backends ? [] : failedPart(rs);
    if (f.length) md.push(...f, '');
  }
  md.push('### Not yet measured', '');
  const got = (rs, kind) => new Set(rs.flatMap((r) => r.lines).filter((l) => l.kind === kind).map((l) => l.db));
  const missing = (rs, kind, dbs = DBS) => dbs.filter((db) => !got(rs, kind).has(db));
  const why = (on, knob) => (on ? 'failed, see above' : `not run: ${knob}`);
  const ms = missing(extra.scale, 'scale');
  if (ms.length) md.push(`- **Scale run** (get/create latency at 10^3, 10^5, 10^6 nodes) on ${ms.join(', ')}: ${why(SCALE.on, ONLY ? 'BENCH_ONLY' : 'BENCH_SCALE=0')}.`);
  else if (SCALE.max < 1e6) md.push(`- **Scale run** went only to ${SCALE.max} nodes (BENCH_SCALE_MAX), not 10^6.`);
  const mp = missing(extra.scale, 'paging');
  if (mp.length) md.push(`- **Cost per page vs. offset** and the server's peak RSS during the paged 100 000-child listing on ${mp.join(', ')}: ${why(SCALE.pagingOn, ONLY ? 'BENCH_ONLY' : 'BENCH_PAGING=0')}.`);
  else if (SCALE.pagingN < 100000) md.push(`- **Paging** measured on ${SCALE.pagingN} children (BENCH_PAGING_N), not 100 000.`);
  const mq = missing(extra.sql, 'sqlcount');
  if (mq.length) md.push(`- **SQL statements per request** on ${mq.join(', ')}: ${why(SQLCOUNT.on, ONLY ? 'BENCH_ONLY' : 'BENCH_SQLCOUNT=0')}.`);
  const mst = DBS.includes('postgresql') ? missing(extra.storage, 'storage-rss', ['postgresql']) : ['postgresql'];
  if (mst.length) md.push(`- **Standalone storage server RSS**: ${DBS.includes('postgresql') ? why(STORAGE_RSS.on, ONLY ? 'BENCH_ONLY' : 'BENCH_STORAGE_RSS=0') : 'PostgreSQL not in BENCH_DBS'}.`);
  const gotS3 = extra.storage.some((r) => r.lines.some((l) => l.kind === 'storage-rss' && l.backend === 's3'));
  if (!gotS3) md.push(`- **S3 backend** (upload and download through Ceph RGW): ${DBS.includes('postgresql') ? why(S3.on, ONLY ? 'BENCH_ONLY' : 'BENCH_S3=0') : 'PostgreSQL not in BENCH_DBS'}.`);
  const mc = missing(extra.cpu, 'cpu');
  if (mc.length) md.push(`- **CPU per request** on ${mc.join(', ')}: ${why(CPU.on, ONLY ? 'BENCH_ONLY' : 'BENCH_CPU=0')}.`);
  md.push('- A standalone storage server on the embedded database: not possible by design (one process owns a PGlite directory, so `npm start` runs the storage server in-process).');
  md.push('- **Profiles of missed targets** (`--cpu-prof`, `EXPLAIN ANALYZE`): not taken by this script.');
  md.push('- Repeated runs: the small pushes (two alternating runs of each form) and the byte transfers of the main part (' + BYTES_REPS + ' rounds, judged on medians); every other figure is of one run (pyvospace anchors are means of two).');
  md.push('');
  let prev = keepPrevious && existsSync(file) ? readFileSync(file, 'utf8') : '';
  prev = prev.replace(/^# Benchmark results\s*\n/, '').replace(/^# Previous results\s*$/m, '').trim();
  const text = md.join('\n') + (prev ? `\n# Previous results\n\n${prev}\n` : '');
  writeFileSync(file, text);
}

// ---------------------------------------------------------------- main
/** Runs one part, never throwing: a failure becomes { error } in its result. */
async function part(name, db, fn) {
  try {
    return await fn();
  } catch (err) {
    log(`${db}: ${name}: ${err.message}`);
    return { db, lines: [], notes: [], error: err.message };
  }
}

async function main() {
  const t0 = performance.now();
  if (!existsSync(VOSBENCH)) throw new Error(`vosbench not found at ${VOSBENCH}`);
  if (!existsSync(join(REPO, 'dist/src/main.js'))) throw new Error('dist/src/main.js missing: run through `npm run bench` (it builds first)');
  mkdirSync(RESULTS_DIR, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'vospace-bench-'));
  const keepTmp = env.BENCH_KEEP_TMP === '1';
  cleanups.unshift(() => { if (!keepTmp) rmSync(tmp, { recursive: true, force: true }); });
  const logFile = join(tmp, 'bench.log');
  log(`temp dir ${tmp}; log ${logFile}${ONLY ? `; partial run: ${ONLY.join(', ')}` : ''}`);
  const stamp = RUN_ID.replace(/[:.]/g, '-');
  const e = {
    nproc: sh('nproc', []).out,
    memGiB: totalmem() / 2 ** 30,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadStart: loadavg()[0],
    jsonl: ONLY ? join(tmpdir(), `vospace-bench-partial-${stamp}.jsonl`) : null,
  };
  if (DBS.includes('postgresql')) {
    try { ensurePostgres(); e.pgVersion = psql('SHOW server_version'); } catch (err) { log(`postgresql: ${err.message}`); }
  }
  let nginx = null;
  let ceiling = null;
  const md5 = NGINX_ON ? md5Speed() : null;
  if (md5) log(`single-core MD5: ${md5.MBps} MB/s`);
  let ng = null;
  if (NGINX_ON) {
    try {
      ng = await startNginx(tmp, logFile);
      cleanups.push(() => ng.stop());
      nginx = { meta: { kind: 'nginx', version: ng.version, pid: ng.pid }, lines: await nginxReference(ng, BYTES, logFile) };
      nginx.meta.masterRssMiB = ng.rssMiB();
    } catch (err) { nginx = { error: err.message, lines: [] }; log(`nginx: ${err.message}`); }
  }
  if (MAIN) {
    log('client ceiling (bench/null-vospace.mjs)');
    try { ceiling = await runCeiling(logFile); } catch (err) { ceiling = { error: err.message, lines: [], notes: [] }; log(`ceiling: ${err.message}`); }
  }
  const results = [];
  const extra = { scale: [], sql: [], storage: [], cpu: [] };
  const ctx = { tmp, logFile, runId: RUN_ID, bytes: BYTES };
  for (const db of DBS) {
    const lines = [];
    let r = null;
    if (MAIN) {
      try { r = await runDb(db, tmp, logFile, ng); } catch (err) { r = { db, lines: [], notes: [], error: err.message }; log(`${db}: ${err.message}`); }
      if (r.pgVersion) e.pgVersion = r.pgVersion;
      results.push(r);
      lines.push(...(ceiling?.lines ?? []).map((l) => ({ ...l, reference: 'null-vospace', run: RUN_ID })), ...r.lines);
    }
    lines.push(...(nginx?.lines ?? []).map((l) => ({ ...l, reference: 'nginx', run: RUN_ID })), ...(md5 ? [{ ...md5, reference: 'md5', run: RUN_ID }] : []));
    if (SCALE.on || SCALE.pagingOn) extra.scale.push(await part('scale', db, () => runScale(db, ctx)));
    if (SQLCOUNT.on) extra.sql.push(await part('sqlcount', db, () => runSqlCount(db, ctx)));
    if (STORAGE_RSS.on && db === 'postgresql') extra.storage.push(await part('storage', db, () => runStorageRss(db, ctx, 'posix')));
    if (S3.on && db === 'postgresql') extra.storage.push(await part('s3', db, () => runStorageRss(db, ctx, 's3')));
    if (CPU.on) extra.cpu.push(await part('cpu', db, () => runCpu(db, ctx)));
    const notes = [...(r?.notes ?? [])];
    for (const x of [extra.scale, extra.sql, extra.storage, extra.cpu].flatMap((a) => a.filter((y) => y.db === db))) {
      lines.push(...x.lines);
      notes.push(...x.notes, ...(x.error ? [`FAILED: ${x.error}`] : []));
    }
    const file = ONLY ? e.jsonl : join(RESULTS_DIR, `${DATE}-${db}.jsonl`);
    const head = [{ kind: 'run', run: RUN_ID, db, command: COMMAND, parts: ONLY ?? PARTS, nproc: e.nproc, memGiB: r2(e.memGiB), node: process.version, pg: e.pgVersion ?? null, nginx: nginx?.meta?.version ?? null, ceiling_error: ceiling?.error ?? null, big_list: r?.bigList ?? null, notes, error: r?.error ?? null, idleRssMiB: r?.idleRssMiB ?? null, endRssMiB: r?.endRssMiB ?? null, settledRss: r?.settledRss ?? null, loadavg_start: r2(e.loadStart), loadavg_end: r2(loadavg()[0]) }];
    appendFileSync(file, [...head, ...lines].map((l) => JSON.stringify(l)).join('\n') + '\n');
    // the databases' runs are independent; drop this database now (cleanups run again harmlessly at exit)
  }
  const seconds = (performance.now() - t0) / 1000;
  // keep the log if anything failed
  const all = [...results, ...extra.scale, ...extra.sql, ...extra.storage, ...extra.cpu];
  const failed = all.some((r) => r.error || r.notes.some((n) => n.includes('FAILED'))) || nginx?.error || ceiling?.error || ceiling?.notes?.length;
  let tmpNote = null;
  if (failed) {
    const kept = ONLY ? join(tmpdir(), `vospace-bench-partial-${stamp}.log`) : join(RESULTS_DIR, `${DATE}-bench.log`);
    try { writeFileSync(kept, readFileSync(logFile)); tmpNote = `Something failed; the log is in \`${ONLY ? kept : `bench/results/${DATE}-bench.log`}\`.`; } catch { /* none */ }
  }
  const file = ONLY ? join(tmpdir(), `vospace-bench-partial-${stamp}.md`) : RESULTS_MD;
  writeReport({ results, nginx, ceiling, md5, env: e, seconds, tmpNote, extra, file, keepPrevious: !ONLY });
  log(`wrote ${file}${ONLY ? ` and ${e.jsonl}` : ''} (${fmt(seconds / 60, 1)} min)`);
  return failed ? 1 : 0;
}

let code = 1;
try { code = await main(); } catch (err) { log(`FAILED: ${err.stack ?? err.message}`); code = 1; } finally { await cleanupAll(); }
process.exit(code);
