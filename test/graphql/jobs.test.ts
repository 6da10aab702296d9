/**
 * Transfer jobs through GraphQL, over real sockets: negotiate a push and send
 * the bytes to the endpoint it returns, list and page jobs, keep them private,
 * and follow a job's phase over a graphql-ws WebSocket subscription.
 */
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { HTTPPUT, putBytes, raceTimeout, sleep } from '../helpers/client';
import { request } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { codes, gql, gqlOk } from '../helpers/gql';

const JOB = `id phase owner runId creationTime startTime endTime executionDuration destruction target direction view keepBytes
  protocols { uri endpoint securityMethod } results { id href } error { fault message }`;
const NEGOTIATE = `mutation($target: String!, $direction: String!, $protocols: [String!], $view: String, $keepBytes: Boolean, $run: Boolean) {
  negotiateTransfer(target: $target, direction: $direction, protocols: $protocols, view: $view, keepBytes: $keepBytes, run: $run) { ${JOB} } }`;
const GET = `query($id: String!) { job(id: $id) { ${JOB} } }`;
const LIST = `query($phases: [Phase!], $after: DateTimeISO, $first: Int, $cursor: String) {
  jobs(phases: $phases, after: $after, first: $first, cursor: $cursor) { edges { cursor node { id phase owner creationTime } } pageInfo { hasNextPage endCursor } } }`;
const ABORT = `mutation($id: String!) { abortJob(id: $id) { id phase endTime } }`;
const DELETE = `mutation($id: String!) { deleteJob(id: $id) }`;
const WATCH = `subscription($id: String!) { jobPhase(id: $id) { id phase endTime error { fault message } } }`;

interface JobOut {
  id: string;
  phase: string;
  owner: string | null;
  creationTime: string;
  endTime: string | null;
  target: string;
  direction: string;
  keepBytes: boolean;
  protocols: { uri: string; endpoint: string; securityMethod: string | null }[];
  results: { id: string; href: string }[];
  error: { fault: string; message: string } | null;
}

let t: TestService;
let alice: string;
let bob: string;
let root: string;
const clients: Client[] = [];

beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice');
  bob = await t.user('bob');
  root = await t.user('root', { admin: true });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await t?.close();
});

async function negotiate(vars: Record<string, unknown>, token: string | null = alice): Promise<JobOut> {
  return (await gqlOk<{ negotiateTransfer: JobOut }>(t, NEGOTIATE, vars, token)).negotiateTransfer;
}

const push = (name: string, token: string | null = alice, run = true) =>
  negotiate({ target: t.uri(name), direction: 'pushToVoSpace', protocols: [HTTPPUT], run }, token);

async function getJob(id: string, token: string | null = alice): Promise<JobOut | null> {
  return (await gqlOk<{ job: JobOut | null }>(t, GET, { id }, token)).job;
}

const wsUrl = () => `${t.origin.replace(/^http/, 'ws')}/graphql`;

/** A graphql-ws client that sends the token in connection_init (or, with `header`, on the upgrade request). */
function wsClient(token: string | null, opts: { header?: boolean } = {}): Client {
  let impl: unknown = WebSocket;
  if (opts.header && token) {
    impl = class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { authorization: `Bearer ${token}` } });
      }
    };
  }
  const client = createClient({
    url: wsUrl(),
    webSocketImpl: impl,
    retryAttempts: 0,
    connectionParams: token && !opts.header ? { authorization: `Bearer ${token}` } : undefined,
  });
  clients.push(client);
  return client;
}

/** What a subscription delivered: its results in order, how it ended, and a way to wait for more. */
interface Watch {
  results: FormattedExecutionResult<{ jobPhase: JobOut | null }, unknown>[];
  /** Resolves on completion, rejects on a socket or protocol error. */
  ended: Promise<void>;
  /** Waits until at least n results have arrived. */
  until(n: number, ms?: number): Promise<void>;
  /** Waits until a result in this phase has arrived. */
  untilPhase(phase: string, ms?: number): Promise<void>;
  phases(): (string | undefined)[];
}

