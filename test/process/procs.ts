/**
 * What the process-level tests (crash, memory, shutdown, startup, stderrGone)
 * share beyond the launcher (../helpers/processes.ts) and the client
 * (../helpers/client.ts): a directory and a database for each test, bytes
 * generated on the fly and hashed as they go, files under a directory with
 * their sizes, and RSS sampling.
 */
import { createHash, randomFillSync, type Hash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MiB, sleep } from '../helpers/client';
import { createTestDb, type TestDb } from '../helpers/db';
import { killAll } from '../helpers/processes';

/**
 * For each test of the file: a fresh directory (named PREFIX… under the system's) and a fresh test
 * database; after it, every child process killed and both removed. The getters are for the tests.
 */
export function dirAndDbEachTest(prefix: string): { dir: () => string; db: () => TestDb } {
  let dir: string | undefined;
  let db: TestDb | undefined;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    db = await createTestDb();
  });
  afterEach(async () => {
    await killAll();
    await db?.drop();
    db = undefined;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return { dir: () => dir!, db: () => db! };
}

/** Regular files under DIR (recursively), with their sizes; [] if DIR does not exist. */
export function filesUnder(dir: string): { name: string; size: number }[] {
  if (!fs.existsSync(dir)) return [];
  const out: { name: string; size: number }[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(e.parentPath, e.name);
    if (e.isFile()) out.push({ name: path.relative(dir, full), size: fs.statSync(full).size });
  }
  return out;
}

/** Polls F every STEP ms until it returns a value, or throws after MS. */
export async function waitFor<T>(what: string, f: () => T | undefined, ms: number, step = 10): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(step);
  }
}

// --------------------------------------------------------------- raw bytes

export interface Generated {
  /** Yields the bytes chunk by chunk; each chunk is fresh (never rewritten once handed out). */
  chunks: AsyncGenerator<Buffer>;
  /** The sha256 of what has been yielded so far (hex), once the generator is done. */
  sha256(): string;
  /** Bytes yielded so far. */
  yielded(): number;
}

/** TOTAL random bytes made on the fly in CHUNK-sized pieces, optionally paced by DELAY ms per chunk. */
export function generate(total: number, opts: { chunk?: number; delayMs?: number } = {}): Generated {
  const chunk = opts.chunk ?? MiB;
  const hash: Hash = createHash('sha256');
  let sent = 0;
  let digest: string | undefined;
  async function* chunks(): AsyncGenerator<Buffer> {
    while (sent < total) {
      if (opts.delayMs) await sleep(opts.delayMs);
      const buf = randomFillSync(Buffer.allocUnsafe(Math.min(chunk, total - sent)));
      hash.update(buf);
      sent += buf.length;
      yield buf;
    }
  }
  return {
    chunks: chunks(),
    sha256: () => (digest ??= hash.digest('hex')),
    yielded: () => sent,
  };
}

// ---------------------------------------------------------------------- RSS

/** VmRSS of a process, in bytes, from /proc/PID/status. */
export function vmRss(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** Samples a process's RSS every EVERY ms until stop(); keeps the peak. */
export class RssSampler {
  peak: number;
  samples = 1;
  /** Every reading, in bytes, in order. */
  readonly timeline: number[];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number, every = 100) {
    this.peak = vmRss(pid);
    this.timeline = [this.peak];
    this.timer = setInterval(() => this.sample(), every);
  }

  private sample(): void {
    try {
      const rss = vmRss(this.pid);
      this.timeline.push(rss);
      this.peak = Math.max(this.peak, rss);
      this.samples++;
    } catch {
      // the process is gone: the test will notice it elsewhere
    }
  }

  stop(): { peak: number; samples: number } {
    clearInterval(this.timer);
    this.sample();
    return { peak: this.peak, samples: this.samples };
  }
}
