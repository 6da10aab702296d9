/**
 * A stream that writes one S3 object: a body shorter than a part in one
 * PutObject, a longer one as a multipart upload of parts of `partSize`, at
 * most `queueSize` of them in flight. The bytes are copied into at most
 * `queueSize + 1` part buffers that are filled again once their part is
 * stored, so a 1 GiB upload holds three buffers, not 128 that wait for the
 * collector (lib-storage's Upload allocated each part anew, and the storage
 * server grew by ~70 MiB during a 1 GiB upload). 'finish' comes once the object
 * is stored; a failure or a destroy aborts the multipart upload.
 */
import { createHash, type Hash } from 'node:crypto';
import { Writable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';

export interface S3ObjectWriterOptions {
  client: S3Client;
  bucket: string;
  key: string;
  /** Bytes of part `n` (from 1): at least 5 MiB, S3's least but for the last part; it may grow with n. */
  partSize: (n: number) => number;
  queueSize: number;
  /** Compute the MD5 of the bytes written (md5()). */
  hash?: boolean;
  /** Called when the server refuses to abort the multipart upload (its parts stay). */
  abortRefused?: (e: unknown, uploadId: string) => void;
}

/** The HTTP status of an SDK error. */
export function s3Status(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** Aborts a multipart upload; one already gone (404) is no error, any other refusal goes to `refused`. */
export async function abortUpload(client: S3Client, bucket: string, key: string, uploadId: string, refused?: (e: unknown) => void): Promise<void> {
  try {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  } catch (e) {
    if (s3Status(e) !== 404) refused?.(e);
  }
}

export class S3ObjectWriter extends Writable {
  /** Bytes written so far. */
  size = 0;
  private readonly hash: Hash | undefined;
  /** Chunks of the first part, kept until the body proves longer than one part. */
  private head: Buffer[] = [];
  private headBytes = 0;
  /** The part being filled, once the body proved longer than one part. */
  private part: Buffer | undefined;
  private filled = 0;
  private readonly spare: Buffer[] = [];
  private allocated = 0;
  /** The multipart upload's id, once the body proved longer than one part. */
  private started: Promise<string> | undefined;
  private readonly parts: CompletedPart[] = [];
  /** Parts being uploaded, and at the end the request that stores the object. */
  private readonly inFlight = new Set<Promise<void>>();
  private stored = false;
  private aborted = false;

  constructor(private readonly opts: S3ObjectWriterOptions) {
    super();
    this.hash = opts.hash ? createHash('md5') : undefined;
  }

  /** Part buffers held: at most queueSize + 1, however long the body. */
  get partBuffers(): number {
    return this.allocated;
  }

  /** The MD5 of the bytes written (with `hash`); once, after 'finish'. */
  md5(): Buffer {
    if (!this.hash) throw new Error('this writer computes no MD5');
    return this.hash.digest();
  }

  _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.hash?.update(chunk);
    this.size += chunk.length;
    if (!this.started) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes < this.opts.partSize(1)) return cb();
      const head = this.head;
      this.head = [];
      this.headBytes = 0;
      this.fill(head).then(() => cb(), cb);
      return;
    }
    if (this.part && this.filled + chunk.length < this.part.length) {
      chunk.copy(this.part, this.filled);
      this.filled += chunk.length;
      return cb();
    }
    this.fill([chunk]).then(() => cb(), cb);
  }

  /** Copies chunks into part buffers, sending each that is full. */
  private async fill(chunks: Buffer[]): Promise<void> {
    for (const chunk of chunks) {
      for (let offset = 0; offset < chunk.length; ) {
        this.part ??= await this.buffer();
        const n = chunk.copy(this.part, this.filled, offset);
        this.filled += n;
        offset += n;
        if (this.filled === this.part.length) await this.send();
      }
    }
  }

  /** A buffer for the next part: a spare one of its size, a new one while there are fewer than queueSize + 1. */
  private async buffer(): Promise<Buffer> {
    while (!this.spare.length && this.allocated > this.opts.queueSize) await this.onePartDone();
    const size = this.opts.partSize(this.parts.length + 1);
    // Spares of a smaller size (the parts grew) are let go, so that there are never more than queueSize + 1.
    if (this.spare.length && this.spare[0].length !== size) {
      this.allocated -= this.spare.length;
      this.spare.length = 0;
    }
    if (this.spare.length) return this.spare.pop()!;
    this.allocated++;
    return Buffer.allocUnsafe(size);
  }

  /** Sends the part being filled once fewer than queueSize are in flight. */
  private async send(): Promise<void> {
    const buf = this.part!;
    const body = buf.subarray(0, this.filled);
    this.part = undefined;
    this.filled = 0;
    const number = this.parts.length + 1;
    this.parts.push({ PartNumber: number });
    while (this.inFlight.size >= this.opts.queueSize) await this.onePartDone();
    if (this.destroyed) throw stopped();
    const { client, bucket: Bucket, key: Key } = this.opts;
    this.started ??= client.send(new CreateMultipartUploadCommand({ Bucket, Key })).then((out) => {
      if (!out.UploadId) throw new Error('s3: CreateMultipartUpload returned no upload id');
      return out.UploadId;
    });
    const UploadId = await this.started;
    if (this.destroyed) {
      // Destroyed while the upload was being created: _destroy may have found no id to abort.
      await this.abort();
      throw stopped();
    }
    const sent: Promise<void> = client
      .send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: number, Body: body, ContentLength: body.length }))
      .then((out) => {
        this.parts[number - 1].ETag = out.ETag;
        this.spare.push(buf);
      })
      .finally(() => this.inFlight.delete(sent));
    this.inFlight.add(sent);
    // A part that fails stops the upload at once, not at the next write.
    sent.catch((e: unknown) => this.destroy(e as Error));
  }

  /** Waits for a part in flight to be stored; fails once the writer is destroyed (a part failed). */
  private async onePartDone(): Promise<void> {
    if (this.destroyed || !this.inFlight.size) throw stopped();
    await Promise.race(this.inFlight);
  }

  _final(cb: (e?: Error | null) => void): void {
    this.finish().then(() => cb(), cb);
  }

  private async finish(): Promise<void> {
    const { client, bucket: Bucket, key: Key } = this.opts;
    if (!this.started) {
      const body = this.head.length === 1 ? this.head[0] : Buffer.concat(this.head, this.headBytes);
      this.head = [];
      await this.last(client.send(new PutObjectCommand({ Bucket, Key, Body: body, ContentLength: body.length })));
    } else {
      if (this.filled) await this.send();
      while (this.inFlight.size) await Promise.all(this.inFlight);
      const UploadId = await this.started;
      await this.last(client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: this.parts } })));
    }
  }

  /**
   * The request that stores the object, kept in flight so that a destroy meanwhile waits for it
   * (a discard then deletes what it stored, rather than racing it), and marks the object stored.
   */
  private async last(request: Promise<unknown>): Promise<void> {
    const done = request.then(() => {
      this.stored = true;
    });
    this.inFlight.add(done);
    try {
      await done;
    } finally {
      this.inFlight.delete(done);
    }
  }

  _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.head = [];
    this.spare.length = 0;
    this.abort().then(
      () => cb(err),
      () => cb(err),
    );
  }

  /** Aborts the multipart upload, if one was started and not completed, once its requests in flight have settled. */
  private async abort(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled(this.inFlight);
    const uploadId = await this.started?.catch(() => undefined);
    if (!uploadId || this.stored || this.aborted) return;
    this.aborted = true;
    const { client, bucket, key, abortRefused } = this.opts;
    await abortUpload(client, bucket, key, uploadId, (e) => abortRefused?.(e, uploadId));
  }
}

const stopped = () => new Error('the upload was stopped');
