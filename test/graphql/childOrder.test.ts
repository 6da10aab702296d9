/**
 * Children in name, size and mtime order, ascending and descending, paged
 * through cursors (keyset: each page goes on right after the last child of
 * the one before). Ties in size and mtime are broken by the name, in the
 * same direction; mtimes a microsecond apart inside one millisecond are told
 * apart (a Date would round them together). A cursor made in one order is
 * refused in another. Checked with the default policy (SQL-filtered pages,
 * batched by the loaders) and with a policy that filters child by child.
 */
import { defaultPolicy, type Policy } from '../../src/auth/policy';
import { startTestService, type TestService } from '../helpers/service';
import { byteOrder, codes, gql, gqlOk } from '../helpers/gql';

const PAGE = `query($p: String!, $first: Int!, $after: String, $order: ChildOrder!, $desc: Boolean!) { node(path: $p) {
  children(first: $first, after: $after, orderBy: $order, descending: $desc) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { name size mtime type } } } } }`;

const ORDERS = ['NAME', 'SIZE', 'MTIME'] as const;
type Order = (typeof ORDERS)[number];

/**
 * The children made below, with the size and mtime each is given: sizes
 * with ties (and containers and links at 0), mtimes with ties and with
 * microseconds apart inside one millisecond.
 */
const DATA: { name: string; size: number; mtime: string }[] = [
  { name: 'a', size: 300, mtime: '2026-01-01T00:00:00.000300Z' },
  { name: 'b', size: 100, mtime: '2026-01-01T00:00:00.000100Z' },
  { name: 'c', size: 300, mtime: '2026-01-01T00:00:00.000100Z' },
  { name: 'd', size: 0, mtime: '2026-01-01T00:00:00.000200Z' },
  { name: 'e', size: 5_000_000_000, mtime: '2025-06-01T12:00:00.000000Z' },
  { name: 'É', size: 100, mtime: '2026-01-01T00:00:00.000999Z' },
  { name: 'f g', size: 300, mtime: '2026-01-01T00:00:00.001000Z' },
  { name: 'B', size: 7, mtime: '2026-01-01T00:00:00.000100Z' },
  { name: 'z', size: 1, mtime: '2027-01-01T00:00:00.000000Z' },
];
const CONTAINERS = [{ name: 'sub', mtime: '2026-01-01T00:00:00.000100Z' }];
const LINKS = [{ name: 'link', mtime: '2026-01-01T00:00:00.000500Z' }];

interface Child {
  name: string;
  size: number;
  /** As set, to the microsecond. */
  mtime: string;
}

const ALL: Child[] = [...DATA, ...CONTAINERS.map((c) => ({ ...c, size: 0 })), ...LINKS.map((l) => ({ ...l, size: 0 }))];

/** The order the service must give: by the key, then the name in byte order, all reversed when descending. */
function expected(order: Order, descending: boolean): string[] {
  const key = (c: Child) => (order === 'SIZE' ? c.size : order === 'MTIME' ? c.mtime : 0);
  const sorted = [...ALL].sort((x, y) => {
    const kx = key(x);
    const ky = key(y);
    if (kx !== ky) return kx < ky ? -1 : 1;
    return byteOrder(x.name, y.name);
  });
  return (descending ? sorted.reverse() : sorted).map((c) => c.name);
}

