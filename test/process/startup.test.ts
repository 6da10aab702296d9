/**
 * Starting `npm start` (node dist/src/main.js): the API answers only once
 * crash recovery has run, and the admin socket gets a directory to live in
 * (or start-up says plainly why it cannot have one).
 */
import fs from 'node:fs';
import path from 'node:path';
import { usePg } from '../helpers/db';
import { writeIni } from '../helpers/ini';
import { MAIN, cliOk, exitWithin, freePort, kill9, launch, startListening, userWithToken } from '../helpers/processes';
import { MiB, negotiate, putStream, sleep } from '../helpers/client';
import { dirAndDbEachTest, filesUnder, generate, waitFor } from './procs';

jest.setTimeout(120_000);

const AUTHORITY = 'startup.example.org';

const each = dirAndDbEachTest('vospace-startup-');

/** [Space] keys for this test's database; data_dir is where the embedded one lives (or, with a dsn, an unused path). */
function space(extra: Record<string, string | number> = {}): Record<string, string | number> {
  return { host: '127.0.0.1', uri: AUTHORITY, dsn: each.db().dsn, data_dir: each.db().dataDir || path.join(each.dir(), 'unused', 'db'), ...extra };
}

test('right after a restart, the first answer about a job the crash cut already says ERROR', async () => {
  const [port, storagePort] = [await freePort(), await freePort()];
  const ini = writeIni(path.join(each.dir(), 'vospace.ini'), space({ port, admin_socket: path.join(each.dir(), 'admin.sock') }), {
    port: storagePort,
    rootDir: path.join(each.dir(), 'storage'),
    stagingDir: path.join(each.dir(), 'staging'),
  });
  const token = await userWithToken(ini, 'alice');
  const first = await startListening([MAIN, '--config', ini]);
  const n = await negotiate(first.url, token, `vos://${AUTHORITY}!vospace/alice/cut.bin`, 'pushToVoSpace', { sync: true });
  const upload = putStream(n.endpoints[0], generate(64 * MiB, { delayMs: 20 }).chunks, 64 * MiB).catch(() => undefined);
  await waitFor('bytes in staging', () => (filesUnder(path.join(each.dir(), 'staging'))[0]?.size ?? 0) > MiB || undefined, 30_000);
  await kill9(first.proc);
  await upload;

  // Ask from the moment the new process starts: whatever answers first must already know.
  const second = launch([MAIN, '--config', ini]);
  let first200: string | undefined;
  const until = Date.now() + 30_000;
  while (!first200 && Date.now() < until) {
    const r = await fetch(`${n.jobUrl}/phase`, { headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
    if (r?.status === 200) first200 = (await r.text()).trim();
    else await sleep(2);
  }
  // Still running (and, should it not be, what it said on the way out).
  expect({ exitCode: second.child.exitCode, stderr: second.stderr.slice(-2000) }).toMatchObject({ exitCode: null });
  expect(first200).toBe('ERROR');
});

test('a default admin socket whose directory does not exist yet: the directory is made, for the owner only', async () => {
  const port = await freePort();
  // With a dsn, nothing else makes data_dir; the default socket is <data_dir>.sock beside it.
  const socketDir = path.join(each.dir(), 'missing', 'deeper');
  const settings = usePg ? space({ port, data_dir: path.join(socketDir, 'db') }) : space({ port, admin_socket: path.join(socketDir, 'db.sock') });
  const ini = writeIni(path.join(each.dir(), 'vospace.ini'), settings, { port: await freePort(), rootDir: path.join(each.dir(), 'storage'), stagingDir: path.join(each.dir(), 'staging') });
  const running = await startListening([MAIN, '--config', ini]);
  const socket = path.join(socketDir, 'db.sock');
  expect(fs.statSync(socket).isSocket()).toBe(true);
  expect(fs.statSync(socketDir).mode & 0o777).toBe(0o700);
  expect(fs.statSync(path.dirname(socketDir)).mode & 0o777).toBe(0o700);
  // The CLI reaches the running service through it.
  await cliOk(ini, ['user', 'add', 'bob']);
  expect(JSON.parse((await cliOk(ini, ['user', 'list'])).stdout).map((u: { name: string }) => u.name)).toEqual(['bob']);
  expect(running.proc.child.exitCode).toBeNull();
});

test('an admin socket that cannot be made: start-up fails, naming the path and why', async () => {
  const file = path.join(each.dir(), 'a-file');
  fs.writeFileSync(file, '');
  const socket = path.join(file, 'admin.sock');
  const port = await freePort();
  const ini = writeIni(path.join(each.dir(), 'vospace.ini'), space({ port, admin_socket: socket }), { port: await freePort(), rootDir: path.join(each.dir(), 'storage'), stagingDir: path.join(each.dir(), 'staging') });
  const p = launch([MAIN, '--config', ini]);
  const { code } = await exitWithin(p, 30_000);
  expect(code).toBe(1);
  expect(p.stderr).toContain(`cannot make the admin socket ${socket}: a part of the path is not a directory`);
  expect(p.stderr).not.toMatch(/EACCES/);
  // Nothing was left listening.
  const r = await fetch(`http://127.0.0.1:${port}/vospace/availability`).catch(() => undefined);
  expect(r).toBeUndefined();
});
