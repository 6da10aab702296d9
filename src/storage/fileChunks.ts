/**
 * A file's bytes as a stream of chunks that a consumer may give back.
 *
 * fs's read stream reads every chunk into a new buffer. V8 counts such
 * buffers as external memory, and a download at 500 MB/s in fresh 1 MiB
 * buffers made it run a full collection every 50–70 ms, its concurrent
 * marking threads busy all the while: about half the service's CPU per MB
 * sent (`--trace-gc` and `perf` during bench/bytes.mjs's downloads). A
 * consumer that knows when it is done with a chunk (src/http/download.ts:
 * once the socket has written it) gives it back with `release`, and a later
 * read fills it again. A chunk not given back is left to the collector, as
 * with fs's stream, so any other consumer works as before.
 */
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

/** Chunks kept for reuse: the socket holds one or two while the next is read. */
const KEEP = 4;

export class FileChunks extends Readable {
  private readonly free: ArrayBuffer[] = [];
  private readonly ours = new WeakSet<ArrayBuffer>();
  private pos: number;
  /** One past the last byte to send. */
  private readonly stop: number;

  /** `end` is inclusive, as in fs.createReadStream; the stream closes `fh` when it ends or is destroyed. */
  constructor(
    private readonly fh: FileHandle,
    private readonly chunkSize: number,
    { start = 0, end }: { start?: number; end?: number } = {},
  ) {
    super({ highWaterMark: chunkSize });
    this.pos = start;
    this.stop = end === undefined ? Infinity : end + 1;
  }

  override _read(): void {
    const want = Math.min(this.chunkSize, this.stop - this.pos);
    if (want <= 0) {
      this.push(null);
      return;
    }
    const space = this.free.pop() ?? this.fresh(want);
    this.fh.read(Buffer.from(space, 0, want), 0, want, this.pos).then(({ bytesRead }) => {
      if (this.destroyed) return;
      if (bytesRead === 0) {
        this.push(null);
        return;
      }
      this.pos += bytesRead;
      this.push(Buffer.from(space, 0, bytesRead));
    }, (e: Error) => this.destroy(e));
  }

  /** Gives back a chunk this stream pushed, which nothing may use any more. */
  release(chunk: Buffer): void {
    const space = chunk.buffer as ArrayBuffer;
    if (this.ours.has(space) && this.free.length < KEEP && !this.free.includes(space)) this.free.push(space);
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.fh.close().then(() => done(err), (e: Error) => done(err ?? e));
  }

  /**
   * A buffer for reads of at most `want` bytes: a whole chunk, or less when less is left to read
   * (a small file is read into a buffer of its size, not into a chunk). What is left only shrinks,
   * so a buffer given back is large enough for any later read of this stream.
   */
  private fresh(want: number): ArrayBuffer {
    const space = new ArrayBuffer(want);
    this.ours.add(space);
    return space;
  }
}
