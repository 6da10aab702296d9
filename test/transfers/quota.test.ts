/**
 * Quotas over real sockets: core#quota on a container bounds the bytes below
 * it. Refused at negotiation (a declared core#length), at the storage server
 * before the body is read (Content-Length) and while it streams (chunked), and
 * at commit (two uploads racing under one quota; a tar unpacking into a
 * container). core#availableSpace is reported, through REST and GraphQL alike.
 * After every refusal: the old bytes stay, staging is empty, the job is ERROR.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';
import { gql } from '../graphql/gql';
import { CORE, VOS, nodeXml, request, type Reply } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import {
  HTTPPUT, MiB, createJob, eventually, faultName, filesUnder, getJob, negotiate, nodeProp, pull, push, putBytes,
  readTransfer, runJob, sha256, sleep, slowPut, waitFinal,
} from './lib';

const QUOTA = `${CORE}quota`;
const SPACE = `${CORE}availableSpace`;
const LENGTH = `${CORE}length`;
const TAR = `${CORE}tar`;

let t: TestService;
let alice: string;
let admin: string;

beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice');
  admin = await t.user('root', { admin: true });
});
afterAll(() => t?.close());

// ---------------------------------------------------------------- helpers

const xml = { 'content-type': 'text/xml' };

async function mkdir(path: string, token = alice): Promise<void> {
  const r = await request('PUT', `${t.base}/nodes/${path}`, { token, body: nodeXml(t.uri(path), 'vos:ContainerNode'), headers: xml });
  expect(r.status).toBe(201);
}

function setQuota(path: string, value: string, token = admin, type = 'vos:ContainerNode'): Promise<Reply> {
  return request('POST', `${t.base}/nodes/${path}`, { token, body: nodeXml(t.uri(path), type, [{ uri: QUOTA, value }]), headers: xml });
}

/** A fresh container under alice with a quota. */
async function quotaDir(path: string, bytes: number): Promise<void> {
  await mkdir(path);
  expect((await setQuota(path, String(bytes))).status).toBe(200);
}

const space = (path: string) => nodeProp(t, alice, path, SPACE);
const length = (path: string) => nodeProp(t, alice, path, LENGTH);
const stagingEmpty = () => eventually(() => filesUnder(t.dirs.staging).length === 0);

function expectFault(r: Reply, status: number, name: string): void {
  expect({ status: r.status, fault: faultName(r) }).toEqual({ status, fault: name });
  expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
}

/** A push transfer document declaring the length it will send. */
function pushDoc(path: string, declared: string): string {
  return (
    `<vos:transfer xmlns:vos="${VOS}" version="2.1"><vos:target>${t.uri(path)}</vos:target>` +
    `<vos:direction>pushToVoSpace</vos:direction><vos:protocol uri="${HTTPPUT}"/>` +
    `<vos:param uri="${LENGTH}">${declared}</vos:param></vos:transfer>`
  );
}

async function expectJobError(id: string, fault: string): Promise<void> {
  const job = await waitFinal(t, alice, id);
  expect(job.phase).toBe('ERROR');
  const err = await request('GET', `${t.base}/transfers/${id}/error`, { token: alice });
  expect(err.text.startsWith(`${fault}:`)).toBe(true);
}

/** PUTs `total` bytes with chunked encoding (no Content-Length), a chunk at a time, until the server answers. */
function chunkedPut(url: string, total: number, chunk = 256 * 1024): Promise<{ status?: number; body?: string; written: number; error?: Error }> {
  return new Promise((resolve) => {
    const u = new URL(url);
    let written = 0;
    let answered = false;
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'PUT', headers: { 'transfer-encoding': 'chunked' } });
    req.on('response', (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts).toString(), written }));
    });
    req.on('error', (error) => resolve({ error, written }));
    (async () => {
      const part = randomBytes(chunk);
      while (written < total && !answered && !req.destroyed) {
        if (!req.write(part)) await new Promise((r) => req.once('drain', r).once('close', r));
        written += part.length;
        await sleep(2);
      }
      if (!answered && !req.destroyed) req.end();
    })().catch(() => {});
  });
}

