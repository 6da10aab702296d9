/**
 * Hostile and odd requests over real HTTP: oversized bodies (declared and
 * chunked), XML bombs and external entities, bad bytes, bad paths, unknown
 * methods; and the service documents (VOSI capabilities and availability,
 * protocols, views, properties). Requests go through node:http so that paths
 * reach the server exactly as written (fetch would normalise `..`).
 */
import http from 'node:http';
import net from 'node:net';
import { CORE, VOS, nodeXml, expectFault } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { parseXml, type El } from '../helpers/xml';

const MiB = 1024 * 1024;
const VOSI_CAP = 'http://www.ivoa.net/xml/VOSICapabilities/v1.0';
const VOSI_AVAIL = 'http://www.ivoa.net/xml/VOSIAvailability/v1.0';

let t: TestService;
let token: string;

/** Every status this file received from a service: none may be a 5xx. */
const statuses: { what: string; status: number }[] = [];

beforeAll(async () => {
  t = await startTestService();
  token = await t.user('alice');
});
afterAll(() => t.close());

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request with the path sent byte for byte as given; any 5xx fails the calling test at once. */
async function send(
  method: string,
  target: string,
  opts: { token?: string; body?: string | Buffer; headers?: Record<string, string>; origin?: string } = {},
): Promise<Reply> {
  const reply = await sendRaw(method, target, opts);
  expect(`${method} ${target.slice(0, 80)} -> ${reply.status}`).not.toMatch(/-> 5\d\d$/);
  return reply;
}

function sendRaw(
  method: string,
  target: string,
  opts: { token?: string; body?: string | Buffer; headers?: Record<string, string>; origin?: string },
): Promise<Reply> {
  const url = new URL(opts.origin ?? t.origin);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const reply = { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') };
        statuses.push({ what: `${method} ${target.slice(0, 120)}`, status: reply.status });
        resolve(reply);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const nodePath = (p: string) => `/vospace/nodes/${p}`;

async function expectAlive(origin = t.origin): Promise<void> {
  const avail = await send('GET', '/vospace/availability', { origin });
  expect(avail.status).toBe(200);
  expect(avail.text).toMatch(/<(\w+:)?available>true</);
}

async function expectAbsent(path: string): Promise<void> {
  const r = await send('GET', nodePath(path), { token });
  expectFault(r, 404, 'NodeNotFound');
}

// ---------------------------------------------------------------------------
// (a) bodies over the limit

interface UploadOutcome {
  status?: number;
  text: string;
  /** A socket error that came before the whole answer had arrived. */
  errorBeforeAnswer?: Error;
  bytesSent: number;
}

/**
 * PUTs `total` bytes of a would-be node document, 64 KiB at a time and
 * respecting back-pressure, with a Content-Length or chunked. Keeps writing
 * until the body is sent or the whole answer has arrived (the way a client
 * that reads its answer while uploading behaves).
 */
function streamUpload(origin: string, path: string, total: number, chunked: boolean): Promise<UploadOutcome> {
  const url = new URL(origin);
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'text/xml' };
  if (!chunked) headers['content-length'] = String(total);
  return new Promise((resolve) => {
    const req = http.request({ host: url.hostname, port: url.port, method: 'PUT', path, headers, agent: false });
    let bytesSent = 0;
    let answered = false;
    let settled = false;
    let errorBeforeAnswer: Error | undefined;
    let status: number | undefined;
    let text = '';
    const settle = () => {
      if (settled) return;
      settled = true;
      if (status !== undefined) statuses.push({ what: `PUT ${path} (${total} bytes streamed)`, status });
      resolve({ status, text, errorBeforeAnswer, bytesSent });
      req.destroy();
    };
    req.on('response', (res) => {
      status = res.statusCode;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        answered = true;
        text = Buffer.concat(chunks).toString('utf8');
        settle();
      });
      res.on('error', (e) => {
        if (!answered) errorBeforeAnswer ??= e;
        settle();
      });
    });
    req.on('error', (e) => {
      if (!answered) errorBeforeAnswer ??= e;
      settle();
    });
    req.on('close', () => setImmediate(settle));

    const head = Buffer.from(`<vos:node xmlns:vos="${VOS}" uri="${t.uri(path.replace('/vospace/nodes/', ''))}"><vos:properties><vos:property uri="${CORE}description">`);
    const filler = Buffer.alloc(64 * 1024, 'x');
    const pump = () => {
      while (!answered && !settled && !req.destroyed && bytesSent < total) {
        const source = bytesSent === 0 ? Buffer.concat([head, filler]).subarray(0, filler.length) : filler;
        const chunk = source.subarray(0, Math.min(source.length, total - bytesSent));
        bytesSent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (bytesSent >= total && !req.writableEnded) req.end();
    };
    pump();
  });
}

