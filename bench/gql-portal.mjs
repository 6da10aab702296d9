#!/usr/bin/env node
/**
 * The GraphQL portal query of bench/run.mjs (a container and its first 100
 * children, each with owner and properties) at c=8 on PostgreSQL, with the
 * service CPU it costs: prepares one space (bench/lib.mjs's prepareSpace),
 * fills the fixture, then for each round starts the service from each build
 * given in turn (A/B alternated in one run, as the machine is shared), warms
 * it up, drives the query for SECONDS and prints ops/s, p50/p95 and the
 * service's user+system CPU per query (/proc/PID/stat).
 *
 *   node bench/gql-portal.mjs [seconds] [rounds] [build dir ...]
 *   e.g. node bench/gql-portal.mjs 10 3 dist-base dist
 *
 * A build dir is a copy of dist/ placed beside it (it resolves node_modules
 * and the migrations as dist/ does). With PROF=DIR the service writes a V8
 * CPU profile there (--cpu-prof).
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll, gqlPost, log, pct, prepareSpace, r2 } from './lib.mjs';

const [seconds = '10', rounds = '1', ...builds] = process.argv.slice(2);
if (!builds.length) builds.push('dist');
const DIR = '/bench/gql-portal';
export const PORTAL = `query($p:String!){ node(path:$p){ uri name type owner properties{ uri value }
    children(first:100){ totalCount pageInfo{ hasNextPage endCursor }
      edges{ node{ uri name type owner properties{ uri value } } } } } }`;

const cpu = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};

async function fixture(agent, port, token) {
  await gqlPost(agent, port, token, { query: 'mutation($p:String!){ createNode(path:$p, type: ContainerNode, properties:[{uri:"ivo://ivoa.net/vospace/core#title", value:"portal"}]) { uri } }', variables: { p: DIR } });
  for (let i = 0; i < 100; i += 10) {
    await Promise.all(Array.from({ length: 10 }, (_, k) => gqlPost(agent, port, token, {
      query: 'mutation($p:String!,$t:String!){ createNode(path:$p, type: DataNode, properties:[{uri:"ivo://ivoa.net/vospace/core#title", value:$t},{uri:"ivo://ivoa.net/vospace/core#description", value:"benchmark fixture"}]) { uri } }',
      variables: { p: `${DIR}/f${String(i + k).padStart(4, '0')}.fits`, t: `object ${i + k}` },
    })));
  }
}

/** c=8 loops of the portal query for `secs`: latencies, and whether every answer had its 100 children. */
async function drive(agent, port, token, secs) {
  const lat = [];
  const until = performance.now() + secs * 1000;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (performance.now() < until) {
      const a = performance.now();
      const d = await gqlPost(agent, port, token, { query: PORTAL, variables: { p: DIR } });
      if (d.node?.children?.edges?.length !== 100) throw new Error('portal query: not 100 children');
      lat.push(performance.now() - a);
    }
  }));
  return lat.sort((x, y) => x - y);
}

const dir = join(tmpdir(), `vospace-gqlportal-${process.pid}`);
const space = await prepareSpace({ db: 'postgresql', dir, logFile: join(dir, 'service.log'), label: 'gqlportal' });
try {
  const prof = process.env.PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF}`] : [];
  let filled = false;
  for (let r = 1; r <= Number(rounds); r++) {
    for (const b of builds) {
      const svc = await space.start([...prof, join(b, 'src/main.js'), '--config', space.ini], `service (${b})`);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
      if (!filled) { await fixture(agent, space.port, space.token); filled = true; }
      await drive(agent, space.port, space.token, 2); // warm-up: JIT, caches, prepared statements
      const c0 = cpu(svc.pid);
      const t0 = performance.now();
      const lat = await drive(agent, space.port, space.token, Number(seconds));
      const wall = (performance.now() - t0) / 1000;
      const used = cpu(svc.pid) - c0;
      agent.destroy();
      await space.stop();
      const line = { build: b, round: r, requests: lat.length, ops_s: r2(lat.length / wall), p50_ms: r2(pct(lat, 50)), p95_ms: r2(pct(lat, 95)), cpu_ms_per_query: r2((used * 1000) / lat.length) };
      console.log(JSON.stringify(line));
      log(`${b} round ${r}: ${line.ops_s} ops/s, p50 ${line.p50_ms} ms, CPU ${line.cpu_ms_per_query} ms/query`);
    }
  }
} finally {
  await cleanupAll();
}
