/**
 * Recursive delete and setprops as UWS jobs (/async-delete, /async-setprops),
 * black-box over HTTP: the CADC client's exact wire sequence (vrm -R,
 * vchmod -R, vtag -R), per-node permission checks counted in errorcount,
 * busy nodes, ABORT, job lists kept apart by kind, the GraphQL mutations,
 * and the unhappy paths.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createClient, type Client } from 'graphql-ws';
import { pack } from 'tar-stream';
import WebSocket from 'ws';
import { CORE, VOS, nodeXml, request } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { codes, gql, gqlOk } from '../helpers/gql';
import {
  HTTPPUT, UWS, XLINK, childOf, childrenOf, createJob, eventually, faultName, filesUnder, jobIdFrom, mkdata, mkdir, negotiate, nodeProp, parseXml, push,
  readJob, sleep, slowPut, textOf, type JobDoc,
} from '../helpers/client';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const P = {
  title: `${CORE}title`,
  groupread: `${CORE}groupread`,
  groupwrite: `${CORE}groupwrite`,
  ispublic: `${CORE}ispublic`,
  quota: `${CORE}quota`,
};

let t: TestService;
let alice: string;
let bob: string;
let carol: string;
let root: string;
const clients: Client[] = [];

beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice', { groups: ['lab'] });
  bob = await t.user('bob', { groups: ['lab'] });
  carol = await t.user('carol');
  root = await t.user('root', { admin: true });
  // bob may look into alice's home (as a lab member), so he can work in what she shares there.
  await setNode(alice, 'alice', [{ uri: P.groupread, value: 'lab' }]);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await t?.close();
});

// ---------------------------------------------------------------- helpers

async function setNode(token: string, path: string, props: { uri: string; value?: string; nil?: boolean }[]): Promise<void> {
  const r = await request('POST', `${t.base}/nodes/${path}`, { token, body: nodeXml(t.uri(path), '', props), headers: { 'content-type': 'text/xml' } });
  if (r.status !== 200) throw new Error(`setNode ${path} → ${r.status} ${r.text}`);
}

async function mkdirWith(token: string, path: string, props: { uri: string; value: string }[]): Promise<void> {
  const r = await request('PUT', `${t.base}/nodes/${path}`, { token, body: nodeXml(t.uri(path), 'vos:ContainerNode', props), headers: { 'content-type': 'text/xml' } });
  if (r.status !== 201) throw new Error(`mkdir ${path} → ${r.status} ${r.text}`);
}

/** The status of GET /nodes/{path} for `token` (200: there and readable, 404: gone). */
const nodeStatus = async (token: string, path: string) => (await request('GET', `${t.base}/nodes/${path}?limit=0`, { token })).status;

/** POST target=… to /async-delete, as the CADC client does; the job id. */
async function newDelete(token: string | undefined, path: string): Promise<string> {
  const r = await request('POST', `${t.base}/async-delete`, { token, body: `target=${encodeURIComponent(t.uri(path))}`, headers: FORM });
  return jobIdFrom(t, r, 'async-delete');
}

/** POST a node document to /async-setprops, as the CADC client does; the job id. */
async function newSetprops(token: string | undefined, path: string, props: { uri: string; value?: string; nil?: boolean }[]): Promise<string> {
  const r = await request('POST', `${t.base}/async-setprops`, { token, body: nodeXml(t.uri(path), 'vos:ContainerNode', props), headers: { 'content-type': 'text/xml' } });
  return jobIdFrom(t, r, 'async-setprops');
}

/** POST {job}/phase phase=RUN (the client's lower-case key). */
async function run(token: string | undefined, list: string, id: string): Promise<void> {
  const r = await request('POST', `${t.base}/${list}/${id}/phase`, { token, body: 'phase=RUN', headers: FORM });
  expect(r.status).toBe(303);
  expect(r.headers.get('location')).toBe(`${t.base}/${list}/${id}`);
}

/** GET {job}?WAIT=6 until the job ends, as the client polls. */
async function waitEnd(token: string | undefined, list: string, id: string, ms = 30_000): Promise<JobDoc> {
  const until = Date.now() + ms;
  for (;;) {
    const r = await request('GET', `${t.base}/${list}/${id}?WAIT=6`, { token });
    if (r.status !== 200) throw new Error(`GET ${list}/${id} → ${r.status} ${r.text}`);
    const job = readJob(r.text);
    if (['COMPLETED', 'ERROR', 'ABORTED'].includes(job.phase)) return job;
    if (Date.now() > until) throw new Error(`job ${id} still ${job.phase}`);
  }
}

