/**
 * The bounds on a node's stored properties ([Space] parameters
 * max_property_bytes and max_properties), through REST (PUT, POST) and
 * GraphQL (createNode, setProperties): the node as a change would leave it
 * is judged, the excess is 400 InvalidArgument naming the limit, and a
 * refused change leaves the node as it was. A node already over a limit (from
 * before it, or a lowered one) may still shrink.
 */
import { codes, gql, type GqlReply } from '../helpers/gql';
import { VOS, nodeXml, request, type Prop, type Reply } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { parseXml } from '../helpers/xml';

const xml = { 'content-type': 'text/xml' };
const p = (i: number) => `ivo://example.org/limits#p${i}`;
/** `n` properties p0…p(n−1), each holding `value`. */
const props = (n: number, value = 'v'): Prop[] => Array.from({ length: n }, (_, i) => ({ uri: p(i), value }));

let t: TestService;
let alice: string;

beforeAll(async () => {
  t = await startTestService({ parameters: { max_property_bytes: 1000, max_properties: 5 } });
  alice = await t.user('alice');
});
afterAll(() => t?.close());

const put = (svc: TestService, path: string, list: Prop[], token = alice) =>
  request('PUT', `${svc.base}/nodes/${path}`, { token, body: nodeXml(svc.uri(path), 'vos:DataNode', list), headers: xml });
const post = (path: string, list: Prop[]) => request('POST', `${t.base}/nodes/${path}`, { token: alice, body: nodeXml(t.uri(path), 'vos:DataNode', list), headers: xml });

/** Every property of the node as GET shows it (stored and computed, ctime included): what must not move when a change is refused. */
async function shown(path: string): Promise<Record<string, string>> {
  const r = await request('GET', `${t.base}/nodes/${path}`, { token: alice });
  expect(r.status).toBe(200);
  const list = parseXml(r.text).children.find((c) => c.ns === VOS && c.local === 'properties')!;
  return Object.fromEntries(list.children.map((c) => [c.attrs.get('uri')!, c.text]));
}

function expectRefused(r: Reply, message: RegExp): void {
  expect({ status: r.status, text: r.text }).toEqual({ status: 400, text: expect.stringMatching(/^InvalidArgument: /) });
  expect(r.text).toMatch(message);
}

const OVER_COUNT = (n: number) => new RegExp(`would hold ${n} properties, over max_properties \\(5\\); nothing was changed`);
const OVER_BYTES = (n: number) => new RegExp(`would hold ${n} bytes of property values, over max_property_bytes \\(1000\\); nothing was changed`);

describe('REST createNode (PUT)', () => {
  test('one property too many: 400 naming max_properties, and no node is made', async () => {
    const r = await put(t, 'alice/six', props(6));
    expectRefused(r, OVER_COUNT(6));
    expect(r.text).toContain(t.uri('alice/six'));
    expect((await request('GET', `${t.base}/nodes/alice/six`, { token: alice })).status).toBe(404);
    expect((await put(t, 'alice/five', props(5))).status).toBe(201);
  });

  test('values over max_property_bytes in UTF-8 bytes (not characters): 400, no node made; exactly at the limit is fine', async () => {
    // 'é' is two bytes: 501 of them are 501 characters but 1002 bytes.
    const r = await put(t, 'alice/wide', [{ uri: p(0), value: 'é'.repeat(501) }]);
    expectRefused(r, OVER_BYTES(1002));
    expect((await request('GET', `${t.base}/nodes/alice/wide`, { token: alice })).status).toBe(404);
    const fits = await put(t, 'alice/wide', [{ uri: p(0), value: 'é'.repeat(300) }, { uri: p(1), value: 'x'.repeat(400) }]);
    expect(fits.status).toBe(201);
  });

  test('computed properties a client sends are not counted, nor are URIs', async () => {
    const made = await put(t, 'alice/echoed', props(5, 'x'.repeat(200)));
    expect(made.status).toBe(201);
    // The document GET returns holds the 5 stored properties and the computed ones (length, dates, creator): posted back, it is accepted.
    const got = await request('GET', `${t.base}/nodes/alice/echoed`, { token: alice });
    expect(Object.keys(await shown('alice/echoed')).length).toBeGreaterThan(5);
    expect((await request('POST', `${t.base}/nodes/alice/echoed`, { token: alice, body: got.text, headers: xml })).status).toBe(200);
  });
});

