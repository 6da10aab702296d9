/**
 * A deployment's own rules through policy_module (README, Security): a
 * CommonJS or ESM module with a `policy` (or default) export replaces the
 * default policy everywhere. This one has no readableSql, so listings and
 * counts are filtered node by node through permits(), page after page.
 */
import fs from 'node:fs';
import path from 'node:path';
import { request, nodeXml, childUris } from '../helpers/http';
import { TEST_ROOT } from '../helpers/db';
import { startTestService, type TestService } from '../helpers/service';
import { gql } from '../helpers/gql';

// Any signed-in user reads every node not named secret*; only admins and owners write; jobs are their owner's.
const POLICY = `
  const readable = (n) => !n.name.startsWith('secret');
  const writable = (who, n) => who.userId !== null && n.ownerId === who.userId;
  const policy = {
    permits(who, action, ctx) {
      if (who.admin) return true;
      if ('job' in ctx) return ctx.job.ownerId === who.userId;
      if (who.userId === null) return false;
      if (!ctx.ancestors.every(readable)) return false;
      return ['read', 'pull', 'copy'].includes(action) ? readable(ctx.node) : writable(who, ctx.node);
    },
  };
`;

const dir = path.join(TEST_ROOT, `policy-${process.pid}-${Date.now()}`);
fs.mkdirSync(dir, { recursive: true });
const cjs = path.join(dir, 'policy.cjs');
const esm = path.join(dir, 'policy.mjs');
fs.writeFileSync(cjs, `${POLICY}\nexports.policy = policy;\n`);
fs.writeFileSync(esm, `${POLICY}\nexport default policy;\n`);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['CommonJS, named export', cjs],
  ['ESM, default export', esm],
])('a policy module (%s)', (_, file) => {
  let t: TestService;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    t = await startTestService({ space: { policy_module: file } });
    alice = await t.user('alice');
    bob = await t.user('bob');
    // 30 open children and 70 secret ones, interleaved in name order.
    for (let i = 0; i < 100; i++) {
      const name = i % 10 < 3 ? `open-${String(i).padStart(3, '0')}` : `secret-${String(i).padStart(3, '0')}`;
      const r = await request('PUT', `${t.base}/nodes/alice/${name}`, { token: alice, body: nodeXml(t.uri(`alice/${name}`)) });
      expect(r.status).toBe(201);
    }
  });
  afterAll(() => t?.close());

  test('decides reads: bob reads alice’s open nodes, not her secret ones, and anonymous reads nothing', async () => {
    expect((await request('GET', `${t.base}/nodes/alice/open-000`, { token: bob })).status).toBe(200);
    expect((await request('GET', `${t.base}/nodes/alice/secret-003`, { token: bob })).status).toBe(403);
    expect((await request('GET', `${t.base}/nodes/alice/open-000`)).status).toBe(403);
  });

  test('decides writes: bob may not write alice’s nodes', async () => {
    const r = await request('PUT', `${t.base}/nodes/alice/x`, { token: bob, body: nodeXml(t.uri('alice/x')) });
    expect(r.status).toBe(403);
  });

  test('REST listings page through only the nodes the policy lets bob read', async () => {
    const seen: string[] = [];
    let from: string | undefined;
    for (let guard = 0; guard < 50; guard++) {
      const q = from ? `?limit=7&uri=${encodeURIComponent(from)}` : '?limit=7';
      const uris = childUris((await request('GET', `${t.base}/nodes/alice${q}`, { token: bob })).text);
      const fresh = uris.filter((u) => !seen.includes(u));
      if (!fresh.length) break;
      seen.push(...fresh);
      from = uris[uris.length - 1];
    }
    expect(seen.map((u) => u.replace(/^.*\//, ''))).toEqual(Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 10 < 3).map((i) => `open-${String(i).padStart(3, '0')}`));
  });

  test('GraphQL pages and counts agree with it', async () => {
    const Q = `query($after: String) { node(path: "/alice") { children(first: 4, after: $after) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } } }`;
    const names: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 50; guard++) {
      const r: any = await gql(t, Q, { after }, bob);
      const c = r.data.node.children;
      expect(c.totalCount).toBe(30);
      names.push(...c.edges.map((e: any) => e.node.name));
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    expect(names).toHaveLength(30);
    expect(names.every((n) => n.startsWith('open-'))).toBe(true);
    const count = async (token: string) =>
      ((await gql(t, `{ node(path: "/alice") { children(first: 1000) { totalCount } } }`, {}, token)) as any).data.node.children.totalCount;
    // The rule hides secret* nodes even from their owner; an admin sees all.
    expect(await count(alice)).toBe(30);
    expect(await count(await t.user('root', { admin: true }))).toBe(100);
    expect((await gql(t, `{ node(path: "/alice/secret-003") { name } }`, {}, bob)).data).toEqual({ node: null });
  });
});

test('a module that exports no policy stops the service from starting, saying why', async () => {
  const bad = path.join(dir, 'bad.cjs');
  fs.writeFileSync(bad, 'exports.nothing = 1;\n');
  await expect(startTestService({ space: { policy_module: bad } })).rejects.toThrow(/exports no policy/);
  await expect(startTestService({ space: { policy_module: path.join(dir, 'missing.cjs') } })).rejects.toThrow(/could not be loaded/);
});
