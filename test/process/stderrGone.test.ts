/**
 * A service (node dist/src/main.js) whose stderr, where its log goes, stops
 * taking lines: its reader gone (a log shipper or a supervisor's pipe that
 * died: EPIPE) or no longer reading (the pipe full). It goes on answering,
 * and a SIGTERM still ends it, exit 0. Before src/log.ts wrote through
 * sonic-boom itself, the flush at exit tried the last lines again every
 * 100 ms forever, and the process never went.
 */
import path from 'node:path';
import { sleep } from '../helpers/client';
import { writeIni } from '../helpers/ini';
import { MAIN, exitWithin, freePort, startListening, userWithToken, type Listening } from '../helpers/processes';
import { dirAndDbEachTest } from './procs';

jest.setTimeout(60_000);

const each = dirAndDbEachTest('vospace-stderr-');

async function service(): Promise<{ svc: Listening; token: string }> {
  const dir = each.dir();
  const ini = writeIni(
    path.join(dir, 'vospace.ini'),
    { host: '127.0.0.1', port: await freePort(), uri: 'stderr.example.org', dsn: each.db().dsn, data_dir: each.db().dataDir || path.join(dir, 'unused-db'), admin_socket: path.join(dir, 'admin.sock') },
    { port: await freePort() },
  );
  const token = await userWithToken(ini, 'alice');
  const svc = await startListening([MAIN, '--config', ini]);
  // Past a periodic flush of the log (250 ms): the lines so far went out while the pipe was read.
  await sleep(600);
  return { svc, token };
}

/** N GETs of alice's node, 8 at a time; the statuses seen. */
async function gets(svc: Listening, token: string, n: number): Promise<Set<number>> {
  const seen = new Set<number>();
  let left = n;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (left-- > 0) {
        const res = await fetch(`${svc.url}/nodes/alice?detail=min`, { headers: { authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        seen.add(res.status);
      }
    }),
  );
  return seen;
}

/** Our end of its stdout and stderr closed: its next writes to them fail (EPIPE). */
function readerGone(svc: Listening): void {
  svc.proc.child.stdout!.destroy();
  svc.proc.child.stderr!.destroy();
}

/** SIGTERM, and how it exits (within MS, or the test fails). */
function sigterm(svc: Listening, ms: number) {
  svc.proc.child.kill('SIGTERM');
  return exitWithin(svc.proc, ms);
}

test('its reader gone while the service was idle: a SIGTERM right after still ends it, exit 0', async () => {
  const { svc } = await service();
  readerGone(svc);
  expect(await sigterm(svc, 10_000)).toEqual({ code: 0, signal: null });
});

test('its reader gone: requests are still answered, and a SIGTERM ends it, exit 0', async () => {
  const { svc, token } = await service();
  readerGone(svc);
  expect([...(await gets(svc, token, 300))]).toEqual([200]);
  expect(await sigterm(svc, 10_000)).toEqual({ code: 0, signal: null });
});

test('its reader no longer reading: requests are still answered, and a SIGTERM ends it within seconds, exit 0', async () => {
  const { svc, token } = await service();
  svc.proc.child.stdout!.pause();
  svc.proc.child.stderr!.pause();
  // ~250 bytes of log a request: more than the pipe holds, so the service's log waits on it
  expect([...(await gets(svc, token, 3000))]).toEqual([200]);
  const signalled = Date.now();
  expect(await sigterm(svc, 15_000)).toEqual({ code: 0, signal: null });
  // within seconds: the flush at exit gives its last lines up (src/log.ts EXIT_RETRIES)
  expect(Date.now() - signalled).toBeLessThan(10_000);
});