async function makeTar(files: Record<string, Buffer>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const collecting = pipeline(p, new Writable({ write: (c: Buffer, _e, cb) => void (chunks.push(c), cb()) }));
  for (const [name, data] of Object.entries(files)) {
    await new Promise<void>((resolve, reject) => p.entry({ name, type: 'file', mode: 0o644 }, data, (err) => (err ? reject(err) : resolve())));
  }
  p.finalize();
  await collecting;
  return Buffer.concat(chunks);
}

/** Pushes an archive into a container (view tar): the PUT's answer and the job's id. */
async function pushTar(path: string, archive: Buffer): Promise<{ put: Reply; id: string }> {
  const id = await createJob(t, alice, { target: t.uri(path), direction: 'pushToVoSpace', protocols: [HTTPPUT], view: TAR });
  await runJob(t, alice, id);
  const details = readTransfer((await request('GET', `${t.base}/transfers/${id}/results/transferDetails`, { token: alice })).text);
  return { put: await putBytes(details.protocols[0].endpoint, archive, { 'content-type': 'application/x-tar' }), id };
}

// ---------------------------------------------------------------- setting a quota

describe('setting core#quota', () => {
  test('an admin sets it; its owner may not (403); it must be a whole number of bytes on a container (400)', async () => {
    await mkdir('alice/set');
    expectFault(await setQuota('alice/set', '1000', alice), 403, 'PermissionDenied');
    for (const bad of ['lots', '-5', '1.5', '1e6', '', '0x10', '99999999999999999999']) {
      expectFault(await setQuota('alice/set', bad), 400, 'InvalidArgument');
    }
    expect(await nodeProp(t, alice, 'alice/set', QUOTA)).toBeUndefined();
    // A non-admin sending a bad value is still told it may not set it at all.
    expectFault(await setQuota('alice/set', 'lots', alice), 403, 'PermissionDenied');
    await push(t, alice, 'alice/file.bin', randomBytes(10));
    expectFault(await setQuota('alice/file.bin', '1000', admin, 'vos:DataNode'), 400, 'InvalidArgument');

    const r = await setQuota('alice/set', '1000');
    expect(r.status).toBe(200);
    expect(await nodeProp(t, alice, 'alice/set', QUOTA)).toBe('1000');
    expect(await space('alice/set')).toBe('1000');
    expect((await setQuota('alice/set', '0')).status).toBe(200);
    expect(await space('alice/set')).toBe('0');
  });

  test('availableSpace is read-only, but the document a GET returned (quota and all) can be posted back by its owner', async () => {
    await quotaDir('alice/echo', 5000);
    const got = await request('GET', `${t.base}/nodes/alice/echo?detail=properties`, { token: alice });
    expect(got.text).toContain(SPACE);
    const echo = await request('POST', `${t.base}/nodes/alice/echo`, { token: alice, body: got.text, headers: xml });
    expect(echo.status).toBe(200);
    // Where no quota applies there is no availableSpace to echo: setting it is refused.
    await mkdir('alice/noquota');
    const set = await request('POST', `${t.base}/nodes/alice/noquota`, {
      token: alice,
      body: nodeXml(t.uri('alice/noquota'), 'vos:ContainerNode', [{ uri: SPACE, value: '5' }]),
      headers: xml,
    });
    expectFault(set, 403, 'PermissionDenied');
  });
});

// ---------------------------------------------------------------- availableSpace