async function makeChildren(t: TestService, token: string, dir: string): Promise<void> {
  const fields = [`d: createNode(path: ${JSON.stringify(dir)}) { id }`];
  DATA.forEach((c, i) => fields.push(`n${i}: createNode(path: ${JSON.stringify(`${dir}/${c.name}`)}, type: DataNode) { id }`));
  CONTAINERS.forEach((c, i) => fields.push(`c${i}: createNode(path: ${JSON.stringify(`${dir}/${c.name}`)}) { id }`));
  LINKS.forEach((c, i) => fields.push(`l${i}: createNode(path: ${JSON.stringify(`${dir}/${c.name}`)}, type: LinkNode, target: "http://example.org/") { id }`));
  await gqlOk(t, `mutation { ${fields.join('\n')} }`, {}, token);
  // Sizes and exact mtimes cannot be chosen through the API (bytes set the size, the clock the mtime): set them in the database.
  const db = t.running.svc.db;
  const prefix = dir.replace(/^\//, '');
  for (const c of ALL) {
    await db('nodes').where('path', `${prefix}/${c.name}`).update({ size: c.size, mtime: db.raw('?::timestamptz', [c.mtime]) });
  }
}

/** Every child of `dir` in `order`, `first` at a time; also returns each page's names. */
async function walk(t: TestService, token: string, dir: string, order: Order, desc: boolean, first: number) {
  const names: string[] = [];
  const pages: string[][] = [];
  let after: string | null = null;
  for (let i = 0; i < 50; i++) {
    const c: any = (await gqlOk(t, PAGE, { p: dir, first, after, order, desc }, token)).node.children;
    expect(c.totalCount).toBe(ALL.length);
    const page = c.edges.map((e: any) => e.node.name);
    pages.push(page);
    names.push(...page);
    if (c.edges.length) expect(c.pageInfo.endCursor).toBe(c.edges[c.edges.length - 1].cursor);
    if (!c.pageInfo.hasNextPage) return { names, pages };
    after = c.pageInfo.endCursor;
  }
  throw new Error('paging did not end');
}

function suite(label: string, policy?: Policy) {
  describe(label, () => {
    let t: TestService;
    let alice: string;

    beforeAll(async () => {
      t = await startTestService({ policy });
      alice = await t.user('alice');
      await makeChildren(t, alice, '/alice/sorted');
    });
    afterAll(() => t?.close());

    test.each(ORDERS.flatMap((o) => [[o, false], [o, true]] as const))('%s descending=%s: whole and in pages of 1, 2 and 4', async (order, desc) => {
      const want = expected(order, desc);
      const whole = await walk(t, alice, '/alice/sorted', order, desc, 100);
      expect(whole.pages).toEqual([want]);
      for (const first of [1, 2, 4]) {
        const paged = await walk(t, alice, '/alice/sorted', order, desc, first);
        expect(paged.names).toEqual(want);
        expect(paged.pages.every((p) => p.length <= first)).toBe(true);
      }
    });

    test('sizes and mtimes are what was set: containers and links at 0, mtimes to the millisecond as a Date shows them', async () => {
      const c = (await gqlOk(t, PAGE, { p: '/alice/sorted', first: 100, after: null, order: 'NAME', desc: false }, alice)).node.children;
      const got = Object.fromEntries(c.edges.map((e: any) => [e.node.name, { size: e.node.size, mtime: e.node.mtime }]));
      for (const ch of ALL) expect(got[ch.name]).toEqual({ size: ch.size, mtime: `${ch.mtime.slice(0, 23)}Z` });
      expect(c.edges.find((e: any) => e.node.name === 'sub').node.type).toBe('ContainerNode');
    });

    test('a cursor from one order (or direction) given to another is InvalidArgument', async () => {
      const bySize = (await gqlOk(t, PAGE, { p: '/alice/sorted', first: 2, after: null, order: 'SIZE', desc: false }, alice)).node.children;
      const byName = (await gqlOk(t, PAGE, { p: '/alice/sorted', first: 2, after: null, order: 'NAME', desc: false }, alice)).node.children;
      const cases: [string, Order, boolean][] = [
        [bySize.pageInfo.endCursor, 'NAME', false],
        [bySize.pageInfo.endCursor, 'MTIME', false],
        [bySize.pageInfo.endCursor, 'SIZE', true],
        [byName.pageInfo.endCursor, 'SIZE', false],
        [byName.pageInfo.endCursor, 'NAME', true],
      ];
      for (const [after, order, desc] of cases) {
        const r = await gql(t, PAGE, { p: '/alice/sorted', first: 2, after, order, desc }, alice);
        expect({ codes: codes(r), data: r.data }).toEqual({ codes: ['InvalidArgument'], data: { node: null } });
        expect(r.errors![0].message).toMatch(/this cursor is from children in .* order/);
      }
    });

    test('a cursor not made here is InvalidArgument, not a server error', async () => {
      const enc = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8').toString('base64url');
      const bad: [string, Order][] = [
        ['%%%', 'NAME'],
        [enc('plain text'), 'NAME'],
        [enc({ name: 'a' }), 'NAME'],
        [enc(['name', 'a', 'b']), 'NAME'],
        [enc(['size', 'abc', 'a']), 'SIZE'],
        [enc(['size', '99999999999999999999', 'a']), 'SIZE'],
        [enc(['size', 5, 'a']), 'SIZE'],
        [enc(['mtime', '2026-02-31T00:00:00.000000Z', 'a']), 'MTIME'],
        [enc(['mtime', '0000-01-01T00:00:00.000000Z', 'a']), 'MTIME'],
        [enc(['mtime', '2026-01-01 00:00:00', 'a']), 'MTIME'],
        [enc(['mtime', '2026-01-01T00:00:00.000000Z']), 'MTIME'],
      ];
      for (const [after, order] of bad) {
        const r = await gql(t, PAGE, { p: '/alice/sorted', first: 2, after, order, desc: false }, alice);
        expect({ after, codes: codes(r), data: r.data }).toEqual({ after, codes: ['InvalidArgument'], data: { node: null } });
      }
    });

    test('a hand-made cursor in the right shape pages on from that position, even for a child that is not there', async () => {
      const enc = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');
      const r = await gqlOk(t, PAGE, { p: '/alice/sorted', first: 100, after: enc(['size', '100', 'bb']), order: 'SIZE', desc: false }, alice);
      const want = expected('SIZE', false);
      expect(r.node.children.edges.map((e: any) => e.node.name)).toEqual(want.slice(want.indexOf('É')));
    });

    test('the children of several containers in one request, each in its own order', async () => {
      await gqlOk(t, `mutation { a: createNode(path: "/alice/two") { id } b: createNode(path: "/alice/two/x", type: DataNode) { id } }`, {}, alice);
      const q = `{ s: node(path: "/alice/sorted") { children(first: 3, orderBy: SIZE, descending: true) { edges { node { name } } } }
        n: node(path: "/alice/sorted") { children(first: 3) { edges { node { name } } } }
        two: node(path: "/alice/two") { children(first: 3, orderBy: SIZE, descending: true) { edges { node { name } } } } }`;
      const r = await gqlOk(t, q, {}, alice);
      expect(r.s.children.edges.map((e: any) => e.node.name)).toEqual(expected('SIZE', true).slice(0, 3));
      expect(r.n.children.edges.map((e: any) => e.node.name)).toEqual(expected('NAME', false).slice(0, 3));
      expect(r.two.children.edges.map((e: any) => e.node.name)).toEqual(['x']);
    });
  });
}

suite('default policy (pages filtered in SQL, batched)');

/** The default rules without readableSql: children are filtered one by one through permits(). */
const nodeByNode: Policy = { permits: defaultPolicy.permits };
suite('a policy without readableSql (pages filtered child by child)', nodeByNode);

describe('what a caller cannot read is left out of every order', () => {
  let t: TestService;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    t = await startTestService();
    alice = await t.user('alice');
    bob = await t.user('bob', { groups: ['team'] });
    await makeChildren(t, alice, '/alice/sorted');
    const open = ['a', 'c', 'É', 'z'];
    const share = `{uri: "ivo://ivoa.net/vospace/core#groupread", value: "team"}`;
    const fields = ['/alice', '/alice/sorted', ...open.map((n) => `/alice/sorted/${n}`)].map(
      (p, i) => `s${i}: setProperties(path: ${JSON.stringify(p)}, properties: [${share}]) { path }`,
    );
    await gqlOk(t, `mutation { ${fields.join('\n')} }`, {}, alice);
  });
  afterAll(() => t?.close());

  test.each(ORDERS.flatMap((o) => [[o, false], [o, true]] as const))('%s descending=%s, a page of 1 at a time', async (order, desc) => {
    const visible = new Set(['a', 'c', 'É', 'z']);
    const want = expected(order, desc).filter((n) => visible.has(n));
    const names: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const c: any = (await gqlOk(t, PAGE, { p: '/alice/sorted', first: 1, after, order, desc }, bob)).node.children;
      expect(c.totalCount).toBe(4);
      names.push(...c.edges.map((e: any) => e.node.name));
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    expect(names).toEqual(want);
  });
});
