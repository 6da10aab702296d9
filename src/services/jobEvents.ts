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
/** How the listening connection names itself in pg_stat_activity. */
export const LISTENER_NAME = 'vospace job events';
/** Reconnecting after the listening connection drops: the first try at once-ish, then doubling up to the cap. */
const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 5000;

export class JobEvents {
  private readonly emitter = new EventEmitter();
  private listener?: pg.Client;
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(private readonly knex: Knex, private readonly dsn: string) {
    this.emitter.setMaxListeners(0);
  }

  /** On PostgreSQL, LISTENs on a connection of its own; a first connection that fails fails the start. */
  async start(): Promise<void> {
    if (!this.dsn) return;
    this.stopped = false;
    await this.listen();
  }

  private async listen(): Promise<void> {
    // keepAlive: a connection cut without a word (a network blip) is found dead instead of waiting forever.
    const client = new pg.Client({ connectionString: this.dsn, application_name: LISTENER_NAME, keepAlive: true, connectionTimeoutMillis: 10_000 });
    client.on('notification', (m) => {
      const [id, phase] = (m.payload ?? '').split(' ');
      if (id) this.emitter.emit(id, phase as Phase);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (e) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      throw e;
    }
    if (this.stopped) return void (await client.end().catch(() => {}));
    this.listener = client;
  }

  /** The listening connection dropped (the server ended it, a restart, the network): listen again. */
  private lost(client: pg.Client, err?: Error): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    client.end().catch(() => {});
    if (this.stopped) return;
    logger.warn({ err }, 'job event listener lost its connection; reconnecting');
    this.reconnect(1);
  }

  private reconnect(attempt: number): void {
    const delay = Math.min(RECONNECT_FIRST_MS * 2 ** (attempt - 1), RECONNECT_MAX_MS);
    this.retry = setTimeout(async () => {
      this.retry = undefined;
      if (this.stopped) return;
      try {
        await this.listen();
      } catch (err) {
        if (!this.stopped) logger.warn({ err, attempt }, 'job event listener could not reconnect; trying again');
        if (!this.stopped) this.reconnect(attempt + 1);
        return;
      }
      logger.info({ attempt }, 'job event listener reconnected');
      await this.recheck().catch((err) => logger.warn({ err }, 'job event listener could not re-check its waiters'));
    }, delay);
    this.retry.unref();
  }

  /**
   * After a gap in listening a change may have been missed: every job someone
   * waits on is told the phase it is in now (a deleted job, ABORTED, as its
   * deletion would have said). Waiters look again and carry on if nothing changed.
   */
  private async recheck(): Promise<void> {
    const ids = this.emitter.eventNames().filter((n): n is string => typeof n === 'string');
    if (!ids.length) return;
    const rows: { id: string; phase: Phase }[] = await this.knex('jobs').select('id', 'phase').whereIn('id', ids);
    const phases = new Map(rows.map((r) => [r.id, r.phase]));
    for (const id of ids) this.emitter.emit(id, phases.get(id) ?? 'ABORTED');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.listener;
    this.listener = undefined;
    await client?.end();
  }

  /**
   * On PostgreSQL, the NOTIFY that tells every waiter (in any process of the
   * space) of a job's change: the statement that makes the change sends it,
   * and PostgreSQL delivers it when that commits (never if it rolls back),
   * at no cost of a statement or a transaction of its own. Undefined on the
   * embedded database, whose waiters are told by changed().
   */
  notification(jobId: string, phase: Phase): { channel: string; payload: string } | undefined {
    return this.dsn ? { channel: CHANNEL, payload: `${jobId} ${phase}` } : undefined;
  }

  /**
   * Call once a change has committed: on the embedded database its waiters
   * are told now (on PostgreSQL the change's NOTIFY told them), and it is
   * logged. `owner`: the job owner's name, when the caller has it (otherwise
   * it is looked up).
   */
  async changed(jobId: string, phase: Phase, owner?: string | null): Promise<void> {
    if (!this.dsn) this.emitter.emit(jobId, phase);
    await this.log(jobId, phase, owner);
  }

  /** The job log: every phase change goes through changed(), so it is logged here, once. */
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
