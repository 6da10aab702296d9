/**
 * The one-shot endpoints the storage server serves: the URL is the
 * credential, for one job, one direction, until it expires, once. Tampering
 * with any part of the token, reusing it, using it late, or sending bytes
 * that do not match their declared MD5 must all leave the node as it was.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request, CORE } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { startWithUsers } from '../helpers/users';
import {
  MiB, faultName, getBytes, getJob, negotiate, nodeProp, postJob, pull, push, putBytes, sha256, sleep, waitFinal,
} from '../helpers/client';

let t: TestService;
let alice: string;

beforeAll(async () => ({ t, tokens: { alice } } = await startWithUsers({ alice: {} })));
afterAll(() => t?.close());

const md5b64 = (b: Buffer) => createHash('md5').update(b).digest('base64');

interface Token {
  prefix: string;
  jobId: string;
  direction: string;
  expires: string;
  sig: string;
}

function splitEndpoint(endpoint: string): Token {
  const i = endpoint.lastIndexOf('/');
  const [jobId, direction, expires, sig, ...rest] = endpoint.slice(i + 1).split('.');
  expect(rest).toEqual([]);
  expect(sig).toMatch(/^[A-Za-z0-9_-]+$/);
  return { prefix: endpoint.slice(0, i + 1), jobId, direction, expires, sig };
}

const join = (k: Token) => `${k.prefix}${k.jobId}.${k.direction}.${k.expires}.${k.sig}`;

/** Another character of the base64url alphabet in place of the one at `i`. */
function flip(s: string, i: number): string {
  const c = s[i] === 'A' ? 'B' : 'A';
  return s.slice(0, i) + c + s.slice(i + 1);
}

async function expectDenied(r: { status: number; text: string }) {
  expect(r.status).toBe(403);
  expect(faultName(r as never)).toBe('PermissionDenied');
}

/** An existing data node with known bytes. */
async function nodeWith(p: string, bytes: Buffer): Promise<void> {
  await push(t, alice, p, bytes);
}

async function expectBytes(p: string, bytes: Buffer): Promise<void> {
  expect(sha256(await pull(t, alice, p))).toBe(sha256(bytes));
  expect(await nodeProp(t, alice, p, `${CORE}length`)).toBe(String(bytes.length));
}

