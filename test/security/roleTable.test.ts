/**
 * One answer everywhere: every (role × node state × action) is tried through
 * each face — the REST binding (nodes and UWS jobs), GraphQL (queries,
 * mutations, negotiateTransfer), and the storage face (sync transfers with
 * REQUEST=redirect, and /files) — and must be allowed or denied as the rules
 * in README (Security) say, the same way on every face. Denied actions must
 * change nothing; allowed ones must take effect.
 *
 * Each (face, role, state) gets its own nodes, under alice (the owner):
 *   alice/t/{set}            the container P, with the state's parent grants
 *   alice/t/{set}/c          a container C with the state's node grants
 *   alice/t/{set}/d          a data node D with the node grants and some bytes
 * alice and alice/t are public, so only P and the node decide.
 */
import { createHash } from 'node:crypto';
import { CORE, childUris, nodeXml, request, type Prop, type Reply } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { gql } from '../helpers/gql';
import { createJob, getBytes, HTTPGET, HTTPPUT, negotiate, push, putBytes, runJob, waitFinal } from '../helpers/client';

jest.setTimeout(300_000);

const ROLES = ['owner', 'other user', 'group reader', 'group writer', 'anonymous', 'admin'] as const;
type Role = (typeof ROLES)[number];
type Grant = 'none' | 'shared' | 'public';
const STATES: Record<string, { parent: Grant; node: Grant }> = {
  'private node in a shared container': { parent: 'shared', node: 'none' },
  'shared node in a shared container': { parent: 'shared', node: 'shared' },
  'public node in a shared container': { parent: 'shared', node: 'public' },
  'public node in a private container': { parent: 'none', node: 'public' },
  'shared node in a public container': { parent: 'public', node: 'shared' },
};
const ACTIONS = ['read', 'list', 'create child', 'set property', 'pull', 'push', 'copy', 'move', 'delete'] as const;
type Action = (typeof ACTIONS)[number];
type Outcome = 'allow' | 'deny' | string;
const FACES = ['REST', 'GraphQL', 'storage'] as const;
type Face = (typeof FACES)[number];
/** The storage face moves bytes only. */
const FACE_ACTIONS: Record<Face, readonly Action[]> = { REST: ACTIONS, GraphQL: ACTIONS, storage: ['pull', 'push'] };

/** The rules of README (Security), for this fixture. */
function expected(role: Role, state: keyof typeof STATES, action: Action): 'allow' | 'deny' {
  if (role === 'owner' || role === 'admin') return 'allow';
  const { parent, node } = STATES[state];
  const member = role === 'group reader' || role === 'group writer';
  const readable = (g: Grant) => g === 'public' || (g === 'shared' && member);
  const writable = (g: Grant) => g === 'shared' && role === 'group writer';
  const user = role !== 'anonymous'; // only users have a home to copy or move into
  if (!readable(parent)) return 'deny';
  const ok = {
    read: readable(node),
    list: readable(node),
    pull: readable(node),
    'create child': writable(node),
    'set property': writable(node),
    push: writable(node),
    copy: readable(node) && user,
    move: writable(parent) && user,
    delete: writable(parent),
  }[action];
  return ok ? 'allow' : 'deny';
}

let t: TestService;
const tokens: Record<Role, string | undefined> = {} as Record<Role, string | undefined>;
const HOME: Record<Role, string> = {
  owner: 'alice',
  'other user': 'bob',
  'group reader': 'carol',
  'group writer': 'dave',
  anonymous: 'alice',
  admin: 'root',
};
const NOTE = 'ivo://example.org/test#note';
const BYTES = Buffer.from('the original bytes\n');
const newBytes = (who: string) => Buffer.from(`written by ${who}\n`);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function grants(g: Grant): Prop[] {
  if (g === 'public') return [{ uri: `${CORE}publicread`, value: 'true' }];
  if (g === 'shared') return [{ uri: `${CORE}groupread`, value: 'readers' }, { uri: `${CORE}groupwrite`, value: 'writers' }];
  return [];
}

async function mk(path: string, type: string, props: Prop[]): Promise<void> {
  const r = await request('PUT', `${t.base}/nodes/${path}`, { token: tokens.owner, body: nodeXml(t.uri(path), type, props) });
  if (r.status !== 201) throw new Error(`PUT ${path}: ${r.status} ${r.text}`);
}