/** successcount and errorcount of a COMPLETED job, read from their final:N hrefs. */
function counts(job: JobDoc): { success: number; error: number } {
  const n = (id: string) => {
    const r = job.results.find((x) => x.id === id);
    const m = /^final:(\d+)$/.exec(r?.href ?? '');
    if (!m) throw new Error(`no ${id} result in ${JSON.stringify(job.results)}`);
    return Number(m[1]);
  };
  return { success: n('successcount'), error: n('errorcount') };
}

async function deleteTree(token: string | undefined, path: string): Promise<JobDoc> {
  const id = await newDelete(token, path);
  await run(token, 'async-delete', id);
  return waitEnd(token, 'async-delete', id);
}

async function setTree(token: string | undefined, path: string, props: { uri: string; value?: string; nil?: boolean }[]): Promise<JobDoc> {
  const id = await newSetprops(token, path, props);
  await run(token, 'async-setprops', id);
  return waitEnd(token, 'async-setprops', id);
}

/** alice/NAME: a, sub/, sub/x, sub/deeper/, sub/deeper/y (5 nodes below it, 6 with it). */
async function aliceTree(name: string): Promise<string[]> {
  const paths = [`alice/${name}`, `alice/${name}/a`, `alice/${name}/sub`, `alice/${name}/sub/x`, `alice/${name}/sub/deeper`, `alice/${name}/sub/deeper/y`];
  await mkdir(t, alice, paths[0]);
  await mkdata(t, alice, paths[1]);
  await mkdir(t, alice, paths[2]);
  await mkdata(t, alice, paths[3]);
  await mkdir(t, alice, paths[4]);
  await mkdata(t, alice, paths[5]);
  return paths;
}

// ---------------------------------------------------------------- capabilities

describe('capabilities', () => {
  test('advertise recursive delete and recursive nodeprops, with the token security method', async () => {
    const r = await request('GET', `${t.base}/capabilities`);
    expect(r.status).toBe(200);
    const caps = childrenOf(parseXml(r.text), '', 'capability');
    for (const [id, path] of [
      ['ivo://ivoa.net/std/VOSpace#recursive-delete-proto', '/async-delete'],
      ['ivo://ivoa.net/std/VOSpace#recursive-nodeprops-proto', '/async-setprops'],
    ]) {
      const cap = caps.find((c) => c.attrs.get('standardID') === id);
      expect(cap).toBeDefined();
      const interfaces = childrenOf(cap!, '', 'interface');
      for (const i of interfaces) {
        const url = childOf(i, '', 'accessURL')!;
        expect(url.attrs.get('use')).toBe('full');
        expect(textOf(url)).toBe(`${t.base}${path}`);
      }
      const methods = interfaces.map((i) => childOf(i, '', 'securityMethod')?.attrs.get('standardID'));
      expect(methods).toEqual([undefined, 'ivo://ivoa.net/sso#token']);
    }
  });
});

// ---------------------------------------------------------------- recursive delete

