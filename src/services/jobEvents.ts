/**
 * Job phase changes, delivered to whoever waits on them (UWS ?WAIT=, GraphQL
 * subscriptions, an upload to abort). On PostgreSQL the change is published
 * with NOTIFY, so a storage server in another process wakes the metadata
 * service's waiters; the embedded database lives in one process, so there a
 * plain in-process emitter carries it. Nobody polls the database in a loop.
 */
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Knex } from 'knex';
import type { Phase } from '../domain/job';
import { logger } from '../log';

const CHANNEL = 'vospace_jobs';

export class JobEvents {
  private readonly emitter = new EventEmitter();
  private listener?: pg.Client;

  constructor(private readonly knex: Knex, private readonly dsn: string) {
    this.emitter.setMaxListeners(0);
  }

  async start(): Promise<void> {
    if (!this.dsn) return;
    const client = new pg.Client({ connectionString: this.dsn });
    client.on('notification', (m) => {
      const [id, phase] = (m.payload ?? '').split(' ');
      if (id) this.emitter.emit(id, phase as Phase);
    });
    client.on('error', (err) => logger.error({ err }, 'job event listener failed'));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  async stop(): Promise<void> {
    await this.listener?.end();
    this.listener = undefined;
  }

  /**
   * Tell every waiter (in any process of the space) that a job changed. Call
   * after the change commits. `owner`: the job owner's name, for the log, when
   * the caller has it (otherwise it is looked up).
   */
  async publish(jobId: string, phase: Phase, owner?: string | null): Promise<void> {
    if (this.dsn) await this.knex.raw('SELECT pg_notify(?, ?)', [CHANNEL, `${jobId} ${phase}`]);
    else this.emitter.emit(jobId, phase);
    await this.log(jobId, phase, owner);
  }

  /** The job log: every phase change goes through publish(), so it is logged here, once. */
  private async log(jobId: string, phase: Phase, owner: string | null | undefined): Promise<void> {
    if (!logger.isLevelEnabled('info')) return;
    try {
      if (owner === undefined) {
        const row = await this.knex('jobs as j').leftJoin('users as u', 'u.id', 'j.owner_id').where('j.id', jobId).first<{ owner: string | null } | undefined>('u.name as owner');
        owner = row?.owner ?? null;
      }
      logger.info({ job: jobId, owner, phase }, 'job phase');
    } catch (err) {
      logger.warn({ err, job: jobId, phase }, 'job phase (owner unknown)');
    }
  }

  /** Calls `f` on each change of the job until the returned function is called. */
  subscribe(jobId: string, f: (phase: Phase) => void): () => void {
    this.emitter.on(jobId, f);
    return () => this.emitter.off(jobId, f);
  }

  /** Resolves on the job's next change, or after `ms`, whichever comes first. */
  next(jobId: string, ms: number): { promise: Promise<void>; cancel: () => void } {
    let cancel = () => {};
    const promise = new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        off();
        resolve();
      };
      const timer = setTimeout(done, ms);
      const off = this.subscribe(jobId, done);
      cancel = done;
    });
    return { promise, cancel };
  }
}