/**
 * A client that sends its whole body before it reads anything (as curl and
 * Python's http.client do): a raw socket, paused, written to the end, then
 * read. `errorWhileSending` is a reset or broken pipe before the body was out.
 */
function writeThenRead(path: string, total: number, chunked: boolean): Promise<{ errorWhileSending?: string; status?: number; text: string }> {
  const port = Number(new URL(t.origin).port);
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.pause();
    let sent = 0;
    let errorWhileSending: string | undefined;
    let received = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1]) || undefined;
      if (status !== undefined) statuses.push({ what: `PUT ${path} (${total} bytes, write-then-read)`, status });
      resolve({ errorWhileSending, status, text: received.slice(received.indexOf('\r\n\r\n') + 4) });
      sock.destroy();
    };
    const timer = setTimeout(() => {
      errorWhileSending ??= `timed out with ${sent} of ${total} bytes sent`;
      finish();
    }, 10_000);
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (sent < total) errorWhileSending ??= `${e.code} after ${sent} of ${total} bytes`;
      finish();
    });
    sock.write(
      `PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: text/xml\r\n` +
        (chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${total}\r\n`) +
        '\r\n',
    );
    const filler = Buffer.alloc(64 * 1024, 'x');
    const pump = () => {
      while (sent < total && !done) {
        const data = filler.subarray(0, Math.min(filler.length, total - sent));
        sent += data.length;
        const framed = chunked ? Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]) : data;
        if (!sock.write(framed)) {
          sock.once('drain', pump);
          return;
        }
      }
      if (done) return;
      sock.write(chunked ? '0\r\n\r\n' : '', () => {
        sock.on('data', (c: Buffer) => (received += c.toString('utf8')));
        sock.on('end', finish);
        sock.on('close', finish);
        sock.resume();
      });
    };
    pump();
  });
}

/**
 * Starts a PUT as alice, sends `part` of its body and never ends it, then
 * waits for the answer: without `giveUpMs`, as long as the test may run;
 * with it, that long before resolving with no status.
 */
function putPartOfBody(path: string, headers: Record<string, string>, part: string | Buffer, giveUpMs?: number): Promise<{ status?: number; text: string }> {
  const url = new URL(t.origin);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname,
      port: url.port,
      method: 'PUT',
      path,
      headers: { authorization: `Bearer ${token}`, ...headers },
      agent: false,
    });
    const timer =
      giveUpMs === undefined
        ? undefined
        : setTimeout(() => {
            req.destroy();
            resolve({ status: undefined, text: `no answer within ${giveUpMs / 1000} s` });
          }, giveUpMs);
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode, text });
        req.destroy();
      });
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.write(part);
  });
}

describe('(a) a body over the 1 MiB limit is 413 RequestTooLarge', () => {
  test.each([
    ['with a Content-Length', false],
    ['chunked', true],
  ])('50 MiB %s: the client reads the 413 before any reset, and the service goes on', async (_label, chunked) => {
    const name = chunked ? 'big-chunked' : 'big-declared';
    const out = await streamUpload(t.origin, nodePath(`alice/${name}`), 50 * MiB, chunked);
    expect(out.errorBeforeAnswer).toBeUndefined();
    expect(out.status).toBe(413);
    expect(out.text).toMatch(/^RequestTooLarge: /);
    await expectAlive();
    await expectAbsent(`alice/${name}`);
  });

  test.each([
    ['with a Content-Length', false],
    ['chunked', true],
  ])('4 MiB %s from a client that reads only after sending: it gets the 413, not a reset', async (_label, chunked) => {
    // The service promises to read and discard what follows a 413 (up to 8 MiB or 2 s) so that such a client reads the answer.
    const out = await writeThenRead(nodePath(`alice/write-first-${chunked ? 'chunked' : 'declared'}`), 4 * MiB, chunked);
    expect(out.errorWhileSending).toBeUndefined();
    expect(out.status).toBe(413);
    expect(out.text).toMatch(/^RequestTooLarge: /);
    await expectAlive();
  });

  test('just over the limit, sent at once: 413 with Content-Length and chunked', async () => {
    const declared = await streamUpload(t.origin, nodePath('alice/over-declared'), MiB + 1, false);
    expect(declared.errorBeforeAnswer).toBeUndefined();
    expect(declared.status).toBe(413);
    const chunked = await streamUpload(t.origin, nodePath('alice/over-chunked'), MiB + 1, true);
    expect(chunked.errorBeforeAnswer).toBeUndefined();
    expect(chunked.status).toBe(413);
    expect(chunked.text).toMatch(/^RequestTooLarge: /);
  });

  test('a Content-Length claiming more than the limit is refused before the body is read', async () => {
    // Declares 2 GiB but sends a few bytes and waits: the answer must come anyway.
    const reply = await putPartOfBody(nodePath('alice/liar'), { 'content-length': String(2 * 1024 * MiB) }, '<vos:node');
    statuses.push({ what: 'PUT (2 GiB declared)', status: reply.status ?? 0 });
    expect(reply.status).toBe(413);
    expect(reply.text).toMatch(/^RequestTooLarge: /);
    await expectAlive();
  });

  test('a chunked body is cut off once it passes the limit, without waiting for its end', async () => {
    // Sends 2 MiB chunked and then stalls without finishing: the answer must come anyway.
    const reply = await putPartOfBody(nodePath('alice/stalled'), {}, Buffer.alloc(2 * MiB, 'x'), 5000);
    statuses.push({ what: 'PUT chunked 2 MiB, stalled', status: reply.status ?? 0 });
    expect(reply.status).toBe(413);
    expect(reply.text).toMatch(/^RequestTooLarge: /);
    await expectAlive();
  });

  test('a body under the limit still works afterwards', async () => {
    // Three 60 000-character values of '<', each sent as '&lt;': about 720 kB, under the limit, while the node stores
    // 180 000 bytes (under max_property_bytes; each value under the 64 KiB property cap).
    const props = Array.from({ length: 3 }, (_, i) => ({ uri: `ivo://example.org/big#p${i}`, value: '<'.repeat(60_000) }));
    const doc = nodeXml(t.uri('alice/after-big'), 'vos:DataNode', props);
    expect(Buffer.byteLength(doc)).toBeGreaterThan(500_000);
    expect(Buffer.byteLength(doc)).toBeLessThan(MiB);
    const r = await send('PUT', nodePath('alice/after-big'), { token, body: doc });
    expect(r.status).toBe(201);
  });

  describe('with max_xml_bytes = 1000', () => {
    let small: TestService;
    let smallToken: string;
    beforeAll(async () => {
      small = await startTestService({ parameters: { max_xml_bytes: 1000 } });
      smallToken = await small.user('alice');
    });
    afterAll(() => small.close());

    const docOf = (svc: TestService, name: string, bytes: number) => {
      const bare = nodeXml(svc.uri(`alice/${name}`), 'vos:DataNode', [{ uri: `${CORE}description`, value: '' }]);
      const doc = nodeXml(svc.uri(`alice/${name}`), 'vos:DataNode', [{ uri: `${CORE}description`, value: 'd'.repeat(bytes - Buffer.byteLength(bare)) }]);
      expect(Buffer.byteLength(doc)).toBe(bytes);
      return doc;
    };

    test('a 2000-byte node document gets 413, with a Content-Length and chunked', async () => {
      const declared = await send('PUT', nodePath('alice/two-k'), { token: smallToken, body: docOf(small, 'two-k', 2000), origin: small.origin });
      expectFault(declared, 413, 'RequestTooLarge');

      const url = new URL(small.origin);
      const chunked = await new Promise<Reply>((resolve, reject) => {
        const req = http.request(
          { host: url.hostname, port: url.port, method: 'PUT', path: nodePath('alice/two-k'), headers: { authorization: `Bearer ${smallToken}` }, agent: false },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
          },
        );
        req.on('error', reject);
        const doc = docOf(small, 'two-k', 2000);
        req.write(doc.slice(0, 700));
        req.write(doc.slice(700, 1400));
        req.end(doc.slice(1400));
      });
      statuses.push({ what: 'PUT chunked 2000 bytes', status: chunked.status });
      expectFault(chunked, 413, 'RequestTooLarge');

      const gone = await send('GET', nodePath('alice/two-k'), { token: smallToken, origin: small.origin });
      expectFault(gone, 404, 'NodeNotFound');
      await expectAlive(small.origin);
    });

    test('a 900-byte node document is accepted', async () => {
      const r = await send('PUT', nodePath('alice/small'), { token: smallToken, body: docOf(small, 'small', 900), origin: small.origin });
      expect(r.status).toBe(201);
    });
  });
});

