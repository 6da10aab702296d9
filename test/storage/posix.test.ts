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
