// Small pushes through the VOSpace 2.1 sync binding's parameter form, which vosbench does not
// speak: its --transfer-mode sync POSTs a transfer DOCUMENT to /synctrans and follows the 303 to
// the job's transferDetails. Here each push is POST /synctrans with TARGET, DIRECTION,
// PROTOCOL and REQUEST=redirect (form-encoded), whose 303 names the endpoint itself, then the PUT
// of the bytes there: two requests per push. Timed as vosbench's smallput (negotiation and
// PUT), reported in the same shape.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { AUTHORITY, httpReq, latencyStats, r2 } from './lib.mjs';

const NS = 'xmlns:vos="http://www.ivoa.net/xml/VOSpace/v2.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
const HTTPPUT = 'ivo://ivoa.net/vospace/core#httpput';

/** n pushes of `bytes` bytes each, c at a time, into a new container /bench/<name>, deleted after. */
export async function runRedirectPush({ port, token, n, c, bytes, name }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: c * 2 });
  const auth = { authorization: `Bearer ${token}` };
  const dir = `bench/${name}`;
  const uri = (p) => `vos://${AUTHORITY}/${p}`;
  try {
    const mk = await httpReq(agent, port, 'PUT', `/vospace/nodes/${dir}`, {
      headers: { ...auth, 'content-type': 'text/xml' },
      body: `<vos:node ${NS} xsi:type="vos:ContainerNode" uri="${uri(dir)}"><vos:properties/><vos:nodes/></vos:node>`,
    });
    if (mk.status !== 201) throw new Error(`creating /${dir}: HTTP ${mk.status} ${mk.body.slice(0, 200)}`);
    const payload = randomBytes(bytes);
    const lat = [];
    let errors = 0;
    const samples = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: c }, async () => {
      for (let i = next++; i < n; i = next++) {
        const s = performance.now();
        try {
          const form = new URLSearchParams({ TARGET: uri(`${dir}/s${String(i).padStart(6, '0')}`), DIRECTION: 'pushToVoSpace', PROTOCOL: HTTPPUT, REQUEST: 'redirect' });
          const neg = await httpReq(agent, port, 'POST', '/vospace/synctrans', { headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
          if (neg.status !== 303 || !neg.headers.location) throw new Error(`POST /synctrans REQUEST=redirect: HTTP ${neg.status} ${neg.body.slice(0, 200)}`);
          const put = await httpReq(agent, port, 'PUT', new URL(neg.headers.location, `http://127.0.0.1:${port}/vospace/synctrans`).href, { body: payload, headers: { 'content-type': 'application/octet-stream' } });
          if (put.status < 200 || put.status > 299) throw new Error(`PUT ${neg.headers.location}: HTTP ${put.status} ${put.body.slice(0, 200)}`);
          lat.push(performance.now() - s);
        } catch (e) {
          errors++;
          if (samples.length < 3) samples.push(e.message);
        }
      }
    }));
    const wall = (performance.now() - t0) / 1000;
    await httpReq(agent, port, 'DELETE', `/vospace/nodes/${dir}`, { headers: auth });
    return { scenario: 'smallput', mode: 'sync-redirect', n, concurrency: c, bytes_each: bytes, ok: lat.length, errors, wall_s: r2(wall), ops_s: r2(lat.length / wall), ...latencyStats(lat), ...(samples.length ? { sample_errors: samples } : {}) };
  } finally {
    agent.destroy();
  }
}
