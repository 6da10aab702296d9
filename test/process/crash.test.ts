/**
 * kill -9 of the storage server mid-upload, restart, and the node still has
 * its old bytes and staging is empty.
 *
 * On PostgreSQL the storage server runs on its own (node
 * dist/storage-server/main.js) beside the metadata service, on the same
 * database and the same root/staging directories; the upload goes to its
 * endpoint and only it is killed and restarted. On the embedded database the
 * storage server lives inside the service process, so the whole service is
 * killed and restarted on the same data_dir (taking over the stale lock).
 *
 * Either way: version 1 is uploaded in full; version 2 (200 MiB, streamed
 * slowly) is cut by SIGKILL while a partial file sits in staging; after the
 * restart staging is empty, the node still describes and serves version 1,
 * the killed job is ERROR and the node takes a new upload.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { usePg } from '../helpers/db';
import { writeIni } from '../helpers/ini';
import { MAIN, STORAGE_MAIN, freePort, kill9, startListening, userWithToken, type Listening, type Proc } from '../helpers/processes';
import { endpointOnPort, getHashed, jobError, jobPhase, md5hex, MiB, negotiate, nodeBytes, type PutResult, putStream, settledPhase, sha256 } from '../helpers/client';
import { dirAndDbEachTest, filesUnder, generate, waitFor } from './procs';

jest.setTimeout(120_000);

const AUTHORITY = 'crash.example.org';
const FILE = 'alice/f';
const TARGET = `vos://${AUTHORITY}!vospace/${FILE}`;
const V2_SIZE = 200 * MiB;
/** Version 2 goes at 1 MiB per 25 ms (~40 MiB/s): about 5 s for all of it, so the kill lands well inside. */
const V2_DELAY_MS = 25;
/** Kill once this much of version 2 is in staging. */
const KILL_AT = 8 * MiB;

interface Scenario {
  base: string;
  token: string;
  /** Port of the storage server whose endpoints the test uses (the one killed). */
  storagePort: number;
  staging: string;
  root: string;
  /** The process the SIGKILL is for. */
  victim(): Proc;
  /** Checks while the victim is dead (only possible when the metadata service is still up). */
  whileDead?(): Promise<void>;
  /** Starts the killed process again, on the same configuration. */
  restart(): Promise<void>;
}

type Outcome = { ok: true; res: PutResult } | { ok: false; error: string };

async function push(s: Scenario, bytes: Buffer): Promise<{ jobUrl: string; res: PutResult }> {
  const n = await negotiate(s.base, s.token, TARGET, 'pushToVoSpace', { sync: true });
  const res = await putStream(endpointOnPort(n, s.storagePort), bytes, bytes.length);
  return { jobUrl: n.jobUrl, res };
}

async function crashMidUpload(s: Scenario): Promise<void> {
  // Version 1, whole.
  const v1 = randomBytes(3 * MiB + 12345);
  const first = await push(s, v1);
  expect({ status: first.res.status, body: first.res.body }).toEqual({ status: 201, body: '' });
  expect(await jobPhase(first.jobUrl, s.token)).toBe('COMPLETED');
  const described = { length: String(v1.length), md5: md5hex(v1), busy: 'false' };
  expect(await nodeBytes(s.base, s.token, FILE)).toEqual(described);
  expect(filesUnder(s.staging)).toEqual([]);
  const rootBefore = filesUnder(s.root);
  expect(rootBefore.map((f) => f.size)).toEqual([v1.length]);

  // Version 2, slowly, cut short by SIGKILL once a good part of it is staged.
  const n2 = await negotiate(s.base, s.token, TARGET, 'pushToVoSpace', { sync: true });
  const gen = generate(V2_SIZE, { delayMs: V2_DELAY_MS });
  let outcome: Outcome | undefined;
  const upload = putStream(endpointOnPort(n2, s.storagePort), gen.chunks, V2_SIZE).then(
    (res): Outcome => (outcome = { ok: true, res }),
    (e: Error): Outcome => (outcome = { ok: false, error: e.message }),
  );
  const staged = await waitFor(
    `≥ ${KILL_AT} bytes of version 2 in ${s.staging}`,
    () => {
      if (outcome) throw new Error(`the upload ended before the kill: ${JSON.stringify(outcome)}`);
      const files = filesUnder(s.staging);
      return files.length && files[0].size >= KILL_AT ? files : undefined;
    },
    30_000,
    5,
  );
  expect(staged).toHaveLength(1);
  const killed = await kill9(s.victim());
  expect(killed.signal).toBe('SIGKILL');

  // At that moment staging holds one partial file: the kill hit the window it is meant to.
  const atKill = filesUnder(s.staging);
  expect(atKill).toHaveLength(1);
  expect(atKill[0].size).toBeGreaterThanOrEqual(KILL_AT);
  expect(atKill[0].size).toBeLessThan(V2_SIZE);
  expect(gen.yielded()).toBeLessThan(V2_SIZE);
  // The client saw the connection go, never a success.
  const out = await upload;
  expect(out.ok ? `HTTP ${out.res.status}` : 'connection lost').toBe('connection lost');

  await s.whileDead?.();
  await s.restart();

  // Staging was cleaned on start; nothing new reached the object store.
  expect(filesUnder(s.staging)).toEqual([]);
  expect(filesUnder(s.root)).toEqual(rootBefore);
  // The node still describes version 1 and is no longer held by the dead upload.
  expect(await nodeBytes(s.base, s.token, FILE)).toEqual(described);
  // The killed transfer ended in ERROR, saying why.
  expect(await jobPhase(n2.jobUrl, s.token)).toBe('ERROR');
  expect(await jobError(n2.jobUrl, s.token)).toBe('200 TransferFailed');

  // A pull returns version 1's bytes.
  const pull = await negotiate(s.base, s.token, TARGET, 'pullFromVoSpace', { sync: true });
  const got = await getHashed(endpointOnPort(pull, s.storagePort));
  expect(got).toEqual({ status: 200, size: v1.length, sha256: sha256(v1) });
  expect(await settledPhase(pull.jobUrl, s.token)).toBe('COMPLETED');

  // The node is not busy: a new push goes through and replaces version 1.
  const v3 = randomBytes(MiB + 7);
  const third = await push(s, v3);
  expect({ status: third.res.status, body: third.res.body }).toEqual({ status: 201, body: '' });
  expect(await jobPhase(third.jobUrl, s.token)).toBe('COMPLETED');
  expect(await nodeBytes(s.base, s.token, FILE)).toEqual({ length: String(v3.length), md5: md5hex(v3), busy: 'false' });
  const pull3 = await negotiate(s.base, s.token, TARGET, 'pullFromVoSpace', { sync: true });
  expect(await getHashed(endpointOnPort(pull3, s.storagePort))).toEqual({ status: 200, size: v3.length, sha256: sha256(v3) });
  expect(filesUnder(s.staging)).toEqual([]);
  expect(filesUnder(s.root).map((f) => f.size)).toEqual([v3.length]);
}

