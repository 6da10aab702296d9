/**
 * A socket for node-postgres whose far end is the embedded PostgreSQL (PGlite):
 * `pg` writes the wire protocol, the bytes of one request (up to its Sync,
 * Flush or Query) go into PGlite in one call, and PGlite's answer comes back
 * as bytes for `pg` to parse. So the embedded database runs the very driver,
 * type parsing and named prepared statements of the PostgreSQL path, and one
 * extended-protocol query costs one call into the WASM backend instead of
 * PGlite's own six (parse, describe, bind, describe, execute, sync, with an
 * unnamed statement parsed and planned again every time).
 *
 * Each socket starts a fresh session on the one backend: a transaction left
 * open by a discarded client is rolled back, its prepared statements dropped.
 */
import { Duplex } from 'node:stream';
import type { PGlite } from '@electric-sql/pglite';

const SYNC = 0x53; // 'S'
const FLUSH = 0x48; // 'H'
const QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'

/** AuthenticationOk, then ReadyForQuery (idle): the answer to a startup packet. */
const STARTUP_ANSWER = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0, 0x5a, 0, 0, 0, 5, 0x49]);

export class PGliteSocket extends Duplex {
  private started = false;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly pglite: PGlite) {
    super();
  }

  connect(): this {
    process.nextTick(() => this.emit('connect'));
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.run([chunk]).then(() => done(), done);
  }

  override _writev(chunks: { chunk: Buffer }[], done: (e?: Error | null) => void): void {
    this.run(chunks.map((c) => c.chunk)).then(() => done(), done);
  }

  override _final(done: (e?: Error | null) => void): void {
    this.push(null);
    done();
  }

  private async run(chunks: Buffer[]): Promise<void> {
    if (!this.started) {
      // The startup packet (and nothing else: pg waits for its answer).
      this.started = true;
      await this.newSession();
      this.push(STARTUP_ANSWER);
      return;
    }
    for (const c of chunks) {
      this.pending.push(c);
      this.pendingBytes += c.length;
    }
    const message = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    const end = lastMessageType(message);
    if (end === TERMINATE) {
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    if (end !== SYNC && end !== FLUSH && end !== QUERY) {
      this.pending = [message];
      return;
    }
    this.pending = [];
    this.pendingBytes = 0;
    const answer: Buffer[] = [];
    await this.pglite.execProtocolRawStream(message, { syncToFs: false, onRawData: (b) => answer.push(Buffer.from(b)) });
    if (answer.length) this.push(answer.length === 1 ? answer[0] : Buffer.concat(answer));
  }

  private async newSession(): Promise<void> {
    const pg = this.pglite;
    await pg.waitReady;
    if (pg.isInTransaction()) await pg.exec('ROLLBACK');
    await pg.exec('DEALLOCATE ALL');
  }
}

/** The type byte of the last whole message in `buf`, or 0 if it ends inside one. */
function lastMessageType(buf: Buffer): number {
  let at = 0;
  let type = 0;
  while (at + 5 <= buf.length) {
    const next = at + 1 + buf.readInt32BE(at + 1);
    if (next > buf.length) return 0;
    type = buf[at];
    at = next;
  }
  return at === buf.length ? type : 0;
}
