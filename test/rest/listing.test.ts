/**
 * Listings without `limit` (issue 10, item 3): every child the caller may
 * read, however many, where `max_children` caps only an explicit `limit`.
 * The CADC `vls` never sends `limit`, so a listing cut at the cap looked
 * complete to it.
 *
 * Each policy shape is tried: the default one, which filters in SQL
 * (readableSql), and one with permits() alone, asked child by child.
 */
import http from 'node:http';
import type { Identity } from '../../src/auth/identity';
import type { NodeAction, NodeContext, Policy } from '../../src/auth/policy';
import { defaultPolicy } from '../../src/auth/policy';
import { LISTING_PAGE } from '../../src/services/nodes';
import { CORE, nodeXml, request, VOS, type Reply } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { parseXml } from '../helpers/xml';

const PUBLIC = [{ uri: `${CORE}publicread`, value: 'true' }];

/** The default rules through permits() only: listings filtered node by node. */
const permitsOnly: Policy = { permits: defaultPolicy.permits };

/** Names of the children of a node document, in document order (read with a namespace-aware parser). */
function childNames(r: Reply): string[] {
  expect({ status: r.status, type: r.headers.get('content-type'), text: r.status === 200 ? '' : r.text }).toEqual({
    status: 200,
    type: expect.stringMatching(/xml/),
    text: '',
  });
  const root = parseXml(r.text);
  const nodes = root.children.find((c) => c.ns === VOS && c.local === 'nodes');
  return (nodes?.children ?? []).map((c) => {
    const uri = c.attrs.get('uri') ?? '';
    return decodeURIComponent(uri.slice(uri.lastIndexOf('/') + 1));
  });
}

describe.each([
  ['the default policy (readableSql)', undefined],
  ['a policy with permits() only', permitsOnly],
])('max_children = 5, a container of 12 children, under %s', (_label, policy) => {
  let t: TestService;
  let owner: string;
  let other: string;
  const NAMES = Array.from({ length: 12 }, (_, i) => `c${String(i).padStart(2, '0')}`);
  /** Every third child is private to its owner; the rest are public. */
  const isPublic = (name: string) => Number(name.slice(1)) % 3 !== 0;
  const PUBLIC_NAMES = NAMES.filter(isPublic);

  beforeAll(async () => {
    t = await startTestService({ parameters: { max_children: 5 }, policy });
    owner = await t.user('dora');
    other = await t.user('erin');
    const put = async (path: string, type: string, props: typeof PUBLIC = []) => {
      const r = await request('PUT', `${t.base}/nodes/${path}`, { token: owner, body: nodeXml(t.uri(path), type, props) });
      expect({ path, status: r.status }).toEqual({ path, status: 201 });
    };
    const open = await request('POST', `${t.base}/nodes/dora`, { token: owner, body: nodeXml(t.uri('dora'), '', PUBLIC) });
    expect(open.status).toBe(200);
    await put('dora/big', 'vos:ContainerNode', PUBLIC);
    for (const name of [...NAMES].reverse()) await put(`dora/big/${name}`, 'vos:DataNode', isPublic(name) ? PUBLIC : []);
  });
  afterAll(() => t?.close());

  const list = async (token: string, query: string) => childNames(await request('GET', `${t.base}/nodes/dora/big${query}`, { token }));
  const start = (name: string) => `uri=${encodeURIComponent(t.uri(`dora/big/${name}`))}`;

  test.each(['max', 'min'])('without limit, the owner gets every child (detail=%s)', async (detail) => {
    expect(await list(owner, `?detail=${detail}`)).toEqual(NAMES);
  });

  test.each(['max', 'min'])('without limit, another user gets every child they may read (detail=%s)', async (detail) => {
    expect(PUBLIC_NAMES.length).toBeGreaterThan(5);
    expect(await list(other, `?detail=${detail}`)).toEqual(PUBLIC_NAMES);
  });

  test.each(['max', 'min'])('without limit, from uri= (inclusive) to the last child (detail=%s)', async (detail) => {
    expect(await list(owner, `?detail=${detail}&${start('c03')}`)).toEqual(NAMES.slice(3));
    // a start the caller may not read still starts there
    expect(await list(other, `?detail=${detail}&${start('c03')}`)).toEqual(PUBLIC_NAMES.filter((n) => n > 'c03'));
    expect(await list(other, `?detail=${detail}&${start('c04')}`)).toEqual(PUBLIC_NAMES.filter((n) => n >= 'c04'));
  });

  test('the default detail (max) lists every child too', async () => {
    expect(await list(owner, '')).toEqual(NAMES);
  });

  test.each(['max', 'min'])('an explicit limit is still capped at max_children (detail=%s)', async (detail) => {
    expect(await list(owner, `?detail=${detail}&limit=100`)).toEqual(NAMES.slice(0, 5));
    expect(await list(owner, `?detail=${detail}&limit=3`)).toEqual(NAMES.slice(0, 3));
    expect(await list(owner, `?detail=${detail}&limit=0`)).toEqual([]);
    expect(await list(other, `?detail=${detail}&limit=100`)).toEqual(PUBLIC_NAMES.slice(0, 5));
    expect(await list(other, `?detail=${detail}&limit=100&${start('c04')}`)).toEqual(PUBLIC_NAMES.filter((n) => n >= 'c04').slice(0, 5));
  });
});