beforeAll(async () => {
  t = await startTestService();
  tokens.owner = await t.user('alice');
  tokens['other user'] = await t.user('bob');
  tokens['group reader'] = await t.user('carol', { groups: ['readers'] });
  tokens['group writer'] = await t.user('dave', { groups: ['writers'] });
  tokens.anonymous = undefined;
  tokens.admin = await t.user('root', { admin: true });
  const open = nodeXml(t.uri('alice'), 'vos:ContainerNode', [{ uri: `${CORE}publicread`, value: 'true' }]);
  expect((await request('POST', `${t.base}/nodes/alice`, { token: tokens.owner, body: open })).status).toBe(200);
  await mk('alice/t', 'vos:ContainerNode', [{ uri: `${CORE}publicread`, value: 'true' }]);
});
afterAll(() => t?.close());

const slug = (s: string) => s.replace(/\W+/g, '-');

async function fixture(set: string, state: { parent: Grant; node: Grant }): Promise<void> {
  await mk(`alice/t/${set}`, 'vos:ContainerNode', grants(state.parent));
  await mk(`alice/t/${set}/c`, 'vos:ContainerNode', [...grants(state.node), { uri: NOTE, value: 'original' }]);
  await mk(`alice/t/${set}/d`, 'vos:DataNode', grants(state.node));
  await push(t, tokens.owner!, `alice/t/${set}/d`, BYTES);
}

// ---------------------------------------------------------------- reading outcomes

function restOutcome(r: Reply, ok = r.status >= 200 && r.status < 300): Outcome {
  if (ok) return 'allow';
  if (r.status === 403 && r.text.startsWith('PermissionDenied')) return 'deny';
  return `HTTP ${r.status}: ${r.text.trim().slice(0, 200)}`;
}

function gqlOutcome(r: { data?: any; errors?: { extensions?: { code?: string } }[]; text: string }, field: string): Outcome {
  const codes = (r.errors ?? []).map((e) => e.extensions?.code);
  if (!codes.length && r.data?.[field] != null) return 'allow';
  if (codes.length === 1 && codes[0] === 'PermissionDenied') return 'deny';
  // A query answers a node the caller may not read exactly as a missing one.
  if (!codes.length && field === 'node' && r.data?.node === null) return 'deny';
  return `GraphQL: ${r.text.slice(0, 300)}`;
}

/** A job's end: COMPLETED is allowed, ERROR with PermissionDenied denied. */
function jobOutcome(phase: string, fault: string | undefined, message: string | undefined): Outcome {
  if (phase === 'COMPLETED') return 'allow';
  if (phase === 'ERROR' && fault === 'PermissionDenied') return 'deny';
  return `job ${phase}: ${fault ?? ''} ${message ?? ''}`;
}

/** Bytes at a negotiated endpoint: a pull must give exactly the stored bytes, a push must be accepted. */
async function pullFrom(endpoint: string): Promise<Outcome> {
  const r = await getBytes(endpoint);
  return r.status === 200 && sha(r.body) === sha(BYTES) ? 'allow' : `GET endpoint: ${r.status}`;
}
async function pushTo(endpoint: string, who: string): Promise<Outcome> {
  const r = await putBytes(endpoint, newBytes(who));
  return r.status === 201 || r.status === 200 ? 'allow' : `PUT endpoint: ${r.status} ${r.text}`;
}

// ---------------------------------------------------------------- the faces

type Runner = (role: Role, set: string, action: Action) => Promise<Outcome>;

