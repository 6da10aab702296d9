/**
 * Property bytes under quotas: the UTF-8 bytes of the property values stored
 * on the nodes below a container with core#quota count against it as data
 * bytes do (availableSpace, uploads, copies), and a createNode or setNode
 * (REST or GraphQL) that would leave a quota over its limit is 413
 * QuotaExceeded and changes nothing, also when writers race. Where no quota
 * applies, createNode and setNode cost no statement more.
 */
import { randomBytes } from 'node:crypto';
import { codes, gql } from '../helpers/gql';
import { CORE, nodeXml, request, type Prop, type Reply } from '../helpers/http';
import type { TestService } from '../helpers/service';
import { startWithUsers } from '../helpers/users';
import { createJob, faultName, negotiate, nodeProp, push, putBytes, waitFinal } from '../helpers/client';

const QUOTA = `${CORE}quota`;
const SPACE = `${CORE}availableSpace`;
const TITLE = `${CORE}title`;
const DESC = `${CORE}description`;
const xml = { 'content-type': 'text/xml' };

let t: TestService;
let alice: string;
let admin: string;

beforeAll(async () => ({ t, tokens: { alice, root: admin } } = await startWithUsers({ alice: {}, root: { admin: true } })));
afterAll(() => t?.close());

const put = (path: string, type: string, props: Prop[] = []) =>
  request('PUT', `${t.base}/nodes/${path}`, { token: alice, body: nodeXml(t.uri(path), type, props), headers: xml });
const post = (path: string, props: Prop[], token = alice, type = 'vos:DataNode') =>
  request('POST', `${t.base}/nodes/${path}`, { token, body: nodeXml(t.uri(path), type, props), headers: xml });
const space = (path: string) => nodeProp(t, alice, path, SPACE);
const exists = async (path: string) => (await request('GET', `${t.base}/nodes/${path}`, { token: alice })).status === 200;

async function mkdir(path: string, props: Prop[] = []): Promise<void> {
  expect((await put(path, 'vos:ContainerNode', props)).status).toBe(201);
}

async function quotaDir(path: string, bytes: number): Promise<void> {
  await mkdir(path);
  expect((await post(path, [{ uri: QUOTA, value: String(bytes) }], admin, 'vos:ContainerNode')).status).toBe(200);
}

function expectQuotaExceeded(r: Reply, message?: RegExp): void {
  expect({ status: r.status, fault: faultName(r) }).toEqual({ status: 413, fault: 'QuotaExceeded' });
  if (message) expect(r.text).toMatch(message);
}

/** The node document GET shows (ctime included): what a refused change must leave as it was. */
const shown = async (path: string) => (await request('GET', `${t.base}/nodes/${path}?detail=properties`, { token: alice })).text;

