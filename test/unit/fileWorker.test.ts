/**
 * WorkerFileWriter (src/storage/fileWorker.ts): the file holds exactly the
 * bytes written and the MD5 is theirs, however they are cut, with background
 * syncs along the way; a request body's chunks are moved to the worker, any
 * other chunk is copied; an existing name is refused; cut short, or refused
 * by the disk part-way, the writer leaves no descriptor open.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { WorkerFileWriter } from '../../src/storage/fileWorker';

const MiB = 1024 * 1024;
let dir: string;
let n = 0;
const fresh = () => path.join(dir, `f${++n}`);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vospace-fileworker-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const cut = (data: Buffer, chunk: number) => {
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk) pieces.push(Buffer.from(data.subarray(i, i + chunk)));
  return pieces;
};
const md5 = (b: Buffer) => createHash('md5').update(b).digest();
const openFds = () => fs.readdirSync('/proc/self/fd').length;

test.each([
  ['nothing', 0, 1, false],
  ['one byte', 1, 1, true],
  ['small chunks', 12_345, 100, false],
  ['socket-sized chunks, past two background syncs', 70 * MiB + 3, 64 * 1024, true],
  ['chunks larger than a batch', 9 * MiB + 1, 5 * MiB, true],
])('%s: the file holds exactly the bytes, and their MD5 is reported', async (_name, size, chunk, adopt) => {
  const file = fresh();
  const data = randomBytes(size);
  const writer = new WorkerFileWriter(file, adopt);
  await pipeline(Readable.from(cut(data, chunk)), writer);
  expect(fs.readFileSync(file).equals(data)).toBe(true);
  expect(writer.digest().md5.equals(md5(data))).toBe(true);
  expect(writer.digest().size).toBe(size);
});

test('files written at the same time keep their own bytes and digests', async () => {
  const all = [randomBytes(3 * MiB), randomBytes(4 * MiB + 1), randomBytes(10)];
  const files = all.map(() => fresh());
  const writers = all.map((_d, i) => new WorkerFileWriter(files[i], i % 2 === 0));
  await Promise.all(all.map((d, i) => pipeline(Readable.from(cut(d, 1000 + i * 65_536)), writers[i])));
  all.forEach((d, i) => {
    expect(fs.readFileSync(files[i]).equals(d)).toBe(true);
    expect(writers[i].digest().md5.equals(md5(d))).toBe(true);
  });
});

test("a request body's chunks are moved to the worker, not copied", async () => {
  const data = randomBytes(4 * MiB);
  const seen: Buffer[] = [];
  const file = fresh();
  let writer!: WorkerFileWriter;
  const server = http.createServer((req, res) => {
    const spy = new PassThrough();
    spy.on('data', (c: Buffer) => seen.push(c));
    writer = new WorkerFileWriter(file, true);
    pipeline(req, spy, writer).then(() => res.end('ok'), (e: Error) => res.destroy(e));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await fetch(`http://127.0.0.1:${port}/`, { method: 'PUT', body: data });
  server.close();
  expect(fs.readFileSync(file).equals(data)).toBe(true);
  expect(writer.digest().md5.equals(md5(data))).toBe(true);
  // Moved: what the main thread held is now empty.
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.every((c) => c.byteLength === 0)).toBe(true);
});

test('chunks not handed over, or sharing memory, are copied and left as they were', async () => {
  const data = randomBytes(MiB);
  const pieces = cut(data, 64 * 1024);
  const small = Buffer.from('a slice of the shared pool');
  await pipeline(Readable.from([...pieces]), new WorkerFileWriter(fresh(), false));
  await pipeline(Readable.from([small]), new WorkerFileWriter(fresh(), true));
  expect(Buffer.concat(pieces).equals(data)).toBe(true);
  expect(small.toString()).toBe('a slice of the shared pool');
});

test('a name that exists is refused, and left as it was', async () => {
  const file = fresh();
  fs.writeFileSync(file, 'before');
  await expect(pipeline(Readable.from([Buffer.from('after')]), new WorkerFileWriter(file))).rejects.toMatchObject({ code: 'EEXIST' });
  expect(fs.readFileSync(file, 'utf8')).toBe('before');
});

test('cut short, it fails and closes its file', async () => {
  await pipeline(Readable.from([Buffer.from('warm')]), new WorkerFileWriter(fresh()));
  const before = openFds();
  let sent = 0;
  const failing = new Readable({
    read() {
      if (sent++ < 100) this.push(randomBytes(64 * 1024));
      else this.destroy(new Error('the client went away'));
    },
  });
  const writer = new WorkerFileWriter(fresh(), true);
  await expect(pipeline(failing, writer)).rejects.toThrow('the client went away');
  await new Promise((resolve) => (writer.closed ? resolve(undefined) : writer.once('close', resolve)));
  expect(openFds()).toBe(before);
  expect(() => writer.digest()).toThrow();
});

// The disk refusing bytes part-way, for real: a child process whose file size limit (ulimit -f)
// is 20 MiB writes 64 MiB, so that writes fail while others are in flight. It runs the built
// writer (dist/, which `npm test` builds first).
const REFUSED = `
const fs = require('node:fs');
const { Readable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { WorkerFileWriter } = require(process.argv[2]);
const fds = () => fs.readdirSync('/proc/self/fd').length;
function* mebibytes() { for (let i = 0; i < 64; i++) yield Buffer.alloc(1024 * 1024, i); }
let before, writer;
// A first file starts the worker thread, whose own descriptors stay.
pipeline(Readable.from([Buffer.from('warm')]), new WorkerFileWriter(process.argv[1] + '.warm')).then(() => {
  before = fds();
  writer = new WorkerFileWriter(process.argv[1], true);
  return pipeline(Readable.from(mebibytes()), writer);
}).then(
  () => console.log(JSON.stringify({ stored: writer.digest().size })),
  (e) => {
    const report = () => console.log(JSON.stringify({ code: e.code, leftOpen: fds() - before }));
    if (writer.closed) report();
    else writer.once('close', report);
  },
);
`;

test('refused by the disk part-way, it fails with the disk\'s error, closes its file, and lets the process exit', () => {
  const file = fresh();
  const dist = path.resolve(__dirname, '../../dist/src/storage/fileWorker.js');
  const r = spawnSync('bash', ['-c', 'ulimit -f 20480 && exec "$0" -e "$1" "$2" "$3"', process.execPath, REFUSED, file, dist], { encoding: 'utf8', timeout: 30_000 });
  expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  expect(JSON.parse(r.stdout)).toEqual({ code: 'EFBIG', leftOpen: 0 });
  expect(fs.statSync(file).size).toBeLessThanOrEqual(20 * MiB);
});