// ------------------------------------------------- listings of many pages

const childName = (i: number) => `c${String(i).padStart(5, '0')}`;
/** Of the children bulkChildren makes, all but every seventh are public. */
const bulkPublic = (i: number) => i % 7 !== 0;

/**
 * `n` data nodes c00000… in the container at `parent`, owned by its owner,
 * in one statement (bulkPublic ones public): made directly in the database,
 * which thousands of PUTs would make slow.
 */
async function bulkChildren(t: TestService, parent: string, n: number): Promise<void> {
  await t.running.svc.db.raw(
    `WITH p AS (SELECT id, path, owner_id FROM nodes WHERE path = ?),
     kids AS (INSERT INTO nodes (parent_id, path, name, type, owner_id)
       SELECT p.id, p.path || '/' || k.name, k.name, 'DataNode', p.owner_id
       FROM p, (SELECT 'c' || lpad(i::text, 5, '0') AS name FROM generate_series(0, ? - 1) AS i) AS k
       RETURNING id, name)
     INSERT INTO properties (node_id, uri, value) SELECT id, ?, 'true' FROM kids WHERE substr(name, 2)::int % 7 <> 0`,
    [parent, n, `${CORE}publicread`],
  );
}

/** A container `path` of dora's, public, inside her opened home. */
async function publicContainer(t: TestService, owner: string, path: string): Promise<void> {
  const open = await request('POST', `${t.base}/nodes/dora`, { token: owner, body: nodeXml(t.uri('dora'), '', PUBLIC) });
  expect(open.status).toBe(200);
  const r = await request('PUT', `${t.base}/nodes/${path}`, { token: owner, body: nodeXml(t.uri(path), 'vos:ContainerNode', PUBLIC) });
  expect(r.status).toBe(201);
}

describe.each([
  ['the default policy (readableSql)', undefined],
  ['a policy with permits() only', permitsOnly],
])('a listing of several pages (%s)', (_label, policy) => {
  const N = 2 * LISTING_PAGE + 500;
  const NAMES = Array.from({ length: N }, (_, i) => childName(i));
  const PUBLIC_NAMES = NAMES.filter((_, i) => bulkPublic(i));
  let t: TestService;
  let owner: string;
  let other: string;

  beforeAll(async () => {
    t = await startTestService({ parameters: { max_children: 100 }, policy });
    owner = await t.user('dora');
    other = await t.user('erin');
    await publicContainer(t, owner, 'dora/big');
    await bulkChildren(t, 'dora/big', N);
  });
  afterAll(() => t?.close());

  const get = (token: string, query: string) => request('GET', `${t.base}/nodes/dora/big${query}`, { token });
  const start = (i: number) => `uri=${encodeURIComponent(t.uri(`dora/big/${childName(i)}`))}`;

  test.each(['max', 'min'])('every child, in name order, across the pages (detail=%s)', async (detail) => {
    const r = await get(owner, `?detail=${detail}`);
    expect(childNames(r)).toEqual(NAMES);
    // too long to be held: streamed, so no Content-Length
    expect({ length: r.headers.get('content-length'), encoding: r.headers.get('transfer-encoding') }).toEqual({ length: null, encoding: 'chunked' });
  });

  test.each(['max', 'min'])('another user gets the children they may read, across the pages (detail=%s)', async (detail) => {
    expect(childNames(await get(other, `?detail=${detail}`))).toEqual(PUBLIC_NAMES);
  });

  test.each(['max', 'min'])('from uri= to the end, starting on and around a page boundary (detail=%s)', async (detail) => {
    for (const i of [LISTING_PAGE - 1, LISTING_PAGE, LISTING_PAGE + 1, 2 * LISTING_PAGE + 1]) {
      expect(childNames(await get(owner, `?detail=${detail}&${start(i)}`))).toEqual(NAMES.slice(i));
      expect(childNames(await get(other, `?detail=${detail}&${start(i)}`))).toEqual(PUBLIC_NAMES.filter((n) => n >= childName(i)));
    }
  });

  test('a short answer still goes out whole, with its Content-Length', async () => {
    const r = await get(owner, '?limit=3');
    expect(childNames(r)).toEqual(NAMES.slice(0, 3));
    expect(r.headers.get('content-length')).toBe(String(Buffer.byteLength(r.text)));
    expect(childNames(await get(owner, '?limit=1000'))).toEqual(NAMES.slice(0, 100));
  });
});

// ------------------------------------------------ streaming and its faults

/** An answer read over its own connection, however it ends: `complete` is false when the service cut it. */
interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  complete: boolean;
}