const each = dirAndDbEachTest('vospace-crash-');

if (usePg) {
  describe('PostgreSQL: a standalone storage server beside the metadata service', () => {
    test('kill -9 of the storage server mid-upload, restart, and the node still has its old bytes and staging is empty', async () => {
      const dir = each.dir();
      const rootDir = path.join(dir, 'storage');
      const stagingDir = path.join(dir, 'staging');
      const [port, inProcessPort, standalonePort] = [await freePort(), await freePort(), await freePort()];
      const space = { host: '127.0.0.1', uri: AUTHORITY, dsn: each.db().dsn, data_dir: path.join(dir, 'unused-db') };
      const mainIni = writeIni(path.join(dir, 'vospace.ini'), { ...space, port, admin_socket: path.join(dir, 'admin.sock') }, { port: inProcessPort, rootDir, stagingDir });
      const storageIni = writeIni(
        path.join(dir, 'storage.ini'),
        { ...space, port: await freePort(), admin_socket: path.join(dir, 'storage-admin.sock') },
        { port: standalonePort, rootDir, stagingDir },
      );
      const token = await userWithToken(mainIni, 'alice');

      const service = await startListening([MAIN, '--config', mainIni]);
      expect(service.url).toBe(`http://127.0.0.1:${port}/vospace`);
      expect(service.proc.stdout).toContain(`storage server: http://127.0.0.1:${inProcessPort}`);
      let storage: Listening = await startListening([STORAGE_MAIN, '--config', storageIni]);
      expect(storage.url).toBe(`http://127.0.0.1:${standalonePort}`);

      // Both storage servers are live: a transfer hands out an endpoint on each.
      const probe = await negotiate(service.url, token, `vos://${AUTHORITY}!vospace/alice/probe`, 'pushToVoSpace', { sync: true });
      expect(probe.endpoints.map((e) => Number(new URL(e).port)).sort()).toEqual([inProcessPort, standalonePort].sort());

      await crashMidUpload({
        base: service.url,
        token,
        storagePort: standalonePort,
        staging: stagingDir,
        root: rootDir,
        victim: () => storage.proc,
        whileDead: async () => {
          // The metadata service is up: the node still describes version 1 while its writer is dead.
          const now = await nodeBytes(service.url, token, FILE);
          expect(now.length).toBe(String(3 * MiB + 12345));
        },
        restart: async () => {
          storage = await startListening([STORAGE_MAIN, '--config', storageIni]);
          expect(storage.url).toBe(`http://127.0.0.1:${standalonePort}`);
        },
      });
      // The metadata service lived through it all.
      expect(service.proc.child.exitCode).toBeNull();
    });
  });
} else {
  describe('embedded database: the storage server inside the service process', () => {
    test('kill -9 of the service (and its storage server) mid-upload, restart on the same data_dir, and the node still has its old bytes and staging is empty', async () => {
      const dir = each.dir();
      const dataDir = each.db().dataDir;
      const rootDir = path.join(dir, 'storage');
      const stagingDir = path.join(dir, 'staging');
      const [port, storagePort] = [await freePort(), await freePort()];
      const ini = writeIni(
        path.join(dir, 'vospace.ini'),
        { host: '127.0.0.1', port, uri: AUTHORITY, dsn: '', data_dir: dataDir, admin_socket: path.join(dir, 'admin.sock') },
        { port: storagePort, rootDir, stagingDir },
      );
      const token = await userWithToken(ini, 'alice');
      const lock = path.join(dataDir, 'vospace.lock');

      let service: Listening = await startListening([MAIN, '--config', ini]);
      expect(service.url).toBe(`http://127.0.0.1:${port}/vospace`);
      expect(service.proc.stdout).toContain(`storage server: http://127.0.0.1:${storagePort}`);
      const firstPid = service.proc.pid;
      expect(fs.readFileSync(lock, 'utf8')).toBe(String(firstPid));

      await crashMidUpload({
        base: service.url,
        token,
        storagePort,
        staging: stagingDir,
        root: rootDir,
        victim: () => service.proc,
        whileDead: async () => {
          // The lock is left behind, naming the dead process.
          expect(fs.readFileSync(lock, 'utf8')).toBe(String(firstPid));
        },
        restart: async () => {
          service = await startListening([MAIN, '--config', ini]);
          expect(service.url).toBe(`http://127.0.0.1:${port}/vospace`);
          // The new process took the stale lock over.
          expect(fs.readFileSync(lock, 'utf8')).toBe(String(service.proc.pid));
        },
      });
    });
  });
}
