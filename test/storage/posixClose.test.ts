/**
 * The posix backends of a process share one file worker thread; closing the
 * last of them ends it, and a backend made later starts another. A file of
 * its own: backends the other files make and never close would hold it.
 * Threads are counted in /proc/self/task (Linux).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PosixBackend } from '../../src/storage/posixBackend';
import { TEST_ROOT } from '../helpers/db';

const dir = path.join(TEST_ROOT, `posix-close-${process.pid}-${Date.now()}`);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const threads = () => fs.readdirSync('/proc/self/task').length;
const open = (name: string) => new PosixBackend({ rootDir: path.join(dir, name, 'root'), stagingDir: path.join(dir, name, 'staging') });

/** Stores a small body whole: a request to the worker, which starts it if it is not running. */
async function use(b: PosixBackend, nodeId: number): Promise<void> {
  const location = await b.storeWhole(`job${nodeId}`, Buffer.from('bytes'), nodeId);
  expect(await b.size(location)).toBe(5);
}

/** The thread count once it has dropped below `than` (a terminated thread is joined shortly after), or what it is after 5 s. */
async function threadsBelow(than: number): Promise<number> {
  for (let i = 0; i < 100 && threads() >= than; i++) await new Promise((ok) => setTimeout(ok, 50));
  return threads();
}

test('the file worker runs while a posix backend holds it, ends with the last close, and starts again for a new backend', async () => {
  const a = open('a');
  const b = open('b');
  await use(a, 1);
  const running = threads();
  await use(b, 2);
  expect(threads()).toBe(running); // one thread for both
  await a.close();
  await use(b, 3); // b still holds it
  expect(threads()).toBe(running);
  await b.close();
  await b.close(); // a second close lets go of nothing more
  expect(await threadsBelow(running)).toBeLessThan(running);
  const c = open('c');
  await use(c, 4);
  expect(threads()).toBe(running);
  await c.close();
  expect(await threadsBelow(running)).toBeLessThan(running);
});
