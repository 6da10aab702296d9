/**
 * UWS 1.1 on /vospace/transfers, black-box: the job document and its
 * sub-resources, phase changes, destruction and execution duration, delete,
 * the job list and its filters, privacy, blocking WAIT, and how failures of a
 * transfer show up (as job ERROR, or as an HTTP fault where the request
 * itself is wrong).
 */
import { randomBytes } from 'node:crypto';
import { request } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import {
  HTTPGET, HTTPPUT, MiB, UWS, XLINK, XSI, childOf, childrenOf, createJob, faultName, getJob, negotiate, parseXml, postJob, push, putBytes,
  readJob, readTransfer, sleep, textOf, transferFrom, transferXml, waitFinal, type TransferSpec,
} from '../helpers/client';

let t: TestService;
let alice: string;
let bob: string;
let root: string;

beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice');
  bob = await t.user('bob');
  root = await t.user('root', { admin: true });
});
afterAll(() => t?.close());

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const pushSpec = (p: string): TransferSpec => ({ target: t.uri(p), direction: 'pushToVoSpace', protocols: [HTTPPUT] });
const pullSpec = (p: string): TransferSpec => ({ target: t.uri(p), direction: 'pullFromVoSpace', protocols: [HTTPGET] });
const jobUrl = (id: string) => `${t.base}/transfers/${id}`;

/** The order UWS 1.1 gives the children of <uws:job>. */
const JOB_ORDER = [
  'jobId', 'runId', 'ownerId', 'phase', 'quote', 'creationTime', 'startTime', 'endTime', 'executionDuration', 'destruction',
  'parameters', 'results', 'errorSummary', 'jobInfo',
];
const REQUIRED = ['jobId', 'ownerId', 'phase', 'creationTime', 'startTime', 'endTime', 'executionDuration', 'destruction', 'parameters', 'results', 'jobInfo'];

function expectJobShape(xml: string) {
  const job = readJob(xml);
  expect(job.root.attrs.get('version')).toBe('1.1');
  for (const c of job.root.children) expect(c.ns).toBe(UWS);
  // Known elements only, each once, in the standard's order.
  expect(job.order.filter((n) => !JOB_ORDER.includes(n))).toEqual([]);
  expect(new Set(job.order).size).toBe(job.order.length);
  expect(job.order).toEqual(JOB_ORDER.filter((n) => job.order.includes(n)));
  for (const n of REQUIRED) expect(job.order).toContain(n);
  return job;
}

const el = (job: ReturnType<typeof readJob>, name: string) => childOf(job.root, UWS, name)!;
const isNil = (e: ReturnType<typeof el>) => e.attrs.get(`{${XSI}}nil`) === 'true';