// ---------------------------------------------------------------------------
// (b) DTDs, external entities, entity bombs; (c) bad bytes

const laughs = (() => {
  const decls = ['<!ENTITY lol "lol">'];
  for (let i = 1; i <= 9; i++) decls.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
  return decls.join('');
})();

const described = (uri: string, value: string, doctype = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>${doctype}<vos:node xmlns:vos="${VOS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="vos:DataNode" uri="${uri}"><vos:properties><vos:property uri="${CORE}description">${value}</vos:property></vos:properties></vos:node>`;

const hostileDocs = (uri: string): [string, string][] => [
  ['a bare DOCTYPE', described(uri, 'plain', '<!DOCTYPE vos:node>')],
  ['an internal entity', described(uri, '&e;', '<!DOCTYPE vos:node [<!ENTITY e "expanded">]>')],
  ['an external entity on /etc/passwd', described(uri, '&xxe;', '<!DOCTYPE vos:node [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')],
  ['an external entity without a DOCTYPE', described(uri, '&xxe;')],
  ['an external DTD', described(uri, 'plain', '<!DOCTYPE vos:node SYSTEM "file:///etc/passwd">')],
  ['parameter entities', described(uri, '&leak;', `<!DOCTYPE vos:node [<!ENTITY % p SYSTEM "file:///etc/passwd"><!ENTITY % q "<!ENTITY leak '%p;'>"> %q;]>`)],
  ['a billion laughs', described(uri, '&lol9;', `<!DOCTYPE vos:node [${laughs}]>`)],
];

describe('(b) DTDs and entities are 400 InvalidArgument and change nothing', () => {
  test.each(hostileDocs('URI').map(([label]) => [label]))('createNode with %s', async (label) => {
    const name = `xxe-${label.replace(/\W+/g, '-')}`;
    const [, doc] = hostileDocs(t.uri(`alice/${name}`)).find(([l]) => l === label)!;
    const started = Date.now();
    const r = await send('PUT', nodePath(`alice/${name}`), { token, body: doc, headers: { 'content-type': 'text/xml' } });
    expect(Date.now() - started).toBeLessThan(5000);
    expectFault(r, 400, 'InvalidArgument');
    expect(r.text).not.toContain('root:');
    expect(r.text).not.toMatch(/expanded|lollol/);
    await expectAbsent(`alice/${name}`);
  });

  test('setNode with an external entity leaves the node as it was', async () => {
    const uri = t.uri('alice/target');
    const created = await send('PUT', nodePath('alice/target'), { token, body: described(uri, 'original') });
    expect(created.status).toBe(201);
    for (const [, doc] of hostileDocs(uri)) {
      const r = await send('POST', nodePath('alice/target'), { token, body: doc });
      expectFault(r, 400, 'InvalidArgument');
      expect(r.text).not.toContain('root:');
    }
    const after = await send('GET', nodePath('alice/target'), { token });
    expect(after.status).toBe(200);
    expect(after.text).toContain('>original</');
    expect(after.text).not.toContain('root:');
  });
});

describe('(c) a body that is not valid UTF-8 is 400', () => {
  test.each([
    ['a 0xff byte', [0xff]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong encoding', [0xc0, 0xbc]],
    ['Latin-1 é', [0xe9]],
  ])('%s in a property value', async (label, bytes) => {
    const name = `bad-utf8-${label.replace(/\W+/g, '-')}`;
    const [before, after] = described(t.uri(`alice/${name}`), 'VALUE').split('VALUE');
    const body = Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
    const r = await send('PUT', nodePath(`alice/${name}`), { token, body, headers: { 'content-type': 'text/xml; charset=utf-8' } });
    expectFault(r, 400, 'InvalidArgument');
    await expectAbsent(`alice/${name}`);
  });

  test('a UTF-16 document', async () => {
    const doc = described(t.uri('alice/utf16'), 'v').replace('encoding="UTF-8"', 'encoding="UTF-16"');
    const body = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(doc, 'utf16le')]);
    const r = await send('PUT', nodePath('alice/utf16'), { token, body });
    expectFault(r, 400, 'InvalidArgument');
    await expectAbsent('alice/utf16');
  });

  test('an empty body and a non-XML body', async () => {
    expectFault(await send('PUT', nodePath('alice/empty'), { token, body: '' }), 400, 'InvalidArgument');
    expectFault(await send('PUT', nodePath('alice/json'), { token, body: '{"uri":"x"}' }), 400, 'InvalidArgument');
    await expectAbsent('alice/empty');
  });
});

