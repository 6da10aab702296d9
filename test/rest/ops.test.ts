/**
 * Operational safety over real sockets: helmet's headers on every kind of
 * answer of both servers, the per-caller request limit (set, off, and the
 * default under a busy client), and the logs of a spawned service holding no
 * credential after a full push and pull (this part runs dist/: build first).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { OPERATOR } from '../../src/auth/identity';
import { setPassword } from '../../src/services/passwords';
import { request, type Reply } from '../helpers/http';
import { createTestDb, type TestDb } from '../helpers/db';
import { startTestService, type TestService } from '../helpers/service';
import { HTTPGET, endpointOnPort, getBytes, getHashed, negotiate, push, putBytes, putStream, readTransfer, settledPhase, sha256, sleep, transferXml } from '../helpers/client';
import { waitFor } from '../process/procs';
import * as processes from '../helpers/processes';
import { writeIni } from '../helpers/ini';

jest.setTimeout(120_000);

const STRICT_CSP = "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'self'";

/** helmet's headers as configured in src/http/securityHeaders.ts. */
function expectSecurityHeaders(what: string, h: Headers, csp: string | null = STRICT_CSP): void {
  const got = {
    what,
    csp: h.get('content-security-policy'),
    nosniff: h.get('x-content-type-options'),
    frame: h.get('x-frame-options'),
    referrer: h.get('referrer-policy'),
    hsts: h.get('strict-transport-security'),
    corp: h.get('cross-origin-resource-policy'),
    coop: h.get('cross-origin-opener-policy'),
    poweredBy: h.get('x-powered-by'),
  };
  expect(got).toEqual({
    what,
    csp,
    nosniff: 'nosniff',
    frame: 'SAMEORIGIN',
    referrer: 'no-referrer',
    hsts: 'max-age=31536000; includeSubDomains',
    corp: 'cross-origin',
    coop: 'same-origin',
    poweredBy: null,
  });
}

describe('security headers', () => {
  let t: TestService;
  let alice: string;

  beforeAll(async () => {
    t = await startTestService();
    alice = await t.user('alice');
  });
  afterAll(() => t.close());

  test('on REST answers, faults and 404s of the metadata service', async () => {
    const sample: [string, Promise<Reply>, number][] = [
      ['VOSI protocols', request('GET', `${t.base}/protocols`), 200],
      ['getNode', request('GET', `${t.base}/nodes/alice`, { token: alice }), 200],
      ['NodeNotFound', request('GET', `${t.base}/nodes/alice/none`, { token: alice }), 404],
      ['InvalidToken', request('GET', `${t.base}/nodes/alice`, { token: 'vos_not-a-token-at-all-really' }), 401],
      ['PermissionDenied', request('DELETE', `${t.base}/nodes/alice`), 403],
      ['bad XML', request('PUT', `${t.base}/nodes/alice/x`, { token: alice, body: '<oops', headers: { 'content-type': 'text/xml' } }), 400],
      ['unknown path', request('GET', `${t.origin}/no/such/thing`), 404],
      ['home page', request('GET', `${t.origin}/`), 200],
    ];
    for (const [what, reply, status] of sample) {
      const r = await reply;
      expect({ what, status: r.status }).toEqual({ what, status });
      expectSecurityHeaders(what, r.headers);
    }
  });

  test('on GraphQL answers; the landing page keeps its own CSP', async () => {
    const ok = await request('POST', `${t.origin}/graphql`, {
      token: alice,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { name } }' }),
    });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ data: { me: { name: 'alice' } } });
    expectSecurityHeaders('graphql query', ok.headers);

    const badJson = await request('POST', `${t.origin}/graphql`, { headers: { 'content-type': 'application/json' }, body: '{"query":' });
    expect(badJson.status).toBe(400);
    expectSecurityHeaders('graphql bad JSON', badJson.headers);

    const badToken = await request('POST', `${t.origin}/graphql`, {
      token: 'vos_nope-nope-nope-nope',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { name } }' }),
    });
    expect(badToken.status).toBe(401);
    expectSecurityHeaders('graphql InvalidToken', badToken.headers);

    // A browser asking for HTML gets Apollo's page, whose meta CSP (with a nonce) is the one in force.
    const page = await request('GET', `${t.origin}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toMatch(/<meta http-equiv="Content-Security-Policy" content="script-src 'self' 'nonce-[0-9a-f]+'/);
    expectSecurityHeaders('graphql landing page', page.headers, null);
    // Every other GET of /graphql keeps the strict CSP.
    const get = await request('GET', `${t.origin}/graphql?query=${encodeURIComponent('{ me { name } }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    expectSecurityHeaders('graphql GET query', get.headers);
  });

  test('on the storage server: uploads, downloads, refusals and 404s', async () => {
    const bytes = randomBytes(4096);
    const up = await negotiate(t, alice, 'alice/f', 'pushToVoSpace');
    const put = await putBytes(up.endpoint, bytes);
    expect(put.status).toBe(201);
    expectSecurityHeaders('storage PUT', put.headers);

    const down = await negotiate(t, alice, 'alice/f', 'pullFromVoSpace');
    const head = await getBytes(down.endpoint, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expectSecurityHeaders('storage HEAD', head.headers);
    const get = await getBytes(down.endpoint);
    expect({ status: get.status, sha: sha256(get.body) }).toEqual({ status: 200, sha: sha256(bytes) });
    expectSecurityHeaders('storage GET', get.headers);
    // A download served cross-origin (a portal's <img>) is not refused by the browser.
    expect(get.headers.get('cross-origin-resource-policy')).toBe('cross-origin');

    const used = await getBytes(down.endpoint);
    expect(used.status).toBe(403);
    expectSecurityHeaders('storage endpoint used', used.headers);
    const forged = await getBytes(`${t.running.storage!.url}/transfer/abc.get.99999999999.${'A'.repeat(43)}`);
    expect(forged.status).toBe(403);
    expectSecurityHeaders('storage forged endpoint', forged.headers);
    const none = await getBytes(`${t.running.storage!.url}/nothing/here`);
    expect(none.status).toBe(404);
    expectSecurityHeaders('storage 404', none.headers);
  });
});

