// Issue 13's goals, each judged on figures of the same run (called by bench/run.mjs): the
// pyvospace anchors they are ratios of, the rule for a goal above the client ceiling, and the
// "Goals" table at the head of the report.
import { fmt } from './lib.mjs';
import { bytesSummary } from './bytes.mjs';
import { availableParallelism } from 'node:os';
import { CPU_GOAL_SCENARIOS, CPU_GOAL_US, PG_BEFORE_US, floorOf } from './cpu.mjs';

const mean = (a, b) => (a + b) / 2;
/**
 * pyvospace, from ../shared/vosbench/results/SUMMARY.md, "Side by side, 2026-12-04": both
 * services on the same PostgreSQL 15, n=500, each figure the mean of the two repetitions. The
 * c=1 row there gives ranges (rep 1–rep 2): the mean of the range's ends. The listing (one
 * listing at a time whatever --concurrency: vosbench's concurrency only fills the container) and
 * the tree delete (one DELETE) have one row there, used at c=8 and c=1.
 */
export const PYVOSPACE = {
  c8: { mkdir: mean(443, 486), create: mean(426, 579), get: mean(1118, 1045), setprops: mean(1146, 1141), list: mean(37.5, 35.9), delete: mean(13.0e3, 14.9e3) },
  c1: { mkdir: mean(375, 395), create: mean(397, 445), get: mean(543, 583), setprops: mean(454, 475), list: mean(37.5, 35.9), delete: mean(13.0e3, 14.9e3) },
  smallput: mean(87, 140),
  upload_MBps: mean(109, 118),
  download_MBps: mean(121, 122),
};
export const ANCHOR_NOTE = 'pyvospace figures are the means of the two side-by-side repetitions of 2026-12-04 in `../shared/vosbench/results/SUMMARY.md` (same PostgreSQL 15, n=500, 256 MiB objects; the c=1 row there gives ranges: the mean of each range\'s ends; the listing and the tree delete have one row, used at both c)';

export const GOAL = { metadata: 3, list: 10, embedded: 1, ofExpressCeiling: 0.7, smallput: 4, upload: 0.7, download: 0.9, gqlP50Ms: 10, embeddedRssMiB: 256, flatMiB: 64 };
export const METADATA_SCENARIOS = ['mkdir', 'create', 'get', 'setprops', 'list', 'delete'];

/** "met", or "**missed** (x, y% of goal)"; lower = the goal is an upper bound. */
export function verdict(x, goal, { lower = false, d = 1, unit = '' } = {}) {
  if (x == null || goal == null) return '—';
  if (lower ? x <= goal : x >= goal) return 'met';
  return `**missed** (${fmt(x, d)}${unit}, ${fmt((lower ? goal / x : x / goal) * 100, 0)}% of goal)`;
}

/** The client ceiling's line of scenario s at concurrency c (stack node:http or express), if it ran. */
export const ceilingLine = (ceiling, s, c, stack = 'node:http') => ceiling?.lines?.find((x) => x.scenario === s && x.concurrency === c && (x.stack ?? 'node:http') === stack);
/** Its rate: ops/s, or nodes/s for the tree delete; null if it did not run or failed. */
export function ceilingRate(ceiling, s, c, stack = 'node:http') {
  const l = ceilingLine(ceiling, s, c, stack);
  if (!l?.ok) return null;
  return s === 'delete' ? l.nodes_per_s : l.ops_s;
}
/** A service line's rate in the unit of its anchor. */
export const rateOf = (l, s) => (!l?.ok ? null : s === 'delete' ? l.nodes_per_s : l.ops_s);

/**
 * The goal of metadata scenario s at c on database db: on PostgreSQL 3× pyvospace (the listing
 * 10×), or, where that is above the client ceiling (node:http) of this run, 70% of the ceiling
 * through Express when that is lower; embedded 1× pyvospace.
 */
