/**
 * Container views over real HTTP: a tar pushed to a container with view
 * core#tar unpacks into nodes, a container pulled with it streams back as a
 * tar of its subtree. Archives are built and read here with tar-stream; bytes
 * are compared by SHA-256, nodes read back through /vospace/nodes and
 * /vospace/files.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack } from 'tar-stream';
import { entryNames } from '../../storage-server/tarView';
import { CORE, nodeXml, request } from '../helpers/http';
import { expectFault } from '../helpers/faults';
import { negotiate } from '../helpers/client';
import type { TestService } from '../helpers/service';
import { startWithUsers } from '../helpers/users';

const TAR = `${CORE}tar`;
const MiB = 1024 * 1024;

let t: TestService;
let alice: string;
let bob: string;
let admin: string;

beforeAll(async () => ({ t, tokens: { alice, bob, root: admin } } = await startWithUsers({ alice: {}, bob: {}, root: { admin: true } })));
afterAll(() => t.close());

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const md5hex = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const enc = (path: string) => path.split('/').map(encodeURIComponent).join('/');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- archives

interface Item {
  name: string;
  type?: 'file' | 'directory' | 'symlink';
  data?: Buffer;
  linkname?: string;
}

async function makeTar(items: Item[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const collecting = pipeline(p, new Writable({ write: (c: Buffer, _e, cb) => void (chunks.push(c), cb()) }));
  for (const it of items) {
    const type = it.type ?? 'file';
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === 'file') p.entry({ name: it.name, type, mode: 0o644 }, it.data ?? Buffer.alloc(0), cb);
      else p.entry({ name: it.name, type, linkname: it.linkname }, cb);
    });
  }
  p.finalize();
  await collecting;
  return Buffer.concat(chunks);
}

interface ReadEntry {
  name: string;
  type: string;
  size: number;
  sha256: string;
}

async function readTar(buf: Buffer): Promise<ReadEntry[]> {
  const ex = extract();
  const feeding = pipeline(Readable.from([buf]), ex);
  const out: ReadEntry[] = [];
  for await (const e of ex) {
    const chunks: Buffer[] = [];
    for await (const c of e) chunks.push(c as Buffer);
    const data = Buffer.concat(chunks);
    out.push({ name: e.header.name, type: e.header.type, size: e.header.size, sha256: sha256(data) });
  }
  await feeding;
  return out;
}

// ---------------------------------------------------------------- service calls

interface JobState {
  id: string;
  phase: string;
  endpoint?: string;
  error?: string;
}

async function jobState(token: string, id: string, waitWhile?: string): Promise<JobState> {
  const q = waitWhile ? `?WAIT=20&PHASE=${waitWhile}` : '';
  const r = await request('GET', `${t.base}/transfers/${id}${q}`, { token });
  expect(r.status).toBe(200);
  return {
    id,
    phase: /<uws:phase>([A-Z]+)<\/uws:phase>/.exec(r.text)?.[1] ?? '',
    endpoint: /<vos:endpoint>([^<]+)<\/vos:endpoint>/.exec(r.text)?.[1],
    error: /<uws:message>([^<]*)<\/uws:message>/.exec(r.text)?.[1],
  };
}

async function mkdir(token: string, path: string): Promise<void> {
  const r = await request('PUT', `${t.base}/nodes/${enc(path)}`, {
    token,
    body: nodeXml(t.uri(path), 'vos:ContainerNode'),
    headers: { 'content-type': 'text/xml' },
  });
  expect(r.status).toBe(201);
}

/** Pushes an archive to a container with view tar; returns the PUT's answer and the job afterwards. */
async function pushTar(token: string, target: string, body: Buffer, headers: Record<string, string> = {}) {
  const job = await negotiate(t, token, target, 'pushToVoSpace', { view: TAR });
  expect(job.phase).toBe('EXECUTING');
  const put = await request('PUT', job.endpoint!, { body, headers: { 'content-type': 'application/x-tar', ...headers } });
  return { put, job: await jobState(token, job.id, 'EXECUTING') };
}

async function pullTar(token: string, target: string): Promise<{ res: Response; body: Buffer; job: JobState }> {
  const job = await negotiate(t, token, target, 'pullFromVoSpace', { view: TAR });
  expect(job.phase).toBe('EXECUTING');
  const res = await fetch(job.endpoint!);
  const body = Buffer.from(await res.arrayBuffer());
  return { res, body, job: await jobState(token, job.id, 'EXECUTING') };
}

