/**
 * Administration through GraphQL, over real sockets: users and groups (and
 * that a membership change holds for the very next request), and the figures
 * of the admin page — usage per user and per subtree, storage servers, jobs —
 * checked to the byte against data pushed through the real storage server.
 * Every admin operation refuses anonymous callers and non-admins, and each
 * admin query costs the same few SQL statements however much data there is.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { CORE, request } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { startWithUsers } from '../helpers/users';
import { HTTPGET, createJob, negotiate, postJob, push, waitFinal, type TransferSpec } from '../helpers/client';
import { expectCode, gqlOk } from '../helpers/gql';

const QUOTA = `${CORE}quota`;
const GROUPREAD = `${CORE}groupread`;

const USERS = `{ users { name admin groups } }`;
const GROUPS = `{ groups { name members } }`;
const USAGE_BY_USER = `{ usageByUser { user nodes dataNodes bytes } }`;
const CONTAINER_USAGE = `query($path: String!, $children: Boolean) { containerUsage(path: $path, children: $children) {
  container { path nodes bytes quota bytesLeft } children { path nodes bytes quota bytesLeft } } }`;
const STORAGE_SERVERS = `{ storageServers { name url registered lastHeartbeat live bytesStored freeBytes totalBytes } }`;
const JOB_COUNTS = `{ jobPhaseCounts { phase count } }`;
const FAILED_JOBS = `query($last: Int) { failedJobs(last: $last) { id owner creationTime endTime fault message } }`;
const ADD_USER = `mutation($name: String!, $admin: Boolean, $groups: [String!]) { addUser(name: $name, admin: $admin, groups: $groups) { name admin groups } }`;
const ADD_GROUP = `mutation($name: String!, $members: [String!]) { addGroup(name: $name, members: $members) { name members } }`;
const ADD_MEMBER = `mutation($group: String!, $user: String!) { addGroupMember(group: $group, user: $user) { name members } }`;
const REMOVE_MEMBER = `mutation($group: String!, $user: String!) { removeGroupMember(group: $group, user: $user) { name members } }`;
const DELETE_GROUP = `mutation($name: String!) { deleteGroup(name: $name) }`;

/** Every admin operation, with arguments that would succeed for an administrator. */
const ADMIN_OPERATIONS: [string, string, Record<string, unknown>][] = [
  ['users', USERS, {}],
  ['groups', GROUPS, {}],
  ['usageByUser', USAGE_BY_USER, {}],
  ['containerUsage', CONTAINER_USAGE, { path: '/', children: true }],
  ['storageServers', STORAGE_SERVERS, {}],
  ['jobPhaseCounts', JOB_COUNTS, {}],
  ['failedJobs', FAILED_JOBS, { last: 5 }],
  ['addUser', ADD_USER, { name: 'mallory', admin: true }],
  ['addGroup', ADD_GROUP, { name: 'cabal', members: ['bob'] }],
  ['addGroupMember', ADD_MEMBER, { group: 'staff', user: 'bob' }],
  ['removeGroupMember', REMOVE_MEMBER, { group: 'staff', user: 'carol' }],
  ['deleteGroup', DELETE_GROUP, { name: 'staff' }],
];

describe('only administrators', () => {
  let t: TestService;
  let root: string;
  let bob: string;

  beforeAll(async () => {
    t = await startTestService();
    root = await t.user('root', { admin: true });
    bob = await t.user('bob');
    await t.user('carol', { groups: ['staff'] });
  });
  afterAll(() => t?.close());

  test.each(ADMIN_OPERATIONS)('%s: PermissionDenied for anonymous callers and for a user who is not an admin', async (name, query, vars) => {
    for (const token of [null, bob]) {
      const r = await expectCode(t, query, vars, token, 'PermissionDenied');
      expect(r.errors![0].message).toMatch(/^PermissionDenied: only an administrator may /);
      expect(r.errors![0].path).toEqual([name]);
    }
  });

  test('the refused mutations changed nothing', async () => {
    const data = await gqlOk(t, `{ users { name admin groups } groups { name members } }`, {}, root);
    expect(data).toEqual({
      users: [
        { name: 'bob', admin: false, groups: [] },
        { name: 'carol', admin: false, groups: ['staff'] },
        { name: 'root', admin: true, groups: [] },
      ],
      groups: [{ name: 'staff', members: ['carol'] }],
    });
  });
});

