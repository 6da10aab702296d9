/**
 * The operator CLI and the service process, run as real child processes
 * (node dist/src/cli.js, node dist/src/main.js) on a temporary INI file:
 * direct database access, the admin socket of a running service, the
 * embedded database's single-opener lock, SIGTERM, and HTTPS.
 *
 * The CLI/service lifecycle runs on the database VOSPACE_TEST_DB selects
 * (a fresh PostgreSQL database, or an embedded PGlite data directory); the
 * lock and HTTPS scenario always uses an embedded data directory, the only
 * kind that has a lock.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { createTestDb, usePg, type TestDb } from './helpers/db';
import { nodeXml, request } from './helpers/http';
import { writeIni } from './helpers/ini';
import { MAIN, alive, cli, cliOk, exitWithin, freePort, killAll, launch, startListening, type Listening, type Proc } from './helpers/processes';

const AUTHORITY = 'cli.example.org';
const TOKEN_LINE = /^vos_[A-Za-z0-9_-]+\n$/;

jest.setTimeout(40_000);

afterEach(() => killAll('test'));

async function newToken(file: string, user: string): Promise<string> {
  const r = await cliOk(file, ['token', 'create', '--user', user]);
  expect(r.stdout).toMatch(TOKEN_LINE);
  return r.stdout.trim();
}

interface UserRow {
  name: string;
  isAdmin: boolean;
  groups: string[];
}

async function listUsers(file: string | undefined, env: Record<string, string> = {}): Promise<UserRow[]> {
  return JSON.parse((await cliOk(file, ['user', 'list'], { env })).stdout) as UserRow[];
}

interface TokenRow {
  id: number;
  user: string;
  label: string | null;
  created: string;
  expires: string | null;
  lastUsed: string | null;
}

async function listTokens(file: string, user: string): Promise<TokenRow[]> {
  return JSON.parse((await cliOk(file, ['token', 'list', '--user', user])).stdout) as TokenRow[];
}

/** node dist/src/main.js --config FILE, once it has printed where it listens. */
const startMain = (file: string, scope: Proc['scope']): Promise<Listening> => startListening([MAIN, '--config', file], { timeoutMs: 20_000, scope });

// ------------------------------------------------------------------ helpers

const nodeUri = (p: string) => `vos://${AUTHORITY}!vospace/${p}`;

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** Signs in over GraphQL at the service whose REST base is `url`: the user's name, or the refusal, and the session cookie. */
async function signIn(url: string, name: string, password: string): Promise<{ answer: string; cookie?: string }> {
  const query = `mutation($name: String!, $password: String!) { signIn(name: $name, password: $password) { user { name } } }`;
  const r = await request('POST', url.replace(/\/vospace$/, '/graphql'), { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables: { name, password } }) });
  const body = JSON.parse(r.text);
  const cookie = /^vospace_session=([^;]+)/.exec(r.headers.get('set-cookie') ?? '')?.[1];
  return { answer: body.data?.signIn.user.name ?? body.errors[0].message, cookie };
}

/** Who the session cookie signs in at the service whose REST base is `url`, or null. */
async function cookieUser(url: string, cookie: string): Promise<string | null> {
  const r = await request('POST', url.replace(/\/vospace$/, '/graphql'), {
    headers: { 'content-type': 'application/json', cookie: `vospace_session=${cookie}` },
    body: JSON.stringify({ query: '{ me { name } }' }),
  });
  return JSON.parse(r.text).data.me?.name ?? null;
}

/** An unusable database setting: a CLI with it can only succeed through the admin socket. */
const DEAD_DSN = 'postgres://nobody@127.0.0.1:1/nothing';

// ------------------------------------------------- CLI and service lifecycle