async function node(token: string, path: string) {
  const r = await request('GET', `${t.base}/nodes/${enc(path)}?limit=0`, { token });
  return { status: r.status, text: r.text, type: /xsi:type="vos:(\w+)"/.exec(r.text)?.[1] };
}

const prop = (xml: string, name: string) => new RegExp(`uri="${CORE}${name}"[^>]*>([^<]*)<`).exec(xml)?.[1];

async function bytesOf(token: string, path: string): Promise<Buffer> {
  const res = await fetch(`${t.base}/files/${enc(path)}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

const stagingEmpty = async () => (await t.staged()).length === 0;
/** The objects the backend holds. */
const objects = async () => new Set(await t.objects());

// ---------------------------------------------------------------- the archive of the round trip

const files: Record<string, Buffer> = {
  'docs/readme.txt': Buffer.from('read me\n'),
  'docs/deep/er/nested file.bin': randomBytes(70_001),
  'données/日本語 ファイル.dat': randomBytes(4096),
  'big.bin': randomBytes(3 * MiB + 17),
  'empty.txt': Buffer.alloc(0),
  '100% & <more>.txt': Buffer.from('percent'),
  '🚀 rocket/ünïcødé name with spaces.txt': randomBytes(1234),
  [`${'long-segment-'.repeat(12)}/x.txt`]: Buffer.from('a long path, in a pax header'),
};
// Directories listed in the archive; the others (docs/deep, données, …) must be made on the way.
const listedDirs = ['docs/', 'emptydir/'];
const allDirs = ['docs', 'docs/deep', 'docs/deep/er', 'données', 'emptydir', '🚀 rocket', `${'long-segment-'.repeat(12)}`];

function roundTripItems(): Item[] {
  return [
    ...listedDirs.map((name): Item => ({ name, type: 'directory' })),
    ...Object.entries(files).map(([name, data]): Item => ({ name, data })),
    { name: 'a-link', type: 'symlink', linkname: 'docs/readme.txt' },
  ];
}

describe('entry names', () => {
  test('a leading ./ and a trailing / are dropped; ./ is the container itself', () => {
    expect(entryNames('a/b c/d.txt')).toEqual(['a', 'b c', 'd.txt']);
    expect(entryNames('./a/')).toEqual(['a']);
    expect(entryNames('././a')).toEqual(['a']);
    expect(entryNames('./')).toEqual([]);
    expect(entryNames('.')).toEqual([]);
    expect(entryNames('données/🚀 100%.txt')).toEqual(['données', '🚀 100%.txt']);
  });

  test.each(['/abs', '../up', 'a/../b', 'a/./b', 'a//b', 'a/b//', '.auto', 'a/.null', 'nul\u0000l', 'tab\there', `${'x'.repeat(256)}/y`])(
    '%j is refused',
    (name) => {
      expect(expectFault('InvalidArgument', () => entryNames(name)).detail).toMatch(/^unsafe name in the archive/);
    },
  );
});

describe('container views (tar)', () => {
  test('GET /views lists tar among what is accepted and provided', async () => {
    const r = await request('GET', `${t.base}/views`);
    expect(r.status).toBe(200);
    const accepts = /<vos:accepts>([\s\S]*?)<\/vos:accepts>/.exec(r.text)?.[1] ?? '';
    const provides = /<vos:provides>([\s\S]*?)<\/vos:provides>/.exec(r.text)?.[1] ?? '';
    expect(accepts).toContain(`"${TAR}"`);
    expect(provides).toContain(`"${TAR}"`);
  });

  test('a pushed tar unpacks into nodes, and a pull gives back the same tree and bytes', async () => {
    await mkdir(alice, 'alice/unpack');
    const archive = await makeTar(roundTripItems());
    const { put, job } = await pushTar(alice, 'alice/unpack', archive);
    expect(put.status).toBe(201);
    expect(put.headers.get('digest')).toBe(`md5=${createHash('md5').update(archive).digest('base64')}`);
    expect(job.phase).toBe('COMPLETED');

    for (const d of allDirs) {
      const n = await node(alice, `alice/unpack/${d}`);
      expect([d, n.status, n.type]).toEqual([d, 200, 'ContainerNode']);
      expect(prop(n.text, 'creator')).toBe('alice');
    }
    for (const [name, data] of Object.entries(files)) {
      const n = await node(alice, `alice/unpack/${name}`);
      expect([name, n.status, n.type]).toEqual([name, 200, 'DataNode']);
      expect(prop(n.text, 'length')).toBe(String(data.length));
      if (data.length) expect(prop(n.text, 'MD5')).toBe(md5hex(data));
      expect(n.text).toContain('busy="false"');
      expect(sha256(await bytesOf(alice, `alice/unpack/${name}`))).toBe(sha256(data));
    }
    // Symlinks are skipped; the container is free again.
    expect((await node(alice, 'alice/unpack/a-link')).status).toBe(404);
    expect(await stagingEmpty()).toBe(true);

    const pulled = await pullTar(alice, 'alice/unpack');
    expect(pulled.res.status).toBe(200);
    expect(pulled.res.headers.get('content-type')).toBe('application/x-tar');
    expect(pulled.job.phase).toBe('COMPLETED');
    const entries = await readTar(pulled.body);
    const gotFiles = Object.fromEntries(entries.filter((e) => e.type === 'file').map((e) => [e.name, e.sha256]));
    expect(gotFiles).toEqual(Object.fromEntries(Object.entries(files).map(([n, d]) => [n, sha256(d)])));
    const gotDirs = entries.filter((e) => e.type === 'directory').map((e) => e.name.replace(/\/$/, ''));
    expect(gotDirs.sort()).toEqual([...allDirs].sort());
    expect(entries.every((e) => e.type === 'file' || e.type === 'directory')).toBe(true);
    // Every directory comes before what it holds.
    const seen = new Set<string>();
    for (const e of entries) {
      const name = e.name.replace(/\/$/, '');
      const parent = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '';
      if (parent) expect([name, seen.has(parent)]).toEqual([name, true]);
      seen.add(name);
    }

    // The order is stable: a second pull lists the same entries in the same order.
    const again = await pullTar(alice, 'alice/unpack');
    expect((await readTar(again.body)).map((e) => e.name)).toEqual(entries.map((e) => e.name));
  });

  test('a second push replaces the bytes of existing data nodes and leaves the rest alone', async () => {
    await mkdir(alice, 'alice/replace');
    const first = { 'a.txt': randomBytes(100), 'sub/b.txt': randomBytes(200) };
    expect((await pushTar(alice, 'alice/replace', await makeTar(Object.entries(first).map(([name, data]) => ({ name, data }))))).put.status).toBe(201);
    const before = await objects();
    const newer = randomBytes(300);
    // './' as `tar -C dir -cf x.tar .` writes it: the archive's top directory is the container.
    const { put } = await pushTar(alice, 'alice/replace', await makeTar([{ name: './', type: 'directory' }, { name: './sub/b.txt', data: newer }]));
    expect(put.status).toBe(201);
    expect(sha256(await bytesOf(alice, 'alice/replace/sub/b.txt'))).toBe(sha256(newer));
    expect(sha256(await bytesOf(alice, 'alice/replace/a.txt'))).toBe(sha256(first['a.txt']));
    // One object in, the replaced one out.
    const after = await objects();
    expect(after.size).toBe(before.size);
    expect([...after].filter((o) => !before.has(o))).toHaveLength(1);
    expect(await stagingEmpty()).toBe(true);
  });

  test('the same path twice in one archive: the later entry wins', async () => {
    await mkdir(alice, 'alice/twice');
    const later = Buffer.from('later');
    const { put } = await pushTar(alice, 'alice/twice', await makeTar([{ name: 'f', data: Buffer.from('earlier') }, { name: 'f', data: later }]));
    expect(put.status).toBe(201);
    expect((await bytesOf(alice, 'alice/twice/f')).toString()).toBe('later');
  });

  describe('unsafe entry names reject the whole upload', () => {
    const unsafe = ['../evil.txt', '/etc/passwd', 'a//b.txt', 'a/./b.txt', 'sub/../../up.txt', 'bad\u0001name', '.auto', 'x/.null'];
    beforeAll(async () => {
      await mkdir(alice, 'alice/safe');
      const { put } = await pushTar(alice, 'alice/safe', await makeTar([{ name: 'keep.txt', data: Buffer.from('original') }]));
      expect(put.status).toBe(201);
    });

    test.each(unsafe)('%j', async (bad) => {
      const archive = await makeTar([
        { name: 'keep.txt', data: Buffer.from('replaced?') },
        { name: 'newdir/new.txt', data: randomBytes(5000) },
        { name: bad, data: Buffer.from('bad') },
        { name: 'after.txt', data: Buffer.from('after') },
      ]);
      const { put, job } = await pushTar(alice, 'alice/safe', archive);
      expect(put.status).toBe(400);
      expect(put.text).toMatch(/^InvalidArgument: /);
      expect(job.phase).toBe('ERROR');
      expect(job.error).toMatch(/^InvalidArgument: /);
      // Nothing changed: the old bytes stay, the nodes made before the bad entry went again, nothing is left staged.
      expect((await bytesOf(alice, 'alice/safe/keep.txt')).toString()).toBe('original');
      expect((await node(alice, 'alice/safe/newdir')).status).toBe(404);
      expect((await node(alice, 'alice/safe/after.txt')).status).toBe(404);
      expect((await node(alice, 'alice/safe/keep.txt')).text).toContain('busy="false"');
      expect(await stagingEmpty()).toBe(true);
      // …and the container is free for the next push.
      const ok = await pushTar(alice, 'alice/safe', await makeTar([{ name: 'keep.txt', data: Buffer.from('original') }]));
      expect(ok.put.status).toBe(201);
    });
  });

  test('a corrupt or truncated archive is InvalidData and changes nothing', async () => {
    await mkdir(alice, 'alice/corrupt');
    const good = await makeTar([{ name: 'x.bin', data: randomBytes(MiB) }, { name: 'y.txt', data: Buffer.from('y') }]);
    for (const body of [randomBytes(4096), good.subarray(0, 512 + 300_000)]) {
      const { put, job } = await pushTar(alice, 'alice/corrupt', body);
      expect(put.status).toBe(400);
      expect(put.text).toMatch(/^InvalidData: /);
      expect(job.phase).toBe('ERROR');
      expect((await node(alice, 'alice/corrupt/x.bin')).status).toBe(404);
      expect(await stagingEmpty()).toBe(true);
    }
  });

  test('an archive that does not match its declared MD5 is refused (412) and changes nothing', async () => {
    await mkdir(alice, 'alice/digest');
    const archive = await makeTar([{ name: 'z.txt', data: Buffer.from('zzz') }]);
    const { put, job } = await pushTar(alice, 'alice/digest', archive, { digest: `md5=${createHash('md5').update('other').digest('base64')}` });
    expect(put.status).toBe(412);
    expect(job.phase).toBe('ERROR');
    expect((await node(alice, 'alice/digest/z.txt')).status).toBe(404);
  });

  test('a pull leaves out what the job owner may not read', async () => {
    await mkdir(alice, 'alice/mixed');
    await pushTar(alice, 'alice/mixed', await makeTar([{ name: 'mine.txt', data: Buffer.from('mine') }]));
    // The admin makes a container inside alice's, which alice may not read, and fills it.
    await mkdir(admin, 'alice/mixed/private');
    expect((await pushTar(admin, 'alice/mixed/private', await makeTar([{ name: 'secret.txt', data: Buffer.from('s') }, { name: 'd/e.txt', data: Buffer.from('e') }]))).put.status).toBe(201);

    const asAlice = (await readTar((await pullTar(alice, 'alice/mixed')).body)).map((e) => e.name);
    expect(asAlice).toEqual(['mine.txt']);
    const asAdmin = (await readTar((await pullTar(admin, 'alice/mixed')).body)).map((e) => e.name);
    expect(asAdmin).toEqual(['mine.txt', 'private/', 'private/d/', 'private/d/e.txt', 'private/secret.txt']);
  });

  test('another user may not pull or push the container: the job ends in ERROR with PermissionDenied', async () => {
    await mkdir(alice, 'alice/closed');
    for (const direction of ['pullFromVoSpace', 'pushToVoSpace'] as const) {
      const job = await negotiate(t, bob, 'alice/closed', direction, { view: TAR, mayFail: true });
      expect(job.phase).toBe('ERROR');
      expect(job.error).toMatch(/^PermissionDenied: /);
      expect(job.endpoint).toBeUndefined();
    }
  });

  test('the tar view is for containers only; a container needs it', async () => {
    await mkdir(alice, 'alice/views');
    await pushTar(alice, 'alice/views', await makeTar([{ name: 'data.txt', data: Buffer.from('d') }]));
    for (const direction of ['pullFromVoSpace', 'pushToVoSpace'] as const) {
      const onData = await negotiate(t, alice, 'alice/views/data.txt', direction, { view: TAR, mayFail: true });
      expect([direction, onData.phase, onData.error?.split(':')[0]]).toEqual([direction, 'ERROR', 'ViewNotSupported']);
      for (const view of [undefined, `${CORE}binaryview`, `${CORE}zip`]) {
        const onContainer = await negotiate(t, alice, 'alice/views', direction, { view, mayFail: true });
        expect([direction, view, onContainer.phase, onContainer.error?.split(':')[0]]).toEqual([direction, view, 'ERROR', 'ViewNotSupported']);
      }
    }
    // A push with tar to a node that does not exist yet does not make a data node of it.
    const missing = await negotiate(t, alice, 'alice/views/new.tar', 'pushToVoSpace', { view: TAR, mayFail: true });
    expect(missing.error?.split(':')[0]).toBe('ViewNotSupported');
    expect((await node(alice, 'alice/views/new.tar')).status).toBe(404);
  });

  test('the container is busy during a push: a second push gets NodeBusy; a client that leaves changes nothing', async () => {
    await mkdir(alice, 'alice/busy');
    const big = await makeTar([{ name: 'done.txt', data: Buffer.from('done') }, { name: 'slow.bin', data: randomBytes(2 * MiB) }]);
    const first = await negotiate(t, alice, 'alice/busy', 'pushToVoSpace', { view: TAR });
    const url = new URL(first.endpoint!);
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'PUT', agent: false, headers: { 'content-length': String(big.length) } });
    req.on('error', () => {});
    // Half of the archive: done.txt whole, slow.bin begun.
    req.write(big.subarray(0, MiB));
    for (let i = 0; i < 100 && (await node(alice, 'alice/busy/slow.bin')).status !== 200; i++) await sleep(50);
    expect((await node(alice, 'alice/busy/slow.bin')).text).toContain('busy="true"');

    const second = await negotiate(t, alice, 'alice/busy', 'pushToVoSpace', { view: TAR, mayFail: true });
    expect([second.phase, second.error?.split(':')[0]]).toEqual(['ERROR', 'NodeBusy']);
    // A direct push to a file the archive is writing is refused too.
    const direct = await negotiate(t, alice, 'alice/busy/slow.bin', 'pushToVoSpace', { mayFail: true });
    expect(direct.error?.split(':')[0]).toBe('NodeBusy');

    req.destroy();
    const after = await jobState(alice, first.id, 'EXECUTING');
    expect(after.phase).toBe('ERROR');
    expect((await node(alice, 'alice/busy/slow.bin')).status).toBe(404);
    expect((await node(alice, 'alice/busy/done.txt')).status).toBe(404);
    for (let i = 0; i < 50 && !(await stagingEmpty()); i++) await sleep(20);
    expect(await stagingEmpty()).toBe(true);
    // Free again.
    expect((await pushTar(alice, 'alice/busy', big)).put.status).toBe(201);
    expect((await bytesOf(alice, 'alice/busy/slow.bin')).length).toBe(2 * MiB);
  });

  test('a pull leaves LinkNodes out', async () => {
    await mkdir(alice, 'alice/links');
    await pushTar(alice, 'alice/links', await makeTar([{ name: 'target.txt', data: Buffer.from('t') }]));
    const r = await request('PUT', `${t.base}/nodes/alice/links/ln`, {
      token: alice,
      body: nodeXml(t.uri('alice/links/ln'), 'vos:LinkNode', [], { target: t.uri('alice/links/target.txt') }),
      headers: { 'content-type': 'text/xml' },
    });
    expect(r.status).toBe(201);
    expect((await readTar((await pullTar(alice, 'alice/links')).body)).map((e) => e.name)).toEqual(['target.txt']);
  });

  test('a pull that fails midway cuts the response and ends the job in ERROR', async () => {
    await mkdir(alice, 'alice/broken');
    const before = await objects();
    const second = randomBytes(MiB);
    await pushTar(alice, 'alice/broken', await makeTar([{ name: 'a.bin', data: randomBytes(MiB) }, { name: 'b.bin', data: second }]));
    // Lose the bytes of the second file (packed after a.bin, so the answer has begun) behind the service's back.
    // Found by content: the order of object names says nothing of the order of entries.
    const added = [...(await objects())].filter((o) => !before.has(o));
    expect(added).toHaveLength(2);
    const lost = [];
    for (const o of added) if ((await t.bytes(o)).equals(second)) lost.push(o);
    expect(lost).toHaveLength(1);
    await t.running.svc.backend.remove(lost[0]);
    const job = await negotiate(t, alice, 'alice/broken', 'pullFromVoSpace', { view: TAR });
    const res = await fetch(job.endpoint!);
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
    const after = await jobState(alice, job.id, 'EXECUTING');
    expect(after.phase).toBe('ERROR');
  });

  test('a pull whose first bytes cannot be read is answered with a fault, and the job ends in ERROR', async () => {
    await mkdir(alice, 'alice/unreadable');
    const before = await objects();
    await pushTar(alice, 'alice/unreadable', await makeTar([{ name: 'only.bin', data: randomBytes(1000) }]));
    const added = [...(await objects())].filter((o) => !before.has(o));
    expect(added).toHaveLength(1);
    await t.running.svc.backend.remove(added[0]);
    const job = await negotiate(t, alice, 'alice/unreadable', 'pullFromVoSpace', { view: TAR });
    const res = await fetch(job.endpoint!);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.get('content-disposition')).toBeNull();
    expect(await res.text()).toMatch(/^[A-Za-z]+: /);
    expect((await jobState(alice, job.id, 'EXECUTING')).phase).toBe('ERROR');
  });

  /**
   * Starts a push of two files into `dir`, sends half of the second, ABORTs the job once
   * `reached` resolves, and checks that nothing of it stays. `afterCut` runs once the upload is cut.
   */
  async function abortMidway(dir: string, reached: () => Promise<void>, afterCut = () => {}): Promise<void> {
    await mkdir(alice, dir);
    const archive = await makeTar([{ name: 'd/first.txt', data: Buffer.from('first') }, { name: 'd/second.bin', data: randomBytes(2 * MiB) }]);
    const job = await negotiate(t, alice, dir, 'pushToVoSpace', { view: TAR });
    const url = new URL(job.endpoint!);
    const answer = new Promise<number | string>((resolve) => {
      const req = http.request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'PUT', agent: false, headers: { 'content-length': String(archive.length) } },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.on('error', (e) => resolve(e.message));
      req.write(archive.subarray(0, MiB));
    });
    await reached();
    const r = await request('POST', `${t.base}/transfers/${job.id}/phase`, {
      token: alice,
      body: 'PHASE=ABORT',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(r.status).toBe(303);
    await answer; // the upload is cut
    afterCut();
    expect((await jobState(alice, job.id)).phase).toBe('ABORTED');
    for (let i = 0; i < 100 && (await node(alice, `${dir}/d`)).status !== 404; i++) await sleep(20);
    expect((await node(alice, `${dir}/d`)).status).toBe(404);
    for (let i = 0; i < 50 && !(await stagingEmpty()); i++) await sleep(20);
    expect(await stagingEmpty()).toBe(true);
    expect((await pushTar(alice, dir, archive)).put.status).toBe(201);
  }

  test('an ABORT stops a push midway and changes nothing', async () => {
    await abortMidway('alice/aborted', async () => {
      for (let i = 0; i < 100 && (await node(alice, 'alice/aborted/d/second.bin')).status !== 200; i++) await sleep(50);
    });
  });

  test('an ABORT that lands while an entry waits for its staging stops the push too', async () => {
    // The backend is held at the second file's staging until the upload is cut, so the
    // entry is destroyed before anything reads it (a slow object store makes this window).
    const { backend } = t.running.svc;
    const stage = backend.stage.bind(backend);
    let calls = 0;
    let held!: () => void;
    const reached = new Promise<void>((r) => (held = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    backend.stage = async (...args: Parameters<typeof stage>) => {
      if (++calls === 2) {
        held();
        await released;
      }
      return stage(...args);
    };
    try {
      await abortMidway('alice/aborted-early', () => reached, release);
    } finally {
      release();
      backend.stage = stage;
    }
  });

  test('an empty container pulls as an empty archive', async () => {
    await mkdir(alice, 'alice/nothing');
    const { res, body, job } = await pullTar(alice, 'alice/nothing');
    expect(res.status).toBe(200);
    expect(await readTar(body)).toEqual([]);
    expect(job.phase).toBe('COMPLETED');
  });
});
