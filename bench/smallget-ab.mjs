#!/usr/bin/env node
/**
 * Small downloads A/B: GET /vospace/files/{path} of one 4 KiB data node, the service's CPU per GET,
 * for several checkouts alternated in one run (the machine is shared: compare within a run). For
 * each round and checkout: a fresh PostgreSQL database set up by that checkout's CLI, its
 * `dist/src/main.js` started, one 4 KiB push (vosbench smallput, kept), 1000 GETs of warm-up, then
 * N GETs at c=8 over keep-alive connections; CPU from /proc/PID/stat.
 *
 *   ROUNDS=2 N=6000 node bench/smallget-ab.mjs ../wt-base .
 *
 * A checkout is a working tree with node_modules and a built dist/ (as for bench/cpu-ab.mjs).
 */
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AUTHORITY, cleanupAll, prepareSpace, vosbench } from './lib.mjs';
import { cpuSeconds } from './cpu.mjs';

const repos = process.argv.slice(2).map((r) => resolve(r));
const rounds = Number(process.env.ROUNDS ?? 2);
const n = Number(process.env.N ?? 6000);
const C = 8;

function get(agent, port, path, token) {
  return new Promise((done, fail) => {
    http
      .get({ agent, host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
        const parts = [];
        res.on('data', (d) => parts.push(d));
        res.on('end', () => {
          const body = Buffer.concat(parts);
          done({ status: res.statusCode, bytes: body.length, body: body.toString() });
        });
      })
      .on('error', fail);
  });
}

async function many(count, one) {
  let left = count;
  await Promise.all(Array.from({ length: C }, async () => { while (left-- > 0) await one(); }));
}

try {
  for (let round = 1; round <= rounds; round++) {
    for (const [i, repo] of repos.entries()) {
      const dir = join(tmpdir(), `vospace-smallget-${process.pid}`, `${round}-${i}`);
      const logFile = join(dir, 'service.log');
      const space = await prepareSpace({ db: 'postgresql', dir, logFile, label: 'smallget', repo });
      const svc = await space.start();
      await vosbench(['--base', `http://127.0.0.1:${space.port}/vospace`, '--authority', AUTHORITY, '--token', space.token, '--root', 'bench', '--scenarios', 'smallput', '--small-n', '1', '--small-bytes', '4096', '--keep'], { logFile, tag: 'smallget-push' });
      const agent = new http.Agent({ keepAlive: true, maxSockets: C });
      // vosbench's tree is the one child of /bench; its one push is small/s000000 in it
      const listing = await get(agent, space.port, '/vospace/nodes/bench?detail=min', space.token);
      const tree = /uri="vos:\/\/[^/]+\/(bench\/[^"]+)"/.exec(listing.body)?.[1];
      const path = `/vospace/files/${tree}/small/s000000`;
      const first = await get(agent, space.port, path, space.token);
      if (first.status !== 200 || first.bytes !== 4096) throw new Error(`GET ${path}: ${first.status}, ${first.bytes} bytes`);
      await many(1000, () => get(agent, space.port, path, space.token));
      const cpu = () => { const c = cpuSeconds(svc.pid); return c.user + c.sys; };
      const c0 = cpu();
      const t0 = performance.now();
      await many(n, () => get(agent, space.port, path, space.token));
      const seconds = (performance.now() - t0) / 1000;
      console.log(`round ${round} ${repo}: ${Math.round(n / seconds)} GETs/s, service CPU ${Math.round((1e6 * (cpu() - c0)) / n)} µs per GET of 4 KiB`);
      agent.destroy();
      await space.stop();
    }
  }
} finally {
  await cleanupAll();
}
