/**
 * The default backend: objects are files under root_dir, staged under
 * staging_dir. A staged file is written, hashed and synced on a worker
 * thread (./fileWorker.ts) and is on disk once its stream has finished;
 * commit renames it into place (a copy when the two directories are on
 * different filesystems) and syncs the directory, so that the new name
 * survives a crash too. The worker places it, as it makes copies and stores
 * small bodies whole (written to staging and placed in one step).
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ByteRange, StagedObject, StagedRef, StorageBackend } from './backend';
import { FileChunks } from './fileChunks';
import { WorkerFileWriter, copyFile, holdFileWorker, placeFile, writeWhole } from './fileWorker';

const READ_BUFFER = 1024 * 1024;
/** A staged file is named `<job id>-<random hex>`. */
const STAGED_SUFFIX_BYTES = 8;
const STAGED_NAME = new RegExp(`^([A-Za-z0-9_-]+)-[0-9a-f]{${STAGED_SUFFIX_BYTES * 2}}$`);

export interface PosixOptions {
  rootDir: string;
  stagingDir: string;
}

export class PosixBackend implements StorageBackend {
  readonly name = 'posix';
  private readonly root: string;
  private readonly staging: string;
  /** Lets go of the file worker (./fileWorker.ts), which the process's posix backends share. */
  readonly close: () => Promise<void>;

  constructor(opts: PosixOptions) {
    this.root = path.resolve(opts.rootDir);
    this.staging = path.resolve(opts.stagingDir);
    fs.mkdirSync(this.root, { recursive: true });
    fs.mkdirSync(this.staging, { recursive: true });
    this.close = holdFileWorker();
  }

  /** Resolves a location or staging ref, refusing anything that leaves its directory. */
  private inside(dir: string, rel: string): string {
    if (!/^[A-Za-z0-9._/-]+$/.test(rel) || rel.split('/').some((s) => s === '' || s === '.' || s === '..')) {
      throw new Error(`invalid object name ${JSON.stringify(rel)}`);
    }
    const full = path.resolve(dir, rel);
    if (!full.startsWith(`${dir}${path.sep}`)) throw new Error(`object name ${rel} escapes ${dir}`);
    return full;
  }

  private newName(nodeId: number): string {
    return `${(nodeId % 256).toString(16).padStart(2, '0')}/${nodeId}-${randomBytes(8).toString('hex')}`;
  }

  /** A new staging name for the job: found by listStaged after a crash. */
  private newRef(jobId: string): string {
    return `${jobId.replace(/[^A-Za-z0-9_-]/g, '')}-${randomBytes(STAGED_SUFFIX_BYTES).toString('hex')}`;
  }

  async stage(jobId: string, opts: { handOver?: boolean } = {}): Promise<StagedObject> {
    const ref = this.newRef(jobId);
    const stream = new WorkerFileWriter(this.inside(this.staging, ref), opts.handOver);
    // The file exists before the caller can discard it.
    await once(stream, 'ready');
    return { stream, ref, stored: () => stream.digest() };
  }

  async commit(ref: string, nodeId: number): Promise<string> {
    const location = this.newName(nodeId);
    await placeFile(this.inside(this.staging, ref), this.inside(this.root, location));
    return location;
  }

  async storeWhole(jobId: string, data: Buffer, nodeId: number): Promise<string> {
    const location = this.newName(nodeId);
    await writeWhole(this.inside(this.staging, this.newRef(jobId)), this.inside(this.root, location), data);
    return location;
  }

  async discard(ref: string): Promise<void> {
    await fsp.rm(this.inside(this.staging, ref), { force: true });
  }

  async read(location: string, range?: ByteRange): Promise<Readable> {
    const file = this.inside(this.root, location);
    const fh = await fsp.open(file, 'r'); // fails here (not mid-stream) when the object is gone
    try {
      // Where the bytes end, so that a small object is read into a buffer of its size (FileChunks).
      const end = range?.end ?? (await fh.stat()).size - 1;
      return new FileChunks(fh, READ_BUFFER, { start: range?.start, end });
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  async size(location: string): Promise<number> {
    return (await fsp.stat(this.inside(this.root, location))).size;
  }

  async copy(location: string, nodeId: number): Promise<string> {
    const target = this.newName(nodeId);
    // The copy's node commits next: its bytes are on disk once this resolves.
    await copyFile(this.inside(this.root, location), this.inside(this.root, target));
    return target;
  }

  async remove(location: string): Promise<void> {
    await fsp.rm(this.inside(this.root, location), { force: true });
  }

  async listStaged(): Promise<StagedRef[]> {
    const out: StagedRef[] = [];
    for (const ref of await fsp.readdir(this.staging)) {
      const m = STAGED_NAME.exec(ref);
      if (m) out.push({ ref, jobId: m[1] });
    }
    return out;
  }

  async freeSpace(): Promise<number | undefined> {
    const s = await fsp.statfs(this.root);
    return s.bavail * s.bsize;
  }
}