// ---------------------------------------------------------------------------
// (d) bad paths in the URL

describe('(d) bad URL paths are 400 InvalidURI', () => {
  const badPaths: [string, string][] = [
    ['%2e%2e', 'alice/%2e%2e/bob'],
    ['%2E%2E at the end', 'alice/%2E%2E'],
    ['%2e%2e at the root', '%2e%2e'],
    ['.%2e', 'alice/.%2e/x'],
    ['a raw ..', 'alice/../bob'],
    ['a raw .. at the root', '..'],
    ['a raw .', 'alice/./x'],
    ['%2e', 'alice/%2e'],
    ['%2f inside a name', 'alice/a%2fb'],
    ['%2F inside a name', 'alice/..%2Fbob'],
    ['%00', 'alice/a%00b'],
    ['%00 alone', 'alice/%00'],
    ['%01', 'alice/a%01b'],
    ['%1f', 'alice/%1f'],
    ['%7f', 'alice/%7f'],
    ['CR LF', 'alice/a%0d%0aSet-Cookie:%20x=1'],
    ['a tab', 'alice/a%09b'],
    ['C1 NEL', 'alice/a%c2%85b'],
    ['a 300-byte name', `alice/${'n'.repeat(300)}`],
    ['a 256-byte name', `alice/${'n'.repeat(256)}`],
    ['a 300-byte name in 2-byte characters', `alice/${'%C3%A9'.repeat(150)}`],
    ['a path over 4096 bytes', Array.from({ length: 20 }, () => 'p'.repeat(250)).join('/')],
    ['bad percent-encoding', 'alice/%zz'],
    ['a lone %', 'alice/100%'],
    ['a truncated UTF-8 sequence', 'alice/%e2%82'],
    ['an encoded surrogate', 'alice/%ed%a0%80'],
    ['an invalid UTF-8 byte', 'alice/%ff'],
  ];

  test.each(badPaths)('%s: GET, PUT, POST and DELETE', async (_label, p) => {
    const body = nodeXml(t.uri('alice/whatever'), 'vos:DataNode');
    for (const method of ['GET', 'PUT', 'POST', 'DELETE']) {
      const r = await send(method, nodePath(p), { token, body: method === 'PUT' || method === 'POST' ? body : undefined });
      expect(`${method} ${r.status} ${r.text.split(':')[0]}`).toBe(`${method} 400 InvalidURI`);
    }
    const anonymous = await send('GET', nodePath(p));
    expectFault(anonymous, 400, 'InvalidURI');
  });

  test('a 255-byte name is fine', async () => {
    const name = 'n'.repeat(255);
    const r = await send('PUT', nodePath(`alice/${name}`), { token, body: nodeXml(t.uri(`alice/${name}`), 'vos:DataNode') });
    expect(r.status).toBe(201);
    expect((await send('GET', nodePath(`alice/${name}`), { token })).status).toBe(200);
  });

  test('nothing was created outside alice, and the service still answers', async () => {
    const root = await send('GET', '/vospace/nodes', { token });
    expect(root.status).toBe(200);
    expect(root.text).not.toContain('bob');
    const home = await send('GET', nodePath('alice'), { token });
    expect(home.status).toBe(200);
    expect(home.text).not.toMatch(/alice\/(\.|%2e)/i);
    await expectAlive();
  });

  test('raw control characters in the request line are a 400 from the HTTP layer, never a 5xx', async () => {
    for (const ch of ['\u0001', '\u0000', '\u007f', '\t']) {
      const status = await new Promise<number>((resolve, reject) => {
        const sock = net.connect(Number(new URL(t.origin).port), '127.0.0.1');
        let data = '';
        sock.on('data', (c) => (data += c.toString('latin1')));
        sock.on('error', reject);
        sock.on('close', () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? 0)));
        sock.end(`GET /vospace/nodes/alice/a${ch}b HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`, 'latin1');
      });
      statuses.push({ what: `raw GET with U+${ch.charCodeAt(0).toString(16)}`, status });
      expect(status).toBe(400);
    }
    await expectAlive();
  });
});

