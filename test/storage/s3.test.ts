/**
 * The conformance suite on the S3 backend against a real Ceph RADOS Gateway
 * (the run's, from jest.s3.config.js, or one started here), plus what only
 * an object store has: multipart uploads left open, UploadPartCopy, the
 * bucket checked at start.
 */
import { randomBytes } from 'node:crypto';
import { HeadObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { S3Backend, partSizeFor, type S3Options } from '../../src/storage/s3Backend';
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

  test('an upload is written in parts of 8 MiB when its length is known, of 16 MiB when not', async () => {
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
    expect(await parts(data.length)).toBe(3);
    expect(await parts(undefined)).toBe(2);
    // Past 10 000 parts of 8 MiB (78 GiB), the parts grow: S3 takes no more than 10 000.
    expect(partSizeFor(100e9)).toBe(10_000_000);
    expect(partSizeFor(100e9) * 10_000).toBeGreaterThanOrEqual(100e9);
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