describe('core#availableSpace', () => {
  test('is reported on containers a quota applies to, decreasing as bytes arrive, the same through GraphQL', async () => {
    await quotaDir('alice/avail', 10_000);
    await mkdir('alice/avail/sub');
    expect(await space('alice/avail')).toBe('10000');
    expect(await space('alice/avail/sub')).toBe('10000');
    await push(t, alice, 'alice/avail/a.bin', randomBytes(3000));
    expect(await space('alice/avail')).toBe('7000');
    await push(t, alice, 'alice/avail/sub/b.bin', randomBytes(2500));
    expect(await space('alice/avail')).toBe('4500');
    expect(await space('alice/avail/sub')).toBe('4500');
    // Not on data nodes, nor on containers no quota applies to.
    expect(await space('alice/avail/a.bin')).toBeUndefined();
    expect(await space('alice')).toBeUndefined();

    const q = await gql(t, '{ node(path: "/alice/avail/sub") { properties { uri value readOnly } } }', {}, alice);
    expect(q.errors).toBeUndefined();
    expect(q.data.node.properties).toContainEqual({ uri: SPACE, value: '4500', readOnly: true });
    const none = await gql(t, '{ node(path: "/alice") { properties { uri value } } }', {}, alice);
    expect(none.data.node.properties.map((p: { uri: string }) => p.uri)).not.toContain(SPACE);

    // setNode answers with it too, and deleting bytes gives the room back.
    const r = await request('POST', `${t.base}/nodes/alice/avail`, {
      token: alice, body: nodeXml(t.uri('alice/avail'), 'vos:ContainerNode', [{ uri: `${CORE}title`, value: 'x' }]), headers: xml,
    });
    expect(r.text).toMatch(new RegExp(`uri="${SPACE}"[^>]*>4500<`));
    expect((await request('DELETE', `${t.base}/nodes/alice/avail/a.bin`, { token: alice })).status).toBe(204);
    expect(await space('alice/avail')).toBe('7500');
  });

  test('is never below 0', async () => {
    await quotaDir('alice/over', 5000);
    await push(t, alice, 'alice/over/f.bin', randomBytes(4000));
    expect((await setQuota('alice/over', '1000')).status).toBe(200);
    expect(await space('alice/over')).toBe('0');
  });

  test('a quota on the root binds everything', async () => {
    const rootDoc = (props: { uri: string; value?: string; nil?: boolean }[]) => nodeXml(t.uri(''), 'vos:ContainerNode', props);
    const setRoot = (value: string) => request('POST', `${t.base}/nodes`, { token: admin, body: rootDoc([{ uri: QUOTA, value }]), headers: xml });
    const rootSpace = async () => {
      const r = await request('GET', `${t.base}/nodes?limit=0`, { token: alice });
      return new RegExp(`uri="${SPACE}"[^>]*>(\\d+)<`).exec(r.text)?.[1];
    };
    expect(await rootSpace()).toBeUndefined();
    const big = 10 ** 12;
    expect((await setRoot(String(big))).status).toBe(200);
    const used = big - Number(await rootSpace());
    expect(used).toBeGreaterThan(0);
    expect((await setRoot(String(used + 100))).status).toBe(200);
    expect(await space('alice')).toBe('100');
    const over = await negotiate(t, alice, 'alice/rooted.bin', 'pushToVoSpace');
    expectFault(await putBytes(over.endpoint, randomBytes(101)), 413, 'QuotaExceeded');
    await push(t, alice, 'alice/rooted.bin', randomBytes(100));
    expect(await rootSpace()).toBe('0');
    const cleared = await request('POST', `${t.base}/nodes`, { token: admin, body: rootDoc([{ uri: QUOTA, nil: true }]), headers: xml });
    expect(cleared.status).toBe(200);
    expect(await rootSpace()).toBeUndefined();
  });
});

// ---------------------------------------------------------------- negotiation

