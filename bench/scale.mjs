// The scale run and the large paged listing (called by bench/run.mjs).
//
// Scale: a space of its own is bulk-loaded with SQL while the service is
// stopped (psql on PostgreSQL, bench/pglite-sql.mjs on the embedded
// database) to 10^3, 10^5 and 10^6 nodes: containers /bench/scale/cNNNNNN of
// 1000 data nodes each (dNNNNNN), every node with two properties, all owned
// by the user `bench`. At each size the service is started and a keep-alive
// client at concurrency 1 times GET ?detail=max of random existing data nodes
// (vosbench's `get`) and PUTs of new DataNodes in random containers
// (vosbench's `create`).
//
// Paging: then (in the same space, or in a fresh one when the scale run is
// off) a container /bench/big of BENCH_PAGING_N children is bulk-loaded the
// same way and listed page by page, through REST (detail=min&limit=1000&uri=<last
// child>, the VOSpace 2.1 paging, `uri` inclusive) and through GraphQL
// (children(first: 1000, after: cursor)), each page timed, while the server's
// RSS is sampled; then listed whole by one GET without limit (detail=min and
// detail=max, which the service streams), timed, with the RSS sampled.
import http from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { AUTHORITY, fmt, httpReq, latencyStats, log, median, prepareSpace, r2, readRssKiB, rssSampler } from './lib.mjs';

const env = process.env;
export const SCALE = {
  on: env.BENCH_SCALE !== '0',
  max: Number(env.BENCH_SCALE_MAX ?? 1_000_000),
  gets: Number(env.BENCH_SCALE_GETS ?? 500),
  creates: Number(env.BENCH_SCALE_CREATES ?? 300),
  perContainer: 1000,
  pagingOn: env.BENCH_PAGING !== '0',
  pagingN: Number(env.BENCH_PAGING_N ?? 100_000),
  pagingPasses: 2,
  page: 1000,
};
export const SCALE_KNOBS = ['BENCH_SCALE', 'BENCH_SCALE_MAX', 'BENCH_SCALE_GETS', 'BENCH_SCALE_CREATES', 'BENCH_PAGING', 'BENCH_PAGING_N'];
const TARGET_RATIO = 1.25;
/** Untimed requests after each start: V8 needs a few hundred requests before its code is optimised. */
const WARM = { gets: 200, creates: 20 };

export function scaleLevels(max = SCALE.max) {
  const levels = [1e3, 1e5, 1e6].filter((n) => n <= max);
  if (!levels.includes(max) && max > 0) levels.push(max);
  return levels.sort((a, b) => a - b);
}

const P_TITLE = 'ivo://ivoa.net/vospace/core#title';
const P_DESC = 'ivo://ivoa.net/vospace/core#description';
const pad = (i, w) => String(i).padStart(w, '0');

/**
 * Session setup of a bulk load: skip the per-row foreign-key triggers unless the schema has triggers
 * of its own, other than those that keep the parent key (migration 009), which only check, as keys do.
 */
