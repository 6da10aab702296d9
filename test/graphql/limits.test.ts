/**
 * GraphQL limits over real HTTP and graphql-ws: depth, cost (a page of a
 * list costs its size times its selection), aliases, tokens, fragment cycles
 * and explosions, introspection, batches, persisted queries and body size.
 * A refused operation is a 400 with a GraphQL error and a code, runs no SQL
 * and changes nothing; the service answers normally afterwards.
 */
import { getIntrospectionQuery } from 'graphql';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { CORE, request } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { codes, gql, gqlOk, type GqlReply } from '../helpers/gql';

let t: TestService;
let alice: string;

const P = 'ivo://example.org/limits#tag';

beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice');
  // A container of 100 data nodes, each with a property, and one sub-container of 3: what a portal lists.
  const kids = Array.from({ length: 100 }, (_, i) => `k${String(i).padStart(3, '0')}`);
  const fields = kids.map((k, i) => `n${i}: createNode(path: "/alice/portal/${k}", type: DataNode, properties: [{uri: "${P}", value: "${k}"}]) { id }`);
  await gqlOk(t, `mutation { c: createNode(path: "/alice/portal") { id } ${fields.join('\n')} }`, {}, alice);
  await gqlOk(t, `mutation { a: createNode(path: "/alice/tree") { id } b: createNode(path: "/alice/tree/sub") { id }
    c: createNode(path: "/alice/tree/sub/x", type: DataNode) { id } }`, {}, alice);
});
afterAll(() => t?.close());

// After every test, whatever it sent: the service still answers a plain query.
afterEach(async () => {
  const r = await gql(t, '{ me { name } }', {}, alice);
  expect({ status: r.status, data: r.data }).toEqual({ status: 200, data: { me: { name: 'alice' } } });
});

/** Runs `f` and returns the SQL statements the service ran meanwhile (the token is looked up first, so it is cached). */
async function sqlDuring(svc: TestService, token: string, f: () => Promise<unknown>): Promise<string[]> {
  // A fresh cache entry for the token (a hit does not extend one), so its lookup is not among the SQL counted.
  svc.running.svc.tokens.forget();
  await gqlOk(svc, '{ me { name } }', {}, token);
  const sql: string[] = [];
  const listen = (q: { sql: string }) => sql.push(q.sql);
  svc.running.svc.db.on('query', listen);
  try {
    await f();
  } finally {
    svc.running.svc.db.removeListener('query', listen);
  }
  return sql;
}

/** A refusal: 400, no data, one error with the code, a message matching `message`, and no SQL run for it. */
async function expectRefused(
  query: string,
  variables: Record<string, unknown>,
  code: string,
  message: RegExp,
  svc: TestService = t,
  token: string = alice,
): Promise<GqlReply<unknown>> {
  let r!: GqlReply<unknown>;
  const sql = await sqlDuring(svc, token, async () => {
    r = await gql(svc, query, variables, token);
  });
  expect({ status: r.status, data: r.data ?? null }).toEqual({ status: 400, data: null });
  expect(codes(r).length).toBeGreaterThan(0);
  expect(new Set(codes(r))).toEqual(new Set([code]));
  expect(r.errors![0].message).toMatch(message);
  expect(r.text).not.toMatch(/stacktrace|at .*\.js/);
  expect(sql).toEqual([]);
  return r;
}

/** `levels` nested pages of children below /alice/tree, ending with `leaf`. */
function nested(levels: number, first: number | string, leaf = 'name'): string {
  let inner = leaf;
  for (let i = 0; i < levels; i++) inner = `children(first: ${first}) { edges { node { ${inner} } } }`;
  return inner;
}

const PORTAL = `query($p: String!, $first: Int!) { node(path: $p) { uri name type owner
  properties { uri value readOnly }
  children(first: $first) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { name type owner size busy mtime properties { uri value readOnly } } } } } }`;

