/**
 * Staged files written, hashed and synced on a worker thread, which also
 * places them (and small whole files, and copies) durably where they go.
 *
 * An upload's MD5 costs about 1.2 s of CPU per GiB: on the main thread it
 * came on top of reading the socket, and capped uploads near 250 MB/s. Here
 * the main thread only hands each batch of chunks over; one worker, started on
 * first use, hashes the batches of every staged file, writes them (through the
 * libuv threadpool) and starts an fdatasync every SYNC_EVERY bytes, so the
 * disk writes while the upload streams rather than all at the end. 'finish'
 * comes once the bytes are on disk.
 *
 * The worker hashes each batch, then starts its write at once, at its own
 * offset, whatever the file's earlier writes are doing: the write copies bytes
 * the hash has just read, still in the cache, and several are in flight.
 * Written one after another, each next write could only start once the
 * worker had finished hashing the batch in hand, and meanwhile the disk sat
 * idle: the main thread spent most of an upload waiting for room (IN_FLIGHT).
 * Measured on 1 GiB uploads, alternated (2026-12-06; `node
 * bench/upload-ab.mjs A B 6` does the same): writes in flight together, with
 * 16 MiB in flight and 4 MiB batches, against one written at a time (1 MiB
 * batches, 4 MiB in flight): 415–465 MB/s against 319–373, and 2.8–3.3 ms of
 * service CPU per MB against 3.4–4.1. Then each 1 MiB of a batch written as
 * soon as it was hashed, against the 4 MiB batch written whole after its
 * hash: system CPU 0.50–0.60 ms per MB in five of six against 0.62–1.53. Then
 * 1 MiB batches against 4 MiB: the same speed (medians 513 and 513 MB/s) and
 * ~35 MiB less RSS kept after six 1 GiB uploads and downloads (206 MiB
 * against 238–244; the builds before all this kept 208). In flight: 4 MiB,
 * as before; 8 and 16 MiB were not clearly faster (8 against 16: medians 545
 * and 534 MB/s), and the RSS of the process in
 * test/process/memory.test.ts grew by 49.6 MiB over a 2 GiB upload with 8
 * (9.6 with 4): what is in flight is Node's 64 KiB chunks, and the more of
 * them live at once, the more memory glibc keeps once they are freed. The
 * end result against the code before all this, four 1 GiB uploads each,
 * alternated at a quicker hour: medians 505 and 472 MB/s.
 *
 * Chunks the writer may adopt (a request body's, which nobody else holds)
 * are moved to the worker, not copied: they then never count against the
 * main thread's heap, whose garbage collector otherwise fell, on some runs,
 * into a full collection every ~30 MB received.
 *
 * Placing a file is a mkdir, a rename and a directory fsync (open, fsync,
 * close): each a trip through the libuv threadpool and back to the event
 * loop that waits for it. Done on the main thread they were a dozen wake-ups
 * per upload, each dear on a virtual machine; here the main thread sends one
 * message and wakes once for the answer.
 */
import { Writable } from 'node:stream';
import { types } from 'node:util';
import { Worker } from 'node:worker_threads';

/** Bytes gathered before they go to the worker: fewer, larger messages and writes. */
const BATCH = 1024 * 1024;
/** Bytes handed over but not yet written before the writer holds its source back (a few batches: this also bounds the writes in flight). */
const IN_FLIGHT = 4 * 1024 * 1024;
/** Bytes written between the fdatasyncs started in the background. */
const SYNC_EVERY = 32 * 1024 * 1024;
/** Bytes received between the worker's collections of the chunks it has written (see the worker). */
const COLLECT_EVERY = 4 * 1024 * 1024;

