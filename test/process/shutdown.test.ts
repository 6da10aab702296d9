/**
 * Graceful shutdown of a spawned service (node dist/src/main.js) and, on
 * PostgreSQL, of a standalone storage server (dist/storage-server/main.js):
 * SIGTERM while an upload is in flight.
 *
 * - With the default grace (30 s) the upload finishes, the node has the new
 *   bytes, and the process exits 0; meanwhile new connections are refused.
 * - With shutdown_grace_seconds = 1 an upload that cannot finish in time is
 *   cut: staging is empty when the process has gone (exit 0, soon after the
 *   grace), the node keeps its old bytes and the job is ERROR.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { usePg } from '../helpers/db';
import { writeIni } from '../helpers/ini';
import { MAIN, STORAGE_MAIN, exitWithin, freePort, startListening, userWithToken, type Listening } from '../helpers/processes';
import { endpointOnPort, getHashed, jobError, jobPhase, md5hex, MiB, negotiate, nodeBytes, type PutResult, putStream, settledPhase, sha256, sleep } from '../helpers/client';
import { dirAndDbEachTest, filesUnder, generate, waitFor } from './procs';

jest.setTimeout(120_000);

const AUTHORITY = 'shutdown.example.org';
const FILE = 'alice/f';
const TARGET = `vos://${AUTHORITY}!vospace/${FILE}`;
/** SIGTERM once this much of the upload is in staging. */
const SIGNAL_AT = 2 * MiB;

interface Setup {
  /** The metadata service's REST base (it stays up, or is restarted, for the checks). */
  base(): string;
  token: string;
  /** The storage server whose endpoints the uploads use. */
  storagePort: number;
  staging: string;
  root: string;
  /** The process SIGTERMed, and the ports it listens on. */
  victim(): Listening;
  victimPorts: number[];
  /** Starts the stopped process again. */
  restart(): Promise<void>;
}

type Outcome = { ok: true; res: PutResult } | { ok: false; error: string };

async function push(s: Setup, bytes: Buffer): Promise<void> {
  const n = await negotiate(s.base(), s.token, TARGET, 'pushToVoSpace', { sync: true });
  const res = await putStream(endpointOnPort(n, s.storagePort), bytes, bytes.length);
  expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: '' });
}

function connect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve('connected');
    });
    sock.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** Starts a slow upload of `size` bytes and waits until SIGNAL_AT bytes of it are staged. */
async function slowUpload(s: Setup, size: number, delayMs: number) {
  const n = await negotiate(s.base(), s.token, TARGET, 'pushToVoSpace', { sync: true });
  const gen = generate(size, { delayMs });
  let outcome: Outcome | undefined;
  const done = putStream(endpointOnPort(n, s.storagePort), gen.chunks, size).then(
    (res): Outcome => (outcome = { ok: true, res }),
    (e: Error): Outcome => (outcome = { ok: false, error: e.message }),
  );
  await waitFor(
    `${SIGNAL_AT} bytes staged`,
    () => {
      if (outcome) throw new Error(`the upload ended too soon: ${JSON.stringify(outcome)}`);
      const files = filesUnder(s.staging);
      return files.length && files[0].size >= SIGNAL_AT ? true : undefined;
    },
    30_000,
    5,
  );
  return { jobUrl: n.jobUrl, gen, done, outcome: () => outcome };
}

async function finishesWithinGrace(s: Setup): Promise<void> {
  await push(s, randomBytes(MiB));
  // About 2.4 s of upload, well inside the default 30 s grace.
  const size = 24 * MiB;
  const up = await slowUpload(s, size, 100);
  const victim = s.victim();
  victim.proc.child.kill('SIGTERM');

  // New connections are refused at once, while the upload goes on.
  for (const port of s.victimPorts) {
    let result = await connect(port);
    for (let i = 0; result !== 'ECONNREFUSED' && i < 100; i++) {
      await sleep(20);
      result = await connect(port);
    }
    expect({ port, result }).toEqual({ port, result: 'ECONNREFUSED' });
  }
  expect(up.outcome()).toBeUndefined();
  expect(up.gen.yielded()).toBeLessThan(size);
  expect(victim.proc.child.exitCode).toBeNull();

  const out = await up.done;
  expect(out.ok && { status: out.res.status, body: out.res.body }).toEqual({ status: 201, body: '' });
  expect(await exitWithin(victim.proc, 15_000)).toEqual({ code: 0, signal: null });
  expect(filesUnder(s.staging)).toEqual([]);

  await s.restart();
  expect(await jobPhase(up.jobUrl, s.token)).toBe('COMPLETED');
  expect(await nodeBytes(s.base(), s.token, FILE)).toMatchObject({ length: String(size), busy: 'false' });
  const pull = await negotiate(s.base(), s.token, TARGET, 'pullFromVoSpace', { sync: true });
  expect(await getHashed(endpointOnPort(pull, s.storagePort))).toEqual({ status: 200, size, sha256: up.gen.sha256() });
  expect(await settledPhase(pull.jobUrl, s.token)).toBe('COMPLETED');
}