const rest: Runner = async (role, set, action) => {
  const token = tokens[role];
  const P = `alice/t/${set}`;
  const url = (p: string) => `${t.base}/nodes/${p}`;
  switch (action) {
    case 'read':
      return restOutcome(await request('GET', url(`${P}/c`), { token }));
    case 'list': {
      const r = await request('GET', url(P), { token });
      if (r.status !== 200) return restOutcome(r);
      return childUris(r.text).includes(t.uri(`${P}/c`)) ? 'allow' : 'deny';
    }
    case 'create child':
      return restOutcome(await request('PUT', url(`${P}/c/child`), { token, body: nodeXml(t.uri(`${P}/c/child`)) }));
    case 'set property':
      return restOutcome(await request('POST', url(`${P}/c`), { token, body: nodeXml(t.uri(`${P}/c`), 'vos:ContainerNode', [{ uri: NOTE, value: role }]) }));
    case 'delete':
      return restOutcome(await request('DELETE', url(`${P}/d`), { token }));
    case 'copy':
    case 'move': {
      const dest = `${HOME[role]}/${set}-${action}`;
      const id = await createJob(t, token!, { target: t.uri(`${P}/c`), direction: t.uri(dest), keepBytes: action === 'copy' });
      await runJob(t, token!, id);
      const job = await waitFinal(t, token!, id);
      return jobOutcome(job.phase, job.errorMessage?.split(':')[0], job.errorMessage);
    }
    case 'pull':
    case 'push': {
      const direction = action === 'push' ? 'pushToVoSpace' : 'pullFromVoSpace';
      const job = await negotiate(t, token!, `${P}/d`, direction, { mayFail: true });
      if (job.phase !== 'EXECUTING') return jobOutcome(job.phase!, job.error?.split(':')[0], job.error);
      return action === 'push' ? pushTo(job.endpoint!, role) : pullFrom(job.endpoint!);
    }
  }
};

const graphql: Runner = async (role, set, action) => {
  const token = tokens[role];
  const P = `/alice/t/${set}`;
  switch (action) {
    case 'read':
      return gqlOutcome(await gql(t, `query($p: String!) { node(path: $p) { name } }`, { p: `${P}/c` }, token), 'node');
    case 'list': {
      const r = await gql(t, `query($p: String!) { node(path: $p) { children(first: 100) { totalCount edges { node { name } } } } }`, { p: P }, token);
      const children = r.data?.node?.children;
      if (!children) return r.errors ? gqlOutcome(r, 'node') : 'deny';
      const names = children.edges.map((e: any) => e.node.name);
      if (children.totalCount !== names.length) return `totalCount ${children.totalCount} but ${names.length} listed`;
      return names.includes('c') ? 'allow' : 'deny';
    }
    case 'create child':
      return gqlOutcome(await gql(t, `mutation($p: String!) { createNode(path: $p, type: DataNode) { name } }`, { p: `${P}/c/child` }, token), 'createNode');
    case 'set property':
      return gqlOutcome(
        await gql(t, `mutation($p: String!, $v: String) { setProperties(path: $p, properties: [{ uri: "${NOTE}", value: $v }]) { name } }`, { p: `${P}/c`, v: role }, token),
        'setProperties',
      );
    case 'delete':
      return gqlOutcome(await gql(t, `mutation($p: String!) { deleteNode(path: $p) }`, { p: `${P}/d` }, token), 'deleteNode');
    case 'copy':
    case 'move':
    case 'pull':
    case 'push': {
      const direction = action === 'push' ? 'pushToVoSpace' : action === 'pull' ? 'pullFromVoSpace' : t.uri(`${HOME[role]}/${set}-${action}`);
      const target = t.uri(`${P.slice(1)}/${action === 'push' || action === 'pull' ? 'd' : 'c'}`);
      const JOB = `id phase error { fault message } protocols { endpoint }`;
      const r = await gql(
        t,
        `mutation($target: String!, $direction: String!, $keep: Boolean!) { negotiateTransfer(target: $target, direction: $direction, keepBytes: $keep) { ${JOB} } }`,
        { target, direction, keep: action === 'copy' },
        token,
      );
      let job = r.data?.negotiateTransfer;
      if (!job) return `GraphQL: ${r.text.slice(0, 300)}`;
      for (let i = 0; i < 200 && !['COMPLETED', 'ERROR', 'ABORTED'].includes(job.phase) && !(job.phase === 'EXECUTING' && job.protocols.length); i++) {
        await new Promise((res) => setTimeout(res, 25));
        job = (await gql(t, `query($id: String!) { job(id: $id) { ${JOB} } }`, { id: job.id }, token)).data.job;
      }
      if (job.phase === 'EXECUTING' && job.protocols.length) {
        return action === 'push' ? pushTo(job.protocols[0].endpoint, role) : pullFrom(job.protocols[0].endpoint);
      }
      return jobOutcome(job.phase, job.error?.fault, job.error?.message);
    }
  }
};

