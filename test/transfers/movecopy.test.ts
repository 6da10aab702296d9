/**
 * Move and copy as VOSpace transfers (direction = a node URI; keepBytes false
 * moves, true copies), driven over HTTP like vmv/vcp: POST /transfers, POST
 * PHASE=RUN, then block with WAIT until the job ends. The bytes are checked
 * by pulling them back; failures show up as job ERROR with the fault name.
 */
import { randomBytes } from 'node:crypto';
import { request, CORE } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import {
  MiB, UWS, XLINK, childOf, childrenOf, createJob, getJob, mkdir, negotiate, nodeProp, parseXml, postJob, pull, push, sha256, slowPut,
  transferFrom, waitFinal, type JobDoc,
} from '../helpers/client';

let t: TestService;
let alice: string;
let bob: string;

beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice');
  bob = await t.user('bob');
  await mkdir(t, alice, 'alice/mc');
});
afterAll(() => t?.close());

/** Runs a move (keepBytes false) or copy (true) to the end and returns the finished job. */
async function transfer(src: string, dest: string, keepBytes: boolean, token = alice): Promise<JobDoc> {
  const id = await createJob(t, token, { target: t.uri(src), direction: t.uri(dest), keepBytes });
  const run = await postJob(t, token, id, { PHASE: 'RUN' });
  expect(run.status).toBe(303);
  expect(run.headers.get('location')).toBe(`${t.base}/transfers/${id}`);
  return waitFinal(t, token, id);
}

const move = (src: string, dest: string, token = alice) => transfer(src, dest, false, token);
const copy = (src: string, dest: string, token = alice) => transfer(src, dest, true, token);

const exists = async (p: string) => (await request('GET', `${t.base}/nodes/${p}`, { token: alice })).status === 200;