// Plain CommonJS run with eval: the worker needs no file of its own, so it
// works the same from dist/ and from the TypeScript sources under jest.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { promisify } = require('node:util');
const fsp = fs.promises;
const v8 = require('node:v8');
const vm = require('node:vm');
const [open, writev, fdatasync, close] = [fs.open, fs.writev, fs.fdatasync, fs.close].map((f) => promisify(f));
const SYNC_EVERY = ${SYNC_EVERY};
const COLLECT_EVERY = ${COLLECT_EVERY};
const files = new Map();
// Chunks arrive here moved, not allocated, so nothing prompts V8 to free them: left
// alone, ~100 MiB of written chunks waited for a collection. A young-generation
// collection every COLLECT_EVERY bytes frees them (this heap holds little else: it
// takes well under a millisecond). The flag that gives a new context gc() is set
// for the one context made here, then unset.
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc');
v8.setFlagsFromString('--no-expose-gc');
let received = 0;

/** Writes bufs whole at offset \`at\` of fd (or, without one, at the file's position). */
async function writeAll(fd, bufs, at) {
  while (bufs.length) {
    let { bytesWritten: n } = await writev(fd, bufs, at);
    if (n === 0) throw new Error('the disk took no bytes');
    if (at !== undefined) at += n;
    while (bufs.length && n >= bufs[0].length) n -= bufs.shift().length;
    if (n) bufs[0] = bufs[0].subarray(n);
  }
}

/** A batch of the file's bytes: hashed, then its write starts at once, at its own offset, whatever the file's earlier writes are doing. */
function write(f, chunks) {
  let bytes = 0;
  for (const c of chunks) {
    f.hash.update(c);
    bytes += c.length;
  }
  const at = f.size;
  f.size += bytes;
  received += bytes;
  // Settles either way: a failed write is kept in f.error, so that end and close still wait for every write.
  const done = f.error ? undefined : writeAll(f.fd, chunks, at).then(() => wrote(f, bytes), (e) => failed(f, e));
  // The value is dropped: Promise.all's would nest one array per batch in the next, kept until the file ends.
  f.writes = Promise.all([f.writes, done]).then(() => undefined);
}

function wrote(f, bytes) {
  f.written += bytes;
  if (received >= COLLECT_EVERY) {
    received = 0;
    collect({ type: 'minor' });
  }
  parentPort.postMessage({ id: f.id, written: f.written });
  if (!f.syncing && f.written - f.syncedAt >= SYNC_EVERY) {
    f.syncedAt = f.written;
    f.syncing = fdatasync(f.fd).finally(() => (f.syncing = undefined));
    f.syncing.catch((e) => (f.syncError = e));
  }
}

/** The file's first failed write fails it: its error goes out at once, and once. */
function failed(f, e) {
  if (f.error) return;
  f.error = e;
  parentPort.postMessage({ id: f.id, error: e.message, code: e.code });
}

async function end(f) {
  await f.writes;
  await f.syncing;
  if (f.error) throw f.error;
  if (f.syncError) throw f.syncError;
  await fdatasync(f.fd);
  return { md5: f.hash.digest(), size: f.size };
}

