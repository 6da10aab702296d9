/**
 * Push and pull of bytes over real sockets: the async UWS dance and the sync
 * (/synctrans) forms, the node's computed length and MD5 afterwards, pushes
 * that create and that replace, empty nodes, direct downloads through
 * /vospace/files with ranges, and the headers the storage server sends.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request, CORE, nodeXml } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import {
  HTTPGET, HTTPPUT, MiB, UWS, createJob, faultName, getAllAndLeave, getBytes, mkdata, negotiate, nodeProp, parseXml, pull, push,
  putBytes, readJob, readTransfer, sha256, transferXml, waitFinal,
} from '../helpers/client';

let t: TestService;
let alice: string;
let bob: string;

beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice');
  bob = await t.user('bob');
});
afterAll(() => t?.close());

const md5hex = (b: Buffer) => createHash('md5').update(b).digest('hex');
const md5b64 = (b: Buffer) => createHash('md5').update(b).digest('base64');
/** sha256 of every object the backend keeps. */
const storedHashes = async () => Promise.all((await t.objects()).map(async (o) => sha256(await t.bytes(o))));

describe('async push and pull (POST /transfers, PHASE=RUN, transferDetails)', () => {
  test('push then pull of a few MiB, step by step, with sha256 equality', async () => {
    const bytes = randomBytes(3 * MiB + 123);
    const target = t.uri('alice/async.bin');

    // Create the job: 303 to the job, which is PENDING.
    const created = await request('POST', `${t.base}/transfers`, {
      token: alice,
      body: transferXml({ target, direction: 'pushToVoSpace', protocols: [HTTPPUT] }),
      headers: { 'content-type': 'text/xml' },
    });
    expect(created.status).toBe(303);
    const loc = created.headers.get('location')!;
    expect(loc).toMatch(new RegExp(`^${t.base}/transfers/[A-Za-z0-9_-]+$`));
    const id = loc.slice(loc.lastIndexOf('/') + 1);
    const pending = await request('GET', loc, { token: alice });
    expect(pending.status).toBe(200);
    expect(readJob(pending.text).phase).toBe('PENDING');

    // Run it: 303 to the job, which now waits for the bytes.
    const run = await request('POST', `${loc}/phase`, {
      token: alice,
      body: 'PHASE=RUN',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(run.status).toBe(303);
    expect(run.headers.get('location')).toBe(loc);
    const phase = await request('GET', `${loc}/phase`, { token: alice });
    expect(phase.status).toBe(200);
    expect(phase.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(phase.text.trim()).toBe('EXECUTING');

    // The results name the transfer details, which carry the endpoint.
    const results = await request('GET', `${loc}/results`, { token: alice });
    expect(results.status).toBe(200);
    const res = parseXml(results.text);
    expect(res.ns).toBe(UWS);
    expect(res.local).toBe('results');
    const hrefs = res.children.filter((c) => c.local === 'result').map((c) => [c.attrs.get('id'), c.attrs.get('{http://www.w3.org/1999/xlink}href')]);
    expect(hrefs).toContainEqual(['transferDetails', `${loc}/results/transferDetails`]);
    const details = await request('GET', `${loc}/results/transferDetails`, { token: alice });
    expect(details.status).toBe(200);
    const tr = readTransfer(details.text);
    expect(tr.target).toBe(target);
    expect(tr.direction).toBe('pushToVoSpace');
    expect(tr.protocols.map((p) => p.uri)).toEqual([HTTPPUT]);
    expect(tr.protocols[0].endpoint.startsWith(`${t.running.storage!.url}/`)).toBe(true);

    // PUT the bytes: 201, and the Digest echoes their MD5.
    const put = await putBytes(tr.protocols[0].endpoint, bytes);
    expect(put.status).toBe(201);
    expect(put.headers.get('digest')).toBe(`md5=${md5b64(bytes)}`);
    const after = await request('GET', `${loc}/phase`, { token: alice });
    expect(after.text.trim()).toBe('COMPLETED');
    expect(id).toBeTruthy();

    // The node knows its length and MD5.
    expect(await nodeProp(t, alice, 'alice/async.bin', `${CORE}length`)).toBe(String(bytes.length));
    expect(await nodeProp(t, alice, 'alice/async.bin', `${CORE}MD5`)).toBe(md5hex(bytes));

    // Pull it back the same way.
    const { id: pullId, endpoint } = await negotiate(t, alice, 'alice/async.bin', 'pullFromVoSpace');
    const got = await getBytes(endpoint);
    expect(got.status).toBe(200);
    expect(got.body.length).toBe(bytes.length);
    expect(sha256(got.body)).toBe(sha256(bytes));
    // The server marks the pull done once the last byte is out: wait for that.
    expect((await waitFinal(t, alice, pullId)).phase).toBe('COMPLETED');
  });

  test('a push to a missing node creates a DataNode', async () => {
    expect((await request('GET', `${t.base}/nodes/alice/fresh.bin`, { token: alice })).status).toBe(404);
    const { endpoint } = await negotiate(t, alice, 'alice/fresh.bin', 'pushToVoSpace');
    const node = await request('GET', `${t.base}/nodes/alice/fresh.bin`, { token: alice });
    expect(node.status).toBe(200);
    expect(parseXml(node.text).attrs.get('{http://www.w3.org/2001/XMLSchema-instance}type')).toMatch(/(^|:)DataNode$/);
    const bytes = randomBytes(200 * 1024);
    expect((await putBytes(endpoint, bytes)).status).toBe(201);
    expect(await nodeProp(t, alice, 'alice/fresh.bin', `${CORE}length`)).toBe(String(bytes.length));
    expect(sha256(await pull(t, alice, 'alice/fresh.bin'))).toBe(sha256(bytes));
  });

  test('a push to an existing node replaces its bytes, and the old bytes leave the storage', async () => {
    const first = randomBytes(MiB);
    const second = randomBytes(MiB / 2 + 7);
    await push(t, alice, 'alice/replace.bin', first);
    expect(await storedHashes()).toContain(sha256(first));
    await push(t, alice, 'alice/replace.bin', second);
    expect(sha256(await pull(t, alice, 'alice/replace.bin'))).toBe(sha256(second));
    expect(await nodeProp(t, alice, 'alice/replace.bin', `${CORE}length`)).toBe(String(second.length));
    expect(await nodeProp(t, alice, 'alice/replace.bin', `${CORE}MD5`)).toBe(md5hex(second));
    const kept = await storedHashes();
    expect(kept).toContain(sha256(second));
    expect(kept).not.toContain(sha256(first));
  });

  test('a pull of a node that has no bytes yet gives 0 bytes (and so does /files)', async () => {
    await mkdata(t, alice, 'alice/empty.bin');
    const { endpoint } = await negotiate(t, alice, 'alice/empty.bin', 'pullFromVoSpace');
    const got = await getBytes(endpoint);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-length')).toBe('0');
    expect(got.body.length).toBe(0);
    const files = await getBytes(`${t.base}/files/alice/empty.bin`, { token: alice });
    expect(files.status).toBe(200);
    expect(files.body.length).toBe(0);
  });

  test('bodies on either side of the size read whole (64 KiB) are stored alike, and replaced bytes leave', async () => {
    const replaced: string[] = [];
    for (const size of [64 * 1024, 64 * 1024 + 1, 1]) {
      const bytes = randomBytes(size);
      await push(t, alice, 'alice/edge.bin', bytes);
      expect(await nodeProp(t, alice, 'alice/edge.bin', `${CORE}MD5`)).toBe(md5hex(bytes));
      expect(sha256(await pull(t, alice, 'alice/edge.bin'))).toBe(sha256(bytes));
      expect(await t.staged()).toEqual([]);
      const kept = await storedHashes();
      expect(kept).toContain(sha256(bytes));
      for (const old of replaced) expect(kept).not.toContain(old);
      replaced.push(sha256(bytes));
    }
  });

  test('a push of 0 bytes makes an empty node with the MD5 of nothing', async () => {
    await push(t, alice, 'alice/zero.bin', randomBytes(1000));
    await push(t, alice, 'alice/zero.bin', Buffer.alloc(0));
    expect(await nodeProp(t, alice, 'alice/zero.bin', `${CORE}length`)).toBe('0');
    expect(await nodeProp(t, alice, 'alice/zero.bin', `${CORE}MD5`)).toBe(md5hex(Buffer.alloc(0)));
    expect((await pull(t, alice, 'alice/zero.bin')).length).toBe(0);
  });
});

describe('clients that leave as soon as they have the body', () => {
  // Such a client may close before the storage server has even seen the end of
  // the file it streams (about 1 in 100 here): that download is done, not failed.
  test('200 pulls at once, each on a connection the client closes: every job COMPLETED', async () => {
    const bytes = randomBytes(100_000);
    await push(t, alice, 'alice/leave.bin', bytes);
    const jobs = [];
    for (let round = 0; round < 5; round++) {
      const batch = await Promise.all(Array.from({ length: 40 }, () => negotiate(t, alice, 'alice/leave.bin', 'pullFromVoSpace')));
      expect(await getAllAndLeave(batch.map((j) => j.endpoint))).toEqual(batch.map(() => bytes.length));
      jobs.push(...batch);
    }
    const ends = await Promise.all(jobs.map(async ({ id }) => {
      const job = await waitFinal(t, alice, id);
      return `${job.phase} ${job.errorMessage ?? ''}`.trim();
    }));
    expect(ends.filter((e) => e !== 'COMPLETED')).toEqual([]);
  }, 60_000);
});

describe('sync transfers (/synctrans)', () => {
  test('POST of a transfer document: 303 to the transferDetails, push then pull', async () => {
    const bytes = randomBytes(2 * MiB + 5);
    const target = t.uri('alice/sync.bin');
    const pushed = await request('POST', `${t.base}/synctrans`, {
      token: alice,
      body: transferXml({ target, direction: 'pushToVoSpace', protocols: [HTTPPUT] }),
      headers: { 'content-type': 'text/xml' },
    });
    expect(pushed.status).toBe(303);
    const loc = pushed.headers.get('location')!;
    expect(loc).toMatch(new RegExp(`^${t.base}/transfers/[A-Za-z0-9_-]+/results/transferDetails$`));
    const details = await request('GET', loc, { token: alice });
    expect(details.status).toBe(200);
    const tr = readTransfer(details.text);
    expect(tr.direction).toBe('pushToVoSpace');
    expect(tr.protocols[0].uri).toBe(HTTPPUT);
    const put = await putBytes(tr.protocols[0].endpoint, bytes, { digest: `md5=${md5b64(bytes)}` });
    expect(put.status).toBe(201);
    expect(put.headers.get('digest')).toBe(`md5=${md5b64(bytes)}`);
    const jobUrl = loc.replace(/\/results\/transferDetails$/, '');
    expect((await request('GET', `${jobUrl}/phase`, { token: alice })).text.trim()).toBe('COMPLETED');

    const pulled = await request('POST', `${t.base}/synctrans`, {
      token: alice,
      body: transferXml({ target, direction: 'pullFromVoSpace', protocols: [HTTPGET] }),
      headers: { 'content-type': 'text/xml' },
    });
    expect(pulled.status).toBe(303);
    const pd = readTransfer((await request('GET', pulled.headers.get('location')!, { token: alice })).text);
    expect(pd.direction).toBe('pullFromVoSpace');
    expect(pd.protocols[0].uri).toBe(HTTPGET);
    const got = await getBytes(pd.protocols[0].endpoint);
    expect(got.status).toBe(200);
    expect(sha256(got.body)).toBe(sha256(bytes));
    expect(await nodeProp(t, alice, 'alice/sync.bin', `${CORE}length`)).toBe(String(bytes.length));
    expect(await nodeProp(t, alice, 'alice/sync.bin', `${CORE}MD5`)).toBe(md5hex(bytes));
  });

  describe('the URL form', () => {
    const bytes = randomBytes(300 * 1024);
    beforeAll(async () => {
      await push(t, alice, 'alice/urlform.bin', bytes);
    });
    const query = (extra: Record<string, string> = {}) =>
      new URLSearchParams({ TARGET: t.uri('alice/urlform.bin'), DIRECTION: 'pullFromVoSpace', PROTOCOL: HTTPGET, ...extra }).toString();

    test('GET ?TARGET&DIRECTION&PROTOCOL answers a transfer document whose endpoint serves the bytes', async () => {
      const r = await request('GET', `${t.base}/synctrans?${query()}`, { token: alice });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/xml/);
      const tr = readTransfer(r.text);
      expect(tr.target).toBe(t.uri('alice/urlform.bin'));
      expect(tr.direction).toBe('pullFromVoSpace');
      expect(tr.protocols[0].uri).toBe(HTTPGET);
      const got = await getBytes(tr.protocols[0].endpoint);
      expect(got.status).toBe(200);
      expect(sha256(got.body)).toBe(sha256(bytes));
    });

    test('POST with the parameters as a form answers a transfer document too', async () => {
      const r = await request('POST', `${t.base}/synctrans`, {
        token: alice,
        body: query(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(r.status).toBe(200);
      const tr = readTransfer(r.text);
      const got = await getBytes(tr.protocols[0].endpoint);
      expect(got.status).toBe(200);
      expect(sha256(got.body)).toBe(sha256(bytes));
    });

    test('the URL form pushes too (DIRECTION=pushToVoSpace, PROTOCOL=httpput)', async () => {
      const fresh = randomBytes(100 * 1024);
      const q = new URLSearchParams({ TARGET: t.uri('alice/urlpush.bin'), DIRECTION: 'pushToVoSpace', PROTOCOL: HTTPPUT }).toString();
      const r = await request('GET', `${t.base}/synctrans?${q}`, { token: alice });
      expect(r.status).toBe(200);
      const tr = readTransfer(r.text);
      expect(tr.direction).toBe('pushToVoSpace');
      expect(tr.protocols[0].uri).toBe(HTTPPUT);
      expect((await putBytes(tr.protocols[0].endpoint, fresh)).status).toBe(201);
      expect(sha256(await pull(t, alice, 'alice/urlpush.bin'))).toBe(sha256(fresh));
    });

    test('REQUEST=redirect answers 303 straight to the endpoint', async () => {
      for (const method of ['GET', 'POST']) {
        const r =
          method === 'GET'
            ? await request('GET', `${t.base}/synctrans?${query({ REQUEST: 'redirect' })}`, { token: alice })
            : await request('POST', `${t.base}/synctrans`, {
                token: alice,
                body: query({ REQUEST: 'redirect' }),
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
              });
        expect(r.status).toBe(303);
        const loc = r.headers.get('location')!;
        expect(loc.startsWith(`${t.running.storage!.url}/`)).toBe(true);
        const got = await getBytes(loc);
        expect(got.status).toBe(200);
        expect(sha256(got.body)).toBe(sha256(bytes));
      }
    });
  });
});

describe('GET /vospace/files/{path}', () => {
  const bytes = randomBytes(MiB + 17);
  const url = () => `${t.base}/files/alice/files.bin`;
  beforeAll(async () => {
    await push(t, alice, 'alice/files.bin', bytes);
  });

  test('streams the bytes to the owner with the download headers', async () => {
    const r = await getBytes(url(), { token: alice });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-length')).toBe(String(bytes.length));
    expect(r.headers.get('accept-ranges')).toBe('bytes');
    expect(r.headers.get('etag')).toBe(`"${md5hex(bytes)}"`);
    expect(sha256(r.body)).toBe(sha256(bytes));
  });

  test('a Range answers 206 with Content-Range', async () => {
    const r = await getBytes(url(), { token: alice, headers: { range: 'bytes=100-1123' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe(`bytes 100-1123/${bytes.length}`);
    expect(r.headers.get('content-length')).toBe('1024');
    expect(r.body.equals(bytes.subarray(100, 1124))).toBe(true);
  });

  test('a suffix range (bytes=-10) gives the last 10 bytes', async () => {
    const r = await getBytes(url(), { token: alice, headers: { range: 'bytes=-10' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe(`bytes ${bytes.length - 10}-${bytes.length - 1}/${bytes.length}`);
    expect(r.body.equals(bytes.subarray(bytes.length - 10))).toBe(true);
  });

  test('an unsatisfiable range answers 416', async () => {
    const r = await getBytes(url(), { token: alice, headers: { range: `bytes=${bytes.length + 10}-` } });
    expect(r.status).toBe(416);
    expect(r.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
  });

  test('HEAD gives the headers and no body', async () => {
    const r = await getBytes(url(), { token: alice, method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-length')).toBe(String(bytes.length));
    expect(r.headers.get('etag')).toBe(`"${md5hex(bytes)}"`);
    expect(r.body.length).toBe(0);
  });

  test('another user gets 403 PermissionDenied', async () => {
    const r = await request('GET', url(), { token: bob });
    expect(r.status).toBe(403);
    expect(faultName(r)).toBe('PermissionDenied');
  });

  test('a bad token gets 401 InvalidToken', async () => {
    const r = await request('GET', url(), { token: 'vos_not-a-real-token' });
    expect(r.status).toBe(401);
    expect(faultName(r)).toBe('InvalidToken');
  });
});

describe('GET /vospace/files/{path} of a LinkNode: the link is followed (the CADC client\'s vcp -L)', () => {
  const bytes = randomBytes(5000);
  const xml = { 'content-type': 'text/xml' };
  const link = async (name: string, target: string, token = alice) => {
    const r = await request('PUT', `${t.base}/nodes/${name}`, { token, body: nodeXml(t.uri(name), 'vos:LinkNode', [], { target }), headers: xml });
    expect(r.status).toBe(201);
  };
  beforeAll(async () => {
    await push(t, alice, 'alice/linked.bin', bytes);
    await link('alice/to-file', t.uri('alice/linked.bin'));
    await link('alice/to-link', t.uri('alice/to-file'));
    await link('alice/to-web', 'https://example.org/data/m31.fits?x=1');
    await link('alice/to-nothing', t.uri('alice/not-there.bin'));
    await link('alice/loop-a', t.uri('alice/loop-b'));
    await link('alice/loop-b', t.uri('alice/loop-a'));
    await link('alice/to-file-scheme', 'file:///etc/passwd');
    await link('alice/to-dir', t.uri('alice'));
  });

  test("a vos: target's bytes are served, through a chain of links too, with its headers and ranges", async () => {
    for (const name of ['to-file', 'to-link']) {
      const r = await getBytes(`${t.base}/files/alice/${name}`, { token: alice });
      expect({ name, status: r.status }).toEqual({ name, status: 200 });
      expect(r.body.equals(bytes)).toBe(true);
      expect(r.headers.get('etag')).toBe(`"${md5hex(bytes)}"`);
    }
    const part = await getBytes(`${t.base}/files/alice/to-link`, { token: alice, headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.body.equals(bytes.subarray(10, 20))).toBe(true);
    const head = await getBytes(`${t.base}/files/alice/to-file`, { token: alice, method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), head.body.length]).toEqual([200, String(bytes.length), 0]);
  });

  test('an http(s) target is a 303 to it', async () => {
    const r = await request('GET', `${t.base}/files/alice/to-web`, { token: alice });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('https://example.org/data/m31.fits?x=1');
  });

  test('what cannot be followed is a fault, never an empty 200', async () => {
    const cases: [string, number, string][] = [
      ['to-nothing', 404, 'NodeNotFound'],
      ['loop-a', 400, 'LinkFound'],
      ['to-file-scheme', 400, 'LinkFound'],
      ['to-dir', 400, 'InvalidArgument'],
    ];
    for (const [name, status, fault] of cases) {
      const r = await request('GET', `${t.base}/files/alice/${name}`, { token: alice });
      expect({ name, status: r.status, fault: faultName(r) }).toEqual({ name, status, fault });
    }
  });

  test('the caller needs read on the link and pull on what it names', async () => {
    // bob may read a public link of his, but not alice's file it points at.
    await link('bob/to-alice', t.uri('alice/linked.bin'), bob);
    const r = await request('GET', `${t.base}/files/bob/to-alice`, { token: bob });
    expect([r.status, faultName(r)]).toEqual([403, 'PermissionDenied']);
    const other = await request('GET', `${t.base}/files/alice/to-file`, { token: bob });
    expect([other.status, faultName(other)]).toEqual([403, 'PermissionDenied']);
  });
});

describe('storage server headers', () => {
  test('GET of a pull endpoint: Content-Length, ETag, Digest, Last-Modified, Content-Disposition', async () => {
    const bytes = randomBytes(64 * 1024 + 3);
    const before = Date.now();
    const put = await (async () => {
      const { endpoint } = await negotiate(t, alice, 'alice/headers file.bin', 'pushToVoSpace');
      return putBytes(endpoint, bytes);
    })();
    expect(put.status).toBe(201);
    expect(put.headers.get('digest')).toBe(`md5=${md5b64(bytes)}`);
    const { endpoint } = await negotiate(t, alice, 'alice/headers file.bin', 'pullFromVoSpace');
    const r = await getBytes(endpoint);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-length')).toBe(String(bytes.length));
    expect(r.headers.get('etag')).toBe(`"${md5hex(bytes)}"`);
    expect(r.headers.get('digest')).toBe(`md5=${md5b64(bytes)}`);
    const lm = Date.parse(r.headers.get('last-modified') ?? '');
    expect(Number.isNaN(lm)).toBe(false);
    // HTTP dates have whole seconds.
    expect(lm).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(lm).toBeLessThanOrEqual(Date.now() + 1000);
    const cd = r.headers.get('content-disposition') ?? '';
    expect(cd).toMatch(/^attachment;/);
    expect(cd).toContain('filename="headers file.bin"');
    expect(sha256(r.body)).toBe(sha256(bytes));
    const uri = new URL(endpoint);
    expect(uri.origin).toBe(new URL(t.running.storage!.url).origin);
  });

  test('a new job is PENDING until run, and a POST with ?PHASE=RUN runs it at once', async () => {
    const id = await createJob(t, alice, { target: t.uri('alice/runnow.bin'), direction: 'pushToVoSpace', protocols: [HTTPPUT] }, '?PHASE=RUN');
    const phase = await request('GET', `${t.base}/transfers/${id}/phase`, { token: alice });
    expect(phase.text.trim()).toBe('EXECUTING');
  });
});