const LOAD_SETUP = [
  `SET work_mem = '256MB'`,
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid IN ('nodes'::regclass, 'properties'::regclass) AND NOT tgisinternal
                    AND tgname NOT IN ('nodes_children_go', 'nodes_parent_exists', 'nodes_parent_moved')) THEN
       PERFORM set_config('session_replication_role', 'replica', false);
     END IF;
   END $$`,
  `CREATE TEMP TABLE bench_before AS SELECT max(id) AS id FROM nodes`,
];
/** Two properties on every node inserted since bench_before, then the upkeep autovacuum would do in a real space. */
const LOAD_FINISH = [
  `INSERT INTO properties (node_id, uri, value)
   SELECT n.id, p.uri, p.v || n.name FROM nodes n
   CROSS JOIN (VALUES ('${P_TITLE}', 'object '), ('${P_DESC}', 'bulk-loaded ')) AS p(uri, v)
   WHERE n.id > (SELECT id FROM bench_before)`,
  `SET session_replication_role = DEFAULT`,
  `VACUUM ANALYZE nodes`,
  `VACUUM ANALYZE properties`,
  `CHECKPOINT`,
  `SELECT count(*)::int AS nodes, (SELECT count(*)::int FROM properties) AS properties FROM nodes`,
];

/** Containers /bench/scale/c{from..to-1}, `k` data nodes each (d000000…), in path order. */
function containersSql(from, to, k) {
  if (to <= from) return [];
  const names = `'c' || lpad(i::text, 6, '0')`;
  return [
    `INSERT INTO nodes (parent_id, path, name, type, owner_id)
     SELECT s.id, 'bench/scale/' || ${names}, ${names}, 'ContainerNode', s.owner_id
     FROM nodes s CROSS JOIN generate_series(${from}, ${to - 1}) AS i WHERE s.path = 'bench/scale' ORDER BY i`,
    `INSERT INTO nodes (parent_id, path, name, type, owner_id)
     SELECT c.id, c.path || '/d' || lpad(j::text, 6, '0'), 'd' || lpad(j::text, 6, '0'), 'DataNode', c.owner_id
     FROM nodes c CROSS JOIN generate_series(0, ${k - 1}) AS j
     WHERE c.parent_id = (SELECT id FROM nodes WHERE path = 'bench/scale') AND c.name >= 'c${pad(from, 6)}' AND c.name < 'c${pad(to, 6)}'
     ORDER BY c.path, j`,
  ];
}

/** Layout of the scale space: the containers loaded so far and their sizes. */
class Layout {
  constructor() { this.containers = []; this.dataNodes = 0; }
  /** Statements taking the space from `have` nodes to `want`: full containers, then one partial one. */
  grow(have, want, first) {
    const sql = [];
    if (first) {
      sql.push(`INSERT INTO nodes (parent_id, path, name, type, owner_id)
        SELECT b.id, 'bench/scale', 'scale', 'ContainerNode', b.owner_id FROM nodes b WHERE b.path = 'bench'`);
      have += 1;
    }
    let need = want - have;
    const k = SCALE.perContainer;
    const full = Math.floor(need / (k + 1));
    const start = this.containers.length;
    sql.push(...containersSql(start, start + full, k));
    for (let i = 0; i < full; i++) this.containers.push(k);
    need -= full * (k + 1);
    if (need >= 2) { // one more container with need-1 children
      const at = this.containers.length;
      sql.push(...containersSql(at, at + 1, need - 1));
      this.containers.push(need - 1);
    }
    this.dataNodes = this.containers.reduce((a, b) => a + b, 0);
    return sql;
  }
  /** A random existing data node (uniform over all of them). */
  randomDataNode(rnd) {
    let x = Math.floor(rnd() * this.dataNodes);
    for (let c = 0; c < this.containers.length; c++) {
      if (x < this.containers[c]) return `bench/scale/c${pad(c, 6)}/d${pad(x, 6)}`;
      x -= this.containers[c];
    }
    throw new Error('layout: no data node');
  }
}

/**
 * The space the metadata runs find already there (`/bench/scale`, `n` nodes with 2 properties
 * each), loaded as the scale part loads it: PostgreSQL plans a prepared statement once per
 * connection, so on empty tables it would keep the sequential scans of a table of one page while
 * the run fills it. A live space has data and autovacuum's statistics of it.
 */
export const BASE_NODES = Number(process.env.BENCH_BASE_NODES ?? 10000);
export function baseSpaceSql(n = BASE_NODES) {
  return [...LOAD_SETUP, ...new Layout().grow(0, n, true), ...LOAD_FINISH];
}

/** A small seeded PRNG (mulberry32), so every run samples the same paths. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NS = 'xmlns:vos="http://www.ivoa.net/xml/VOSpace/v2.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
const dataNodeXml = (path) => `<vos:node ${NS} xsi:type="vos:DataNode" uri="vos://${AUTHORITY}/${path}"><vos:properties></vos:properties></vos:node>`;
const enc = (path) => path.split('/').map(encodeURIComponent).join('/');

async function timeGets(space, agent, paths) {
  const ms = [];
  let errors = 0; let sample = null;
  for (const p of paths) {
    const r = await httpReq(agent, space.port, 'GET', `/vospace/nodes/${enc(p)}?detail=max`, { headers: { authorization: `Bearer ${space.token}` } });
    if (r.status === 200 && r.body.includes('vos:DataNode')) ms.push(r.ms);
    else { errors++; sample ??= `${r.status} ${r.body.slice(0, 200)}`; }
  }
  return { ...latencyStats(ms), errors, sample_error: sample };
}

async function timeCreates(space, agent, paths) {
  const ms = [];
  let errors = 0; let sample = null;
  for (const p of paths) {
    const r = await httpReq(agent, space.port, 'PUT', `/vospace/nodes/${enc(p)}`, {
      headers: { authorization: `Bearer ${space.token}`, 'content-type': 'text/xml' }, body: dataNodeXml(p),
    });
    if (r.status === 201 || r.status === 200) ms.push(r.ms);
    else { errors++; sample ??= `${r.status} ${r.body.slice(0, 200)}`; }
  }
  return { ...latencyStats(ms), errors, sample_error: sample };
}

/** Loads, restarts the service and measures at each size; then the paged listing. */
export async function runScale(db, { tmp, logFile, runId }) {
  const out = { db, lines: [], notes: [] };
  const push = (l) => out.lines.push({ ...l, db, run: runId });
  const levels = SCALE.on ? scaleLevels() : [];
  if (!levels.length && !SCALE.pagingOn) return out;
  const t0 = performance.now();
  const space = await prepareSpace({ db, dir: join(tmp, `${db}-scale`), logFile, label: 'scale' });
  const layout = new Layout();
  let have = 2; // the root and /bench
  const rnd = prng(20261125);
  try {
    for (const [i, n] of levels.entries()) {
      log(`${db}: scale: bulk-loading to ${n} nodes`);
      let t = performance.now();
      const rows = space.runSql([...LOAD_SETUP, ...layout.grow(have, n, i === 0), ...LOAD_FINISH]);
      const loadS = (performance.now() - t) / 1000;
      have = Number(rows[0]?.nodes);
      t = performance.now();
      const svc = await space.start();
      const startS = (performance.now() - t) / 1000;
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        // warm-up (not timed): a few of each, so the first samples do not carry JIT and pool start-up
        const idleKiB = readRssKiB(svc.pid);
        await timeGets(space, agent, Array.from({ length: WARM.gets }, () => layout.randomDataNode(rnd)));
        await timeCreates(space, agent, Array.from({ length: WARM.creates }, (_, k) => `bench/scale/c${pad(Math.floor(rnd() * layout.containers.length), 6)}/w${n}-${k}`));
        const la = loadavg()[0];
        const rssBefore = rssSampler(svc.pid);
        const get = await timeGets(space, agent, Array.from({ length: SCALE.gets }, () => layout.randomDataNode(rnd)));
        const create = await timeCreates(space, agent, Array.from({ length: SCALE.creates }, (_, k) => `bench/scale/c${pad(Math.floor(rnd() * layout.containers.length), 6)}/n${n}-${pad(k, 4)}`));
        const rss = rssBefore();
        push({ kind: 'scale', op: 'get', nodes: have, level: n, ...get, concurrency: 1 });
        push({ kind: 'scale', op: 'create', nodes: have, level: n, ...create, concurrency: 1 });
        push({ kind: 'scale-level', level: n, nodes: have, properties: Number(rows[0]?.properties), containers: layout.containers.length, load_s: r2(loadS), start_s: r2(startS), rss_idle_MiB: r2(idleKiB / 1024), rss_peak_MiB: rss.peakMiB, loadavg: r2((la + loadavg()[0]) / 2) });
        log(`${db}: scale ${have} nodes: load ${fmt(loadS)} s, start ${fmt(startS)} s, get p50 ${get.p50_ms} ms, create p50 ${create.p50_ms} ms`);
      } finally {
        agent.destroy();
        await space.stop();
      }
      have += SCALE.creates + WARM.creates; // the creates
    }
    if (SCALE.pagingOn) await runPaging(space, have, push, out);
  } finally {
    await space.stop();
  }
  push({ kind: 'step', step: 'scale+paging', seconds: r2((performance.now() - t0) / 1000) });
  return out;
}

// ---------------------------------------------------------------- paging
function bigSql(n) {
  return [
    `INSERT INTO nodes (parent_id, path, name, type, owner_id)
     SELECT b.id, 'bench/big', 'big', 'ContainerNode', b.owner_id FROM nodes b WHERE b.path = 'bench'`,
    `INSERT INTO nodes (parent_id, path, name, type, owner_id)
     SELECT c.id, 'bench/big/e' || lpad(j::text, 7, '0'), 'e' || lpad(j::text, 7, '0'), 'DataNode', c.owner_id
     FROM nodes c CROSS JOIN generate_series(0, ${n - 1}) AS j WHERE c.path = 'bench/big' ORDER BY j`,
  ];
}

/** Child URIs of a detail=min listing, in order (the container's own <vos:node> is not among them). */
function childUris(xml) {
  const at = xml.indexOf('<vos:nodes>');
  if (at < 0) return [];
  const uris = [];
  const re = /<vos:node\b[^>]*?\buri="([^"]+)"/g;
  re.lastIndex = at;
  for (let m; (m = re.exec(xml));) uris.push(m[1].replace(/&amp;/g, '&'));
  return uris;
}

async function pageRest(space, agent, n) {
  const container = 'bench/big';
  const seen = new Set();
  const ms = [];
  const sizes = [];
  let last = null;
  for (;;) {
    const q = `detail=min&limit=${SCALE.page}${last ? `&uri=${encodeURIComponent(last)}` : ''}`;
    const r = await httpReq(agent, space.port, 'GET', `/vospace/nodes/${container}?${q}`, { headers: { authorization: `Bearer ${space.token}` } });
    if (r.status !== 200) throw new Error(`REST page ${ms.length + 1}: ${r.status} ${r.body.slice(0, 200)}`);
    ms.push(r.ms);
    const uris = childUris(r.body);
    sizes.push(uris.length);
    const fresh = uris.filter((u) => !seen.has(u));
    for (const u of fresh) seen.add(u);
    if (uris.length < SCALE.page || fresh.length === 0) break;
    last = uris[uris.length - 1];
    if (ms.length > n) throw new Error('REST paging does not end');
  }
  if (seen.size !== n) throw new Error(`REST paging saw ${seen.size} children, expected ${n}`);
  return { ms, sizes };
}

async function pageGraphql(space, agent, n) {
  const query = `query($p:String!,$a:String){ node(path:$p){ children(first:${SCALE.page}, after:$a){
    edges{ node{ name type } } pageInfo{ hasNextPage endCursor } } } }`;
  const ms = [];
  const sizes = [];
  let seen = 0;
  let after = null;
  for (;;) {
    const r = await httpReq(agent, space.port, 'POST', '/graphql', {
      headers: { authorization: `Bearer ${space.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables: { p: '/bench/big', a: after } }),
    });
    let j;
    try { j = JSON.parse(r.body); } catch { j = null; }
    if (r.status !== 200 || !j?.data?.node || j.errors) throw new Error(`GraphQL page ${ms.length + 1}: ${r.status} ${r.body.slice(0, 300)}`);
    ms.push(r.ms);
    const c = j.data.node.children;
    seen += c.edges.length;
    sizes.push(c.edges.length);
    if (!c.pageInfo.hasNextPage) break;
    after = c.pageInfo.endCursor;
    if (ms.length > n) throw new Error('GraphQL paging does not end');
  }
  if (seen !== n) throw new Error(`GraphQL paging saw ${seen} children, expected ${n}`);
  return { ms, sizes };
}

