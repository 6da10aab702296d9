/**
 * The S3 backend on a lighter server that refuses calls: s3rver 3.7 answers
 * AbortMultipartUpload with 405 and UploadPartCopy (and ListMultipartUploads)
 * with 501. Transfers still succeed; each refusal is logged.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { S3Backend, type S3Options } from '../../src/storage/s3Backend';

const MiB = 1024 * 1024;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vospace-s3rver-'));
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
let endpoint: string;
let warnings: { msg: string; detail: Record<string, unknown> }[] = [];
const open: S3Backend[] = [];

function backend(extra: Partial<S3Options> = {}): S3Backend {
  const b = new S3Backend({
    endpoint,
    bucket: 'vospace',
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
    warn: (msg, detail) => warnings.push({ msg, detail }),
    ...extra,
  });
  open.push(b);
  return b;
}

beforeAll(async () => {
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  await backend().client.send(new CreateBucketCommand({ Bucket: 'vospace' }));
});
beforeEach(() => (warnings = []));
afterAll(async () => {
  for (const b of open) await b.close();
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function readAll(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

test('an upload (multipart: 40 MiB in 16 MiB parts) and a small copy work as on any store, with no warning', async () => {
  const b = backend();
  const data = randomBytes(40 * MiB);
  const staged = await b.stage('jobPlain');
  await pipeline(Readable.from([data]), staged.stream);
  expect(staged.stored().md5.toString('hex')).toBe(createHash('md5').update(data).digest('hex'));
  const location = await b.commit(staged.ref, 1);
  expect((await readAll(await b.read(await b.copy(location, 2)))).equals(data)).toBe(true);
  expect(await b.listStaged()).toEqual([]);
  expect(warnings).toEqual([]);
});

test('a copy above the CopyObject limit streams when UploadPartCopy is refused (501), and the refusal is logged', async () => {
  const b = backend({ prefix: 'partcopy/', copyObjectLimit: 5 * MiB, copyPartSize: 5 * MiB });
  const data = randomBytes(12 * MiB + 1);
  const staged = await b.stage('jobCopy');
  await pipeline(Readable.from([data]), staged.stream);
  const location = await b.commit(staged.ref, 1);
  const copied = await b.copy(location, 2);
  expect(copied).not.toBe(location);
  expect((await readAll(await b.read(copied))).equals(data)).toBe(true);
  expect(await b.size(copied)).toBe(data.length);
  // The part copy's multipart upload is aborted first (refused: 405), then the refusal of UploadPartCopy (501) is logged.
  expect(warnings).toEqual([
    { msg: expect.stringContaining('refused AbortMultipartUpload'), detail: expect.objectContaining({ status: 405 }) },
    { msg: expect.stringContaining('refused UploadPartCopy'), detail: expect.objectContaining({ status: 501 }) },
  ]);
});

test('a discarded upload whose abort is refused (405) leaves no object and no marker, and the refusal is logged', async () => {
  const b = backend({ prefix: 'abort/' });
  const before = partFiles();
  const staged = await b.stage('jobAbort');
  staged.stream.on('error', () => undefined);
  staged.stream.write(randomBytes(20 * MiB));
  // Until the first part is up, so that a multipart upload is open.
  for (let i = 0; i < 100 && partFiles() === before; i++) await new Promise((ok) => setTimeout(ok, 100));
  expect(partFiles()).toBeGreaterThan(before);
  staged.stream.destroy(new Error('client went away'));
  await b.discard(staged.ref);
  await expect(b.size(`objects/${staged.ref}`)).rejects.toThrow();
  expect(await b.listStaged()).toEqual([]);
  const listed = await b.client.send(new ListObjectsV2Command({ Bucket: 'vospace', Prefix: 'abort/' }));
  expect(listed.Contents ?? []).toEqual([]);
  expect(warnings.map((w) => [w.msg.replace(/;.*/, ''), w.detail.status])).toEqual(
    expect.arrayContaining([['s3: the server refused ListMultipartUploads', 501]]),
  );
});

/** Parts s3rver holds for multipart uploads (files uploads/<upload id>/<part number> in its directory). */
function partFiles(): number {
  return fs.readdirSync(dir, { recursive: true }).filter((f) => /uploads.*[/\\][0-9]+$/.test(String(f))).length;
}