export function metaGoal(db, s, c, ceiling) {
  const anchor = PYVOSPACE[`c${c}`][s];
  if (db === 'embedded') return { anchor, rate: anchor * GOAL.embedded, rule: `≥ ${GOAL.embedded}× pyvospace` };
  const factor = s === 'list' ? GOAL.list : GOAL.metadata;
  const want = anchor * factor;
  const plain = ceilingRate(ceiling, s, c);
  const express = ceilingRate(ceiling, s, c, 'express');
  // never stricter than the ratio itself (on a loaded machine Express can outrun plain node:http)
  if (plain != null && express != null && want > plain && GOAL.ofExpressCeiling * express < want) {
    return { anchor, rate: GOAL.ofExpressCeiling * express, rule: `≥ ${GOAL.ofExpressCeiling * 100}% of the Express ceiling (${factor}× = ${fmt(want, 0)} is above the ceiling ${fmt(plain, 0)})` };
  }
  return { anchor, rate: want, rule: `≥ ${factor}× pyvospace${plain == null ? ' (no ceiling measured)' : ''}` };
}

/**
 * What the CPU measured in part cpu lets a scenario reach on this machine. On PostgreSQL each
 * request costs the service and PostgreSQL their CPU per request (the client's own left out, so the
 * bound is generous); at c=8 the machine's cores share that work, at c=1 it runs one request after
 * another. On the embedded database the service's main thread runs PostgreSQL too, one request
 * after another at any c: its CPU per request bounds the rate.
 */
export function cpuBound(extra, scenario, c, db = 'postgresql') {
  const l = extra.cpu.flatMap((r) => r.lines).find((x) => x.db === db && x.kind === (CPU_KIND[scenario] ?? 'cpu') && x.scenario === scenario);
  if (db === 'embedded') return l?.main_us ? { us: l.main_us, rate: 1e6 / l.main_us, what: "the service's main thread, which runs the database too" } : null;
  if (!l?.service_us || l.pg_us == null) return null;
  const us = l.service_us + l.pg_us;
  // vosbench lists one listing at a time at any concurrency: they cannot share the cores
  const cores = c === 1 || scenario === 'list' ? 1 : availableParallelism();
  return { us, rate: (cores * 1e6) / us, what: 'service + PostgreSQL' };
}
/** Part cpu's line kind for a scenario measured apart from the metadata run. */
const CPU_KIND = { smallput: 'cpu-push', list: 'cpu-list' };
/**
 * Listings go one after another, so the client's own time per listing (against the null server:
 * the ceiling, node:http) and the service's add up: what the goal leaves the service per listing.
 */
const withClient = (b, plain, goal) =>
  b && plain ? `; one listing after another, the goal leaves the service and PostgreSQL ${fmt(1000 / goal - 1000 / plain, 2)} ms per listing beside the client's ${fmt(1000 / plain, 2)} ms (its time against the null server), and they spend ${fmt(b.us / 1000, 2)} ms of CPU` : '';
const boundNote = (b, unit = ' /s') => (b ? `; CPU bound ${fmt(b.rate, 0)}${unit} (${b.what}: ${b.us} µs per request, part cpu)` : '');

/** Mean ops/s (and p50) of the smallput runs of one mode (async, sync, sync-redirect), over their repetitions. */
export function smallputOf(lines, mode) {
  const ls = lines.filter((l) => l.scenario === 'smallput' && (l.mode ?? 'async') === mode && l.ok);
  if (!ls.length) return null;
  const avg = (k) => ls.reduce((a, l) => a + l[k], 0) / ls.length;
  return { ops_s: avg('ops_s'), p50_ms: avg('p50_ms'), reps: ls.length, errors: ls.reduce((a, l) => a + (l.errors ?? 0), 0), n: ls.reduce((a, l) => a + (l.n ?? 0), 0) };
}

const DB_NAME = { embedded: 'embedded (PGlite)', postgresql: 'PostgreSQL' };
const MODE = { async: 'async (`/transfers`, PHASE=RUN, phase polls, transferDetails)', sync: 'sync, vosbench\'s form (transfer document POSTed to `/synctrans`, 303 to the job\'s transferDetails)', 'sync-redirect': 'sync, `REQUEST=redirect` (parameters POSTed to `/synctrans`, 303 to the endpoint; `bench/synctrans.mjs`)' };

