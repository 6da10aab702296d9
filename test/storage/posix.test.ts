import fs from 'node:fs';
import path from 'node:path';
import { PosixBackend } from '../../src/storage/posixBackend';
import { TEST_ROOT } from '../helpers/db';
import { conformance } from './conformance';

const dir = path.join(TEST_ROOT, `posix-conformance-${process.pid}-${Date.now()}`);
const open = () => new PosixBackend({ rootDir: path.join(dir, 'root'), stagingDir: path.join(dir, 'staging') });

conformance(
  'posix',
  async () => ({ backend: open(), reopen: async () => open() }),
  async () => fs.rmSync(dir, { recursive: true, force: true }),
);

describe('posix: placing files durably on the worker', () => {
  const root = path.join(dir, 'fail', 'root');
  const staging = path.join(dir, 'fail', 'staging');
  let b: PosixBackend;
  beforeAll(() => {
    b = new PosixBackend({ rootDir: root, stagingDir: staging });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // Node 0x13's objects go under root/13/: a file there stops mkdir.
  const blockDirectoryOf = (nodeId: number) => fs.writeFileSync(path.join(root, (nodeId % 256).toString(16).padStart(2, '0')), 'in the way');

  test('storeWhole that cannot place its file fails, and leaves neither a staged nor a placed file', async () => {
    blockDirectoryOf(0x13);
    await expect(b.storeWhole('jobBlocked', Buffer.from('small body'), 0x13)).rejects.toThrow(/EEXIST|ENOTDIR/);
    expect(fs.readdirSync(staging)).toEqual([]);
    expect(fs.readdirSync(root)).toEqual(['13']);
  });

  test('a commit that cannot place its staged file fails and keeps it staged (the caller discards it)', async () => {
    blockDirectoryOf(0x14);
    const staged = await b.stage('jobBlocked2');
    staged.stream.end(Buffer.from('bytes'));
    await new Promise((ok) => staged.stream.once('finish', ok));
    await expect(b.commit(staged.ref, 0x14)).rejects.toThrow(/EEXIST|ENOTDIR/);
    expect(fs.readdirSync(staging)).toEqual([staged.ref]);
    await b.discard(staged.ref);
  });

  test('storeWhole writes the file and syncs its name into a new directory', async () => {
    const location = await b.storeWhole('jobNewDir', Buffer.from('fresh'), 0x15);
    expect(location.startsWith('15/')).toBe(true);
    expect(fs.readFileSync(path.join(root, location), 'utf8')).toBe('fresh');
  });
});