describe(`CLI and service on ${usePg ? 'PostgreSQL (dsn)' : 'the embedded database (data_dir)'}`, () => {
  let db: TestDb;
  let tmp: string;
  let file: string;
  let socket: string;
  let dataDir: string;
  let port: number;
  let service: Listening | undefined;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vospace-cli-'));
    db = await createTestDb();
    dataDir = db.dataDir || path.join(tmp, 'unused-data');
    socket = path.join(tmp, 'admin.sock');
    port = await freePort();
    file = writeIni(path.join(tmp, 'vospace.ini'), {
      host: '127.0.0.1',
      port,
      name: 'cli-test',
      uri: AUTHORITY,
      dsn: db.dsn,
      data_dir: dataDir,
      parameters: '{"max_children": 100}',
      use_ssl: 0,
      admin_socket: socket,
    });
  });

  afterAll(async () => {
    await killAll();
    await db?.drop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('(a) with no service running, the CLI opens the database itself', async () => {
    expect(fs.existsSync(socket)).toBe(false);

    const add = await cliOk(file, ['user', 'add', 'alice', '--groups', 'astro,lab']);
    expect(add.stderr).toContain('created user alice with home container /alice');
    expect(add.stdout).toBe('');

    const token = await cliOk(file, ['token', 'create', '--user', 'alice']);
    expect(token.stdout).toMatch(TOKEN_LINE);
    expect(token.stdout.split('\n')).toHaveLength(2); // one line and its newline, nothing else
    tokens.alice = token.stdout.trim();

    const users = await listUsers(file);
    expect(users).toEqual([expect.objectContaining({ name: 'alice', isAdmin: false, groups: ['astro', 'lab'] })]);

    const again = await cli(file, ['user', 'add', 'alice']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/^vospace: .*'alice' already exists/m);

    const nobody = await cli(file, ['token', 'create', '--user', 'nobody']);
    expect(nobody.code).not.toBe(0);
    expect(nobody.stderr).toMatch(/^vospace: .*no user 'nobody'/m);
    expect(nobody.stdout).toBe('');

    // The CLI let go of the embedded database when it finished.
    expect(fs.existsSync(path.join(dataDir, 'vospace.lock'))).toBe(false);
  });

  test('(a) user add --admin and group add --members, directly', async () => {
    await cliOk(file, ['user', 'add', 'carol', '--admin']);
    const group = await cliOk(file, ['group', 'add', 'team', '--members', 'alice,carol']);
    expect(group.stderr).toContain('group team ready');
    const users = await listUsers(file);
    expect(users.map((u) => [u.name, u.isAdmin, u.groups])).toEqual([
      ['alice', false, ['astro', 'lab', 'team']],
      ['carol', true, ['team']],
    ]);
    const bad = await cli(file, ['group', 'add', 'ghosts', '--members', 'casper']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/no user 'casper'/);
  });

  test('(a) group list, user groups, group remove-member and group delete, directly', async () => {
    const groups = async () => JSON.parse((await cliOk(file, ['group', 'list'])).stdout) as { name: string; members: string[] }[];
    // The failed `group add ghosts` above made no group.
    expect(await groups()).toEqual([
      { name: 'astro', members: ['alice'] },
      { name: 'lab', members: ['alice'] },
      { name: 'team', members: ['alice', 'carol'] },
    ]);

    const moved = await cliOk(file, ['user', 'groups', 'carol', '--add', 'astro,lab', '--remove', 'team']);
    expect(JSON.parse(moved.stdout)).toEqual(expect.objectContaining({ name: 'carol', isAdmin: true, groups: ['astro', 'lab'] }));
    for (const [args, message] of [
      [['user', 'groups', 'carol', '--add', 'astro,nope'], /^vospace: NodeNotFound: no group 'nope'$/m],
      [['user', 'groups', 'carol', '--add', 'team', '--remove', 'team'], /^vospace: InvalidArgument: group 'team' is both to add and to remove$/m],
      [['group', 'remove-member', 'lab', 'nobody'], /^vospace: NodeNotFound: no user 'nobody'$/m],
      [['group', 'delete', 'nope'], /^vospace: NodeNotFound: no group 'nope'$/m],
    ] as const) {
      const r = await cli(file, [...args]);
      expect({ args, code: r.code === 0 ? 0 : 'failed', stdout: r.stdout }).toEqual({ args, code: 'failed', stdout: '' });
      expect(r.stderr).toMatch(message);
    }

    const removed = await cliOk(file, ['group', 'remove-member', 'lab', 'carol']);
    expect(JSON.parse(removed.stdout)).toEqual({ name: 'lab', members: ['alice'] });
    const deleted = await cliOk(file, ['group', 'delete', 'lab']);
    expect(deleted.stderr).toContain('group lab deleted');
    expect(await groups()).toEqual([
      { name: 'astro', members: ['alice', 'carol'] },
      { name: 'team', members: ['alice'] },
    ]);
    expect((await listUsers(file)).map((u) => [u.name, u.groups])).toEqual([
      ['alice', ['astro', 'team']],
      ['carol', ['astro']],
    ]);
  }, 120_000); // ten CLI runs, each opening the embedded database

  test('(a) user passwd reads the password from stdin with --password-stdin, and refuses a stdin that is not a terminal without it', async () => {
    const set = await cliOk(file, ['user', 'passwd', 'alice', '--password-stdin'], { input: 'alice-password\n' });
    expect(set.stderr).toContain('password of alice set');
    expect(set.stdout).toBe('');
    for (const [args, input, message] of [
      [['user', 'passwd', 'alice'], undefined, /^vospace: stdin is not a terminal: give --password-stdin to read the password from it$/m],
      [['user', 'passwd', 'alice'], 'alice-other\n', /^vospace: stdin is not a terminal/m],
      [['user', 'passwd', 'alice', '--password-stdin'], 'short\n', /^vospace: InvalidArgument: a password must have 8 to 1024 characters, not 5$/m],
      [['user', 'passwd', 'alice', '--password-stdin'], '', /^vospace: no password on stdin$/m],
      [['user', 'passwd', 'nobody', '--password-stdin'], 'long-enough\n', /^vospace: NodeNotFound: no user 'nobody'$/m],
    ] as const) {
      const r = await cli(file, [...args], { input });
      expect({ args, code: r.code === 0 ? 0 : 'failed', stdout: r.stdout }).toEqual({ args, code: 'failed', stdout: '' });
      expect(r.stderr).toMatch(message);
    }
  }, 120_000);

  test('(a) token list, token revoke ID and token revoke --user NAME --all, directly', async () => {
    const laptop = (await cliOk(file, ['token', 'create', '--user', 'alice', '--label', 'laptop', '--expires', '3600'])).stdout.trim();
    const spare = await newToken(file, 'alice');
    const listed = await listTokens(file, 'alice');
    // The token of the first test, then these two, oldest first: never a token or its hash.
    expect(listed.map((x) => [x.user, x.label, x.expires === null, x.lastUsed])).toEqual([
      ['alice', null, true, null],
      ['alice', 'laptop', false, null],
      ['alice', null, true, null],
    ]);
    expect(Object.keys(listed[0]).sort()).toEqual(['created', 'expires', 'id', 'label', 'lastUsed', 'user']);
    expect(Date.parse(listed[1].expires!) - Date.parse(listed[1].created)).toBeGreaterThan(3_590_000);
    const text = JSON.stringify(listed);
    for (const secret of [tokens.alice, laptop, spare]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(createHash('sha256').update(secret).digest('hex'));
    }

    const revoked = await cliOk(file, ['token', 'revoke', String(listed[2].id)]);
    expect(revoked.stderr).toContain(`token ${listed[2].id} revoked`);
    expect((await listTokens(file, 'alice')).map((x) => x.id)).toEqual([listed[0].id, listed[1].id]);

    await newToken(file, 'carol');
    const all = await cliOk(file, ['token', 'revoke', '--user', 'carol', '--all']);
    expect(all.stderr).toContain('revoked 1 token(s) of carol');
    expect(await listTokens(file, 'carol')).toEqual([]);

    for (const [args, message] of [
      [['token', 'revoke', String(listed[2].id)], new RegExp(`^vospace: NodeNotFound: no token ${listed[2].id}$`, 'm')],
      [['token', 'revoke', 'abc'], /^vospace: InvalidArgument: 'abc' is not a token id$/m],
      [['token', 'revoke'], /^vospace: give a token id, or --user NAME --all$/m],
      [['token', 'revoke', '--user', 'carol'], /^vospace: give a token id, or --user NAME --all$/m],
      [['token', 'revoke', '5', '--user', 'carol', '--all'], /^vospace: give either a token id or --user NAME --all, not both$/m],
      [['token', 'list', '--user', 'nobody'], /^vospace: NodeNotFound: no user 'nobody'$/m],
      [['token', 'create', '--user', 'alice', '--expires', 'soon'], /argument 'soon' is invalid\. a whole number of seconds/],
    ] as const) {
      const r = await cli(file, [...args]);
      expect({ args, code: r.code === 0 ? 0 : 'failed', stdout: r.stdout }).toEqual({ args, code: 'failed', stdout: '' });
      expect(r.stderr).toMatch(message);
    }
  }, 180_000); // a dozen CLI runs, most opening the embedded database

  test('(b) a running service takes the CLI\'s commands over its admin socket and serves the CLI\'s users', async () => {
    expect(tokens.alice).toBeDefined();
    service = await startMain(file, 'suite');
    expect(service.url).toBe(`http://127.0.0.1:${port}/vospace`);
    expect(service.proc.stdout).toContain(`vos://${AUTHORITY}!vospace/`);

    // The admin socket is there, for the service's user only.
    expect(fs.statSync(socket).isSocket()).toBe(true);
    expect(fs.statSync(socket).mode & 0o777).toBe(0o600);

    const add = await cliOk(file, ['user', 'add', 'bob']);
    expect(add.stderr).toContain('created user bob with home container /bob');
    tokens.bob = await newToken(file, 'bob');

    // Same socket, unusable database: succeeds only if it goes through the service.
    const viaSocketOnly = writeIni(path.join(tmp, 'socket-only.ini'), {
      dsn: DEAD_DSN,
      data_dir: path.join(tmp, 'not-a-dir-file'),
      admin_socket: socket,
    });
    fs.writeFileSync(path.join(tmp, 'not-a-dir-file'), 'a file where a data directory would be');
    expect((await listUsers(viaSocketOnly)).map((u) => u.name)).toEqual(['alice', 'bob', 'carol']);

    // VOSPACE_CONFIG names the file when --config is absent.
    expect((await listUsers(undefined, { VOSPACE_CONFIG: file })).map((u) => u.name)).toEqual(['alice', 'bob', 'carol']);

    // Failures through the socket are reported as they are directly.
    const dup = await cli(file, ['user', 'add', 'bob']);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toMatch(/^vospace: .*'bob' already exists/m);
    const nobody = await cli(file, ['token', 'create', '--user', 'nobody']);
    expect(nobody.code).not.toBe(0);
    expect(nobody.stderr).toMatch(/no user 'nobody'/);
    expect(nobody.stdout).toBe('');

    // Both tokens work over HTTP: alice's was made before the service started.
    for (const name of ['alice', 'bob']) {
      const put = await request('PUT', `${service.url}/nodes/${name}/x`, { token: tokens[name], body: nodeXml(nodeUri(`${name}/x`)) });
      expect({ name, status: put.status, text: put.status === 201 ? '' : put.text }).toEqual({ name, status: 201, text: '' });
      const get = await request('GET', `${service.url}/nodes/${name}/x`, { token: tokens[name] });
      expect(get.status).toBe(200);
      expect(get.text).toContain(`uri="${nodeUri(`${name}/x`)}"`);
    }
    // A home belongs to its user.
    const intrude = await request('PUT', `${service.url}/nodes/alice/y`, { token: tokens.bob, body: nodeXml(nodeUri('alice/y')) });
    expect(intrude.status).toBe(403);
  });

  test('(b) the password set directly signs in at the service; user passwd through the admin socket holds at once and ends the sessions', async () => {
    expect(service && alive(service.proc)).toBe(true);
    const url = service!.url;
    const alice = await signIn(url, 'alice', 'alice-password');
    expect(alice.answer).toBe('alice');
    expect(await cookieUser(url, alice.cookie!)).toBe('alice');

    await cliOk(file, ['user', 'passwd', 'alice', '--password-stdin'], { input: 'alice-second\r\nignored line\n' });
    expect(await cookieUser(url, alice.cookie!)).toBeNull();
    expect((await signIn(url, 'alice', 'alice-password')).answer).toBe('PermissionDenied: wrong user name or password');
    expect((await signIn(url, 'alice', 'alice-second')).answer).toBe('alice');

    expect((await signIn(url, 'bob', 'bob-password')).answer).toBe('PermissionDenied: wrong user name or password');
    await cliOk(file, ['user', 'passwd', 'bob', '--password-stdin'], { input: 'bob-password' });
    expect((await signIn(url, 'bob', 'bob-password')).answer).toBe('bob');
  });

  test('(b) group changes through the admin socket hold for the very next request', async () => {
    expect(service && alive(service.proc)).toBe(true);
    const url = service!.url;
    const shared = [{ uri: 'ivo://ivoa.net/vospace/core#groupread', value: 'crew' }];
    // Reading a node takes read permission on its ancestors: alice shares her home and a node in it with crew.
    const set = await request('POST', `${url}/nodes/alice`, { token: tokens.alice, body: nodeXml(nodeUri('alice'), 'vos:ContainerNode', shared) });
    expect(set.status).toBe(200);
    const put = await request('PUT', `${url}/nodes/alice/shared`, { token: tokens.alice, body: nodeXml(nodeUri('alice/shared'), 'vos:DataNode', shared) });
    expect(put.status).toBe(201);
    await cliOk(file, ['group', 'add', 'crew']);
    // Each status comes right after bob's previous request, within the 5 s his identity is cached.
    const bobReads = async () => (await request('GET', `${url}/nodes/alice/shared`, { token: tokens.bob })).status;

    expect(await bobReads()).toBe(403);
    await cliOk(file, ['user', 'groups', 'bob', '--add', 'crew']);
    expect(await bobReads()).toBe(200);
    await cliOk(file, ['group', 'remove-member', 'crew', 'bob']);
    expect(await bobReads()).toBe(403);
    await cliOk(file, ['group', 'add', 'crew', '--members', 'bob']);
    expect(await bobReads()).toBe(200);
    await cliOk(file, ['group', 'delete', 'crew']);
    expect(await bobReads()).toBe(403);
  });

  test('(b) tokens revoked through the admin socket are refused by the service at once; token list shows their last use', async () => {
    expect(service && alive(service.proc)).toBe(true);
    const url = service!.url;
    const bobReads = async (token: string) => (await request('GET', `${url}/nodes/bob`, { token })).status;
    const [one, two] = [await newToken(file, 'bob'), await newToken(file, 'bob')];
    const before = Date.now();
    // Each in use, so in the service's token cache, right before it is revoked.
    expect([await bobReads(tokens.bob), await bobReads(one), await bobReads(two)]).toEqual([200, 200, 200]);
    const listed = await listTokens(file, 'bob');
    expect(listed).toHaveLength(3);
    // Each used through the service (bob's first token maybe only from its cache, so earlier).
    expect(listed.map((x) => x.lastUsed === null)).toEqual([false, false, false]);
    for (const x of listed.slice(1)) expect(Date.parse(x.lastUsed!)).toBeGreaterThanOrEqual(before - 1000);

    await cliOk(file, ['token', 'revoke', String(listed[1].id)]);
    expect([await bobReads(tokens.bob), await bobReads(one), await bobReads(two)]).toEqual([200, 401, 200]);
    const all = await cliOk(file, ['token', 'revoke', '--user', 'bob', '--all']);
    expect(all.stderr).toContain('revoked 2 token(s) of bob');
    expect([await bobReads(tokens.bob), await bobReads(one), await bobReads(two)]).toEqual([401, 401, 401]);
    const refused = await request('GET', `${url}/nodes/bob`, { token: two });
    expect(refused.text).toMatch(/^InvalidToken: /);
    expect(await listTokens(file, 'bob')).toEqual([]);
  });

  test('(d) SIGTERM: the service exits 0 promptly, removes its admin socket, and the CLI works directly again', async () => {
    expect(service && alive(service.proc)).toBe(true);
    const svc = service!;
    svc.proc.child.kill('SIGTERM');
    const { code, signal } = await exitWithin(svc.proc, 5_000);
    expect({ code, signal, stderr: code === 0 ? '' : svc.proc.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(fs.existsSync(socket)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'vospace.lock'))).toBe(false);

    // Directly on the database again: the data made through the service is there.
    const token = await newToken(file, 'bob');
    expect(token).not.toBe(tokens.bob);
    expect((await listUsers(file)).map((u) => u.name)).toEqual(['alice', 'bob', 'carol']);
    // With a dsn, nothing was ever written under data_dir.
    expect(fs.existsSync(path.join(tmp, 'unused-data'))).toBe(false);

    // And a restarted service sees the node made before, with the token made while it was down.
    service = await startMain(file, 'suite');
    const get = await request('GET', `${service.url}/nodes/bob/x`, { token });
    expect(get.status).toBe(200);
    service.proc.child.kill('SIGTERM');
    expect((await exitWithin(service.proc, 5_000)).code).toBe(0);
  });
});