describe('the job document', () => {
  test('a PENDING job: namespace, version, fields in order, values', async () => {
    const before = Date.now();
    const id = await createJob(t, alice, pushSpec('alice/doc.bin'));
    const r = await request('GET', jobUrl(id), { token: alice });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/xml/);
    const job = expectJobShape(r.text);
    expect(job.root.ns).toBe(UWS);
    expect(job.root.local).toBe('job');
    expect(job.id).toBe(id);
    expect(job.ownerId).toBe('alice');
    expect(job.phase).toBe('PENDING');
    const created = textOf(el(job, 'creationTime'));
    expect(created).toMatch(ISO_UTC);
    expect(Date.parse(created)).toBeGreaterThan(before - 5000);
    expect(Date.parse(created)).toBeLessThan(Date.now() + 5000);
    expect(isNil(el(job, 'startTime'))).toBe(true);
    expect(isNil(el(job, 'endTime'))).toBe(true);
    expect(textOf(el(job, 'executionDuration'))).toMatch(/^\d+$/);
    const destruction = textOf(el(job, 'destruction'));
    expect(destruction).toMatch(ISO_UTC);
    expect(Date.parse(destruction)).toBeGreaterThan(Date.now());
    expect(job.order).not.toContain('errorSummary');
    expect(job.results).toEqual([]);
    // jobInfo holds the transfer.
    expect(job.transfer).toBeDefined();
    const tr = transferFrom(job.transfer!);
    expect(tr.target).toBe(t.uri('alice/doc.bin'));
    expect(tr.direction).toBe('pushToVoSpace');
  });

  test('a RUNID given at creation comes back right after jobId', async () => {
    const id = await createJob(t, alice, pushSpec('alice/runid.bin'), '?RUNID=my-run-7');
    const job = expectJobShape((await request('GET', jobUrl(id), { token: alice })).text);
    expect(job.order.slice(0, 2)).toEqual(['jobId', 'runId']);
    expect(textOf(el(job, 'runId'))).toBe('my-run-7');
  });

  test('an EXECUTING then COMPLETED push: startTime, endTime, the transferDetails result', async () => {
    const { id, endpoint } = await negotiate(t, alice, 'alice/doc2.bin', 'pushToVoSpace');
    let job = expectJobShape((await request('GET', jobUrl(id), { token: alice })).text);
    expect(job.phase).toBe('EXECUTING');
    expect(textOf(el(job, 'startTime'))).toMatch(ISO_UTC);
    expect(isNil(el(job, 'endTime'))).toBe(true);
    expect(job.results).toEqual([{ id: 'transferDetails', href: `${jobUrl(id)}/results/transferDetails` }]);
    expect((await putBytes(endpoint, randomBytes(1000))).status).toBe(201);
    job = expectJobShape((await request('GET', jobUrl(id), { token: alice })).text);
    expect(job.phase).toBe('COMPLETED');
    const start = Date.parse(textOf(el(job, 'startTime')));
    const end = Date.parse(textOf(el(job, 'endTime')));
    expect(textOf(el(job, 'endTime'))).toMatch(ISO_UTC);
    expect(end).toBeGreaterThanOrEqual(start);
  });

  test('an ERROR job has an errorSummary between results and jobInfo', async () => {
    const id = await createJob(t, alice, pullSpec('alice/never-there.bin'), '?PHASE=RUN');
    const job = expectJobShape((await request('GET', jobUrl(id), { token: alice })).text);
    expect(job.phase).toBe('ERROR');
    expect(job.order.slice(-3)).toEqual(['results', 'errorSummary', 'jobInfo']);
    expect(['transient', 'fatal']).toContain(job.errorType);
    expect(job.errorMessage).toMatch(/^NodeNotFound/);
  });

  test('an unknown job is 404', async () => {
    const r = await request('GET', jobUrl('nosuchjob123'), { token: alice });
    expect(r.status).toBe(404);
  });
});

