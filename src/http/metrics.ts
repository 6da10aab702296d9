/**
 * Prometheus metrics (prom-client): request latency per operation and status,
 * the bytes transfers move, the database pool, the jobs by kind and phase
 * (read at each scrape, by the endpoint: src/http/metricsEndpoint.ts), and
 * Node's process metrics. One Metrics per process: when the storage server
 * runs inside the service it records into the service's.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { JOB_KINDS, PHASES, type JobKind, type Phase } from '../domain/job';

/** Names a request by what it did, from a small fixed set (never its path: one series per path would be unbounded). */
export type OperationOf = (req: Request) => string;

export interface JobCount {
  kind: JobKind;
  phase: Phase;
  count: number;
}

/** What a tarn pool (Knex's; the embedded database's is a pool of one) tells. */
interface PoolState {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  max: number;
}

/** From 1 ms (a metadata request) to a minute (a large upload). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The operation whose bytes the metadata service sends itself (/vospace/files), counted from its Content-Length. */
export const FILES_GET = 'files.get';

let processRegistry: Registry | undefined;

/** CPU, memory, event loop lag, GC: the process's, so collected once whatever the number of Metrics (tests start many services). */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class Metrics {
  /** What /metrics shows: this Metrics' own and the process's. */
  readonly registry: Registry;
  private readonly latency: Histogram<'operation' | 'status'>;
  /** The histogram's series, made on first use and kept: a request then observes without building a label object. */
  private readonly series = new Map<string, ReturnType<Histogram<'operation' | 'status'>['labels']>[]>();
  private readonly uploadBytes: ReturnType<Counter<'direction'>['labels']>;
  private readonly downloadBytes: ReturnType<Counter<'direction'>['labels']>;
  private readonly jobs?: Gauge<'kind' | 'phase'>;

  /** `db`: the pool to report; `jobs`: whether job counts are shown (the metadata service's, not a standalone storage server's). */
  constructor(db: Knex, opts: { jobs: boolean }) {
    const own = new Registry();
    this.latency = new Histogram({
      name: 'vospace_http_request_duration_seconds',
      help: 'Time from a request to the end of its answer, by operation and HTTP status.',
      labelNames: ['operation', 'status'],
      buckets: LATENCY_BUCKETS,
      registers: [own],
    });
    const bytes = new Counter({
      name: 'vospace_transfer_bytes_total',
      help: 'Bytes of data moved: upload = bodies received whole by the storage server; download = bodies sent whole (storage server and /vospace/files).',
      labelNames: ['direction'],
      registers: [own],
    });
    this.uploadBytes = bytes.labels('upload');
    this.downloadBytes = bytes.labels('download');
    // Shown from the start (as 0), so a rate() has a first sample.
    this.uploadBytes.inc(0);
    this.downloadBytes.inc(0);
    const pool = () => (db.client as { pool?: PoolState }).pool;
    const poolGauge = (name: string, help: string, read: (p: PoolState) => number) =>
      new Gauge({
        name,
        help,
        registers: [own],
        collect() {
          const p = pool();
          this.set(p ? read(p) : 0);
        },
      });
    poolGauge('vospace_db_pool_used_connections', 'Database connections in use (the embedded database has one).', (p) => p.numUsed());
    poolGauge('vospace_db_pool_free_connections', 'Database connections open and idle.', (p) => p.numFree());
    poolGauge('vospace_db_pool_pending_acquires', 'Queries waiting for a database connection.', (p) => p.numPendingAcquires());
    poolGauge('vospace_db_pool_max_connections', 'Most database connections the pool opens.', (p) => p.max);
    if (opts.jobs) {
      this.jobs = new Gauge({ name: 'vospace_jobs', help: 'Jobs in the database by kind and phase, read at each scrape.', labelNames: ['kind', 'phase'], registers: [own] });
    }
    this.registry = Registry.merge([own, processMetrics()]);
  }

  /** Times every request, named by `operationOf` once its answer is over (or cut). */
  timeRequests(operationOf: OperationOf): RequestHandler {
    return (req, res, next) => {
      const start = performance.now();
      res.once('close', () => this.requestDone(operationOf(req), req, res, start));
      next();
    };
  }

  private requestDone(operation: string, req: Request, res: Response, start: number): void {
    const status = res.statusCode;
    let byStatus = this.series.get(operation);
    if (!byStatus) this.series.set(operation, (byStatus = []));
    (byStatus[status] ??= this.latency.labels(operation, String(status))).observe((performance.now() - start) / 1000);
    if (operation === FILES_GET && req.method === 'GET' && (status === 200 || status === 206) && res.writableFinished) {
      this.downloaded(Number(res.getHeader('content-length')) || 0);
    }
  }

  uploaded(bytes: number): void {
    this.uploadBytes.inc(bytes);
  }

  downloaded(bytes: number): void {
    this.downloadBytes.inc(bytes);
  }

  /** The text a scrape gets; `jobs`, the counts just read, replace the last ones (every kind and phase shown, 0 when none). */
  async exposition(jobs?: JobCount[]): Promise<string> {
    if (this.jobs && jobs) {
      const count = new Map(jobs.map((j) => [`${j.kind} ${j.phase}`, j.count]));
      for (const kind of JOB_KINDS) for (const phase of PHASES) this.jobs.set({ kind, phase }, count.get(`${kind} ${phase}`) ?? 0);
    }
    return this.registry.metrics();
  }
}
