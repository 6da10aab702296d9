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
 * What the CPU of a push, as part cpu measured it at c=8, lets the pushes reach on this machine. On
 * PostgreSQL the machine's cores share the service's and PostgreSQL's CPU per push; on the embedded
 * database the service's main thread runs PostgreSQL too: its CPU per push bounds the rate.
 */
export function pushBound(extra, db) {
  const l = extra.cpu.flatMap((r) => r.lines).find((x) => x.db === db && x.kind === 'cpu-push');
  if (db === 'embedded') return l?.main_us ? { rate: 1e6 / l.main_us } : null;
  if (!l?.service_us || l.pg_us == null) return null;
  return { rate: (availableParallelism() * 1e6) / (l.service_us + l.pg_us) };
}

/**
 * What a metadata scenario's CPU, measured during its own run (the line's marks: bench/cpu.mjs
 * cpuMarker), lets it reach on this machine. One request after another (c=1, and any listing:
 * vosbench lists one at a time) the client's main thread, the service's and PostgreSQL take turns,
 * so their CPU per request adds up (some overlaps: the rate can pass this bound by a little). At
 * c=8 the machine's cores share all of it (the service's every thread), and the service's main
 * thread, which takes every request (on the embedded database it runs PostgreSQL too), does at
 * most one second's worth a second.
 */
export function runBound(l, scenario, c) {
  if (l?.main_us == null || l.client_us == null) return null;
  const pg = l.pg_us ?? 0;
  const pgNote = l.pg_us == null ? '' : ` + PostgreSQL ${l.pg_us}`;
  if (c === 1 || scenario === 'list') {
    const client = l.client_main_us ?? l.client_us;
    const us = client + l.main_us + pg;
    return { rate: 1e6 / us, approx: true, note: `one after another: the client's main thread ${client} + the service's ${l.main_us}${pgNote} = ${us} µs each` };
  }
  const all = l.client_us + l.service_us + pg;
  const cores = availableParallelism();
  const shared = (cores * 1e6) / all;
  const main = 1e6 / l.main_us;
  if (shared <= main) return { rate: shared, note: `${cores} cores ÷ client ${l.client_us} + service ${l.service_us}${pgNote} = ${all} µs per request` };
  return { rate: main, note: `one second ÷ the service's main thread's ${l.main_us} µs per request${l.pg_us == null ? ', which runs the database too' : ''}` };
}
const boundNote = (b, unit, source) => (b ? `; CPU bound ${b.approx ? '≈' : ''}${fmt(b.rate, unit === ' listings/s' ? 1 : 0)}${unit} (${b.note}, ${source})` : '');

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
        const bound = x != null && x < g.rate ? boundNote(runBound(l, s, c), unit, 'measured in this run') : '';
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
    const pb = pushBound(extra, r.db);
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
        const th = !missed || sv.thread.run == null || limit?.thread ? '' : `; the service's busiest thread ran ${fmt(100 * sv.thread.run, 0)}% of the transfer and waited ${fmt(100 * sv.thread.wait, 0)}% for a core`;
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
  md.push(`Each goal judged on figures of this run (details in the sections below). ${ANCHOR_NOTE}. A metadata goal of 3× (the listing 10×) that is above this run's client ceiling (vosbench against \`bench/null-vospace.mjs\` on node:http) becomes ≥ 70% of the ceiling through Express (the same null server behind Express and the service's middleware) when that is lower; the rule applied is named. The listing goal takes the same rule. Uploads and downloads are judged twice against nginx of this run: with the client hashing (sha256, as both nginx runs of that pair) and without (\`--no-verify\`, where the servers, not the client, set the pace); each on the median of the rounds' ratios, where a round is an nginx PUT and GET and the service's upload and download, taking turns to go first, each after \`sync\`, the client with glibc's heap trimming off (bench/bytes.mjs: otherwise the page faults of its reads set the pace, whichever the server). A missed one names the lowest of its limits measured in the same rounds: the machine's cores divided by all the CPU the machine spent per MB (from /proc/stat) or by the client's and the service's alone, one core divided by the client's, the client's own speed making (and hashing) the bytes, and for uploads the disk's write-back rate and the service's MB/s divided by the share of the transfer its busiest thread (the one that hashes every byte) was busy, running or waiting for a core: a thread busy all the time sets the pace. "Flat" memory: the server's RSS grows by less than ${GOAL.flatMiB} MiB while it sends the whole listing (a buffered document would add at least its own size). A missed metadata goal names its CPU bound, from the CPU each scenario spent during its own run (read at the end of each scenario: the client's own, the service's, its main thread's, and on PostgreSQL its backends'; a listing's run makes its 1000 children in a scenario of its own first, so its figures are of the listings alone): one request after another (c=1, and any listing, as vosbench lists one at a time) the client's and the service's main threads and PostgreSQL take turns, so the bound (≈) is one second divided by their CPU per request added up (some of it overlaps, as the service logs a request after answering it: a rate can pass this bound by a little); at c=8 it is the machine's ${availableParallelism()} cores divided by all the CPU per request (the service's every thread), or one second divided by the service's main thread's (on the embedded database it runs PostgreSQL too), whichever is lower. A missed push goal names the bound from part cpu's push: the cores divided by the service's and PostgreSQL's CPU per push, or on the embedded database one second divided by the main thread's. Where the bound is under the goal, the goal cannot be met on this machine without less CPU per request.`, '');
  md.push('| goal | measured | target | result |', '|---|---|---|---|', ...rows, '');
  return md.join('\n');
}
