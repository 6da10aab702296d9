/**
 * Black-box tests of the node operations of the REST binding (createNode,
 * getNode, setNode, deleteNode) over real HTTP, against PROTOCOL.md.
 *
 * Documents are read back with a namespace-aware parser (saxes), never by
 * prefix, and node names are compared after decoding the per-segment
 * percent-encoding of the URIs.
 */
import http from 'node:http';
import { request, nodeXml, VOS, XSI, CORE, type Reply, type Prop, expectFault } from '../helpers/http';
import { parseXml, type El } from '../helpers/xml';
import { startTestService, type TestService } from '../helpers/service';

// ---------------------------------------------------------------- helpers

const AUTH = 'example.org';
const ROOT_URI = `vos://${AUTH}!vospace`;

/** Percent-encodes each name of a path, as a client puts it in a URL or a vos URI. */
const encPath = (path: string) => path.split('/').map(encodeURIComponent).join('/');
/** The vos:// URI of a path, written by hand (not by the service's own formatter). */
const vosUri = (path: string) => `${ROOT_URI}/${encPath(path)}`;



const kids = (el: El, local: string) => el.children.filter((c) => c.ns === VOS && c.local === local);
const kid = (el: El, local: string) => kids(el, local)[0];

interface PropOut {
  value: string;
  readOnly: string | undefined;
}

interface NodeOut {
  uri: string;
  type: string | undefined;
  /** undefined when the node has no <properties> element. */
  props?: Map<string, PropOut>;
  /** undefined when the node has no <nodes> element. */
  children?: NodeOut[];
  target?: string;
  el: El;
}

function readNode(el: El): NodeOut {
  const out: NodeOut = { uri: el.attrs.get('uri') ?? '', type: el.attrs.get(`{${XSI}}type`), el };
  const props = kid(el, 'properties');
  if (props) {
    out.props = new Map(kids(props, 'property').map((p) => [p.attrs.get('uri') ?? '', { value: p.text, readOnly: p.attrs.get('readOnly') }]));
  }
  const nodes = kid(el, 'nodes');
  if (nodes) out.children = kids(nodes, 'node').map(readNode);
  const target = kid(el, 'target');
  if (target) out.target = target.text;
  return out;
}

/** The node document of a 2xx answer: a vos:node root in the VOSpace namespace. */
function nodeDoc(r: Reply): NodeOut {
  expect(r.headers.get('content-type') ?? '').toMatch(/xml/);
  const root = parseXml(r.text);
  expect(root.ns).toBe(VOS);
  expect(root.local).toBe('node');
  return readNode(root);
}

/** The decoded last name of a node URI. */
const nameOfUri = (uri: string) => decodeURIComponent(uri.slice(uri.lastIndexOf('/') + 1));

