/**
 * The GraphQL face over real HTTP: queries, paging, the caller, mutations and
 * how faults are reported.
 */
import { CORE, request } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { byteOrder, codes, gql, gqlOk, propMap, type GqlReply, type PropertyOut } from '../helpers/gql';

const NODE = `id path uri name type owner target size md5 busy ctime mtime btime`;
const GET = `query($p: String!) { node(path: $p) { ${NODE} properties { uri value readOnly } } }`;
const CREATE = `mutation($p: String!, $type: NodeKind!, $props: [PropertyInput!], $target: String) {
  createNode(path: $p, type: $type, properties: $props, target: $target) { ${NODE} properties { uri value readOnly } } }`;
const SET = `mutation($p: String!, $props: [PropertyInput!]!) {
  setProperties(path: $p, properties: $props) { path properties { uri value readOnly } } }`;
const DELETE = `mutation($p: String!) { deleteNode(path: $p) }`;
const PAGE = `query($p: String!, $first: Int!, $after: String) { node(path: $p) {
  children(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { name path } } } } }`;
const ME = `{ me { name admin groups } }`;

const KINDS = ['Node', 'DataNode', 'UnstructuredDataNode', 'StructuredDataNode', 'ContainerNode', 'LinkNode'] as const;

let t: TestService;
let alice: string;
let bob: string;
let root: string;

beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice', { groups: ['astro', 'radio'] });
  bob = await t.user('bob');
  root = await t.user('root', { admin: true });
});
afterAll(() => t?.close());

const create = (p: string, type: string = 'ContainerNode', props: { uri: string; value: string | null }[] = [], token = alice, target?: string) =>
  gql(t, CREATE, { p, type, props, target }, token);

async function createOk(p: string, type: string = 'ContainerNode', props: { uri: string; value: string | null }[] = [], token = alice) {
  return (await gqlOk(t, CREATE, { p, type, props }, token)).createNode;
}

/** Creates many nodes in one request (mutations run in order). */
async function createMany(paths: string[], type = 'DataNode', token = alice): Promise<void> {
  const fields = paths.map((p, i) => `n${i}: createNode(path: ${JSON.stringify(p)}, type: ${type}) { id }`).join('\n');
  await gqlOk(t, `mutation { ${fields} }`, {}, token);
}

/** Every page of a container's children, following endCursor. */
async function allPages(svc: TestService, path: string, first: number, token: string) {
  const pages: { names: string[]; cursors: string[]; hasNextPage: boolean; endCursor: string | null; totalCount: number }[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 200; guard++) {
    const d: any = await gqlOk(svc, PAGE, { p: path, first, after }, token);
    const c = d.node.children;
    pages.push({
      names: c.edges.map((e: any) => e.node.name),
      cursors: c.edges.map((e: any) => e.cursor),
      hasNextPage: c.pageInfo.hasNextPage,
      endCursor: c.pageInfo.endCursor,
      totalCount: c.totalCount,
    });
    if (!c.pageInfo.hasNextPage) return pages;
    after = c.pageInfo.endCursor;
  }
  throw new Error('paging did not end after 200 pages');
}