describe('a declared core#length at negotiation', () => {
  test('over the quota: the job goes to ERROR with QuotaExceeded, no endpoint, no node made, nothing staged', async () => {
    await quotaDir('alice/decl', 1000);
    const id = await createJob(t, alice, pushDoc('alice/decl/new.bin', '1001'), '?PHASE=RUN');
    await expectJobError(id, 'QuotaExceeded');
    const details = readTransfer((await request('GET', `${t.base}/transfers/${id}/results/transferDetails`, { token: alice })).text);
    expect(details.protocols).toEqual([]);
    expect((await request('GET', `${t.base}/nodes/alice/decl/new.bin`, { token: alice })).status).toBe(404);
    expect(filesUnder(t.dirs.staging)).toEqual([]);
  });

  test('over the quota for an existing node: refused, its bytes unchanged and it is not left busy', async () => {
    await quotaDir('alice/decl2', 1000);
    const old = randomBytes(600);
    await push(t, alice, 'alice/decl2/f.bin', old);
    // 600 held, 400 free: 1001 (a growth of 401) does not fit…
    const id = await createJob(t, alice, pushDoc('alice/decl2/f.bin', '1001'), '?PHASE=RUN');
    await expectJobError(id, 'QuotaExceeded');
    expect(sha256(await pull(t, alice, 'alice/decl2/f.bin'))).toBe(sha256(old));
    // …1000 (a growth of 400) does, and the node can be written.
    const ok = await createJob(t, alice, pushDoc('alice/decl2/f.bin', '1000'), '?PHASE=RUN');
    expect((await getJob(t, alice, ok)).phase).toBe('EXECUTING');
  });

  test('sync (POST /synctrans with the document): 303 to details with no protocol, the job holds the fault', async () => {
    await quotaDir('alice/declsync', 10);
    const r = await request('POST', `${t.base}/synctrans`, { token: alice, body: pushDoc('alice/declsync/x', '11'), headers: xml });
    expect(r.status).toBe(303);
    const loc = r.headers.get('location')!;
    expect(loc).toMatch(/\/results\/transferDetails$/);
    expect(readTransfer((await request('GET', loc, { token: alice })).text).protocols).toEqual([]);
    const id = loc.split('/').slice(-3)[0];
    await expectJobError(id, 'QuotaExceeded');
  });

  test('a length that is not a whole number is InvalidArgument; without a quota any length goes', async () => {
    const bad = await createJob(t, alice, pushDoc('alice/badlen.bin', 'big'), '?PHASE=RUN');
    await expectJobError(bad, 'InvalidArgument');
    const huge = await createJob(t, alice, pushDoc('alice/huge.bin', String(2 ** 50)), '?PHASE=RUN');
    expect((await getJob(t, alice, huge)).phase).toBe('EXECUTING');
  });
});

// ---------------------------------------------------------------- the storage server

