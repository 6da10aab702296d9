// SQL statements per request (called by bench/run.mjs; also its own child process).
//
// The harness side (runSqlCount) prepares a space and runs this file as a
// child: `node bench/gqlsql.mjs INI TOKEN N` starts the service IN-PROCESS
// (dist/src/server.js startService, without its storage server), listens to
// knex's `query` event on running.svc.db (as test/graphql/queryCount.test.ts
// does), builds its fixtures with SQL on that connection, then sends each
// request over HTTP N times, counting the statements the service ran for it,
// and prints one JSON line.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import http from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AUTHORITY, fmt, httpReq, latencyStats, log, median, prepareSpace, r2, runNodeOut } from './lib.mjs';

export const SQLCOUNT = { on: process.env.BENCH_SQLCOUNT !== '0', n: Number(process.env.BENCH_SQLCOUNT_N ?? 20) };
export const SQLCOUNT_KNOBS = ['BENCH_SQLCOUNT', 'BENCH_SQLCOUNT_N'];

// The portal query of bench/run.mjs (runGraphql): a container, its first 100 children with properties and owner.
const PORTAL = `query($p:String!){ node(path:$p){ uri name type owner properties{ uri value }
    children(first:100){ totalCount pageInfo{ hasNextPage endCursor }
      edges{ node{ uri name type owner properties{ uri value } } } } } }`;
const P_TITLE = 'ivo://ivoa.net/vospace/core#title';
const P_DESC = 'ivo://ivoa.net/vospace/core#description';
const NS = 'xmlns:vos="http://www.ivoa.net/xml/VOSpace/v2.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

/** The requests counted: what each sends, and how its answer is checked. */
function requests(token) {
  const auth = { authorization: `Bearer ${token}` };
  let k = 0;
  return [
    {
      key: 'graphql-portal', what: 'GraphQL portal query: `node(path)` with owner and properties, `children(first: 100)` each with owner and properties',
      req: () => ['POST', '/graphql', { headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ query: PORTAL, variables: { p: '/bench/gql-portal' } }) }],
      ok: (r) => r.status === 200 && JSON.parse(r.body).data?.node?.children?.edges?.length === 100,
    },
    {
      key: 'rest-get', what: 'REST `GET /vospace/nodes/bench/gql-portal/f0000.fits?detail=max` (a data node with 2 properties)',
      req: () => ['GET', '/vospace/nodes/bench/gql-portal/f0000.fits?detail=max', { headers: auth }],
      ok: (r) => r.status === 200 && r.body.includes('vos:DataNode'),
    },
    {
      key: 'rest-list', what: 'REST `GET /vospace/nodes/bench/list1000?detail=min&limit=1000` (1000 children, 2 properties each)',
      req: () => ['GET', '/vospace/nodes/bench/list1000?detail=min&limit=1000', { headers: auth }],
      ok: (r) => r.status === 200 && (r.body.match(/<vos:node /g) ?? []).length === 1001,
    },
    {
      key: 'rest-create', what: 'REST `PUT` of a new DataNode (vosbench\'s create) in /bench/gql-create',
      req: () => {
        const p = `bench/gql-create/x${String(k++).padStart(5, '0')}`;
        return ['PUT', `/vospace/nodes/${p}`, { headers: { ...auth, 'content-type': 'text/xml' }, body: `<vos:node ${NS} xsi:type="vos:DataNode" uri="vos://${AUTHORITY}/${p}"><vos:properties></vos:properties></vos:node>` }];
      },
      ok: (r) => r.status === 201,
    },
  ];
}

/** The fixtures, with SQL on the service's own connection (no request counted meanwhile). */
async function fixtures(knex) {
  const props = (where) => `INSERT INTO properties (node_id, uri, value)
    SELECT n.id, p.uri, p.v || n.name FROM nodes n CROSS JOIN (VALUES ('${P_TITLE}', 'object '), ('${P_DESC}', 'benchmark fixture ')) AS p(uri, v) WHERE ${where}`;
  for (const [name, n, fmtName] of [['gql-portal', 100, `'f' || lpad(j::text, 4, '0') || '.fits'`], ['list1000', 1000, `'e' || lpad(j::text, 6, '0')`], ['gql-create', 0, null]]) {
    await knex.raw(`INSERT INTO nodes (parent_id, path, name, type, owner_id) SELECT b.id, 'bench/${name}', '${name}', 'ContainerNode', b.owner_id FROM nodes b WHERE b.path = 'bench'`);
    if (n) {
      await knex.raw(`INSERT INTO nodes (parent_id, path, name, type, owner_id)
        SELECT c.id, c.path || '/' || ${fmtName}, ${fmtName}, 'DataNode', c.owner_id FROM nodes c CROSS JOIN generate_series(0, ${n - 1}) AS j WHERE c.path = 'bench/${name}' ORDER BY j`);
    }
    await knex.raw(props(`n.path = 'bench/${name}' OR (n.path > 'bench/${name}/' AND n.path < 'bench/${name}0')`));
  }
}