describe('one-shot', () => {
  test('a second PUT to a used push endpoint is 403 PermissionDenied, and changes nothing', async () => {
    const first = randomBytes(100 * 1024);
    const { endpoint } = await negotiate(t, alice, 'alice/once.bin', 'pushToVoSpace');
    expect((await putBytes(endpoint, first)).status).toBe(201);
    const again = await putBytes(endpoint, randomBytes(1000));
    await expectDenied(again);
    await expectBytes('alice/once.bin', first);
  });

  test('a second GET of a used pull endpoint is 403 PermissionDenied', async () => {
    const bytes = randomBytes(50 * 1024);
    await nodeWith('alice/once-get.bin', bytes);
    const { endpoint } = await negotiate(t, alice, 'alice/once-get.bin', 'pullFromVoSpace');
    const first = await getBytes(endpoint);
    expect(first.status).toBe(200);
    expect(sha256(first.body)).toBe(sha256(bytes));
    const again = await request('GET', endpoint);
    await expectDenied(again);
  });

  test('a HEAD of a pull endpoint gives the headers and does not use it up', async () => {
    const bytes = randomBytes(20 * 1024);
    await nodeWith('alice/head.bin', bytes);
    const { id, endpoint } = await negotiate(t, alice, 'alice/head.bin', 'pullFromVoSpace');
    const head = await getBytes(endpoint, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect(head.body.length).toBe(0);
    expect((await getJob(t, alice, id)).phase).toBe('EXECUTING');
    const got = await getBytes(endpoint);
    expect(got.status).toBe(200);
    expect(sha256(got.body)).toBe(sha256(bytes));
    expect((await waitFinal(t, alice, id)).phase).toBe('COMPLETED');
  });

  test('the endpoint of an aborted job is 403', async () => {
    const { id, endpoint } = await negotiate(t, alice, 'alice/aborted.bin', 'pushToVoSpace');
    expect((await postJob(t, alice, id, { PHASE: 'ABORT' })).status).toBe(303);
    await expectDenied(await putBytes(endpoint, randomBytes(10)));
  });

  test('the endpoint of a deleted job is 403', async () => {
    const { id, endpoint } = await negotiate(t, alice, 'alice/deleted-job.bin', 'pushToVoSpace');
    expect((await request('DELETE', `${t.base}/transfers/${id}`, { token: alice })).status).toBe(303);
    await expectDenied(await putBytes(endpoint, randomBytes(10)));
  });
});

describe('tampered tokens are 403, and the genuine endpoint still works afterwards', () => {
  test('push endpoint: signature, job id, direction, expiry', async () => {
    const old = randomBytes(30 * 1024);
    await nodeWith('alice/tamper.bin', old);
    const { id, endpoint } = await negotiate(t, alice, 'alice/tamper.bin', 'pushToVoSpace');
    const k = splitEndpoint(endpoint);
    expect(k.jobId).toBe(id);
    expect(k.direction).toBe('put');
    const variants: Record<string, string> = {
      'first signature character': join({ ...k, sig: flip(k.sig, 0) }),
      'a middle signature character': join({ ...k, sig: flip(k.sig, 20) }),
      'job id': join({ ...k, jobId: flip(k.jobId, 3) }),
      'direction put→get': join({ ...k, direction: 'get' }),
      'expiry + 1': join({ ...k, expires: String(Number(k.expires) + 1) }),
      'expiry + 1 day': join({ ...k, expires: String(Number(k.expires) + 86400) }),
      'signature dropped': `${k.prefix}${k.jobId}.${k.direction}.${k.expires}`,
    };
    for (const [what, url] of Object.entries(variants)) {
      const r = url.includes('.get.') ? await request('GET', url) : await putBytes(url, randomBytes(1000));
      expect({ what, status: r.status, fault: faultName(r) }).toEqual({ what, status: 403, fault: 'PermissionDenied' });
    }
    // None of that used the endpoint up or touched the node.
    expect((await getJob(t, alice, id)).phase).toBe('EXECUTING');
    await expectBytes('alice/tamper.bin', old);
    const fresh = randomBytes(40 * 1024);
    expect((await putBytes(endpoint, fresh)).status).toBe(201);
    await expectBytes('alice/tamper.bin', fresh);
  });

  test('pull endpoint: direction get→put is 403 and writes nothing', async () => {
    const bytes = randomBytes(20 * 1024);
    await nodeWith('alice/tamper-get.bin', bytes);
    const { endpoint } = await negotiate(t, alice, 'alice/tamper-get.bin', 'pullFromVoSpace');
    const k = splitEndpoint(endpoint);
    expect(k.direction).toBe('get');
    await expectDenied(await putBytes(join({ ...k, direction: 'put' }), randomBytes(500)));
    await expectDenied(await request('GET', join({ ...k, sig: flip(k.sig, 5) })));
    const got = await getBytes(endpoint);
    expect(got.status).toBe(200);
    expect(sha256(got.body)).toBe(sha256(bytes));
  });

  test("a token from one job used with another job's id is 403", async () => {
    const bytesA = randomBytes(10 * 1024);
    const bytesB = randomBytes(10 * 1024);
    await nodeWith('alice/a.bin', bytesA);
    await nodeWith('alice/b.bin', bytesB);
    const a = await negotiate(t, alice, 'alice/a.bin', 'pullFromVoSpace');
    const b = await negotiate(t, alice, 'alice/b.bin', 'pullFromVoSpace');
    const ka = splitEndpoint(a.endpoint);
    await expectDenied(await request('GET', join({ ...ka, jobId: b.id })));
    // And the other way: B's signature on A's claims.
    const kb = splitEndpoint(b.endpoint);
    await expectDenied(await request('GET', join({ ...ka, sig: kb.sig })));
    const pushA = await negotiate(t, alice, 'alice/a.bin', 'pushToVoSpace');
    await expectDenied(await putBytes(join({ ...splitEndpoint(pushA.endpoint), jobId: b.id }), randomBytes(100)));
    expect(sha256((await getBytes(b.endpoint)).body)).toBe(sha256(bytesB));
    expect(sha256((await getBytes(a.endpoint)).body)).toBe(sha256(bytesA));
  });

  test('a token with a malformed shape is 403', async () => {
    const { endpoint } = await negotiate(t, alice, 'alice/shape.bin', 'pushToVoSpace');
    const k = splitEndpoint(endpoint);
    for (const bad of [`${k.prefix}garbage`, `${k.prefix}${k.jobId}.delete.${k.expires}.${k.sig}`, `${k.prefix}${k.jobId}.put.-5.${k.sig}`]) {
      await expectDenied(await putBytes(bad, randomBytes(10)));
    }
  });
});

describe('endpoints expire', () => {
  let short: TestService;
  let carol: string;
  beforeAll(async () => {
    short = await startTestService({ storageParameters: { endpoint_ttl: 1 } });
    carol = await short.user('carol');
  });
  afterAll(() => short?.close());

  /**
   * Expiry is whole seconds (floor(now) + ttl): with ttl = 1 an endpoint made
   * late in a second lives only for the rest of it. Start early in a second.
   */
  const earlyInASecond = async () => {
    while (Date.now() % 1000 > 200) await sleep(20);
  };

  test('a push or pull endpoint used after its lifetime is 403, and the node keeps its bytes', async () => {
    const bytes = randomBytes(10 * 1024);
    await earlyInASecond();
    await push(short, carol, 'carol/late.bin', bytes);
    const put = await negotiate(short, carol, 'carol/late.bin', 'pushToVoSpace');
    const get = await negotiate(short, carol, 'carol/late.bin', 'pullFromVoSpace');
    await sleep(2100);
    await expectDenied(await putBytes(put.endpoint, randomBytes(1000)));
    await expectDenied(await request('GET', get.endpoint));
    // A fresh negotiation still works (within its second).
    await earlyInASecond();
    expect(sha256(await pull(short, carol, 'carol/late.bin'))).toBe(sha256(bytes));
  });
});

describe('declared digests', () => {
  test('Digest: md5=<wrong> is 412; the node keeps its bytes and length; the job goes to ERROR', async () => {
    const old = randomBytes(MiB / 4);
    await nodeWith('alice/digest.bin', old);
    const { id, endpoint } = await negotiate(t, alice, 'alice/digest.bin', 'pushToVoSpace');
    const bytes = randomBytes(MiB);
    const r = await putBytes(endpoint, bytes, { digest: `md5=${md5b64(randomBytes(8))}` });
    expect(r.status).toBe(412);
    expect(faultName(r)).toBe('PreconditionFailed');
    const job = await waitFinal(t, alice, id);
    expect(job.phase).toBe('ERROR');
    expect(job.errorMessage).toMatch(/^PreconditionFailed/);
    await expectBytes('alice/digest.bin', old);
    expect(await nodeProp(t, alice, 'alice/digest.bin', `${CORE}MD5`)).toBe(createHash('md5').update(old).digest('hex'));
    expect(await t.staged()).toEqual([]);
    // The node is not left busy: a new push works.
    const next = randomBytes(1000);
    await push(t, alice, 'alice/digest.bin', next);
    await expectBytes('alice/digest.bin', next);
  });

  test('a wrong Content-MD5 is 412 too', async () => {
    const old = randomBytes(5000);
    await nodeWith('alice/cmd5-bad.bin', old);
    const { endpoint } = await negotiate(t, alice, 'alice/cmd5-bad.bin', 'pushToVoSpace');
    const objects = (await t.objects()).length;
    // A small body (stored whole, without staging): refused before anything is written.
    const r = await putBytes(endpoint, randomBytes(6000), { 'content-md5': md5b64(old) });
    expect(r.status).toBe(412);
    await expectBytes('alice/cmd5-bad.bin', old);
    expect(await t.staged()).toEqual([]);
    expect((await t.objects()).length).toBe(objects);
  });

  test('a correct Content-MD5 is 201', async () => {
    const bytes = randomBytes(300 * 1024);
    const { id, endpoint } = await negotiate(t, alice, 'alice/cmd5.bin', 'pushToVoSpace');
    const r = await putBytes(endpoint, bytes, { 'content-md5': md5b64(bytes) });
    expect(r.status).toBe(201);
    expect(r.headers.get('digest')).toBe(`md5=${md5b64(bytes)}`);
    expect((await getJob(t, alice, id)).phase).toBe('COMPLETED');
    await expectBytes('alice/cmd5.bin', bytes);
  });

  test('a correct Digest is 201', async () => {
    const bytes = randomBytes(300 * 1024);
    const { endpoint } = await negotiate(t, alice, 'alice/digest-ok.bin', 'pushToVoSpace');
    const r = await putBytes(endpoint, bytes, { digest: `md5=${md5b64(bytes)}` });
    expect(r.status).toBe(201);
    await expectBytes('alice/digest-ok.bin', bytes);
  });
});

describe('the wrong verb for an endpoint', () => {
  test('a PUT to a pull endpoint is 403 and writes nothing', async () => {
    const bytes = randomBytes(8000);
    await nodeWith('alice/verb.bin', bytes);
    const { id, endpoint } = await negotiate(t, alice, 'alice/verb.bin', 'pullFromVoSpace');
    await expectDenied(await putBytes(endpoint, randomBytes(8000)));
    expect((await getJob(t, alice, id)).phase).toBe('EXECUTING');
    await expectBytes('alice/verb.bin', bytes);
  });

  test('a GET of a push endpoint is 403 and leaves the endpoint usable', async () => {
    const { endpoint } = await negotiate(t, alice, 'alice/verb2.bin', 'pushToVoSpace');
    await expectDenied(await request('GET', endpoint));
    const bytes = randomBytes(8000);
    expect((await putBytes(endpoint, bytes)).status).toBe(201);
    await expectBytes('alice/verb2.bin', bytes);
  });
});