/** `n` requests made by `one`, `parallel` at a time; the replies in order. */
async function burst(n: number, parallel: number, one: () => Promise<Reply>): Promise<Reply[]> {
  const out: Reply[] = [];
  for (let i = 0; i < n; i += parallel) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, one))));
  }
  return out;
}

describe('per-caller rate limit (rate_limit_per_minute = 20)', () => {
  let t: TestService;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    t = await startTestService({ parameters: { rate_limit_per_minute: 20 } });
    alice = await t.user('alice');
    bob = await t.user('bob');
  });
  afterAll(() => t.close());

  test('the 21st request of a user in a minute is 429 TooManyRequests; other users and anonymous callers go on', async () => {
    const first = await burst(20, 1, () => request('GET', `${t.base}/nodes/alice`, { token: alice }));
    expect(first.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(first[0].headers.get('ratelimit-policy')).toMatch(/^"20-in-1min"; q=20; w=60;/);
    expect(first[0].headers.get('ratelimit')).toMatch(/^"20-in-1min"; r=19; t=\d+$/);
    expect(first[19].headers.get('ratelimit')).toMatch(/; r=0; t=\d+$/);

    const refused = await request('GET', `${t.base}/nodes/alice`, { token: alice });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(refused.text).toMatch(/^TooManyRequests: more than 20 requests in a minute; retry after \d+ s\n$/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit')).toMatch(/; r=0; t=\d+$/);
    expectSecurityHeaders('429', refused.headers);

    // The limit is the user's, whatever the face: GraphQL is refused too, before any work.
    const viaGraphql = await request('POST', `${t.origin}/graphql`, {
      token: alice,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { name } }' }),
    });
    expect(viaGraphql.status).toBe(429);
    expect(viaGraphql.text).toMatch(/^TooManyRequests: /);
    // So is a second token of the same user.
    const otherToken = await t.user('alice2');
    expect((await request('GET', `${t.base}/nodes/alice2`, { token: otherToken })).status).toBe(200);

    // Bob, and anonymous callers (from the same address), each have their own 20.
    const bobs = await burst(20, 5, () => request('GET', `${t.base}/nodes/bob`, { token: bob }));
    expect(bobs.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect((await request('GET', `${t.base}/nodes/bob`, { token: bob })).status).toBe(429);
    const anon = await burst(20, 5, () => request('GET', `${t.base}/protocols`));
    expect(anon.map((r) => r.status)).toEqual(Array(20).fill(200));
    const anon21 = await request('GET', `${t.base}/protocols`);
    expect(anon21.status).toBe(429);
    expect(anon21.text).toMatch(/^TooManyRequests: /);
    // A bad token counts against its address, like an anonymous caller.
    expect((await request('GET', `${t.base}/nodes/alice`, { token: 'vos_made-up-token-value' })).status).toBe(429);
  });

  test('the storage server does not count byte transfers (each endpoint is one-shot anyway)', async () => {
    const carol = await t.user('carol');
    const bytes = randomBytes(1000);
    await push(t, carol, 'carol/f', bytes); // 3 requests to the metadata service
    const pulls = [];
    for (let i = 0; i < 4; i++) pulls.push(await negotiate(t, carol, 'carol/f', 'pullFromVoSpace')); // 12 more
    for (const p of pulls) {
      const r = await getBytes(p.endpoint);
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit')).toBeNull();
    }
    // 15 of carol's 20 used; the storage GETs took none.
    const r = await request('GET', `${t.base}/nodes/carol`, { token: carol });
    expect(r.status).toBe(200);
    expect(r.headers.get('ratelimit')).toMatch(/; r=4; t=\d+$/);
  });
});

