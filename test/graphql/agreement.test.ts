/**
 * The two faces agree: what one writes the other reads the same, and a caller
 * is allowed or denied the same action through REST and through GraphQL.
 */
import { XMLParser } from 'fast-xml-parser';
import { CORE, nodeXml, request, type Prop } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { codes, gql, gqlOk, propMap, type PropertyOut } from './gql';

const GET = `query($p: String!) { node(path: $p) { path uri name type owner target
  properties { uri value readOnly } children(first: 1000) { totalCount edges { node { uri name type } } } } }`;
const CREATE = `mutation($p: String!, $type: NodeKind!, $props: [PropertyInput!], $target: String) {
  createNode(path: $p, type: $type, properties: $props, target: $target) { path } }`;
const SET = `mutation($p: String!, $props: [PropertyInput!]!) { setProperties(path: $p, properties: $props) { path } }`;
const DELETE = `mutation($p: String!) { deleteNode(path: $p) }`;

const TRICKY = 'a < b & "c" > \'d\' — é 日本 \u{1F600}';
const NOTE = 'ivo://example.org/agree#note';

let t: TestService;
let alice: string;

beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice');
});
afterAll(() => t?.close());

interface RestNode {
  uri: string;
  type: string;
  properties: PropertyOut[];
  target?: string;
  children: { uri: string; type: string }[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (_name, jpath) => jpath === 'node.properties.property' || jpath === 'node.nodes.node',
});

/** A node document from REST, read with a namespace-aware parser. */
function parseRest(xml: string): RestNode {
  const node = parser.parse(xml).node;
  const text = (v: unknown) => (typeof v === 'object' && v !== null ? String((v as Record<string, unknown>)['#text'] ?? '') : String(v ?? ''));
  return {
    uri: node['@uri'],
    type: node['@type'],
    properties: (node.properties?.property ?? []).map((p: Record<string, unknown>) => ({
      uri: p['@uri'] as string,
      value: text(p),
      readOnly: p['@readOnly'] === 'true',
    })),
    target: node.target === undefined ? undefined : text(node.target),
    children: (node.nodes?.node ?? []).map((c: Record<string, unknown>) => ({ uri: c['@uri'] as string, type: c['@type'] as string })),
  };
}

