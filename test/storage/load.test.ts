/**
 * `[Storage] name` chooses the backend (src/storage/load.ts): posix, s3 or
 * a module. Unknown names and bad s3 parameters stop the start with a
 * message that says what to write instead; a module backend serves real
 * transfers.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseConfig } from '../../src/config';
import { loadBackend } from '../../src/storage/load';
import { PosixBackend } from '../../src/storage/posixBackend';
import { TEST_ROOT } from '../helpers/db';
import { startTestService } from '../helpers/service';
import { pull, push } from '../helpers/client';

const dir = path.join(TEST_ROOT, `load-${process.pid}-${Date.now()}`);
fs.mkdirSync(dir, { recursive: true });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The [Storage] configuration of an INI with these keys. */
function storage(name: string | undefined, parameters: Record<string, unknown> = {}) {
  const lines = ['[Storage]', ...(name === undefined ? [] : [`name = ${name}`])];
  lines.push(`parameters = ${JSON.stringify({ root_dir: path.join(dir, 'root'), staging_dir: path.join(dir, 'staging'), ...parameters })}`);
  return parseConfig(lines.join('\n')).storage;
}

// A backend module as a deployment would write one: it keeps files through the built posix
// backend and counts the uploads it commits in a file, so the test sees it was the one used
// (small bodies come in whole, through storeWhole, larger ones staged and committed).
const built = path.resolve(__dirname, '..', '..', 'dist', 'src', 'storage', 'posixBackend.js');
const BACKEND = (exportLine: string) => `
const fs = require('node:fs');
const path = require('node:path');
const { PosixBackend } = require(${JSON.stringify(built)});
class CountingBackend extends PosixBackend {
  constructor(config) {
    super({ rootDir: config.rootDir, stagingDir: config.stagingDir });
    this.name = 'counting';
    this.log = path.join(config.rootDir, '..', 'commits.log');
  }
  async commit(ref, nodeId) {
    fs.appendFileSync(this.log, 'commit ' + nodeId + '\\n');
    return super.commit(ref, nodeId);
  }
  async storeWhole(jobId, data, nodeId) {
    fs.appendFileSync(this.log, 'whole ' + nodeId + '\\n');
    return super.storeWhole(jobId, data, nodeId);
  }
}
${exportLine}
`;