describe('per-caller rate limit for portal sessions', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ parameters: { rate_limit_per_minute: 20 } });
  });
  afterAll(() => t.close());

  test('a portal session counts against its user, not its address: two users signed in from one address each have their own 20', async () => {
    const signIn = async (name: string) => {
      await t.user(name);
      await setPassword(t.running.svc, OPERATOR, name, `${name}-password`);
      const r = await request('POST', `${t.origin}/graphql`, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'mutation($n: String!, $p: String!) { signIn(name: $n, password: $p) { csrfToken } }', variables: { n: name, p: `${name}-password` } }),
      });
      return /vospace_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')![0];
    };
    const me = (cookie: string) =>
      request('POST', `${t.origin}/graphql`, { headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ query: '{ me { name } }' }) });
    const dave = await signIn('dave');
    const erin = await signIn('erin');
    const daves = await burst(20, 5, () => me(dave));
    expect(daves.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect((await me(dave)).status).toBe(429);
    expect((await me(erin)).status).toBe(200);
  });
});

describe('rate_limit_per_minute = 0', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ parameters: { rate_limit_per_minute: 0 } });
  });
  afterAll(() => t.close());

  test('turns the limit off', async () => {
    const token = await t.user('alice');
    const replies = await burst(300, 20, () => request('GET', `${t.base}/nodes/alice`, { token }));
    expect(replies.map((r) => r.status)).toEqual(Array(300).fill(200));
    expect(replies.every((r) => r.headers.get('ratelimit') === null && r.headers.get('ratelimit-policy') === null)).toBe(true);
  });
});