/** One GET of the whole container without limit (the service streams it): children counted as the bytes come, none kept. */
function listWhole(space, agent, detail) {
  const MARK = '<vos:node uri="';
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const q = http.request({ host: '127.0.0.1', port: space.port, path: `/vospace/nodes/bench/big?detail=${detail}`, agent, headers: { authorization: `Bearer ${space.token}` } }, (s) => {
      let children = 0;
      let bytes = 0;
      let carry = ''; // the start of a marker a chunk may cut (too short to hold a whole one)
      s.setEncoding('utf8');
      s.on('data', (d) => {
        bytes += Buffer.byteLength(d);
        const text = carry + d;
        children += text.split(MARK).length - 1;
        carry = text.slice(-(MARK.length - 1));
      });
      s.on('end', () => res({ status: s.statusCode, children, bytes, ms: performance.now() - t0 }));
      s.on('error', rej);
    });
    q.on('error', rej);
    q.end();
  });
}

/** Figures over the full pages (a short last page would flatter "last 5"); page 1 and the total over all. */
function pageFigures({ ms, sizes }) {
  const full = ms.filter((_, i) => sizes[i] >= SCALE.page);
  const first5 = median(full.slice(0, 5));
  const last5 = median(full.slice(-5));
  // tenths of the listing: the median page of each, to show a trend at a glance
  const tenths = Array.from({ length: 10 }, (_, k) => r2(median(full.slice(Math.floor((k * full.length) / 10), Math.floor(((k + 1) * full.length) / 10)))));
  return {
    pages: ms.length, full_pages: full.length, total_s: r2(ms.reduce((a, b) => a + b, 0) / 1000),
    page1_ms: r2(ms[0]), first5_median_ms: r2(first5), median_ms: r2(median(full)), last5_median_ms: r2(last5),
    max_ms: r2(Math.max(...ms)), last_first_ratio: r2(last5 / first5), tenths_median_ms: tenths,
    page_ms: ms.map((x) => Math.round(x * 10) / 10), page_children: sizes,
  };
}

