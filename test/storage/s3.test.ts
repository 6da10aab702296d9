/**
 * The conformance suite on the S3 backend against a real Ceph RADOS Gateway
 * (the run's, from jest.s3.config.js, or one started here), plus what only
 * an object store has: multipart uploads left open, UploadPartCopy, the
 * bucket checked at start.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AbortMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { S3Backend, partSizes, type S3Options } from '../../src/storage/s3Backend';
import { S3ObjectWriter } from '../../src/storage/s3ObjectWriter';
import { newBucket, s3Client, sharedRgw, startRgw, stopRgw, type Rgw } from '../helpers/rgw';
import { conformance } from './conformance';

let g: Rgw;
let own = false;
let bucket: string;
const warnings: string[] = [];

async function gateway(): Promise<Rgw> {
  if (!g) {
    const shared = sharedRgw();
    own = !shared;
    g = shared ?? (await startRgw());
    bucket = await newBucket(g);
  }
  return g;
}

const options = (extra: Partial<S3Options> = {}): S3Options => ({
  endpoint: g.endpoint,
  bucket,
  region: 'us-east-1',
  accessKeyId: g.accessKeyId,
  secretAccessKey: g.secretAccessKey,
  forcePathStyle: true,
  prefix: 'conformance/',
  warn: (msg) => warnings.push(msg),
  ...extra,
});

// The gateway first, given the time its start may take on a loaded machine (rgwGateway.cjs waits up to
// 120 s): the conformance suite's own hooks have the suites' 60 s (jest.config.js), which a start under
// the disk load of the other suites has exceeded.
beforeAll(gateway, 150_000);
afterAll(async () => {
  if (own) await stopRgw(g);
});

conformance(
  's3 (Ceph RGW)',
  async () => {
    await gateway();
    return { backend: new S3Backend(options()), reopen: async () => new S3Backend(options()) };
  },
  async () => undefined,
);

describe('S3 backend on Ceph RGW', () => {
  test('a discarded upload leaves no open multipart upload and no object', async () => {
    const b = new S3Backend(options({ prefix: 'abort/' }));
    const staged = await b.stage('jobAbort');
    staged.stream.on('error', () => undefined);
    staged.stream.write(randomBytes(20 * 1024 * 1024));
    await new Promise((ok) => setTimeout(ok, 1000));
    staged.stream.destroy(new Error('client went away'));
    await b.discard(staged.ref);
    const open = await b.client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'abort/' }));
    expect(open.Uploads ?? []).toEqual([]);
    await expect(b.size(`objects/${staged.ref}`)).rejects.toThrow();
    expect(await b.listStaged()).toEqual([]);
  });

  test('a discard while the last request stores the object leaves no object behind', async () => {
    const b = new S3Backend(options({ prefix: 'late/' }));
    for (let i = 0; i < 3; i++) {
      const staged = await b.stage('jobLate', { length: 1024 * 1024 });
      staged.stream.on('error', () => undefined);
      staged.stream.end(randomBytes(1024 * 1024));
      // The body is shorter than a part: its PutObject is under way.
      await new Promise((ok) => setImmediate(ok));
      await b.discard(staged.ref);
      await expect(b.size(`objects/${staged.ref}`)).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    }
    expect(await b.listStaged()).toEqual([]);
  });

  test('objects above the CopyObject limit copy part by part (UploadPartCopy)', async () => {
    const MiB = 1024 * 1024;
    const b = new S3Backend(options({ prefix: 'partcopy/', copyObjectLimit: 5 * MiB, copyPartSize: 5 * MiB }));
    const data = randomBytes(12 * MiB + 1);
    const staged = await b.stage('jobPartCopy');
    await pipeline(Readable.from([data]), staged.stream);
    const location = await b.commit(staged.ref, 1);
    const copied = await b.copy(location, 2);
    const parts: Buffer[] = [];
    for await (const c of await b.read(copied)) parts.push(c as Buffer);
    expect(Buffer.concat(parts).equals(data)).toBe(true);
    expect(warnings).toEqual([]);
  });

  test('an upload is written in parts of 5 MiB, its length known or not; parts grow where 10 000 would not hold it', async () => {
    const MiB = 1024 * 1024;
    const b = new S3Backend(options({ prefix: 'parts/' }));
    const data = randomBytes(20 * MiB + 1);
    /** The parts the object was written in: a multipart ETag ends in -N. */
    const parts = async (length?: number) => {
      const staged = await b.stage(`jobParts${length ?? 'Unknown'}`, { length });
      await pipeline(Readable.from([data.subarray(0, 7 * MiB), data.subarray(7 * MiB)]), staged.stream);
      const location = await b.commit(staged.ref, 1);
      const head = await b.client.send(new HeadObjectCommand({ Bucket: bucket, Key: `parts/${location}` }));
      expect(head.ContentLength).toBe(data.length);
      return Number(/-(\d+)"?$/.exec(head.ETag ?? '')?.[1]);
    };
    expect(await parts(data.length)).toBe(5);
    expect(await parts(undefined)).toBe(5);
    // Past 10 000 parts of 5 MiB (49 GiB), the parts grow: S3 takes no more than 10 000.
    expect(partSizes(100e9)(1)).toBe(10_000_000);
    expect(partSizes(100e9)(10_000) * 10_000).toBeGreaterThanOrEqual(100e9);
    // Of unknown length, they double every 1000 parts: 10 000 hold 4.9 TiB, nearly S3's largest object (5 TiB).
    const chunked = partSizes(undefined);
    expect([1, 1000, 1001, 2001, 10_000].map(chunked)).toEqual([5, 5, 10, 20, 2560].map((m) => m * MiB));
    let total = 0;
    for (let n = 1; n <= 10_000; n++) total += chunked(n);
    expect(total).toBeGreaterThan(0.97 * 5 * 2 ** 40);
    expect(chunked(10_000)).toBeLessThanOrEqual(5 * 2 ** 30); // S3's largest part
  });

  test('start-up checks the bucket and the credentials', async () => {
    await expect(new S3Backend(options()).check()).resolves.toBeUndefined();
    await expect(new S3Backend(options({ bucket: 'no-such-bucket-here' })).check()).rejects.toThrow('bucket no-such-bucket-here does not exist');
    await expect(new S3Backend(options({ secretAccessKey: 'wrong' })).check()).rejects.toThrow(/refuses these credentials|cannot be reached/);
  });

  test('the gateway checks signatures: a client with a wrong secret is refused', async () => {
    const bad = s3Client({ ...g, secretAccessKey: 'wrong' });
    const refused = await bad.send(new ListMultipartUploadsCommand({ Bucket: bucket })).catch((e: { $metadata: { httpStatusCode: number } }) => e);
    expect(refused).toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });
});