describe('a legitimate portal query passes with the defaults', () => {
  test('a container, its first 100 children with their properties and owners', async () => {
    const d = await gqlOk(t, PORTAL, { p: '/alice/portal', first: 100 }, alice);
    const c = d.node.children;
    expect(c.totalCount).toBe(100);
    expect(c.edges).toHaveLength(100);
    expect(c.pageInfo.hasNextPage).toBe(false);
    for (const e of c.edges) {
      expect(e.node.owner).toBe('alice');
      expect(e.node.properties).toEqual(expect.arrayContaining([{ uri: P, value: e.node.name, readOnly: false }]));
      expect(e.node.properties).toEqual(expect.arrayContaining([{ uri: `${CORE}length`, value: '0', readOnly: true }]));
    }
  });

  test('two levels of pages, the second small, and a query exactly at the default depth of 12', async () => {
    const two = `{ node(path: "/alice/tree") { ${nested(2, 10, 'name properties { uri value }')} } }`;
    expect((await gqlOk(t, two, {}, alice)).node.children.edges[0].node.children.edges[0].node.name).toBe('x');
    // node 1, then (children, edges, node) ×3 = 10, then children 11, totalCount 12.
    const twelve = `{ node(path: "/") { ${nested(3, 1, 'children(first: 1) { totalCount }')} } }`;
    expect((await gql(t, twelve, {}, alice)).status).toBe(200);
  });

  test('the full introspection query (as GraphiQL sends it) passes with the defaults', async () => {
    const d = await gqlOk(t, getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }), {}, null);
    expect(d.__schema.queryType.name).toBe('Query');
  });
});

describe('depth', () => {
  test('13 levels is refused, naming the limit', async () => {
    const thirteen = `{ node(path: "/") { ${nested(3, 1, 'children(first: 1) { pageInfo { hasNextPage } }')} } }`;
    await expectRefused(thirteen, {}, 'GRAPHQL_VALIDATION_FAILED', /depth limit of 12 exceeded, found 13.*graphql_max_depth/);
  });

  test('a 240-level query bomb is refused', async () => {
    await expectRefused(`{ node(path: "/alice") { ${nested(80, 1)} } }`, {}, 'GRAPHQL_VALIDATION_FAILED', /depth limit of 12 exceeded/);
  });

  test('depth hidden in a chain of 40 fragments is refused', async () => {
    const frags = Array.from({ length: 40 }, (_, i) =>
      i === 39 ? `fragment F${i} on Node { name }` : `fragment F${i} on Node { children(first: 1) { edges { node { ...F${i + 1} } } } }`,
    );
    await expectRefused(`{ node(path: "/alice") { ...F0 } } ${frags.join('\n')}`, {}, 'GRAPHQL_VALIDATION_FAILED', /depth limit of 12 exceeded/);
  });

  test.each([
    ['braces', (n: number) => `{${'a{'.repeat(n)}b${'}'.repeat(n)}}`],
    ['lists in an argument', (n: number) => `{ node(path: ${'['.repeat(n)}"/"${']'.repeat(n)}) { name } }`],
    ['objects in a variable default', (n: number) => `query($v: String = ${'{a: '.repeat(n)}1${'}'.repeat(n)}) { me { name } }`],
  ])('100 000 nested %s are refused before parsing, not by a stack overflow; 250 levels reach the parser', async (_label, make) => {
    for (const n of [100_000, 2000, 257]) {
      const r = await expectRefused(make(n), {}, 'GRAPHQL_PARSE_FAILED', /nests brackets more than 256 deep/);
      expect(r.errors).toHaveLength(1);
    }
    const ok = await gql(t, make(250), {}, alice);
    expect(ok.status).toBe(400);
    expect(ok.errors![0].message).not.toMatch(/nests brackets|call stack/);
  });
});