async function runPaging(space, have, push, out) {
  const n = SCALE.pagingN;
  const db = space.db;
  log(`${db}: paging: bulk-loading a container of ${n} children`);
  let t = performance.now();
  const rows = space.runSql([...LOAD_SETUP, ...bigSql(n), ...LOAD_FINISH]);
  const loadS = (performance.now() - t) / 1000;
  t = performance.now();
  const svc = await space.start();
  const startS = (performance.now() - t) / 1000;
  push({ kind: 'paging-load', children: n, nodes: Number(rows[0]?.nodes), load_s: r2(loadS), start_s: r2(startS) });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (const [api, fn] of [['rest', pageRest], ['graphql', pageGraphql]]) {
      for (let pass = 1; pass <= SCALE.pagingPasses; pass++) {
        const stop = rssSampler(svc.pid);
        try {
          const la = loadavg()[0];
          const pages = await fn(space, agent, n);
          const rss = stop();
          const f = pageFigures(pages);
          push({ kind: 'paging', api, pass, children: n, nodes: Number(rows[0]?.nodes), page_size: SCALE.page, ...f, rss, loadavg: r2((la + loadavg()[0]) / 2) });
          log(`${db}: paging ${api} pass ${pass}: ${f.pages} pages in ${f.total_s} s, first5 ${f.first5_median_ms} ms, last5 ${f.last5_median_ms} ms, RSS peak ${rss.peakMiB} MiB`);
        } catch (e) {
          stop();
          out.notes.push(`paging ${api} pass ${pass}: FAILED: ${e.message}`);
          log(`${db}: paging ${api}: ${e.message}`);
        }
      }
    }
    for (const detail of ['min', 'max']) {
      const stop = rssSampler(svc.pid);
      try {
        const r = await listWhole(space, agent, detail);
        const rss = stop();
        if (r.status !== 200 || r.children !== n) throw new Error(`${r.status}, ${r.children} children of ${n}`);
        push({ kind: 'unpaged', detail, children: n, document_MiB: r2(r.bytes / 1048576), total_s: r2(r.ms / 1000), rss });
        log(`${db}: listing without limit, detail=${detail}: ${n} children, ${r2(r.bytes / 1048576)} MiB in ${r2(r.ms / 1000)} s, RSS +${rss.growthMiB} MiB`);
      } catch (e) {
        stop();
        out.notes.push(`listing without limit, detail=${detail}: FAILED: ${e.message}`);
        log(`${db}: listing without limit, detail=${detail}: ${e.message}`);
      }
    }
  } finally {
    agent.destroy();
    await space.stop();
  }
}

