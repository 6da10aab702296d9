/**
 * Container views: a ContainerNode moved with the view `core#tar`.
 *
 * Pull (GET on the endpoint): the container's subtree streams out as a tar
 * (ustar, with pax headers where a name needs them), packed by tar-stream.
 * - Names are relative to the container; directories end in '/'. Entries
 *   come in path order (byte order, as the database keeps paths), so a
 *   directory always precedes what it holds and the same tree always gives
 *   the same archive.
 * - Only what the job's owner may read goes in: an unreadable data node is
 *   left out, an unreadable container is left out with everything below it
 *   (its listing is not theirs to see). The container itself was checked
 *   when the transfer was negotiated.
 * - LinkNodes (and bare Nodes) are left out: a link's target is a URI,
 *   often outside the container, and a symlink in the archive would point
 *   nowhere useful once unpacked.
 * - Bytes stream from the backend through the packer to the socket with
 *   backpressure; no file is ever held whole in memory. The subtree is read
 *   a page of nodes at a time.
 * - The job is COMPLETED once the last byte is handed to the socket, ERROR if
 *   anything fails midway (the response is then cut, so the client sees a
 *   truncated archive rather than a short one that looks whole).
 *
 * Push (PUT on the endpoint): a tar body unpacks into the container.
 * - The container is marked busy for the whole upload (by the server, as for
 *   a data node), so a second push to it gets NodeBusy; every data node the
 *   archive writes is marked busy by this job too while its bytes move.
 * - Directories become ContainerNodes, missing intermediate ones included;
 *   regular files become DataNodes (or replace the bytes of the data node
 *   already at that path). New nodes belong to the job's owner, and the
 *   owner's rights are checked for each: 'create' in the parent for a new
 *   node, 'update' on a data node whose bytes are replaced.
 * - Symlinks, hard links, devices and fifos are skipped (VOSpace has no
 *   equivalent a tar can express safely). Header mode, owner and mtime are
 *   ignored: the service keeps its own.
 * - Entry names are checked before anything is done for them. A leading
 *   './' (as `tar -C dir -cf x.tar .` writes) is dropped, and './' itself
 *   names the container. Anything else unsafe — an absolute name, a '..' or
 *   '.' segment, an empty segment ('a//b'), a reserved name (.auto, .null),
 *   a name checkName refuses (control characters, too long, bad unicode) —
 *   rejects the WHOLE upload with 400 InvalidArgument.
 * - Each file streams into staging while its MD5 and size are computed, and
 *   is committed to the backend (durable, still unreferenced) as soon as it
 *   ends. The nodes are pointed at their new bytes only at the end, in ONE
 *   transaction that also completes the job: an upload changes the bytes of
 *   all its files or of none.
 * - Quotas (src/services/quota.ts): the files' bytes may not pass the room the
 *   quotas above the container leave (plus what replaced files held) while
 *   they stream; in the commit, every quota above or inside the container is
 *   locked and checked against the files below it.
 * - On failure (unsafe name, corrupt archive → 400 InvalidData, permission,
 *   disconnect, ABORT, a declared MD5 of the archive that does not match →
 *   412): the staged and committed objects of this upload are removed, data
 *   nodes that existed keep their old bytes, and the nodes this upload
 *   created are deleted again as long as they are still empty (a container
 *   someone else put something into meanwhile stays). The job goes to ERROR.
 */