describe('users and groups', () => {
  let t: TestService;
  let root: string;
  let alice: string;
  let bob: string;

  beforeAll(async () => ({ t, tokens: { root, alice, bob } } = await startWithUsers({ root: { admin: true }, alice: {}, bob: {} })));
  afterAll(() => t?.close());

  test('addUser makes the user, its groups and its home; bad names and duplicates are refused and make nothing', async () => {
    const dave = await gqlOk(t, ADD_USER, { name: 'dave', groups: ['lab', 'astro'] }, root);
    expect(dave.addUser).toEqual({ name: 'dave', admin: false, groups: ['astro', 'lab'] });
    const erin = await gqlOk(t, ADD_USER, { name: 'erin', admin: true }, root);
    expect(erin.addUser).toEqual({ name: 'erin', admin: true, groups: [] });
    const home = await gqlOk(t, `{ node(path: "/dave") { type owner } }`, {}, root);
    expect(home.node).toEqual({ type: 'ContainerNode', owner: 'dave' });

    await expectCode(t, ADD_USER, { name: 'dave' }, root, 'DuplicateNode');
    await expectCode(t, ADD_USER, { name: 'no good' }, root, 'InvalidArgument');
    await expectCode(t, ADD_USER, { name: 'frank', groups: ['fine', 'not fine'] }, root, 'InvalidArgument');
    await expectCode(t, ADD_USER, { name: '' }, root, 'InvalidArgument');

    const data = await gqlOk(t, `{ users { name admin groups } groups { name members } }`, {}, root);
    expect(data).toEqual({
      users: [
        { name: 'alice', admin: false, groups: [] },
        { name: 'bob', admin: false, groups: [] },
        { name: 'dave', admin: false, groups: ['astro', 'lab'] },
        { name: 'erin', admin: true, groups: [] },
        { name: 'root', admin: true, groups: [] },
      ],
      groups: [
        { name: 'astro', members: ['dave'] },
        { name: 'lab', members: ['dave'] },
      ],
    });
  });

  test('addGroup, addGroupMember, removeGroupMember and deleteGroup; unknown names are NodeNotFound and change nothing', async () => {
    expect((await gqlOk(t, ADD_GROUP, { name: 'team', members: ['bob', 'alice'] }, root)).addGroup).toEqual({ name: 'team', members: ['alice', 'bob'] });
    // addGroup on an existing group adds members to it.
    expect((await gqlOk(t, ADD_GROUP, { name: 'team', members: ['dave'] }, root)).addGroup).toEqual({ name: 'team', members: ['alice', 'bob', 'dave'] });
    expect((await gqlOk(t, ADD_GROUP, { name: 'empty' }, root)).addGroup).toEqual({ name: 'empty', members: [] });
    // One unknown member: nothing at all is made.
    const ghosts = await expectCode(t, ADD_GROUP, { name: 'ghosts', members: ['alice', 'casper'] }, root, 'NodeNotFound');
    expect(ghosts.errors![0].message).toBe("NodeNotFound: no user 'casper'");
    await expectCode(t, ADD_GROUP, { name: 'bad/name' }, root, 'InvalidArgument');

    expect((await gqlOk(t, ADD_MEMBER, { group: 'empty', user: 'erin' }, root)).addGroupMember).toEqual({ name: 'empty', members: ['erin'] });
    // Adding a member again changes nothing.
    expect((await gqlOk(t, ADD_MEMBER, { group: 'empty', user: 'erin' }, root)).addGroupMember).toEqual({ name: 'empty', members: ['erin'] });
    expect((await expectCode(t, ADD_MEMBER, { group: 'nope', user: 'erin' }, root, 'NodeNotFound')).errors![0].message).toBe("NodeNotFound: no group 'nope'");
    expect((await expectCode(t, ADD_MEMBER, { group: 'empty', user: 'nobody' }, root, 'NodeNotFound')).errors![0].message).toBe("NodeNotFound: no user 'nobody'");

    expect((await gqlOk(t, REMOVE_MEMBER, { group: 'team', user: 'bob' }, root)).removeGroupMember).toEqual({ name: 'team', members: ['alice', 'dave'] });
    // Removing a member who is not in the group changes nothing.
    expect((await gqlOk(t, REMOVE_MEMBER, { group: 'team', user: 'bob' }, root)).removeGroupMember).toEqual({ name: 'team', members: ['alice', 'dave'] });
    await expectCode(t, REMOVE_MEMBER, { group: 'nope', user: 'alice' }, root, 'NodeNotFound');
    await expectCode(t, REMOVE_MEMBER, { group: 'team', user: 'nobody' }, root, 'NodeNotFound');

    expect((await gqlOk(t, DELETE_GROUP, { name: 'lab' }, root)).deleteGroup).toBe(true);
    expect((await expectCode(t, DELETE_GROUP, { name: 'lab' }, root, 'NodeNotFound')).errors![0].message).toBe("NodeNotFound: no group 'lab'");

    const data = await gqlOk(t, `{ users { name groups } groups { name members } }`, {}, root);
    expect(data).toEqual({
      users: [
        { name: 'alice', groups: ['team'] },
        { name: 'bob', groups: [] },
        { name: 'dave', groups: ['astro', 'team'] },
        { name: 'erin', groups: ['empty'] },
        { name: 'root', groups: [] },
      ],
      groups: [
        { name: 'astro', members: ['dave'] },
        { name: 'empty', members: ['erin'] },
        { name: 'team', members: ['alice', 'dave'] },
      ],
    });
  });

  test('a membership change holds for the very next request of a token used a moment before', async () => {
    await gqlOk(t, ADD_GROUP, { name: 'crew' }, root);
    // Reading a node takes read permission on its ancestors too: the home is shared with crew as well.
    await gqlOk(t, `mutation { setProperties(path: "/alice", properties: [{uri: "${GROUPREAD}", value: "crew"}]) { id } }`, {}, alice);
    await gqlOk(t, `mutation { createNode(path: "/alice/shared", properties: [{uri: "${GROUPREAD}", value: "crew"}]) { id } }`, {}, alice);
    const asBob = async () => {
      const g = await gqlOk(t, `{ me { groups } node(path: "/alice/shared") { path } }`, {}, bob);
      const rest = await request('GET', `${t.base}/nodes/alice/shared`, { token: bob });
      return { groups: g.me.groups, node: g.node, rest: rest.status };
    };
    const outside = { groups: [], node: null, rest: 403 };
    const inside = { groups: ['crew'], node: { path: '/alice/shared' }, rest: 200 };

    expect(await asBob()).toEqual(outside); // bob's identity is now cached
    await gqlOk(t, ADD_MEMBER, { group: 'crew', user: 'bob' }, root);
    expect(await asBob()).toEqual(inside);
    await gqlOk(t, REMOVE_MEMBER, { group: 'crew', user: 'bob' }, root);
    expect(await asBob()).toEqual(outside);
    await gqlOk(t, ADD_GROUP, { name: 'crew', members: ['bob'] }, root);
    expect(await asBob()).toEqual(inside);
    await gqlOk(t, DELETE_GROUP, { name: 'crew' }, root);
    expect(await asBob()).toEqual(outside);
  });
});

