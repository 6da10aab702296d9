/**
 * The storage server: streams bytes to and from the backend for the one-shot
 * endpoints that transfers hand out. The URL is the credential (see
 * src/auth/endpoints.ts); the job row makes it single-use.
 *
 * PUT: claim the endpoint and mark the node busy (one transaction), stream
 * the body to staging while counting it and computing its MD5, make the
 * staged object durable (a small body: read whole, hashed, and stored in one
 * step), then in ONE transaction point the node at it and
 * complete the job. Until that commit the old bytes stay in place and
 * readable; any failure (disconnect, ABORT, digest mismatch, crash) leaves
 * them so.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import express, { type Request, type Response } from 'express';
import getRawBody from 'raw-body';
import { fault, isFault, type VOSpaceFault } from '../src/domain/faults';
import type { Job } from '../src/domain/job';
import { isContainer } from '../src/domain/nodeTypes';
import { VIEW } from '../src/domain/transfer';
import { closeServer } from '../src/httpClose';
import { requestLog } from '../src/http/requestLog';
import { securityHeaders } from '../src/http/securityHeaders';
import { logger } from '../src/log';
import { faultHandler } from '../src/http/faults';
import { Metrics } from '../src/http/metrics';
import { metricsEndpoint } from '../src/http/metricsEndpoint';
import { storageOperation } from '../src/http/operations';
import type { Services } from '../src/services/context';
import { guarded, uploadBudget, type Budget } from '../src/services/quota';
import { publicFault } from '../src/services/publicFault';
import { failJob } from '../src/services/jobPhases';
import { recoverStorage, registerStorage, storageHeartbeat } from '../src/services/storage';
import { claimDownload, claimUpload, commitUpload, completeDownload, endpointJob, nodeAt } from '../src/services/uploads';
import { storageCors, serviceOrigins } from './cors';
import { sendNodeBytes } from '../src/http/download';
import { startFileWorker } from '../src/storage/fileWorker';
import { receiveTar, sendTar, type TarContext } from './tarView';

const HEARTBEAT_MS = 30_000;
/**
 * A body of at most this many bytes (by its Content-Length) is read into memory
 * and stored in one step where the backend can (StorageBackend.storeWhole):
 * for a small file, the staging stream's set-up and messages cost more than
 * its bytes.
 */
const SMALL_BODY = 64 * 1024;

export interface RunningStorage {
  id: number;
  url: string;
  port: number;
  /** Stops accepting; transfers still running after `graceMs` are cut (and rolled back); resolves once their handlers are done. */
  close(graceMs?: number): Promise<void>;
  /** The port the metadata service listens on, once it does: with no cors_origins, its origins are the ones allowed. */
  servePortalOn(port: number): void;
}

/** The MD5 a client declared (Digest: md5=<base64>, or Content-MD5), as base64. */
function declaredMd5(req: Request): string | undefined {
  const digest = req.headers.digest;
  if (typeof digest === 'string') {
    const m = /(?:^|,)\s*md5=([A-Za-z0-9+/=]+)/i.exec(digest);
    if (m) return m[1];
  }
  const cmd5 = req.headers['content-md5'];
  return typeof cmd5 === 'string' ? cmd5.trim() : undefined;
}

export class StorageServer {
  id = 0;
  /** Transfers being served: shutdown waits for them to finish or roll back before the database closes. */
  private readonly inFlight = new Set<Promise<void>>();

  /** Origins whose pages may use the endpoints (storage-server/cors.ts). */
  private corsOrigins: ReadonlySet<string>;

  /** Its requests and the bytes it moves; served at its own /metrics only when it has its own (standalone). */
  private readonly metrics: Metrics;
  private readonly servesMetrics: boolean;

  /** `metrics`: the service's, when this server runs inside it (the service's /metrics then shows this server's figures). */
  constructor(
    private readonly svc: Services,
    opts: { metrics?: Metrics } = {},
  ) {
    this.corsOrigins = new Set(svc.storage.corsOrigins ?? serviceOrigins(svc.space));
    this.metrics = opts.metrics ?? new Metrics(svc.db, { jobs: false });
    this.servesMetrics = !opts.metrics;
  }