async function cutAfterGrace(s: Setup, graceSeconds: number): Promise<void> {
  const v1 = randomBytes(MiB + 321);
  await push(s, v1);
  const rootBefore = filesUnder(s.root);
  // 200 MiB at 1 MiB per 50 ms: 10 s, far past the grace.
  const size = 200 * MiB;
  const up = await slowUpload(s, size, 50);
  const victim = s.victim();
  const signalled = Date.now();
  victim.proc.child.kill('SIGTERM');

  expect(await exitWithin(victim.proc, (graceSeconds + 5) * 1000)).toEqual({ code: 0, signal: null });
  const took = Date.now() - signalled;
  expect(took).toBeGreaterThanOrEqual(graceSeconds * 1000 - 100);
  // Rolled back before the process went: nothing staged, nothing new stored.
  expect(filesUnder(s.staging)).toEqual([]);
  expect(filesUnder(s.root)).toEqual(rootBefore);
  const out = await up.done;
  expect(out.ok ? `HTTP ${out.res.status}` : 'connection lost').toBe('connection lost');
  expect(up.gen.yielded()).toBeLessThan(size);

  await s.restart();
  expect(await jobPhase(up.jobUrl, s.token)).toBe('ERROR');
  expect(await jobError(up.jobUrl, s.token)).toBe('200 TransferFailed');
  expect(await nodeBytes(s.base(), s.token, FILE)).toEqual({ length: String(v1.length), md5: md5hex(v1), busy: 'false' });
  const pull = await negotiate(s.base(), s.token, TARGET, 'pullFromVoSpace', { sync: true });
  expect(await getHashed(endpointOnPort(pull, s.storagePort))).toEqual({ status: 200, size: v1.length, sha256: sha256(v1) });
  // The node is free: a new upload goes through.
  await push(s, randomBytes(1000));
}

const each = dirAndDbEachTest('vospace-shutdown-');

/** The metadata service with its own storage server, both stopped by the SIGTERM. */
async function wholeService(parameters: Record<string, unknown>): Promise<Setup> {
  const dir = each.dir();
  const [port, storagePort] = [await freePort(), await freePort()];
  const rootDir = path.join(dir, 'storage');
  const stagingDir = path.join(dir, 'staging');
  const ini = writeIni(
    path.join(dir, 'vospace.ini'),
    {
      host: '127.0.0.1',
      port,
      uri: AUTHORITY,
      dsn: each.db().dsn,
      data_dir: each.db().dataDir || path.join(dir, 'unused-db'),
      admin_socket: path.join(dir, 'admin.sock'),
      parameters: JSON.stringify(parameters),
    },
    { port: storagePort, rootDir, stagingDir },
  );
  const token = await userWithToken(ini, 'alice');
  let service = await startListening([MAIN, '--config', ini]);
  return {
    base: () => service.url,
    token,
    storagePort,
    staging: stagingDir,
    root: rootDir,
    victim: () => service,
    victimPorts: [port, storagePort],
    restart: async () => {
      service = await startListening([MAIN, '--config', ini]);
    },
  };
}

/** PostgreSQL: a standalone storage server beside the metadata service; only it is stopped. */
async function standaloneStorage(parameters: Record<string, unknown>): Promise<Setup> {
  const dir = each.dir();
  const rootDir = path.join(dir, 'storage');
  const stagingDir = path.join(dir, 'staging');
  const [port, inProcessPort, storagePort] = [await freePort(), await freePort(), await freePort()];
  const space = { host: '127.0.0.1', uri: AUTHORITY, dsn: each.db().dsn, data_dir: path.join(dir, 'unused-db'), parameters: JSON.stringify(parameters) };
  const mainIni = writeIni(path.join(dir, 'vospace.ini'), { ...space, port, admin_socket: path.join(dir, 'admin.sock') }, { port: inProcessPort, rootDir, stagingDir });
  const storageIni = writeIni(
    path.join(dir, 'storage.ini'),
    { ...space, port: await freePort(), admin_socket: path.join(dir, 'storage-admin.sock') },
    { port: storagePort, rootDir, stagingDir },
  );
  const token = await userWithToken(mainIni, 'alice');
  const service = await startListening([MAIN, '--config', mainIni]);
  let storage = await startListening([STORAGE_MAIN, '--config', storageIni]);
  return {
    base: () => service.url,
    token,
    storagePort,
    staging: stagingDir,
    root: rootDir,
    victim: () => storage,
    victimPorts: [storagePort],
    restart: async () => {
      storage = await startListening([STORAGE_MAIN, '--config', storageIni]);
    },
  };
}

describe('SIGTERM to the service (npm start)', () => {
  test('an upload in flight finishes within the grace, new connections are refused, exit 0', async () => {
    await finishesWithinGrace(await wholeService({}));
  });

  test('an upload that does not finish within shutdown_grace_seconds is rolled back, exit 0', async () => {
    await cutAfterGrace(await wholeService({ shutdown_grace_seconds: 1 }), 1);
  });
});

if (usePg) {
  describe('SIGTERM to a standalone storage server (PostgreSQL)', () => {
    test('an upload in flight finishes within the grace, new connections are refused, exit 0', async () => {
      await finishesWithinGrace(await standaloneStorage({}));
    });

    test('an upload that does not finish within shutdown_grace_seconds is rolled back, exit 0', async () => {
      await cutAfterGrace(await standaloneStorage({ shutdown_grace_seconds: 1 }), 1);
    });
  });
}