describe('recursive delete (vrm -R)', () => {
  test("the CADC client's wire sequence: form POST, 303, phase=RUN, WAIT=6, COMPLETED with final:N counts; nodes and bytes gone", async () => {
    const paths = await aliceTree('wire');
    await push(t, alice, 'alice/wire/sub/bytes.bin', randomBytes(2000));
    const filesBefore = filesUnder(t.dirs.root).length;

    const created = await request('POST', `${t.base}/async-delete`, {
      token: alice,
      body: `target=${encodeURIComponent(t.uri('alice/wire'))}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(created.status).toBe(303);
    const id = jobIdFrom(t, created, 'async-delete');
    const pending = readJob((await request('GET', `${t.base}/async-delete/${id}`, { token: alice })).text);
    expect(pending.phase).toBe('PENDING');
    expect(pending.ownerId).toBe('alice');
    // The job shows what was asked: the top node.
    const info = childOf(childOf(pending.root, UWS, 'jobInfo')!, VOS, 'node');
    expect(info?.attrs.get('uri')).toBe(t.uri('alice/wire'));
    expect(await nodeStatus(alice, 'alice/wire')).toBe(200);

    const ran = await request('POST', `${t.base}/async-delete/${id}/phase`, { token: alice, body: 'phase=RUN', headers: FORM });
    expect(ran.status).toBe(303);
    expect(ran.headers.get('location')).toBe(`${t.base}/async-delete/${id}`);
    const job = await waitEnd(alice, 'async-delete', id);
    expect(job.phase).toBe('COMPLETED');
    expect(job.results).toEqual([
      { id: 'successcount', href: 'final:7' },
      { id: 'errorcount', href: 'final:0' },
    ]);
    const raw = await request('GET', `${t.base}/async-delete/${id}`, { token: alice });
    expect(raw.text).toContain('<uws:result id="successcount" xlink:href="final:7"/>');
    for (const p of [...paths, 'alice/wire/sub/bytes.bin']) expect(await nodeStatus(alice, p)).toBe(404);
    expect(filesUnder(t.dirs.root).length).toBe(filesBefore - 1);
    // The result sub-resource answers with the count.
    const r = await request('GET', `${t.base}/async-delete/${id}/results/successcount`, { token: alice });
    expect(r.status).toBe(200);
    expect(r.text.trim()).toBe('final:7');
  });

  test('a data node deletes alone: successcount 1', async () => {
    await mkdata(t, alice, 'alice/lone.txt');
    expect(counts(await deleteTree(alice, 'alice/lone.txt'))).toEqual({ success: 1, error: 0 });
    expect(await nodeStatus(alice, 'alice/lone.txt')).toBe(404);
  });

  test('mixed permissions: each node checked on its own; what alice may not delete is counted and stays, with the containers holding it', async () => {
    await mkdirWith(alice, 'alice/proj', [{ uri: P.groupwrite, value: 'lab' }]);
    await mkdata(t, alice, 'alice/proj/a');
    await mkdir(t, alice, 'alice/proj/sub');
    await mkdata(t, alice, 'alice/proj/sub/x');
    // bob's private container in alice's group-writable one, holding his file: alice may not delete inside it.
    await mkdir(t, bob, 'alice/proj/bobdir');
    await mkdata(t, bob, 'alice/proj/bobdir/f');
    // bob's file straight in alice's container: she may delete it, as she may write the container.
    await mkdata(t, bob, 'alice/proj/bobfile');

    const job = await deleteTree(alice, 'alice/proj');
    expect(job.phase).toBe('COMPLETED');
    // Deleted: a, sub/x, sub, bobfile. Refused: bobdir/f (no write on bobdir), bobdir and proj (not empty).
    expect(counts(job)).toEqual({ success: 4, error: 3 });
    for (const p of ['alice/proj/a', 'alice/proj/sub', 'alice/proj/sub/x', 'alice/proj/bobfile']) expect(await nodeStatus(root, p)).toBe(404);
    for (const p of ['alice/proj', 'alice/proj/bobdir', 'alice/proj/bobdir/f']) expect(await nodeStatus(root, p)).toBe(200);
    expect(await nodeStatus(bob, 'alice/proj/bobdir/f')).toBe(200);
  });

  test('bob, as a group writer, deletes in alice\'s shared container only what the policy lets him', async () => {
    await mkdirWith(alice, 'alice/share', [{ uri: P.groupwrite, value: 'lab' }]);
    await mkdata(t, alice, 'alice/share/hers');
    await mkdata(t, bob, 'alice/share/his');
    // Deleting the top needs write on /alice, which bob lacks: it stays, with what is left in it.
    const job = await deleteTree(bob, 'alice/share');
    expect(counts(job)).toEqual({ success: 2, error: 1 });
    expect(await nodeStatus(alice, 'alice/share')).toBe(200);
    expect(await nodeStatus(alice, 'alice/share/hers')).toBe(404);
    expect(await nodeStatus(alice, 'alice/share/his')).toBe(404);
  });

  test('a node with a transfer in progress is an error, left alone, with its container', async () => {
    await mkdir(t, alice, 'alice/busy');
    await mkdata(t, alice, 'alice/busy/quiet');
    const { endpoint } = await negotiate(t, alice, 'alice/busy/big.bin', 'pushToVoSpace');
    const upload = slowPut(endpoint, randomBytes(8 * 1024 * 1024), { chunk: 64 * 1024, delayMs: 100 });
    try {
      await upload.written(64 * 1024);
      expect(await eventually(async () => /busy="true"/.test((await request('GET', `${t.base}/nodes/alice/busy/big.bin`, { token: alice })).text))).toBe(true);
      const job = await deleteTree(alice, 'alice/busy');
      expect(counts(job)).toEqual({ success: 1, error: 2 });
      expect(await nodeStatus(alice, 'alice/busy/quiet')).toBe(404);
      expect(await nodeStatus(alice, 'alice/busy/big.bin')).toBe(200);
      expect(await nodeStatus(alice, 'alice/busy')).toBe(200);
    } finally {
      upload.disconnect();
      await upload.done;
    }
  });

  test('anonymous: refused where the policy refuses, counted per node where the tree is public', async () => {
    // alice's home is private to anonymous callers: the top node's ancestors cannot be read.
    await mkdir(t, alice, 'alice/anon');
    const job = await deleteTree(undefined, 'alice/anon');
    expect(job.phase).toBe('ERROR');
    expect(job.errorMessage).toMatch(/^PermissionDenied/);
    expect(await nodeStatus(alice, 'alice/anon')).toBe(200);
    // A public tree: anonymous callers read it but write nothing.
    await setNode(carol, 'carol', [{ uri: P.ispublic, value: 'true' }]);
    await mkdirWith(carol, 'carol/open', [{ uri: P.ispublic, value: 'true' }]);
    await mkdata(t, carol, 'carol/open/f');
    const pub = await deleteTree(undefined, 'carol/open');
    expect(pub.phase).toBe('COMPLETED');
    expect(counts(pub)).toEqual({ success: 0, error: 2 });
    expect(await nodeStatus(carol, 'carol/open/f')).toBe(200);
  });

  test('a missing node ends the job in ERROR NodeNotFound; /error says so', async () => {
    const id = await newDelete(alice, 'alice/never-there');
    await run(alice, 'async-delete', id);
    const job = await waitEnd(alice, 'async-delete', id);
    expect(job.phase).toBe('ERROR');
    expect(job.errorMessage).toMatch(/^NodeNotFound/);
    expect(job.results).toEqual([]);
    const err = await request('GET', `${t.base}/async-delete/${id}/error`, { token: alice });
    expect(err.status).toBe(200);
    expect(err.text).toMatch(/^NodeNotFound/);
  });

  test('a link in the path is ERROR LinkFound; the root cannot be deleted', async () => {
    const link = await request('PUT', `${t.base}/nodes/alice/lnk`, {
      token: alice,
      body: nodeXml(t.uri('alice/lnk'), 'vos:LinkNode', [], { target: t.uri('alice') }),
      headers: { 'content-type': 'text/xml' },
    });
    expect(link.status).toBe(201);
    const through = await deleteTree(alice, 'alice/lnk/x');
    expect(through.phase).toBe('ERROR');
    expect(through.errorMessage).toMatch(/^LinkFound/);
    // The link itself is a node like any other.
    expect(counts(await deleteTree(alice, 'alice/lnk'))).toEqual({ success: 1, error: 0 });
    const rootJob = await deleteTree(root, '');
    expect(rootJob.phase).toBe('ERROR');
    expect(rootJob.errorMessage).toMatch(/^PermissionDenied/);
    expect(await nodeStatus(root, 'alice')).toBe(200);
  });

  test('bad requests are 400: no target, a URI of another space, a path that is not one', async () => {
    const post = (body: string) => request('POST', `${t.base}/async-delete`, { token: alice, body, headers: FORM });
    let r = await post('');
    expect(r.status).toBe(400);
    expect(faultName(r)).toBe('InvalidArgument');
    r = await post(`target=${encodeURIComponent('vos://elsewhere.org!vospace/alice/x')}`);
    expect(r.status).toBe(400);
    expect(faultName(r)).toBe('InvalidURI');
    r = await post(`target=${encodeURIComponent(t.uri('alice') + '/../bob')}`);
    expect(r.status).toBe(400);
    expect(faultName(r)).toBe('InvalidURI');
    r = await post('target=not%20a%20uri');
    expect(r.status).toBe(400);
  });

  test("another user's job is not theirs to read or run", async () => {
    await mkdir(t, alice, 'alice/private-job');
    const id = await newDelete(alice, 'alice/private-job');
    expect((await request('GET', `${t.base}/async-delete/${id}`, { token: bob })).status).toBe(403);
    const r = await request('POST', `${t.base}/async-delete/${id}/phase`, { token: bob, body: 'PHASE=RUN', headers: FORM });
    expect(r.status).toBe(403);
    expect(readJob((await request('GET', `${t.base}/async-delete/${id}`, { token: alice })).text).phase).toBe('PENDING');
  });
});

// ---------------------------------------------------------------- ABORT

/** A tar of `dirs` directories of `subdirs` empty directories each (directories unpack fast: no bytes to store). */
async function tarOf(dirs: number, subdirs: number): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const collecting = pipeline(p, new Writable({ write: (c: Buffer, _e, cb) => void (chunks.push(c), cb()) }));
  for (let d = 0; d < dirs; d++) {
    for (let f = 0; f < subdirs; f++) {
      await new Promise<void>((resolve, reject) => p.entry({ name: `d${d}/s${f}`, type: 'directory' }, (e) => (e ? reject(e) : resolve())));
    }
  }
  p.finalize();
  await collecting;
  return Buffer.concat(chunks);
}

/** How many nodes are left below alice/PATH (one level of directories). */
async function countBelow(path: string): Promise<number> {
  const list = async (p: string) => {
    const r = await request('GET', `${t.base}/nodes/${p}?detail=min`, { token: alice });
    if (r.status === 404) return [];
    return [...r.text.matchAll(/<vos:node uri="[^"]+\/([^"/]+)" xsi:type="vos:(\w+)"/g)].map((m) => ({ name: m[1], type: m[2] }));
  };
  let n = 0;
  for (const c of await list(path)) {
    n += 1;
    if (c.type === 'ContainerNode') n += (await list(`${path}/${c.name}`)).length;
  }
  return n;
}

describe('ABORT', () => {
  test('stops the walk between nodes: what is done stays done, the rest stays, the job is ABORTED', async () => {
    await mkdir(t, alice, 'alice/big');
    const { endpoint } = await negotiate(t, alice, 'alice/big', 'pushToVoSpace', { view: `${CORE}tar` });
    const put = await request('PUT', endpoint, { body: await tarOf(6, 50), headers: { 'content-type': 'application/x-tar' } });
    expect(put.status).toBeLessThan(300);
    const total = await countBelow('alice/big');
    expect(total).toBe(6 + 6 * 50);

    const job = await newDelete(alice, 'alice/big');
    await run(alice, 'async-delete', job);
    const aborted = await request('POST', `${t.base}/async-delete/${job}/phase`, { token: alice, body: 'PHASE=ABORT', headers: FORM });
    expect(aborted.status).toBe(303);
    const ended = await waitEnd(alice, 'async-delete', job);
    expect(ended.phase).toBe('ABORTED');
    const left = await countBelow('alice/big');
    expect(left).toBeGreaterThan(0);
    expect(await nodeStatus(alice, 'alice/big')).toBe(200);
    // Nothing goes on behind the job's back.
    await sleep(500);
    expect(await countBelow('alice/big')).toBe(left);
    expect(readJob((await request('GET', `${t.base}/async-delete/${job}`, { token: alice })).text).phase).toBe('ABORTED');
  });

  test('a PENDING job aborted never runs', async () => {
    await mkdir(t, alice, 'alice/kept');
    const id = await newDelete(alice, 'alice/kept');
    expect((await request('POST', `${t.base}/async-delete/${id}/phase`, { token: alice, body: 'PHASE=ABORT', headers: FORM })).status).toBe(303);
    expect((await request('POST', `${t.base}/async-delete/${id}/phase`, { token: alice, body: 'PHASE=RUN', headers: FORM })).status).toBe(303);
    await sleep(200);
    expect(readJob((await request('GET', `${t.base}/async-delete/${id}`, { token: alice })).text).phase).toBe('ABORTED');
    expect(await nodeStatus(alice, 'alice/kept')).toBe(200);
  });
});

// ---------------------------------------------------------------- recursive setprops

describe('recursive setprops (vchmod -R, vtag -R)', () => {
  test('vchmod -R: groupread and ispublic on the node and everything below; the job shows what it sets', async () => {
    const paths = await aliceTree('perm');
    const props = [
      { uri: P.groupread, value: 'lab' },
      { uri: P.ispublic, value: 'true' },
    ];
    const id = await newSetprops(alice, 'alice/perm', props);
    const pending = readJob((await request('GET', `${t.base}/async-setprops/${id}`, { token: alice })).text);
    const info = childOf(childOf(pending.root, UWS, 'jobInfo')!, VOS, 'node')!;
    expect(info.attrs.get('uri')).toBe(t.uri('alice/perm'));
    const asked = childrenOf(childOf(info, VOS, 'properties')!, VOS, 'property').map((p) => [p.attrs.get('uri'), textOf(p)]);
    expect(asked).toEqual(props.map((p) => [p.uri, p.value]));
    await run(alice, 'async-setprops', id);
    const job = await waitEnd(alice, 'async-setprops', id);
    expect(job.phase).toBe('COMPLETED');
    expect(counts(job)).toEqual({ success: 6, error: 0 });
    for (const p of paths) {
      expect(await nodeProp(t, alice, p, P.groupread)).toBe('lab');
      expect(await nodeProp(t, alice, p, P.ispublic)).toBe('true');
    }
  });

  test("vtag -R: a title everywhere alice may write; bob's private node in her shared container is counted and left alone", async () => {
    await mkdirWith(alice, 'alice/tagged', [{ uri: P.groupwrite, value: 'lab' }]);
    await mkdata(t, alice, 'alice/tagged/hers');
    await mkdata(t, bob, 'alice/tagged/his');
    const job = await setTree(alice, 'alice/tagged', [{ uri: P.title, value: 'M31 survey' }]);
    expect(counts(job)).toEqual({ success: 2, error: 1 });
    expect(await nodeProp(t, alice, 'alice/tagged', P.title)).toBe('M31 survey');
    expect(await nodeProp(t, alice, 'alice/tagged/hers', P.title)).toBe('M31 survey');
    expect(await nodeProp(t, bob, 'alice/tagged/his', P.title)).toBeUndefined();
    // xsi:nil deletes, recursively too.
    expect(counts(await setTree(alice, 'alice/tagged', [{ uri: P.title, nil: true }]))).toEqual({ success: 2, error: 1 });
    expect(await nodeProp(t, alice, 'alice/tagged/hers', P.title)).toBeUndefined();
  });

  test('an admin-only property is refused per node: every node for a user, data nodes for an admin (quota is for containers)', async () => {
    const paths = await aliceTree('quota');
    const asAlice = await setTree(alice, 'alice/quota', [{ uri: P.title, value: 'with quota' }, { uri: P.quota, value: '1000000' }]);
    expect(asAlice.phase).toBe('COMPLETED');
    expect(counts(asAlice)).toEqual({ success: 0, error: 6 });
    // A refused node is left alone whole: not even the title.
    for (const p of paths) expect(await nodeProp(t, alice, p, P.title)).toBeUndefined();
    const asAdmin = await setTree(root, 'alice/quota', [{ uri: P.quota, value: '1000000' }]);
    expect(counts(asAdmin)).toEqual({ success: 3, error: 3 });
    for (const p of ['alice/quota', 'alice/quota/sub', 'alice/quota/sub/deeper']) expect(await nodeProp(t, alice, p, P.quota)).toBe('1000000');
    for (const p of ['alice/quota/a', 'alice/quota/sub/x']) expect(await nodeProp(t, alice, p, P.quota)).toBeUndefined();
  });

  test('unhappy: not a node document, no uri, a bad property, a computed property; a missing node is ERROR', async () => {
    const post = (body: string, type = 'text/xml') => request('POST', `${t.base}/async-setprops`, { token: alice, body, headers: { 'content-type': type } });
    let r = await post(`<vos:transfer xmlns:vos="${VOS}"><vos:target>${t.uri('alice')}</vos:target></vos:transfer>`);
    expect(r.status).toBe(400);
    expect(faultName(r)).toBe('InvalidArgument');
    r = await post('target=vos%3A%2F%2Fexample.org%21vospace%2Falice', FORM['content-type']);
    expect(r.status).toBe(400);
    r = await post(`<vos:node xmlns:vos="${VOS}"/>`);
    expect(r.status).toBe(400);
    expect(faultName(r)).toBe('InvalidURI');
    r = await post(nodeXml(t.uri('alice'), '', [{ uri: 'not a uri', value: 'x' }]));
    expect(r.status).toBe(400);
    expect(faultName(r)).toBe('InvalidArgument');
    r = await post(nodeXml('vos://elsewhere.org!vospace/alice', '', [{ uri: P.title, value: 'x' }]));
    expect(r.status).toBe(400);
    expect(faultName(r)).toBe('InvalidURI');
    const missing = await setTree(alice, 'alice/no-such-node', [{ uri: P.title, value: 'x' }]);
    expect(missing.phase).toBe('ERROR');
    expect(missing.errorMessage).toMatch(/^NodeNotFound/);
    // A computed property cannot be set: each node refuses it.
    await mkdata(t, alice, 'alice/computed');
    expect(counts(await setTree(alice, 'alice/computed', [{ uri: `${CORE}length`, value: '5' }]))).toEqual({ success: 0, error: 1 });
  });
});

// ---------------------------------------------------------------- job lists

describe('job lists are kept apart by kind', () => {
  test('each list shows its own jobs; a job is not found through another list', async () => {
    await mkdir(t, carol, 'carol/lists');
    const del = await newDelete(carol, 'carol/lists');
    const set = await newSetprops(carol, 'carol/lists', [{ uri: P.title, value: 'x' }]);
    const tr = await createJob(t, carol, { target: t.uri('carol/lists/f'), direction: 'pushToVoSpace', protocols: [HTTPPUT] });
    const listed = async (list: string) => {
      const r = await request('GET', `${t.base}/${list}`, { token: carol });
      expect(r.status).toBe(200);
      const refs = childrenOf(parseXml(r.text), UWS, 'jobref');
      for (const ref of refs) expect(ref.attrs.get(`{${XLINK}}href`)).toBe(`${t.base}/${list}/${ref.attrs.get('id')}`);
      return refs.map((ref) => ref.attrs.get('id'));
    };
    expect(await listed('async-delete')).toEqual([del]);
    expect(await listed('async-setprops')).toEqual([set]);
    expect(await listed('transfers')).toEqual([tr]);
    const pending = await request('GET', `${t.base}/async-delete?PHASE=PENDING`, { token: carol });
    expect(pending.text).toContain(del);

    for (const [list, id] of [
      ['transfers', del],
      ['async-setprops', del],
      ['async-delete', set],
      ['async-delete', tr],
    ]) {
      expect((await request('GET', `${t.base}/${list}/${id}`, { token: carol })).status).toBe(404);
      expect((await request('GET', `${t.base}/${list}/${id}/phase`, { token: carol })).status).toBe(404);
      expect((await request('POST', `${t.base}/${list}/${id}/phase`, { token: carol, body: 'PHASE=RUN', headers: FORM })).status).toBe(404);
      expect((await request('DELETE', `${t.base}/${list}/${id}`, { token: carol })).status).toBe(404);
    }
    // Nothing ran or went through the wrong list.
    expect(readJob((await request('GET', `${t.base}/async-delete/${del}`, { token: carol })).text).phase).toBe('PENDING');
    expect(readJob((await request('GET', `${t.base}/async-setprops/${set}`, { token: carol })).text).phase).toBe('PENDING');
    expect(await nodeStatus(carol, 'carol/lists')).toBe(200);

    // The UWS verbs of /transfers hold here too: DESTRUCTION, ACTION=DELETE back to the list.
    const destroy = await request('POST', `${t.base}/async-delete/${del}`, { token: carol, body: 'DESTRUCTION=2031-01-01T00:00:00Z', headers: FORM });
    expect(destroy.status).toBe(303);
    expect((await request('GET', `${t.base}/async-delete/${del}/destruction`, { token: carol })).text).toBe('2031-01-01T00:00:00.000Z');
    const gone = await request('POST', `${t.base}/async-delete/${del}`, { token: carol, body: 'ACTION=DELETE', headers: FORM });
    expect(gone.status).toBe(303);
    expect(gone.headers.get('location')).toBe(`${t.base}/async-delete`);
    expect((await request('GET', `${t.base}/async-delete/${del}`, { token: carol })).status).toBe(404);
  });
});

// ---------------------------------------------------------------- GraphQL

const JOB = 'id kind phase target direction properties { uri value } results { id href } successCount errorCount error { fault message }';

interface GqlJob {
  id: string;
  kind: string;
  phase: string;
  target: string;
  direction: string | null;
  properties: { uri: string; value: string | null }[];
  results: { id: string; href: string }[];
  successCount: number | null;
  errorCount: number | null;
  error: { fault: string; message: string } | null;
}

describe('GraphQL', () => {
  const DELETE = `mutation($path: String!, $run: Boolean) { deleteRecursive(path: $path, run: $run) { ${JOB} } }`;
  const SET = `mutation($path: String!, $properties: [PropertyInput!]!) { setPropertiesRecursive(path: $path, properties: $properties) { ${JOB} } }`;
  const GET = `query($id: String!) { job(id: $id) { ${JOB} } }`;

  async function gqlEnd(id: string, token: string): Promise<GqlJob> {
    for (const until = Date.now() + 30_000; ; await sleep(50)) {
      const job = (await gqlOk<{ job: GqlJob }>(t, GET, { id }, token)).job;
      if (['COMPLETED', 'ERROR', 'ABORTED'].includes(job.phase)) return job;
      if (Date.now() > until) throw new Error(`job ${id} still ${job.phase}`);
    }
  }

  test('deleteRecursive: a delete job, its counts in job(id), the same as REST shows', async () => {
    const paths = await aliceTree('gqldel');
    const made = (await gqlOk<{ deleteRecursive: GqlJob }>(t, DELETE, { path: '/alice/gqldel' }, alice)).deleteRecursive;
    expect(made.kind).toBe('delete');
    expect(made.target).toBe(t.uri('alice/gqldel'));
    expect(made.direction).toBeNull();
    expect(['QUEUED', 'EXECUTING', 'COMPLETED']).toContain(made.phase);
    const done = await gqlEnd(made.id, alice);
    expect(done).toMatchObject({ phase: 'COMPLETED', successCount: 6, errorCount: 0 });
    expect(done.results).toEqual([
      { id: 'successcount', href: 'final:6' },
      { id: 'errorcount', href: 'final:0' },
    ]);
    for (const p of paths) expect(await nodeStatus(alice, p)).toBe(404);
    const rest = readJob((await request('GET', `${t.base}/async-delete/${made.id}`, { token: alice })).text);
    expect(counts(rest)).toEqual({ success: 6, error: 0 });
  });

  test('setPropertiesRecursive: the properties everywhere the caller may set them, counted; jobs(kinds) lists them', async () => {
    const paths = await aliceTree('gqlset');
    const made = (await gqlOk<{ setPropertiesRecursive: GqlJob }>(t, SET, { path: t.uri('alice/gqlset'), properties: [{ uri: P.title, value: 'tagged' }] }, alice))
      .setPropertiesRecursive;
    expect(made.kind).toBe('setprops');
    expect(made.properties).toEqual([{ uri: P.title, value: 'tagged' }]);
    expect(await gqlEnd(made.id, alice)).toMatchObject({ phase: 'COMPLETED', successCount: 6, errorCount: 0 });
    for (const p of paths) expect(await nodeProp(t, alice, p, P.title)).toBe('tagged');
    // bob may not change alice's nodes: all counted as errors.
    const his = (await gqlOk<{ setPropertiesRecursive: GqlJob }>(t, SET, { path: '/alice/gqlset', properties: [{ uri: P.title, value: 'bob was here' }] }, bob))
      .setPropertiesRecursive;
    expect(await gqlEnd(his.id, bob)).toMatchObject({ phase: 'COMPLETED', successCount: 0, errorCount: 6 });
    expect(await nodeProp(t, alice, 'alice/gqlset/sub/x', P.title)).toBe('tagged');

    const LIST = `query($kinds: [JobKind!]) { jobs(kinds: $kinds, first: 1000) { edges { node { id kind } } } }`;
    const kinds = async (k: string[] | null) =>
      (await gqlOk<{ jobs: { edges: { node: { id: string; kind: string } }[] } }>(t, LIST, { kinds: k }, alice)).jobs.edges.map((e) => e.node);
    const setprops = await kinds(['setprops']);
    expect(setprops.map((j) => j.id)).toContain(made.id);
    expect(new Set(setprops.map((j) => j.kind))).toEqual(new Set(['setprops']));
    expect(new Set((await kinds(null)).map((j) => j.kind))).toEqual(new Set(['transfer', 'delete', 'setprops']));
  });

  test('faults: a bad property is InvalidArgument at once; a missing node ends the job in ERROR', async () => {
    const bad = await gql(t, SET, { path: '/alice', properties: [{ uri: 'no uri', value: 'x' }] }, alice);
    expect(codes(bad)).toEqual(['InvalidArgument']);
    const badPath = await gql(t, DELETE, { path: 'vos://elsewhere.org!vospace/alice' }, alice);
    expect(codes(badPath)).toEqual(['InvalidURI']);
    const made = (await gqlOk<{ deleteRecursive: GqlJob }>(t, DELETE, { path: '/alice/not-here' }, alice)).deleteRecursive;
    const done = await gqlEnd(made.id, alice);
    expect(done.phase).toBe('ERROR');
    expect(done.error?.fault).toBe('NodeNotFound');
    expect(done.successCount).toBeNull();
  });

  test('jobPhase follows a recursive job from PENDING to COMPLETED', async () => {
    await aliceTree('watched');
    const made = (await gqlOk<{ deleteRecursive: GqlJob }>(t, DELETE, { path: '/alice/watched', run: false }, alice)).deleteRecursive;
    expect(made.phase).toBe('PENDING');
    const client = createClient({
      url: `${t.origin.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${alice}` },
    });
    clients.push(client);
    const phases: string[] = [];
    let first!: () => void;
    const gotFirst = new Promise<void>((r) => (first = r));
    const ended = new Promise<void>((resolve, reject) => {
      client.subscribe<{ jobPhase: { phase: string; successCount: number | null } }>(
        { query: 'subscription($id: String!) { jobPhase(id: $id) { phase successCount } }', variables: { id: made.id } },
        {
          next: (r) => {
            phases.push(r.data!.jobPhase.phase);
            first();
          },
          error: reject,
          complete: resolve,
        },
      );
    });
    await gotFirst;
    await run(alice, 'async-delete', made.id);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`subscription saw ${phases}`)), 20_000)));
    await Promise.race([ended, late]).finally(() => clearTimeout(timer));
    expect(phases[0]).toBe('PENDING');
    expect(phases[phases.length - 1]).toBe('COMPLETED');
  });
});
