/**
 * What the portal's browse view asks of GraphQL, over real HTTP: a node's
 * ancestors (for breadcrumbs), the quota that binds it and the bytes under
 * it, a push whose declared length is checked against quotas at negotiation,
 * and the whole browse query: how many SQL statements it costs (few, and the
 * same whatever the page size) and that the cost limits let it through.
 */
import { randomBytes } from 'node:crypto';
import { CORE } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { push } from '../helpers/client';
import { codes, gql, gqlOk } from '../helpers/gql';

const QUOTA = `${CORE}quota`;
const SPACE = `${CORE}availableSpace`;
const HTTPPUT = `${CORE}httpput`;

let t: TestService;
let alice: string;
let bob: string;
let carol: string;
let root: string;

beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice');
  bob = await t.user('bob', { groups: ['team'] });
  carol = await t.user('carol');
  root = await t.user('root', { admin: true });
  await gqlOk(
    t,
    `mutation {
      q: createNode(path: "/alice/q") { id }
      inner: createNode(path: "/alice/q/inner") { id }
      other: createNode(path: "/alice/q/other", type: DataNode, properties: [{ uri: "ivo://example.org/x#note", value: "abcd" }]) { id }
      free: createNode(path: "/alice/free") { id }
      deep: createNode(path: "/alice/free/a") { id }
      deeper: createNode(path: "/alice/free/a/b") { id }
    }`,
    {},
    alice,
  );
  await gqlOk(
    t,
    `mutation {
      q: setProperties(path: "/alice/q", properties: [{ uri: "${QUOTA}", value: "10000" }]) { path }
      inner: setProperties(path: "/alice/q/inner", properties: [{ uri: "${QUOTA}", value: "500" }]) { path }
    }`,
    {},
    root,
  );
  await push(t, alice, 'alice/q/inner/f.bin', randomBytes(300));
});
afterAll(() => t?.close());

const QUOTA_OF = `query($p: String!) { node(path: $p) { path quota { path limit used } properties { uri value } } }`;

describe('quota', () => {
  async function quotaOf(p: string, token = alice) {
    return (await gqlOk(t, QUOTA_OF, { p }, token)).node;
  }

  test('a container with its own quota: that one, and used as quotas count it (data bytes and property bytes below, the nested quota value not counted)', async () => {
    const n = await quotaOf('/alice/q');
    expect(n.quota).toEqual({ path: '/alice/q', limit: 10000, used: 300 + 4 });
    const space = n.properties.find((p: any) => p.uri === SPACE)?.value;
    expect(Number(space)).toBe(n.quota.limit - n.quota.used);
  });

  test('nested quotas: the nearest binds', async () => {
    expect((await quotaOf('/alice/q/inner')).quota).toEqual({ path: '/alice/q/inner', limit: 500, used: 300 });
    expect((await quotaOf('/alice/q/inner/f.bin')).quota).toEqual({ path: '/alice/q/inner', limit: 500, used: 300 });
    expect((await quotaOf('/alice/q/other')).quota).toEqual({ path: '/alice/q', limit: 10000, used: 304 });
  });

  test('no quota above: null, for the root too', async () => {
    expect((await quotaOf('/alice/free/a/b')).quota).toBeNull();
    expect((await quotaOf('/alice')).quota).toBeNull();
    expect((await quotaOf('/')).quota).toBeNull();
  });

  test('on the root, a quota binds everything, and its path is /', async () => {
    const setRoot = (value: string | null) => gqlOk(t, `mutation($v: String) { setProperties(path: "/", properties: [{ uri: "${QUOTA}", value: $v }]) { path } }`, { v: value }, root);
    await setRoot('1000000');
    try {
      const n = await quotaOf('/alice/free/a', root);
      expect(n.quota.path).toBe('/');
      expect(n.quota.limit).toBe(1000000);
      expect(Number(n.properties.find((p: any) => p.uri === SPACE)?.value)).toBe(n.quota.limit - n.quota.used);
      expect((await quotaOf('/alice/q/inner')).quota.path).toBe('/alice/q/inner');
    } finally {
      await setRoot(null);
    }
  });

  test('the quota of each child in one request, as for one', async () => {
    const r = await gqlOk(t, `{ node(path: "/alice/q") { children { edges { node { name quota { path used } } } } } }`, {}, alice);
    expect(Object.fromEntries(r.node.children.edges.map((e: any) => [e.node.name, e.node.quota]))).toEqual({
      inner: { path: '/alice/q/inner', used: 300 },
      other: { path: '/alice/q', used: 304 },
    });
  });

  test('whoever can read the node sees it; whoever cannot sees no node', async () => {
    expect((await gqlOk(t, QUOTA_OF, { p: '/alice/q/inner' }, bob)).node).toBeNull();
    const share = (p: string, value: string | null) =>
      gqlOk(t, `mutation($p: String!, $v: String) { setProperties(path: $p, properties: [{ uri: "${CORE}groupread", value: $v }]) { path } }`, { p, v: value }, alice);
    for (const p of ['/alice', '/alice/q', '/alice/q/inner']) await share(p, 'team');
    try {
      expect((await quotaOf('/alice/q/inner', bob)).quota).toEqual({ path: '/alice/q/inner', limit: 500, used: 300 });
      expect((await gqlOk(t, QUOTA_OF, { p: '/alice/q/inner' }, carol)).node).toBeNull();
    } finally {
      for (const p of ['/alice', '/alice/q', '/alice/q/inner']) await share(p, null);
    }
  });
});