describe('cost', () => {
  const BOMB = `{ node(path: "/alice/tree") { ${nested(2, 1000)} } }`;

  test('children(first: 1000) of children(first: 1000) is refused before it runs', async () => {
    const r = await expectRefused(BOMB, {}, 'GRAPHQL_VALIDATION_FAILED', /estimated cost \d+ is over the limit of 50000 \(graphql_max_cost/);
    expect(r.errors![0].extensions).toMatchObject({ limit: 50000 });
    expect(r.errors![0].extensions!.cost as number).toBeGreaterThan(1_000_000);
  });

  test('the same sizes given as variables are refused too', async () => {
    const q = `query($a: Int!, $b: Int!) { node(path: "/alice/tree") { children(first: $a) { edges { node { children(first: $b) { edges { node { name } } } } } } } }`;
    await expectRefused(q, { a: 1000, b: 1000 }, 'GRAPHQL_VALIDATION_FAILED', /over the limit of 50000/);
    expect((await gql(t, q, { a: 10, b: 10 }, alice)).status).toBe(200);
  });

  test('three levels of default pages (100 each) are refused', async () => {
    await expectRefused(`{ node(path: "/alice/tree") { ${nested(3, 100)} } }`, {}, 'GRAPHQL_VALIDATION_FAILED', /over the limit/);
  });

  test('jobs(first: 1000) under many aliases adds up', async () => {
    const fields = Array.from({ length: 60 }, (_, i) => `j${i}: jobs(first: 1000) { edges { node { id phase target } } }`).join(' ');
    await expectRefused(`{ ${fields} }`, {}, 'GRAPHQL_VALIDATION_FAILED', /over the limit/);
  });

  test('a costly mutation is refused whole: the node is not made', async () => {
    const m = `mutation { createNode(path: "/alice/bomb") { ${nested(2, 1000)} } }`;
    await expectRefused(m, {}, 'GRAPHQL_VALIDATION_FAILED', /over the limit/);
    expect((await gqlOk(t, '{ node(path: "/alice/bomb") { name } }', {}, alice)).node).toBeNull();
  });

  test('a fragment spread 2^40 times is refused quickly (the estimate stops counting)', async () => {
    const frags = ['fragment F0 on Node { name properties { uri } }'];
    for (let i = 1; i <= 40; i++) frags.push(`fragment F${i} on Node { ...F${i - 1} ...F${i - 1} }`);
    const started = Date.now();
    await expectRefused(`{ node(path: "/alice") { ...F40 } } ${frags.join('\n')}`, {}, 'GRAPHQL_VALIDATION_FAILED', /more than 20000 fields/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('a page size that is not an Int is a 400 BAD_USER_INPUT, never a 5xx', async () => {
    const q = `query($n: Int!) { node(path: "/alice/portal") { children(first: $n) { totalCount } } }`;
    for (const n of ['many', 1e12, null, -1.5]) {
      const r = await gql(t, q, { n }, alice);
      expect({ n, status: r.status, codes: codes(r) }).toEqual({ n, status: 400, codes: ['BAD_USER_INPUT'] });
    }
    const missing = await gql(t, q, {}, alice);
    expect(missing.status).toBe(400);
  });

  test('an operationName that names nothing is a 4xx, never a 5xx', async () => {
    const r = await request('POST', `${t.origin}/graphql`, {
      token: alice,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query A { me { name } } query B { me { admin } }', operationName: 'C' }),
    });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).data ?? null).toBeNull();
  });
});

describe('width', () => {
  test('1001 aliases are refused; 1000 pass', async () => {
    const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ');
    await expectRefused(`{ ${aliases(1001)} }`, {}, 'GRAPHQL_VALIDATION_FAILED', /more than 1000 aliases/);
    expect(Object.keys((await gqlOk(t, `{ ${aliases(1000)} }`, {}, alice)) as object)).toHaveLength(1000);
  });

  test('5000 aliased node lookups (an alias bomb) are refused before any lookup', async () => {
    const fields = Array.from({ length: 5000 }, (_, i) => `n${i}: node(path: "/alice") { name }`).join(' ');
    // Refused by the parser's token limit before the alias rule counts them.
    const r = await expectRefused(`{ ${fields} }`, {}, 'GRAPHQL_PARSE_FAILED', /more tha. 10000 tokens/);
    expect(r.errors).toHaveLength(1);
  });

  test('9000 copies of one field answer quickly', async () => {
    const started = Date.now();
    const r = await gql(t, `{ node(path: "/alice") { ${'name '.repeat(9000)} } }`, {}, alice);
    expect(r.status).toBeLessThan(500);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('fragment cycles', () => {
  test.each([
    ['a fragment that spreads itself', `{ node(path: "/alice") { ...A } } fragment A on Node { name ...A }`],
    ['two fragments that spread each other', `{ node(path: "/alice") { ...A } } fragment A on Node { children { edges { node { ...B } } } } fragment B on Node { ...A }`],
    ['a cycle through three, below a list', `{ node(path: "/alice") { ...A } } fragment A on Node { ...B } fragment B on Node { children(first: 1000) { edges { node { ...C } } } } fragment C on Node { ...A }`],
  ])('%s is refused', async (_label, q) => {
    const r = await expectRefused(q, {}, 'GRAPHQL_VALIDATION_FAILED', /Cannot spread fragment "\w" within itself/);
    expect(r.errors!.every((e) => e.extensions?.code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
  });
});

describe('what one request may carry', () => {
  test('a batch (a JSON array of operations) is refused: one operation per request', async () => {
    const body = JSON.stringify([{ query: '{ me { name } }' }, { query: 'mutation { createNode(path: "/alice/batched") { id } }' }]);
    const r = await request('POST', `${t.origin}/graphql`, { token: alice, headers: { 'content-type': 'application/json' }, body });
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/batching disabled/i);
    expect((await gqlOk(t, '{ node(path: "/alice/batched") { name } }', {}, alice)).node).toBeNull();
  });

  test('automatic persisted queries are off: a hash is not looked up or stored, and the client is told to send the query', async () => {
    const hashOnly = await request('POST', `${t.origin}/graphql`, {
      token: alice,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }),
    });
    // Status 200 is the APQ protocol's: Apollo clients then fall back to sending the whole query.
    expect(hashOnly.status).toBe(200);
    expect(JSON.parse(hashOnly.text).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
  });

  test('a body over max_xml_bytes (1 MiB) is a 413 with a GraphQL-shaped error', async () => {
    const body = JSON.stringify({ query: '{ me { name } }', variables: { pad: 'x'.repeat(1024 * 1024) } });
    const r = await request('POST', `${t.origin}/graphql`, { token: alice, headers: { 'content-type': 'application/json' }, body });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.text).errors[0].extensions.code).toBe('RequestTooLarge');
  });

  test('a body that is not JSON is a 400', async () => {
    const r = await request('POST', `${t.origin}/graphql`, { token: alice, headers: { 'content-type': 'application/json' }, body: '{"query": "{ me' });
    expect(r.status).toBe(400);
  });
});

describe('introspection', () => {
  test('on by default', async () => {
    expect((await gqlOk(t, '{ __type(name: "Node") { name } }', {}, null)).__type.name).toBe('Node');
  });

  describe('graphql_introspection = false, with smaller depth and cost limits', () => {
    let off: TestService;
    let bob: string;
    beforeAll(async () => {
      off = await startTestService({ parameters: { graphql_introspection: false, graphql_max_depth: 5, graphql_max_cost: 300 } });
      bob = await off.user('bob');
      await gqlOk(off, 'mutation { a: createNode(path: "/bob/d") { id } b: createNode(path: "/bob/d/x", type: DataNode) { id } }', {}, bob);
    });
    afterAll(() => off?.close());

    test.each([
      ['__schema', '{ __schema { queryType { name } } }'],
      ['__type', '{ __type(name: "Node") { name fields { name } } }'],
      ['the full introspection query', getIntrospectionQuery()],
    ])('%s is refused', async (_label, q) => {
      await expectRefused(q, {}, 'GRAPHQL_VALIDATION_FAILED', /introspection has been disabled/, off, bob);
    });

    test('__typename and ordinary queries still work', async () => {
      const d = await gqlOk(off, '{ __typename node(path: "/bob/d") { __typename name children(first: 10) { edges { node { name } } } } }', {}, bob);
      expect(d).toEqual({ __typename: 'Query', node: { __typename: 'Node', name: 'd', children: { edges: [{ node: { name: 'x' } }] } } });
    });

    test('the configured depth (5) and cost (300) apply', async () => {
      await expectRefused('{ node(path: "/bob/d") { children { edges { node { children { totalCount } } } } } }', {}, 'GRAPHQL_VALIDATION_FAILED', /depth limit of 5 exceeded, found 6/, off, bob);
      await expectRefused('{ node(path: "/bob/d") { children { edges { node { name } } } } }', {}, 'GRAPHQL_VALIDATION_FAILED', /over the limit of 300/, off, bob);
      expect((await gql(off, '{ node(path: "/bob/d") { children(first: 50) { edges { node { name } } } } }', {}, bob)).status).toBe(200);
    });
  });
});

// ---------------------------------------------------------------- graphql-ws

describe('the same limits over graphql-ws', () => {
  let client: Client;
  beforeAll(() => {
    client = createClient({ url: `${t.origin.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${alice}` } });
  });
  afterAll(() => client?.dispose());

  /** One operation over the shared connection: its results, or the errors it was refused with. */
  function run(query: string, variables: Record<string, unknown> = {}): Promise<{ results: FormattedExecutionResult<any, any>[]; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
    return new Promise((resolve, reject) => {
      const results: FormattedExecutionResult<any, any>[] = [];
      client.subscribe(
        { query, variables },
        {
          next: (r) => void results.push(r),
          error: (e) => (Array.isArray(e) ? resolve({ results, errors: e }) : reject(e)),
          complete: () => resolve({ results }),
        },
      );
    });
  }

  const refusedOverWs = async (query: string, code: string, message: RegExp, variables: Record<string, unknown> = {}) => {
    const sql = await sqlDuring(t, alice, async () => {
      const r = await run(query, variables);
      expect(r.results).toEqual([]);
      expect(r.errors?.[0].extensions?.code).toBe(code);
      expect(r.errors?.[0].message).toMatch(message);
    });
    expect(sql).toEqual([]);
  };

  test('a legitimate query runs', async () => {
    const r = await run(PORTAL, { p: '/alice/portal', first: 100 });
    expect((r.results[0].data as any).node.children.edges).toHaveLength(100);
  });

  test('depth, cost, aliases, tokens, cycles are refused, and the connection stays usable', async () => {
    await refusedOverWs(`{ node(path: "/") { ${nested(5, 1)} } }`, 'GRAPHQL_VALIDATION_FAILED', /depth limit of 12/);
    await refusedOverWs(`{ node(path: "/alice/tree") { ${nested(2, 1000)} } }`, 'GRAPHQL_VALIDATION_FAILED', /over the limit of 50000/);
    await refusedOverWs(
      `query($a: Int!) { node(path: "/alice/tree") { children(first: $a) { edges { node { children(first: $a) { edges { node { name } } } } } } } }`,
      'GRAPHQL_VALIDATION_FAILED',
      /over the limit/,
      { a: 5000 },
    );
    await refusedOverWs(`{ ${Array.from({ length: 1001 }, (_, i) => `a${i}: __typename`).join(' ')} }`, 'GRAPHQL_VALIDATION_FAILED', /more than 1000 aliases/);
    await refusedOverWs(`{${'a{'.repeat(20_000)}b${'}'.repeat(20_000)}}`, 'GRAPHQL_PARSE_FAILED', /nests brackets more than 256 deep/);
    await refusedOverWs(`{ ${'__typename '.repeat(10_001)}}`, 'GRAPHQL_PARSE_FAILED', /more tha. 10000 tokens/);
    await refusedOverWs('{ node(path: "/alice") { ...A } } fragment A on Node { ...A }', 'GRAPHQL_VALIDATION_FAILED', /within itself/);
    await refusedOverWs('{ nope }', 'GRAPHQL_VALIDATION_FAILED', /Cannot query field "nope"/);
    await refusedOverWs('query($n: Int!) { node(path: "/alice") { children(first: $n) { totalCount } } }', 'BAD_USER_INPUT', /Int cannot represent/, { n: 'x' });
    await refusedOverWs('{ me { name ', 'GRAPHQL_PARSE_FAILED', /Syntax Error/);
    const after = await run('{ me { name } }');
    expect(after.results).toEqual([{ data: { me: { name: 'alice' } } }]);
  });

  test('a subscription is checked the same way', async () => {
    await refusedOverWs(`subscription { jobPhase(id: "x") { id ${Array.from({ length: 1001 }, (_, i) => `p${i}: phase`).join(' ')} } }`, 'GRAPHQL_VALIDATION_FAILED', /aliases/);
  });

  test('introspection is refused over graphql-ws when it is off', async () => {
    const off = await startTestService({ parameters: { graphql_introspection: false } });
    const ws = createClient({ url: `${off.origin.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const errors = await new Promise<any[]>((resolve, reject) =>
        ws.subscribe({ query: '{ __schema { types { name } } }' }, { next: () => reject(new Error('answered')), error: (e) => resolve(e as any[]), complete: () => reject(new Error('completed')) }),
      );
      expect(errors[0].message).toMatch(/introspection has been disabled/);
      expect(errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    } finally {
      await ws.dispose();
      await off.close();
    }
  });
});