  /** Ends a job this server was serving: ERROR with the fault (unless it was aborted meanwhile). */
  private fail(job: Job, f: VOSpaceFault): Promise<void> {
    return failJob(this.svc, job, f);
  }

  /** The room quotas leave an upload (undefined: none applies); one declared larger is refused before a byte is read. */
  private async budget(job: Job, req: Request): Promise<Budget | undefined> {
    try {
      return await uploadBudget(this.svc, job.transfer.target, { replacing: true, contentLength: req.headers['content-length'] });
    } catch (e) {
      await this.fail(job, publicFault(e, { job: job.id }));
      throw e;
    }
  }

  /** What the container views (storage-server/tarView.ts) borrow from this server. */
  private tarContext(): TarContext {
    return { svc: this.svc, storageId: this.id, fail: (job, e) => this.fail(job, e), metrics: this.metrics };
  }

  async put(req: Request, res: Response): Promise<void> {
    const svc = this.svc;
    const { job, nodeId } = await claimUpload(svc, String(req.params.token), this.id);
    const target = job.transfer.target;
    // A container with view tar (negotiation admits tar for containers only): the body is an archive to unpack.
    if (job.transfer.view === VIEW.tar) return receiveTar(this.tarContext(), req, res, job, declaredMd5(req));

    const budget = await this.budget(job, req);
    // Kept: a request destroyed (by an ABORT, or by the pipeline when the backend's stream fails) lets go of req.socket.
    const socket = req.socket;
    const length = Number(req.headers['content-length'] ?? NaN);
    const storeWhole = length <= SMALL_BODY ? svc.backend.storeWhole?.bind(svc.backend) : undefined;
    // Any other body streams through staging. The request's chunks are handed over: nothing else reads them.
    const staged = storeWhole ? undefined : await svc.backend.stage(job.id, { handOver: true, length: Number.isFinite(length) ? length : undefined });
    // An ABORT stops the upload at once, wherever it is.
    const unsubscribe = svc.events.subscribe(job.id, (phase) => {
      if (phase === 'ABORTED') req.destroy(fault('TransferFailed', 'the transfer was aborted'));
    });
    let location: string | undefined;
    try {
      const body = budget ? guarded(req, budget) : req;
      let received: { md5: Buffer; size: number; place: () => Promise<string> };
      if (staged) {
        await pipeline(body, staged.stream);
        received = { ...staged.stored(), place: () => svc.backend.commit(staged.ref, nodeId) };
      } else {
        const data = await getRawBody(body, { length, limit: SMALL_BODY });
        // Without staging, storeWhole is there.
        received = { md5: createHash('md5').update(data).digest(), size: data.length, place: () => storeWhole!(job.id, data, nodeId) };
      }
      const { md5, size } = received;
      this.metrics.uploaded(size);
      const declared = declaredMd5(req);
      if (declared && declared !== md5.toString('base64')) {
        throw fault('PreconditionFailed', `the bytes received do not match the declared MD5 (${declared}); nothing was changed`);
      }
      location = await received.place();
      await commitUpload(svc, job, this.id, { path: target, below: false }, [{ nodeId, path: target, size, md5: md5.toString('hex'), location }]);
      res.status(201).set({ Digest: `md5=${md5.toString('base64')}`, ETag: `"${md5.toString('hex')}"` }).end();
    } catch (e) {
      if (staged) await svc.backend.discard(staged.ref).catch(() => {});
      if (location) await svc.backend.remove(location).catch(() => {});
      // A client that left is no server failure: no error logged for it.
      const f = socket.destroyed && !isFault(e) ? fault('TransferFailed', 'the client went away during the upload') : publicFault(e, { job: job.id });
      await this.fail(job, f);
      // A request is destroyed once read to the end too: only a gone socket means the client left.
      if (socket.destroyed) return void res.destroy();
      throw f;
    } finally {
      unsubscribe();
    }
  }