// ---------------------------------------- embedded database: lock and HTTPS

describe('embedded database: one opener at a time, HTTPS', () => {
  let db: TestDb | undefined;
  let tmp: string;
  let dataDir: string;
  let socket: string;
  let file: string;
  let certFile: string;
  let keyFile: string;
  let port: number;
  let service: Listening;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vospace-tls-'));
    if (usePg) {
      dataDir = path.join(tmp, 'db'); // a fresh directory: the service creates and migrates it
    } else {
      db = await createTestDb();
      dataDir = db.dataDir;
    }
    socket = path.join(tmp, 'admin.sock');
    certFile = path.join(tmp, 'cert.pem');
    keyFile = path.join(tmp, 'key.pem');
    await new Promise<void>((resolve, reject) => {
      const p = spawn(
        'openssl',
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let err = '';
      p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      p.once('error', reject).once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`openssl exited ${code}: ${err}`))));
    });
    port = await freePort();
    file = writeIni(path.join(tmp, 'vospace.ini'), {
      host: '127.0.0.1',
      port,
      uri: AUTHORITY,
      dsn: '',
      data_dir: dataDir,
      use_ssl: 1,
      cert_file: certFile,
      key_file: keyFile,
      admin_socket: socket,
    });
  });

  afterAll(async () => {
    await killAll();
    await db?.drop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('(e) use_ssl = 1 serves HTTPS with cert_file and key_file', async () => {
    service = await startMain(file, 'suite');
    expect(service.url).toBe(`https://127.0.0.1:${port}/vospace`);
    const ca = fs.readFileSync(certFile);
    const res = await httpsGet(`https://127.0.0.1:${port}/vospace/availability`, ca);
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/<vosi:available>true<\/vosi:available>/);
  });

  test('(c) while it runs, a second service on the same data_dir fails, saying the database is in use', async () => {
    expect(service && alive(service.proc)).toBe(true);
    const lock = path.join(dataDir, 'vospace.lock');
    expect(fs.readFileSync(lock, 'utf8')).toBe(String(service.proc.child.pid));

    // The operator copied the file and changed only the port.
    const second = writeIni(path.join(tmp, 'second.ini'), {
      host: '127.0.0.1',
      port: await freePort(),
      data_dir: dataDir,
      use_ssl: 1,
      cert_file: certFile,
      key_file: keyFile,
      admin_socket: socket,
    });
    const p = launch([MAIN, '--config', second]);
    const { code } = await exitWithin(p, 20_000);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(p.stderr).toMatch(new RegExp(`embedded database ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by process ${service.proc.child.pid}`));
    expect(p.stdout).not.toMatch(/listening on/);

    // A CLI that cannot reach the service's socket is refused the same way.
    const lonely = writeIni(path.join(tmp, 'lonely.ini'), { data_dir: dataDir, admin_socket: path.join(tmp, 'other.sock') });
    const r = await cli(lonely, ['user', 'list']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/is in use by process/);

    // The failed openers took nothing from the running service.
    expect(fs.readFileSync(lock, 'utf8')).toBe(String(service.proc.child.pid));
    expect(fs.statSync(socket).isSocket()).toBe(true);
    await cliOk(file, ['user', 'add', 'dave']);
    const res = await httpsGet(`https://127.0.0.1:${port}/vospace/availability`, fs.readFileSync(certFile));
    expect(res.status).toBe(200);
  });

  test('after the service is killed outright, the CLI takes over its stale lock and socket', async () => {
    expect(service && alive(service.proc)).toBe(true);
    service.proc.child.kill('SIGKILL');
    await service.proc.exited;
    expect(fs.existsSync(path.join(dataDir, 'vospace.lock'))).toBe(true);
    expect(fs.existsSync(socket)).toBe(true);
    const users = await listUsers(file);
    expect(users.map((u) => u.name)).toContain('dave');
  });
});
