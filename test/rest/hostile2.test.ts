/**
 * More hostile input over real sockets, each checked for what it must not
 * do: entity bombs and 100 000-deep nesting in every XML body the service
 * reads; `..`, `.`, `%2e%2e`, `%2f`, NUL and overlong names in /files paths,
 * transfer targets and move/copy destinations, GraphQL paths, storage
 * endpoint URLs and tar entries; and storage endpoints replayed after a
 * failure. Each gets its fault with the status of PROTOCOL.md, the service
 * goes on answering, the node and property rows and the storage directories
 * are as they were, and canary files beside root_dir are never changed nor
 * shown. (test/rest/hostile.test.ts covers node paths in /nodes, DOCTYPEs in
 * node documents, bad UTF-8 and oversized bodies; test/transfers/endpoints
 * tampered, expired, reused and cross-job endpoint tokens.)
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';
import { negotiate } from '../helpers/client';
import { CORE, VOS, nodeXml, expectFault } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { brokenInvariants, filesIn, snapshot, type Snapshot } from '../fuzz/invariants';

let t: TestService;
let alice: string;
let own: string;
const SECRET = `CANARY-${randomBytes(12).toString('hex')}`;
/** Beside root_dir, and in a sibling whose name starts with root_dir's (a prefix check that forgets the separator would let it in). */
let canaries: string[];

/** Every status this file received: none may be a 5xx. */
const statuses: { what: string; status: number }[] = [];

beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice');
  await t.user('bob');
  own = path.dirname(t.dirs.root);
  canaries = [path.join(own, 'canary.txt'), path.join(`${t.dirs.root}2`, 'canary.txt'), path.join(own, 'etc', 'passwd')];
  for (const c of canaries) {
    fs.mkdirSync(path.dirname(c), { recursive: true });
    fs.writeFileSync(c, SECRET);
  }
  expect((await send('PUT', '/vospace/nodes/alice/keep', { token: alice, body: nodeXml(t.uri('alice/keep'), 'vos:DataNode', [{ uri: `${CORE}title`, value: 'kept' }]) })).status).toBe(201);
  expect((await send('PUT', '/vospace/nodes/alice/dir', { token: alice, body: nodeXml(t.uri('alice/dir'), 'vos:ContainerNode') })).status).toBe(201);
});