describe('sub-resources', () => {
  let id: string;
  beforeAll(async () => {
    id = await createJob(t, alice, pushSpec('alice/sub.bin'));
  });

  const get = (sub: string) => request('GET', `${jobUrl(id)}/${sub}`, { token: alice });

  test('phase, executionduration, destruction and owner are text/plain', async () => {
    const job = readJob((await request('GET', jobUrl(id), { token: alice })).text);
    const phase = await get('phase');
    expect(phase.status).toBe(200);
    expect(phase.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(phase.text.trim()).toBe('PENDING');
    const duration = await get('executionduration');
    expect(duration.status).toBe(200);
    expect(duration.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(duration.text.trim()).toBe(textOf(el(job, 'executionDuration')));
    const destruction = await get('destruction');
    expect(destruction.status).toBe(200);
    expect(destruction.text.trim()).toMatch(ISO_UTC);
    expect(Date.parse(destruction.text.trim())).toBe(Date.parse(textOf(el(job, 'destruction'))));
    const owner = await get('owner');
    expect(owner.status).toBe(200);
    expect(owner.text.trim()).toBe('alice');
  });

  test('quote answers', async () => {
    expect((await get('quote')).status).toBe(200);
  });

  test('results and parameters are UWS documents', async () => {
    const results = await get('results');
    expect(results.status).toBe(200);
    const rr = parseXml(results.text);
    expect([rr.ns, rr.local]).toEqual([UWS, 'results']);
    const params = await get('parameters');
    expect(params.status).toBe(200);
    const pp = parseXml(params.text);
    expect([pp.ns, pp.local]).toEqual([UWS, 'parameters']);
  });

  test('error of a failed job is the bare fault name (what the CADC client maps to an exit code), the detail in errorSummary', async () => {
    const bad = await createJob(t, alice, pullSpec('alice/missing-for-error.bin'), '?PHASE=RUN');
    const r = await request('GET', `${jobUrl(bad)}/error`, { token: alice });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(r.text).toBe('NodeNotFound');
    expect((await waitFinal(t, alice, bad)).errorMessage).toBe(`NodeNotFound: ${t.uri('alice/missing-for-error.bin')}`);
  });

  test("a DuplicateNode is written as the CADC client's table spells it, 'DuplicateNode.'", async () => {
    await push(t, alice, 'alice/dup-a.bin', randomBytes(10));
    await push(t, alice, 'alice/dup-b.bin', randomBytes(10));
    const id = await createJob(t, alice, { target: t.uri('alice/dup-a.bin'), direction: t.uri('alice/dup-b.bin'), keepBytes: false }, '?PHASE=RUN');
    const job = await waitFinal(t, alice, id);
    expect(job.errorMessage).toMatch(/^DuplicateNode: /);
    expect((await request('GET', `${jobUrl(id)}/error`, { token: alice })).text).toBe('DuplicateNode.');
  });
});

describe('jobInfo and transferDetails', () => {
  const keepBytes = (transfer: ReturnType<typeof readJob>['transfer']) => transfer?.children.filter((c) => c.local === 'keepBytes').map((c) => textOf(c));

  test('a data transfer shows no keepBytes it never had; a move and a copy show theirs', async () => {
    const { id } = await negotiate(t, alice, 'alice/keep-push.bin', 'pushToVoSpace');
    expect(keepBytes((await getJob(t, alice, id)).transfer)).toEqual([]);
    const details = await request('GET', `${jobUrl(id)}/results/transferDetails`, { token: alice });
    expect(keepBytes(parseXml(details.text))).toEqual([]);
    for (const keep of [false, true]) {
      const mc = await createJob(t, alice, { target: t.uri('alice/keep-push.bin'), direction: t.uri(`alice/keep-${keep}.bin`), keepBytes: keep });
      expect(keepBytes((await getJob(t, alice, mc)).transfer)).toEqual([String(keep)]);
    }
  });
});

describe('phase changes, destruction, execution duration, delete', () => {
  test('PHASE=run (lower case) runs the job', async () => {
    const id = await createJob(t, alice, pushSpec('alice/lower.bin'));
    const r = await postJob(t, alice, id, { PHASE: 'run' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(jobUrl(id));
    expect((await getJob(t, alice, id)).phase).toBe('EXECUTING');
  });

  test('POST to /phase works too', async () => {
    const id = await createJob(t, alice, pushSpec('alice/phase-sub.bin'));
    const r = await postJob(t, alice, id, { PHASE: 'RUN' }, '/phase');
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(jobUrl(id));
    expect((await request('GET', `${jobUrl(id)}/phase`, { token: alice })).text.trim()).toBe('EXECUTING');
  });

  test('PHASE=ABORT aborts a PENDING job and an EXECUTING one', async () => {
    const pending = await createJob(t, alice, pushSpec('alice/abort1.bin'));
    expect((await postJob(t, alice, pending, { PHASE: 'ABORT' })).status).toBe(303);
    let job = await getJob(t, alice, pending);
    expect(job.phase).toBe('ABORTED');
    expect(textOf(el(job, 'endTime'))).toMatch(ISO_UTC);
    const { id } = await negotiate(t, alice, 'alice/abort2.bin', 'pushToVoSpace');
    expect((await postJob(t, alice, id, { PHASE: 'abort' })).status).toBe(303);
    job = await getJob(t, alice, id);
    expect(job.phase).toBe('ABORTED');
    // An aborted job does not run again.
    expect((await postJob(t, alice, id, { PHASE: 'RUN' })).status).toBe(303);
    expect((await getJob(t, alice, id)).phase).toBe('ABORTED');
  });

  test('an unknown PHASE value is 400 InvalidArgument', async () => {
    const id = await createJob(t, alice, pushSpec('alice/badphase.bin'));
    const r = await postJob(t, alice, id, { PHASE: 'EXPLODE' });
    expect(r.status).toBe(400);
    expect(faultName(r)).toBe('InvalidArgument');
    expect((await getJob(t, alice, id)).phase).toBe('PENDING');
  });

  test('DESTRUCTION changes the destruction time (on the job and on /destruction)', async () => {
    const id = await createJob(t, alice, pushSpec('alice/destr.bin'));
    const when = new Date(Date.now() + 3 * 24 * 3600 * 1000);
    when.setUTCMilliseconds(0);
    const r = await postJob(t, alice, id, { DESTRUCTION: when.toISOString() });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(jobUrl(id));
    const got = (await request('GET', `${jobUrl(id)}/destruction`, { token: alice })).text.trim();
    expect(Date.parse(got)).toBe(when.getTime());
    const later = new Date(when.getTime() + 3600 * 1000);
    expect((await postJob(t, alice, id, { DESTRUCTION: later.toISOString() }, '/destruction')).status).toBe(303);
    const job = await getJob(t, alice, id);
    expect(Date.parse(textOf(el(job, 'destruction')))).toBe(later.getTime());
    const bad = await postJob(t, alice, id, { DESTRUCTION: 'next tuesday' });
    expect(bad.status).toBe(400);
    expect(faultName(bad)).toBe('InvalidArgument');
  });

  test('EXECUTIONDURATION changes the execution duration', async () => {
    const id = await createJob(t, alice, pushSpec('alice/dur.bin'));
    expect((await postJob(t, alice, id, { EXECUTIONDURATION: '120' })).status).toBe(303);
    expect((await request('GET', `${jobUrl(id)}/executionduration`, { token: alice })).text.trim()).toBe('120');
    expect((await postJob(t, alice, id, { EXECUTIONDURATION: '77' }, '/executionduration')).status).toBe(303);
    const job = await getJob(t, alice, id);
    expect(textOf(el(job, 'executionDuration'))).toBe('77');
    const bad = await postJob(t, alice, id, { EXECUTIONDURATION: 'forever' });
    expect(bad.status).toBe(400);
    expect(faultName(bad)).toBe('InvalidArgument');
  });

  test('ACTION=DELETE: 303 to /transfers, and the job is gone', async () => {
    const id = await createJob(t, alice, pushSpec('alice/del1.bin'));
    const r = await postJob(t, alice, id, { ACTION: 'DELETE' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`${t.base}/transfers`);
    expect((await request('GET', jobUrl(id), { token: alice })).status).toBe(404);
    expect((await request('GET', `${jobUrl(id)}/phase`, { token: alice })).status).toBe(404);
  });

  test('DELETE: 303 to /transfers, and the job is gone', async () => {
    const { id } = await negotiate(t, alice, 'alice/del2.bin', 'pushToVoSpace');
    const r = await request('DELETE', jobUrl(id), { token: alice });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`${t.base}/transfers`);
    expect((await request('GET', jobUrl(id), { token: alice })).status).toBe(404);
    const list = await request('GET', `${t.base}/transfers`, { token: alice });
    expect(list.text).not.toContain(id);
  });
});

describe('the job list', () => {
  let dave: string;
  let j1: string;
  let j2: string;
  let j3: string;
  const created: Record<string, number> = {};

  interface Ref {
    id: string;
    phase: string;
    href: string;
  }
  const list = async (token: string, query = ''): Promise<Ref[]> => {
    const r = await request('GET', `${t.base}/transfers${query}`, { token });
    expect(r.status).toBe(200);
    const doc = parseXml(r.text);
    expect([doc.ns, doc.local]).toEqual([UWS, 'jobs']);
    expect(doc.attrs.get('version')).toBe('1.1');
    return childrenOf(doc, UWS, 'jobref').map((j) => ({
      id: j.attrs.get('id') ?? '',
      phase: textOf(childOf(j, UWS, 'phase')),
      href: j.attrs.get(`{${XLINK}}href`) ?? '',
    }));
  };
  const ids = (refs: Ref[]) => refs.map((r) => r.id);

  beforeAll(async () => {
    dave = await t.user('dave');
    j1 = await createJob(t, dave, pushSpec('dave/l1.bin'));
    await sleep(40);
    j2 = await createJob(t, dave, pushSpec('dave/l2.bin'), '?PHASE=RUN');
    await sleep(40);
    j3 = await createJob(t, dave, pushSpec('dave/l3.bin'));
    expect((await postJob(t, dave, j3, { PHASE: 'ABORT' })).status).toBe(303);
    for (const id of [j1, j2, j3]) created[id] = Date.parse(textOf(el(await getJob(t, dave, id), 'creationTime')));
  });

  test('lists the caller’s jobs, oldest first, with phase and href', async () => {
    const refs = await list(dave);
    expect(ids(refs)).toEqual([j1, j2, j3]);
    expect(refs.map((r) => r.phase)).toEqual(['PENDING', 'EXECUTING', 'ABORTED']);
    expect(refs.map((r) => r.href)).toEqual([j1, j2, j3].map(jobUrl));
  });

  test('PHASE filters, and is repeatable', async () => {
    expect(ids(await list(dave, '?PHASE=PENDING'))).toEqual([j1]);
    expect(ids(await list(dave, '?PHASE=EXECUTING'))).toEqual([j2]);
    expect(ids(await list(dave, '?PHASE=PENDING&PHASE=ABORTED'))).toEqual([j1, j3]);
    expect(ids(await list(dave, '?PHASE=COMPLETED'))).toEqual([]);
    const bad = await request('GET', `${t.base}/transfers?PHASE=SLEEPING`, { token: dave });
    expect(bad.status).toBe(400);
    expect(faultName(bad)).toBe('InvalidArgument');
  });

  test('LAST gives the most recent N', async () => {
    expect(ids(await list(dave, '?LAST=2'))).toEqual([j2, j3]);
    expect(ids(await list(dave, '?LAST=1'))).toEqual([j3]);
    expect(ids(await list(dave, '?PHASE=PENDING&PHASE=ABORTED&LAST=1'))).toEqual([j3]);
  });

  test('AFTER gives the jobs created after a time', async () => {
    const between = new Date((created[j1] + created[j2]) / 2).toISOString();
    expect(ids(await list(dave, `?AFTER=${encodeURIComponent(between)}`))).toEqual([j2, j3]);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect(ids(await list(dave, `?AFTER=${encodeURIComponent(future)}`))).toEqual([]);
    const bad = await request('GET', `${t.base}/transfers?AFTER=yesterday`, { token: dave });
    expect(bad.status).toBe(400);
    expect(faultName(bad)).toBe('InvalidArgument');
  });

  test('AFTER set to a job’s own creationTime (as the service printed it) leaves that job out', async () => {
    const printed = textOf(el(await getJob(t, dave, j2), 'creationTime'));
    expect(ids(await list(dave, `?AFTER=${encodeURIComponent(printed)}`))).toEqual([j3]);
  });
});

describe('jobs are private', () => {
  let id: string;
  beforeAll(async () => {
    id = await createJob(t, alice, pushSpec('alice/private.bin'));
  });

  test('another user gets 403 on the job and its sub-resources, and cannot change it', async () => {
    for (const sub of ['', '/phase', '/owner', '/results', '/destruction', '/parameters']) {
      const r = await request('GET', `${jobUrl(id)}${sub}`, { token: bob });
      expect({ sub, status: r.status, fault: faultName(r) }).toEqual({ sub, status: 403, fault: 'PermissionDenied' });
    }
    expect((await postJob(t, bob, id, { PHASE: 'RUN' })).status).toBe(403);
    expect((await postJob(t, bob, id, { PHASE: 'ABORT' })).status).toBe(403);
    expect((await request('DELETE', jobUrl(id), { token: bob })).status).toBe(403);
    expect((await getJob(t, alice, id)).phase).toBe('PENDING');
  });

  test('another user does not see it in the list; anonymous sees nothing', async () => {
    const r = await request('GET', `${t.base}/transfers`, { token: bob });
    expect(r.status).toBe(200);
    expect(r.text).not.toContain(id);
    const anon = await request('GET', `${t.base}/transfers`);
    expect(anon.status).toBe(200);
    expect(anon.text).not.toContain(id);
    expect((await request('GET', jobUrl(id))).status).toBe(403);
  });

  test('an admin sees it', async () => {
    const job = await getJob(t, root, id);
    expect(job.id).toBe(id);
    expect(job.ownerId).toBe('alice');
    const r = await request('GET', `${t.base}/transfers`, { token: root });
    expect(r.status).toBe(200);
    expect(r.text).toContain(`id="${id}"`);
  });
});

describe('WAIT', () => {
  test('WAIT=10 on an EXECUTING push returns within ~1 s of the PUT completing, COMPLETED', async () => {
    const { id, endpoint } = await negotiate(t, alice, 'alice/wait.bin', 'pushToVoSpace');
    const started = Date.now();
    const waiting = request('GET', `${jobUrl(id)}?WAIT=10`, { token: alice }).then((r) => ({ r, at: Date.now() }));
    await sleep(500);
    const put = await putBytes(endpoint, randomBytes(MiB));
    const putDone = Date.now();
    expect(put.status).toBe(201);
    const { r, at } = await waiting;
    expect(r.status).toBe(200);
    expect(readJob(r.text).phase).toBe('COMPLETED');
    expect(at - putDone).toBeLessThan(1000);
    expect(at - started).toBeLessThan(5000);
  });

  test('WAIT on a PENDING job wakes on PHASE=RUN', async () => {
    const id = await createJob(t, alice, pushSpec('alice/wait-run.bin'));
    const started = Date.now();
    const waiting = request('GET', `${jobUrl(id)}?WAIT=10`, { token: alice });
    await sleep(400);
    await postJob(t, alice, id, { PHASE: 'RUN' });
    const r = await waiting;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(['QUEUED', 'EXECUTING']).toContain(readJob(r.text).phase);
  });

  test('WAIT=-1 wakes on ABORT', async () => {
    const { id } = await negotiate(t, alice, 'alice/wait-abort.bin', 'pushToVoSpace');
    const started = Date.now();
    const waiting = request('GET', `${jobUrl(id)}?WAIT=-1`, { token: alice });
    await sleep(400);
    await postJob(t, alice, id, { PHASE: 'ABORT' });
    const r = await waiting;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(readJob(r.text).phase).toBe('ABORTED');
  });

  test('WAIT on a finished job returns at once', async () => {
    const id = await push(t, alice, 'alice/wait-done.bin', randomBytes(100));
    const started = Date.now();
    const job = await getJob(t, alice, id, '?WAIT=10');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(job.phase).toBe('COMPLETED');
  });

  test('WAIT with PHASE other than the current phase returns at once', async () => {
    const { id } = await negotiate(t, alice, 'alice/wait-phase.bin', 'pushToVoSpace');
    const started = Date.now();
    const job = await getJob(t, alice, id, '?WAIT=10&PHASE=PENDING');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(job.phase).toBe('EXECUTING');
  });

  test('WAIT=2 with no change returns after ~2 s, unchanged', async () => {
    const { id } = await negotiate(t, alice, 'alice/wait-idle.bin', 'pushToVoSpace');
    const started = Date.now();
    const job = await getJob(t, alice, id, '?WAIT=2');
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(4000);
    expect(job.phase).toBe('EXECUTING');
  });
});

describe('failures', () => {
  test('a push with an unknown protocol: ERROR ProtocolNotSupported, on the job and on /error', async () => {
    const id = await createJob(t, alice, { target: t.uri('alice/proto.bin'), direction: 'pushToVoSpace', protocols: ['ivo://example.org/protocols#carrier-pigeon'] });
    expect((await postJob(t, alice, id, { PHASE: 'RUN' })).status).toBe(303);
    const job = await waitFinal(t, alice, id);
    expect(job.phase).toBe('ERROR');
    expect(job.errorMessage).toMatch(/^ProtocolNotSupported/);
    const err = await request('GET', `${jobUrl(id)}/error`, { token: alice });
    expect(err.status).toBe(200);
    expect(err.text).toBe('ProtocolNotSupported');
  });

  test('a protocol asked for twice (once per security method, as the CADC client does) is named once in the error', async () => {
    const doc =
      `<vos:transfer xmlns:vos="http://www.ivoa.net/xml/VOSpace/v2.0" version="2.1"><vos:target>${t.uri('alice/twice.bin')}</vos:target>` +
      `<vos:direction>pushToVoSpace</vos:direction>` +
      `<vos:protocol uri="ivo://ivoa.net/vospace/core#httpsput"><vos:securityMethod uri="ivo://ivoa.net/sso#tls-with-certificate"/></vos:protocol>` +
      `<vos:protocol uri="ivo://ivoa.net/vospace/core#httpsput"/></vos:transfer>`;
    const id = await createJob(t, alice, doc, '?PHASE=RUN');
    const job = await waitFinal(t, alice, id);
    expect(job.errorMessage).toBe('ProtocolNotSupported: ivo://ivoa.net/vospace/core#httpsput');
  });

  test('a pull of a missing node: ERROR NodeNotFound', async () => {
    const id = await createJob(t, alice, pullSpec('alice/ghost.bin'), '?PHASE=RUN');
    const job = await waitFinal(t, alice, id);
    expect(job.phase).toBe('ERROR');
    expect(job.errorMessage).toMatch(/^NodeNotFound/);
    expect((await request('GET', `${jobUrl(id)}/error`, { token: alice })).text).toBe('NodeNotFound');
  });

  test('pushFromVoSpace and pullToVoSpace: ERROR OperationNotSupported', async () => {
    await push(t, alice, 'alice/third.bin', randomBytes(10));
    for (const direction of ['pushFromVoSpace', 'pullToVoSpace']) {
      const id = await createJob(t, alice, { target: t.uri('alice/third.bin'), direction, protocols: [HTTPPUT] }, '?PHASE=RUN');
      const job = await waitFinal(t, alice, id);
      expect({ direction, phase: job.phase }).toEqual({ direction, phase: 'ERROR' });
      expect(job.errorMessage).toMatch(/^OperationNotSupported/);
    }
  });

  test('a view that is not supported: ERROR ViewNotSupported', async () => {
    await push(t, alice, 'alice/viewed.bin', randomBytes(10));
    const id = await createJob(t, alice, { ...pullSpec('alice/viewed.bin'), view: 'ivo://example.org/views#hologram' }, '?PHASE=RUN');
    const job = await waitFinal(t, alice, id);
    expect(job.phase).toBe('ERROR');
    expect(job.errorMessage).toMatch(/^ViewNotSupported/);
  });

  test('a malformed transfer document is 400 InvalidArgument at POST, and makes no job', async () => {
    const before = await request('GET', `${t.base}/transfers`, { token: alice });
    const bodies = [
      '<vos:transfer xmlns:vos="http://www.ivoa.net/xml/VOSpace/v2.0"><vos:target>',
      transferXml({ target: t.uri('alice/x.bin'), direction: 'pushToVoSpace' }).replace(/<vos:direction>.*<\/vos:direction>/, ''),
      transferXml({ target: t.uri('alice/x.bin'), direction: 'sidewaysToVoSpace' }),
      transferXml({ target: t.uri('alice/x.bin'), direction: 'pushToVoSpace', keepBytes: true }).replace('>true<', '>perhaps<'),
      `<vos:node xmlns:vos="http://www.ivoa.net/xml/VOSpace/v2.0" uri="${t.uri('alice/x.bin')}"/>`,
    ];
    for (const body of bodies) {
      const r = await request('POST', `${t.base}/transfers`, { token: alice, body, headers: { 'content-type': 'text/xml' } });
      expect({ body, status: r.status, fault: faultName(r) }).toEqual({ body, status: 400, fault: 'InvalidArgument' });
    }
    const after = await request('GET', `${t.base}/transfers`, { token: alice });
    expect(childrenOf(parseXml(after.text), UWS, 'jobref').length).toBe(childrenOf(parseXml(before.text), UWS, 'jobref').length);
  });

  test('a sync transfer document for a missing node: the details carry no protocol, the job holds the fault', async () => {
    const r = await request('POST', `${t.base}/synctrans`, {
      token: alice,
      body: transferXml(pullSpec('alice/sync-ghost.bin')),
      headers: { 'content-type': 'text/xml' },
    });
    expect(r.status).toBe(303);
    const loc = r.headers.get('location')!;
    const details = await request('GET', loc, { token: alice });
    expect(details.status).toBe(200);
    expect(readTransfer(details.text).protocols).toEqual([]);
    const id = /\/transfers\/([^/]+)\/results\/transferDetails$/.exec(loc)![1];
    const job = await getJob(t, alice, id);
    expect(job.phase).toBe('ERROR');
    expect(job.errorMessage).toMatch(/^NodeNotFound/);
  });

  test('the sync URL form answers with the fault’s HTTP status', async () => {
    const q = (target: string, protocol = HTTPGET) =>
      new URLSearchParams({ TARGET: t.uri(target), DIRECTION: 'pullFromVoSpace', PROTOCOL: protocol }).toString();
    const missing = await request('GET', `${t.base}/synctrans?${q('alice/sync-url-ghost.bin')}`, { token: alice });
    expect(missing.status).toBe(404);
    expect(faultName(missing)).toBe('NodeNotFound');
    await push(t, alice, 'alice/sync-url.bin', randomBytes(10));
    const proto = await request('GET', `${t.base}/synctrans?${q('alice/sync-url.bin', 'ivo://example.org/protocols#carrier-pigeon')}`, { token: alice });
    expect(proto.status).toBe(400);
    expect(faultName(proto)).toBe('ProtocolNotSupported');
    const denied = await request('GET', `${t.base}/synctrans?${q('alice/sync-url.bin')}`, { token: bob });
    expect(denied.status).toBe(403);
    expect(faultName(denied)).toBe('PermissionDenied');
    const noTarget = await request('GET', `${t.base}/synctrans?DIRECTION=pullFromVoSpace`, { token: alice });
    expect(noTarget.status).toBe(400);
    expect(faultName(noTarget)).toBe('InvalidArgument');
  });
});