  async get(req: Request, res: Response): Promise<void> {
    const svc = this.svc;
    const job = await endpointJob(svc, String(req.params.token), 'get');
    if (job.transfer.direction !== 'pullFromVoSpace') throw fault('PermissionDenied', 'this endpoint is not for a download');
    const node = await nodeAt(svc, job.transfer.target);
    if (!node) throw fault('NodeNotFound', svc.uris.format(job.transfer.target));
    // HEAD looks without using the endpoint up.
    if (req.method !== 'HEAD') await claimDownload(svc, job, this.id);
    if (job.transfer.view === VIEW.tar && isContainer(node.type)) return sendTar(this.tarContext(), req, res, job, node);
    try {
      if (!(await sendNodeBytes(req, res, node, svc.backend))) return;
      this.metrics.downloaded(Number(res.getHeader('content-length')));
      await completeDownload(svc, job);
    } catch (e) {
      const f = publicFault(e, { job: job.id });
      await this.fail(job, f);
      if (!res.headersSent) throw f;
      res.destroy();
    }
  }

  /** The app; requests wait for `ready` (start-up recovery) before they are served. */
  app(ready: Promise<unknown> = Promise.resolve()): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    // Not rate limited: each endpoint serves one transfer only.
    app.use(this.metrics.timeRequests(storageOperation), securityHeaders(), storageCors(() => this.corsOrigins), requestLog());
    // Served while the start-up recovery runs too.
    if (this.servesMetrics) app.get('/metrics', metricsEndpoint(this.svc, this.metrics, { jobs: false }));
    app.use((_req, _res, next) => void ready.then(() => next(), next));
    app.put('/transfer/:token', (req, res) => this.track(this.put(req, res)));
    app.get('/transfer/:token', (req, res) => this.track(this.get(req, res)));
    app.use((req, _res, next) => next(fault('NotFound', `no resource at ${req.method} ${req.path}`)));
    app.use(faultHandler);
    return app;
  }

  private track(p: Promise<void>): Promise<void> {
    const done = () => this.inFlight.delete(p);
    this.inFlight.add(p);
    p.then(done, done);
    return p;
  }

  /** A heartbeat, with the free and total space of root_dir when statfs can tell them. */
  private async heartbeat(): Promise<void> {
    const s = await fs.promises.statfs(this.svc.storage.rootDir).catch(() => undefined);
    await storageHeartbeat(this.svc, this.id, s && { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize });
  }

  /**
   * Listens, registers, and recovers from a previous run before it serves a
   * request (its URL, hence its id, is known only once it listens: requests
   * that come meanwhile wait).
   */
  async listen(): Promise<RunningStorage> {
    const cfg = this.svc.storage;
    let recovered!: (e?: Error) => void;
    const ready = new Promise<void>((resolve, reject) => (recovered = (e) => (e ? reject(e) : resolve())));
    ready.catch(() => {});
    const app = this.app(ready);
    const server = cfg.useSsl ? https.createServer({ cert: fs.readFileSync(cfg.certFile), key: fs.readFileSync(cfg.keyFile) }, app) : http.createServer(app);
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(cfg.port, cfg.host, resolve));
    const port = (server.address() as AddressInfo).port;
    const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
    const url = cfg.publicUrl || `${cfg.useSsl ? 'https' : 'http'}://${host}:${port}`;
    try {
      this.id = await registerStorage(this.svc, cfg.name, url);
      startFileWorker();
      await recoverStorage(this.svc, this.id);
      recovered();
    } catch (e) {
      recovered(fault('InternalFault', 'the storage server failed to start'));
      await closeServer(server, 0);
      throw e;
    }
    // The first beat at once, so the space of root_dir is known from the start.
    await this.heartbeat();
    const timer = setInterval(() => {
      this.heartbeat().catch((err) => logger.warn({ err }, 'storage heartbeat failed'));
    }, HEARTBEAT_MS);
    timer.unref();
    return {
      id: this.id,
      url,
      port,
      close: async (graceMs?: number) => {
        clearInterval(timer);
        await closeServer(server, graceMs);
        await Promise.allSettled([...this.inFlight]);
      },
      servePortalOn: (port: number) => {
        if (!this.svc.storage.corsOrigins) this.corsOrigins = new Set(serviceOrigins(this.svc.space, port));
      },
    };
  }
}