describe('ancestors', () => {
  const ANC = `query($p: String!) { node(path: $p) { path ancestors { path name type grants { owner groupRead public } canWrite } } }`;

  test('from the root’s child down to the parent, with their grants; [] for the root and top-level nodes', async () => {
    const n = (await gqlOk(t, ANC, { p: '/alice/free/a/b' }, alice)).node;
    expect(n.ancestors).toEqual([
      { path: '/alice', name: 'alice', type: 'ContainerNode', grants: { owner: 'alice', groupRead: [], public: false }, canWrite: true },
      { path: '/alice/free', name: 'free', type: 'ContainerNode', grants: { owner: 'alice', groupRead: [], public: false }, canWrite: true },
      { path: '/alice/free/a', name: 'a', type: 'ContainerNode', grants: { owner: 'alice', groupRead: [], public: false }, canWrite: true },
    ]);
    expect((await gqlOk(t, ANC, { p: '/alice' }, alice)).node.ancestors).toEqual([]);
    expect((await gqlOk(t, ANC, { p: '/' }, alice)).node.ancestors).toEqual([]);
  });

  test('as another reader sees them: the grants that let it read, canWrite false', async () => {
    await gqlOk(
      t,
      `mutation { a: setProperties(path: "/alice", properties: [{ uri: "${CORE}groupread", value: "team" }]) { path }
        b: setProperties(path: "/alice/free", properties: [{ uri: "${CORE}publicread", value: "true" }]) { path }
        c: setProperties(path: "/alice/free/a", properties: [{ uri: "${CORE}groupread", value: "team" }]) { path } }`,
      {},
      alice,
    );
    try {
      const n = (await gqlOk(t, ANC, { p: '/alice/free/a' }, bob)).node;
      expect(n.ancestors).toEqual([
        { path: '/alice', name: 'alice', type: 'ContainerNode', grants: { owner: 'alice', groupRead: ['team'], public: false }, canWrite: false },
        { path: '/alice/free', name: 'free', type: 'ContainerNode', grants: { owner: 'alice', groupRead: [], public: true }, canWrite: false },
      ]);
      // carol is not in team: /alice is closed to her, so the node is not there for her.
      expect((await gqlOk(t, ANC, { p: '/alice/free/a' }, carol)).node).toBeNull();
    } finally {
      await gqlOk(
        t,
        `mutation { a: setProperties(path: "/alice", properties: [{ uri: "${CORE}groupread", value: null }]) { path }
          b: setProperties(path: "/alice/free", properties: [{ uri: "${CORE}publicread", value: null }]) { path }
          c: setProperties(path: "/alice/free/a", properties: [{ uri: "${CORE}groupread", value: null }]) { path } }`,
        {},
        alice,
      );
    }
  });

  test('of children and of a node just made', async () => {
    const r = await gqlOk(t, `{ node(path: "/alice/free") { children { edges { node { path ancestors { path } } } } } }`, {}, alice);
    expect(r.node.children.edges).toEqual([{ node: { path: '/alice/free/a', ancestors: [{ path: '/alice' }, { path: '/alice/free' }] } }]);
    const made = await gqlOk(t, `mutation { createNode(path: "/alice/free/a/b/c") { ancestors { path } } }`, {}, alice);
    expect(made.createNode.ancestors.map((a: any) => a.path)).toEqual(['/alice', '/alice/free', '/alice/free/a', '/alice/free/a/b']);
  });
});