const storage: Runner = async (role, set, action) => {
  const token = tokens[role];
  const D = `alice/t/${set}/d`;
  const direction = action === 'push' ? 'pushToVoSpace' : 'pullFromVoSpace';
  const q = new URLSearchParams({ TARGET: t.uri(D), DIRECTION: direction, PROTOCOL: action === 'push' ? HTTPPUT : HTTPGET, REQUEST: 'redirect' });
  const r = await request('GET', `${t.base}/synctrans?${q}`, { token });
  const negotiated = r.status === 303 ? await (action === 'push' ? pushTo(r.headers.get('location')!, role) : pullFrom(r.headers.get('location')!)) : restOutcome(r);
  if (action === 'push') return negotiated;
  // A direct download through /files must agree with the negotiated one.
  const direct = await getBytes(`${t.base}/files/${D}`, { token });
  const files = direct.status === 200 && sha(direct.body) === sha(BYTES) ? 'allow' : restOutcome({ status: direct.status, text: direct.body.toString(), headers: direct.headers });
  return files === negotiated ? negotiated : `sync ${negotiated} but /files ${files}`;
};

const RUNNERS: Record<Face, Runner> = { REST: rest, GraphQL: graphql, storage };

// ---------------------------------------------------------------- effects

/** What the actions left behind, seen by the admin. */
async function effects(set: string, role: Role, face: Face) {
  const admin = tokens.admin;
  const P = `alice/t/${set}`;
  const exists = async (p: string) => (await request('GET', `${t.base}/nodes/${p}`, { token: admin })).status === 200;
  const c = await request('GET', `${t.base}/nodes/${P}/c`, { token: admin });
  const stored = await getBytes(`${t.base}/files/${P}/d`, { token: admin });
  if (face === 'storage') return { push: stored.status === 200 && sha(stored.body) === sha(newBytes(role)) };
  return {
    'create child': (await exists(`${P}/c/child`)) || (await exists(`${HOME[role]}/${set}-move/child`)),
    'set property': c.status === 200 ? c.text.includes(`>${role}<`) : (await request('GET', `${t.base}/nodes/${HOME[role]}/${set}-move`, { token: admin })).text.includes(`>${role}<`),
    push: stored.status === 200 && sha(stored.body) === sha(newBytes(role)),
    copy: role !== 'anonymous' && (await exists(`${HOME[role]}/${set}-copy`)),
    move: !(await exists(`${P}/c`)) && role !== 'anonymous' && (await exists(`${HOME[role]}/${set}-move`)),
    delete: !(await exists(`${P}/d`)),
  };
}

function expectedEffects(face: Face, outcomes: Partial<Record<Action, Outcome>>) {
  const did = (a: Action) => outcomes[a] === 'allow';
  if (face === 'storage') return { push: did('push') };
  return {
    'create child': did('create child'),
    'set property': did('set property'),
    push: did('push') && !did('delete'),
    copy: did('copy'),
    move: did('move'),
    delete: did('delete'),
  };
}

describe.each(FACES)('through %s', (face) => {
  test('every role × state × action is allowed or denied by the rules, with exactly the effects allowed', async () => {
    const got: Record<string, Partial<Record<Action, Outcome>>> = {};
    const want: Record<string, Partial<Record<Action, Outcome>>> = {};
    const gotEffects: Record<string, unknown> = {};
    const wantEffects: Record<string, unknown> = {};
    for (const role of ROLES) {
      for (const state of Object.keys(STATES)) {
        const row = `${role} / ${state}`;
        const set = slug(`${face}-${role}-${state}`);
        await fixture(set, STATES[state]);
        got[row] = {};
        want[row] = {};
        for (const action of FACE_ACTIONS[face]) {
          got[row][action] = await RUNNERS[face](role, set, action);
          want[row][action] = expected(role, state, action);
        }
        gotEffects[row] = await effects(set, role, face);
        wantEffects[row] = expectedEffects(face, got[row]);
      }
    }
    expect(got).toEqual(want);
    expect(gotEffects).toEqual(wantEffects);
  });
});