/** The "Goals (issue 13)" table: one line per goal and figure, met or missed. */
export function goalsSection({ results, nginx, ceiling, extra, md5 }) {
  const rows = [];
  const row = (goal, measured, target, result) => rows.push(`| ${goal} | ${measured} | ${target} | ${result} |`);
  const pg = results.find((r) => r.db === 'postgresql');
  const emb = results.find((r) => r.db === 'embedded');
  const find = (r, pred) => r?.lines.find(pred);

  // metadata on PostgreSQL, 3× (list 10×) or 70% of the Express ceiling; embedded 1×
  for (const r of [pg, emb].filter(Boolean)) {
    for (const c of [8, 1]) {
      for (const s of METADATA_SCENARIOS) {
        const l = find(r, (x) => x.scenario === s && x.concurrency === c && !x.big_list);
        const g = metaGoal(r.db, s, c, ceiling);
        const x = rateOf(l, s);
        const unit = s === 'delete' ? ' nodes/s' : s === 'list' ? ' listings/s' : ' /s';
        const what = s === 'list' ? 'list 1000 children' : s === 'delete' ? 'delete a tree' : s;
        const b = x != null && x < g.rate ? cpuBound(extra, s, c, r.db) : null;
        const bound = boundNote(b) + (s === 'list' ? withClient(b, ceilingRate(ceiling, s, c), g.rate) : '');
        row(`${DB_NAME[r.db]}: ${what}, c=${c}`, x == null ? 'not measured' : `${fmt(x, 0)}${unit} (${fmt(x / g.anchor, 2)}× pyvospace ${fmt(g.anchor, s === 'list' ? 1 : 0)})${bound}`, `${g.rule}: ${fmt(g.rate, s === 'list' ? 1 : 0)}${unit}`, verdict(x, g.rate, { d: 0 }));
      }
    }
    if (r.db === 'embedded') {
      const last = r.settledRss?.at(-1);
      const heap = last?.heapTotalMiB == null ? '' : `; of it V8's heap ${fmt(last.heapTotalMiB)} MiB committed, ${fmt(last.heapUsedMiB)} MiB in use`;
      const shown = last == null ? 'not measured' : `${fmt(last.MiB)} MiB ${last.seconds} s after the last request (${[`${fmt(r.endRssMiB)} at it`, ...r.settledRss.slice(0, -1).map((x) => `${fmt(x.MiB)} ${x.seconds} s after`)].join(', ')})${heap}`;
      row('embedded (PGlite): service RSS after the bench', shown, `< ${GOAL.embeddedRssMiB} MiB`, last == null ? '—' : last.MiB < GOAL.embeddedRssMiB ? 'met' : `**missed** (${fmt(last.MiB)} MiB, ${fmt((GOAL.embeddedRssMiB / last.MiB) * 100, 0)}% of goal)`);
    }
  }

  // CPU per request
  for (const l of extra.cpu.flatMap((r) => r.lines).filter((x) => x.kind === 'cpu' && x.db === 'postgresql' && CPU_GOAL_SCENARIOS.includes(x.scenario))) {
    const ex = floorOf(extra.cpu, l.scenario, 'express');
    const floor = ex == null ? '' : `; a server doing no work costs ${ex} µs through Express and the service's middleware, ${floorOf(extra.cpu, l.scenario, 'node:http')} µs on node:http alone`;
    row(`service CPU per ${l.scenario} (PostgreSQL, c=${l.concurrency})`, `${l.service_us} µs (user ${l.service_user_us} + system ${l.service_sys_us})${floor}`, `≤ ${CPU_GOAL_US} µs`, verdict(l.service_us, CPU_GOAL_US, { lower: true, d: 0, unit: ' µs' }));
    const before = PG_BEFORE_US[l.scenario];
    row(`PostgreSQL CPU per ${l.scenario}`, `${l.pg_us} µs (user ${l.pg_user_us} + system ${l.pg_sys_us})`, before == null ? 'no higher than before issue 13 (no figure recorded)' : `≤ ${before} µs (before issue 13)`, before == null ? 'reported' : verdict(l.pg_us, before, { lower: true, d: 0, unit: ' µs' }));
  }

  // small pushes
  for (const r of results) {
    const a = smallputOf(r.lines, 'async');
    if (!a && !smallputOf(r.lines, 'sync')) continue;
    // the client ceiling is shown, not used: the issue's ceiling rule is for the metadata scenarios
    const cp = ceilingRate(ceiling, 'smallput', 8);
    const cx = ceilingRate(ceiling, 'smallput', 8, 'express');
    const ceil = cp == null ? '' : `; client ceiling ${fmt(cp, 0)} /s, through Express ${cx == null ? '—' : fmt(cx, 0)} /s (${fmt((100 * a?.ops_s) / cp, 0)}% of the ceiling)`;
    const pc = extra.cpu.flatMap((x) => x.lines).find((x) => x.kind === 'cpu-push' && x.db === r.db);
    const pb = cpuBound(extra, 'smallput', 8, r.db);
    const spend = r.db === 'postgresql' ? `service ${fmt(pc?.service_us / 1000, 1)} ms, PostgreSQL ${fmt(pc?.pg_us / 1000, 1)} ms` : `service ${fmt(pc?.service_us / 1000, 1)} ms, of it the main thread (with the database) ${fmt(pc?.main_us / 1000, 1)} ms`;
    const cost = pc ? `; CPU per push (part cpu): ${spend}, so a CPU bound of ${fmt(pb?.rate, 0)} /s` : '';
    row(`${DB_NAME[r.db]}: 4 KiB push with negotiation, ${MODE.async}, c=8`, a ? `${fmt(a.ops_s)} /s (${fmt(a.ops_s / PYVOSPACE.smallput, 2)}× pyvospace ${fmt(PYVOSPACE.smallput, 1)})${ceil}${cost}` : 'not measured', `≥ ${GOAL.smallput}× pyvospace: ${fmt(GOAL.smallput * PYVOSPACE.smallput, 0)} /s`, verdict(a?.ops_s, GOAL.smallput * PYVOSPACE.smallput));
    for (const mode of ['sync', 'sync-redirect']) {
      const s = smallputOf(r.lines, mode);
      row(`${DB_NAME[r.db]}: 4 KiB push, ${MODE[mode]}, c=8`, s ? `${fmt(s.ops_s)} /s` : 'not measured', `≥ async of this run${a ? `: ${fmt(a.ops_s)} /s` : ''}`, verdict(s?.ops_s, a?.ops_s));
    }
  }

  // the streamed 100 000-child listing (paging part)
  for (const l of extra.scale.flatMap((r) => r.lines).filter((x) => x.kind === 'unpaged')) {
    row(`${DB_NAME[l.db]}: ${l.children}-child listing without limit, detail=${l.detail}, streamed`, `server RSS +${fmt(l.rss?.growthMiB)} MiB (${fmt(l.rss?.beforeMiB)} → ${fmt(l.rss?.peakMiB)}) for a ${fmt(l.document_MiB)} MiB document`, `flat: growth < ${GOAL.flatMiB} MiB`, l.rss?.growthMiB == null ? '—' : l.rss.growthMiB < GOAL.flatMiB ? 'met' : `**missed** (+${fmt(l.rss.growthMiB)} MiB, ${fmt((GOAL.flatMiB / l.rss.growthMiB) * 100, 0)}% of goal)`);
  }

  // bytes beside nginx, round by round (bytes.mjs)
  for (const r of results) {
    for (const nv of [false, true]) {
      const sum = bytesSummary(r.lines, nv);
      if (!sum) continue;
      const sfx = nv ? '`--no-verify`' : 'client sha256';
      for (const [op, verb, goal] of [['upload', 'PUT', GOAL.upload], ['download', 'GET', GOAL.download]]) {
        const { service: sv, nginx: ng, ratio, ratios, limit } = sum[op];
        const want = ng.MBps == null ? null : goal * ng.MBps;
        const missed = ratio != null && ratio < goal;
        const lim = !missed || !limit ? '' : `; limit ${fmt(limit.MBps, 0)} MB/s (${limit.what})${limit.MBps < want ? `, under the goal's ${fmt(want, 0)}` : `, above the goal's ${fmt(want, 0)}: not what stops it`}`;
        const th = !missed || sv.thread.run == null ? '' : `; the service's busiest thread ran ${fmt(100 * sv.thread.run, 0)}% of the transfer and waited ${fmt(100 * sv.thread.wait, 0)}% for a core`;
        row(`${DB_NAME[r.db]}: ${op}, ${sfx}`, `${fmt(ratio, 2)}× nginx ${verb}, the median of ${sum.reps} rounds (${ratios.map((x) => fmt(x, 2)).join(', ')}): ${fmt(sv.MBps)} MB/s beside ${fmt(ng.MBps)}; CPU per MB: client ${fmt(sv.client, 2)} + service ${fmt(sv.server, 2)} ms, the whole machine ${fmt(sv.machine, 2)} (with nginx: ${fmt(ng.client, 2)} + ${fmt(ng.server, 2)}, machine ${fmt(ng.machine, 2)})${lim}${th}`, `≥ ${goal}× nginx ${verb}`, verdict(ratio, goal, { d: 2, unit: '×' }));
      }
    }
  }
  if (md5) row('the limit of an upload: this machine\'s single-core MD5 (node crypto, in memory, 64 MiB at a time)', `${fmt(md5.MBps)} MB/s over ${fmt(md5.bytes / 2 ** 20, 0)} MiB`, '(the service computes the MD5 of every upload as it arrives)', 'reported');

  // GraphQL portal query
  for (const r of results) {
    const g = find(r, (x) => x.scenario === 'graphql-portal');
    if (!g) continue;
    const sql = extra.sql.flatMap((x) => x.lines).find((x) => x.kind === 'sqlcount' && x.request === 'graphql-portal' && x.db === r.db);
    // 8 queries in flight on the machine's cores: the service's CPU alone holds each query at least this long
    const cpu = g.service_cpu_ms == null ? '' : `; service CPU ${fmt(g.service_cpu_ms, 2)} ms per query, so with 8 in flight on ${availableParallelism()} cores a query takes ≥ ${fmt((8 * g.service_cpu_ms) / availableParallelism())} ms`;
    row(`${DB_NAME[r.db]}: GraphQL portal query, c=8`, `p50 ${fmt(g.p50_ms)} ms (${fmt(g.ops_s)} /s); ${sql ? `${sql.statements_median} SQL statements` : 'SQL statements not counted (sqlcount part off)'}${cpu}`, `p50 ≤ ${GOAL.gqlP50Ms} ms`, verdict(g.p50_ms, GOAL.gqlP50Ms, { lower: true, unit: ' ms' }));
  }

  if (!rows.length) return '';
  const md = ['### Goals (issue 13)', ''];
  md.push(`Each goal judged on figures of this run (details in the sections below). ${ANCHOR_NOTE}. A metadata goal of 3× (the listing 10×) that is above this run's client ceiling (vosbench against \`bench/null-vospace.mjs\` on node:http) becomes ≥ 70% of the ceiling through Express (the same null server behind Express and the service's middleware) when that is lower; the rule applied is named. The listing goal takes the same rule. Uploads and downloads are judged twice against nginx of this run: with the client hashing (sha256, as both nginx runs of that pair) and without (\`--no-verify\`, where the servers, not the client, set the pace); each on the median of the rounds' ratios, where a round is an nginx PUT and GET and the service's upload and download, taking turns to go first, each after \`sync\`, the client with glibc's heap trimming off (bench/bytes.mjs: otherwise the page faults of its reads set the pace, whichever the server). A missed one names the lowest of its limits measured in the same rounds: the machine's cores divided by all the CPU the machine spent per MB (from /proc/stat) or by the client's and the service's alone, one core divided by the client's, the client's own speed making (and hashing) the bytes, and for uploads the disk's write-back rate. "Flat" memory: the server's RSS grows by less than ${GOAL.flatMiB} MiB while it sends the whole listing (a buffered document would add at least its own size). A missed throughput goal names its CPU bound where part cpu measured its request: on PostgreSQL ${availableParallelism()} cores (c=8) or one request after another (c=1) divided by the service's and PostgreSQL's CPU per request as measured at c=8 (a listing: one after another at either c, as vosbench lists; the client's CPU left out, and at c=1 the wake-ups cost more: the bound is generous); on the embedded database one second divided by the CPU per request of the service's main thread, which runs the database too. Where the bound is under the goal, the goal cannot be met on this machine without less CPU per request.`, '');
  md.push('| goal | measured | target | result |', '|---|---|---|---|', ...rows, '');
  return md.join('\n');
}