describe('uploads to the storage server', () => {
  test('under the quota works, up to the last byte', async () => {
    await quotaDir('alice/fit', 4096);
    const bytes = randomBytes(4096);
    await push(t, alice, 'alice/fit/all.bin', bytes);
    expect(sha256(await pull(t, alice, 'alice/fit/all.bin'))).toBe(sha256(bytes));
    expect(await space('alice/fit')).toBe('0');
    // An empty file still fits.
    await push(t, alice, 'alice/fit/empty.bin', Buffer.alloc(0));
  });

  test('a Content-Length over the room: 413 QuotaExceeded before the body is read; old bytes stay; the job is ERROR', async () => {
    await quotaDir('alice/cl', MiB);
    const old = randomBytes(1000);
    await push(t, alice, 'alice/cl/f.bin', old);
    const { id, endpoint } = await negotiate(t, alice, 'alice/cl/f.bin', 'pushToVoSpace');
    const big = randomBytes(64 * MiB);
    const out = await slowPut(endpoint, big, { chunk: MiB, delayMs: 5 }).done;
    expect(out.status).toBe(413);
    expect(out.body).toMatch(/^QuotaExceeded: .*nothing was read/);
    expect(out.written).toBeLessThan(big.length);
    await expectJobError(id, 'QuotaExceeded');
    expect(await stagingEmpty()).toBe(true);
    expect(sha256(await pull(t, alice, 'alice/cl/f.bin'))).toBe(sha256(old));
    // The node is not left busy: a push that fits goes through.
    await push(t, alice, 'alice/cl/f.bin', randomBytes(MiB));
  });

  test('a chunked upload running past the room: stopped with 413, old bytes stay, staging empty, the job is ERROR', async () => {
    await quotaDir('alice/chunked', 2 * MiB);
    const old = randomBytes(MiB / 2);
    await push(t, alice, 'alice/chunked/f.bin', old);
    const { id, endpoint } = await negotiate(t, alice, 'alice/chunked/f.bin', 'pushToVoSpace');
    const out = await chunkedPut(endpoint, 256 * MiB);
    expect(out.status).toBe(413);
    expect(out.body).toMatch(/^QuotaExceeded: .*ran past/);
    // Stopped long before the end: what the client managed to send is bounded by buffers and the drain, not the body.
    expect(out.written).toBeLessThan(64 * MiB);
    await expectJobError(id, 'QuotaExceeded');
    expect(await stagingEmpty()).toBe(true);
    expect(sha256(await pull(t, alice, 'alice/chunked/f.bin'))).toBe(sha256(old));
    expect(await length('alice/chunked/f.bin')).toBe(String(old.length));
    // A chunked upload that fits (replacing the old bytes: 2 MiB in all) goes through.
    const { endpoint: again } = await negotiate(t, alice, 'alice/chunked/f.bin', 'pushToVoSpace');
    const fits = await chunkedPut(again, 2 * MiB);
    expect(fits.status).toBe(201);
    expect(await length('alice/chunked/f.bin')).toBe(String(2 * MiB));
  });

  test('replacing a file counts the difference; a write that adds nothing is allowed even over the quota', async () => {
    await quotaDir('alice/repl', 5000);
    await push(t, alice, 'alice/repl/f.bin', randomBytes(4000));
    await push(t, alice, 'alice/repl/f.bin', randomBytes(5000)); // 4000 freed, 5000 written
    const { id, endpoint } = await negotiate(t, alice, 'alice/repl/f.bin', 'pushToVoSpace');
    expectFault(await putBytes(endpoint, randomBytes(5001)), 413, 'QuotaExceeded');
    await expectJobError(id, 'QuotaExceeded');
    expect(await length('alice/repl/f.bin')).toBe('5000');

    // The admin lowers the quota under what is held: growing is refused, shrinking is not.
    expect((await setQuota('alice/repl', '1000')).status).toBe(200);
    const grow = await negotiate(t, alice, 'alice/repl/g.bin', 'pushToVoSpace');
    expectFault(await putBytes(grow.endpoint, randomBytes(1)), 413, 'QuotaExceeded');
    await push(t, alice, 'alice/repl/f.bin', randomBytes(3000));
    expect(await length('alice/repl/f.bin')).toBe('3000');
    await push(t, alice, 'alice/repl/g.bin', Buffer.alloc(0));
  });

  test('nested quotas all bind', async () => {
    await quotaDir('alice/outer', 10_000);
    await mkdir('alice/outer/inner');
    expect((await setQuota('alice/outer/inner', '1000')).status).toBe(200);
    // The inner quota binds first…
    const inner = await negotiate(t, alice, 'alice/outer/inner/a.bin', 'pushToVoSpace');
    expectFault(await putBytes(inner.endpoint, randomBytes(1001)), 413, 'QuotaExceeded');
    await push(t, alice, 'alice/outer/inner/a.bin', randomBytes(1000));
    expect(await space('alice/outer/inner')).toBe('0');
    // …and what is under it counts towards the outer one.
    expect(await space('alice/outer')).toBe('9000');
    await push(t, alice, 'alice/outer/b.bin', randomBytes(8500));
    await push(t, alice, 'alice/outer/inner/a.bin', randomBytes(400)); // frees 600 in both
    expect(await space('alice/outer/inner')).toBe('600');
    expect(await space('alice/outer')).toBe('1100');
    await push(t, alice, 'alice/outer/b.bin', randomBytes(9500)); // the outer quota is full again
    expect(await space('alice/outer/inner')).toBe('100');
    const outer = await negotiate(t, alice, 'alice/outer/inner/c.bin', 'pushToVoSpace');
    expectFault(await putBytes(outer.endpoint, randomBytes(101)), 413, 'QuotaExceeded');
    const declared = await createJob(t, alice, pushDoc('alice/outer/inner/d.bin', '101'), '?PHASE=RUN');
    await expectJobError(declared, 'QuotaExceeded');
  });

  test('two uploads that each fit but not together: exactly one succeeds, the other is refused at commit', async () => {
    await quotaDir('alice/race', 10 * MiB);
    const a = await negotiate(t, alice, 'alice/race/a.bin', 'pushToVoSpace');
    const b = await negotiate(t, alice, 'alice/race/b.bin', 'pushToVoSpace');
    const bytesA = randomBytes(6 * MiB);
    const bytesB = randomBytes(6 * MiB);
    const upA = slowPut(a.endpoint, bytesA, { chunk: MiB / 2, delayMs: 20 });
    const upB = slowPut(b.endpoint, bytesB, { chunk: MiB / 2, delayMs: 20 });
    // Both are streaming (so both passed the check before the body) before either ends.
    await Promise.all([upA.written(MiB), upB.written(MiB)]);
    const [outA, outB] = await Promise.all([upA.done, upB.done]);
    expect([outA.status, outB.status].sort()).toEqual([201, 413]);
    const [won, lost] = outA.status === 201 ? [a, b] : [b, a];
    // Refused by the check in the commit transaction, not by one before it.
    expect((outA.status === 413 ? outA : outB).body).toMatch(/^QuotaExceeded: .* over its 10485760-byte quota/);
    expect((await waitFinal(t, alice, won.id)).phase).toBe('COMPLETED');
    await expectJobError(lost.id, 'QuotaExceeded');
    const wonPath = won === a ? 'alice/race/a.bin' : 'alice/race/b.bin';
    const lostPath = won === a ? 'alice/race/b.bin' : 'alice/race/a.bin';
    expect(sha256(await pull(t, alice, wonPath))).toBe(sha256(won === a ? bytesA : bytesB));
    expect(await length(lostPath)).toBe('0');
    expect(await space('alice/race')).toBe(String(4 * MiB));
    expect(await stagingEmpty()).toBe(true);
  });
});

