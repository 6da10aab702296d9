/**
 * DataLoader acceptance: how many SQL statements one GraphQL request costs.
 * Listing N children with their properties, or the children of M containers,
 * must take a small constant number of statements, the same for N = 10 and
 * N = 100 (and M = 3 and M = 20): no N+1.
 */
import type { TestService } from '../helpers/service';
import { startWithUsers } from '../helpers/users';
import { gqlOk } from '../helpers/gql';

const P1 = 'ivo://example.org/count#one';
const P2 = 'ivo://example.org/count#two';

let t: TestService;
let alice: string;

beforeAll(async () => ({ t, tokens: { alice } } = await startWithUsers({ alice: {} })));
afterAll(() => t?.close());

const childName = (i: number) => `child${String(i).padStart(3, '0')}`;

/** A container with `n` data nodes under it, each with two user properties; all in one request. */
async function containerWithChildren(path: string, n: number): Promise<void> {
  const fields = [`c: createNode(path: ${JSON.stringify(path)}) { id }`];
  for (let i = 0; i < n; i++) {
    const name = childName(i);
    fields.push(
      `n${i}: createNode(path: ${JSON.stringify(`${path}/${name}`)}, type: DataNode, properties: [` +
        `{uri: "${P1}", value: "${name}-1"}, {uri: "${P2}", value: "${name}-2"}]) { id }`,
    );
  }
  await gqlOk(t, `mutation { ${fields.join('\n')} }`, {}, alice);
}

/** A container holding `m` containers, each holding `k` data nodes with two properties. */
async function containerOfContainers(path: string, m: number, k: number): Promise<void> {
  const fields = [`c: createNode(path: ${JSON.stringify(path)}) { id }`];
  for (let j = 0; j < m; j++) {
    const dir = `${path}/dir${String(j).padStart(2, '0')}`;
    fields.push(`d${j}: createNode(path: ${JSON.stringify(dir)}) { id }`);
    for (let i = 0; i < k; i++) {
      fields.push(
        `n${j}_${i}: createNode(path: ${JSON.stringify(`${dir}/${childName(i)}`)}, type: DataNode, properties: [` +
          `{uri: "${P1}", value: "${j}-${i}-1"}, {uri: "${P2}", value: "${j}-${i}-2"}]) { id }`,
      );
    }
  }
  await gqlOk(t, `mutation { ${fields.join('\n')} }`, {}, alice);
}

/**
 * Runs one GraphQL request and returns its data and the SQL statements the
 * service ran for it. A `me` query just before puts the caller's token in the
 * authenticator's cache afresh (a hit does not extend an entry), so its lookup
 * is not counted in one run and not the other.
 */
async function counted<T = any>(query: string, variables: Record<string, unknown>): Promise<{ data: T; sql: string[] }> {
  t.running.svc.tokens.forget();
  await gqlOk(t, `{ me { name } }`, {}, alice);
  const sql: string[] = [];
  const listen = (q: { sql: string }) => sql.push(q.sql);
  const db = t.running.svc.db;
  db.on('query', listen);
  try {
    const data = await gqlOk<T>(t, query, variables, alice);
    return { data, sql };
  } finally {
    db.removeListener('query', listen);
  }
}

const CHILDREN_WITH_PROPERTIES = `query($p: String!) { node(path: $p) { path
  children(first: 1000) { totalCount pageInfo { hasNextPage } edges { node { name type owner properties { uri value readOnly } } } } } }`;

// Pages small enough for graphql_max_cost: 1000 × 1000 would be refused before it ran.
const CHILDREN_OF_CHILDREN = `query($p: String!) { node(path: $p) {
  children(first: 100) { totalCount edges { node { name
    children(first: 10) { totalCount edges { node { name properties { uri value } } } } } } } } }`;

describe('one request, a constant number of SQL statements', () => {
  beforeAll(async () => {
    await containerWithChildren('/alice/c10', 10);
    await containerWithChildren('/alice/c100', 100);
    await containerOfContainers('/alice/m3', 3, 3);
    await containerOfContainers('/alice/m20', 20, 3);
  });

  function checkChildren(data: any, n: number) {
    const c = data.node.children;
    expect(c.totalCount).toBe(n);
    expect(c.pageInfo.hasNextPage).toBe(false);
    expect(c.edges.map((e: any) => e.node.name)).toEqual(Array.from({ length: n }, (_, i) => childName(i)));
    for (const { node } of c.edges) {
      const props = Object.fromEntries(node.properties.map((p: any) => [p.uri, p]));
      expect(node.type).toBe('DataNode');
      expect(node.owner).toBe('alice');
      expect(props[P1]).toEqual({ uri: P1, value: `${node.name}-1`, readOnly: false });
      expect(props[P2]).toEqual({ uri: P2, value: `${node.name}-2`, readOnly: false });
      expect(props['ivo://ivoa.net/vospace/core#length']).toEqual({ uri: 'ivo://ivoa.net/vospace/core#length', value: '0', readOnly: true });
    }
  }

  test('100 children with their properties and totalCount: as many statements as for 10', async () => {
    const small = await counted(CHILDREN_WITH_PROPERTIES, { p: '/alice/c10' });
    const big = await counted(CHILDREN_WITH_PROPERTIES, { p: '/alice/c100' });
    checkChildren(small.data, 10);
    checkChildren(big.data, 100);
    // The listener sees the node, its children and their count at least: it is really counting.
    expect(big.sql.length).toBeGreaterThanOrEqual(3);
    expect(big.sql.length).toBeLessThanOrEqual(6);
    expect(big.sql).toHaveLength(small.sql.length);
  });

  test('the children of 20 sibling containers in one request: as many statements as for 3', async () => {
    const small = await counted(CHILDREN_OF_CHILDREN, { p: '/alice/m3' });
    const big = await counted(CHILDREN_OF_CHILDREN, { p: '/alice/m20' });
    for (const [res, m] of [[small, 3], [big, 20]] as const) {
      const c = (res.data as any).node.children;
      expect(c.totalCount).toBe(m);
      expect(c.edges).toHaveLength(m);
      c.edges.forEach((e: any, j: number) => {
        expect(e.node.name).toBe(`dir${String(j).padStart(2, '0')}`);
        expect(e.node.children.totalCount).toBe(3);
        expect(e.node.children.edges.map((x: any) => x.node.name)).toEqual([childName(0), childName(1), childName(2)]);
        for (const [i, x] of e.node.children.edges.entries()) {
          expect(x.node.properties).toEqual(expect.arrayContaining([{ uri: P1, value: `${j}-${i}-1` }, { uri: P2, value: `${j}-${i}-2` }]));
        }
      });
    }
    expect(big.sql.length).toBeGreaterThanOrEqual(5);
    expect(big.sql.length).toBeLessThanOrEqual(6);
    expect(big.sql).toHaveLength(small.sql.length);
  });

  test('paging through the 100 children: each page costs the same', async () => {
    const PAGE = `query($p: String!, $after: String) { node(path: $p) {
      children(first: 25, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { name properties { uri value } } } } } }`;
    const counts: number[] = [];
    const names: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 4; i++) {
      const { data, sql }: { data: any; sql: string[] } = await counted(PAGE, { p: '/alice/c100', after });
      const c: any = data.node.children;
      names.push(...c.edges.map((e: any) => e.node.name));
      counts.push(sql.length);
      expect(c.pageInfo.hasNextPage).toBe(i < 3);
      after = c.pageInfo.endCursor;
    }
    expect(names).toEqual(Array.from({ length: 100 }, (_, i) => childName(i)));
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBeLessThanOrEqual(6);
  });
});