const kindOf = (sql) => (/^\s*(\w+)/.exec(sql)?.[1] ?? '?').toLowerCase();

/** Child-process side: start the service here, count, print one JSON line. */
async function child(ini, token, n) {
  const require = createRequire(import.meta.url);
  require('reflect-metadata');
  const { parseConfig } = require('../dist/src/config.js');
  const { startService } = require('../dist/src/server.js');
  const config = parseConfig(readFileSync(ini, 'utf8'), ini);
  const running = await startService(config, { storage: false });
  const knex = running.svc.db;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const out = [];
  try {
    await fixtures(knex);
    for (const q of requests(token)) {
      const counts = [];
      const ms = [];
      let sample = null;
      for (let i = 0; i < n + 3; i++) {
        const sql = [];
        const listen = (e) => sql.push(e.sql);
        const [method, path, opts] = q.req();
        knex.on('query', listen);
        let r;
        try { r = await httpReq(agent, running.port, method, path, opts); } finally { knex.removeListener('query', listen); }
        if (!q.ok(r)) throw new Error(`${q.key}: unexpected answer ${r.status} ${r.body.slice(0, 300)}`);
        if (i < 3) continue; // warm-up: caches (token, storage servers), JIT
        counts.push(sql.length);
        ms.push(r.ms);
        if (sql.length === median(counts) || !sample) sample = sql;
      }
      const kinds = {};
      for (const s of sample) kinds[kindOf(s)] = (kinds[kindOf(s)] ?? 0) + 1;
      out.push({
        kind: 'sqlcount', request: q.key, what: q.what, requests: n,
        statements_median: median(counts), statements_min: Math.min(...counts), statements_max: Math.max(...counts),
        kinds, sql: sample.map((s) => s.replace(/\s+/g, ' ').slice(0, 240)), latency: latencyStats(ms),
      });
    }
  } finally {
    agent.destroy();
    await running.close(2000);
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/** Harness side: a space of its own, this file as a child, the lines it prints. */
export async function runSqlCount(db, { tmp, logFile, runId }) {
  const t0 = performance.now();
  const space = await prepareSpace({ db, dir: join(tmp, `${db}-sqlcount`), logFile, label: 'sqlcount' });
  log(`${db}: SQL statements per request (n=${SQLCOUNT.n})`);
  const lines = JSON.parse(await runNodeOut('gqlsql', [fileURLToPath(import.meta.url), space.ini, space.token, String(SQLCOUNT.n)], { logFile, env: { LOG_LEVEL: 'warn' } }));
  const out = { db, notes: [], lines: lines.map((l) => ({ ...l, db, run: runId })) };
  out.lines.push({ kind: 'step', step: 'sqlcount', seconds: r2((performance.now() - t0) / 1000), db, run: runId });
  return out;
}

export function sqlCountSection(results) {
  const all = results.flatMap((r) => r.lines).filter((l) => l.kind === 'sqlcount');
  if (!all.length) return '';
  const md = ['### SQL statements per request', ''];
  md.push(`The service started in-process (\`startService\` of \`dist/src/server.js\`, no storage server) by \`bench/gqlsql.mjs\`, with a listener on knex's \`query\` event of \`running.svc.db\` (as \`test/graphql/queryCount.test.ts\` counts); each request sent over HTTP ${all[0].requests} times after 3 warm-up requests, one at a time. Fixtures (bulk SQL): /bench/gql-portal with 100 data nodes, /bench/list1000 with 1000, every node with 2 properties, owned by the caller. "Kinds" are the first SQL word of the statements of a median request (BEGIN/COMMIT count as statements).`, '');
  md.push('| request | database | statements (median, min–max) | kinds | p50 ms (c=1) |', '|---|---|---|---|---|');
  const seen = new Set();
  for (const l of all) {
    const what = seen.has(l.request) ? `″ (${l.request})` : l.what;
    seen.add(l.request);
    md.push(`| ${what} | ${l.db === 'embedded' ? 'embedded (PGlite)' : 'PostgreSQL'} | ${l.statements_median} (${l.statements_min}–${l.statements_max}) | ${Object.entries(l.kinds).map(([k, v]) => `${k} ${v}`).join(', ')} | ${fmt(l.latency?.p50_ms, 2)} |`);
  }
  md.push('');
  const steps = results.flatMap((r) => r.lines).filter((l) => l.kind === 'step' && l.step === 'sqlcount');
  if (steps.length) md.push(`Step times: ${steps.map((s) => `${s.db} ${fmt(s.seconds, 0)} s`).join(', ')}; the statements themselves are in the raw lines (\`sql\`).`, '');
  return md.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [ini, token, n] = process.argv.slice(2);
  child(ini, token, Number(n ?? 20)).then(() => process.exit(0), (e) => { process.stderr.write(`gqlsql: ${e.stack ?? e.message}\n`); process.exit(1); });
}