function watch(client: Client, id: string): Watch {
  const results: Watch['results'] = [];
  const waiters: (() => void)[] = [];
  let settle!: { resolve: () => void; reject: (e: unknown) => void };
  const ended = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  ended.catch(() => {});
  client.subscribe<{ jobPhase: JobOut | null }>(
    { query: WATCH, variables: { id } },
    {
      next: (r) => {
        results.push(r);
        waiters.splice(0).forEach((w) => w());
      },
      error: (e) => settle.reject(e),
      complete: () => settle.resolve(),
    },
  );
  const wait = async (done: () => boolean, what: string, ms = 20_000) => {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`waited for ${what}, got ${JSON.stringify(results)}`);
      await Promise.race([new Promise<void>((r) => waiters.push(r)), sleep(100), ended.catch(() => {})]);
    }
  };
  return {
    results,
    ended,
    phases: () => results.map((r) => r.data?.jobPhase?.phase),
    until(n, ms) {
      return wait(() => results.length >= n, `${n} results`, ms);
    },
    untilPhase(phase, ms) {
      return wait(() => results.some((r) => r.data?.jobPhase?.phase === phase), phase, ms);
    },
  };
}

/** Rejects if `p` does not settle within `ms`. */
const within = <T>(p: Promise<T>, ms = 20_000): Promise<T> =>
  raceTimeout(p, ms, (): never => {
    throw new Error(`not settled within ${ms} ms`);
  });

describe('negotiateTransfer', () => {
  test('a push returns its endpoints; PUT to one completes the job, seen through job(id)', async () => {
    const job = await push('alice/up1.bin');
    expect(job.phase).toBe('EXECUTING');
    expect(job.owner).toBe('alice');
    expect(job.target).toBe(t.uri('alice/up1.bin'));
    expect(job.direction).toBe('pushToVoSpace');
    expect(job.keepBytes).toBe(false);
    expect(job.protocols.length).toBeGreaterThan(0);
    expect(job.protocols[0].uri).toBe(HTTPPUT);
    expect(job.protocols[0].endpoint.startsWith(`${t.running.storage!.url}/`)).toBe(true);
    // Result links are absolute, into the REST binding.
    expect(job.results).toEqual([{ id: 'transferDetails', href: `${t.base}/transfers/${job.id}/results/transferDetails` }]);
    expect(Date.parse(job.creationTime)).not.toBeNaN();

    const bytes = Buffer.from('hello through GraphQL\n');
    expect((await putBytes(job.protocols[0].endpoint, bytes)).status).toBeLessThan(300);
    const done = await getJob(job.id);
    expect(done?.phase).toBe('COMPLETED');
    expect(done?.endTime).not.toBeNull();
    expect(done?.error).toBeNull();
    const node = await gqlOk(t, `query($p: String!) { node(path: $p) { size md5 } }`, { p: '/alice/up1.bin' }, alice);
    expect(node.node.size).toBe(bytes.length);
    // The REST face sees the same job.
    const rest = await request('GET', `${t.base}/transfers/${job.id}/phase`, { token: alice });
    expect(rest.text).toBe('COMPLETED');
  });

  test('run: false leaves the job PENDING without endpoints', async () => {
    const job = await push('alice/later.bin', alice, false);
    expect(job.phase).toBe('PENDING');
    expect(job.protocols).toEqual([]);
    expect(job.results).toEqual([]);
  });

  test('a new job is answered as a read of it shows it (built from the insert, not read back), for a user and anonymously', async () => {
    for (const token of [alice, null]) {
      const made = await push(token ? 'alice/asread.bin' : 'alice/anon.bin', token, false);
      const read = (await gqlOk<{ job: JobOut }>(t, GET, { id: made.id }, token)).job;
      expect(made).toEqual(read);
      expect(made.owner).toBe(token ? 'alice' : null);
    }
  });

  test('a move runs after the mutation returns; its result is the destination URI', async () => {
    await gqlOk(t, `mutation { createNode(path: "/alice/from", type: ContainerNode) { id } }`, {}, alice);
    const job = await negotiate({ target: t.uri('alice/from'), direction: t.uri('alice/to') });
    expect(job.direction).toBe(t.uri('alice/to'));
    expect(job.protocols).toEqual([]);
    let final = job;
    for (let i = 0; i < 100 && !['COMPLETED', 'ERROR'].includes(final.phase); i++) {
      await sleep(50);
      final = (await getJob(job.id))!;
    }
    expect(final.phase).toBe('COMPLETED');
    expect(final.results).toEqual([{ id: 'destination', href: t.uri('alice/to') }]);
  });

  test('a transfer that fails records its fault on the job; bad arguments are faults', async () => {
    const missing = await negotiate({ target: t.uri('alice/not-there'), direction: 'pullFromVoSpace' });
    expect(missing.phase).toBe('ERROR');
    expect(missing.error?.fault).toBe('NodeNotFound');

    const badDirection = await gql(t, NEGOTIATE, { target: t.uri('alice/x'), direction: 'sideways' }, alice);
    expect(codes(badDirection)).toEqual(['InvalidArgument']);
    expect(badDirection.errors![0].message).toMatch(/^InvalidArgument: unknown transfer direction/);

    const foreign = await gql(t, NEGOTIATE, { target: 'vos://elsewhere.org!vospace/x', direction: 'pushToVoSpace' }, alice);
    expect(codes(foreign)).toEqual(['InvalidURI']);
  });
});