import { once } from 'node:events';
import { finished, Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { create as contentDisposition } from 'content-disposition';
import type { Request, Response } from 'express';
import { extract as tarExtract, pack as tarPack, type Extract, type Pack } from 'tar-stream';
import type { Identity } from '../src/auth/identity';
import { fault, isFault, type VOSpaceFault } from '../src/domain/faults';
import type { Job } from '../src/domain/job';
import type { NodeRecord } from '../src/domain/node';
import { isContainer, isDataType, isLink } from '../src/domain/nodeTypes';
import { AUTO_NAME, MAX_PATH_BYTES, NULL_NAME, checkName, joinPath } from '../src/domain/paths';
import type { Services } from '../src/services/context';
import { publicFault } from '../src/services/publicFault';
import { allow, createNode, permitted, walkBelow } from '../src/services/nodes';
import { QuotaGuard, uploadBudget, type Budget } from '../src/services/quota';
import { commitUpload, completeDownload, forgetNodes, markWriting, nodeAt, ownerOf, type UploadedFile } from '../src/services/uploads';
import { pipeBody, releasing, type Releasing } from '../src/http/download';
import { Md5Counter } from '../src/storage/hashing';
import type { Metrics } from '../src/http/metrics';

/** What the storage server lends the tar code: its services, its id, and how it fails a job. */
export interface TarContext {
  svc: Services;
  storageId: number;
  /** Ends the job in ERROR with the fault (and clears the busy marks of the job). */
  fail(job: Job, f: VOSpaceFault): Promise<void>;
  /** Where the bytes moved are counted. */
  metrics: Pick<Metrics, 'uploaded' | 'downloaded'>;
}

/** Nodes read per query while walking a subtree. */
const PAGE = 500;

const noop = () => {};

/** One entry of an archive being read: its header, and its bytes as a stream. */
type Entry = Extract extends AsyncIterable<infer S> ? S : never;


// ---------------------------------------------------------------- pull

/** Waits while the socket has more queued than it wants (headers of bodiless entries push past the packer's backpressure). */
function room(out: Writable): Promise<void> {
  if (!out.writableNeedDrain || out.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}

/**
 * The file being packed. The packer passes a file's chunks through as they are, so once the socket
 * has written one it goes back to the file's stream (pipeBody), whose next reads fill it again, as
 * a plain download's do; a chunk of a file already done is left to the collector.
 */
export interface PackedFile {
  stream?: Readable;
}

export const givingBack = (pack: Pack, packed: PackedFile): Pack & Releasing =>
  Object.assign(pack, { release: (chunk: Buffer) => releasing(packed.stream) && packed.stream.release(chunk) });

/** Writes the readable part of the subtree into the packer, entry by entry. */
async function packSubtree(svc: Services, who: Identity, root: NodeRecord, pack: Pack, out: Writable, packed: PackedFile): Promise<void> {
  const prefix = root.path === '' ? 0 : root.path.length + 1;
  for await (const page of walkBelow(svc, root, PAGE)) {
    for (const node of page) {
      if (!(await permitted(svc, who, isContainer(node.type) ? 'read' : 'pull', node))) continue;
      const name = node.path.slice(prefix);
      await room(out);
      // An entry that fails also fails the packer, which ends the response: the error is handled there,
      // and an entry with no listener of its own must not turn it into an uncaught exception.
      if (isContainer(node.type)) {
        pack.entry({ name: `${name}/`, type: 'directory', mode: 0o755, mtime: node.mtime }).on('error', noop);
      } else if (isDataType(node.type)) {
        const size = node.location ? node.size : 0;
        const bytes = node.location && size > 0 ? await svc.backend.read(node.location) : Readable.from([]);
        packed.stream = bytes;
        let entry;
        try {
          entry = pack.entry({ name, type: 'file', mode: 0o644, size, mtime: node.mtime }).on('error', noop);
        } catch (e) {
          bytes.destroy(); // the packer is gone (client left, abort): close the object
          throw e;
        }
        await pipeline(bytes, entry);
      }
      // LinkNodes and bare Nodes: left out (see the top of this file).
    }
  }
}

/** GET with view tar on a container: the subtree as a tar; the job completes when it is sent. */
export async function sendTar(ctx: TarContext, req: Request, res: Response, job: Job, container: NodeRecord): Promise<void> {
  const { svc } = ctx;
  res.status(200).set({
    'Content-Type': 'application/x-tar',
    'Content-Disposition': contentDisposition(`${container.name || 'vospace'}.tar`),
  });
  if (req.method === 'HEAD') return void res.end();
  const packed: PackedFile = {};
  const pack = givingBack(tarPack(), packed);
  const unsubscribe = svc.events.subscribe(job.id, (phase) => {
    if (phase === 'ABORTED') pack.destroy(fault('TransferFailed', 'the transfer was aborted'));
  });
  try {
    const packing = (async () => {
      await packSubtree(svc, await ownerOf(svc, job), container, pack, res, packed);
      pack.finalize();
    })();
    packing.catch(noop); // awaited below; this only keeps a failure from going unhandled meanwhile
    // Nothing is sent until the packer has its first bytes, so a failure before them (the first
    // object unreadable) is still answered with a fault rather than a cut connection.
    await Promise.race([once(pack, 'readable'), packing]);
    const sending = pipeBody(pack, res);
    sending.catch(noop);
    await packing.catch((e: Error) => pack.destroy(e));
    ctx.metrics.downloaded(await sending);
    await completeDownload(svc, job);
  } catch (e) {
    const f = publicFault(e, { job: job.id }, 'TransferFailed', 'the tar download failed');
    pack.destroy();
    await ctx.fail(job, f);
    if (res.headersSent) return void res.destroy();
    res.removeHeader('Content-Disposition');
    throw f; // answered by the fault handler, as a download's failure before its first byte is
  } finally {
    unsubscribe();
  }
}

// ---------------------------------------------------------------- push

/** Messages of tar-stream's parse errors: the archive itself is bad (InvalidData), not the transfer. */
const TAR_FORMAT_ERRORS = [/^Invalid tar header/, /^Invalid header$/, /^Header exceeds max size$/, /^Unexpected end of data$/];
const isFormatError = (e: unknown) => !isFault(e) && e instanceof Error && TAR_FORMAT_ERRORS.some((r) => r.test(e.message));

/**
 * The names an entry lands at, below the container ([] = the container
 * itself). Throws InvalidArgument for anything unsafe (see the top of this file).
 */
export function entryNames(raw: string): string[] {
  const unsafe = (why: string) => fault('InvalidArgument', `unsafe name in the archive ${JSON.stringify(raw.slice(0, 300))}: ${why}; the upload was rejected`);
  let name = raw;
  while (name.startsWith('./')) name = name.slice(2);
  if (name === '' || name === '.') return [];
  if (name.startsWith('/')) throw unsafe('an absolute name');
  if (name.endsWith('/')) name = name.slice(0, -1);
  const names = name.split('/');
  for (const n of names) {
    if (n === '') throw unsafe('an empty segment');
    if (n === '.' || n === '..') throw unsafe(`a '${n}' segment`);
    if (n === AUTO_NAME || n === NULL_NAME) throw unsafe(`${n} is a reserved name`);
    try {
      checkName(n);
    } catch (e) {
      throw unsafe(isFault(e) ? e.detail : String(e));
    }
  }
  return names;
}

/** One tar upload into one container: what it has made so far, to keep or to undo. */
class Unpacking {
  /** Containers known to exist (created or found), by path. */
  private readonly dirs = new Set<string>();
  /** Nodes this upload created, to delete again on failure while still empty. */
  private readonly created: NodeRecord[] = [];
  /** Data nodes this upload writes (marked busy by the job), by node id: their new, committed but unreferenced objects. */
  private readonly files = new Map<number, UploadedFile>();
  private readonly fileIds = new Map<string, number>();
  /** The staging object being written, if any. */
  private staging?: string;
  /** Set once the nodes point at the new bytes: nothing is undone after that. */
  private done = false;
  /** Room the quotas above the container leave for the files' bytes (undefined: none applies). */
  budget?: Budget;

  constructor(
    private readonly ctx: TarContext,
    private readonly job: Job,
    private readonly who: Identity,
    private readonly root: NodeRecord,
  ) {
    this.dirs.add(root.path);
  }

  private get svc(): Services {
    return this.ctx.svc;
  }

  private pathOf(names: string[]): string {
    const path = joinPath(this.root.path, names.join('/'));
    if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) {
      throw fault('InvalidArgument', `${names.join('/').slice(0, 300)}…: the path would exceed ${MAX_PATH_BYTES} bytes; the upload was rejected`);
    }
    return path;
  }

  /** A node of the given type at `path`, made for the owner if missing (a racing creation is fine). */
  private async make(path: string, type: 'ContainerNode' | 'DataNode'): Promise<NodeRecord> {
    try {
      const node = await createNode(this.svc, this.who, path, { type, properties: [] });
      this.created.push(node);
      return node;
    } catch (e) {
      if (!(isFault(e) && e.fault === 'DuplicateNode')) throw e;
      const now = await nodeAt(this.svc, path);
      if (!now) throw e;
      return now;
    }
  }

  /** Makes sure the container at `names` exists, making any missing ones on the way. */
  async container(names: string[]): Promise<void> {
    for (let i = 1; i <= names.length; i++) {
      const path = this.pathOf(names.slice(0, i));
      if (this.dirs.has(path)) continue;
      const node = (await nodeAt(this.svc, path, false)) ?? (await this.make(path, 'ContainerNode'));
      if (isLink(node.type)) throw fault('LinkFound', `${this.svc.uris.format(path)}: the archive has a directory where a link is`);
      if (!isContainer(node.type)) {
        throw fault('InvalidArgument', `${this.svc.uris.format(path)} is a ${node.type}, where the archive has a directory`);
      }
      this.dirs.add(path);
    }
  }

  /** The data node a file entry writes: found or made, checked, and marked busy for this job. */
  private async dataNode(path: string): Promise<NodeRecord> {
    const uri = this.svc.uris.format(path);
    const node = (await nodeAt(this.svc, path)) ?? (await this.make(path, 'DataNode'));
    if (isLink(node.type)) throw fault('LinkFound', `${uri}: the archive has a file where a link is`);
    if (!isDataType(node.type)) throw fault('InvalidArgument', `${uri} is a ${node.type}, where the archive has a file`);
    if (!this.created.includes(node)) await allow(this.svc, this.who, 'push', node);
    await markWriting(this.svc, this.job, path);
    return node;
  }

  /** Streams one file entry into staging and commits it to the backend (not yet to the node). */
  async file(names: string[], entry: Entry): Promise<void> {
    if (!names.length) throw fault('InvalidArgument', 'the archive has a file entry naming the container itself; the upload was rejected');
    const path = this.pathOf(names);
    await this.container(names.slice(0, -1));
    let id = this.fileIds.get(path);
    if (id === undefined) {
      const node = await this.dataNode(path);
      id = node.id;
      // The bytes it holds now go when the new ones land.
      if (this.budget) this.budget.left += node.size;
    }
    this.fileIds.set(path, id);

    const staged = await this.svc.backend.stage(this.job.id, { length: entry.header.size });
    this.staging = staged.ref;
    // Node's pipeline() waits forever on a streamx entry destroyed before it is piped (an ABORT
    // or a client gone during the awaits above): end here, and undo() discards what was staged.
    if (entry.destroyed || (entry as { destroying?: boolean }).destroying) {
      staged.stream.destroy();
      throw fault('TransferFailed', 'the upload stopped before this entry was read');
    }
    if (this.budget) await pipeline(entry, new QuotaGuard(this.budget), staged.stream);
    else await pipeline(entry, staged.stream);
    const { md5, size } = staged.stored();
    const location = await this.svc.backend.commit(staged.ref, id);
    this.staging = undefined;
    // The same path twice in one archive: the later entry wins, as tar has it.
    const earlier = this.files.get(id);
    this.files.set(id, { nodeId: id, path, size, md5: md5.toString('hex'), location });
    if (earlier) await this.svc.backend.remove(earlier.location).catch(noop);
    if (earlier && this.budget) this.budget.left += earlier.size;
  }

  /** Points every written node at its new bytes and completes the job, in one transaction (services/uploads.ts). */
  async commit(): Promise<void> {
    await commitUpload(this.svc, this.job, this.ctx.storageId, { path: this.root.path, below: true }, this.files.values());
    this.done = true;
  }

  /** After a failure: forget the bytes of this upload and the empty nodes it made. Never throws. */
  async undo(): Promise<void> {
    if (this.done) return;
    const { svc, job } = this;
    if (this.staging) await svc.backend.discard(this.staging).catch(noop);
    for (const f of this.files.values()) await svc.backend.remove(f.location).catch(noop);
    // Deepest first, so a container emptied by this cleanup goes too.
    await forgetNodes(svc, job, this.created);
  }
}

/**
 * PUT with view tar: unpacks the body into the container. The server has
 * already claimed the endpoint and marked the container busy for this job.
 * `declaredMd5` is the archive's MD5 as the client declared it (base64), if it did.
 */
export async function receiveTar(ctx: TarContext, req: Request, res: Response, job: Job, declaredMd5?: string): Promise<void> {
  const { svc } = ctx;
  const archive = new Md5Counter();
  const extract = tarExtract();
  // Kept: an ABORT destroys the request, which then lets go of req.socket.
  const socket = req.socket;
  // An ABORT stops the upload at once, wherever it is.
  const unsubscribe = svc.events.subscribe(job.id, (phase) => {
    if (phase === 'ABORTED') req.destroy(fault('TransferFailed', 'the transfer was aborted'));
  });
  let unpacking: Unpacking | undefined;
  try {
    const root = await nodeAt(svc, job.transfer.target);
    if (!root) throw fault('NodeNotFound', svc.uris.format(job.transfer.target));
    if (!isContainer(root.type)) throw fault('ViewNotSupported', `${svc.uris.format(root.path)} is no longer a container`);
    unpacking = new Unpacking(ctx, job, await ownerOf(svc, job), root);
    unpacking.budget = await uploadBudget(svc, root.path, { replacing: false });
    // No await from here to the loop: the extractor hands entries only to a listener already there.
    // The request is piped by hand, not through pipeline(): when the archive is refused (a bad name,
    // a bad header) the request must stay open so the client reads the 400, while a client that
    // goes away must stop the unpacking.
    req.pipe(archive);
    finished(req, (err) => {
      if (err) archive.destroy(isFault(err) ? err : fault('TransferFailed', 'the client went away during the upload'));
    });
    const feeding = pipeline(archive, extract);
    feeding.catch(noop); // awaited after the loop
    for await (const entry of extract) {
      const names = entryNames(entry.header.name);
      switch (entry.header.type) {
        case 'file':
        case 'contiguous-file':
          await unpacking.file(names, entry);
          break;
        case 'directory':
          entry.resume();
          await unpacking.container(names);
          break;
        default: // symlinks, hard links, devices, fifos: skipped
          entry.resume();
      }
    }
    await feeding;
    ctx.metrics.uploaded(archive.size);
    const md5 = archive.digest();
    if (declaredMd5 && declaredMd5 !== md5.toString('base64')) {
      throw fault('PreconditionFailed', `the archive received does not match the declared MD5 (${declaredMd5}); nothing was changed`);
    }
    await unpacking.commit();
    res.status(201).set({ Digest: `md5=${md5.toString('base64')}`, ETag: `"${md5.toString('hex')}"` }).end();
  } catch (e) {
    const f = isFormatError(e) ? fault('InvalidData', `not a readable tar archive: ${(e as Error).message}`) : publicFault(e, { job: job.id }, 'TransferFailed', 'the tar upload failed');
    extract.destroy();
    await unpacking?.undo();
    await ctx.fail(job, f);
    // Only a gone socket means the client left; otherwise it gets the answer (the rest of the body is read and dropped).
    if (socket.destroyed) return void res.destroy();
    req.unpipe(archive);
    req.resume();
    throw f;
  } finally {
    unsubscribe();
  }
}
