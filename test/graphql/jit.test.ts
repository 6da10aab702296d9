/**
 * Apollo runs a document through graphql-js the first time and through
 * graphql-jit's compiled form after (src/graphql/jit.ts): the answers, the
 * faults and the refusals of bad variables must be the same, byte for byte,
 * whichever ran.
 */
import { CORE } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { codes, gql, gqlOk, type GqlReply } from '../helpers/gql';

let t: TestService;
let alice: string;

beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice');
  const kids = Array.from({ length: 20 }, (_, i) => `n${i}: createNode(path: "/alice/jit/f${String(i).padStart(2, '0')}", type: DataNode, properties: [{uri: "${CORE}title", value: "t${i}"}]) { id }`);
  await gqlOk(t, `mutation { c: createNode(path: "/alice/jit") { id } ${kids.join('\n')} }`, {}, alice);
});
afterAll(() => t?.close());

const PAGE = `query($p: String!, $first: Int!, $after: String) { node(path: $p) { uri name type owner size mtime properties { uri value readOnly }
  grants { owner groupRead groupWrite public } canWrite
  children(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id path name type owner size md5 busy ctime properties { uri value } } } } } me { name admin groups } }`;

/** Sends the same operation four times (the first by graphql-js, the rest compiled): every reply the same. */
async function sameEveryTime(query: string, variables: Record<string, unknown>): Promise<GqlReply<any>> {
  const replies: GqlReply<any>[] = [];
  for (let i = 0; i < 4; i++) replies.push(await gql(t, query, variables, alice));
  expect(replies.map((r) => `${r.status} ${r.text}`)).toEqual(Array(4).fill(`${replies[0].status} ${replies[0].text}`));
  return replies[0];
}

test('a page of children, its cursors and its counts', async () => {
  const first = await sameEveryTime(PAGE, { p: '/alice/jit', first: 5 });
  expect(first.errors).toBeUndefined();
  const c = first.data.node.children;
  expect(c.totalCount).toBe(20);
  expect(c.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['f00', 'f01', 'f02', 'f03', 'f04']);
  const next = await sameEveryTime(PAGE, { p: '/alice/jit', first: 5, after: c.pageInfo.endCursor });
  expect(next.data.node.children.edges[0].node.name).toBe('f05');
});

test('a fault in a resolver keeps its code and message, and the rest of the answer', async () => {
  const r = await sameEveryTime(PAGE, { p: '/alice/jit', first: 5, after: 'not-a-cursor' });
  expect(codes(r)).toEqual(['InvalidArgument']);
  expect(r.errors![0].path).toEqual(['node', 'children']);
  expect(r.data.me).toEqual({ name: 'alice', admin: false, groups: [] });
});

test('variables that do not fit are 400 BAD_USER_INPUT, and nothing runs', async () => {
  for (const variables of [{ p: '/alice/jit', first: 'five' }, { first: 5 }, { p: '/alice/jit', first: null }]) {
    const r = await sameEveryTime(PAGE, variables);
    expect({ status: r.status, codes: codes(r), data: r.data }).toEqual({ status: 400, codes: ['BAD_USER_INPUT'], data: undefined });
  }
});

test('a mutation compiled runs each time', async () => {
  const set = `mutation($p: String!, $v: String) { setProperties(path: $p, properties: [{ uri: "${CORE}description", value: $v }]) { properties { uri value } } }`;
  for (const v of ['one', 'two', 'three']) {
    const d = await gqlOk(t, set, { p: '/alice/jit/f00', v }, alice);
    expect(d.setProperties.properties).toContainEqual({ uri: `${CORE}description`, value: v });
  }
});