describe('job(id) and jobs()', () => {
  test('job(id) is null for an unknown id', async () => {
    expect(await getJob('no-such-job')).toBeNull();
    expect(await getJob('not a valid id!')).toBeNull();
  });

  test('jobs() filters by phase and creation time, and pages in creation order', async () => {
    const carol = await t.user('carol');
    const early: JobOut[] = [];
    for (let i = 0; i < 3; i++) early.push(await push(`carol/e${i}.bin`, carol, false));
    await sleep(20);
    const late: JobOut[] = [];
    for (let i = 0; i < 4; i++) late.push(await push(`carol/l${i}.bin`, carol, i % 2 === 0));
    await gqlOk(t, ABORT, { id: late[3].id }, carol);
    const all = [...early, ...late].map((j) => j.id);

    // Every page, following endCursor.
    const pages: string[][] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < 20; guard++) {
      const d: any = await gqlOk(t, LIST, { first: 2, cursor }, carol);
      pages.push(d.jobs.edges.map((e: any) => e.node.id));
      expect(d.jobs.pageInfo.endCursor).toBe(d.jobs.edges[d.jobs.edges.length - 1]?.cursor ?? null);
      if (!d.jobs.pageInfo.hasNextPage) break;
      cursor = d.jobs.pageInfo.endCursor;
    }
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 1]);
    expect(pages.flat()).toEqual(all);

    // The default page holds them all, in the same order, each owned by carol.
    const d = await gqlOk(t, LIST, {}, carol);
    expect(d.jobs.edges.map((e: any) => e.node.id)).toEqual(all);
    expect(new Set(d.jobs.edges.map((e: any) => e.node.owner))).toEqual(new Set(['carol']));
    expect(d.jobs.pageInfo.hasNextPage).toBe(false);

    // By phase.
    const phaseIds = async (phases: string[]) => (await gqlOk(t, LIST, { phases }, carol)).jobs.edges.map((e: any) => e.node.id);
    expect(await phaseIds(['EXECUTING'])).toEqual([late[0].id, late[2].id]);
    expect(await phaseIds(['ABORTED'])).toEqual([late[3].id]);
    expect(await phaseIds(['PENDING', 'ABORTED'])).toEqual([...early, late[1], late[3]].map((j) => j.id));
    expect(await phaseIds(['COMPLETED'])).toEqual([]);

    // Created after a time, and paged within the filter.
    const after = new Date(Date.parse(early[2].creationTime) + 1).toISOString();
    const recent = await gqlOk(t, LIST, { after }, carol);
    expect(recent.jobs.edges.map((e: any) => e.node.id)).toEqual(late.map((j) => j.id));
    const p1 = await gqlOk(t, LIST, { phases: ['PENDING'], first: 1 }, carol);
    const p2 = await gqlOk(t, LIST, { phases: ['PENDING'], first: 10, cursor: p1.jobs.pageInfo.endCursor }, carol);
    expect([...p1.jobs.edges, ...p2.jobs.edges].map((e: any) => e.node.id)).toEqual([...early, late[1]].map((j) => j.id));

    // A page of none still answers, and says whether more follow.
    const none = await gqlOk(t, LIST, { first: 0 }, carol);
    expect(none.jobs).toEqual({ edges: [], pageInfo: { hasNextPage: true, endCursor: null } });
  });

  test('a cursor whose job was deleted still continues after it', async () => {
    const dave = await t.user('dave');
    const made: JobOut[] = [];
    for (let i = 0; i < 4; i++) made.push(await push(`dave/d${i}.bin`, dave, false));
    const p1 = await gqlOk(t, LIST, { first: 2 }, dave);
    expect(await gqlOk(t, DELETE, { id: made[1].id }, dave)).toEqual({ deleteJob: true });
    const p2 = await gqlOk(t, LIST, { cursor: p1.jobs.pageInfo.endCursor }, dave);
    expect(p2.jobs.edges.map((e: any) => e.node.id)).toEqual([made[2].id, made[3].id]);
  });

  test('bad paging arguments are InvalidArgument faults', async () => {
    for (const vars of [{ first: -1 }, { first: 1001 }, { cursor: 'not-a-cursor' }, { cursor: Buffer.from('2020-01-01T00:00:00.000Z bad id!').toString('base64url') }]) {
      const r = await gql(t, LIST, vars, alice);
      expect(codes(r)).toEqual(['InvalidArgument']);
      expect(r.errors![0].message.startsWith('InvalidArgument')).toBe(true);
    }
    const phase = await gql(t, LIST, { phases: ['RUNNING'] }, alice);
    expect(phase.errors?.length).toBeGreaterThan(0);
  });

  test('jobs are private: another user gets PermissionDenied or does not see them; an admin does', async () => {
    const job = await push('alice/private.bin');

    const asBob = await gql(t, GET, { id: job.id }, bob);
    expect(codes(asBob)).toEqual(['PermissionDenied']);
    expect(asBob.errors![0].message.startsWith('PermissionDenied')).toBe(true);
    expect(asBob.data?.job ?? null).toBeNull();
    expect(codes(await gql(t, ABORT, { id: job.id }, bob))).toEqual(['PermissionDenied']);
    expect(codes(await gql(t, DELETE, { id: job.id }, bob))).toEqual(['PermissionDenied']);
    const bobs = await gqlOk(t, LIST, { first: 1000 }, bob);
    expect(bobs.jobs.edges.map((e: any) => e.node.id)).not.toContain(job.id);
    // Anonymous callers list nothing.
    expect((await gqlOk(t, LIST, {}, null)).jobs.edges).toEqual([]);

    expect((await getJob(job.id, root))?.owner).toBe('alice');
    const everyone = await gqlOk(t, LIST, { first: 1000 }, root);
    const owners = new Set(everyone.jobs.edges.map((e: any) => e.node.owner));
    expect(everyone.jobs.edges.map((e: any) => e.node.id)).toContain(job.id);
    expect(owners.has('alice') && owners.has('carol')).toBe(true);

    // Still untouched by bob's tries.
    expect((await getJob(job.id))?.phase).toBe('EXECUTING');
  });

  test('abortJob and deleteJob', async () => {
    const job = await push('alice/gone.bin');
    const aborted = (await gqlOk(t, ABORT, { id: job.id }, alice)).abortJob;
    expect(aborted.phase).toBe('ABORTED');
    expect(aborted.endTime).not.toBeNull();
    // Aborting again changes nothing.
    expect((await gqlOk(t, ABORT, { id: job.id }, alice)).abortJob.phase).toBe('ABORTED');
    // The endpoint is dead.
    expect((await putBytes(job.protocols[0].endpoint, Buffer.from('late'))).status).toBeGreaterThanOrEqual(400);
    expect(await gqlOk(t, DELETE, { id: job.id }, alice)).toEqual({ deleteJob: true });
    expect(await getJob(job.id)).toBeNull();
    expect(codes(await gql(t, DELETE, { id: job.id }, alice))).toEqual(['NotFound']);
  });
});