/** fsync of a file or directory. */
async function syncPath(name) {
  const fh = await fsp.open(name, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Makes a file's new name durable: its directory, and the parent of the first directory mkdir made (if any). */
async function syncPlaced(file, made) {
  await syncPath(path.dirname(file));
  if (made) await syncPath(path.dirname(made));
}

/** Moves a durable file to \`to\` (a copy when the two are on different filesystems), durably. */
async function place(from, to) {
  const made = await fsp.mkdir(path.dirname(to), { recursive: true });
  try {
    await fsp.rename(from, to);
  } catch (e) {
    if (e.code !== 'EXDEV') throw e;
    await fsp.copyFile(from, to);
    await syncPath(to);
    await fsp.rm(from, { force: true });
  }
  await syncPlaced(to, made);
}

/** A copy of \`from\` at \`to\` (a reflink where the filesystem can), on disk before this returns. */
async function copy(from, to) {
  const made = await fsp.mkdir(path.dirname(to), { recursive: true });
  await fsp.copyFile(from, to, fs.constants.COPYFILE_FICLONE);
  await syncPath(to);
  await syncPlaced(to, made);
}

/** Writes \`chunks\` whole to \`tmp\` (a new file), syncs it and places it at \`to\`; \`tmp\` is gone either way. */
async function whole(tmp, to, chunks) {
  try {
    const fd = await open(tmp, 'wx');
    try {
      // An empty chunk would read as a disk that takes nothing.
      await writeAll(fd, chunks.filter((c) => c.length));
      await fdatasync(fd);
    } finally {
      await close(fd);
    }
    await place(tmp, to);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
}

async function run(m) {
  if (m.op === 'place') return (await place(m.from, m.to), { ok: true });
  if (m.op === 'copy') return (await copy(m.from, m.to), { ok: true });
  if (m.op === 'whole') return (await whole(m.from, m.to, m.chunks), { ok: true });
  if (m.op === 'open') {
    const fd = await open(m.path, 'wx');
    files.set(m.id, { id: m.id, fd, hash: createHash('md5'), size: 0, written: 0, syncedAt: 0, writes: Promise.resolve() });
    return { opened: true };
  }
  const f = files.get(m.id);
  if (!f) return m.op === 'close' ? { closed: true } : undefined;
  if (m.op === 'write') return write(f, m.chunks);
  // end and close: the descriptor is closed either way, after the writes in flight.
  files.delete(m.id);
  try {
    return m.op === 'end' ? { done: await end(f) } : (await f.writes, { closed: true });
  } finally {
    await close(f.fd);
  }
}

parentPort.on('message', (m) => {
  run(m).then(
    (reply) => reply && parentPort.postMessage({ id: m.id, ...reply }),
    (e) => parentPort.postMessage({ id: m.id, error: e.message, code: e.code }),
  );
});
`;

interface Reply {
  id: number;
  opened?: true;
  written?: number;
  done?: { md5: Uint8Array; size: number };
  closed?: true;
  /** A place, copy or whole done. */
  ok?: true;
  error?: string;
  code?: string;
}

let worker: Worker | undefined;
const writers = new Map<number, (m: Reply) => void>();
let lastId = 0;

function started(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.on('message', (m: Reply) => writers.get(m.id)?.(m));
  const fail = (err: Error) => {
    if (worker !== w) return;
    worker = undefined;
    for (const [id, on] of [...writers]) on({ id, error: err.message });
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`the file worker exited (${code})`)));
  // It keeps the process alive only while a file is open on it.
  w.unref();
  worker = w;
  return w;
}

/** Starts the worker ahead of the first upload (a storage server does at start: its memory then counts as idle). */
export function startFileWorker(): void {
  started();
}

let holders = 0;

/**
 * Each backend that uses the worker holds it until it closes; the last to let
 * go ends the thread (the next use starts another). Left running, a thread
 * per service made and closed piled up in one process (Jest loads this module
 * afresh for every test file: a test worker ended with 36 threads), and Node
 * ends each at exit. Returns the release, which only the first call performs.
 */
export function holdFileWorker(): () => Promise<void> {
  holders++;
  let held = true;
  return async () => {
    if (!held) return;
    held = false;
    // Its exit handler fails whatever was still waiting on it.
    if (--holders === 0 && worker) await worker.terminate();
  };
}

function asError(m: Reply): Error {
  return Object.assign(new Error(m.error), m.code ? { code: m.code } : {});
}

/** Forgets writer `id`; the worker keeps the process alive only while some writer or request is open. */
function release(w: Worker, id: number): void {
  if (!writers.delete(id)) return;
  if (!writers.size) w.unref();
}

/** A place, copy or whole: one request, which the worker answers once. */
function request(op: 'place' | 'copy' | 'whole', msg: { from: string; to: string; chunks?: Buffer[] }): Promise<void> {
  const w = started();
  const id = ++lastId;
  return new Promise((resolve, reject) => {
    writers.set(id, (m) => {
      release(w, id);
      if (m.ok) resolve();
      else reject(asError(m));
    });
    w.ref();
    w.postMessage({ op, id, ...msg });
  });
}

/** Moves the durable file `from` to `to` (creating its directory), durably. */
export function placeFile(from: string, to: string): Promise<void> {
  return request('place', { from, to });
}

/** Copies `from` to `to` (creating its directory); on disk, name and all, once this resolves. */
export function copyFile(from: string, to: string): Promise<void> {
  return request('copy', { from, to });
}

/**
 * Stores `data` at `to` in one step: written to the new file `tmp`, synced,
 * then placed. `data` is copied to the worker (it may be a slice of a shared
 * pool, which must not move); meant for small bodies.
 */
export function writeWhole(tmp: string, to: string, data: Buffer): Promise<void> {
  return request('whole', { from: tmp, to, chunks: [data] });
}

/**
 * Creates `path` ('wx'; 'ready' once it exists) and writes into it on the
 * worker. With `adopt`, a chunk that is the whole of its ArrayBuffer is moved
 * to the worker (the caller must not touch it again); any other is copied.
 */
export class WorkerFileWriter extends Writable {
  private readonly id = ++lastId;
  private readonly worker = started();
  private batch: Uint8Array[] = [];
  private batched = 0;
  private sent = 0;
  private written = 0;
  private stored?: { md5: Buffer; size: number };
  /** A write held back until the worker has caught up. */
  private waitRoom?: (err?: Error) => void;
  /** An open, end or close waiting for the worker's answer. */
  private waitReply?: (m: Reply) => void;

  constructor(
    private readonly path: string,
    private readonly adopt = false,
  ) {
    super({ highWaterMark: BATCH });
  }

  _construct(done: (err?: Error | null) => void): void {
    writers.set(this.id, (m) => this.onReply(m));
    this.worker.ref();
    this.ask('open', (m) => {
      if (m.error) return done(asError(m));
      done();
      this.emit('ready');
    });
  }

  _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    if (!chunk.length) return done();
    const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && types.isArrayBuffer(chunk.buffer);
    let own = chunk;
    if (!this.adopt || !whole) {
      // allocUnsafeSlow: memory of its own (Buffer.from may take a slice of a shared pool, which must not move).
      own = Buffer.allocUnsafeSlow(chunk.length);
      chunk.copy(own);
    }
    this.batch.push(own);
    this.batched += own.length;
    if (this.batched >= BATCH) this.send();
    if (this.sent - this.written < IN_FLIGHT) return done();
    this.waitRoom = done;
  }

  _final(done: (err?: Error | null) => void): void {
    this.send();
    this.ask('end', (m) => {
      if (!m.done) return done(asError(m));
      this.stored = { md5: Buffer.from(m.done.md5), size: m.done.size };
      this.release();
      done();
    });
  }

  _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    if (!writers.has(this.id) || worker !== this.worker) {
      this.release();
      return done(err);
    }
    // Wait until the worker has closed the file, so that no write lands after the caller has cleaned up.
    this.ask('close', () => {
      this.release();
      done(err);
    });
  }

  /** The MD5 and size of the bytes stored; known once the stream has finished. */
  digest(): { md5: Buffer; size: number } {
    if (!this.stored) throw new Error('the MD5 is not known before the stream has finished');
    return this.stored;
  }

  private send(): void {
    if (!this.batched) return;
    const chunks = this.batch;
    this.batch = [];
    this.sent += this.batched;
    this.batched = 0;
    this.worker.postMessage({ op: 'write', id: this.id, chunks }, chunks.map((c) => c.buffer as ArrayBuffer));
  }

  private ask(op: 'open' | 'end' | 'close', then: (m: Reply) => void): void {
    this.waitReply = then;
    this.worker.postMessage({ op, id: this.id, path: this.path });
  }

  private onReply(m: Reply): void {
    if (m.written !== undefined) {
      this.written = m.written;
      const room = this.waitRoom;
      if (room && this.sent - this.written < IN_FLIGHT) {
        this.waitRoom = undefined;
        room();
      }
      return;
    }
    const reply = this.waitReply;
    this.waitReply = undefined;
    if (reply) return reply(m);
    // A write failed while nothing was asked: the stream fails now, not at its next write.
    if (m.error) this.destroy(asError(m));
  }

  private release(): void {
    release(this.worker, this.id);
  }
}