describe('property bytes count under every quota above the node', () => {
  test('in availableSpace, through REST and GraphQL; a container\'s own properties count under the quotas above it, not its own', async () => {
    await quotaDir('alice/pq', 10_000);
    expect(await space('alice/pq')).toBe('10000');
    expect((await put('alice/pq/a', 'vos:DataNode', [{ uri: TITLE, value: 't'.repeat(1000) }])).status).toBe(201);
    expect(await space('alice/pq')).toBe('9000');
    // UTF-8 bytes: 250 'é' are 500.
    expect((await post('alice/pq/a', [{ uri: DESC, value: 'é'.repeat(250) }])).status).toBe(200);
    expect(await space('alice/pq')).toBe('8500');
    const q = await gql(t, '{ node(path: "/alice/pq") { properties { uri value } } }', {}, alice);
    expect(q.data.node.properties).toContainEqual({ uri: SPACE, value: '8500' });

    // A sub-container's title counts under alice/pq; its own quota bounds what lies below it, so its title is not
    // counted there. A quota's value is counted nowhere: the administrator's limit is not the user's data.
    await mkdir('alice/pq/sub', [{ uri: TITLE, value: 's'.repeat(300) }]);
    expect(await space('alice/pq')).toBe('8200');
    expect((await post('alice/pq/sub', [{ uri: QUOTA, value: '5000' }], admin, 'vos:ContainerNode')).status).toBe(200);
    expect(await space('alice/pq')).toBe('8200');
    expect(await space('alice/pq/sub')).toBe('5000');
    expect((await put('alice/pq/sub/b', 'vos:DataNode', [{ uri: TITLE, value: 'b'.repeat(1000) }])).status).toBe(201);
    expect(await space('alice/pq/sub')).toBe('4000');
    expect(await space('alice/pq')).toBe('7200');

    // Deleting properties, or the node, gives the room back.
    expect((await post('alice/pq/a', [{ uri: DESC, nil: true }])).status).toBe(200);
    expect(await space('alice/pq')).toBe('7700');
    expect((await request('DELETE', `${t.base}/nodes/alice/pq/sub`, { token: alice })).status).toBe(204);
    expect(await space('alice/pq')).toBe('9000');
  });

  test('an upload has that much less room: its Content-Length is judged with the property bytes counted', async () => {
    await quotaDir('alice/proom', 5000);
    expect((await put('alice/proom/labelled', 'vos:DataNode', [{ uri: TITLE, value: 'l'.repeat(1000) }])).status).toBe(201);
    const over = await negotiate(t, alice, 'alice/proom/f.bin', 'pushToVoSpace');
    expectQuotaExceeded(await putBytes(over.endpoint, randomBytes(4001)));
    await push(t, alice, 'alice/proom/f.bin', randomBytes(4000));
    expect(await space('alice/proom')).toBe('0');
  });

  test('a copy brings the property bytes of the tree copied, its top node\'s included', async () => {
    await quotaDir('alice/pcopy', 1000);
    expect((await put('alice/pcopy-src', 'vos:DataNode', [{ uri: TITLE, value: 'c'.repeat(600) }])).status).toBe(201);
    const first = await waitFinal(t, alice, await createJob(t, alice, { target: t.uri('alice/pcopy-src'), direction: t.uri('alice/pcopy/one'), keepBytes: true }, '?PHASE=RUN'));
    expect(first.phase).toBe('COMPLETED');
    expect(await space('alice/pcopy')).toBe('400');
    const second = await waitFinal(t, alice, await createJob(t, alice, { target: t.uri('alice/pcopy-src'), direction: t.uri('alice/pcopy/two'), keepBytes: true }, '?PHASE=RUN'));
    expect(second.phase).toBe('ERROR');
    expect(second.errorMessage).toMatch(/^QuotaExceeded: .* would hold 1200 bytes, over its 1000-byte quota, with the 600 bytes copied/);
    expect(await exists('alice/pcopy/two')).toBe(false);
  });
});

describe('a createNode or setNode past a quota: 413 QuotaExceeded, nothing changed', () => {
  test('REST setNode and createNode; up to the last byte fits; a node without properties adds nothing', async () => {
    await quotaDir('alice/pfull', 1000);
    await push(t, alice, 'alice/pfull/f.bin', randomBytes(800));
    const before = await shown('alice/pfull/f.bin');
    expectQuotaExceeded(await post('alice/pfull/f.bin', [{ uri: TITLE, value: 'x'.repeat(201) }]), /would hold 1001 bytes, over its 1000-byte quota; nothing was changed/);
    expect(await shown('alice/pfull/f.bin')).toBe(before);
    expectQuotaExceeded(await put('alice/pfull/new', 'vos:DataNode', [{ uri: TITLE, value: 'x'.repeat(201) }]));
    expect(await exists('alice/pfull/new')).toBe(false);
    expect(await space('alice/pfull')).toBe('200');

    expect((await post('alice/pfull/f.bin', [{ uri: TITLE, value: 'x'.repeat(200) }])).status).toBe(200);
    expect(await space('alice/pfull')).toBe('0');
    expectQuotaExceeded(await put('alice/pfull/one', 'vos:DataNode', [{ uri: TITLE, value: 'x' }]));
    expect((await put('alice/pfull/bare', 'vos:DataNode')).status).toBe(201);
    // An administrator may still set a quota inside the full container: its value adds nothing.
    await mkdir('alice/pfull/d');
    expect((await post('alice/pfull/d', [{ uri: QUOTA, value: '100' }], admin, 'vos:ContainerNode')).status).toBe(200);
  });

  test('GraphQL createNode and setProperties give the same fault', async () => {
    await quotaDir('alice/pgql', 500);
    const create = await gql(t, `mutation($p: [PropertyInput!]) { createNode(path: "/alice/pgql/n", type: DataNode, properties: $p) { path } }`,
      { p: [{ uri: TITLE, value: 'g'.repeat(501) }] }, alice);
    expect(codes(create)).toEqual(['QuotaExceeded']);
    expect(create.errors![0].message).toMatch(/would hold 501 bytes, over its 500-byte quota; nothing was changed/);
    expect((await gql(t, '{ node(path: "/alice/pgql/n") { path } }', {}, alice)).data).toEqual({ node: null });
    expect((await put('alice/pgql/n', 'vos:DataNode', [{ uri: TITLE, value: 'g'.repeat(400) }])).status).toBe(201);
    const set = await gql(t, `mutation($p: [PropertyInput!]!) { setProperties(path: "/alice/pgql/n", properties: $p) { path } }`,
      { p: [{ uri: DESC, value: 'd'.repeat(101) }] }, alice);
    expect(codes(set)).toEqual(['QuotaExceeded']);
    expect(await nodeProp(t, alice, 'alice/pgql/n', DESC)).toBeUndefined();
    expect(await space('alice/pgql')).toBe('100');
  });

  test('a node under a quota already over its limit may still lose or shrink properties', async () => {
    await quotaDir('alice/pover', 5000);
    expect((await put('alice/pover/n', 'vos:DataNode', [{ uri: TITLE, value: 'o'.repeat(2000) }, { uri: DESC, value: 'o'.repeat(2000) }])).status).toBe(201);
    expect((await post('alice/pover', [{ uri: QUOTA, value: '1000' }], admin, 'vos:ContainerNode')).status).toBe(200);
    expect((await post('alice/pover/n', [{ uri: TITLE, value: 'short' }])).status).toBe(200);
    expect((await post('alice/pover/n', [{ uri: TITLE, value: 'still over' }, { uri: DESC, value: 'o'.repeat(1000) }])).status).toBe(200);
    expectQuotaExceeded(await post('alice/pover/n', [{ uri: TITLE, value: 'longer than before' }]));
    expect((await post('alice/pover/n', [{ uri: DESC, nil: true }])).status).toBe(200);
    expect(await space('alice/pover')).toBe('990');
  });
});