describe('jobPhase subscription over graphql-ws', () => {
  test('follows a push from EXECUTING to COMPLETED when the bytes arrive, then ends', async () => {
    const job = await push('alice/watched.bin');
    const w = watch(wsClient(alice), job.id);
    await w.until(1);
    expect(w.phases()).toEqual(['EXECUTING']);
    expect((await putBytes(job.protocols[0].endpoint, Buffer.from('watched bytes'))).status).toBeLessThan(300);
    await within(w.ended);
    expect(w.phases()).toEqual(['EXECUTING', 'COMPLETED']);
    expect(w.results.every((r) => !r.errors)).toBe(true);
    expect(w.results[1].data?.jobPhase?.endTime).not.toBeNull();
  });

  test('sees ABORTED after abortJob, and ends', async () => {
    const job = await push('alice/aborted.bin');
    const w = watch(wsClient(alice), job.id);
    await w.until(1);
    await gqlOk(t, ABORT, { id: job.id }, alice);
    await within(w.ended);
    expect(w.phases()).toEqual(['EXECUTING', 'ABORTED']);
  });

  test('a PENDING job is followed through RUN to EXECUTING; an admin may watch it too', async () => {
    const job = await push('alice/pending.bin', alice, false);
    const mine = watch(wsClient(alice), job.id);
    const admin = watch(wsClient(root, { header: true }), job.id);
    await Promise.all([mine.until(1), admin.until(1)]);
    await request('POST', `${t.base}/transfers/${job.id}/phase`, { token: alice, body: 'PHASE=RUN', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    await Promise.all([mine.untilPhase('EXECUTING'), admin.untilPhase('EXECUTING')]);
    // QUEUED shows if the subscription read the job before negotiation ended.
    expect(['PENDING,EXECUTING', 'PENDING,QUEUED,EXECUTING']).toContain(mine.phases().join());
    expect(['PENDING,EXECUTING', 'PENDING,QUEUED,EXECUTING']).toContain(admin.phases().join());
    await gqlOk(t, ABORT, { id: job.id }, alice);
    await within(Promise.all([mine.ended, admin.ended]));
    expect(mine.phases()[mine.phases().length - 1]).toBe('ABORTED');
  });

  test('a job already final is sent once, and the subscription ends', async () => {
    const job = await push('alice/final.bin');
    await gqlOk(t, ABORT, { id: job.id }, alice);
    const w = watch(wsClient(alice), job.id);
    await within(w.ended);
    expect(w.phases()).toEqual(['ABORTED']);
  });

  test('a caller who may not read the job gets PermissionDenied; an unknown job is NotFound', async () => {
    const job = await push('alice/secret.bin');
    const client = wsClient(bob);
    const denied = watch(client, job.id);
    await within(denied.ended);
    expect(denied.results).toHaveLength(1);
    expect(denied.results[0].errors?.map((e) => e.extensions?.code)).toEqual(['PermissionDenied']);
    expect(denied.results[0].errors?.[0].message).toMatch(/^PermissionDenied: /);
    const anonymous = watch(wsClient(null), job.id);
    await within(anonymous.ended);
    expect(anonymous.results[0].errors?.map((e) => e.extensions?.code)).toEqual(['PermissionDenied']);
    const unknown = watch(client, 'no-such-job');
    await within(unknown.ended);
    expect(unknown.results[0].errors?.map((e) => e.extensions?.code)).toEqual(['NotFound']);
  });

  test('deleting a watched job ends the subscription', async () => {
    const job = await push('alice/deleted.bin');
    const w = watch(wsClient(alice), job.id);
    await w.until(1);
    await gqlOk(t, DELETE, { id: job.id }, alice);
    await within(w.ended);
    // ABORTED if the subscription re-read the job before the delete removed it; NotFound after.
    const last = w.results[w.results.length - 1];
    expect(last.data?.jobPhase?.phase === 'ABORTED' || last.errors?.[0].extensions?.code === 'NotFound').toBe(true);
  });

  test('queries and mutations work over the WebSocket too, with the same identity', async () => {
    const client = wsClient(alice);
    const r = await client.iterate({ query: `{ me { name } }` }).next();
    expect(r.value).toEqual({ data: { me: { name: 'alice' } } });
  });

  test('an invalid token is refused, whether in connection_init or the upgrade request', async () => {
    for (const client of [wsClient('vos_not-a-real-token'), wsClient('vos_not-a-real-token', { header: true })]) {
      const w = watch(client, 'whatever');
      const err: any = await within(w.ended.then(() => new Error('the subscription was accepted'), (e) => e));
      expect(err.code).toBe(4403);
      expect(String(err.reason)).toMatch(/^InvalidToken: /);
      expect(w.results).toEqual([]);
    }
    // A header that is not a bearer token is refused the same way.
    const odd = createClient({ url: wsUrl(), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: 'Basic Zm9vOmJhcg==' } });
    clients.push(odd);
    const err: any = await within(watch(odd, 'whatever').ended.then(() => null, (e) => e));
    expect(err?.code).toBe(4403);
  });

  test('unsubscribing ends the server side at once', async () => {
    const job = await push('alice/unsub.bin');
    const client = wsClient(alice);
    const it = client.iterate<{ jobPhase: JobOut }>({ query: WATCH, variables: { id: job.id } });
    expect((await it.next()).value?.data?.jobPhase.phase).toBe('EXECUTING');
    // One listener on the job's events: this subscription's.
    const emitter = (t.running.svc.events as unknown as { emitter: import('node:events').EventEmitter }).emitter;
    expect(emitter.listenerCount(job.id)).toBe(1);
    await within(it.return!(), 5000);
    // The server let go of the job's events (a look inside: nothing outside shows it).
    for (let i = 0; i < 50 && emitter.listenerCount(job.id) > 0; i++) await sleep(20);
    expect(emitter.listenerCount(job.id)).toBe(0);
    // The job goes on; the socket is still usable for another operation.
    const again = await client.iterate({ query: `{ me { name } }` }).next();
    expect(again.value).toEqual({ data: { me: { name: 'alice' } } });
  });

  test('closing the service ends open subscriptions and does not wait on their sockets', async () => {
    const t2 = await startTestService();
    let closed = false;
    try {
      const erin = await t2.user('erin');
      const job = (await gqlOk(t2, NEGOTIATE, { target: t2.uri('erin/x.bin'), direction: 'pushToVoSpace' }, erin)).negotiateTransfer;
      const client = createClient({
        url: `${t2.origin.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${erin}` },
      });
      clients.push(client);
      const w = watch(client, job.id);
      await w.until(1);
      const started = Date.now();
      await within(t2.close(), 10_000);
      closed = true;
      expect(Date.now() - started).toBeLessThan(5000);
      const err: any = await within(w.ended.then(() => null, (e) => e));
      expect(err?.code).toBe(1001);
    } finally {
      if (!closed) await t2.close();
    }
  });
});