// ---------------------------------------------------------------- tar

describe('tar pushes into a container', () => {
  const objects = () => new Set(filesUnder(t.dirs.root));

  test('over the quota: refused with 413, nothing changed (no node made, old bytes kept, no object left)', async () => {
    await quotaDir('alice/tar', 10_000);
    const keep = randomBytes(1000);
    await push(t, alice, 'alice/tar/keep.bin', keep);
    const before = objects();
    const { put, id } = await pushTar('alice/tar', await makeTar({ 'one.bin': randomBytes(6000), 'dir/two.bin': randomBytes(5000), 'keep.bin': randomBytes(10) }));
    expectFault(put, 413, 'QuotaExceeded');
    expect(put.text).toMatch(/ran past/);
    await expectJobError(id, 'QuotaExceeded');
    for (const p of ['alice/tar/one.bin', 'alice/tar/dir/two.bin', 'alice/tar/dir']) {
      expect((await request('GET', `${t.base}/nodes/${p}`, { token: alice })).status).toBe(404);
    }
    expect(sha256(await pull(t, alice, 'alice/tar/keep.bin'))).toBe(sha256(keep));
    expect(await stagingEmpty()).toBe(true);
    expect(objects()).toEqual(before);
    expect(await space('alice/tar')).toBe('9000');
  });

  test('a quota inside the container is checked at commit; replaced files count only their difference', async () => {
    await quotaDir('alice/tar2', 10_000);
    await mkdir('alice/tar2/sub');
    expect((await setQuota('alice/tar2/sub', '100')).status).toBe(200);
    await push(t, alice, 'alice/tar2/keep.bin', randomBytes(1000));
    const before = objects();
    const refused = await pushTar('alice/tar2', await makeTar({ 'top.bin': randomBytes(50), 'sub/big.bin': randomBytes(101) }));
    expectFault(refused.put, 413, 'QuotaExceeded');
    expect(refused.put.text).toMatch(/tar2\/sub would hold 101 bytes, over its 100-byte quota/);
    await expectJobError(refused.id, 'QuotaExceeded');
    expect((await request('GET', `${t.base}/nodes/alice/tar2/top.bin`, { token: alice })).status).toBe(404);
    expect((await request('GET', `${t.base}/nodes/alice/tar2/sub/big.bin`, { token: alice })).status).toBe(404);
    expect(await length('alice/tar2/keep.bin')).toBe('1000');
    expect(objects()).toEqual(before);

    // 9000 free, plus the 1000 keep.bin frees: 9900 + 100 fits exactly.
    const bigger = randomBytes(9900);
    const ok = await pushTar('alice/tar2', await makeTar({ 'keep.bin': bigger, 'sub/small.bin': randomBytes(100) }));
    expect(ok.put.status).toBe(201);
    expect(sha256(await pull(t, alice, 'alice/tar2/keep.bin'))).toBe(sha256(bigger));
    expect(await space('alice/tar2')).toBe('0');
    expect(await space('alice/tar2/sub')).toBe('0');
  });
});
