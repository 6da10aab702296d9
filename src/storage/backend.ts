/**
 * Where bytes live. The storage server speaks HTTP and the database; a backend
 * only stores objects. Each method names the transfer step it serves, so a
 * second backend (S3, …) plugs in without touching the server.
 *
 * A `location` is an opaque string the backend hands out; the database keeps
 * it on the node. Objects are immutable: replacing a node's bytes writes a new
 * object and the old one is removed after the database has moved on.
 */
import type { Readable, Writable } from 'node:stream';

export interface StagedObject {
  /** Stream the incoming bytes into this; it finishes once they are durable. */
  stream: Writable;
  /** Opaque handle for commit/discard. */
  ref: string;
  /** Once the stream has finished: the MD5 and size of the bytes stored. */
  stored(): { md5: Buffer; size: number };
}

export interface StagedRef {
  ref: string;
  jobId: string;
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

export interface StorageBackend {
  readonly name: string;
  /**
   * Upload, step 1: a new staging object, invisible to readers. With
   * `handOver`, the caller gives up the chunks it writes (a request body's):
   * the backend may keep them, or move them to another thread, without a copy.
   * `length` is the body's declared length, when known (a backend may size its
   * writes by it); the bytes received may still differ from it.
   */
  stage(jobId: string, opts?: { handOver?: boolean; length?: number }): Promise<StagedObject>;
  /** Upload, step 2: make the staged object durable in place and return its location (still unreferenced). */
  commit(ref: string, nodeId: number): Promise<string>;
  /**
   * Upload of a small body already in memory, in one step (optional: without
   * it the server stages and commits): durable in place, with its location
   * returned (still unreferenced). Nothing is left behind if it fails, but a
   * crash may leave a staged object of `jobId`, as stage() does.
   */
  storeWhole?(jobId: string, data: Buffer, nodeId: number): Promise<string>;
  /** Upload failed or was aborted: forget the staged object. */
  discard(ref: string): Promise<void>;
  /**
   * Download: the object's bytes, or a range of them. A stream with a
   * `release(chunk)` method gets each chunk back once a download has sent it,
   * to read into again (posix: ./fileChunks.ts); any other is piped as it is.
   */
  read(location: string, range?: ByteRange): Promise<Readable>;
  /** Size of a stored object in bytes. */
  size(location: string): Promise<number>;
  /** Copy transfer: a new object with the same bytes; returns its location. */
  copy(location: string, nodeId: number): Promise<string>;
  /** Delete (node deleted or bytes replaced). Missing objects are not an error. */
  remove(location: string): Promise<void>;
  /**
   * Start-up: the objects in staging, each with the job that staged it. Some
   * are a crash's leftovers, others uploads that another server sharing the
   * staging area is receiving: the server decides which to discard.
   */
  listStaged(): Promise<StagedRef[]>;
  /** Free bytes where objects are kept, when known. */
  freeSpace(): Promise<number | undefined>;
  /** Shutdown: release connections (optional; the service calls it last). */
  close?(): Promise<void>;
}
