/**
 * GET /metrics of the metadata service, over real sockets: the request
 * histogram moves by the requests made, under their operation and status
 * (never their path); the bytes counters by exactly the bytes pushed and
 * pulled (the storage server runs in the process and records into the same
 * registry); the job gauge by the jobs made; the pool and process metrics are
 * there. Who may scrape: an address of metrics_allow without a token, else an
 * admin's token only, whatever X-Forwarded-For says.
 */
import { randomBytes } from 'node:crypto';
import { expectFault, nodeXml, request } from '../helpers/http';
import { requests, scrape, type Scrape } from '../helpers/metrics';
import { startTestService, type TestService } from '../helpers/service';
import { startWithUsers } from '../helpers/users';
import { HTTPGET, createJob, eventually, mkdir, pull, push, runJob } from '../helpers/client';

const XML = { 'content-type': 'text/xml' };
const OPERATIONS = new Set([
  'node.get', 'node.put', 'node.post', 'node.delete', 'transfers.post', 'recursive.post', 'jobs.get', 'jobs.post', 'jobs.delete',
  'sync', 'files.get', 'service', 'graphql', 'metrics', 'portal', 'other', 'transfer.put', 'transfer.get',
]);

let t: TestService;
let alice: string;

beforeAll(async () => ({ t, tokens: { alice } } = await startWithUsers({ alice: {} })));
afterAll(() => t?.close());

const metrics = () => scrape(`${t.origin}/metrics`);
/** How much each named figure moved from `before` to `after`. */
const moved = (before: Scrape, after: Scrape, read: (s: Scrape) => number) => read(after) - read(before);

test('the request histogram counts each request once, under what it did and its status', async () => {
  await mkdir(t, alice, 'alice/h');
  const before = await metrics();
  for (let i = 0; i < 3; i++) expect((await request('GET', `${t.base}/nodes/alice/h`, { token: alice })).status).toBe(200);
  // Another path each time: still node.get, no series per path.
  for (let i = 0; i < 2; i++) expect((await request('GET', `${t.base}/nodes/alice/h/missing-${i}`, { token: alice })).status).toBe(404);
  const created = await request('PUT', `${t.base}/nodes/alice/h/d`, { token: alice, body: nodeXml(t.uri('alice/h/d')), headers: XML });
  expect(created.status).toBe(201);
  const set = await request('POST', `${t.base}/nodes/alice/h/d`, { token: alice, body: nodeXml(t.uri('alice/h/d'), 'vos:DataNode', [{ uri: 'ivo://x#p', value: 'v' }]), headers: XML });
  expect(set.status).toBe(200);
  expect((await request('DELETE', `${t.base}/nodes/alice/h/d`, { token: alice })).status).toBe(204);
  expect((await request('GET', `${t.base}/capabilities`)).status).toBe(200);
  expect((await request('POST', `${t.origin}/no/such/place`)).status).toBe(404);
  const job = await createJob(t, alice, { target: t.uri('alice/h'), direction: 'pullFromVoSpace', protocols: [HTTPGET] });
  expect((await request('GET', `${t.base}/transfers/${job}/phase`, { token: alice })).status).toBe(200);
  const after = await metrics();

  const counted = (op: string, status: number) => moved(before, after, (s) => requests(s, op, status));
  expect({
    'node.get 200': counted('node.get', 200),
    'node.get 404': counted('node.get', 404),
    'node.put 201': counted('node.put', 201),
    'node.post 200': counted('node.post', 200),
    'node.delete 204': counted('node.delete', 204),
    'service 200': counted('service', 200),
    'other 404': counted('other', 404),
    'transfers.post 303': counted('transfers.post', 303),
    'jobs.get 200': counted('jobs.get', 200),
    // The scrape that took `before`.
    'metrics 200': counted('metrics', 200),
  }).toEqual({
    'node.get 200': 3,
    'node.get 404': 2,
    'node.put 201': 1,
    'node.post 200': 1,
    'node.delete 204': 1,
    'service 200': 1,
    'other 404': 1,
    'transfers.post 303': 1,
    'jobs.get 200': 1,
    'metrics 200': 1,
  });
  // Each observation is in the buckets and the sum too.
  const op = { operation: 'node.get', status: '200' };
  expect(moved(before, after, (s) => s.value('vospace_http_request_duration_seconds_bucket', { ...op, le: '+Inf' }))).toBe(3);
  expect(moved(before, after, (s) => s.value('vospace_http_request_duration_seconds_sum', op))).toBeGreaterThan(0);
  for (const o of after.labelValues('vospace_http_request_duration_seconds_count', 'operation')) expect(OPERATIONS).toContain(o);
});

