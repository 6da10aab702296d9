/**
 * CORS on the storage server, over real sockets: the portal's page (served by
 * the metadata service, another origin) may preflight and then PUT with
 * Digest, Content-Type and Content-MD5, and GET or HEAD with Range, and read
 * the headers it needs; faults carry the CORS headers too, so the page can
 * read why. Other origins, and requests without Origin, get no CORS header.
 * By default the allowed origins are the metadata service's own (as bound,
 * port 0 here); [Storage] parameters.cors_origins replaces them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { CORE, request, type Reply } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { startWithUsers } from '../helpers/users';
import { negotiate, putBytes, sha256 } from '../helpers/client';

const EXPOSED = ['content-length', 'content-range', 'etag', 'digest', 'content-disposition'];
const md5b64 = (b: Buffer) => createHash('md5').update(b).digest('base64');

/** Every Access-Control-* header of a reply. */
const corsHeaders = (r: Reply) => Object.fromEntries([...r.headers.entries()].filter(([k]) => k.startsWith('access-control-')));
const list = (v: string | null) => (v ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);

function preflight(url: string, origin: string, method: string, headers: string[]): Promise<Reply> {
  return request('OPTIONS', url, {
    headers: { origin, 'access-control-request-method': method, ...(headers.length ? { 'access-control-request-headers': headers.join(', ') } : {}) },
  });
}

function expectAllowed(r: Reply, origin: string): void {
  expect(r.headers.get('access-control-allow-origin')).toBe(origin);
  expect(r.headers.get('access-control-allow-credentials')).toBeNull();
  expect(list(r.headers.get('vary'))).toContain('origin');
}

