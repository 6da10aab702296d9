/**
 * Quotas over real sockets: core#quota on a container bounds the bytes below
 * it. Refused at negotiation (a declared core#length), at the storage server
 * before the body is read (Content-Length) and while it streams (chunked), and
 * at commit (two uploads racing under one quota; a tar unpacking into a
 * container). core#availableSpace is reported, through REST and GraphQL alike.
 * After every refusal: the old bytes stay, staging is empty, the job is ERROR.
 * Copies and moves into a quota'd container are checked too (REST and
 * GraphQL jobs alike): refused ones change nothing.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';
import { gql } from '../helpers/gql';
import { CORE, VOS, nodeXml, request, type Reply, expectFault } from '../helpers/http';
import { usePg } from '../helpers/db';
import type { TestService } from '../helpers/service';
import { startWithUsers } from '../helpers/users';
import {
  HTTPPUT, MiB, createJob, eventually, getJob, negotiate, nodeProp, pull, push, putBytes,
  readTransfer, sha256, sleep, slowPut, transferXml, waitFinal, type JobDoc,
} from '../helpers/client';

const QUOTA = `${CORE}quota`;
const SPACE = `${CORE}availableSpace`;
const LENGTH = `${CORE}length`;
const TAR = `${CORE}tar`;

let t: TestService;
let alice: string;
let admin: string;

beforeAll(async () => ({ t, tokens: { alice, root: admin } } = await startWithUsers({ alice: {}, root: { admin: true } })));
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
const stagingEmpty = () => eventually(async () => (await t.staged()).length === 0);

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
  expect(job.errorMessage?.startsWith(`${fault}:`)).toBe(true);
  const err = await request('GET', `${t.base}/transfers/${id}/error`, { token: alice });
  expect(err.text).toBe(fault);
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
  const { id, endpoint } = await negotiate(t, alice, path, 'pushToVoSpace', { view: TAR });
  return { put: await putBytes(endpoint, archive, { 'content-type': 'application/x-tar' }), id };
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
    expect(await t.staged()).toEqual([]);
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
    // The refused push had made its node: it goes with the refusal.
    expect((await request('GET', `${t.base}/nodes/${lostPath}`, { token: alice })).status).toBe(404);
    expect(await space('alice/race')).toBe(String(4 * MiB));
    expect(await stagingEmpty()).toBe(true);
  });
});

// ---------------------------------------------------------------- tar

describe('tar pushes into a container', () => {
  const objects = async () => new Set(await t.objects());

  test('over the quota: refused with 413, nothing changed (no node made, old bytes kept, no object left)', async () => {
    await quotaDir('alice/tar', 10_000);
    const keep = randomBytes(1000);
    await push(t, alice, 'alice/tar/keep.bin', keep);
    const before = await objects();
    const { put, id } = await pushTar('alice/tar', await makeTar({ 'one.bin': randomBytes(6000), 'dir/two.bin': randomBytes(5000), 'keep.bin': randomBytes(10) }));
    expectFault(put, 413, 'QuotaExceeded');
    expect(put.text).toMatch(/ran past/);
    await expectJobError(id, 'QuotaExceeded');
    for (const p of ['alice/tar/one.bin', 'alice/tar/dir/two.bin', 'alice/tar/dir']) {
      expect((await request('GET', `${t.base}/nodes/${p}`, { token: alice })).status).toBe(404);
    }
    expect(sha256(await pull(t, alice, 'alice/tar/keep.bin'))).toBe(sha256(keep));
    expect(await stagingEmpty()).toBe(true);
    expect(await objects()).toEqual(before);
    expect(await space('alice/tar')).toBe('9000');
  });

  test('a quota inside the container is checked at commit; replaced files count only their difference', async () => {
    await quotaDir('alice/tar2', 10_000);
    await mkdir('alice/tar2/sub');
    expect((await setQuota('alice/tar2/sub', '100')).status).toBe(200);
    await push(t, alice, 'alice/tar2/keep.bin', randomBytes(1000));
    const before = await objects();
    const refused = await pushTar('alice/tar2', await makeTar({ 'top.bin': randomBytes(50), 'sub/big.bin': randomBytes(101) }));
    expectFault(refused.put, 413, 'QuotaExceeded');
    expect(refused.put.text).toMatch(/tar2\/sub would hold 101 bytes, over its 100-byte quota/);
    await expectJobError(refused.id, 'QuotaExceeded');
    expect((await request('GET', `${t.base}/nodes/alice/tar2/top.bin`, { token: alice })).status).toBe(404);
    expect((await request('GET', `${t.base}/nodes/alice/tar2/sub/big.bin`, { token: alice })).status).toBe(404);
    expect(await length('alice/tar2/keep.bin')).toBe('1000');
    expect(await objects()).toEqual(before);

    // 9000 free, plus the 1000 keep.bin frees: 9900 + 100 fits exactly.
    const bigger = randomBytes(9900);
    const ok = await pushTar('alice/tar2', await makeTar({ 'keep.bin': bigger, 'sub/small.bin': randomBytes(100) }));
    expect(ok.put.status).toBe(201);
    expect(sha256(await pull(t, alice, 'alice/tar2/keep.bin'))).toBe(sha256(bigger));
    expect(await space('alice/tar2')).toBe('0');
    expect(await space('alice/tar2/sub')).toBe('0');
  });
});

// ---------------------------------------------------------------- move and copy

describe('copy and move into a quota\'d container', () => {
  const objects = async () => new Set(await t.objects());
  const exists = async (p: string) => (await request('GET', `${t.base}/nodes/${p}`, { token: alice })).status === 200;

  /** A move (keepBytes false) or copy (true) as a REST job, run at once, to its end. */
  async function transfer(src: string, dest: string, keepBytes: boolean): Promise<JobDoc> {
    const id = await createJob(t, alice, { target: t.uri(src), direction: t.uri(dest), keepBytes }, '?PHASE=RUN');
    return waitFinal(t, alice, id);
  }
  const copy = (src: string, dest: string) => transfer(src, dest, true);
  const move = (src: string, dest: string) => transfer(src, dest, false);

  function expectDone(job: JobDoc): void {
    expect({ phase: job.phase, error: job.errorMessage }).toEqual({ phase: 'COMPLETED', error: undefined });
  }

  function expectRefused(job: JobDoc, message?: RegExp): void {
    expect(job.phase).toBe('ERROR');
    expect(job.errorMessage).toMatch(/^QuotaExceeded\b/);
    if (message) expect(job.errorMessage).toMatch(message);
  }

  test('a copy that fits goes through and its bytes count under the quota', async () => {
    await quotaDir('alice/cfit', 10_000);
    await mkdir('alice/cfit-src');
    await mkdir('alice/cfit-src/sub');
    await push(t, alice, 'alice/cfit-src/a.bin', randomBytes(3000));
    await push(t, alice, 'alice/cfit-src/sub/b.bin', randomBytes(1000));
    expectDone(await copy('alice/cfit-src', 'alice/cfit'));
    expect(await length('alice/cfit/cfit-src/sub/b.bin')).toBe('1000');
    expect(await space('alice/cfit')).toBe('6000');
    // Up to the last byte: 6000 more (a copy of the copy, inside the quota) fills it.
    await push(t, alice, 'alice/cfit/c.bin', randomBytes(2000));
    expectDone(await copy('alice/cfit/cfit-src', 'alice/cfit/again'));
    expect(await space('alice/cfit')).toBe('0');
  });

  test('a quota stays behind when a user copies its container, and comes along when an admin does', async () => {
    await quotaDir('alice/qsrc', 10_000);
    expectDone(await copy('alice/qsrc', 'alice/qcopy'));
    expect(await nodeProp(t, alice, 'alice/qcopy', QUOTA)).toBeUndefined();
    expect(await space('alice/qcopy')).toBeUndefined();
    const byAdmin = await createJob(t, admin, { target: t.uri('alice/qsrc'), direction: t.uri('alice/qadmin'), keepBytes: true }, '?PHASE=RUN');
    expectDone(await waitFinal(t, admin, byAdmin));
    expect(await nodeProp(t, admin, 'alice/qadmin', QUOTA)).toBe('10000');
  });

  test('a copy that would exceed: QuotaExceeded, nothing at the destination, the source unchanged (async and sync)', async () => {
    await quotaDir('alice/cover', 10_000);
    await push(t, alice, 'alice/cover/held.bin', randomBytes(5000));
    await mkdir('alice/cover-src');
    await mkdir('alice/cover-src/sub');
    const a = randomBytes(3000);
    const b = randomBytes(2001);
    await push(t, alice, 'alice/cover-src/a.bin', a);
    await push(t, alice, 'alice/cover-src/sub/b.bin', b);
    const before = await objects();
    expectRefused(await copy('alice/cover-src', 'alice/cover'), /alice\/cover would hold 10001 bytes, over its 10000-byte quota.*nothing was changed/);
    expectRefused(await copy('alice/cover-src', 'alice/cover/named'));
    for (const p of ['alice/cover/cover-src', 'alice/cover/named', 'alice/cover/named/a.bin']) expect(await exists(p)).toBe(false);
    expect(await objects()).toEqual(before);
    expect(await space('alice/cover')).toBe('5000');
    expect(sha256(await pull(t, alice, 'alice/cover-src/a.bin'))).toBe(sha256(a));
    expect(sha256(await pull(t, alice, 'alice/cover-src/sub/b.bin'))).toBe(sha256(b));
    // A copy of a node inside the quota counts again: 5000 more fit in the 5000 free, then nothing more does.
    expectDone(await copy('alice/cover/held.bin', 'alice/cover/held2.bin'));
    expectRefused(await copy('alice/cover/held.bin', 'alice/cover/held3.bin'));
    expect(await exists('alice/cover/held3.bin')).toBe(false);

    // POST /synctrans with the document: 303 to the details, the job holds the same fault.
    const held = await objects();
    const body = transferXml({ target: t.uri('alice/cover-src'), direction: t.uri('alice/cover'), keepBytes: true });
    const r = await request('POST', `${t.base}/synctrans`, { token: alice, body, headers: xml });
    expect(r.status).toBe(303);
    const id = r.headers.get('location')!.split('/').slice(-3)[0];
    expectRefused(await waitFinal(t, alice, id));
    await expectJobError(id, 'QuotaExceeded');
    expect(await exists('alice/cover/cover-src')).toBe(false);
    expect(await objects()).toEqual(held);
  });

  test('a move into another quota\'d container that would exceed is refused and the node stays where it was', async () => {
    await quotaDir('alice/ma', 10_000);
    await quotaDir('alice/mb', 5000);
    const big = randomBytes(6000);
    await push(t, alice, 'alice/ma/big.bin', big);
    await push(t, alice, 'alice/mb/small.bin', randomBytes(1000));
    expectRefused(await move('alice/ma/big.bin', 'alice/mb'), /alice\/mb would hold 7000 bytes, over its 5000-byte quota, with the 6000 bytes moved/);
    expect(await exists('alice/mb/big.bin')).toBe(false);
    expect(sha256(await pull(t, alice, 'alice/ma/big.bin'))).toBe(sha256(big));
    expect([await space('alice/ma'), await space('alice/mb')]).toEqual(['4000', '4000']);
    // A move out frees room where it leaves: mb is empty now, and 6000 still does not fit in 5000.
    expectDone(await move('alice/mb/small.bin', 'alice/ma'));
    expect([await space('alice/ma'), await space('alice/mb')]).toEqual(['3000', '5000']);
    expectRefused(await move('alice/ma/big.bin', 'alice/mb/renamed.bin'));
    expect(await exists('alice/ma/big.bin')).toBe(true);
    // A container moves with all its bytes (a 3000-byte one fits, then it has no room to come back).
    await mkdir('alice/ma/dir');
    await push(t, alice, 'alice/ma/dir/f.bin', randomBytes(3000));
    expect(await space('alice/ma')).toBe('0');
    expectDone(await move('alice/ma/dir', 'alice/mb'));
    expect([await space('alice/ma'), await space('alice/mb')]).toEqual(['3000', '2000']);
    await push(t, alice, 'alice/ma/more.bin', randomBytes(1));
    expectRefused(await move('alice/mb/dir', 'alice/ma'), /alice\/ma would hold 10001 bytes/);
    expect(await length('alice/mb/dir/f.bin')).toBe('3000');
  });

  test('a move within one quota\'d container is always allowed, even when it is over its quota', async () => {
    await quotaDir('alice/mw', 10_000);
    await mkdir('alice/mw/a');
    await mkdir('alice/mw/b');
    await push(t, alice, 'alice/mw/a/f.bin', randomBytes(4000));
    expect((await setQuota('alice/mw', '1000')).status).toBe(200);
    expectDone(await move('alice/mw/a/f.bin', 'alice/mw/b'));
    expectDone(await move('alice/mw/b/f.bin', 'alice/mw/b/g.bin'));
    expectDone(await move('alice/mw/b', 'alice/mw/a'));
    expect(await length('alice/mw/a/b/g.bin')).toBe('4000');
    // A copy inside it adds bytes, so it is refused.
    expectRefused(await copy('alice/mw/a/b/g.bin', 'alice/mw/h.bin'));
    expect(await exists('alice/mw/h.bin')).toBe(false);
  });

  test('nested quotas: each binds, so the tighter one decides', async () => {
    await quotaDir('alice/nq', 10_000);
    await mkdir('alice/nq/in');
    expect((await setQuota('alice/nq/in', '1000')).status).toBe(200);
    await mkdir('alice/nq-src');
    await push(t, alice, 'alice/nq-src/big.bin', randomBytes(1500));
    await push(t, alice, 'alice/nq-src/small.bin', randomBytes(800));
    await push(t, alice, 'alice/nq-src/tiny.bin', randomBytes(100));
    // The inner quota binds: 1500 fit under the outer one but not the inner.
    expectRefused(await copy('alice/nq-src/big.bin', 'alice/nq/in'), /alice\/nq\/in would hold 1500 bytes, over its 1000-byte quota/);
    expectDone(await copy('alice/nq-src/big.bin', 'alice/nq'));
    // A move under the same outer quota into the inner one adds to the inner only.
    expectRefused(await move('alice/nq/big.bin', 'alice/nq/in'));
    expect(await exists('alice/nq/big.bin')).toBe(true);
    expectDone(await copy('alice/nq-src/small.bin', 'alice/nq/in'));
    expect([await space('alice/nq'), await space('alice/nq/in')]).toEqual(['7700', '200']);
    // Fill the outer quota: now it is the tighter one.
    await push(t, alice, 'alice/nq/fill.bin', randomBytes(7700));
    expect([await space('alice/nq'), await space('alice/nq/in')]).toEqual(['0', '0']);
    expectRefused(await copy('alice/nq-src/tiny.bin', 'alice/nq/in'), /alice\/nq would hold 10100 bytes, over its 10000-byte quota/);
    expect(await exists('alice/nq/in/tiny.bin')).toBe(false);
    // Moves between the two under the full outer quota go: out of the inner one, and back into it (800 ≤ 1000).
    expectDone(await move('alice/nq/in/small.bin', 'alice/nq'));
    expect(await space('alice/nq/in')).toBe('0'); // the outer quota still leaves no room
    expectDone(await move('alice/nq/small.bin', 'alice/nq/in'));
    expect(await length('alice/nq/in/small.bin')).toBe('800');
  });

  test('a copy or move of a tree without bytes into a full container is allowed', async () => {
    await quotaDir('alice/full', 1000);
    await push(t, alice, 'alice/full/f.bin', randomBytes(1000));
    expect((await setQuota('alice/full', '500')).status).toBe(200); // over its quota, even
    await mkdir('alice/empty');
    await mkdir('alice/empty/sub');
    await push(t, alice, 'alice/empty/sub/zero.bin', Buffer.alloc(0));
    expectDone(await copy('alice/empty', 'alice/full'));
    expect(await length('alice/full/empty/sub/zero.bin')).toBe('0');
    expectDone(await move('alice/empty', 'alice/full/moved'));
    expect(await exists('alice/full/moved/sub/zero.bin')).toBe(true);
    expect(await exists('alice/empty')).toBe(false);
  });

  test('GraphQL (negotiateTransfer with a vos:// direction) gives the same answers as REST', async () => {
    const JOB = 'id phase error { fault message }';
    const NEGOTIATE = `mutation($target: String!, $direction: String!, $keepBytes: Boolean) {
      negotiateTransfer(target: $target, direction: $direction, keepBytes: $keepBytes) { ${JOB} } }`;
    type JobOut = { id: string; phase: string; error: { fault: string; message: string } | null };
    const viaGraphql = async (src: string, dest: string, keepBytes: boolean): Promise<JobOut> => {
      const r = await gql<{ negotiateTransfer: JobOut }>(t, NEGOTIATE, { target: t.uri(src), direction: t.uri(dest), keepBytes }, alice);
      expect(r.errors).toBeUndefined();
      let job = r.data!.negotiateTransfer;
      const until = Date.now() + 20_000;
      while (!['COMPLETED', 'ERROR', 'ABORTED'].includes(job.phase)) {
        if (Date.now() > until) throw new Error(`job ${job.id} still ${job.phase}`);
        await sleep(20);
        job = (await gql<{ job: JobOut }>(t, `query($id: String!) { job(id: $id) { ${JOB} } }`, { id: job.id }, alice)).data!.job;
      }
      return job;
    };

    await quotaDir('alice/gq', 5000);
    await quotaDir('alice/gq-other', 100_000);
    await push(t, alice, 'alice/gq-other/f.bin', randomBytes(4000));
    await push(t, alice, 'alice/gq/held.bin', randomBytes(2000));
    const before = await objects();
    for (const keepBytes of [true, false]) {
      const rest = await transfer('alice/gq-other/f.bin', 'alice/gq', keepBytes);
      const graphql = await viaGraphql('alice/gq-other/f.bin', 'alice/gq', keepBytes);
      expectRefused(rest);
      expect(graphql.phase).toBe('ERROR');
      expect(graphql.error!.fault).toBe('QuotaExceeded');
      expect(`QuotaExceeded: ${graphql.error!.message}`).toBe(rest.errorMessage);
    }
    expect(await exists('alice/gq/f.bin')).toBe(false);
    expect(await exists('alice/gq-other/f.bin')).toBe(true);
    expect(await objects()).toEqual(before);
    // Room made: both faces then copy and move.
    await push(t, alice, 'alice/gq/held.bin', Buffer.alloc(0));
    expect((await viaGraphql('alice/gq-other/f.bin', 'alice/gq/copy.bin', true)).phase).toBe('COMPLETED');
    expect(await space('alice/gq')).toBe('1000');
    await push(t, alice, 'alice/gq/copy.bin', Buffer.alloc(0));
    expect((await viaGraphql('alice/gq-other/f.bin', 'alice/gq', false)).phase).toBe('COMPLETED');
    expect(await exists('alice/gq/f.bin')).toBe(true);
    expect(await exists('alice/gq-other/f.bin')).toBe(false);
  });

  (usePg ? test : test.skip)('PostgreSQL: two copies that each fit but not together: exactly one succeeds, every time', async () => {
    await mkdir('alice/crace-src');
    // A tree of several files, so that each copy spends a while copying bytes inside its transaction.
    for (let i = 0; i < 8; i++) await push(t, alice, `alice/crace-src/f${i}.bin`, randomBytes(MiB / 2));
    for (let round = 0; round < 5; round++) {
      const dir = `alice/crace${round}`;
      await quotaDir(dir, 6 * MiB);
      const before = (await objects()).size;
      const ids = await Promise.all(['a', 'b'].map((name) =>
        createJob(t, alice, { target: t.uri('alice/crace-src'), direction: t.uri(`${dir}/${name}`), keepBytes: true }, '?PHASE=RUN')));
      const jobs = await Promise.all(ids.map((id) => waitFinal(t, alice, id)));
      expect(jobs.map((j) => j.phase).sort()).toEqual(['COMPLETED', 'ERROR']);
      expectRefused(jobs.find((j) => j.phase === 'ERROR')!, /would hold 8388608 bytes, over its 6291456-byte quota/);
      const won = jobs[0].phase === 'COMPLETED' ? 'a' : 'b';
      expect(await exists(`${dir}/${won === 'a' ? 'b' : 'a'}`)).toBe(false);
      expect(await length(`${dir}/${won}/f7.bin`)).toBe(String(MiB / 2));
      expect(await space(dir)).toBe(String(2 * MiB));
      // The refused copy made no byte object: only the winner's 8 are new.
      expect((await objects()).size).toBe(before + 8);
    }
  });
});
