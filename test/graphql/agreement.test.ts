/**
 * The two faces agree: what one writes the other reads the same. (That a
 * caller is allowed or denied the same action on every face is
 * test/security/roleTable.test.ts.)
 */
import { XMLParser } from 'fast-xml-parser';
import { CORE, nodeXml, request, type Prop } from '../helpers/http';
import type { TestService } from '../helpers/service';
import { startWithUsers } from '../helpers/users';
import { gqlOk, propMap, type PropertyOut } from '../helpers/gql';

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

beforeAll(async () => ({ t, tokens: { alice } } = await startWithUsers({ alice: {} })));
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