describe('default: the metadata service’s own origin', () => {
  let t: TestService;
  let alice: string;

  beforeAll(async () => ({ t, tokens: { alice } } = await startWithUsers({ alice: {} })));
  afterAll(() => t?.close());

  test('preflight for a PUT with Digest, Content-Type and Content-MD5: allowed, for 127.0.0.1 and localhost on the bound port', async () => {
    const { endpoint } = await negotiate(t, alice, 'alice/pre.bin', 'pushToVoSpace');
    for (const origin of [t.origin, `http://localhost:${t.running.port}`]) {
      const r = await preflight(endpoint, origin, 'PUT', ['digest', 'content-type', 'content-md5']);
      expect(r.status).toBe(204);
      expectAllowed(r, origin);
      expect(list(r.headers.get('access-control-allow-methods'))).toEqual(expect.arrayContaining(['put', 'get', 'head']));
      expect(list(r.headers.get('access-control-allow-headers'))).toEqual(expect.arrayContaining(['digest', 'content-type', 'content-md5', 'range']));
    }
    // The preflight used nothing up: the endpoint still takes the upload.
    expect((await putBytes(endpoint, randomBytes(10))).status).toBe(201);
  });

  test('a PUT from the page: 201 with the headers it may read (ETag, Digest, …)', async () => {
    const { endpoint } = await negotiate(t, alice, 'alice/put.bin', 'pushToVoSpace');
    const bytes = randomBytes(1000);
    const r = await putBytes(endpoint, bytes, { origin: t.origin, digest: `md5=${md5b64(bytes)}`, 'content-type': 'application/octet-stream' });
    expect(r.status).toBe(201);
    expectAllowed(r, t.origin);
    expect(list(r.headers.get('access-control-expose-headers'))).toEqual(expect.arrayContaining(EXPOSED));
    expect(r.headers.get('digest')).toBe(`md5=${md5b64(bytes)}`);
  });

  test('preflight for a GET with Range, then a ranged GET and a HEAD from the page', async () => {
    const bytes = randomBytes(5000);
    const up = await negotiate(t, alice, 'alice/get.bin', 'pushToVoSpace');
    expect((await putBytes(up.endpoint, bytes)).status).toBe(201);
    const { endpoint } = await negotiate(t, alice, 'alice/get.bin', 'pullFromVoSpace');
    const pre = await preflight(endpoint, t.origin, 'GET', ['range']);
    expect(pre.status).toBe(204);
    expectAllowed(pre, t.origin);
    expect(list(pre.headers.get('access-control-allow-headers'))).toContain('range');

    const head = await request('HEAD', endpoint, { headers: { origin: t.origin } });
    expect(head.status).toBe(200);
    expectAllowed(head, t.origin);
    expect(list(head.headers.get('access-control-expose-headers'))).toEqual(expect.arrayContaining(EXPOSED));

    const res = await fetch(endpoint, { headers: { origin: t.origin, range: 'bytes=100-199' } });
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(206);
    expect(res.headers.get('access-control-allow-origin')).toBe(t.origin);
    expect(list(res.headers.get('access-control-expose-headers'))).toEqual(expect.arrayContaining(EXPOSED));
    expect(res.headers.get('content-range')).toBe('bytes 100-199/5000');
    expect(sha256(body)).toBe(sha256(bytes.subarray(100, 200)));
  });

  test('faults carry the CORS headers: a quota refusal (413) and a used endpoint (403) are readable by the page', async () => {
    const root = await t.user('root', { admin: true });
    const mk = await request('PUT', `${t.base}/nodes/alice/small`, {
      token: alice,
      headers: { 'content-type': 'text/xml' },
      body: `<vos:node xmlns:vos="http://www.ivoa.net/xml/VOSpace/v2.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="vos:ContainerNode" uri="${t.uri('alice/small')}"/>`,
    });
    expect(mk.status).toBe(201);
    const q = await request('POST', `${t.base}/nodes/alice/small`, {
      token: root,
      headers: { 'content-type': 'text/xml' },
      body: `<vos:node xmlns:vos="http://www.ivoa.net/xml/VOSpace/v2.0" uri="${t.uri('alice/small')}"><vos:properties><vos:property uri="${CORE}quota">100</vos:property></vos:properties></vos:node>`,
    });
    expect(q.status).toBe(200);
    const { endpoint } = await negotiate(t, alice, 'alice/small/big.bin', 'pushToVoSpace');
    const refused = await putBytes(endpoint, randomBytes(101), { origin: t.origin });
    expect(refused.status).toBe(413);
    expect(refused.text).toMatch(/^QuotaExceeded: /);
    expectAllowed(refused, t.origin);

    const once = await negotiate(t, alice, 'alice/once.bin', 'pushToVoSpace');
    expect((await putBytes(once.endpoint, randomBytes(10), { origin: t.origin })).status).toBe(201);
    const again = await putBytes(once.endpoint, randomBytes(10), { origin: t.origin });
    expect(again.status).toBe(403);
    expect(again.text).toMatch(/^PermissionDenied: /);
    expectAllowed(again, t.origin);
  });

  test('another origin gets no CORS header, on the preflight or the request; nor does a request without Origin', async () => {
    const { endpoint } = await negotiate(t, alice, 'alice/evil.bin', 'pushToVoSpace');
    for (const origin of ['http://evil.example', `http://127.0.0.1:${t.running.port + 1}`, `https://127.0.0.1:${t.running.port}`, 'null']) {
      const pre = await preflight(endpoint, origin, 'PUT', ['digest']);
      expect({ origin, cors: corsHeaders(pre) }).toEqual({ origin, cors: {} });
    }
    const put = await putBytes(endpoint, randomBytes(10), { origin: 'http://evil.example' });
    expect(corsHeaders(put)).toEqual({});
    const plain = await negotiate(t, alice, 'alice/plain.bin', 'pushToVoSpace');
    const r = await putBytes(plain.endpoint, randomBytes(10));
    expect(r.status).toBe(201);
    expect(corsHeaders(r)).toEqual({});
  });
});

describe('[Storage] parameters.cors_origins', () => {
  let t: TestService;
  let alice: string;

  beforeAll(async () => {
    t = await startTestService({ storageParameters: { cors_origins: 'https://portal.example.org, http://localhost:5173' } });
    alice = await t.user('alice');
  });
  afterAll(() => t?.close());

  test('the origins listed are allowed, and only they: the service’s own is not', async () => {
    const { endpoint } = await negotiate(t, alice, 'alice/x.bin', 'pushToVoSpace');
    for (const origin of ['https://portal.example.org', 'http://localhost:5173']) {
      const r = await preflight(endpoint, origin, 'PUT', ['digest']);
      expect(r.status).toBe(204);
      expectAllowed(r, origin);
    }
    for (const origin of [t.origin, 'http://portal.example.org', 'https://portal.example.org:8443']) {
      expect(corsHeaders(await preflight(endpoint, origin, 'PUT', ['digest']))).toEqual({});
    }
  });
});