describe('the default limit', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.close());

  test('lets one busy client make 3000 quick requests', async () => {
    const token = await t.user('alice');
    const started = Date.now();
    // A cheap request, so that the test measures the limit and not the database (counted per user all the same).
    const replies = await burst(3000, 10, () => request('GET', `${t.base}/protocols`, { token }));
    const seconds = (Date.now() - started) / 1000;
    expect(replies.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.text}`)).toEqual([]);
    expect(replies[0].headers.get('ratelimit-policy')).toMatch(/^"60000-in-1min"; q=60000;/);
    expect(replies.at(-1)!.headers.get('ratelimit')).toMatch(/; r=57000; t=\d+$/);
    expect(seconds).toBeLessThan(30);
  });
});

describe('logs of a spawned service', () => {
  let db: TestDb | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await processes.killAll();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('hold requests and job phases, and no bearer or endpoint token, after a full push and pull', async () => {
    expect(fs.existsSync(processes.MAIN)).toBe(true); // run `npm run -s build` first
    db = await createTestDb();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vospace-logs-'));
    const [port, storagePort] = [await processes.freePort(), await processes.freePort()];
    const ini = writeIni(
      path.join(dir, 'vospace.ini'),
      { host: '127.0.0.1', port, uri: 'logs.example.org', dsn: db.dsn, data_dir: db.dataDir || path.join(dir, 'unused'), admin_socket: path.join(dir, 'admin.sock') },
      { port: storagePort, rootDir: path.join(dir, 'storage'), stagingDir: path.join(dir, 'staging') },
    );
    const token = await processes.userWithToken(ini, 'alice');
    const env = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'info';
    let service: processes.Listening;
    try {
      service = await processes.startListening([processes.MAIN, '--config', ini]);
    } finally {
      if (env === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = env;
    }
    const base = service.url;
    // A token made while the service runs goes through its admin socket.
    const second = (await processes.cliOk(ini, ['token', 'create', '--user', 'alice'])).stdout.trim();
    const target = 'vos://logs.example.org!vospace/alice/f';
    const bytes = randomBytes(100_000);

    const up = await negotiate(base, token, target, 'pushToVoSpace', { sync: true });
    const endpoints = [...up.endpoints];
    expect((await putStream(endpointOnPort(up, storagePort), bytes, bytes.length)).status).toBe(201);
    const down = await negotiate(base, second, target, 'pullFromVoSpace', { sync: true });
    endpoints.push(...down.endpoints);
    expect(await getHashed(endpointOnPort(down, storagePort))).toEqual({ status: 200, size: bytes.length, sha256: sha256(bytes) });
    expect(await settledPhase(down.jobUrl, second)).toBe('COMPLETED');
    // An async job, a used endpoint, a forged one, a bad token, tokens in a query, GraphQL.
    const job = await request('POST', `${base}/transfers?PHASE=RUN`, {
      token,
      body: transferXml({ target, direction: 'pullFromVoSpace', protocols: [HTTPGET] }),
      headers: { 'content-type': 'text/xml' },
    });
    expect(job.status).toBe(303);
    const jobUrl = new URL(job.headers.get('location')!, base).toString();
    const details = readTransfer((await request('GET', `${jobUrl}/results/transferDetails`, { token })).text);
    endpoints.push(...details.protocols.map((p) => p.endpoint));
    expect((await getHashed(endpointOnPort(up, storagePort))).status).toBe(403);
    const forged = endpointOnPort(up, storagePort).replace(/.{5}$/, 'AAAAA');
    endpoints.push(forged);
    expect((await getHashed(forged)).status).toBe(403);
    const badToken = `vos_${randomBytes(32).toString('base64url')}`;
    expect((await request('GET', `${base}/nodes/alice`, { token: badToken })).status).toBe(401);
    expect((await request('GET', `${base}/nodes/alice?token=${token}&access_token=${second}&detail=min`, { token })).status).toBe(200);
    expect((await request('GET', `${base}/nodes/alice?x=${token}`, { token })).status).toBe(200);
    const g = await request('POST', base.replace(/\/vospace$/, '/graphql'), {
      token: second,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { name } }' }),
    });
    expect(g.status).toBe(200);

    // A client that leaves halfway through its body.
    const cut = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => cut.once('connect', resolve));
    cut.write(`PUT /vospace/nodes/alice/cut HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n<vos:node`);
    await sleep(200); // the service has the headers and waits for the rest
    cut.destroy();
    await waitFor('the cut request to be logged', () => (service.proc.stderr.includes('/vospace/nodes/alice/cut') ? true : undefined), 5000);

    service.proc.child.kill('SIGTERM');
    expect(await processes.exitWithin(service.proc, 30_000)).toEqual({ code: 0, signal: null });
    const log = service.proc.stderr;

    // No credential, whole or in part.
    const secrets = [token, second, badToken, ...endpoints.map((e) => new URL(e).pathname.split('/').pop()!)];
    for (const s of secrets) {
      expect(log).not.toContain(s);
      expect(log).not.toContain(s.slice(-20));
      expect(log).not.toContain(encodeURIComponent(s));
    }
    expect(log).not.toMatch(/authorization|bearer|cookie/i);

    // What is there: one JSON line per request, with caller and job; the job phases with their owner.
    const lines = log.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    const requests = lines.filter((l) => l.req);
    const upJob = /\/transfers\/([^/]+)$/.exec(up.jobUrl)![1];
    expect(requests).toContainEqual(
      expect.objectContaining({
        req: expect.objectContaining({ method: 'POST', url: '/vospace/synctrans' }),
        res: { statusCode: 303 },
        caller: 'alice',
        job: upJob,
        responseTime: expect.any(Number),
      }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({ req: expect.objectContaining({ method: 'PUT', url: '/transfer/[redacted]' }), res: { statusCode: 201 }, job: upJob }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({ req: expect.objectContaining({ url: '/vospace/nodes/alice?token=[redacted]&access_token=[redacted]&detail=min' }), caller: 'alice' }),
    );
    expect(requests).toContainEqual(expect.objectContaining({ req: expect.objectContaining({ url: '/vospace/nodes/alice?x=[redacted]' }) }));
    expect(requests).toContainEqual(expect.objectContaining({ req: expect.objectContaining({ url: '/vospace/nodes/alice' }), res: { statusCode: 401 } }));
    expect(requests).toContainEqual(expect.objectContaining({ req: expect.objectContaining({ method: 'POST', url: '/graphql' }), caller: 'alice', msg: 'request completed' }));
    expect(requests).toContainEqual(expect.objectContaining({ req: expect.objectContaining({ method: 'PUT', url: '/vospace/nodes/alice/cut' }), caller: 'alice', msg: 'request cut off' }));
    const phases = lines.filter((l) => l.msg === 'job phase' && l.job === upJob).map((l) => `${l.owner} ${l.phase}`);
    expect(phases).toEqual(['alice QUEUED', 'alice EXECUTING', 'alice COMPLETED']);
  });
});