describe('the figures of the admin page', () => {
  let t: TestService;
  let root: string;
  let alice: string;
  let bob: string;
  let carol: string;
  const failed: string[] = [];
  let started: number;

  const pullSpec = (p: string): TransferSpec => ({ target: t.uri(p), direction: 'pullFromVoSpace', protocols: [HTTPGET] });
  const bytes = (n: number) => randomBytes(n);
  const mk = async (token: string, path: string, type = 'ContainerNode', properties: { uri: string; value: string }[] = [], target?: string) => {
    await gqlOk(t, `mutation($p: String!, $t: NodeKind!, $props: [PropertyInput!], $target: String) {
      createNode(path: $p, type: $t, properties: $props, target: $target) { id } }`, { p: path, t: type, props: properties, target }, token);
  };

  /** A pull that ends in ERROR, by its owner (or anonymously, with token ''). */
  async function failingPull(token: string, spec: TransferSpec, fault: string): Promise<void> {
    const id = await createJob(t, token, spec, '?PHASE=RUN');
    const job = await waitFinal(t, token, id);
    expect({ phase: job.phase, fault: job.errorMessage?.split(':')[0] }).toEqual({ phase: 'ERROR', fault });
    failed.push(id);
  }

  beforeAll(async () => {
    started = Date.now();
    t = await startTestService();
    root = await t.user('root', { admin: true });
    alice = await t.user('alice');
    bob = await t.user('bob');
    carol = await t.user('carol');

    await mk(alice, '/alice/data');
    await gqlOk(t, `mutation { setProperties(path: "/alice/data", properties: [{uri: "${QUOTA}", value: "10000"}]) { id } }`, {}, root);
    await push(t, alice, 'alice/data/a.bin', bytes(1000));
    await push(t, alice, 'alice/data/b.bin', bytes(2345));
    await mk(alice, '/alice/data/sub');
    await push(t, alice, 'alice/data/sub/c.bin', bytes(77));
    await mk(alice, '/alice/data/empty');
    await gqlOk(t, `mutation { setProperties(path: "/alice/data/empty", properties: [{uri: "${QUOTA}", value: "50"}]) { id } }`, {}, root);
    await mk(alice, '/alice/data/link', 'LinkNode', [], 'http://example.org/elsewhere');
    await mk(alice, '/alice/data/note', 'DataNode');
    // Siblings whose paths sort next to alice/data: neither is in its subtree.
    await mk(alice, '/alice/data-x');
    await push(t, alice, 'alice/data-x/d.bin', bytes(11));
    await push(t, alice, 'alice/data0', bytes(13));
    // Replaced bytes count once, at their new size.
    await push(t, bob, 'bob/e.bin', bytes(500));
    await push(t, bob, 'bob/e.bin', bytes(600));

    await failingPull(alice, pullSpec('alice/ghost.bin'), 'NodeNotFound');
    await failingPull(bob, { ...pullSpec('bob/e.bin'), view: 'ivo://example.org/views#hologram' }, 'ViewNotSupported');
    await failingPull('', pullSpec('alice/data/a.bin'), 'PermissionDenied');
    await createJob(t, carol, pullSpec('bob/e.bin')); // PENDING
    await negotiate(t, bob, 'bob/e.bin', 'pullFromVoSpace'); // EXECUTING: the bytes are never fetched
    const aborted = await createJob(t, alice, pullSpec('alice/data/a.bin'));
    expect((await postJob(t, alice, aborted, { PHASE: 'ABORT' })).status).toBe(303);

    // A storage server that has not been heard from for five minutes.
    const ago = (s: number) => new Date(Date.now() - s * 1000);
    await t.running.svc.db('storage_servers').insert({ name: 'old', url: 'http://old.invalid:8081', registered_at: ago(3600), heartbeat_at: ago(300) });
  });
  afterAll(() => t?.close());

  test('usage per user: nodes owned, data nodes, bytes', async () => {
    const { usageByUser } = await gqlOk(t, USAGE_BY_USER, {}, root);
    expect(usageByUser).toEqual([
      // home, data, a, b, sub, c, empty, link, note, data-x, d, data0
      { user: 'alice', nodes: 12, dataNodes: 6, bytes: 1000 + 2345 + 77 + 11 + 13 },
      { user: 'bob', nodes: 2, dataNodes: 1, bytes: 600 },
      { user: 'carol', nodes: 1, dataNodes: 0, bytes: 0 },
      { user: 'root', nodes: 1, dataNodes: 0, bytes: 0 },
    ]);
  });

  test('usage of a subtree, with its quota, and of its child containers', async () => {
    const data = { path: '/alice/data', nodes: 8, bytes: 1000 + 2345 + 77, quota: 10000, bytesLeft: 10000 - 3422 };
    const alone = await gqlOk(t, CONTAINER_USAGE, { path: '/alice/data' }, root);
    expect(alone.containerUsage).toEqual({ container: data, children: [] });

    const withChildren = await gqlOk(t, CONTAINER_USAGE, { path: 'alice/data', children: true }, root);
    expect(withChildren.containerUsage).toEqual({
      container: data,
      children: [
        { path: '/alice/data/empty', nodes: 1, bytes: 0, quota: 50, bytesLeft: 50 },
        { path: '/alice/data/sub', nodes: 2, bytes: 77, quota: null, bytesLeft: null },
      ],
    });

    const home = await gqlOk(t, CONTAINER_USAGE, { path: t.uri('alice'), children: true }, root);
    expect(home.containerUsage).toEqual({
      container: { path: '/alice', nodes: 12, bytes: 3446, quota: null, bytesLeft: null },
      children: [data, { path: '/alice/data-x', nodes: 2, bytes: 11, quota: null, bytesLeft: null }],
    });

    // A data node is a subtree of one.
    const file = await gqlOk(t, CONTAINER_USAGE, { path: '/alice/data0', children: true }, root);
    expect(file.containerUsage).toEqual({ container: { path: '/alice/data0', nodes: 1, bytes: 13, quota: null, bytesLeft: null }, children: [] });

    // The root holds everything: itself and four homes (12 + 2 + 1 + 1 nodes).
    const top = await gqlOk(t, CONTAINER_USAGE, { path: '/', children: true }, root);
    expect(top.containerUsage).toEqual({
      container: { path: '/', nodes: 17, bytes: 4046, quota: null, bytesLeft: null },
      children: [
        { path: '/alice', nodes: 12, bytes: 3446, quota: null, bytesLeft: null },
        { path: '/bob', nodes: 2, bytes: 600, quota: null, bytesLeft: null },
        { path: '/carol', nodes: 1, bytes: 0, quota: null, bytesLeft: null },
        { path: '/root', nodes: 1, bytes: 0, quota: null, bytesLeft: null },
      ],
    });
  });

  test('a quota below the usage leaves a negative number of bytes; spaces around a quota are allowed', async () => {
    await gqlOk(t, `mutation { setProperties(path: "/alice/data-x", properties: [{uri: "${QUOTA}", value: "\\t10 "}]) { id } }`, {}, root);
    const r = await gqlOk(t, CONTAINER_USAGE, { path: '/alice/data-x' }, root);
    expect(r.containerUsage.container).toEqual({ path: '/alice/data-x', nodes: 2, bytes: 11, quota: 10, bytesLeft: -1 });
    await gqlOk(t, `mutation { setProperties(path: "/alice/data-x", properties: [{uri: "${QUOTA}", value: null}]) { id } }`, {}, root);
  });

  test('usage of a path that is not there: NodeNotFound; of a bad path: InvalidURI', async () => {
    const r = await expectCode(t, CONTAINER_USAGE, { path: '/alice/nothing', children: true }, root, 'NodeNotFound');
    expect(r.errors![0].message).toBe(`NodeNotFound: ${t.uri('alice/nothing')}`);
    await expectCode(t, CONTAINER_USAGE, { path: '/alice/../bob' }, root, 'InvalidURI');
    await expectCode(t, CONTAINER_USAGE, { path: 'vos://elsewhere.org!vospace/alice' }, root, 'InvalidURI');
  });

  test('storage servers: bytes held, liveness, and the space of root_dir as reported', async () => {
    const { storageServers } = await gqlOk(t, STORAGE_SERVERS, {}, root);
    expect(storageServers).toHaveLength(2);
    const [own, old] = storageServers;
    const fsNow = fs.statfsSync(t.dirs.root);
    expect(own).toEqual({
      name: t.config.storage.name,
      url: t.running.storage!.url,
      registered: expect.any(String),
      lastHeartbeat: expect.any(String),
      live: true,
      bytesStored: 1000 + 2345 + 77 + 11 + 13 + 600,
      freeBytes: expect.any(Number),
      totalBytes: fsNow.blocks * fsNow.bsize,
    });
    const registered = Date.parse(own.registered);
    const beat = Date.parse(own.lastHeartbeat);
    expect(registered).toBeGreaterThanOrEqual(started - 1000);
    expect(beat).toBeGreaterThanOrEqual(registered);
    expect(beat).toBeLessThanOrEqual(Date.now() + 1000);
    // Free space moves as anything on the machine writes: it was measured at the heartbeat, not now.
    expect(own.freeBytes).toBeGreaterThan(0);
    expect(own.freeBytes).toBeLessThanOrEqual(own.totalBytes);
    expect(Math.abs(own.freeBytes - fsNow.bavail * fsNow.bsize)).toBeLessThan(own.totalBytes / 20);

    expect(old).toEqual({
      name: 'old',
      url: 'http://old.invalid:8081',
      registered: expect.any(String),
      lastHeartbeat: expect.any(String),
      live: false,
      bytesStored: 0,
      freeBytes: null,
      totalBytes: null,
    });
    expect(Math.abs(Date.parse(old.lastHeartbeat) - (Date.now() - 300_000))).toBeLessThan(60_000);
  });

  test('jobs: a count for every phase, zeros included', async () => {
    const { jobPhaseCounts } = await gqlOk(t, JOB_COUNTS, {}, root);
    expect(jobPhaseCounts).toEqual([
      { phase: 'PENDING', count: 1 },
      { phase: 'QUEUED', count: 0 },
      { phase: 'EXECUTING', count: 1 },
      { phase: 'COMPLETED', count: 7 },
      { phase: 'ERROR', count: 3 },
      { phase: 'ABORTED', count: 1 },
      { phase: 'UNKNOWN', count: 0 },
      { phase: 'HELD', count: 0 },
      { phase: 'SUSPENDED', count: 0 },
      { phase: 'ARCHIVED', count: 0 },
    ]);
  });

  test('jobs: the most recent failures, newest first, as each job itself reports them', async () => {
    const { failedJobs } = await gqlOk(t, FAILED_JOBS, { last: 10 }, root);
    const expected = [];
    for (const id of [...failed].reverse()) {
      const { job } = await gqlOk(t, `query($id: String!) { job(id: $id) { id owner creationTime endTime error { fault message } } }`, { id }, root);
      expected.push({ id, owner: job.owner, creationTime: job.creationTime, endTime: job.endTime, fault: job.error.fault, message: job.error.message });
    }
    expect(failedJobs).toEqual(expected);
    expect(failedJobs.map((j: { owner: string | null; fault: string }) => [j.owner, j.fault])).toEqual([
      [null, 'PermissionDenied'],
      ['bob', 'ViewNotSupported'],
      ['alice', 'NodeNotFound'],
    ]);
    expect(failedJobs[2].message).toBe(t.uri('alice/ghost.bin'));

    expect((await gqlOk(t, FAILED_JOBS, { last: 2 }, root)).failedJobs).toEqual(expected.slice(0, 2));
    expect((await gqlOk(t, FAILED_JOBS, { last: 0 }, root)).failedJobs).toEqual([]);
    expect((await gqlOk(t, `{ failedJobs { id } }`, {}, root)).failedJobs).toHaveLength(3);
    for (const last of [-1, 1001]) await expectCode(t, FAILED_JOBS, { last }, root, 'InvalidArgument');
  });

  describe('each admin query: a fixed number of SQL statements, however much there is', () => {
    /** The statements the service runs for one request (root's token looked up afresh beforehand, so it is cached). */
    async function statements(query: string, vars: Record<string, unknown>): Promise<string[]> {
      t.running.svc.tokens.forget(); // a cache hit does not extend an entry: start a new one
      await gqlOk(t, `{ me { name } }`, {}, root);
      const sql: string[] = [];
      const listen = (q: { sql: string }) => sql.push(q.sql);
      t.running.svc.db.on('query', listen);
      try {
        await gqlOk(t, query, vars, root);
      } finally {
        t.running.svc.db.removeListener('query', listen);
      }
      return sql;
    }

    const QUERIES: [string, Record<string, unknown>][] = [
      [USERS, {}],
      [GROUPS, {}],
      [USAGE_BY_USER, {}],
      [CONTAINER_USAGE, { path: '/', children: true }],
      [CONTAINER_USAGE, { path: '/alice', children: true }],
      [STORAGE_SERVERS, {}],
      [JOB_COUNTS, {}],
      [FAILED_JOBS, { last: 1000 }],
    ];

    test('the same count before and after adding 20 users, 20 groups, 60 nodes and 10 failed jobs', async () => {
      const before = [];
      for (const [q, v] of QUERIES) before.push((await statements(q, v)).length);

      for (let i = 0; i < 20; i++) {
        const name = `user${String(i).padStart(2, '0')}`;
        const token = await t.user(name, { groups: [`group${i}`, 'everyone'] });
        await mk(token, `/${name}/dir`);
        await mk(token, `/${name}/dir/file`, 'DataNode');
      }
      for (let i = 0; i < 10; i++) await failingPull(alice, pullSpec(`alice/missing${i}`), 'NodeNotFound');
      await push(t, alice, 'alice/data/sub/more.bin', bytes(5));

      const after = [];
      for (const [q, v] of QUERIES) after.push((await statements(q, v)).length);
      expect(after).toEqual(before);
      expect(after).toEqual(QUERIES.map(() => 1));
      const { usageByUser } = await gqlOk(t, USAGE_BY_USER, {}, root);
      expect(usageByUser).toHaveLength(24);
      expect((await gqlOk(t, FAILED_JOBS, { last: 1000 }, root)).failedJobs).toHaveLength(13);
    });
  });
});