function expectDestination(job: JobDoc, p: string): void {
  expect(job.phase).toBe('COMPLETED');
  expect(job.results).toContainEqual({ id: 'destination', href: t.uri(p) });
  expect(job.results.find((r) => r.id === 'destination')!.href).toMatch(/^vos:\/\//);
}

function expectError(job: JobDoc, fault: string): void {
  expect(job.phase).toBe('ERROR');
  expect(job.errorMessage).toMatch(new RegExp(`^${fault}\\b`));
}

async function expectBytes(p: string, bytes: Buffer): Promise<void> {
  expect(sha256(await pull(t, alice, p))).toBe(sha256(bytes));
}

describe('data nodes', () => {
  test('copy: the copy has the same bytes, the source stays, the result names the destination', async () => {
    const bytes = randomBytes(MiB + 99);
    await push(t, alice, 'alice/mc/src.bin', bytes);
    const job = await copy('alice/mc/src.bin', 'alice/mc/copy.bin');
    expectDestination(job, 'alice/mc/copy.bin');
    // The result element itself: <uws:result id="destination" xlink:href="vos://…"/>.
    const results = childOf(job.root, UWS, 'results')!;
    const dest = childrenOf(results, UWS, 'result').find((r) => r.attrs.get('id') === 'destination')!;
    expect(dest.attrs.get(`{${XLINK}}href`)).toBe(t.uri('alice/mc/copy.bin'));
    // jobInfo shows the transfer with the destination as its direction.
    const tr = transferFrom(job.transfer!);
    expect(tr.target).toBe(t.uri('alice/mc/src.bin'));
    expect(tr.direction).toBe(t.uri('alice/mc/copy.bin'));
    await expectBytes('alice/mc/copy.bin', bytes);
    await expectBytes('alice/mc/src.bin', bytes);
    expect(await nodeProp(t, alice, 'alice/mc/copy.bin', `${CORE}length`)).toBe(String(bytes.length));
    expect(await nodeProp(t, alice, 'alice/mc/copy.bin', `${CORE}MD5`)).toBe(await nodeProp(t, alice, 'alice/mc/src.bin', `${CORE}MD5`));
    // The copy's bytes are its own: overwriting it leaves the source alone.
    const other = randomBytes(1000);
    await push(t, alice, 'alice/mc/copy.bin', other);
    await expectBytes('alice/mc/copy.bin', other);
    await expectBytes('alice/mc/src.bin', bytes);
  });

  test('move: the node and its bytes go to the destination, the source is gone', async () => {
    const bytes = randomBytes(MiB / 2);
    await push(t, alice, 'alice/mc/mv-src.bin', bytes);
    const job = await move('alice/mc/mv-src.bin', 'alice/mc/mv-dest.bin');
    expectDestination(job, 'alice/mc/mv-dest.bin');
    expect(await exists('alice/mc/mv-src.bin')).toBe(false);
    await expectBytes('alice/mc/mv-dest.bin', bytes);
    expect(await nodeProp(t, alice, 'alice/mc/mv-dest.bin', `${CORE}length`)).toBe(String(bytes.length));
  });

  test('a move or copy job is PENDING until RUN, and WAIT sees it finish', async () => {
    await push(t, alice, 'alice/mc/quick.bin', randomBytes(100));
    const id = await createJob(t, alice, { target: t.uri('alice/mc/quick.bin'), direction: t.uri('alice/mc/quick2.bin'), keepBytes: true });
    expect((await getJob(t, alice, id)).phase).toBe('PENDING');
    await postJob(t, alice, id, { PHASE: 'RUN' });
    const job = await waitFinal(t, alice, id);
    expectDestination(job, 'alice/mc/quick2.bin');
  });
});

describe('containers with bytes', () => {
  const a = randomBytes(300 * 1024);
  const b = randomBytes(200 * 1024 + 1);
  const c = randomBytes(5);

  async function tree(p: string): Promise<void> {
    await mkdir(t, alice, p);
    await mkdir(t, alice, `${p}/sub`);
    await mkdir(t, alice, `${p}/sub/deeper`);
    await push(t, alice, `${p}/a.bin`, a);
    await push(t, alice, `${p}/sub/b.bin`, b);
    await push(t, alice, `${p}/sub/deeper/c.bin`, c);
  }

  async function expectTree(p: string): Promise<void> {
    await expectBytes(`${p}/a.bin`, a);
    await expectBytes(`${p}/sub/b.bin`, b);
    await expectBytes(`${p}/sub/deeper/c.bin`, c);
  }

  test('copy of a container copies every node and its bytes', async () => {
    await tree('alice/mc/tree');
    const job = await copy('alice/mc/tree', 'alice/mc/tree-copy');
    expectDestination(job, 'alice/mc/tree-copy');
    await expectTree('alice/mc/tree-copy');
    await expectTree('alice/mc/tree');
  });

  test('move of a container takes every node and its bytes along', async () => {
    await tree('alice/mc/tree2');
    const job = await move('alice/mc/tree2', 'alice/mc/tree2-moved');
    expectDestination(job, 'alice/mc/tree2-moved');
    await expectTree('alice/mc/tree2-moved');
    expect(await exists('alice/mc/tree2')).toBe(false);
    expect(await exists('alice/mc/tree2/sub/b.bin')).toBe(false);
  });

  test('into an existing container: the node keeps its name there', async () => {
    await mkdir(t, alice, 'alice/mc/into');
    const x = randomBytes(1234);
    const y = randomBytes(4321);
    await push(t, alice, 'alice/mc/x.bin', x);
    await push(t, alice, 'alice/mc/y.bin', y);
    expectDestination(await move('alice/mc/x.bin', 'alice/mc/into'), 'alice/mc/into/x.bin');
    expectDestination(await copy('alice/mc/y.bin', 'alice/mc/into'), 'alice/mc/into/y.bin');
    await expectBytes('alice/mc/into/x.bin', x);
    await expectBytes('alice/mc/into/y.bin', y);
    expect(await exists('alice/mc/x.bin')).toBe(false);
    await expectBytes('alice/mc/y.bin', y);
    await tree('alice/mc/tree3');
    expectDestination(await move('alice/mc/tree3', 'alice/mc/into'), 'alice/mc/into/tree3');
    await expectTree('alice/mc/into/tree3');
    expect(await exists('alice/mc/tree3')).toBe(false);
  });
});

describe('failures are job ERRORs with the fault name', () => {
  test('DuplicateNode: the destination exists (as a data node, or by name inside the container), and nothing changes', async () => {
    const s = randomBytes(100);
    const d = randomBytes(200);
    await push(t, alice, 'alice/mc/dup-src.bin', s);
    await push(t, alice, 'alice/mc/dup-dest.bin', d);
    expectError(await copy('alice/mc/dup-src.bin', 'alice/mc/dup-dest.bin'), 'DuplicateNode');
    expectError(await move('alice/mc/dup-src.bin', 'alice/mc/dup-dest.bin'), 'DuplicateNode');
    await mkdir(t, alice, 'alice/mc/dup-dir');
    await push(t, alice, 'alice/mc/dup-dir/dup-src.bin', d);
    expectError(await move('alice/mc/dup-src.bin', 'alice/mc/dup-dir'), 'DuplicateNode');
    await expectBytes('alice/mc/dup-src.bin', s);
    await expectBytes('alice/mc/dup-dest.bin', d);
    await expectBytes('alice/mc/dup-dir/dup-src.bin', d);
  });

  test('NodeNotFound: the source does not exist', async () => {
    expectError(await move('alice/mc/no-such.bin', 'alice/mc/anywhere.bin'), 'NodeNotFound');
    expectError(await copy('alice/mc/no-such.bin', 'alice/mc/anywhere.bin'), 'NodeNotFound');
    expect(await exists('alice/mc/anywhere.bin')).toBe(false);
  });

  test('ContainerNotFound: the destination’s parent does not exist', async () => {
    await push(t, alice, 'alice/mc/orphan.bin', randomBytes(10));
    expectError(await move('alice/mc/orphan.bin', 'alice/mc/nowhere/orphan.bin'), 'ContainerNotFound');
    expect(await exists('alice/mc/orphan.bin')).toBe(true);
  });

  test('InvalidURI: a container into itself or its own descendant', async () => {
    await mkdir(t, alice, 'alice/mc/self');
    await mkdir(t, alice, 'alice/mc/self/child');
    await push(t, alice, 'alice/mc/self/child/f.bin', randomBytes(10));
    expectError(await move('alice/mc/self', 'alice/mc/self/child'), 'InvalidURI');
    expectError(await move('alice/mc/self', 'alice/mc/self/child/new'), 'InvalidURI');
    expectError(await copy('alice/mc/self', 'alice/mc/self/child'), 'InvalidURI');
    expectError(await move('alice/mc/self', 'alice/mc/self'), 'InvalidURI');
    expect(await exists('alice/mc/self/child/f.bin')).toBe(true);
    expect(await exists('alice/mc/self/child/self')).toBe(false);
  });

  test('PermissionDenied: another user may not move the node away', async () => {
    await push(t, alice, 'alice/mc/mine.bin', randomBytes(10));
    expectError(await move('alice/mc/mine.bin', 'bob/mine.bin', bob), 'PermissionDenied');
    expect(await exists('alice/mc/mine.bin')).toBe(true);
  });

  test('NodeBusy: a node being written cannot be moved', async () => {
    const old = randomBytes(1000);
    await push(t, alice, 'alice/mc/busy.bin', old);
    const { endpoint } = await negotiate(t, alice, 'alice/mc/busy.bin', 'pushToVoSpace');
    const fresh = randomBytes(6 * MiB);
    const up = slowPut(endpoint, fresh, { chunk: MiB, delayMs: 60 });
    await up.written(MiB);
    expectError(await move('alice/mc/busy.bin', 'alice/mc/busy-moved.bin'), 'NodeBusy');
    expect((await up.done).status).toBe(201);
    await expectBytes('alice/mc/busy.bin', fresh);
    expect(await exists('alice/mc/busy-moved.bin')).toBe(false);
  });
});

test('the results document of a finished move lists the destination', async () => {
  await push(t, alice, 'alice/mc/res.bin', randomBytes(10));
  const job = await move('alice/mc/res.bin', 'alice/mc/res2.bin');
  const r = await request('GET', `${t.base}/transfers/${job.id}/results`, { token: alice });
  expect(r.status).toBe(200);
  const doc = parseXml(r.text);
  const refs = childrenOf(doc, UWS, 'result').map((x) => [x.attrs.get('id'), x.attrs.get(`{${XLINK}}href`)]);
  expect(refs).toContainEqual(['destination', t.uri('alice/mc/res2.bin')]);
});