describe('[Storage] name', () => {
  test('posix is the default', async () => {
    expect(await loadBackend(storage(undefined))).toBeInstanceOf(PosixBackend);
    expect((await loadBackend(storage('posix'))).name).toBe('posix');
  });

  test('an unknown name stops the start, naming the choices', async () => {
    await expect(loadBackend(storage('nfs'))).rejects.toThrow('[Storage] name = nfs is not a backend: use posix, s3, or the path of a module (./my-backend.js)');
    await expect(startTestService({ storage: { name: 'S3' } })).rejects.toThrow(/name = S3 is not a backend: use posix, s3/);
  });

  test('a module exporting createBackend, or a default class, is the backend', async () => {
    const cjs = path.join(dir, 'counting.cjs');
    fs.writeFileSync(cjs, BACKEND('exports.createBackend = (config) => new CountingBackend(config);'));
    const cls = path.join(dir, 'counting-class.js');
    fs.writeFileSync(cls, BACKEND('module.exports = CountingBackend;'));
    expect((await loadBackend(storage(cjs))).name).toBe('counting');
    expect((await loadBackend(storage(cls))).name).toBe('counting');
  });

  test('a module backend serves transfers', async () => {
    const file = path.join(dir, 'served.cjs');
    fs.writeFileSync(file, BACKEND('exports.createBackend = (config) => new CountingBackend(config);'));
    const t = await startTestService({ storage: { name: file } });
    try {
      const token = await t.user('alice');
      const small = Buffer.from('kept by a module backend');
      const large = Buffer.alloc(65 * 1024, 'x');
      await push(t, token, 'alice/m.txt', small);
      await push(t, token, 'alice/big.txt', large);
      expect((await pull(t, token, 'alice/m.txt')).equals(small)).toBe(true);
      expect((await pull(t, token, 'alice/big.txt')).equals(large)).toBe(true);
      const log = fs.readFileSync(path.join(t.dirs.root, '..', 'commits.log'), 'utf8').trim().split('\n');
      expect(log.map((l) => l.split(' ')[0])).toEqual(['whole', 'commit']);
      const objects = await t.objects();
      expect(objects).toHaveLength(2);
      const stored = await Promise.all(objects.map((o) => t.bytes(o)));
      expect(stored.some((b) => b.equals(small)) && stored.some((b) => b.equals(large))).toBe(true);
      expect(await t.staged()).toEqual([]);
    } finally {
      await t.close();
    }
  });

  test('a module that cannot be loaded, or gives no backend, stops the start saying why', async () => {
    await expect(loadBackend(storage(path.join(dir, 'missing.cjs')))).rejects.toThrow(/missing\.cjs could not be loaded/);
    const broken = path.join(dir, 'broken.cjs');
    fs.writeFileSync(broken, 'this is not javascript');
    await expect(loadBackend(storage(broken))).rejects.toThrow(/broken\.cjs could not be loaded/);
    const empty = path.join(dir, 'empty.cjs');
    fs.writeFileSync(empty, 'exports.nothing = 1;\n');
    await expect(loadBackend(storage(empty))).rejects.toThrow(/gives no StorageBackend: export createBackend\(storageConfig\) or a default class/);
    const partial = path.join(dir, 'partial.cjs');
    fs.writeFileSync(partial, 'exports.createBackend = () => ({ name: "half", stage() {}, commit() {} });\n');
    await expect(loadBackend(storage(partial))).rejects.toThrow(/whose object has stage, commit, discard, read, size, copy, remove, listStaged, freeSpace/);
  });
});

describe('[Storage] name = s3: parameters', () => {
  const s3 = { bucket: 'vospace', endpoint: 'http://127.0.0.1:9', access_key_id: 'k', secret_access_key: 's' };
  const bad: [string, Record<string, unknown>, string][] = [
    ['no bucket', { ...s3, bucket: undefined }, 'configuration: [Storage] name = s3 needs parameters.bucket'],
    ['a bucket that is not a string', { ...s3, bucket: 7 }, 'configuration: [Storage] parameters.bucket must be a string'],
    ['an endpoint with a path', { ...s3, endpoint: 'http://127.0.0.1:9000/s3' }, 'parameters.endpoint = http://127.0.0.1:9000/s3 is not an http(s)://host[:port] URL'],
    ['an endpoint without a scheme', { ...s3, endpoint: '127.0.0.1:9000' }, 'is not an http(s)://host[:port] URL'],
    ['a key without its secret', { ...s3, secret_access_key: undefined }, 'parameters.access_key_id and secret_access_key go together'],
    ['a secret without its key', { ...s3, access_key_id: '' }, 'parameters.access_key_id and secret_access_key go together'],
    ['force_path_style as a string', { ...s3, force_path_style: 'yes' }, 'parameters.force_path_style must be true or false'],
    ['a prefix without a final /', { ...s3, prefix: 'space1' }, 'parameters.prefix = space1 must end with /'],
    ['a prefix with a space', { ...s3, prefix: 'my space/' }, 'must end with / and hold only letters, digits and . _ - /'],
  ];
  test.each(bad)('%s stops the start', async (_, parameters, message) => {
    await expect(loadBackend(storage('s3', parameters))).rejects.toThrow(message);
  });

  test('a store that cannot be reached stops the start', async () => {
    // A port that was free a moment ago: nothing answers there.
    const srv = net.createServer();
    await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((ok) => srv.close(ok));
    await expect(loadBackend(storage('s3', { ...s3, endpoint: `http://127.0.0.1:${port}` }))).rejects.toThrow(/\[Storage\] s3: bucket vospace cannot be reached/);
  });
});
