/**
 * Objects in an S3-compatible store (AWS, MinIO, Ceph RGW) through the AWS SDK.
 *
 * Keys, under the configured prefix:
 * - `objects/<job id>-<random>`: an upload's bytes, written once by a
 *   multipart upload (s3ObjectWriter.ts: parts sized by partSizes,
 *   QUEUE_SIZE in flight, so memory stays bounded whatever the size). The object is written
 *   at its final key, and commit never copies it: a 100 GB upload is written once.
 * - `staging/<job id>-<random>`: an empty marker, put before the upload
 *   starts and deleted by commit. The markers are what listStaged reports:
 *   an upload in progress, finished but not committed, or cut by a crash.
 * - `objects/n<node id>-<random>`: a copy's bytes.
 *
 * A location is the key without the prefix. Some lighter servers refuse
 * calls (s3rver answers AbortMultipartUpload with 405, UploadPartCopy with
 * 501): a refused abort is logged, and a refused UploadPartCopy falls back to
 * a streamed copy.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { logger } from '../log';
import type { ByteRange, StagedObject, StagedRef, StorageBackend } from './backend';
import { S3ObjectWriter, abortUpload, s3Status as status } from './s3ObjectWriter';

// The SDK warns once, on Node < 22, that its releases after January 2027 will need Node 22.
// The version in package.json is pinned and supports Node 20: the notice is noise in the
// log (an operator can set the variable to false to see it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** S3's most parts in one multipart upload (its least part, but the last, is 5 MiB). */
const MAX_PARTS = 10_000;
/**
 * Bytes of one part when the upload's length is known (S3's least), or more where 10 000 parts would
 * not hold it (49 GiB). An upload holds QUEUE_SIZE parts in flight and one filling, in buffers it fills
 * again (s3ObjectWriter.ts). The standalone storage server grew during a 1 GiB upload and download
 * (bench part s3, two runs each, with and without the client's sha256) by +52 and +57 MiB with 5 MiB
 * parts (+17, +35 without), by +59 to +65 MiB with 8 MiB (+20 to +42), at the same speed against Ceph
 * RGW; with lib-storage's Upload, which allocated every part anew, by +63 to +77 MiB with 8 MiB parts
 * and by 120–130 MiB with 16 MiB and 3 in flight.
 */
const PART_SIZE = 5 * 1024 * 1024;
/**
 * A body of unknown length (chunked) starts with parts of PART_SIZE and doubles them every
 * GROW_EVERY parts: 10 000 parts hold 4.9 TiB (S3 takes 5 TiB at most), and a small upload holds
 * no bigger buffers than one of known length (with parts of 16 MiB throughout, it held 48 MiB and
 * 10 000 parts held 156 GiB).
 */
const GROW_EVERY = 1000;
/** Parts uploaded at once. */
const QUEUE_SIZE = 2;

/** The size of each part (from 1) of an upload of `length` bytes (undefined: not known before its end). */
export function partSizes(length?: number): (n: number) => number {
  if (length === undefined || !Number.isFinite(length)) return (n) => PART_SIZE * 2 ** Math.floor((n - 1) / GROW_EVERY);
  const size = Math.max(PART_SIZE, Math.ceil(length / MAX_PARTS));
  return () => size;
}

/** Largest object one CopyObject may copy (S3's limit); bigger ones copy part by part. */
const COPY_OBJECT_LIMIT = 5 * 1024 * 1024 * 1024;
/** Bytes per UploadPartCopy. */
const COPY_PART_SIZE = 512 * 1024 * 1024;
const STAGED_SUFFIX_BYTES = 8;
const STAGED_NAME = new RegExp(`^([A-Za-z0-9_-]+)-[0-9a-f]{${STAGED_SUFFIX_BYTES * 2}}$`);
const OBJECT_NAME = /^objects\/[A-Za-z0-9_-]+$/;