/** A reply carries no stack trace or source location, however the error is shaped. */
function expectNoStack(r: GqlReply<unknown>) {
  expect(r.text).not.toMatch(/stacktrace/i);
  expect(r.text).not.toMatch(/\bat [^"]*\.(?:ts|js):\d+/);
  expect(r.text).not.toMatch(/node_modules|\/src\/|dist\//);
}

function expectFault(r: GqlReply<unknown>, code: string) {
  expect(codes(r)).toEqual([code]);
  expect(r.errors![0].message.startsWith(code)).toBe(true);
  expectNoStack(r);
}

describe('node(path)', () => {
  beforeAll(async () => {
    await createOk('/alice/x', 'DataNode', [{ uri: `${CORE}title`, value: 'X marks' }]);
    await createOk('/alice/a b%c', 'ContainerNode');
  });

  test('finds a node by /path, by path without the slash, and by vos:// URI (with ! or ~)', async () => {
    const forms = ['/alice/x', 'alice/x', t.uri('alice/x'), 'vos://example.org~vospace/alice/x', '//alice//x/'];
    const found = await Promise.all(forms.map(async (p) => (await gqlOk(t, GET, { p }, alice)).node));
    for (const n of found) {
      expect(n).toMatchObject({
        path: '/alice/x',
        uri: 'vos://example.org!vospace/alice/x',
        name: 'x',
        type: 'DataNode',
        owner: 'alice',
        target: null,
        size: 0,
        busy: false,
      });
      expect(n.id).toBe(found[0].id);
    }
  });

  test('a name with a space and a percent: plain path takes it as is, the URI percent-encoded', async () => {
    const plain = (await gqlOk(t, GET, { p: '/alice/a b%c' }, alice)).node;
    expect(plain).toMatchObject({ name: 'a b%c', path: '/alice/a b%c', uri: 'vos://example.org!vospace/alice/a%20b%25c' });
    const byUri = (await gqlOk(t, GET, { p: plain.uri }, alice)).node;
    expect(byUri.id).toBe(plain.id);
  });

  test('the root is readable by anyone', async () => {
    const n = (await gqlOk(t, GET, { p: '/' }, null)).node;
    expect(n).toMatchObject({ path: '/', type: 'ContainerNode', name: '', uri: 'vos://example.org!vospace' });
  });

  test('null, without an error, for a node that is not there', async () => {
    for (const p of ['/alice/nope', 'alice/nope/deeper', t.uri('alice/nope'), '/nobody']) {
      const r = await gql(t, GET, { p }, alice);
      expect(r.status).toBe(200);
      expect(r.errors).toBeUndefined();
      expect(r.data).toEqual({ node: null });
    }
  });
});

describe('properties', () => {
  test('stored properties are writable, computed ones are readOnly and agree with the node fields', async () => {
    const made = await createOk('/alice/props', 'DataNode', [
      { uri: `${CORE}title`, value: 'A title' },
      { uri: 'ivo://example.org/p#colour', value: 'blue' },
    ]);
    const n = (await gqlOk(t, GET, { p: '/alice/props' }, alice)).node;
    expect(n.properties).toEqual(made.properties);
    const props = propMap(n.properties as PropertyOut[]);
    expect(props[`${CORE}title`]).toEqual({ value: 'A title', readOnly: false });
    expect(props['ivo://example.org/p#colour']).toEqual({ value: 'blue', readOnly: false });
    expect(props[`${CORE}length`]).toEqual({ value: '0', readOnly: true });
    expect(props[`${CORE}creator`]).toEqual({ value: 'alice', readOnly: true });
    for (const [name, field] of [['ctime', 'ctime'], ['mtime', 'mtime'], ['btime', 'btime'], ['date', 'mtime']]) {
      expect(props[`${CORE}${name}`]).toEqual({ value: new Date(n[field]).toISOString(), readOnly: true });
    }
    // Each property appears once.
    const uris = (n.properties as PropertyOut[]).map((p) => p.uri);
    expect(new Set(uris).size).toBe(uris.length);
  });
});

describe('children', () => {
  // Byte order puts upper case, digits and punctuation in an order JavaScript's default sort agrees with for ASCII;
  // non-ASCII names check that the cursor round-trips UTF-8.
  const NAMES = [
    ...Array.from({ length: 17 }, (_, i) => `c${String(i).padStart(3, '0')}`),
    'A', 'Z', 'a-b', 'a_b', 'a.b', '0', 'é', 'ü', '日本', '%41', 'x y', '~',
  ];

  beforeAll(async () => {
    await createOk('/alice/many');
    await createMany(NAMES.map((n) => `/alice/many/${n}`));
  });

  test.each([1, 5, 7, 29, 100])('pages of %i cover every child exactly once, in name order', async (first) => {
    const pages = await allPages(t, '/alice/many', first, alice);
    const names = pages.flatMap((p) => p.names);
    expect(names).toEqual([...NAMES].sort(byteOrder));
    expect(pages).toHaveLength(Math.ceil(NAMES.length / first));
    pages.forEach((p, i) => {
      const last = i === pages.length - 1;
      expect(p.totalCount).toBe(NAMES.length);
      expect(p.names.length).toBe(last ? NAMES.length - first * i : first);
      expect(p.hasNextPage).toBe(!last);
      expect(p.endCursor).toBe(p.cursors[p.cursors.length - 1]);
    });
  });

  test('an edge cursor resumes right after that child', async () => {
    const sorted = [...NAMES].sort(byteOrder);
    const all = (await gqlOk(t, PAGE, { p: '/alice/many', first: 100 }, alice)).node.children;
    const cursor = all.edges[9].cursor;
    const rest = (await gqlOk(t, PAGE, { p: '/alice/many', first: 3, after: cursor }, alice)).node.children;
    expect(rest.edges.map((e: any) => e.node.name)).toEqual(sorted.slice(10, 13));
    expect(rest.edges.map((e: any) => e.node.path)).toEqual(sorted.slice(10, 13).map((n) => `/alice/many/${n}`));
  });

  test('the same listing through REST has the same order', async () => {
    const rest = await request('GET', `${t.base}/nodes/alice/many?detail=min`, { token: alice });
    expect(rest.status).toBe(200);
    const restNames = [...rest.text.matchAll(/<vos:node uri="vos:\/\/example\.org!vospace\/alice\/many\/([^"]+)"/g)].map((m) =>
      decodeURIComponent(m[1]),
    );
    const gqlNames = (await gqlOk(t, PAGE, { p: '/alice/many', first: 100 }, alice)).node.children.edges.map((e: any) => e.node.name);
    expect(gqlNames).toEqual(restNames);
  });

  test('a page after the last child is empty and says so', async () => {
    const sorted = [...NAMES].sort(byteOrder);
    const all = (await gqlOk(t, PAGE, { p: '/alice/many', first: 100 }, alice)).node.children;
    const c = (await gqlOk(t, PAGE, { p: '/alice/many', first: 5, after: all.edges[sorted.length - 1].cursor }, alice)).node.children;
    expect(c.edges).toEqual([]);
    expect(c.pageInfo).toEqual({ hasNextPage: false, endCursor: null });
    expect(c.totalCount).toBe(NAMES.length);
  });

  test('a data node and an empty container have no children', async () => {
    await createOk('/alice/empty');
    for (const p of ['/alice/many/c000', '/alice/empty']) {
      const c = (await gqlOk(t, PAGE, { p, first: 10 }, alice)).node.children;
      expect(c).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
    }
  });

  describe('with max_children smaller than the page asked for', () => {
    let small: TestService;
    let carol: string;
    const KIDS = Array.from({ length: 12 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    beforeAll(async () => {
      small = await startTestService({ parameters: { max_children: 5 } });
      carol = await small.user('carol');
      await gqlOk(small, `mutation { createNode(path: "/carol/d") { id } }`, {}, carol);
      const fields = KIDS.map((k, i) => `n${i}: createNode(path: "/carol/d/${k}", type: DataNode) { id }`).join('\n');
      await gqlOk(small, `mutation { ${fields} }`, {}, carol);
    });
    afterAll(() => small?.close());

    test.each([4, 5, 6, 50])('pages asked as first=%i still cover every child exactly once', async (first) => {
      const pages = await allPages(small, '/carol/d', first, carol);
      expect(pages.flatMap((p) => p.names)).toEqual(KIDS);
      for (const p of pages) {
        expect(p.names.length).toBeLessThanOrEqual(5);
        expect(p.totalCount).toBe(KIDS.length);
      }
    });
  });
});

describe('grants, canRead and canWrite', () => {
  const Q = `query($p: String!) { node(path: $p) { grants { owner groupRead groupWrite public } canRead canWrite
    children(first: 10) { edges { node { name canRead canWrite } } } } }`;

  test('a node shows who may read and write it, and what the caller may do', async () => {
    // alice opens her home (read needs read on every ancestor) and shares inside it.
    await gqlOk(t, SET, { p: '/alice', props: [{ uri: `${CORE}publicread`, value: 'true' }] }, alice);
    await createOk('/alice/g', 'ContainerNode', [
      { uri: `${CORE}groupread`, value: 'radio ivo://example.org/gms?optical' },
      { uri: `${CORE}groupwrite`, value: 'astro' },
      { uri: `${CORE}publicread`, value: 'true' },
    ]);
    await createOk('/alice/g/mine', 'DataNode');
    await createOk('/alice/g/open', 'DataNode', [{ uri: `${CORE}ispublic`, value: 'true' }]);
    const mine = (await gqlOk(t, Q, { p: '/alice/g' }, alice)).node;
    expect(mine.grants).toEqual({ owner: 'alice', groupRead: ['radio', 'ivo://example.org/gms?optical'], groupWrite: ['astro'], public: true });
    expect([mine.canRead, mine.canWrite]).toEqual([true, true]);
    expect(mine.children.edges.map((e: any) => [e.node.name, e.node.canRead, e.node.canWrite])).toEqual([
      ['mine', true, true],
      ['open', true, true],
    ]);
    // bob reads the public container and its public child, writes neither, and does not see alice's private child.
    const seen = (await gqlOk(t, Q, { p: '/alice/g' }, bob)).node;
    expect([seen.canRead, seen.canWrite]).toEqual([true, false]);
    expect(seen.children.edges.map((e: any) => [e.node.name, e.node.canRead, e.node.canWrite])).toEqual([['open', true, false]]);
    const anon = (await gqlOk(t, Q, { p: '/alice/g/open' }, null)).node;
    expect(anon.grants).toEqual({ owner: 'alice', groupRead: [], groupWrite: [], public: true });
    expect([anon.canRead, anon.canWrite]).toEqual([true, false]);
    await gqlOk(t, SET, { p: '/alice', props: [{ uri: `${CORE}publicread`, value: null }] }, alice);
    expect((await gql(t, Q, { p: '/alice/g/open' }, null)).data).toEqual({ node: null });
  });
});

describe('me', () => {
  test('null when anonymous', async () => {
    const r = await gql(t, ME, {}, null);
    expect(r.status).toBe(200);
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ me: null });
  });

  test('name, admin and groups of the token holder', async () => {
    expect((await gqlOk(t, ME, {}, alice)).me).toEqual({ name: 'alice', admin: false, groups: ['astro', 'radio'] });
    expect((await gqlOk(t, ME, {}, bob)).me).toEqual({ name: 'bob', admin: false, groups: [] });
    expect((await gqlOk(t, ME, {}, root)).me).toEqual({ name: 'root', admin: true, groups: [] });
  });
});

describe('mutations', () => {
  beforeAll(async () => {
    await createOk('/alice/kinds');
  });

  test.each(KINDS.filter((k) => k !== 'LinkNode'))('createNode makes a %s', async (kind) => {
    const made = await createOk(`/alice/kinds/${kind}`, kind);
    expect(made).toMatchObject({ path: `/alice/kinds/${kind}`, name: kind, type: kind, owner: 'alice', target: null });
    const n = (await gqlOk(t, GET, { p: `/alice/kinds/${kind}` }, alice)).node;
    expect(n).toMatchObject({ id: made.id, type: kind });
  });

  test('createNode makes a LinkNode with its target', async () => {
    const target = t.uri('alice/kinds/DataNode');
    const r = await create('/alice/kinds/link', 'LinkNode', [], alice, target);
    expect(r.errors).toBeUndefined();
    expect(r.data!.createNode).toMatchObject({ type: 'LinkNode', target });
    const ext = await create('/alice/kinds/web', 'LinkNode', [], alice, 'https://example.com/a?b=c');
    expect(ext.data!.createNode).toMatchObject({ type: 'LinkNode', target: 'https://example.com/a?b=c' });
    expect((await gqlOk(t, GET, { p: '/alice/kinds/link' }, alice)).node.target).toBe(target);
  });

  test('a LinkNode without a target is InvalidArgument, and nothing is made', async () => {
    expectFault(await create('/alice/kinds/nolink', 'LinkNode'), 'InvalidArgument');
    expect((await gqlOk(t, GET, { p: '/alice/kinds/nolink' }, alice)).node).toBeNull();
  });

  test('createNode by vos:// URI, with ContainerNode as the default type', async () => {
    const d = await gqlOk(t, `mutation($p: String!) { createNode(path: $p) { path type } }`, { p: t.uri('alice/kinds/byuri') }, alice);
    expect(d.createNode).toEqual({ path: '/alice/kinds/byuri', type: 'ContainerNode' });
  });

  test('setProperties merges, and a null value deletes', async () => {
    const A = 'ivo://example.org/p#a';
    const B = 'ivo://example.org/p#b';
    const C = 'ivo://example.org/p#c';
    await createOk('/alice/merge', 'DataNode', [
      { uri: A, value: '1' },
      { uri: B, value: '2' },
    ]);
    const user = (props: PropertyOut[]) => propMap(props.filter((p) => p.uri.startsWith('ivo://example.org/')));

    const s1 = (await gqlOk(t, SET, { p: '/alice/merge', props: [{ uri: B, value: '3' }, { uri: C, value: '4' }] }, alice)).setProperties;
    const want1 = { [A]: { value: '1', readOnly: false }, [B]: { value: '3', readOnly: false }, [C]: { value: '4', readOnly: false } };
    expect(user(s1.properties)).toEqual(want1);
    expect(user((await gqlOk(t, GET, { p: '/alice/merge' }, alice)).node.properties)).toEqual(want1);

    const s2 = (await gqlOk(t, SET, { p: '/alice/merge', props: [{ uri: A, value: null }] }, alice)).setProperties;
    const want2 = { [B]: { value: '3', readOnly: false }, [C]: { value: '4', readOnly: false } };
    expect(user(s2.properties)).toEqual(want2);
    expect(user((await gqlOk(t, GET, { p: '/alice/merge' }, alice)).node.properties)).toEqual(want2);

    // Deleting one that is not there is not an error.
    const s3 = (await gqlOk(t, SET, { p: '/alice/merge', props: [{ uri: A, value: null }] }, alice)).setProperties;
    expect(user(s3.properties)).toEqual(want2);
  });

  test('deleteNode removes the node and everything below it', async () => {
    await createOk('/alice/tree');
    await createOk('/alice/tree/sub');
    await createOk('/alice/tree/sub/leaf', 'DataNode', [{ uri: `${CORE}title`, value: 't' }]);
    await createOk('/alice/tree/f', 'DataNode');
    await createOk('/alice/treehouse', 'DataNode'); // a sibling whose name starts the same stays
    const before = (await gqlOk(t, PAGE, { p: '/alice', first: 1 }, alice)).node.children.totalCount;

    expect(await gqlOk(t, DELETE, { p: '/alice/tree' }, alice)).toEqual({ deleteNode: true });

    for (const p of ['/alice/tree', '/alice/tree/sub', '/alice/tree/sub/leaf', '/alice/tree/f']) {
      expect((await gqlOk(t, GET, { p }, alice)).node).toBeNull();
    }
    expect((await request('GET', `${t.base}/nodes/alice/tree/sub/leaf`, { token: alice })).status).toBe(404);
    expect((await gqlOk(t, GET, { p: '/alice/treehouse' }, alice)).node).not.toBeNull();
    expect((await gqlOk(t, PAGE, { p: '/alice', first: 1 }, alice)).node.children.totalCount).toBe(before - 1);
    // The name is free again.
    expect((await createOk('/alice/tree', 'DataNode')).type).toBe('DataNode');
  });

  test('deleting a node that is not there is NodeNotFound', async () => {
    expectFault(await gql(t, DELETE, { p: '/alice/never' }, alice), 'NodeNotFound');
  });
});

describe('errors', () => {
  beforeAll(async () => {
    await createOk('/alice/err', 'DataNode');
  });

  test('DuplicateNode for a node that exists', async () => {
    const r = await create('/alice/err', 'DataNode');
    expectFault(r, 'DuplicateNode');
    expect(r.data).toBeNull();
    expect(r.errors![0].message).toContain('vos://example.org!vospace/alice/err');
    expectFault(await create('/', 'ContainerNode', [], root), 'DuplicateNode');
  });

  test('PermissionDenied when an anonymous caller writes', async () => {
    expectFault(await create('/alice/anon', 'DataNode', [], null as unknown as string), 'PermissionDenied');
    expectFault(await create('/anon', 'ContainerNode', [], null as unknown as string), 'PermissionDenied');
    expectFault(await gql(t, SET, { p: '/alice/err', props: [{ uri: `${CORE}title`, value: 'x' }] }, null), 'PermissionDenied');
    expectFault(await gql(t, DELETE, { p: '/alice/err' }, null), 'PermissionDenied');
    expect((await gqlOk(t, GET, { p: '/alice/anon' }, alice)).node).toBeNull();
    expect((await gqlOk(t, GET, { p: '/alice/err' }, alice)).node).not.toBeNull();
  });

  test('PermissionDenied when the owner sets core#length (computed), on create or later', async () => {
    expectFault(await gql(t, SET, { p: '/alice/err', props: [{ uri: `${CORE}length`, value: '12345' }] }, alice), 'PermissionDenied');
    expectFault(await gql(t, SET, { p: '/alice/err', props: [{ uri: `${CORE}length`, value: null }] }, alice), 'PermissionDenied');
    expectFault(await create('/alice/len', 'DataNode', [{ uri: `${CORE}length`, value: '7' }]), 'PermissionDenied');
    const n = (await gqlOk(t, GET, { p: '/alice/err' }, alice)).node;
    expect(propMap(n.properties)[`${CORE}length`]).toEqual({ value: '0', readOnly: true });
    expect((await gqlOk(t, GET, { p: '/alice/len' }, alice)).node).toBeNull();
  });

  test.each(['MD5', 'ctime', 'mtime', 'btime', 'date', 'creator', 'availableSpace'])(
    'PermissionDenied for a user setting computed core#%s, on create or later; nothing changes',
    async (name) => {
      const uri = `${CORE}${name}`;
      expectFault(await gql(t, SET, { p: '/alice/err', props: [{ uri, value: 'x' }] }, alice), 'PermissionDenied');
      expectFault(await create(`/alice/computed-${name}`, 'DataNode', [{ uri, value: 'x' }]), 'PermissionDenied');
      expect((await gqlOk(t, GET, { p: `/alice/computed-${name}` }, alice)).node).toBeNull();
    },
  );

  test('core#quota is an administrator’s: a user gets PermissionDenied on create and on set, an admin sets it', async () => {
    const quota = [{ uri: `${CORE}quota`, value: '1000' }];
    expectFault(await create('/alice/q-create', 'ContainerNode', quota), 'PermissionDenied');
    expect((await gqlOk(t, GET, { p: '/alice/q-create' }, alice)).node).toBeNull();
    await createOk('/alice/q');
    expectFault(await gql(t, SET, { p: '/alice/q', props: quota }, alice), 'PermissionDenied');
    expect(propMap((await gqlOk(t, GET, { p: '/alice/q' }, alice)).node.properties)[`${CORE}quota`]).toBeUndefined();
    await gqlOk(t, SET, { p: '/alice/q', props: quota }, root);
    expect(propMap((await gqlOk(t, GET, { p: '/alice/q' }, alice)).node.properties)[`${CORE}quota`]?.value).toBe('1000');
    expectFault(await gql(t, SET, { p: '/alice/q', props: [{ uri: `${CORE}quota`, value: null }] }, alice), 'PermissionDenied');
  });

  test('ContainerNotFound when the parent is missing or not a container', async () => {
    const r = await create('/alice/nope/x', 'DataNode');
    expectFault(r, 'ContainerNotFound');
    expect(r.errors![0].message).toContain('vos://example.org!vospace/alice/nope');
    expectFault(await create('/alice/err/x', 'DataNode'), 'ContainerNotFound');
  });

  test("InvalidURI for a path with '..' or '.', or a URI of another space", async () => {
    expectFault(await create('/alice/../bob/x', 'DataNode'), 'InvalidURI');
    expectFault(await create('/alice/..', 'DataNode'), 'InvalidURI');
    expectFault(await gql(t, GET, { p: '/alice/../alice/err' }, alice), 'InvalidURI');
    expectFault(await gql(t, GET, { p: 'alice/./err' }, alice), 'InvalidURI');
    expectFault(await gql(t, GET, { p: 'vos://elsewhere.org!vospace/alice/err' }, alice), 'InvalidURI');
    expectFault(await gql(t, SET, { p: '/alice/err/..', props: [] }, alice), 'InvalidURI');
    expectFault(await gql(t, DELETE, { p: '/alice/..' }, alice), 'InvalidURI');
    expect((await gqlOk(t, GET, { p: '/bob/x' }, bob)).node).toBeNull();
  });

  test('a private node of another user reads as null, exactly as a missing one', async () => {
    for (const who of [bob, null]) {
      const hidden = await gql(t, GET, { p: '/alice/err' }, who);
      const missing = await gql(t, GET, { p: '/alice/no-such-node' }, who);
      expect(hidden.text).toBe(missing.text);
      expect(hidden.data).toEqual({ node: null });
    }
  });

  test('a query the schema rejects carries no stack trace either', async () => {
    const r = await gql(t, `{ node(path: "/") { noSuchField } }`, {}, alice);
    expect(r.status).toBe(400);
    expect(codes(r)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expectNoStack(r);
  });

  // A body that never reaches GraphQL is still answered as GraphQL, with a fault code and no stack trace
  // (the codes are those the REST facade gives the same failures: src/http/faults.ts toFault).
  test.each([
    ['malformed JSON', '{"query": "{ me { name } }"', 400, 'InvalidArgument'],
    ['a body over max_xml_bytes', JSON.stringify({ query: '{ me { name } }' }) + ' '.repeat(2 * 1024 * 1024), 413, 'RequestTooLarge'],
  ])('%s: HTTP error, JSON errors with a fault code, no stack trace', async (_what, body, status, code) => {
    const r = await request('POST', `${t.origin}/graphql`, { token: alice, headers: { 'content-type': 'application/json' }, body });
    expect(r.status).toBe(status);
    expectNoStack({ status: r.status, text: r.text, data: undefined, errors: undefined });
    expect(r.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    const errors = JSON.parse(r.text).errors as { extensions?: { code?: string } }[];
    expect(errors.map((e) => e.extensions?.code)).toEqual([code]);
  });

  test('an invalid token is HTTP 401 with code InvalidToken', async () => {
    for (const headers of [{ authorization: 'Bearer vos_not-a-real-token' }, { authorization: 'Basic YWxpY2U6cHc=' }]) {
      const r = await gql(t, ME, {}, null, headers);
      expect(r.status).toBe(401);
      expect(codes(r)).toEqual(['InvalidToken']);
      expect(r.data ?? null).toBeNull();
      expectNoStack(r);
    }
    // A valid token next to it still works.
    expect((await gqlOk(t, ME, {}, alice)).me.name).toBe('alice');
  });
});