describe('S3ObjectWriter on Ceph RGW', () => {
  const MiB = 1024 * 1024;
  let client: S3Client;
  beforeAll(() => {
    client = s3Client(g);
  });
  afterAll(() => client.destroy());
  const writer = (key: string, partSize = (_n: number) => 5 * MiB) => new S3ObjectWriter({ client, bucket, key: `writer/${key}`, partSize, queueSize: 2, hash: true });
  /** Chunks of `size` bytes (the last shorter), as a socket would deliver them. */
  const chunks = (data: Buffer, size: number) => Readable.from(Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, (i + 1) * size)));
  const stored = async (key: string) => {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `writer/${key}` }));
    return { bytes: Buffer.from(await out.Body!.transformToByteArray()), parts: Number(/-(\d+)"?$/.exec(out.ETag ?? '')?.[1] ?? 0) };
  };

  test.each([
    ['empty', 0, 1000, 0],
    ['shorter than a part', 3 * MiB + 5, 1000, 0],
    ['two whole parts', 10 * MiB, 65536, 2],
    ['five parts, the last short, in odd chunks', 23 * MiB + 7, 65537, 5],
    ['one chunk of several parts', 12 * MiB, 12 * MiB, 3],
  ])('%s: stored whole, in the parts its length asks, with its MD5', async (name, length, chunk, parts) => {
    const data = randomBytes(length);
    const w = writer(name);
    await pipeline(chunks(data, chunk), w);
    const got = await stored(name);
    expect(got.bytes.equals(data)).toBe(true);
    expect(got.parts).toBe(parts);
    expect(w.size).toBe(length);
    expect(w.md5().equals(createHash('md5').update(data).digest())).toBe(true);
    // Buffers are filled again once their part is stored: one filling and two in flight at most.
    expect(w.partBuffers).toBeLessThanOrEqual(3);
  });

  test('parts that grow: buffers of the smaller size are let go, never more than three held', async () => {
    const data = randomBytes(23 * MiB + 7);
    const w = writer('growing', (n) => (n <= 2 ? 5 : 6) * MiB);
    await pipeline(chunks(data, 65537), w);
    const got = await stored('growing');
    expect(got.bytes.equals(data)).toBe(true);
    expect(got.parts).toBe(5); // 5, 5, 6, 6 and the last 1 MiB
    expect(w.partBuffers).toBeLessThanOrEqual(3);
  });

  test('a part refused mid-upload fails the stream, which stops taking the body, and leaves no open multipart upload', async () => {
    const w = writer('refused');
    const failed = pipeline(
      (async function* () {
        yield randomBytes(11 * MiB);
        // The gateway forgets the upload behind the writer's back: its next part gets 404 NoSuchUpload.
        const open = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'writer/refused' }));
        expect(open.Uploads).toHaveLength(1);
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'writer/refused', UploadId: open.Uploads![0].UploadId }));
        for (let i = 0; i < 100; i++) yield randomBytes(MiB);
      })(),
      w,
    );
    await expect(failed).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    // Stopped at the refusal, not after the whole body.
    expect(w.size).toBeLessThan(40 * MiB);
    const open = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'writer/refused' }));
    expect(open.Uploads ?? []).toEqual([]);
    await expect(client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'writer/refused' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  test.each([
    ['at once, while its upload is being created', false],
    ['once two parts are in flight', true],
  ])('a writer destroyed %s aborts its multipart upload', async (_when, afterWrite) => {
    const key = `destroyed-${afterWrite}`;
    const w = writer(key);
    w.on('error', () => undefined);
    // 12 MiB: two parts of 5 MiB sent, 2 MiB filling the third buffer when the write calls back.
    const written = new Promise((ok) => w.write(randomBytes(12 * MiB), ok));
    if (afterWrite) await written;
    w.destroy(new Error('client went away'));
    await new Promise((ok) => w.once('close', ok));
    const open = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: `writer/${key}` }));
    expect(open.Uploads ?? []).toEqual([]);
    await expect(client.send(new HeadObjectCommand({ Bucket: bucket, Key: `writer/${key}` }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });
});