// ---------------------------------------------------------------- report
const dbName = (db) => (db === 'embedded' ? 'embedded (PGlite)' : 'PostgreSQL');

export function scaleSection(results) {
  const md = [];
  const all = results.flatMap((r) => r.lines);
  const sc = all.filter((l) => l.kind === 'scale');
  if (sc.length) {
    md.push('### Scale: latency against the number of nodes in the space', '');
    md.push(`Bulk-loaded with SQL while the service was stopped (\`INSERT … SELECT generate_series\`; psql on PostgreSQL, \`bench/pglite-sql.mjs\` on PGlite; foreign-key triggers skipped during the load, then \`VACUUM ANALYZE\` and \`CHECKPOINT\`, as autovacuum would have done in a live space): containers \`/bench/scale/cNNNNNN\` of ${SCALE.perContainer} data nodes, every node with 2 properties, all owned by the caller \`bench\`. At each size the service was restarted, warmed with ${WARM.gets} gets and ${WARM.creates} creates (untimed), then one keep-alive client, c=1, timed ${SCALE.gets} \`GET …/dNNNNNN?detail=max\` of random existing data nodes (vosbench's \`get\`) and ${SCALE.creates} \`PUT\` of a new DataNode in random containers (vosbench's \`create\`). Target: get p50 at 10^6 within ${TARGET_RATIO}× of 10^3.`, '');
    md.push('| database | nodes in space | load (s) | service start (s) | get p50 ms | get p99 ms | create p50 ms | create p99 ms | errors | server RSS after start → peak MiB | load avg |', '|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of results) {
      for (const lv of r.lines.filter((l) => l.kind === 'scale-level')) {
        const g = sc.find((l) => l.db === r.db && l.level === lv.level && l.op === 'get');
        const c = sc.find((l) => l.db === r.db && l.level === lv.level && l.op === 'create');
        md.push(`| ${dbName(r.db)} | ${lv.nodes} (${lv.containers} containers) | ${fmt(lv.load_s)} | ${fmt(lv.start_s)} | ${fmt(g?.p50_ms, 2)} | ${fmt(g?.p99_ms, 2)} | ${fmt(c?.p50_ms, 2)} | ${fmt(c?.p99_ms, 2)} | ${(g?.errors ?? 0) + (c?.errors ?? 0)} | ${fmt(lv.rss_idle_MiB)} → ${fmt(lv.rss_peak_MiB)} | ${fmt(lv.loadavg, 1)} |`);
      }
    }
    md.push('');
    md.push('| database | get p50 at largest / at 10^3 | create p50 at largest / at 10^3 | target get ≤ 1.25× |', '|---|---|---|---|');
    for (const r of results) {
      const lv = r.lines.filter((l) => l.kind === 'scale-level');
      if (lv.length < 2) continue;
      const lo = lv[0].level; const hi = lv[lv.length - 1].level;
      const g = (lvl, op) => sc.find((l) => l.db === r.db && l.level === lvl && l.op === op)?.p50_ms;
      const gr = g(hi, 'get') / g(lo, 'get');
      const cr = g(hi, 'create') / g(lo, 'create');
      md.push(`| ${dbName(r.db)} | ${fmt(g(hi, 'get'), 2)} / ${fmt(g(lo, 'get'), 2)} ms = ${fmt(gr, 2)}× (${hi} vs ${lo} nodes) | ${fmt(cr, 2)}× | ${Number.isFinite(gr) ? (gr <= TARGET_RATIO ? 'met' : '**missed**') : '—'} |`);
    }
    md.push('');
  }
  const pg = all.filter((l) => l.kind === 'paging');
  if (pg.length) {
    const n = pg[0].children;
    md.push(`### Cost per page against offset (${n} children, pages of ${SCALE.page})`, '');
    md.push(`A container of ${n} bulk-loaded children (2 properties each) in ${pg[0].nodes > n + 10 ? `the scale space (${pg[0].nodes} nodes in all)` : 'a space of its own'}, listed page by page by one keep-alive client: REST \`GET /vospace/nodes/bench/big?detail=min&limit=${SCALE.page}&uri=<last child's URI>\` (the VOSpace 2.1 paging, \`uri\` inclusive, so each page after the first repeats one child) and GraphQL \`children(first: ${SCALE.page}, after: $cursor) { edges { node { name type } } pageInfo { … } }\`. Two passes each. "first 5", "median", "last 5" are medians over the full pages (the short last REST page left out); the ratio is last 5 / first 5 (target: does not grow with offset; up to ${TARGET_RATIO}×, the scale target's tolerance, is taken as not growing; a ratio well below 1 means the early pages cost more, i.e. a page's cost depends on how many children follow it). RSS is the server's (VmRSS sampled every 100 ms) during that pass.`, '');
    md.push(`| database | API | pass | pages | total s | page 1 ms | first 5 ms | median ms | last 5 ms | max ms | last/first | does not grow (≤ ${TARGET_RATIO}×)? | server RSS before → peak MiB | load avg |`, '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const l of pg) md.push(`| ${dbName(l.db)} | ${l.api === 'rest' ? 'REST' : 'GraphQL'} | ${l.pass} | ${l.pages} | ${fmt(l.total_s, 2)} | ${fmt(l.page1_ms)} | ${fmt(l.first5_median_ms)} | ${fmt(l.median_ms)} | ${fmt(l.last5_median_ms)} | ${fmt(l.max_ms)} | ${fmt(l.last_first_ratio, 2)}× | ${l.last_first_ratio <= TARGET_RATIO ? 'yes' : '**grows**'} | ${fmt(l.rss?.beforeMiB)} → ${fmt(l.rss?.peakMiB)} (+${fmt(l.rss?.growthMiB)}) | ${fmt(l.loadavg, 1)} |`);
    md.push('', 'Median ms of each tenth of the listing (page offset 0–10 %, 10–20 %, …), the last pass:', '', '| database | API | 1st | 2nd | 3rd | 4th | 5th | 6th | 7th | 8th | 9th | 10th |', '|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const l of pg.filter((x) => x.pass === SCALE.pagingPasses)) md.push(`| ${dbName(l.db)} | ${l.api === 'rest' ? 'REST' : 'GraphQL'} | ${(l.tenths_median_ms ?? []).map((x) => fmt(x, 0)).join(' | ')} |`);
    md.push('');
  }
  const whole = all.filter((l) => l.kind === 'unpaged');
  if (whole.length) {
    md.push(`### The same container listed whole (${whole[0].children} children, no limit)`, '');
    md.push('One `GET /vospace/nodes/bench/big?detail=…` without `limit` each: the service reads 1000 children per statement and writes them out as it reads them (streamed, chunked). The client counts the children as the bytes arrive and keeps none. RSS is the server\'s during the listing.', '');
    md.push('| database | detail | document MiB | total s | children/s | server RSS before → peak MiB |', '|---|---|---|---|---|---|');
    for (const l of whole) md.push(`| ${dbName(l.db)} | ${l.detail} | ${fmt(l.document_MiB)} | ${fmt(l.total_s, 2)} | ${fmt(l.children / l.total_s, 0)} | ${fmt(l.rss?.beforeMiB)} → ${fmt(l.rss?.peakMiB)} (+${fmt(l.rss?.growthMiB)}) |`);
    md.push('');
  }
  const loads = all.filter((l) => l.kind === 'paging-load');
  const steps = all.filter((l) => l.kind === 'step' && l.step === 'scale+paging');
  if (loads.length || steps.length) {
    md.push(`Load and step times: ${results.map((r) => {
      const pl = loads.find((l) => l.db === r.db);
      const st = steps.find((l) => l.db === r.db);
      return `${dbName(r.db)}: ${pl ? `${pl.children}-child container loaded in ${fmt(pl.load_s)} s, service start ${fmt(pl.start_s)} s; ` : ''}whole scale+paging step ${fmt(st?.seconds, 0)} s`;
    }).join('; ')}.`, '');
  }
  for (const r of results) for (const n of r.notes) md.push(`- ${dbName(r.db)}: ${n}`);
  if (results.some((r) => r.notes.length)) md.push('');
  return md.join('\n');
}