async function restGet(path: string, token: string | null = alice): Promise<RestNode> {
  const r = await request('GET', `${t.base}/nodes/${path}?detail=max`, { token: token ?? undefined });
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.text}`);
  return parseRest(r.text);
}

async function restPut(path: string, type: string, props: Prop[] = [], target?: string): Promise<void> {
  const r = await request('PUT', `${t.base}/nodes/${path}`, { token: alice, body: nodeXml(t.uri(path), type, props, { target }) });
  if (r.status !== 201) throw new Error(`PUT ${path}: ${r.status} ${r.text}`);
}

async function restPost(path: string, type: string, props: Prop[]): Promise<void> {
  const r = await request('POST', `${t.base}/nodes/${path}`, { token: alice, body: nodeXml(t.uri(path), type, props) });
  if (r.status !== 200) throw new Error(`POST ${path}: ${r.status} ${r.text}`);
}

/** Checks that REST and GraphQL show the node at `path` the same way. */
async function expectSameNode(path: string, want: { type: string; props: Record<string, string>; target?: string }) {
  const rest = await restGet(path);
  const g = (await gqlOk(t, GET, { p: `/${path}` }, alice)).node;
  expect(g).not.toBeNull();
  // Type, URI and target.
  expect(rest.type).toBe(`vos:${want.type}`);
  expect(g.type).toBe(want.type);
  expect(g.uri).toBe(rest.uri);
  expect(g.uri).toBe(t.uri(path));
  expect(g.target ?? undefined).toBe(rest.target);
  expect(rest.target).toBe(want.target);
  // Every property, stored and computed, with the same value and readOnly flag.
  expect(propMap(g.properties)).toEqual(propMap(rest.properties));
  expect(g.properties).toHaveLength(rest.properties.length);
  for (const [uri, value] of Object.entries(want.props)) {
    expect(propMap(g.properties)[uri]).toEqual({ value, readOnly: false });
  }
  expect(propMap(g.properties)[`${CORE}creator`]).toEqual({ value: 'alice', readOnly: true });
  // The same children, in the same order, with the same types.
  expect(g.children.edges.map((e: any) => ({ uri: e.node.uri, type: `vos:${e.node.type}` }))).toEqual(rest.children);
  expect(g.children.totalCount).toBe(rest.children.length);
}

const KINDS: { name: string; type: string; target?: string }[] = [
  { name: 'node', type: 'Node' },
  { name: 'data', type: 'DataNode' },
  { name: 'unstructured', type: 'UnstructuredDataNode' },
  { name: 'structured', type: 'StructuredDataNode' },
  { name: 'dir', type: 'ContainerNode' },
  { name: 'link', type: 'LinkNode', target: 'vos://example.org!vospace/alice/elsewhere' },
];

const propsFor = (name: string) => ({
  [`${CORE}title`]: `Title of ${name}`,
  [`${CORE}description`]: TRICKY,
  [NOTE]: name,
});

describe('what one face writes, the other reads the same', () => {
  test('nodes created through REST are seen through GraphQL with the same properties and types', async () => {
    await restPut('alice/fromrest', 'vos:ContainerNode', [{ uri: `${CORE}title`, value: 'made by REST' }]);
    for (const k of KINDS) {
      const props = propsFor(k.name);
      await restPut(`alice/fromrest/${k.name}`, `vos:${k.type}`, Object.entries(props).map(([uri, value]) => ({ uri, value })), k.target);
    }
    await expectSameNode('alice/fromrest', { type: 'ContainerNode', props: { [`${CORE}title`]: 'made by REST' } });
    for (const k of KINDS) await expectSameNode(`alice/fromrest/${k.name}`, { type: k.type, props: propsFor(k.name), target: k.target });
    expect((await restGet('alice/fromrest')).children).toHaveLength(KINDS.length);
  });

  test('nodes created through GraphQL are seen through REST with the same properties and types', async () => {
    await gqlOk(t, CREATE, { p: '/alice/fromgql', type: 'ContainerNode', props: [{ uri: `${CORE}title`, value: 'made by GraphQL' }] }, alice);
    for (const k of KINDS) {
      const props = Object.entries(propsFor(k.name)).map(([uri, value]) => ({ uri, value }));
      await gqlOk(t, CREATE, { p: `/alice/fromgql/${k.name}`, type: k.type, props, target: k.target ?? null }, alice);
    }
    await expectSameNode('alice/fromgql', { type: 'ContainerNode', props: { [`${CORE}title`]: 'made by GraphQL' } });
    for (const k of KINDS) await expectSameNode(`alice/fromgql/${k.name}`, { type: k.type, props: propsFor(k.name), target: k.target });
    const rest = await restGet('alice/fromgql/data');
    expect(propMap(rest.properties)[`${CORE}description`]).toEqual({ value: TRICKY, readOnly: false });
  });

  test('property changes and deletes through one face show through the other', async () => {
    await restPut('alice/changes', 'vos:DataNode', [
      { uri: NOTE, value: 'one' },
      { uri: `${CORE}title`, value: 'T' },
    ]);
    // GraphQL changes, REST reads.
    await gqlOk(t, SET, { p: '/alice/changes', props: [{ uri: NOTE, value: 'two' }, { uri: `${CORE}title`, value: null }] }, alice);
    let rest = propMap((await restGet('alice/changes')).properties);
    expect(rest[NOTE]).toEqual({ value: 'two', readOnly: false });
    expect(rest[`${CORE}title`]).toBeUndefined();
    // REST changes (xsi:nil deletes), GraphQL reads.
    const post = await request('POST', `${t.base}/nodes/alice/changes`, {
      token: alice,
      body: nodeXml(t.uri('alice/changes'), 'vos:DataNode', [{ uri: NOTE, nil: true }, { uri: `${CORE}format`, value: 'FITS' }]),
    });
    expect(post.status).toBe(200);
    const g = propMap((await gqlOk(t, GET, { p: '/alice/changes' }, alice)).node.properties);
    expect(g[NOTE]).toBeUndefined();
    expect(g[`${CORE}format`]).toEqual({ value: 'FITS', readOnly: false });
    await expectSameNode('alice/changes', { type: 'DataNode', props: { [`${CORE}format`]: 'FITS' } });
    rest = propMap((await restGet('alice/changes')).properties);
    expect(rest[NOTE]).toBeUndefined();
  });

  test('a delete through one face is a missing node through the other', async () => {
    await restPut('alice/gone1', 'vos:ContainerNode');
    await restPut('alice/gone1/inner', 'vos:DataNode');
    await gqlOk(t, DELETE, { p: '/alice/gone1' }, alice);
    expect((await request('GET', `${t.base}/nodes/alice/gone1/inner`, { token: alice })).status).toBe(404);
    expect((await request('GET', `${t.base}/nodes/alice/gone1`, { token: alice })).status).toBe(404);

    await gqlOk(t, CREATE, { p: '/alice/gone2', type: 'ContainerNode' }, alice);
    await gqlOk(t, CREATE, { p: '/alice/gone2/inner', type: 'DataNode' }, alice);
    expect((await request('DELETE', `${t.base}/nodes/alice/gone2`, { token: alice })).status).toBe(204);
    expect((await gqlOk(t, GET, { p: '/alice/gone2/inner' }, alice)).node).toBeNull();
    expect((await gqlOk(t, GET, { p: '/alice/gone2' }, alice)).node).toBeNull();
  });
});

describe('both faces allow and deny the same actions on a private node', () => {
  type Outcome = string; // 'allow', 'deny', or what else came back
  const ACTIONS = ['read', 'create child', 'set property', 'delete'] as const;
  type Action = (typeof ACTIONS)[number];

  const tokens: Record<string, string | null> = {};
  const CALLERS = ['owner', 'other user', 'anonymous', 'admin', 'group reader', 'group writer'] as const;

  // groupread/groupwrite on the node itself; alice's home (the parent, which governs delete) is readable by both groups.
  const EXPECTED: Record<string, Record<Action, Outcome>> = {
    owner: { read: 'allow', 'create child': 'allow', 'set property': 'allow', delete: 'allow' },
    'other user': { read: 'deny', 'create child': 'deny', 'set property': 'deny', delete: 'deny' },
    anonymous: { read: 'deny', 'create child': 'deny', 'set property': 'deny', delete: 'deny' },
    admin: { read: 'allow', 'create child': 'allow', 'set property': 'allow', delete: 'allow' },
    'group reader': { read: 'allow', 'create child': 'deny', 'set property': 'deny', delete: 'deny' },
    'group writer': { read: 'allow', 'create child': 'allow', 'set property': 'allow', delete: 'deny' },
  };

  beforeAll(async () => {
    tokens.owner = alice;
    tokens['other user'] = await t.user('bob');
    tokens.anonymous = null;
    tokens.admin = await t.user('root', { admin: true });
    tokens['group reader'] = await t.user('carol', { groups: ['readers'] });
    tokens['group writer'] = await t.user('dave', { groups: ['writers'] });
    // Read needs read on every ancestor: both groups may read alice's home, and write nothing in it.
    await restPost('alice', 'vos:ContainerNode', [{ uri: `${CORE}groupread`, value: 'readers writers' }]);
  });

  const slug = (s: string) => s.replace(/\W+/g, '-');

  async function privateNode(path: string) {
    await restPut(path, 'vos:ContainerNode', [
      { uri: NOTE, value: 'private' },
      { uri: `${CORE}groupread`, value: 'readers' },
      { uri: `${CORE}groupwrite`, value: 'writers' },
    ]);
  }

  function restOutcome(r: { status: number; text: string }): Outcome {
    if (r.status >= 200 && r.status < 300) return 'allow';
    if (r.status === 403 && r.text.startsWith('PermissionDenied')) return 'deny';
    return `HTTP ${r.status}: ${r.text.trim()}`;
  }

  function gqlOutcome(r: { errors?: unknown[]; data?: any; text: string }, field: string): Outcome {
    const c = codes(r as any);
    if (!c.length && r.data?.[field] != null) return 'allow';
    if (c.length === 1 && c[0] === 'PermissionDenied' && r.data?.[field] == null) return 'deny';
    // A query never reveals a node the caller may not read: it answers as for a missing node.
    if (!c.length && field === 'node' && r.data?.node === null) return 'deny';
    return `GraphQL: ${r.text}`;
  }

  async function viaRest(caller: string, path: string): Promise<Record<Action, Outcome>> {
    const token = tokens[caller] ?? undefined;
    const url = `${t.base}/nodes/${path}`;
    return {
      read: restOutcome(await request('GET', url, { token })),
      'create child': restOutcome(await request('PUT', `${url}/child`, { token, body: nodeXml(t.uri(`${path}/child`), 'vos:DataNode') })),
      'set property': restOutcome(
        await request('POST', url, { token, body: nodeXml(t.uri(path), 'vos:ContainerNode', [{ uri: NOTE, value: `set by ${caller}` }]) }),
      ),
      delete: restOutcome(await request('DELETE', url, { token })),
    };
  }

  async function viaGraphql(caller: string, path: string): Promise<Record<Action, Outcome>> {
    const token = tokens[caller];
    return {
      read: gqlOutcome(await gql(t, GET, { p: path }, token), 'node'),
      'create child': gqlOutcome(await gql(t, CREATE, { p: `${path}/child`, type: 'DataNode' }, token), 'createNode'),
      'set property': gqlOutcome(await gql(t, SET, { p: path, props: [{ uri: NOTE, value: `set by ${caller}` }] }, token), 'setProperties'),
      delete: gqlOutcome(await gql(t, DELETE, { p: path }, token), 'deleteNode'),
    };
  }

  /** After the actions: was the node changed exactly as the outcomes say? */
  async function effects(path: string, caller: string) {
    // Seen by the admin: a child the group writer made belongs to them, not to alice.
    const admin = tokens.admin!;
    const exists = (await request('GET', `${t.base}/nodes/${path}`, { token: admin })).status === 200;
    if (!exists) return { exists };
    const n = await restGet(path, admin);
    return {
      exists,
      child: (await request('GET', `${t.base}/nodes/${path}/child`, { token: admin })).status === 200,
      note: propMap(n.properties)[NOTE]?.value === `set by ${caller}` ? 'changed' : 'unchanged',
    };
  }

  function expectedEffects(o: Record<Action, Outcome>) {
    if (o.delete === 'allow') return { exists: false };
    return { exists: true, child: o['create child'] === 'allow', note: o['set property'] === 'allow' ? 'changed' : 'unchanged' };
  }

  test('the allow/deny table is the same through REST and GraphQL, and as the policy says', async () => {
    const rest: Record<string, Record<Action, Outcome>> = {};
    const graphql: Record<string, Record<Action, Outcome>> = {};
    const restEffects: Record<string, unknown> = {};
    const graphqlEffects: Record<string, unknown> = {};
    const wantEffects: Record<string, unknown> = {};
    for (const caller of CALLERS) {
      const rp = `alice/perm-rest-${slug(caller)}`;
      const gp = `alice/perm-gql-${slug(caller)}`;
      await privateNode(rp);
      await privateNode(gp);
      rest[caller] = await viaRest(caller, rp);
      graphql[caller] = await viaGraphql(caller, `/${gp}`);
      restEffects[caller] = await effects(rp, caller);
      graphqlEffects[caller] = await effects(gp, caller);
      wantEffects[caller] = expectedEffects(EXPECTED[caller]);
    }
    expect(graphql).toEqual(rest);
    expect(rest).toEqual(EXPECTED);
    // Denied actions changed nothing; allowed ones took effect, through either face.
    expect(restEffects).toEqual(wantEffects);
    expect(graphqlEffects).toEqual(wantEffects);
  });
});