export interface S3Options {
  bucket: string;
  /** Prepended to every key ("" or e.g. "vospace/"). */
  prefix?: string;
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle?: boolean;
  /** Objects above this size copy with UploadPartCopy (default: S3's 5 GiB CopyObject limit). */
  copyObjectLimit?: number;
  /** Bytes per UploadPartCopy (at least 5 MiB except the last). */
  copyPartSize?: number;
  /** Where refusals are reported (default the service's log). */
  warn?: (msg: string, detail: Record<string, unknown>) => void;
}

interface Staging {
  writer: S3ObjectWriter;
  done: Promise<unknown>;
}

export class S3Backend implements StorageBackend {
  readonly name = 's3';
  readonly client: S3Client;
  readonly bucket: string;
  private readonly prefix: string;
  private readonly copyLimit: number;
  private readonly copyPart: number;
  private readonly warn: NonNullable<S3Options['warn']>;
  /** Uploads this process is receiving, by ref, so that discard can stop them. */
  private readonly staging = new Map<string, Staging>();

  constructor(opts: S3Options) {
    const config: S3ClientConfig = {
      region: opts.region || 'us-east-1',
      forcePathStyle: opts.forcePathStyle ?? false,
      // The SDK's default CRC checksums (aws-chunked bodies) are not served by every
      // S3-compatible store; checksums only where a call requires them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (opts.endpoint) config.endpoint = opts.endpoint;
    // Without keys, the SDK's default chain: AWS_ACCESS_KEY_ID…, profiles, instance roles.
    if (opts.accessKeyId && opts.secretAccessKey) config.credentials = { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey };
    this.client = new S3Client(config);
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ?? '';
    this.copyLimit = opts.copyObjectLimit ?? COPY_OBJECT_LIMIT;
    this.copyPart = opts.copyPartSize ?? COPY_PART_SIZE;
    this.warn = opts.warn ?? ((msg, detail) => logger.warn(detail, msg));
  }

  /** Start-up check: the bucket exists and these credentials reach it. */
  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const why = status === 404 ? 'does not exist' : status === 403 ? 'refuses these credentials' : `cannot be reached (${(e as Error).message})`;
      throw new Error(`[Storage] s3: bucket ${this.bucket} ${why}`);
    }
  }

  private key(name: string): string {
    return this.prefix + name;
  }

  private object(location: string): string {
    if (!OBJECT_NAME.test(location)) throw new Error(`invalid object name ${JSON.stringify(location)}`);
    return this.key(location);
  }

  private marker(ref: string): string {
    if (!STAGED_NAME.test(ref)) throw new Error(`invalid staging ref ${JSON.stringify(ref)}`);
    return this.key(`staging/${ref}`);
  }

  async stage(jobId: string, opts: { length?: number } = {}): Promise<StagedObject> {
    const ref = `${jobId.replace(/[^A-Za-z0-9_-]/g, '')}-${randomBytes(STAGED_SUFFIX_BYTES).toString('hex')}`;
    // The marker first: a crash at any later point leaves something listStaged finds.
    // A Body of known length (0): an empty string sends no Content-Length, and the SDK then warns of a stream of unknown length.
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.marker(ref), Body: Buffer.alloc(0), ContentLength: 0 }));
    const writer = this.writer(this.object(`objects/${ref}`), partSizes(opts.length), true);
    const done = finished(writer);
    done.catch(() => undefined); // awaited by commit or discard
    this.staging.set(ref, { writer, done });
    return { stream: writer, ref, stored: () => ({ md5: writer.md5(), size: writer.size }) };
  }

  private writer(key: string, partSize: (n: number) => number, hash: boolean): S3ObjectWriter {
    const abortRefused = (e: unknown, uploadId: string) => this.refused('AbortMultipartUpload', e, { key, uploadId });
    return new S3ObjectWriter({ client: this.client, bucket: this.bucket, key, partSize, queueSize: QUEUE_SIZE, hash, abortRefused });
  }

  async commit(ref: string, _nodeId?: number): Promise<string> {
    const entry = this.staging.get(ref);
    if (entry) await entry.done;
    this.staging.delete(ref);
    const location = `objects/${ref}`;
    // As a posix rename fails on a staged file that is gone (discarded, deleted behind our back): never a location without bytes.
    await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.object(location) }));
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.marker(ref) }));
    return location;
  }

  async discard(ref: string): Promise<void> {
    const key = this.object(`objects/${ref}`);
    const entry = this.staging.get(ref);
    if (entry) {
      // The writer aborts its multipart upload as it is destroyed.
      entry.writer.destroy(new Error('upload discarded'));
      await entry.done.catch(() => undefined);
      this.staging.delete(ref);
    }
    await this.abortUploads(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.marker(ref) }));
  }

  /** Aborts the multipart uploads still open at a key (a crash's, or one whose abort failed). */
  private async abortUploads(key: string): Promise<void> {
    const open = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: key })).catch((e: unknown) => {
      this.refused('ListMultipartUploads', e, { key });
      return undefined;
    });
    for (const u of open?.Uploads ?? []) {
      if (u.Key !== key || !u.UploadId) continue;
      await this.abort(key, u.UploadId);
    }
  }

  private abort(key: string, uploadId: string): Promise<void> {
    return abortUpload(this.client, this.bucket, key, uploadId, (e) => this.refused('AbortMultipartUpload', e, { key, uploadId }));
  }

  private refused(call: string, e: unknown, detail: Record<string, unknown>): void {
    this.warn(`s3: the server refused ${call}; its parts may stay until the bucket's lifecycle rules remove them`, {
      ...detail,
      status: status(e),
      error: (e as Error).message,
    });
  }

  async read(location: string, range?: ByteRange): Promise<Readable> {
    const out = await this.client.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: this.object(location), Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
    );
    return out.Body as Readable;
  }

  async size(location: string): Promise<number> {
    const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.object(location) }));
    return out.ContentLength ?? 0;
  }

  async copy(location: string, nodeId: number): Promise<string> {
    const from = this.object(location);
    const target = `objects/n${nodeId}-${randomBytes(8).toString('hex')}`;
    const to = this.object(target);
    const size = await this.size(location);
    if (size <= this.copyLimit) {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: this.copySource(from) }));
    } else if (!(await this.copyByParts(from, to, size))) {
      await this.streamCopy(from, to);
    }
    return target;
  }

  private copySource(key: string): string {
    return `${this.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** UploadPartCopy, part by part; false when the server does not implement it. */
  private async copyByParts(from: string, to: string, size: number): Promise<boolean> {
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: to }));
    if (!UploadId) throw new Error('s3: CreateMultipartUpload returned no upload id');
    try {
      const parts = [];
      for (let start = 0, n = 1; start < size; start += this.copyPart, n++) {
        const end = Math.min(start + this.copyPart, size) - 1;
        const out = await this.client.send(
          new UploadPartCopyCommand({ Bucket: this.bucket, Key: to, UploadId, PartNumber: n, CopySource: this.copySource(from), CopySourceRange: `bytes=${start}-${end}` }),
        );
        parts.push({ PartNumber: n, ETag: out.CopyPartResult?.ETag });
      }
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId, MultipartUpload: { Parts: parts } }));
      return true;
    } catch (e) {
      await this.abort(to, UploadId);
      if (status(e) !== 501) throw e;
      this.refused('UploadPartCopy', e, { key: to });
      return false;
    }
  }

  /** A copy through this process, streamed (for servers without UploadPartCopy). */
  private async streamCopy(from: string, to: string): Promise<void> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: from }));
    await pipeline(out.Body as Readable, this.writer(to, partSizes(out.ContentLength), false));
  }

  async remove(location: string): Promise<void> {
    // S3 answers a DELETE of a missing key with 204.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.object(location) }));
  }

  async listStaged(): Promise<StagedRef[]> {
    const out: StagedRef[] = [];
    const prefix = this.key('staging/');
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        const ref = (o.Key ?? '').slice(prefix.length);
        const m = STAGED_NAME.exec(ref);
        if (m) out.push({ ref, jobId: m[1] });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async freeSpace(): Promise<number | undefined> {
    // An object store has no free space to report, only quotas and bills.
    return undefined;
  }

  /** Ends the client's kept-alive sockets. */
  async close(): Promise<void> {
    this.client.destroy();
  }
}