describe('REST setNode (POST): judged on the node as the change would leave it', () => {
  test('adding past max_properties: 400, nothing changed (not even ctime); a swap that keeps the count is fine', async () => {
    expect((await put(t, 'alice/grow', props(4))).status).toBe(201);
    const before = await shown('alice/grow');
    expectRefused(await post('alice/grow', [{ uri: p(4), value: 'a' }, { uri: p(5), value: 'b' }]), OVER_COUNT(6));
    expect(await shown('alice/grow')).toEqual(before);
    // Deleting one and adding two: 5 stored, at the limit.
    const swap = await post('alice/grow', [{ uri: p(0), nil: true }, { uri: p(4), value: 'a' }, { uri: p(5), value: 'b' }]);
    expect(swap.status).toBe(200);
    const after = await shown('alice/grow');
    expect([p(0), p(1), p(4), p(5)].map((u) => after[u])).toEqual([undefined, 'v', 'a', 'b']);
  });

  test('values growing past max_property_bytes: 400, nothing changed; replacing a value counts only the new one', async () => {
    expect((await put(t, 'alice/bytes', [{ uri: p(0), value: 'x'.repeat(600) }, { uri: p(1), value: 'y'.repeat(300) }])).status).toBe(201);
    const before = await shown('alice/bytes');
    expectRefused(await post('alice/bytes', [{ uri: p(2), value: 'z'.repeat(101) }]), OVER_BYTES(1001));
    expectRefused(await post('alice/bytes', [{ uri: p(1), value: 'y'.repeat(401) }]), OVER_BYTES(1001));
    expect(await shown('alice/bytes')).toEqual(before);
    expect((await post('alice/bytes', [{ uri: p(1), value: 'y'.repeat(400) }])).status).toBe(200);
    expect((await shown('alice/bytes'))[p(1)]).toBe('y'.repeat(400));
  });

  test('a node already over both limits (stored before them) may shrink, but not grow', async () => {
    expect((await put(t, 'alice/old', [])).status).toBe(201);
    // What a node written before the limits (or under higher ones) holds: 8 properties of 200 bytes.
    const db = t.running.svc.db;
    const { id } = await db('nodes').where('path', 'alice/old').first('id');
    await db('properties').insert(Array.from({ length: 8 }, (_, i) => ({ node_id: id, uri: p(i), value: 'o'.repeat(200) })));

    expect((await post('alice/old', [{ uri: p(7), nil: true }])).status).toBe(200);
    expect((await post('alice/old', [{ uri: p(6), value: 'short' }])).status).toBe(200);
    // Fewer properties and fewer bytes together: delete two, add one.
    expect((await post('alice/old', [{ uri: p(5), nil: true }, { uri: p(4), nil: true }, { uri: p(9), value: 'n' }])).status).toBe(200);
    const before = await shown('alice/old');
    expect([0, 1, 2, 3, 6, 9].every((i) => before[p(i)] !== undefined)).toBe(true);
    // Six stored (over max_properties) and 806 bytes: a seventh is refused; a value growing the bytes past theirs is refused
    // by max_property_bytes, the count staying as over as it was.
    expectRefused(await post('alice/old', [{ uri: p(10), value: 'x' }]), OVER_COUNT(7));
    expectRefused(await post('alice/old', [{ uri: p(6), value: 'x'.repeat(300) }]), OVER_BYTES(1101));
    expect(await shown('alice/old')).toEqual(before);
    // A change within the bytes that keeps the count over is fine.
    expect((await post('alice/old', [{ uri: p(6), value: 'x'.repeat(100) }])).status).toBe(200);
  });
});

describe('GraphQL createNode and setProperties: the same limits, the same answers', () => {
  const CREATE = `mutation($p: String!, $props: [PropertyInput!]) { createNode(path: $p, type: DataNode, properties: $props) { path } }`;
  const SET = `mutation($p: String!, $props: [PropertyInput!]!) { setProperties(path: $p, properties: $props) { path } }`;
  const asInput = (list: Prop[]) => list.map((q) => ({ uri: q.uri, value: q.nil ? null : q.value }));

  function expectInvalid(r: GqlReply<unknown>, message: RegExp): void {
    expect(codes(r)).toEqual(['InvalidArgument']);
    expect(r.errors![0].message).toMatch(message);
  }

  test('createNode over either limit: InvalidArgument naming it, and no node', async () => {
    expectInvalid(await gql(t, CREATE, { p: '/alice/g1', props: asInput(props(6)) }, alice), OVER_COUNT(6));
    expectInvalid(await gql(t, CREATE, { p: '/alice/g1', props: asInput([{ uri: p(0), value: 'é'.repeat(501) }]) }, alice), OVER_BYTES(1002));
    expect((await gql(t, '{ node(path: "/alice/g1") { path } }', {}, alice)).data).toEqual({ node: null });
  });

  test('setProperties over either limit: InvalidArgument naming it, and nothing changed', async () => {
    expect((await put(t, 'alice/g2', props(5, 'x'.repeat(100)))).status).toBe(201);
    const before = await shown('alice/g2');
    expectInvalid(await gql(t, SET, { p: '/alice/g2', props: asInput([{ uri: p(5), value: 'x' }]) }, alice), OVER_COUNT(6));
    expectInvalid(await gql(t, SET, { p: '/alice/g2', props: asInput([{ uri: p(0), value: 'x'.repeat(601) }]) }, alice), OVER_BYTES(1001));
    expect(await shown('alice/g2')).toEqual(before);
    const ok = await gql(t, SET, { p: '/alice/g2', props: asInput([{ uri: p(0), nil: true }, { uri: p(5), value: 'x'.repeat(600) }]) }, alice);
    expect(ok.errors).toBeUndefined();
  });
});

describe('the defaults: 262144 bytes of values and 1000 properties', () => {
  let d: TestService;
  let bob: string;
  beforeAll(async () => {
    d = await startTestService();
    bob = await d.user('bob');
  });
  afterAll(() => d?.close());

  test('300000 bytes of values are refused, 1001 properties too; 1000 properties and 262144 bytes go', async () => {
    const big = Array.from({ length: 5 }, (_, i) => ({ uri: p(i), value: 'x'.repeat(60_000) }));
    const r = await put(d, 'bob/big', big, bob);
    expect(r.status).toBe(400);
    expect(r.text.trim()).toBe(`InvalidArgument: ${d.uri('bob/big')} would hold 300000 bytes of property values, over max_property_bytes (262144); nothing was changed`);
    const many = await put(d, 'bob/many', props(1001), bob);
    expect(many.text.trim()).toBe(`InvalidArgument: ${d.uri('bob/many')} would hold 1001 properties, over max_properties (1000); nothing was changed`);
    expect((await put(d, 'bob/many', props(1000), bob)).status).toBe(201);
    const exact = [...big.slice(0, 4), { uri: p(4), value: 'x'.repeat(262_144 - 240_000) }];
    expect((await put(d, 'bob/big', exact, bob)).status).toBe(201);
  });
});