afterAll(async () => {
  // Nothing outside the storage directories changed: the canaries hold their secret, and no file appeared beside them.
  for (const c of canaries) expect(fs.readFileSync(c, 'utf8')).toBe(SECRET);
  expect(Object.keys(filesIn(own, [t.dirs.root, t.dirs.staging])).sort()).toEqual(canaries.map((c) => path.relative(own, c)).sort());
  expect(await brokenInvariants(t)).toEqual({});
  expect(statuses.filter((s) => s.status >= 500 || s.status === 0)).toEqual([]);
  await t?.close();
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request with the path sent byte for byte (fetch would normalise `..`); a 5xx or a canary in the answer fails at once. */
function send(method: string, target: string, opts: { token?: string; body?: string | Buffer; headers?: Record<string, string>; origin?: string } = {}): Promise<Reply> {
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
        expect(`${method} ${target.slice(0, 100)} -> ${reply.status}`).not.toMatch(/-> 5\d\d$/);
        expect(reply.text).not.toContain(SECRET);
        resolve(reply);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function expectAlive(): Promise<void> {
  const r = await send('GET', '/vospace/nodes/alice/keep', { token: alice });
  expect(r.status).toBe(200);
  expect(r.text).toContain('>kept<');
}

const jobCount = async () => Number((await t.running.svc.db('jobs').count({ n: '*' }))[0].n);

/** Runs `f`, then checks that the rows, the storage directories and the number of jobs are as before, and the service answers. */
async function changesNothing(f: () => Promise<void>, opts: { jobs?: boolean } = { jobs: true }): Promise<void> {
  const before: Snapshot = await snapshot(t);
  const jobs = await jobCount();
  await f();
  expect(await snapshot(t)).toEqual(before);
  if (opts.jobs) expect(await jobCount()).toBe(jobs);
  await expectAlive();
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

function transferDoc(target: string, direction: string, extra = ''): string {
  return (
    `<vos:transfer xmlns:vos="${VOS}" version="2.1"><vos:target>${esc(target)}</vos:target>` +
    `<vos:direction>${esc(direction)}</vos:direction><vos:protocol uri="${CORE}httpput"/>${extra}</vos:transfer>`
  );
}

// ---------------------------------------------------------------------------
// XML bombs and deep nesting in every XML body

const laughs = (() => {
  const decls = ['<!ENTITY lol "lol">'];
  for (let i = 1; i <= 9; i++) decls.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
  return `<!DOCTYPE vos:node [${decls.join('')}]>`;
})();
const quadratic = `<!DOCTYPE vos:node [<!ENTITY a "${'a'.repeat(50_000)}">]>`;

/** The inside of a document nested `n` elements deep (as unknown elements, which a lenient reader would skip). */
const nest = (n: number) => `${'<x>'.repeat(n)}${'</x>'.repeat(n)}`;

interface Body {
  label: string;
  method: string;
  path: string;
  /** The document with `inner` inside its root element, after `prolog`. */
  doc(prolog: string, inner: string): string;
}

const BODIES: Body[] = [
  {
    label: 'createNode',
    method: 'PUT',
    path: '/vospace/nodes/alice/bomb',
    doc: (prolog, inner) => `${prolog}<vos:node xmlns:vos="${VOS}" uri="vos://example.org!vospace/alice/bomb">${inner}</vos:node>`,
  },
  {
    label: 'setNode',
    method: 'POST',
    path: '/vospace/nodes/alice/keep',
    doc: (prolog, inner) =>
      `${prolog}<vos:node xmlns:vos="${VOS}" uri="vos://example.org!vospace/alice/keep"><vos:properties><vos:property uri="${CORE}title">changed</vos:property></vos:properties>${inner}</vos:node>`,
  },
  {
    label: 'an async transfer',
    method: 'POST',
    path: '/vospace/transfers?PHASE=RUN',
    doc: (prolog, inner) => `${prolog}${transferDoc('vos://example.org!vospace/alice/bomb.bin', 'pushToVoSpace', inner)}`,
  },
  {
    label: 'a sync transfer',
    method: 'POST',
    path: '/vospace/synctrans',
    doc: (prolog, inner) => `${prolog}${transferDoc('vos://example.org!vospace/alice/bomb.bin', 'pushToVoSpace', inner)}`,
  },
];

const BOMBS: [string, string, string][] = [
  ['a billion laughs', laughs, '<x>&lol9;</x>'],
  ['a quadratic blowup', quadratic, `<x>${'&a;'.repeat(10_000)}</x>`],
  ['100 000 nested elements', '', nest(100_000)],
  ['33 nested levels (one past the limit)', '', nest(32)],
  ['200 001 elements', '', '<x/>'.repeat(200_001)],
];

describe('XML bombs are 400 InvalidArgument in every XML body, fast, and change nothing', () => {
  test.each(BODIES.flatMap((b) => BOMBS.map(([what, prolog, inner]) => [b.label, what, b, prolog, inner] as const)))(
    '%s with %s',
    async (_label, _what, b, prolog, inner) => {
      const body = b.doc(prolog, inner);
      expect(Buffer.byteLength(body)).toBeLessThan(1024 * 1024);
      await changesNothing(async () => {
        const started = Date.now();
        const r = await send(b.method, b.path, { token: alice, body, headers: { 'content-type': 'text/xml' } });
        expect(Date.now() - started).toBeLessThan(5000);
        expectFault(r, 400, 'InvalidArgument');
        expect(r.text).not.toMatch(/lollol|aaaaaaaaaa/);
      });
    },
  );

  test('32 levels (the limit) are read: the document is refused only for what it says, not for its depth', async () => {
    // node > properties > property is 3 deep; 29 more inside an unknown element reach 32.
    const body = BODIES[0].doc('', `<vos:properties><vos:property uri="${CORE}title">t</vos:property></vos:properties>${nest(31)}`);
    const r = await send('PUT', '/vospace/nodes/alice/bomb', { token: alice, body });
    expect(r.text).not.toMatch(/nested deeper/);
    if (r.status === 201) expect((await send('DELETE', '/vospace/nodes/alice/bomb', { token: alice })).status).toBe(204);
  });
});

// ---------------------------------------------------------------------------
// Paths that try to leave their place

/** Names and paths (percent-encoded, as in a URL or a vos:// URI) that must be InvalidURI wherever a node path is read. */
const BAD_PATHS: [string, string][] = [
  ['..', 'alice/../bob/x'],
  ['.. at the end', 'alice/..'],
  ['..  up twice', '../../canary.txt'],
  ['.', 'alice/./x'],
  ['%2e%2e', 'alice/%2e%2e/bob/x'],
  ['%2E%2E up', '%2E%2E/%2E%2E/canary.txt'],
  ['.%2e', 'alice/.%2e/x'],
  ['%2f in a name', 'alice/..%2f..%2fcanary.txt'],
  ['%2F in a name', 'alice/a%2Fb'],
  ['%00', 'alice/x%00.txt'],
  ['%00 alone', 'alice/%00'],
  ['a 256-byte name', `alice/${'n'.repeat(256)}`],
  ['a 300-byte name of 2-byte characters', `alice/${'%C3%A9'.repeat(150)}`],
  ['a path over 4096 bytes', `alice/${Array.from({ length: 20 }, () => 'p'.repeat(250)).join('/')}`],
  ['bad percent-encoding', 'alice/%zz'],
  ['an encoded surrogate', 'alice/%ed%a0%80'],
];

describe('bad paths are 400 InvalidURI wherever a path is read, and change nothing', () => {
  test.each(BAD_PATHS)('GET and HEAD /vospace/files/ with %s', async (_label, p) => {
    await changesNothing(async () => {
      expectFault(await send('GET', `/vospace/files/${p}`, { token: alice }), 400, 'InvalidURI');
      expect((await send('HEAD', `/vospace/files/${p}`, { token: alice })).status).toBe(400);
    });
  });

  test.each(BAD_PATHS)('a transfer target with %s (document and URL forms, push, pull, move and copy)', async (_label, p) => {
    const uri = `vos://example.org!vospace/${p}`;
    const good = 'vos://example.org!vospace/alice/keep';
    await changesNothing(async () => {
      for (const [target, direction, keep] of [
        [uri, 'pushToVoSpace', ''],
        [uri, 'pullFromVoSpace', ''],
        [good, uri, '<vos:keepBytes>false</vos:keepBytes>'],
        [good, uri, '<vos:keepBytes>true</vos:keepBytes>'],
        [uri, 'vos://example.org!vospace/alice/dir', '<vos:keepBytes>false</vos:keepBytes>'],
      ]) {
        const body = transferDoc(target, direction, keep);
        for (const where of ['/vospace/transfers', '/vospace/transfers?PHASE=RUN', '/vospace/synctrans']) {
          expectFault(await send('POST', where, { token: alice, body, headers: { 'content-type': 'text/xml' } }), 400, 'InvalidURI');
        }
        const q = `TARGET=${encodeURIComponent(target)}&DIRECTION=${encodeURIComponent(direction)}&PROTOCOL=${encodeURIComponent(`${CORE}httpget`)}`;
        expectFault(await send('GET', `/vospace/synctrans?${q}`, { token: alice }), 400, 'InvalidURI');
      }
    });
  });

  test('the same names through GraphQL (createNode, negotiateTransfer, node) are InvalidURI errors', async () => {
    const plain = ['/alice/../bob', '/alice/..', '/../../canary.txt', '/alice/./x', '/alice/x\u0000.txt', `/alice/${'n'.repeat(256)}`, `/alice/${'é'.repeat(150)}`,
      `/alice/${Array.from({ length: 20 }, () => 'p'.repeat(250)).join('/')}`, '/alice/\ud800', '/alice/a\u0085b', '/alice/tab\there'];
    const gql = async (query: string, variables: Record<string, unknown>) => {
      const r = await send('POST', '/graphql', { token: alice, body: JSON.stringify({ query, variables }), headers: { 'content-type': 'application/json' } });
      return JSON.parse(r.text).errors?.[0]?.extensions?.code;
    };
    await changesNothing(async () => {
      for (const p of plain) {
        expect([p, await gql('mutation($p: String!) { createNode(path: $p) { id } }', { p })]).toEqual([p, 'InvalidURI']);
        expect([p, await gql('mutation($p: String!) { negotiateTransfer(target: $p, direction: "pushToVoSpace") { id } }', { p })]).toEqual([p, 'InvalidURI']);
        const d = `vos://example.org!vospace${p}`;
        expect([p, await gql('mutation($d: String!) { negotiateTransfer(target: "/alice/keep", direction: $d, keepBytes: true) { id } }', { d })]).toEqual([p, 'InvalidURI']);
        expect([p, await gql('query($p: String!) { node(path: $p) { id } }', { p })]).toEqual([p, 'InvalidURI']);
      }
    }, { jobs: false });
  });

  test('a LinkNode whose target is a file beside root_dir: /files and a pull refuse it, and show nothing', async () => {
    let made = 0;
    for (const target of [`file://${canaries[0]}`, 'vos://example.org!vospace/../canary.txt', `file://${own}/storage/../canary.txt`]) {
      const name = `out-${randomBytes(4).toString('hex')}`;
      const put = await send('PUT', `/vospace/nodes/alice/${name}`, { token: alice, body: nodeXml(t.uri(`alice/${name}`), 'vos:LinkNode', [], { target }) });
      if (put.status !== 201) {
        // A target the service will not hold is an InvalidURI/InvalidArgument, which is fine too.
        expect(put.status).toBe(400);
        continue;
      }
      made++;
      await changesNothing(async () => {
        expectFault(await send('GET', `/vospace/files/alice/${name}`, { token: alice }), 400, 'LinkFound');
        const q = `TARGET=${encodeURIComponent(t.uri(`alice/${name}`))}&DIRECTION=pullFromVoSpace&PROTOCOL=${encodeURIComponent(`${CORE}httpget`)}&REQUEST=redirect`;
        const r = await send('GET', `/vospace/synctrans?${q}`, { token: alice });
        expect(r.status).toBeGreaterThanOrEqual(400);
      }, { jobs: false });
    }
    expect(made).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------
// The storage server's URLs

describe('the storage server', () => {
  const storage = () => t.running.storage!.url;

  const phaseOf = async (id: string) => (await send('GET', `/vospace/transfers/${id}/phase`, { token: alice })).text;

  test('URLs that climb out of /transfer/ are refused, for GET, HEAD and PUT, and reach no file', async () => {
    const { endpoint } = await negotiate(t, alice, 'alice/up.bin', 'pushToVoSpace');
    const token = endpoint.slice(endpoint.lastIndexOf('/') + 1);
    const paths = [
      '/transfer/..%2f..%2fcanary.txt',
      '/transfer/%2e%2e%2f%2e%2e%2fcanary.txt',
      '/transfer/../../canary.txt',
      '/../canary.txt',
      '/canary.txt',
      '/storage/../canary.txt',
      '/transfer/..',
      `/transfer/${token}/../../canary.txt`,
      `/transfer/${token}%2f..%2f..%2fcanary.txt`,
      `/transfer/${token}%00`,
      `/transfer/${token}/x`,
      `/transfer/${'a'.repeat(10_000)}`,
      '/transfer/%ff%fe',
    ];
    await changesNothing(async () => {
      for (const p of paths) {
        for (const method of ['GET', 'HEAD', 'PUT']) {
          const r = await send(method, p, { origin: storage(), body: method === 'PUT' ? 'EVIL' : undefined });
          expect(`${method} ${p.slice(0, 60)} ${r.status}`).toMatch(/ (400|403|404|431)$/);
        }
      }
    }, { jobs: false });
    // The genuine endpoint was not used up by any of that.
    const r = await send('PUT', new URL(endpoint).pathname, { origin: storage(), body: 'fine' });
    expect(r.status).toBe(201);
  });

  test('an endpoint replayed after its upload failed (wrong MD5) is 403, and writes nothing', async () => {
    const { id, endpoint } = await negotiate(t, alice, 'alice/replay.bin', 'pushToVoSpace');
    const p = new URL(endpoint).pathname;
    const first = await send('PUT', p, { origin: storage(), body: 'first', headers: { 'content-md5': Buffer.alloc(16).toString('base64') } });
    expectFault(first, 412, 'PreconditionFailed');
    expect(await phaseOf(id)).toBe('ERROR');
    await changesNothing(async () => {
      expectFault(await send('PUT', p, { origin: storage(), body: 'second' }), 403, 'PermissionDenied');
    }, { jobs: false });
  });

  test('an endpoint replayed after its download is 403 for GET and PUT', async () => {
    const { endpoint } = await negotiate(t, alice, 'alice/keep', 'pullFromVoSpace');
    const p = new URL(endpoint).pathname;
    expect((await send('GET', p, { origin: storage() })).status).toBe(200);
    await changesNothing(async () => {
      expectFault(await send('GET', p, { origin: storage() }), 403, 'PermissionDenied');
      expectFault(await send('PUT', p, { origin: storage(), body: 'x' }), 403, 'PermissionDenied');
    }, { jobs: false });
  });

  describe('tar entries', () => {
    const TAR = `${CORE}tar`;

    async function makeTar(items: { name: string; type?: 'file' | 'symlink' | 'link' | 'directory'; data?: string; linkname?: string }[]): Promise<Buffer> {
      const p = pack();
      const chunks: Buffer[] = [];
      const collecting = pipeline(p, new Writable({ write: (c: Buffer, _e, cb) => void (chunks.push(c), cb()) }));
      for (const it of items) {
        await new Promise<void>((resolve, reject) => {
          const cb = (err?: Error | null) => (err ? reject(err) : resolve());
          if ((it.type ?? 'file') === 'file') p.entry({ name: it.name, type: 'file' }, Buffer.from(it.data ?? ''), cb);
          else p.entry({ name: it.name, type: it.type, linkname: it.linkname }, cb);
        });
      }
      p.finalize();
      await collecting;
      return Buffer.concat(chunks);
    }

    const ESCAPES = [
      '../canary.txt',
      '../../canary.txt',
      '../../../canary.txt',
      'ok/../../../canary.txt',
      '/tmp/canary.txt',
      '..',
      './../canary.txt',
    ];

    test.each(ESCAPES)('an entry named %j rejects the whole upload and writes nothing', async (name) => {
      const { id, endpoint } = await negotiate(t, alice, 'alice/dir', 'pushToVoSpace', { view: TAR });
      const archive = await makeTar([{ name: 'first.txt', data: 'first' }, { name, data: 'EVIL' }]);
      await changesNothing(async () => {
        const r = await send('PUT', new URL(endpoint).pathname, { origin: storage(), body: archive, headers: { 'content-type': 'application/x-tar' } });
        expectFault(r, 400, 'InvalidArgument');
      }, { jobs: false });
      expect(await phaseOf(id)).toBe('ERROR');
    });

    test('a symlink or hard link out of the container is skipped: what follows lands in VOSpace, not on disk', async () => {
      const { endpoint } = await negotiate(t, alice, 'alice/dir', 'pushToVoSpace', { view: TAR });
      const archive = await makeTar([
        { name: 'esc', type: 'symlink', linkname: '../../..' },
        { name: 'esc/canary.txt', data: 'through the link?' },
        { name: 'hard', type: 'link', linkname: canaries[0] },
        { name: 'up', type: 'symlink', linkname: canaries[0] },
      ]);
      const r = await send('PUT', new URL(endpoint).pathname, { origin: storage(), body: archive, headers: { 'content-type': 'application/x-tar' } });
      expect(r.status).toBe(201);
      // esc became a container holding a data node; the links themselves are not nodes.
      expect((await send('GET', '/vospace/files/alice/dir/esc/canary.txt', { token: alice })).text).toBe('through the link?');
      expectFault(await send('GET', '/vospace/nodes/alice/dir/hard', { token: alice }), 404, 'NodeNotFound');
      expectFault(await send('GET', '/vospace/nodes/alice/dir/up', { token: alice }), 404, 'NodeNotFound');
      // Pulling the container back gives only what was made (and never the canary: send() checks every answer).
      const pull = await negotiate(t, alice, 'alice/dir', 'pullFromVoSpace', { view: TAR });
      const back = await send('GET', new URL(pull.endpoint).pathname, { origin: storage() });
      expect(back.status).toBe(200);
      expect(back.text).toContain('through the link?');
    });
  });
});

test('the database invariants hold after all of the above', async () => {
  expect(await brokenInvariants(t)).toEqual({});
  expect(statuses.length).toBeGreaterThan(200);
});