/** A request with exactly these headers (no Content-Type unless given), as the CADC client sends. */
function rawRequest(method: string, url: string, body: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const buf = Buffer.from(body, 'utf8');
    const req = http.request(url, { method, headers: { ...headers, 'content-length': String(buf.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        resolve({ status: res.statusCode ?? 0, headers: h, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(buf);
  });
}

let t: TestService;
let alice: string;
let bob: string;
let carol: string;
let admin: string;

const url = (path: string, query = '') => `${t.base}/nodes/${encPath(path)}${query}`;
const get = (path: string, token?: string, query = '') => request('GET', url(path, query), { token });
const put = (path: string, token: string | undefined, body: string) => request('PUT', url(path), { token, body });
const post = (path: string, token: string | undefined, body: string) => request('POST', url(path), { token, body });
const del = (path: string, token?: string) => request('DELETE', url(path), { token });

/** Creates a node through the REST binding and checks it was created. */
async function mk(path: string, type = 'vos:DataNode', props: Prop[] = [], token = alice, target?: string): Promise<NodeOut> {
  const r = await put(path, token, nodeXml(vosUri(path), type, props, { target }));
  expect({ path, status: r.status, text: r.status === 201 ? '' : r.text }).toEqual({ path, status: 201, text: '' });
  return nodeDoc(r);
}

beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice', { groups: ['alices'] });
  bob = await t.user('bob', { groups: ['bobs', 'staff'] });
  carol = await t.user('carol', { groups: ['carols'] });
  admin = await t.user('root', { admin: true });
});
afterAll(() => t?.close());

// ---------------------------------------------------------------- createNode

describe('createNode', () => {
  const TYPES = ['Node', 'DataNode', 'UnstructuredDataNode', 'StructuredDataNode', 'ContainerNode', 'LinkNode'];

  test.each(TYPES)('creates a vos:%s: 201, the document has its xsi:type and uri, and it reads back', async (type) => {
    const path = `alice/create-${type}`;
    const target = type === 'LinkNode' ? vosUri('alice/somewhere') : undefined;
    const r = await put(path, alice, nodeXml(vosUri(path), `vos:${type}`, [{ uri: `${CORE}title`, value: `a ${type}` }], { target }));
    expect(r.status).toBe(201);
    const doc = nodeDoc(r);
    expect(doc.type).toBe(`vos:${type}`);
    expect(doc.uri).toBe(vosUri(path));
    expect(doc.props?.get(`${CORE}title`)?.value).toBe(`a ${type}`);
    if (type === 'LinkNode') expect(doc.target).toBe(target);
    const back = await get(path, alice);
    expect(back.status).toBe(200);
    const got = nodeDoc(back);
    expect(got.type).toBe(`vos:${type}`);
    expect(got.uri).toBe(vosUri(path));
    expect(got.props?.get(`${CORE}title`)?.value).toBe(`a ${type}`);
    if (type === 'LinkNode') expect(got.target).toBe(target);
  });

  test('a document without xsi:type creates a vos:Node', async () => {
    const path = 'alice/create-untyped';
    const r = await put(path, alice, nodeXml(vosUri(path), ''));
    expect(r.status).toBe(201);
    expect(nodeDoc(r).type).toBe('vos:Node');
    expect(nodeDoc(await get(path, alice)).type).toBe('vos:Node');
  });

  test('a LinkNode target may be any URI, and is kept as given', async () => {
    const path = 'alice/create-link-http';
    const target = 'https://example.com/data/file.fits?x=1&y=2';
    const doc = await mk(path, 'vos:LinkNode', [], alice, target);
    expect(doc.target).toBe(target);
    expect(nodeDoc(await get(path, alice)).target).toBe(target);
  });

  test('a LinkNode without a target is 400 InvalidArgument, and nothing is created', async () => {
    const path = 'alice/create-link-notarget';
    expectFault(await put(path, alice, nodeXml(vosUri(path), 'vos:LinkNode')), 400, 'InvalidArgument');
    expectFault(await put(path, alice, nodeXml(vosUri(path), 'vos:LinkNode', [], { target: '  ' })), 400, 'InvalidArgument');
    expectFault(await get(path, alice), 404, 'NodeNotFound');
  });

  test('the Location header names the new node', async () => {
    const path = 'alice/create-location x';
    const r = await put(path, alice, nodeXml(vosUri(path), 'vos:ContainerNode'));
    expect(r.status).toBe(201);
    const loc = r.headers.get('location');
    expect(loc).toBeTruthy();
    const abs = new URL(loc!, t.origin);
    expect(abs.pathname).toBe(`/vospace/nodes/${encPath(path)}`);
  });
});

// ---------------------------------------------------------------- document forms

describe('node documents are read by namespace, not by prefix', () => {
  const title = (v: string) => `<%p%properties><%p%property uri="${CORE}title">${v}</%p%property></%p%properties>`;
  const withPrefix = (s: string, p: string) => s.replace(/%p%/g, p);

  const cases: [string, (uri: string) => string, string][] = [
    ['the vos: prefix', (uri) => nodeXml(uri, 'vos:ContainerNode', [{ uri: `${CORE}title`, value: 'T' }]), 'vos:ContainerNode'],
    [
      'ns0: for VOSpace and ns1: for xsi (Python ElementTree)',
      (uri) =>
        `<ns0:node xmlns:ns0="${VOS}" xmlns:ns1="${XSI}" ns1:type="ns0:ContainerNode" uri="${uri}">${withPrefix(title('T'), 'ns0:')}</ns0:node>`,
      'vos:ContainerNode',
    ],
    [
      'ns1: for VOSpace and ns0: for xsi',
      (uri) =>
        `<ns1:node xmlns:ns0="${XSI}" xmlns:ns1="${VOS}" ns0:type="ns1:DataNode" uri="${uri}">${withPrefix(title('T'), 'ns1:')}</ns1:node>`,
      'vos:DataNode',
    ],
    [
      'a default namespace',
      (uri) => `<node xmlns="${VOS}" xmlns:xsi="${XSI}" xsi:type="vos:DataNode" xmlns:vos="${VOS}" uri="${uri}">${withPrefix(title('T'), '')}</node>`,
      'vos:DataNode',
    ],
    [
      'a default namespace and an unprefixed xsi:type',
      (uri) => `<node xmlns="${VOS}" xmlns:xsi="${XSI}" xsi:type="StructuredDataNode" uri="${uri}">${withPrefix(title('T'), '')}</node>`,
      'vos:StructuredDataNode',
    ],
    [
      'an <?xml?> declaration and whitespace',
      (uri) =>
        `<?xml version="1.0" encoding="UTF-8"?>\n<vos:node xmlns:vos="${VOS}" xmlns:xsi="${XSI}"\n   xsi:type="vos:UnstructuredDataNode" uri="${uri}">\n  ${withPrefix(title('T'), 'vos:')}\n</vos:node>\n`,
      'vos:UnstructuredDataNode',
    ],
    [
      'xsi:type="vos:ContainerNode" with vos never declared',
      (uri) => `<node xmlns="${VOS}" xmlns:xsi="${XSI}" xsi:type="vos:ContainerNode" uri="${uri}">${withPrefix(title('T'), '')}</node>`,
      'vos:ContainerNode',
    ],
    [
      'prefixes mixed in one document',
      (uri) =>
        `<vos:node xmlns:vos="${VOS}" xmlns:xsi="${XSI}" xsi:type="vos:DataNode" uri="${uri}"><ns0:properties xmlns:ns0="${VOS}"><property xmlns="${VOS}" uri="${CORE}title">T</property></ns0:properties></vos:node>`,
      'vos:DataNode',
    ],
  ];

  test.each(cases)('understands %s', async (label, body, type) => {
    const path = `alice/ns-${cases.findIndex((c) => c[0] === label)}`;
    const r = await put(path, alice, body(vosUri(path)));
    expect({ status: r.status, text: r.status === 201 ? '' : r.text }).toEqual({ status: 201, text: '' });
    const doc = nodeDoc(r);
    expect(doc.type).toBe(type);
    expect(doc.uri).toBe(vosUri(path));
    expect(doc.props?.get(`${CORE}title`)?.value).toBe('T');
    const back = nodeDoc(await get(path, alice));
    expect(back.type).toBe(type);
    expect(back.props?.get(`${CORE}title`)?.value).toBe('T');
  });

  test('a property value with markup characters round-trips', async () => {
    const path = 'alice/ns-markup';
    const value = `a < b & c > "d" 'e' ü 日本`;
    await mk(path, 'vos:DataNode', [{ uri: `${CORE}description`, value }]);
    expect(nodeDoc(await get(path, alice)).props?.get(`${CORE}description`)?.value).toBe(value);
  });
});

// ---------------------------------------------------------------- URIs

describe('node URIs', () => {
  test('vos://example.org~vospace/... is accepted and answered with !', async () => {
    const path = 'alice/uri-tilde';
    const r = await put(path, alice, nodeXml(`vos://${AUTH}~vospace/${path}`, 'vos:ContainerNode'));
    expect(r.status).toBe(201);
    expect(nodeDoc(r).uri).toBe(`vos://${AUTH}!vospace/${path}`);
    expect(nodeDoc(await get(path, alice)).uri).toBe(`vos://${AUTH}!vospace/${path}`);
  });

  test('a bare path and a doubled slash are accepted as the node uri, and answered in the ! form', async () => {
    const bare = 'alice/uri-bare';
    const r1 = await put(bare, alice, nodeXml(`/${bare}`, 'vos:DataNode'));
    expect(r1.status).toBe(201);
    expect(nodeDoc(r1).uri).toBe(`vos://${AUTH}!vospace/${bare}`);
    const dbl = 'alice/uri-double';
    const r2 = await put(dbl, alice, nodeXml(`vos://${AUTH}!vospace//${dbl}`, 'vos:DataNode'));
    expect(r2.status).toBe(201);
    expect(nodeDoc(r2).uri).toBe(`vos://${AUTH}!vospace/${dbl}`);
  });

  test('a name with spaces, % and unicode is percent-encoded in the answer and decodes to the name', async () => {
    const name = 'my file 100% ü 日本.txt';
    const path = `alice/${name}`;
    const doc = await mk(path);
    expect(doc.uri.startsWith(`${ROOT_URI}/alice/`)).toBe(true);
    expect(doc.uri).not.toMatch(/ /);
    expect(nameOfUri(doc.uri)).toBe(name);
    expect(nameOfUri(nodeDoc(await get(path, alice)).uri)).toBe(name);
  });

  test('a document uri that does not match the URL is 400 InvalidURI, and nothing is created', async () => {
    expectFault(await put('alice/uri-url', alice, nodeXml(vosUri('alice/uri-other'), 'vos:DataNode')), 400, 'InvalidURI');
    expectFault(await get('alice/uri-url', alice), 404, 'NodeNotFound');
    expectFault(await get('alice/uri-other', alice), 404, 'NodeNotFound');
  });

  test('a document uri of another authority is 400 InvalidURI', async () => {
    const path = 'alice/uri-foreign';
    expectFault(await put(path, alice, nodeXml(`vos://other.org!vospace/${path}`, 'vos:DataNode')), 400, 'InvalidURI');
    expectFault(await get(path, alice), 404, 'NodeNotFound');
  });

  test('. and .. names are 400 InvalidURI', async () => {
    const r = await request('PUT', `${t.base}/nodes/alice/%2E%2E`, { token: alice, body: nodeXml(`${ROOT_URI}/alice/..`) });
    expectFault(r, 400, 'InvalidURI');
  });
});

// ---------------------------------------------------------------- getNode

describe('getNode', () => {
  const dir = 'alice/get';
  const started = Date.now();

  beforeAll(async () => {
    await mk(dir, 'vos:ContainerNode', [{ uri: `${CORE}title`, value: 'the dir' }]);
    await mk(`${dir}/data`, 'vos:DataNode', [{ uri: `${CORE}title`, value: 'the data' }]);
    await mk(`${dir}/sub`, 'vos:ContainerNode', [{ uri: `${CORE}description`, value: 'sub' }]);
    await mk(`${dir}/link`, 'vos:LinkNode', [], alice, vosUri(`${dir}/data`));
  });

  const expectedChildren = [
    { uri: vosUri(`${dir}/data`), type: 'vos:DataNode' },
    { uri: vosUri(`${dir}/link`), type: 'vos:LinkNode' },
    { uri: vosUri(`${dir}/sub`), type: 'vos:ContainerNode' },
  ];
  const sortByUri = <T extends { uri: string }>(a: T[]) => [...a].sort((x, y) => (x.uri < y.uri ? -1 : x.uri > y.uri ? 1 : 0));

  test('detail=min: no properties, children listed with uri and type only', async () => {
    const r = await get(dir, alice, '?detail=min');
    expect(r.status).toBe(200);
    const doc = nodeDoc(r);
    expect(doc.uri).toBe(vosUri(dir));
    expect(doc.type).toBe('vos:ContainerNode');
    expect(doc.props).toBeUndefined();
    expect(doc.children).toBeDefined();
    expect(sortByUri(doc.children!.map((c) => ({ uri: c.uri, type: c.type })))).toEqual(expectedChildren);
    for (const c of doc.children!) {
      expect(c.props).toBeUndefined();
      expect(c.children).toBeUndefined();
      // uri and type; nothing else but a LinkNode's <target>, which the schema requires
      const allowed = c.type === 'vos:LinkNode' ? ['target'] : [];
      expect(c.el.children.map((e) => e.local)).toEqual(allowed);
    }
  });

  test.each([['', 'default'], ['?detail=max', 'explicit']])('detail=max (%s): properties including the computed ones', async (q) => {
    const r = await get(dir, alice, q);
    expect(r.status).toBe(200);
    const doc = nodeDoc(r);
    expect(doc.props).toBeDefined();
    const props = doc.props!;
    expect(props.get(`${CORE}title`)).toEqual({ value: 'the dir', readOnly: 'false' });
    expect(props.get(`${CORE}creator`)).toEqual({ value: 'alice', readOnly: 'true' });
    expect(props.get(`${CORE}length`)?.value).toMatch(/^\d+$/);
    for (const p of ['date', 'ctime', 'mtime', 'btime']) {
      const v = props.get(`${CORE}${p}`);
      expect(v?.readOnly).toBe('true');
      const when = Date.parse(v!.value);
      expect(Number.isNaN(when)).toBe(false);
      expect(when).toBeGreaterThan(started - 120_000);
      expect(when).toBeLessThan(Date.now() + 120_000);
    }
    expect(sortByUri(doc.children!.map((c) => ({ uri: c.uri, type: c.type })))).toEqual(expectedChildren);
    const data = doc.children!.find((c) => c.uri === vosUri(`${dir}/data`))!;
    expect(data.props?.get(`${CORE}title`)?.value).toBe('the data');
  });

  test('detail=max of a data node: length 0 when empty, creator is the owner, date present', async () => {
    const doc = nodeDoc(await get(`${dir}/data`, alice));
    expect(doc.type).toBe('vos:DataNode');
    expect(doc.props!.get(`${CORE}length`)).toEqual({ value: '0', readOnly: 'true' });
    expect(doc.props!.get(`${CORE}creator`)?.value).toBe('alice');
    expect(doc.props!.get(`${CORE}date`)?.value).toBeTruthy();
  });

  test('detail=properties: properties but no <nodes>', async () => {
    const r = await get(dir, alice, '?detail=properties');
    expect(r.status).toBe(200);
    const doc = nodeDoc(r);
    expect(doc.props?.get(`${CORE}title`)?.value).toBe('the dir');
    expect(doc.props?.get(`${CORE}creator`)?.value).toBe('alice');
    expect(doc.children).toBeUndefined();
    expect(kids(doc.el, 'nodes')).toEqual([]);
  });

  test.each(['bogus', 'MIN', '', 'min,max'])('detail=%s is 400 InvalidArgument', async (d) => {
    expectFault(await get(dir, alice, `?detail=${encodeURIComponent(d)}`), 400, 'InvalidArgument');
  });

  test('detail given twice is 400 InvalidArgument', async () => {
    expectFault(await get(dir, alice, '?detail=min&detail=max'), 400, 'InvalidArgument');
  });

  test.each(['abc', '-1', '1.5', '', '1e3'])('limit=%s is 400 InvalidArgument', async (l) => {
    expectFault(await get(dir, alice, `?limit=${encodeURIComponent(l)}`), 400, 'InvalidArgument');
  });

  test('a missing node is 404 NodeNotFound naming it', async () => {
    const r = await get(`${dir}/nope`, alice);
    expectFault(r, 404, 'NodeNotFound');
    expect(r.text).toContain(vosUri(`${dir}/nope`));
  });

  test('HEAD answers like GET without a body', async () => {
    const r = await request('HEAD', url(dir), { token: alice });
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(r.headers.get('content-type')).toMatch(/xml/);
  });
});

// ---------------------------------------------------------------- paging

describe('child paging', () => {
  const dir = 'alice/paging';
  const NAMES = [
    'a', 'a b', 'a0', 'a_', 'a%', 'a%20b', 'a b c', 'ab', 'a+b', 'a.b', 'A', '_', '_x', '100%',
    'ü', 'u', 'z', '日本', '日本語', "it's (1)", 'q?#', '~t', 'e\u0301', '😀', 'Z!*',
  ];
  let fullOrder: string[];

  /** Child URIs of one GET, in document order. */
  async function listing(query: string, detail = 'max'): Promise<string[]> {
    const r = await get(dir, alice, `${query}${query ? '&' : '?'}detail=${detail}`);
    expect({ status: r.status, text: r.status === 200 ? '' : r.text }).toEqual({ status: 200, text: '' });
    const doc = nodeDoc(r);
    return (doc.children ?? []).map((c) => {
      expect(c.uri.startsWith(`${vosUri(dir)}/`)).toBe(true);
      return c.uri;
    });
  }

  /** Pages through the listing as clients do: limit=N, then uri=<last seen>&limit=N (inclusive). */
  async function pageAll(limit: number, detail = 'max'): Promise<string[]> {
    const seen: string[] = [];
    let page = await listing(`?limit=${limit}`, detail);
    expect(page.length).toBeLessThanOrEqual(limit);
    seen.push(...page);
    for (let i = 0; page.length === limit && i < 100; i++) {
      const last = seen[seen.length - 1];
      page = await listing(`?limit=${limit}&uri=${encodeURIComponent(last)}`, detail);
      expect(page.length).toBeLessThanOrEqual(limit);
      expect(page[0]).toBe(last); // inclusive start
      seen.push(...page.slice(1));
    }
    return seen;
  }

  beforeAll(async () => {
    expect(new Set(NAMES).size).toBe(25);
    await mk(dir, 'vos:ContainerNode');
    for (const [i, name] of NAMES.entries()) {
      await mk(`${dir}/${name}`, i % 3 === 0 ? 'vos:ContainerNode' : 'vos:DataNode');
    }
    fullOrder = await listing('');
  });

  test('the full listing holds every child once, and names round-trip', async () => {
    expect(fullOrder).toHaveLength(NAMES.length);
    expect(new Set(fullOrder).size).toBe(NAMES.length);
    expect(fullOrder.map(nameOfUri).sort()).toEqual([...NAMES].sort());
    // each child is reachable at the URL built from its decoded name, and answers with the same URI
    for (const uri of fullOrder) {
      const r = await get(`${dir}/${nameOfUri(uri)}`, alice, '?detail=min');
      expect(r.status).toBe(200);
      expect(nodeDoc(r).uri).toBe(uri);
    }
  });

  test('the order is stable across listings', async () => {
    expect(await listing('')).toEqual(fullOrder);
    expect(await listing('', 'min')).toEqual(fullOrder);
  });

  test.each([2, 3, 4, 7, 24, 25, 26, 100])('paging with limit=%i sees every child exactly once, in the stable order', async (n) => {
    const seen = await pageAll(n);
    expect(seen).toEqual(fullOrder);
  });

  test('paging with detail=min sees the same children', async () => {
    expect(await pageAll(5, 'min')).toEqual(fullOrder);
  });

  test('every child can start a page, which begins with it and follows the order', async () => {
    for (let i = 0; i < fullOrder.length; i++) {
      const page = await listing(`?limit=3&uri=${encodeURIComponent(fullOrder[i])}`, 'min');
      expect(page).toEqual(fullOrder.slice(i, i + 3));
    }
  });

  test('a child uri written with ~ works as a start', async () => {
    const i = 5;
    const tilde = fullOrder[i].replace('!vospace', '~vospace');
    expect(await listing(`?limit=2&uri=${encodeURIComponent(tilde)}`)).toEqual(fullOrder.slice(i, i + 2));
  });

  test('limit=0 lists no children but answers the node', async () => {
    const r = await get(dir, alice, '?limit=0');
    expect(r.status).toBe(200);
    const doc = nodeDoc(r);
    expect(doc.uri).toBe(vosUri(dir));
    expect(doc.type).toBe('vos:ContainerNode');
    expect(doc.children ?? []).toEqual([]);
  });

  test('a uri that is not a child is 400 InvalidURI', async () => {
    await mk(`${dir}-other`, 'vos:ContainerNode');
    await mk(`${dir}-other/x`);
    const notChildren = [
      vosUri(dir), // the node itself
      vosUri('alice'), // its parent
      vosUri(`${dir}-other/x`), // a child of another container
      `${vosUri(`${dir}/${NAMES[1]}`)}/deeper`, // a grandchild
      `vos://other.org!vospace/${encPath(`${dir}/a`)}`, // another authority
      'not a uri',
    ];
    for (const u of notChildren) {
      expectFault(await get(dir, alice, `?limit=5&uri=${encodeURIComponent(u)}`), 400, 'InvalidURI');
    }
  });
});

describe('child paging: the server cap', () => {
  let t5: TestService;
  let tok: string;
  beforeAll(async () => {
    t5 = await startTestService({ parameters: { max_children: 5 } });
    tok = await t5.user('dora');
    for (let i = 0; i < 8; i++) {
      const r = await request('PUT', `${t5.base}/nodes/dora/c${i}`, { token: tok, body: nodeXml(`${ROOT_URI}/dora/c${i}`) });
      expect(r.status).toBe(201);
    }
  });
  afterAll(() => t5?.close());

  const list = async (q: string) => {
    const r = await request('GET', `${t5.base}/nodes/dora${q}`, { token: tok });
    expect(r.status).toBe(200);
    return (nodeDoc(r).children ?? []).map((c) => c.uri);
  };

  test('a listing without limit returns every child, past the cap (test/rest/listing.test.ts has more)', async () => {
    expect((await list('')).map(nameOfUri)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
  });

  test('a limit above the cap is capped; a lower one is kept', async () => {
    expect(await list('?limit=100')).toHaveLength(5);
    expect(await list('?limit=3')).toHaveLength(3);
  });

  test('paging past the cap reaches every child', async () => {
    const first = await list('?limit=5');
    expect(first).toHaveLength(5);
    const rest = await list(`?limit=5&uri=${encodeURIComponent(first[4])}`);
    expect(rest[0]).toBe(first[4]);
    const all = [...first, ...rest.slice(1)];
    expect(all.map(nameOfUri).sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
  });
});

// ---------------------------------------------------------------- setNode

describe('setNode', () => {
  const TITLE = `${CORE}title`;
  const DESC = `${CORE}description`;
  const FORMAT = `${CORE}format`;

  test('merges properties and answers 200 with the full node', async () => {
    const path = 'alice/set-merge';
    await mk(path, 'vos:DataNode', [{ uri: TITLE, value: 'old' }, { uri: DESC, value: 'kept' }]);
    const r = await post(path, alice, nodeXml(vosUri(path), 'vos:DataNode', [{ uri: TITLE, value: 'new' }, { uri: FORMAT, value: 'text/plain' }]));
    expect(r.status).toBe(200);
    const doc = nodeDoc(r);
    expect(doc.uri).toBe(vosUri(path));
    expect(doc.type).toBe('vos:DataNode');
    expect(doc.props?.get(TITLE)?.value).toBe('new');
    expect(doc.props?.get(FORMAT)?.value).toBe('text/plain');
    expect(doc.props?.get(DESC)?.value).toBe('kept');
    expect(doc.props?.get(`${CORE}creator`)?.value).toBe('alice');
    expect(doc.props?.get(`${CORE}length`)?.value).toBe('0');
    const back = nodeDoc(await get(path, alice));
    expect(back.props?.get(TITLE)?.value).toBe('new');
    expect(back.props?.get(FORMAT)?.value).toBe('text/plain');
    expect(back.props?.get(DESC)?.value).toBe('kept');
  });

  test('the answers of create and setNode are the document a GET gives right after', async () => {
    const path = 'alice/set-same';
    const created = await request('PUT', url(path), {
      token: alice,
      body: nodeXml(vosUri(path), 'vos:DataNode', [{ uri: TITLE, value: 't' }, { uri: 'ivo://example.org/props#Zeta', value: 'z' }, { uri: DESC, value: 'd' }]),
    });
    expect(created.status).toBe(201);
    expect(created.text).toBe((await get(path, alice)).text);
    const set = await post(path, alice, nodeXml(vosUri(path), 'vos:DataNode', [{ uri: DESC, nil: true }, { uri: FORMAT, value: 'f' }, { uri: TITLE, value: 'T' }]));
    expect(set.status).toBe(200);
    expect(set.text).toBe((await get(path, alice)).text);
  });

  test('a custom (non-standard) property is stored', async () => {
    const path = 'alice/set-custom';
    await mk(path);
    const r = await post(path, alice, nodeXml(vosUri(path), 'vos:DataNode', [{ uri: 'ivo://example.org/props#colour', value: 'blue' }]));
    expect(r.status).toBe(200);
    expect(nodeDoc(r).props?.get('ivo://example.org/props#colour')?.value).toBe('blue');
  });

  test('xsi:nil="true" deletes a property and leaves the others', async () => {
    const path = 'alice/set-nil';
    await mk(path, 'vos:DataNode', [{ uri: TITLE, value: 't' }, { uri: DESC, value: 'd' }]);
    const r = await post(path, alice, nodeXml(vosUri(path), 'vos:DataNode', [{ uri: DESC, nil: true }]));
    expect(r.status).toBe(200);
    const doc = nodeDoc(r);
    expect(doc.props?.has(DESC)).toBe(false);
    expect(doc.props?.get(TITLE)?.value).toBe('t');
    const back = nodeDoc(await get(path, alice));
    expect(back.props?.has(DESC)).toBe(false);
    expect(back.props?.get(TITLE)?.value).toBe('t');
  });

  test('setNode on a container answers the container', async () => {
    const path = 'alice/set-dir';
    await mk(path, 'vos:ContainerNode');
    await mk(`${path}/child`);
    const r = await post(path, alice, nodeXml(vosUri(path), 'vos:ContainerNode', [{ uri: TITLE, value: 'dir' }]));
    expect(r.status).toBe(200);
    const doc = nodeDoc(r);
    expect(doc.type).toBe('vos:ContainerNode');
    expect(doc.props?.get(TITLE)?.value).toBe('dir');
  });

  test.each([
    ['length', '12345'],
    ['date', '2000-01-01T00:00:00.000Z'],
    ['ctime', '2000-01-01T00:00:00.000Z'],
    ['mtime', '2000-01-01T00:00:00.000Z'],
    ['btime', '2000-01-01T00:00:00.000Z'],
    ['creator', 'bob'],
    ['MD5', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['availableSpace', '1'],
  ])('setting computed core#%s is 403 PermissionDenied and changes nothing', async (name, value) => {
    const path = `alice/set-computed-${name}`;
    await mk(path, 'vos:DataNode', [{ uri: TITLE, value: 'before' }]);
    const before = nodeDoc(await get(path, alice)).props!;
    const r = await post(path, alice, nodeXml(vosUri(path), 'vos:DataNode', [{ uri: TITLE, value: 'after' }, { uri: `${CORE}${name}`, value }]));
    expectFault(r, 403, 'PermissionDenied');
    const after = nodeDoc(await get(path, alice)).props!;
    expect(after.get(TITLE)?.value).toBe('before');
    expect(after.get(`${CORE}${name}`)).toEqual(before.get(`${CORE}${name}`));
  });

  test('deleting a computed property with xsi:nil is 403 PermissionDenied', async () => {
    const path = 'alice/set-computed-nil';
    await mk(path);
    expectFault(await post(path, alice, nodeXml(vosUri(path), 'vos:DataNode', [{ uri: `${CORE}length`, nil: true }])), 403, 'PermissionDenied');
    expect(nodeDoc(await get(path, alice)).props?.get(`${CORE}length`)?.value).toBe('0');
  });

  test('creating a node with a computed property set is 403 PermissionDenied', async () => {
    const path = 'alice/set-computed-create';
    expectFault(await put(path, alice, nodeXml(vosUri(path), 'vos:DataNode', [{ uri: `${CORE}length`, value: '99' }])), 403, 'PermissionDenied');
    expectFault(await get(path, alice), 404, 'NodeNotFound');
  });

  test('echoing computed properties with their current values is accepted', async () => {
    const path = 'alice/set-echo';
    await mk(path, 'vos:DataNode', [{ uri: TITLE, value: 'one' }]);
    const cur = nodeDoc(await get(path, alice)).props!;
    const echo: Prop[] = ['length', 'date', 'creator', 'ctime', 'mtime', 'btime'].map((n) => ({ uri: `${CORE}${n}`, value: cur.get(`${CORE}${n}`)!.value }));
    const r = await post(path, alice, nodeXml(vosUri(path), 'vos:DataNode', [...echo, { uri: TITLE, value: 'two' }]));
    expect({ status: r.status, text: r.status === 200 ? '' : r.text }).toEqual({ status: 200, text: '' });
    const doc = nodeDoc(r);
    expect(doc.props?.get(TITLE)?.value).toBe('two');
    expect(doc.props?.get(`${CORE}length`)?.value).toBe(cur.get(`${CORE}length`)!.value);
    expect(doc.props?.get(`${CORE}creator`)?.value).toBe('alice');
  });

  test('posting back the very document a GET returned is accepted', async () => {
    const path = 'alice/set-roundtrip';
    await mk(path, 'vos:DataNode', [{ uri: TITLE, value: 'same' }]);
    const got = await get(path, alice);
    const r = await post(path, alice, got.text);
    expect({ status: r.status, text: r.status === 200 ? '' : r.text }).toEqual({ status: 200, text: '' });
    expect(nodeDoc(r).props?.get(TITLE)?.value).toBe('same');
  });

  test('core#quota: a non-admin gets 403, an admin sets it (200)', async () => {
    const path = 'alice/set-quota';
    await mk(path, 'vos:ContainerNode');
    const quota = [{ uri: `${CORE}quota`, value: '1000000' }];
    expectFault(await post(path, alice, nodeXml(vosUri(path), 'vos:ContainerNode', quota)), 403, 'PermissionDenied');
    expect(nodeDoc(await get(path, alice)).props?.has(`${CORE}quota`)).toBe(false);
    const r = await post(path, admin, nodeXml(vosUri(path), 'vos:ContainerNode', quota));
    expect(r.status).toBe(200);
    expect(nodeDoc(r).props?.get(`${CORE}quota`)?.value).toBe('1000000');
    expect(nodeDoc(await get(path, alice)).props?.get(`${CORE}quota`)?.value).toBe('1000000');
  });

  test('core#quota on create by a non-admin is 403', async () => {
    const path = 'alice/set-quota-create';
    expectFault(await put(path, alice, nodeXml(vosUri(path), 'vos:ContainerNode', [{ uri: `${CORE}quota`, value: '5' }])), 403, 'PermissionDenied');
    expectFault(await get(path, alice), 404, 'NodeNotFound');
  });

  test('a POST with no Content-Type header works (the CADC client sends none)', async () => {
    const path = 'alice/set-noctype';
    await mk(path, 'vos:DataNode');
    const body = nodeXml(`vos://${AUTH}~vospace/${path}`, 'vos:DataNode', [{ uri: `${CORE}ispublic`, value: 'false' }, { uri: TITLE, value: 'vtag' }]);
    const r = await rawRequest('POST', url(path), body, { authorization: `Bearer ${alice}` });
    expect({ status: r.status, text: r.status === 200 ? '' : r.text }).toEqual({ status: 200, text: '' });
    expect(nodeDoc(r).props?.get(TITLE)?.value).toBe('vtag');
    expect(nodeDoc(await get(path, alice)).props?.get(TITLE)?.value).toBe('vtag');
  });

  test('a PUT with no Content-Type header works too', async () => {
    const path = 'alice/set-noctype-put';
    const r = await rawRequest('PUT', url(path), nodeXml(vosUri(path), 'vos:ContainerNode'), { authorization: `Bearer ${alice}` });
    expect(r.status).toBe(201);
    expect(nodeDoc(r).type).toBe('vos:ContainerNode');
  });

  test('setNode on a missing node is 404 NodeNotFound', async () => {
    const path = 'alice/set-missing';
    expectFault(await post(path, alice, nodeXml(vosUri(path), 'vos:DataNode', [{ uri: TITLE, value: 'x' }])), 404, 'NodeNotFound');
    expectFault(await get(path, alice), 404, 'NodeNotFound');
  });

  test('setNode with a document uri that does not match the URL is 400 InvalidURI', async () => {
    const path = 'alice/set-mismatch';
    await mk(path, 'vos:DataNode', [{ uri: TITLE, value: 'x' }]);
    expectFault(await post(path, alice, nodeXml(vosUri('alice/set-merge'), 'vos:DataNode', [{ uri: TITLE, value: 'y' }])), 400, 'InvalidURI');
    expect(nodeDoc(await get(path, alice)).props?.get(TITLE)?.value).toBe('x');
  });

  test("another user may not set properties on alice's node (403), nor may anonymous", async () => {
    const path = 'alice/set-denied';
    await mk(path, 'vos:DataNode', [{ uri: TITLE, value: 'mine' }, { uri: `${CORE}publicread`, value: 'true' }]);
    const body = nodeXml(vosUri(path), 'vos:DataNode', [{ uri: TITLE, value: 'theirs' }]);
    expectFault(await post(path, bob, body), 403, 'PermissionDenied');
    expectFault(await post(path, undefined, body), 403, 'PermissionDenied');
    expect(nodeDoc(await get(path, alice)).props?.get(TITLE)?.value).toBe('mine');
  });
});

// ---------------------------------------------------------------- deleteNode

describe('deleteNode', () => {
  const dir = 'alice/del';
  const SUBTREE = ['d', 'd/x', 'd/sub', 'd/sub/y', 'd/sub/deeper', 'd/sub/deeper/z', 'd/ü space'];
  const SIBLINGS = ['d b', 'd b/inner', 'd0', 'd_x', 'dd', 'd.', 'd%', 'd-', 'd+'];

  beforeAll(async () => {
    await mk(dir, 'vos:ContainerNode');
    const containers = new Set(['d', 'd/sub', 'd/sub/deeper', 'd b']);
    for (const p of [...SUBTREE, ...SIBLINGS]) await mk(`${dir}/${p}`, containers.has(p) ? 'vos:ContainerNode' : 'vos:DataNode');
  });

  test('deleting a container removes it and every descendant (204), and only them', async () => {
    const r = await del(`${dir}/d`, alice);
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    for (const p of SUBTREE) expectFault(await get(`${dir}/${p}`, alice), 404, 'NodeNotFound');
    for (const p of SIBLINGS) expect({ p, status: (await get(`${dir}/${p}`, alice)).status }).toEqual({ p, status: 200 });
    const listed = (nodeDoc(await get(dir, alice)).children ?? []).map((c) => nameOfUri(c.uri)).sort();
    expect(listed).toEqual(SIBLINGS.filter((s) => !s.includes('/')).sort());
  });

  test('a deleted path can be created again, empty', async () => {
    const path = `${dir}/again`;
    await mk(path, 'vos:ContainerNode');
    await mk(`${path}/child`);
    expect((await del(path, alice)).status).toBe(204);
    await mk(path, 'vos:ContainerNode');
    expect(nodeDoc(await get(path, alice)).children ?? []).toEqual([]);
  });

  test('deleting a missing node is 404 NodeNotFound', async () => {
    expectFault(await del(`${dir}/never-was`, alice), 404, 'NodeNotFound');
  });

  test('deleting a LinkNode removes the link, not its target', async () => {
    await mk(`${dir}/target`);
    await mk(`${dir}/link`, 'vos:LinkNode', [], alice, vosUri(`${dir}/target`));
    expect((await del(`${dir}/link`, alice)).status).toBe(204);
    expectFault(await get(`${dir}/link`, alice), 404, 'NodeNotFound');
    expect((await get(`${dir}/target`, alice)).status).toBe(200);
  });

  test('deleting the root is 403, for users and admins alike', async () => {
    expectFault(await request('DELETE', `${t.base}/nodes/`, { token: alice }), 403, 'PermissionDenied');
    expectFault(await request('DELETE', `${t.base}/nodes/`, { token: admin }), 403, 'PermissionDenied');
    expectFault(await request('DELETE', `${t.base}/nodes/`), 403, 'PermissionDenied');
    expect((await get('alice', alice)).status).toBe(200);
  });

  test("another user or anonymous may not delete alice's node (403)", async () => {
    const path = `${dir}/keep`;
    await mk(path, 'vos:DataNode', [{ uri: `${CORE}publicread`, value: 'true' }]);
    expectFault(await del(path, bob), 403, 'PermissionDenied');
    expectFault(await del(path), 403, 'PermissionDenied');
    expect((await get(path, alice)).status).toBe(200);
  });
});

// ---------------------------------------------------------------- faults

describe('fault rows of PROTOCOL.md', () => {
  test('DuplicateNode 409', async () => {
    const path = 'alice/f-dup';
    await mk(path, 'vos:ContainerNode', [{ uri: `${CORE}title`, value: 'first' }]);
    expectFault(await put(path, alice, nodeXml(vosUri(path), 'vos:DataNode', [{ uri: `${CORE}title`, value: 'second' }])), 409, 'DuplicateNode');
    const doc = nodeDoc(await get(path, alice));
    expect(doc.type).toBe('vos:ContainerNode');
    expect(doc.props?.get(`${CORE}title`)?.value).toBe('first');
  });

  test('ContainerNotFound 404: the parent is missing', async () => {
    expectFault(await put('alice/f-nope/x', alice, nodeXml(vosUri('alice/f-nope/x'))), 404, 'ContainerNotFound');
    expectFault(await put('alice/f-nope/y/z', alice, nodeXml(vosUri('alice/f-nope/y/z'))), 404, 'ContainerNotFound');
  });

  test('ContainerNotFound 404: the parent is a DataNode', async () => {
    await mk('alice/f-data', 'vos:DataNode');
    expectFault(await put('alice/f-data/x', alice, nodeXml(vosUri('alice/f-data/x'))), 404, 'ContainerNotFound');
    await mk('alice/f-node', 'vos:Node');
    expectFault(await put('alice/f-node/x', alice, nodeXml(vosUri('alice/f-node/x'))), 404, 'ContainerNotFound');
  });

  test('LinkFound 400: a LinkNode in the path, for create and for get', async () => {
    await mk('alice/f-real', 'vos:ContainerNode');
    await mk('alice/f-real/inside');
    await mk('alice/f-link', 'vos:LinkNode', [], alice, vosUri('alice/f-real'));
    expectFault(await put('alice/f-link/x', alice, nodeXml(vosUri('alice/f-link/x'))), 400, 'LinkFound');
    expectFault(await get('alice/f-link/inside', alice), 400, 'LinkFound');
    expectFault(await get('alice/f-link/a/b', alice), 400, 'LinkFound');
    // the link itself is an ordinary node
    const doc = nodeDoc(await get('alice/f-link', alice));
    expect(doc.type).toBe('vos:LinkNode');
    expect(doc.target).toBe(vosUri('alice/f-real'));
    expectFault(await get('alice/f-real/x', alice), 404, 'NodeNotFound');
  });

  test('TypeNotSupported 400: an unknown type in the VOSpace namespace', async () => {
    const path = 'alice/f-bogus';
    expectFault(await put(path, alice, nodeXml(vosUri(path), 'vos:Bogus')), 400, 'TypeNotSupported');
    expectFault(await get(path, alice), 404, 'NodeNotFound');
  });

  test('TypeNotSupported 400: a type in a foreign namespace', async () => {
    const path = 'alice/f-foreign';
    const body = `<vos:node xmlns:vos="${VOS}" xmlns:xsi="${XSI}" xmlns:foo="http://example.com/not-vospace" xsi:type="foo:DataNode" uri="${vosUri(path)}"/>`;
    expectFault(await put(path, alice, body), 400, 'TypeNotSupported');
    expectFault(await get(path, alice), 404, 'NodeNotFound');
  });

  test('PermissionDenied 403: another user writing into alice\'s home', async () => {
    const path = 'alice/f-bob';
    expectFault(await put(path, bob, nodeXml(vosUri(path))), 403, 'PermissionDenied');
    expectFault(await get(path, alice), 404, 'NodeNotFound');
  });

  test('PermissionDenied 403: anonymous writing', async () => {
    const path = 'alice/f-anon';
    expectFault(await put(path, undefined, nodeXml(vosUri(path))), 403, 'PermissionDenied');
    // even into a public container
    await mk('alice/f-public', 'vos:ContainerNode', [{ uri: `${CORE}publicread`, value: 'true' }]);
    expectFault(await put('alice/f-public/x', undefined, nodeXml(vosUri('alice/f-public/x'))), 403, 'PermissionDenied');
    expectFault(await get(path, alice), 404, 'NodeNotFound');
    expectFault(await get('alice/f-public/x', alice), 404, 'NodeNotFound');
  });

  test('InvalidToken 401: a bad bearer token', async () => {
    const bad = 'vos_not-a-real-token';
    expectFault(await get('alice', bad), 401, 'InvalidToken');
    expectFault(await put('alice/f-badtoken', bad, nodeXml(vosUri('alice/f-badtoken'))), 401, 'InvalidToken');
    expectFault(await del('alice', bad), 401, 'InvalidToken');
    expectFault(await get('alice/f-badtoken', alice), 404, 'NodeNotFound');
  });

  test('NodeNotFound 404', async () => {
    expectFault(await get('alice/f-missing', alice), 404, 'NodeNotFound');
    expectFault(await get('nobody-home', alice), 404, 'NodeNotFound');
  });
});

// ---------------------------------------------------------------- permissions

describe('permissions (src/auth/policy.ts)', () => {
  beforeAll(async () => {
    // Read needs read on every ancestor: alice opens her home, and shares inside it node by node.
    expect((await post('alice', alice, nodeXml(vosUri('alice'), 'vos:ContainerNode', [{ uri: `${CORE}publicread`, value: 'true' }]))).status).toBe(200);
    await mk('alice/p-pub', 'vos:DataNode', [{ uri: `${CORE}publicread`, value: 'true' }]);
    await mk('alice/p-priv', 'vos:DataNode');
    await mk('alice/p-shared', 'vos:ContainerNode', [{ uri: `${CORE}groupread`, value: 'staff' }]);
    await mk('alice/p-shared-uri', 'vos:DataNode', [{ uri: `${CORE}groupread`, value: 'ivo://example.org/gms?nobody ivo://example.org/gms?bobs' }]);
    await mk('alice/p-other-group', 'vos:DataNode', [{ uri: `${CORE}groupread`, value: 'carols' }]);
    await mk('alice/p-gw', 'vos:ContainerNode', [{ uri: `${CORE}groupwrite`, value: 'bobs' }]);
  });

  test('anonymous reads a node with core#publicread=true', async () => {
    const r = await get('alice/p-pub');
    expect(r.status).toBe(200);
    expect(nodeDoc(r).uri).toBe(vosUri('alice/p-pub'));
  });

  test('anonymous gets 403 on a private node', async () => {
    expectFault(await get('alice/p-priv'), 403, 'PermissionDenied');
    expectFault(await get('bob'), 403, 'PermissionDenied');
  });

  test('read needs read on every ancestor: a public node inside a private container is out of reach', async () => {
    await mk('bob/closed', 'vos:ContainerNode', [], bob);
    await mk('bob/closed/open', 'vos:DataNode', [{ uri: `${CORE}publicread`, value: 'true' }], bob);
    expectFault(await get('bob/closed/open'), 403, 'PermissionDenied');
    expectFault(await get('bob/closed/open', carol), 403, 'PermissionDenied');
    expect((await get('bob/closed/open', bob)).status).toBe(200);
  });

  test('a listing leaves out the children the caller may not read', async () => {
    // Only this block's nodes: other blocks leave nodes of their own in alice's home.
    const names = async (token?: string) =>
      (nodeDoc(await get('alice', token)).children ?? []).map((c) => c.uri).filter((u) => u.startsWith(vosUri('alice/p-')));
    const all = await names(alice);
    expect(all).toEqual(expect.arrayContaining([vosUri('alice/p-pub'), vosUri('alice/p-priv'), vosUri('alice/p-shared')]));
    expect(await names()).toEqual(all.filter((u) => u === vosUri('alice/p-pub')));
    expect(await names(bob)).toEqual(all.filter((u) => [vosUri('alice/p-pub'), vosUri('alice/p-shared'), vosUri('alice/p-shared-uri'), vosUri('alice/p-gw')].includes(u)));
  });

  test("bob gets 403 reading alice's private node", async () => {
    expectFault(await get('alice/p-priv', bob), 403, 'PermissionDenied');
    expectFault(await get('alice/p-other-group', bob), 403, 'PermissionDenied');
  });

  test('bob reads a node whose core#groupread names one of his groups (by name or by URI)', async () => {
    const r = await get('alice/p-shared', bob);
    expect(r.status).toBe(200);
    expect(nodeDoc(r).type).toBe('vos:ContainerNode');
    expect((await get('alice/p-shared-uri', bob)).status).toBe(200);
    expect((await get('alice/p-other-group', carol)).status).toBe(200);
    expectFault(await get('alice/p-shared', carol), 403, 'PermissionDenied');
  });

  test('groupread does not let bob write', async () => {
    expectFault(await put('alice/p-shared/x', bob, nodeXml(vosUri('alice/p-shared/x'))), 403, 'PermissionDenied');
    expectFault(
      await post('alice/p-shared', bob, nodeXml(vosUri('alice/p-shared'), 'vos:ContainerNode', [{ uri: `${CORE}title`, value: 'bob was here' }])),
      403,
      'PermissionDenied',
    );
  });

  test('bob writes into a container whose core#groupwrite names his group; carol may not', async () => {
    const path = 'alice/p-gw/from-bob';
    const r = await put(path, bob, nodeXml(vosUri(path)));
    expect(r.status).toBe(201);
    expect(nodeDoc(r).props?.get(`${CORE}creator`)?.value).toBe('bob');
    expect((await get(path, bob)).status).toBe(200);
    // Grants are per node: bob's node in alice's container is bob's until he shares it.
    const listed = async (token: string) => (nodeDoc(await get('alice/p-gw', token)).children ?? []).map((c) => c.uri);
    expect(await listed(bob)).toEqual([vosUri(path)]);
    expect(await listed(alice)).toEqual([]);
    expect((await post(path, bob, nodeXml(vosUri(path), 'vos:DataNode', [{ uri: `${CORE}groupread`, value: 'alices' }]))).status).toBe(200);
    expect(await listed(alice)).toEqual([vosUri(path)]);
    expectFault(await put('alice/p-gw/from-carol', carol, nodeXml(vosUri('alice/p-gw/from-carol'))), 403, 'PermissionDenied');
    expectFault(await get('alice/p-gw/from-carol', alice), 404, 'NodeNotFound');
  });

  test('an admin reads anything', async () => {
    expect((await get('alice/p-priv', admin)).status).toBe(200);
  });
});

// ---------------------------------------------------------------- reserved names

describe('reserved names', () => {
  test('.auto: the server picks the name; the answer names it and it is readable', async () => {
    await mk('alice/auto', 'vos:ContainerNode');
    const path = 'alice/auto/.auto';
    const r1 = await put(path, alice, nodeXml(vosUri(path), 'vos:DataNode', [{ uri: `${CORE}title`, value: 'auto one' }]));
    expect(r1.status).toBe(201);
    const d1 = nodeDoc(r1);
    expect(d1.uri).not.toBe(vosUri(path));
    expect(d1.uri.startsWith(`${vosUri('alice/auto')}/`)).toBe(true);
    const name1 = nameOfUri(d1.uri);
    expect(name1).not.toBe('.auto');
    expect(name1).not.toBe('');
    const loc = r1.headers.get('location');
    expect(loc && new URL(loc, t.origin).pathname).toBe(`/vospace/nodes/alice/auto/${encodeURIComponent(name1)}`);

    const back = await get(`alice/auto/${name1}`, alice);
    expect(back.status).toBe(200);
    const b = nodeDoc(back);
    expect(b.uri).toBe(d1.uri);
    expect(b.type).toBe('vos:DataNode');
    expect(b.props?.get(`${CORE}title`)?.value).toBe('auto one');

    const r2 = await put(path, alice, nodeXml(vosUri(path), 'vos:DataNode'));
    expect(r2.status).toBe(201);
    expect(nodeDoc(r2).uri).not.toBe(d1.uri);
    expectFault(await get(path, alice), 404, 'NodeNotFound');
    const names = (nodeDoc(await get('alice/auto', alice)).children ?? []).map((c) => c.uri);
    expect(names.sort()).toEqual([d1.uri, nodeDoc(r2).uri].sort());
  });

  test('.null as a name is 400 InvalidURI', async () => {
    const path = 'alice/.null';
    expectFault(await put(path, alice, nodeXml(vosUri(path), 'vos:DataNode')), 400, 'InvalidURI');
    expectFault(await get(path, alice), 404, 'NodeNotFound');
  });
});
