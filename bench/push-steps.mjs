#!/usr/bin/env node
/**
 * The service CPU of each step of a 4 KiB push, one kind of request at a time, on PostgreSQL:
 * a push is five requests (POST /transfers, PHASE=RUN, a phase poll, transferDetails, the PUT)
 * and vosbench's smallput only gives their sum. For each build given (a dist/ of a checkout, e.g.
 * a worktree's), alternated: a space of its own, N requests of each step at c=8 with the
 * service's user + system CPU per request (/proc/PID/stat); the PUT is timed alone, on endpoints
 * negotiated first.
 *
 *   node bench/push-steps.mjs [N] [dist ...]     e.g. node bench/push-steps.mjs 1000 ../wt-base/dist dist
 */
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cleanupAll, prepareSpace } from './lib.mjs';
import { cpuSeconds } from './cpu.mjs';

const [n = '1000', ...dists] = process.argv.slice(2);
const N = Number(n);
if (!dists.length) dists.push('dist');
const NS = 'xmlns:vos="http://www.ivoa.net/xml/VOSpace/v2.0"';
const XML = { 'content-type': 'text/xml' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const BODY = Buffer.alloc(4096, 1);

function client(port, token) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const send = (url, method, body, headers = {}) => new Promise((ok, fail) => {
    const r = http.request(url, { method, agent, headers: { authorization: `Bearer ${token}`, ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => (res.statusCode >= 400 ? fail(new Error(`${method} ${url}: ${res.statusCode} ${text.slice(0, 200)}`)) : ok({ headers: res.headers, text })));
    });
    r.on('error', fail);
    r.end(body);
  });
  const base = `http://127.0.0.1:${port}/vospace`;
  const transfer = (i) => `<vos:transfer ${NS} version="2.1"><vos:target>vos://example.org!vospace/bench/t/f${i}</vos:target><vos:direction>pushToVoSpace</vos:direction><vos:protocol uri="ivo://ivoa.net/vospace/core#httpput"/></vos:transfer>`;
  const create = async (i) => (await send(`${base}/transfers`, 'POST', transfer(i), XML)).headers.location;
  const run = (job) => send(`${job}/phase`, 'POST', 'PHASE=RUN', FORM);
  const details = (job) => send(`${job}/results/transferDetails`);
  const endpoint = async (job) => /<vos:endpoint>([^<]*)</.exec((await details(job)).text)[1];
  const container = (path) => send(`${base}/nodes/${path}`, 'PUT', `<vos:node ${NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" uri="vos://example.org!vospace/${path}" xsi:type="vos:ContainerNode"/>`, XML);
  return { send, create, run, details, endpoint, container, put: (url) => send(url, 'PUT', BODY, { 'content-length': BODY.length }) };
}

/** Runs `step(i)` for i < N at c=8; ops/s and the service's CPU per step (µs). */
async function measure(pid, step) {
  let i = 0;
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 8 }, async () => { while (i < N) await step(i++); }));
  const c1 = cpuSeconds(pid);
  return { ops: N / ((performance.now() - t0) / 1000), us: (1e6 * (c1.user + c1.sys - c0.user - c0.sys)) / N };
}

const spaces = [];
try {
  for (const [k, dist] of dists.entries()) {
    const dir = join(tmpdir(), `vospace-push-steps-${process.pid}-${k}`);
    const space = await prepareSpace({ db: 'postgresql', dir, logFile: join(dir, 'service.log'), label: `steps${k}` });
    await space.start([join(resolve(dist), 'src/main.js'), '--config', space.ini], `service (${dist})`);
    const c = client(space.port, space.token);
    await c.container('bench/t'); // /bench is the bench user's (prepareSpace)
    const job = await c.create(0);
    await c.run(job);
    spaces.push({ dist, space, c, job, next: 1 });
  }
  for (let round = 0; round < 3; round++) {
    for (const s of round % 2 ? [...spaces].reverse() : spaces) {
      const { c, job } = s;
      const fresh = () => s.next++;
      const jobs = [];
      const steps = {
        'POST /transfers': async () => jobs.push(await c.create(fresh())),
        'PHASE=RUN': async (i) => c.run(jobs[i]),
        'GET phase': () => c.send(`${job}/phase`),
        'GET transferDetails': () => c.details(job),
      };
      const endpoints = [];
      const out = [];
      for (const [name, step] of Object.entries(steps)) out.push([name, await measure(s.space.svc.pid, step)]);
      for (const j of jobs) endpoints.push(await c.endpoint(j));
      out.push(['PUT of 4 KiB', await measure(s.space.svc.pid, (i) => c.put(endpoints[i]))]);
      // The first round carries the JIT's warm-up.
      if (round) console.log(`${s.dist} round ${round}: ${out.map(([name, m]) => `${name} ${m.ops.toFixed(0)}/s ${m.us.toFixed(0)} µs`).join('; ')}`);
    }
  }
} finally {
  for (const { space } of spaces) await space.stop().catch(() => {});
  await cleanupAll();
}