function rawGet(url: string, token: string, method = 'GET'): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('error', () => {}); // a cut answer: told by `complete`
      res.on('close', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, complete: res.complete }));
    });
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `value` until it has not changed for `quietMs`; returns it. */
async function settled(value: () => number, quietMs = 400, maxMs = 20_000): Promise<number> {
  const until = Date.now() + maxMs;
  let last = value();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > until) throw new Error(`still changing after ${maxMs} ms (now ${last})`);
    await sleep(25);
    const v = value();
    if (v !== last) [last, since] = [v, Date.now()];
  }
  return last;
}

describe('a streamed listing (permits() asked child by child, so every child read is counted)', () => {
  const N = 30_000;
  let t: TestService;
  let owner: string;
  /** Children of dora/huge the policy was asked about: each one the service read. */
  let reads = 0;
  /** A child whose permission check fails, as a broken policy or database would. */
  let failOn: string | undefined;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);

  const counting: Policy = {
    permits(who: Identity, action: NodeAction, ctx: NodeContext) {
      if (ctx.node.path.startsWith('dora/huge/')) {
        reads++;
        if (ctx.node.name === failOn) throw new Error(`policy failure on ${failOn} (test)`);
      }
      return defaultPolicy.permits(who, action, ctx);
    },
  } as Policy;

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    t = await startTestService({ policy: counting });
    owner = await t.user('dora');
    await publicContainer(t, owner, 'dora/huge');
    await bulkChildren(t, 'dora/huge', N);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await t?.close();
  });
  afterEach(() => {
    failOn = undefined;
    expect(unhandled).toEqual([]);
  });

  const url = (query = '') => `${t.base}/nodes/dora/huge${query}`;

  test('children are read as the client takes them; a client that stops reading and leaves stops the reading; other requests go on meanwhile', async () => {
    const before = reads;
    let received = 0;
    const req = http.get(url(), { agent: false, headers: { authorization: `Bearer ${owner}` } });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => req.on('response', resolve).on('error', reject));
    expect(res.statusCode).toBe(200);
    res.on('error', () => {}); // we cut it ourselves below
    await new Promise<void>((resolve) =>
      res.once('data', (d: Buffer) => {
        received += d.length;
        res.pause();
        resolve();
      }),
    );
    // The client reads no more: the service stops once the socket's buffers are full, far short of the end.
    const stalled = (await settled(() => reads)) - before;
    expect(stalled).toBeGreaterThan(0);
    expect(stalled).toBeLessThan(N / 2);
    expect(received).toBeGreaterThan(0);

    // Meanwhile the service answers others, the embedded database's one connection included: no transaction is held open.
    const started = Date.now();
    const other = await request('GET', `${t.base}/nodes/dora?detail=min`, { token: owner });
    const made = await request('PUT', `${t.base}/nodes/dora/meanwhile`, { token: owner, body: nodeXml(t.uri('dora/meanwhile')) });
    expect({ get: other.status, put: made.status }).toEqual({ get: 200, put: 201 });
    expect(Date.now() - started).toBeLessThan(5000);

    // The client leaves: at most the page being read when it left is read after.
    res.destroy();
    const after = (await settled(() => reads)) - before;
    expect(after - stalled).toBeLessThanOrEqual(2 * (LISTING_PAGE + 1));
    expect(after).toBeLessThan(N / 2);

    // and the service is whole: the same listing, read to its end
    const all = await rawGet(url('?detail=min'), owner);
    expect({ status: all.status, complete: all.complete, children: all.body.split('<vos:node uri=').length - 1 }).toEqual({
      status: 200,
      complete: true,
      children: N,
    });
  });

  test('a failure after the answer has begun cuts it (no fault inside the XML); the service goes on', async () => {
    // in the third page: the two before it are sent, then the answer stops
    failOn = childName(2 * LISTING_PAGE + 100);
    const r = await rawGet(url(), owner);
    const lastChild = /.*<vos:node uri="[^"]*\/([^"/]+)"/s.exec(r.body)?.[1];
    expect({ status: r.status, complete: r.complete, lastChild, fault: r.body.includes('Fault'), closed: r.body.includes('</vos:nodes>') }).toEqual({
      status: 200,
      complete: false,
      lastChild: childName(2 * LISTING_PAGE - 1),
      fault: false,
      closed: false,
    });
    failOn = undefined;
    expect((await request('GET', `${t.base}/nodes/dora?detail=min`, { token: owner })).status).toBe(200);
  });

  test('a failure before any byte is sent gets its fault', async () => {
    failOn = childName(10);
    const r = await rawGet(url(), owner);
    expect({ status: r.status, complete: r.complete, body: r.body }).toEqual({ status: 500, complete: true, body: expect.stringMatching(/^InternalFault: /) });
  });

  test('HEAD reads no children and sends no body', async () => {
    const before = reads;
    const r = await rawGet(url(), owner, 'HEAD');
    expect({ status: r.status, type: r.headers['content-type'], body: r.body, reads: reads - before }).toEqual({
      status: 200,
      type: expect.stringMatching(/xml/),
      body: '',
      reads: 0,
    });
    expect((await rawGet(`${t.base}/nodes/dora/nothing-here`, owner, 'HEAD')).status).toBe(404);
  });
});