// ---------------------------------------------------------------------------
// (f) service documents



const kids = (el: El, local: string) => el.children.filter((c) => c.local === local);

describe('(f) the service documents', () => {
  test('GET /capabilities lists VOSI and nodes, with access URLs under the base', async () => {
    const r = await send('GET', '/vospace/capabilities');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/xml/);
    const doc = parseXml(r.text);
    expect({ ns: doc.ns, local: doc.local }).toEqual({ ns: VOSI_CAP, local: 'capabilities' });
    const caps = kids(doc, 'capability');
    const ids = caps.map((c) => c.attrs.get('standardID'));
    expect(ids).toEqual(
      expect.arrayContaining(['ivo://ivoa.net/std/VOSI#capabilities', 'ivo://ivoa.net/std/VOSI#availability', 'ivo://ivoa.net/std/VOSpace/v2.0#nodes']),
    );
    const urls = new Map<string, string[]>();
    for (const c of caps) {
      const ifaces = kids(c, 'interface');
      expect(ifaces.length).toBeGreaterThan(0);
      const list = ifaces.flatMap((i) => kids(i, 'accessURL').map((a) => a.text.trim()));
      expect(list.length).toBe(ifaces.length);
      for (const u of list) expect(u.startsWith(`${t.base}/`)).toBe(true);
      urls.set(c.attrs.get('standardID')!, list);
    }
    expect(urls.get('ivo://ivoa.net/std/VOSI#capabilities')).toContain(`${t.base}/capabilities`);
    expect(urls.get('ivo://ivoa.net/std/VOSI#availability')).toContain(`${t.base}/availability`);
    expect(urls.get('ivo://ivoa.net/std/VOSpace/v2.0#nodes')).toContain(`${t.base}/nodes`);
    // Each advertised URL answers an anonymous caller; a sync transfer without TARGET/DIRECTION is a clear 400.
    for (const u of new Set([...urls.values()].flat())) {
      const got = await send('GET', new URL(u).pathname);
      const want = u.endsWith('/synctrans') ? 400 : u.endsWith('/files') ? 400 : 200;
      expect(`${u} ${got.status}`).toBe(`${u} ${want}`);
      if (want === 400) expect(got.text).toMatch(/^(InvalidArgument|InvalidURI): /);
    }
  });

  test('GET /availability says available, to an anonymous caller', async () => {
    const r = await send('GET', '/vospace/availability');
    expect(r.status).toBe(200);
    const doc = parseXml(r.text);
    expect({ ns: doc.ns, local: doc.local }).toEqual({ ns: VOSI_AVAIL, local: 'availability' });
    const available = kids(doc, 'available');
    expect(available).toHaveLength(1);
    expect(available[0].ns).toBe(VOSI_AVAIL);
    expect(available[0].text.trim()).toBe('true');
  });

  test.each([
    ['protocols', ['accepts', 'provides']],
    ['views', ['accepts', 'provides']],
    ['properties', ['accepts', 'provides', 'contains']],
  ])('GET /%s is a VOSpace document, to an anonymous caller', async (name, parts) => {
    const r = await send('GET', `/vospace/${name}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/xml/);
    const doc = parseXml(r.text);
    expect({ ns: doc.ns, local: doc.local }).toEqual({ ns: VOS, local: name });
    for (const part of parts) {
      const els = kids(doc, part);
      expect(`${part} ${els.length}`).toBe(`${part} 1`);
      expect(els[0].ns).toBe(VOS);
    }
  });

  test('GET /views names the standard views', async () => {
    const doc = parseXml((await send('GET', '/vospace/views')).text);
    const uris = (part: string) => kids(doc, part).flatMap((p) => kids(p, 'view').map((v) => v.attrs.get('uri')));
    expect(uris('accepts')).toContain(`${CORE}anyview`);
    expect(uris('provides')).toEqual(expect.arrayContaining([`${CORE}defaultview`, `${CORE}binaryview`]));
  });

  test('GET /properties lists a property in contains once some node has it', async () => {
    const prop = `ivo://example.org/hostile-test#marker-${Date.now()}`;
    const contains = async () => {
      const r = await send('GET', '/vospace/properties');
      expect(r.status).toBe(200);
      return kids(parseXml(r.text), 'contains').flatMap((c) => kids(c, 'property').map((p) => p.attrs.get('uri')));
    };
    const before = await contains();
    expect(before).toContain(`${CORE}length`);
    expect(before).not.toContain(prop);
    const put = await send('PUT', nodePath('alice/with-marker'), { token, body: nodeXml(t.uri('alice/with-marker'), 'vos:DataNode', [{ uri: prop, value: 'yes' }]) });
    expect(put.status).toBe(201);
    const after = await contains();
    expect(after.filter((u) => u === prop)).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------
// (g) methods that are not node operations

describe('(g) an unsupported method on a node is a VOSpace fault', () => {
  test.each(['PATCH', 'PROPFIND', 'MKCOL'])('%s /vospace/nodes/x', async (method) => {
    const anonymous = await send(method, nodePath('x'), { body: 'anything' });
    expectFault(anonymous, 400, 'OperationNotSupported');
    const user = await send(method, nodePath('alice'), { token, body: 'anything' });
    expectFault(user, 400, 'OperationNotSupported');
  });
});

// ---------------------------------------------------------------------------
// (e) nothing above was a 5xx

test('(e) no response in this file was a 5xx', () => {
  expect(statuses.length).toBeGreaterThan(100);
  expect(statuses.filter((s) => s.status >= 500 || s.status === 0)).toEqual([]);
});