test('every other operation has its name: job changes and lists, sync transfers, GraphQL, the registry line, the portal', async () => {
  const before = await metrics();
  const job = await createJob(t, alice, { target: t.uri('alice/h'), direction: 'pullFromVoSpace', protocols: [HTTPGET] });
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const answers = [
    (await request('POST', `${t.base}/transfers/${job}/destruction`, { token: alice, body: 'DESTRUCTION=2100-01-01T00:00:00Z', headers: form })).status,
    (await request('DELETE', `${t.base}/transfers/${job}`, { token: alice })).status,
    (await request('GET', `${t.base}/async-delete`, { token: alice })).status,
    (await request('POST', `${t.base}/async-delete`, { token: alice, body: `target=${encodeURIComponent(t.uri('alice/none'))}`, headers: form })).status,
    (await request('GET', `${t.base}/synctrans`, { token: alice })).status,
    (await request('POST', `${t.origin}/graphql`, { token: alice, body: '{"query":"{ me { name } }"}', headers: { 'content-type': 'application/json' } })).status,
    (await request('GET', `${t.origin}/reg/resource-caps`)).status,
    (await request('GET', `${t.origin}/`)).status,
  ];
  expect(answers).toEqual([303, 303, 200, 303, 400, 200, 200, 200]);
  const after = await metrics();
  const counted = (op: string, status: number) => moved(before, after, (s) => requests(s, op, status));
  expect([
    counted('transfers.post', 303),
    counted('jobs.post', 303),
    counted('jobs.delete', 303),
    counted('jobs.get', 200),
    counted('recursive.post', 303),
    counted('sync', 400),
    counted('graphql', 200),
    counted('service', 200),
    counted('portal', 200),
  ]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
});

test('bytes moved: an upload and a download count exactly their bytes, through the storage server and /files', async () => {
  const bytes = randomBytes(300_001);
  const read = (direction: string) => (s: Scrape) => s.value('vospace_transfer_bytes_total', { direction });
  const before = await metrics();
  await push(t, alice, 'alice/b.bin', bytes);
  const pushed = await metrics();
  expect(moved(before, pushed, read('upload'))).toBe(bytes.length);
  expect(moved(before, pushed, read('download'))).toBe(0);
  expect(moved(before, pushed, (s) => requests(s, 'transfer.put', 201))).toBe(1);

  expect((await pull(t, alice, 'alice/b.bin')).equals(bytes)).toBe(true);
  const pulled = await metrics();
  expect(moved(pushed, pulled, read('download'))).toBe(bytes.length);
  expect(moved(pushed, pulled, read('upload'))).toBe(0);
  expect(moved(pushed, pulled, (s) => requests(s, 'transfer.get', 200))).toBe(1);

  // Straight from the metadata service: the whole file, then a range of it; a HEAD sends none.
  expect((await request('GET', `${t.base}/files/alice/b.bin`, { token: alice })).status).toBe(200);
  const range = await request('GET', `${t.base}/files/alice/b.bin`, { token: alice, headers: { range: 'bytes=100-1099' } });
  expect(range.status).toBe(206);
  expect((await request('HEAD', `${t.base}/files/alice/b.bin`, { token: alice })).status).toBe(200);
  const direct = await metrics();
  expect(moved(pulled, direct, read('download'))).toBe(bytes.length + 1000);
  expect(moved(pulled, direct, (s) => requests(s, 'files.get', 200))).toBe(2);
});

test('the job gauge shows the jobs by kind and phase, as they are at the scrape', async () => {
  const gauge = (kind: string, phase: string) => (s: Scrape) => s.value('vospace_jobs', { kind, phase });
  await mkdir(t, alice, 'alice/gone');
  const before = await metrics();
  // One waiting, one refused at negotiation (no such node), one recursive delete carried out.
  await createJob(t, alice, { target: t.uri('alice/b.bin'), direction: 'pullFromVoSpace', protocols: [HTTPGET] });
  const refused = await createJob(t, alice, { target: t.uri('alice/nothing'), direction: 'pullFromVoSpace', protocols: [HTTPGET] });
  await runJob(t, alice, refused);
  const del = await request('POST', `${t.base}/async-delete`, {
    token: alice,
    body: `target=${encodeURIComponent(t.uri('alice/gone'))}&PHASE=RUN`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(del.status).toBe(303);
  let after = before;
  expect(await eventually(async () => gauge('delete', 'COMPLETED')((after = await metrics())) > gauge('delete', 'COMPLETED')(before))).toBe(true);

  const changes: Record<string, number> = {};
  for (const s of after.samples.filter((x) => x.name === 'vospace_jobs')) {
    const d = s.value - before.value('vospace_jobs', s.labels);
    if (d) changes[`${s.labels.kind} ${s.labels.phase}`] = d;
  }
  expect(changes).toEqual({ 'transfer PENDING': 1, 'transfer ERROR': 1, 'delete COMPLETED': 1 });
  // Every kind in every phase is shown, and together they are every job there is.
  expect(after.samples.filter((x) => x.name === 'vospace_jobs')).toHaveLength(30);
  const total = after.samples.filter((x) => x.name === 'vospace_jobs').reduce((a, s) => a + s.value, 0);
  const [{ n }] = await t.running.svc.db('jobs').count({ n: '*' });
  expect(total).toBe(Number(n));
});

test('the database pool and the process metrics are there', async () => {
  const s = await metrics();
  const max = s.value('vospace_db_pool_max_connections');
  expect(max).toBe(t.running.db.embedded ? 1 : 10);
  const used = s.value('vospace_db_pool_used_connections');
  const free = s.value('vospace_db_pool_free_connections');
  expect(used).toBeGreaterThanOrEqual(0);
  expect(free).toBeGreaterThanOrEqual(0);
  expect(used + free).toBeLessThanOrEqual(max);
  expect(s.has('vospace_db_pool_pending_acquires')).toBe(true);
  for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_gc_duration_seconds_count', 'nodejs_heap_size_used_bytes']) {
    expect([name, s.has(name)]).toEqual([name, true]);
  }
  expect(s.value('process_resident_memory_bytes')).toBeGreaterThan(0);
});

describe('who may scrape', () => {
  let g: TestService;
  let gAlice: string;
  let gAdmin: string;

  beforeAll(async () => {
    // Not loopback: these requests come from 127.0.0.1, which is left out; trust_proxy would believe X-Forwarded-For.
    g = await startTestService({ space: { metrics_allow: '192.0.2.1, 10.0.0.0/8' }, parameters: { trust_proxy: true } });
    gAlice = await g.user('alice');
    gAdmin = await g.user('root', { admin: true });
  });
  afterAll(() => g?.close());

  test('an admin token is served; no token, a user token or a bad token from another address is refused', async () => {
    const url = () => `${g.origin}/metrics`;
    const s = await scrape(url(), gAdmin);
    expect(s.has('vospace_jobs')).toBe(true);
    expectFault(await request('GET', url()), 403, 'PermissionDenied');
    expectFault(await request('GET', url(), { token: gAlice }), 403, 'PermissionDenied');
    expectFault(await request('GET', url(), { token: 'vos_notarealtokennotarealtoken' }), 401, 'InvalidToken');
    // The address is the socket's, never what a header claims.
    expectFault(await request('GET', url(), { headers: { 'x-forwarded-for': '192.0.2.1' } }), 403, 'PermissionDenied');
    // The refusals were counted too.
    const after = await scrape(url(), gAdmin);
    expect(moved(s, after, (x) => requests(x, 'metrics', 403))).toBe(3);
    expect(moved(s, after, (x) => requests(x, 'metrics', 401))).toBe(1);
  });

  test('the default, loopback, serves a scraper on this host without a token', async () => {
    expect(t.config.space.metricsAllow).toEqual(['loopback']);
    expect((await metrics()).has('vospace_jobs')).toBe(true);
  });
});