describe('racing writers', () => {
  // On the embedded database requests take turns anyway; on PostgreSQL they really race.
  test('ten setNodes and ten createNodes, each fitting alone, three together: exactly three of each go, every round', async () => {
    const value = 'r'.repeat(10_000);
    for (let round = 0; round < 3; round++) {
      const dir = `alice/prace${round}`;
      await quotaDir(dir, 35_000);
      for (let i = 0; i < 10; i++) expect((await put(`${dir}/n${i}`, 'vos:DataNode')).status).toBe(201);
      const sets = await Promise.all(Array.from({ length: 10 }, (_, i) => post(`${dir}/n${i}`, [{ uri: TITLE, value }])));
      expect(sets.map((r) => r.status).sort()).toEqual([200, 200, 200, 413, 413, 413, 413, 413, 413, 413]);
      expect(await space(dir)).toBe('5000');
      for (const [i, r] of sets.entries()) expect(await nodeProp(t, alice, `${dir}/n${i}`, TITLE)).toBe(r.status === 200 ? value : undefined);

      const fresh = `alice/pmake${round}`;
      await quotaDir(fresh, 35_000);
      const made = await Promise.all(Array.from({ length: 10 }, (_, i) => put(`${fresh}/m${i}`, 'vos:DataNode', [{ uri: TITLE, value }])));
      expect(made.map((r) => r.status).sort()).toEqual([201, 201, 201, 413, 413, 413, 413, 413, 413, 413]);
      for (const [i, r] of made.entries()) expect(await exists(`${fresh}/m${i}`)).toBe(r.status === 201);
      expect(await space(fresh)).toBe('5000');
    }
  });
});

describe('where no quota applies, no statement more', () => {
  /** The SQL statements the service runs for one request (the token looked up just before, so cached). */
  async function statements(send: () => Promise<Reply>, status: number): Promise<string[]> {
    t.running.svc.tokens.forget();
    expect((await request('GET', `${t.base}/nodes/alice?detail=min&limit=0`, { token: alice })).status).toBe(200);
    const sql: string[] = [];
    const listen = (q: { sql: string }) => sql.push(q.sql);
    t.running.svc.db.on('query', listen);
    try {
      expect((await send()).status).toBe(status);
    } finally {
      t.running.svc.db.removeListener('query', listen);
    }
    return sql;
  }

  test('createNode with properties and setNode are two statements each, as they were', async () => {
    await mkdir('alice/plain');
    expect(await statements(() => put('alice/plain/n', 'vos:DataNode', [{ uri: TITLE, value: 'x'.repeat(1000) }]), 201)).toHaveLength(2);
    expect(await statements(() => post('alice/plain/n', [{ uri: DESC, value: 'y'.repeat(1000) }]), 200)).toHaveLength(2);
    expect(await statements(() => post('alice/plain', [{ uri: DESC, value: 'y' }], alice, 'vos:ContainerNode'), 200)).toHaveLength(2);
  });
});