describe('negotiateTransfer(length)', () => {
  const NEGOTIATE = `mutation($target: String!, $length: Float) {
    negotiateTransfer(target: $target, direction: "pushToVoSpace", protocols: ["${HTTPPUT}"], length: $length) {
      id phase protocols { endpoint } error { fault message } } }`;
  const negotiate = async (path: string, length: number | null) => (await gqlOk(t, NEGOTIATE, { target: t.uri(path), length }, alice)).negotiateTransfer;
  const exists = async (path: string) => (await gqlOk(t, `query($p: String!) { node(path: $p) { path } }`, { p: path }, alice)).node !== null;

  test('over the room the quotas leave: refused at negotiation (ERROR QuotaExceeded, no endpoint, no node made)', async () => {
    // /alice/q/inner holds 300 of its 500.
    const job = await negotiate('alice/q/inner/big.bin', 201);
    expect(job.phase).toBe('ERROR');
    expect(job.error.fault).toBe('QuotaExceeded');
    expect(job.error.message).toMatch(/declared length 201 does not fit/);
    expect(job.protocols).toEqual([]);
    expect(await exists('/alice/q/inner/big.bin')).toBe(false);
  });

  test('replacing a file counts the difference only', async () => {
    expect((await negotiate('alice/q/inner/f.bin', 501)).error?.fault).toBe('QuotaExceeded');
    const ok = await negotiate('alice/q/inner/f.bin', 500);
    expect(ok.phase).toBe('EXECUTING');
    await gqlOk(t, `mutation($id: String!) { abortJob(id: $id) { phase } }`, { id: ok.id }, alice);
  });

  test('within the room: endpoints, and the bytes go up', async () => {
    const job = await negotiate('alice/q/inner/fits.bin', 200);
    expect(job.phase).toBe('EXECUTING');
    expect(job.protocols.length).toBeGreaterThan(0);
    const res = await fetch(job.protocols[0].endpoint, { method: 'PUT', body: new Uint8Array(randomBytes(200)) });
    expect(res.status).toBe(201);
    const q = (await gqlOk(t, QUOTA_OF, { p: '/alice/q/inner' }, alice)).node.quota;
    expect(q.used).toBe(500);
  });

  test('without a quota any length goes; without length nothing is checked at negotiation', async () => {
    expect((await negotiate('alice/free/huge.bin', 2 ** 50)).phase).toBe('EXECUTING');
    expect((await negotiate('alice/q/inner/nolength.bin', null)).phase).toBe('EXECUTING');
  });

  test('a length that is not a whole number of bytes is InvalidArgument', async () => {
    for (const length of [1.5, -1, 1e21]) {
      const job = await negotiate('alice/free/bad.bin', length);
      expect({ length, phase: job.phase, fault: job.error?.fault }).toEqual({ length, phase: 'ERROR', fault: 'InvalidArgument' });
    }
    const r = await gql(t, NEGOTIATE, { target: t.uri('alice/free/bad.bin'), length: 'ten' }, alice);
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('the browse query', () => {
  const BROWSE = `query($p: String!, $first: Int!, $order: ChildOrder!, $desc: Boolean!) {
    me { name admin groups }
    node(path: $p) { path name type owner size mtime grants { owner groupRead groupWrite public } canWrite
      ancestors { path name } quota { limit used path }
      children(first: $first, orderBy: $order, descending: $desc) { totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { name path type size mtime owner md5 busy target grants { owner groupRead groupWrite public } } } } } }`;

  beforeAll(async () => {
    // 600 children under a quota, readable by the group team; bob browses as a member, alice as the owner.
    await gqlOk(t, `mutation { createNode(path: "/alice/q/big", properties: [{ uri: "${CORE}groupread", value: "team" }]) { id } }`, {}, alice);
    // In mutations of 150 (a document holds at most 10 000 tokens).
    for (let from = 0; from < 600; from += 150) {
      const fields: string[] = [];
      for (let i = from; i < from + 150; i++) {
        const props = i % 2 ? `[{ uri: "${CORE}groupread", value: "team" }]` : '[]';
        fields.push(`n${i}: createNode(path: "/alice/q/big/f${String(i).padStart(3, '0')}", type: DataNode, properties: ${props}) { id }`);
      }
      await gqlOk(t, `mutation { ${fields.join('\n')} }`, {}, alice);
    }
    await gqlOk(
      t,
      `mutation { a: setProperties(path: "/alice", properties: [{ uri: "${CORE}groupread", value: "team" }]) { path }
        b: setProperties(path: "/alice/q", properties: [{ uri: "${CORE}groupread", value: "team" }]) { path } }`,
      {},
      alice,
    );
  });

  /**
   * The browse query's data and the SQL statements the service ran for it.
   * A `me` query just before puts the caller's token in the cache afresh, so
   * its lookup is counted in no run.
   */
  async function counted(token: string, vars: Record<string, unknown>): Promise<{ data: any; sql: string[] }> {
    t.running.svc.tokens.forget();
    await gqlOk(t, `{ me { name } }`, {}, token);
    const sql: string[] = [];
    const listen = (q: { sql: string }) => sql.push(q.sql);
    const db = t.running.svc.db;
    db.on('query', listen);
    try {
      return { data: await gqlOk(t, BROWSE, vars, token), sql };
    } finally {
      db.removeListener('query', listen);
    }
  }

  test.each([
    ['alice', 'the owner'],
    ['bob', 'a group member who reads half the children'],
  ])('as %s (%s): five statements in all, for 10, 100 or 500 children and in every order', async (who) => {
    const token = who === 'alice' ? alice : bob;
    const runs: { first: number; order: string; desc: boolean; sql: string[]; data: any }[] = [];
    for (const [first, order, desc] of [[10, 'NAME', false], [100, 'NAME', false], [500, 'NAME', false], [100, 'SIZE', true], [100, 'MTIME', false]] as const) {
      runs.push({ first, order, desc, ...(await counted(token, { p: '/alice/q/big', first, order, desc })) });
    }
    for (const r of runs) {
      const n = r.data.node;
      expect(r.data.me.name).toBe(who);
      expect(n.ancestors).toEqual([{ path: '/alice', name: 'alice' }, { path: '/alice/q', name: 'q' }]);
      expect(n.quota).toEqual({ path: '/alice/q', limit: 10000, used: expect.any(Number) });
      expect(n.children.totalCount).toBe(who === 'alice' ? 600 : 300);
      expect(n.children.edges).toHaveLength(Math.min(r.first, n.children.totalCount));
      // The node with its ancestors; availableSpace and the quota's bytes; the page; its count.
      expect({ first: r.first, order: r.order, statements: r.sql.length }).toEqual({ first: r.first, order: r.order, statements: 5 });
    }
  });

  test('the cost limits let it through with first: 500, and refuse first: 10000', async () => {
    const ok = await gql(t, BROWSE, { p: '/alice/q/big', first: 500, order: 'NAME', desc: false }, alice);
    expect(codes(ok)).toEqual([]);
    const big = await gql(t, BROWSE, { p: '/alice/q/big', first: 10000, order: 'NAME', desc: false }, alice);
    expect(codes(big)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });
});
