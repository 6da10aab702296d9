/** SQL for UWS jobs. Phase changes are conditional on the phase found, so two racing changes cannot both win. */
import { MAX_JOB_LIST, type AnyJob, type Job, type JobError, type JobKind, type JobResult, type NegotiatedProtocol, type Phase, type RecursiveKind } from '../domain/job';
import type { PropertyChange } from '../domain/properties';
import type { Transfer } from '../domain/transfer';
import type { Db } from './nodeStore';
import { runSql } from './runSql';

/** What the `transfer` column holds: a transfer and what negotiating it gave, or what a recursive job was asked. */
type TransferInfo = { transfer: Transfer; protocols?: NegotiatedProtocol[]; createdNode?: number };
type RecursiveInfo = { target: string; properties: PropertyChange[] };

/** A row of `jobs`, with its owner's name joined. */
export interface JobRow {
  id: string;
  kind: JobKind;
  owner_id: number | null;
  owner: string | null;
  run_id: string | null;
  phase: Phase;
  created_at: Date | string;
  start_time: Date | string | null;
  end_time: Date | string | null;
  execution_duration: number;
  destruction: Date | string;
  transfer: TransferInfo | RecursiveInfo | string;
  results: JobResult[] | string;
  error: JobError | string | null;
  endpoint_used: boolean;
}

const date = (d: Date | string) => (d instanceof Date ? d : new Date(d));
const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

export function toJob(r: JobRow): AnyJob {
  const common = {
    id: r.id,
    ownerId: r.owner_id,
    owner: r.owner,
    runId: r.run_id,
    phase: r.phase,
    createdAt: date(r.created_at),
    startTime: r.start_time ? date(r.start_time) : null,
    endTime: r.end_time ? date(r.end_time) : null,
    executionDuration: r.execution_duration,
    destruction: date(r.destruction),
    results: json(r.results),
    error: r.error ? json(r.error) : null,
  };
  if (r.kind !== 'transfer') {
    const asked = json(r.transfer) as RecursiveInfo;
    return { ...common, kind: r.kind, target: asked.target, properties: asked.properties };
  }
  const info = json(r.transfer) as TransferInfo;
  return {
    ...common,
    kind: 'transfer',
    transfer: info.transfer,
    protocols: info.protocols ?? [],
    createdNode: info.createdNode ?? null,
    endpointUsed: r.endpoint_used,
  };
}

const selectJobs = (db: Db) =>
  db('jobs as j')
    .leftJoin('users as u', 'u.id', 'j.owner_id')
    .select('j.*', 'u.name as owner');

/** What a job is asked to do: a transfer, or a recursive job of the node at `target` (a path). */
export type JobRequest = { transfer: Transfer } | { kind: RecursiveKind; target: string; properties: PropertyChange[] };

export type NewJob = {
  id: string;
  ownerId: number | null;
  runId: string | null;
  executionDuration: number;
  destruction: Date;
} & JobRequest;

// The statements every transfer makes (a push reads its job four times and changes its phase
// three times) are fixed texts run by runSql: Knex's builder cost more than the statement.
const INSERT_JOB = `INSERT INTO jobs (id, kind, owner_id, run_id, phase, created_at, execution_duration, destruction, transfer)
  VALUES ($1, $2, $3, $4, 'PENDING', date_trunc('milliseconds', now()), $5, $6, $7) RETURNING *`;
const GET_JOB = 'SELECT j.*, u.name AS owner FROM jobs j LEFT JOIN users u ON u.id = j.owner_id WHERE j.id = $1';
/** The job with its owner's name, its row locked ($1: the job's id). */
export const GET_JOB_FOR_UPDATE = `${GET_JOB} FOR UPDATE OF j`;

/** Inserts a PENDING job; returns it as getAnyJob would (the owner's name is the caller's to give). */
export async function insertJob(db: Db, j: NewJob, owner: string | null): Promise<AnyJob> {
  // created_at in milliseconds, as documents print it: AFTER=<a job's creationTime> must leave that job out.
  const [row] = await runSql<JobRow>(db, INSERT_JOB, [
    j.id,
    'transfer' in j ? 'transfer' : j.kind,
    j.ownerId,
    j.runId,
    j.executionDuration,
    j.destruction,
    JSON.stringify('transfer' in j ? { transfer: j.transfer } : { target: j.target, properties: j.properties }),
  ]);
  return toJob({ ...row, owner });
}

/** A job of any kind. */
export async function getAnyJob(db: Db, id: string, forUpdate = false): Promise<AnyJob | undefined> {
  const [row] = await runSql<JobRow>(db, forUpdate ? GET_JOB_FOR_UPDATE : GET_JOB, [id]);
  return row ? toJob(row) : undefined;
}

/** A transfer job (a job of another kind is none). */
export async function getJob(db: Db, id: string, forUpdate = false): Promise<Job | undefined> {
  const job = await getAnyJob(db, id, forUpdate);
  return job?.kind === 'transfer' ? job : undefined;
}

export interface JobFilter {
  /** Only this owner's jobs; undefined: everyone's (admins). */
  ownerId?: number | null;
  /** Only jobs of these kinds; undefined: every kind. */
  kinds?: JobKind[];
  phases?: Phase[];
  after?: Date;
  last?: number;
  /**
   * A page cursor: only jobs after this one in creation order (created_at, id).
   * Its creation time is compared as stored; `createdAt` stands in if the job is gone.
   */
  afterJob?: { id: string; createdAt: Date };
  /** At most this many, oldest first (ignored with `last`). */
  first?: number;
}

export async function listJobs(db: Db, f: JobFilter): Promise<AnyJob[]> {
  const q = selectJobs(db);
  if (f.ownerId !== undefined) q.where((w) => (f.ownerId === null ? w.whereNull('j.owner_id') : w.where('j.owner_id', f.ownerId)));
  if (f.kinds) q.whereIn('j.kind', f.kinds);
  if (f.phases?.length) q.whereIn('j.phase', f.phases);
  if (f.after) q.where('j.created_at', '>', f.after);
  if (f.afterJob) {
    const { id, createdAt } = f.afterJob;
    q.whereRaw('(j.created_at, j.id) > (coalesce((select c.created_at from jobs c where c.id = ?), ?::timestamptz), ?)', [id, createdAt, id]);
  }
  if (f.last !== undefined) {
    // LAST: the most recent N, still listed oldest first.
    const rows = await q.orderBy('j.created_at', 'desc').orderBy('j.id', 'desc').limit(f.last);
    return rows.reverse().map(toJob);
  }
  // The cap (MAX_JOB_LIST) is the service's to enforce.
  const rows = await q.orderBy('j.created_at').orderBy('j.id').limit(f.first ?? MAX_JOB_LIST + 1);
  return rows.map(toJob);
}

/** One text for every phase change: a column not changed is set to itself ($6, $9 null and $7 false: kept; $4, $5 true: set to now). */
const CHANGE_PHASE_CTE = `WITH changed AS (
  UPDATE jobs SET phase = $3,
    start_time = CASE WHEN $4::boolean THEN CURRENT_TIMESTAMP ELSE start_time END,
    end_time = CASE WHEN $5::boolean THEN CURRENT_TIMESTAMP ELSE end_time END,
    results = COALESCE($6::jsonb, results),
    error = CASE WHEN $7::boolean THEN $8::jsonb ELSE error END,
    transfer = COALESCE($9::jsonb, transfer)
  WHERE id = $1 AND phase = ANY($2::text[])
  RETURNING *)`;
const CHANGE_PHASE = `${CHANGE_PHASE_CTE} SELECT * FROM changed`;
const CHANGE_PHASE_NOTIFY = `${CHANGE_PHASE_CTE} SELECT changed.*, pg_notify($10, $11) AS notified FROM changed`;

export interface PhaseChange {
  phase: Phase;
  startTime?: boolean;
  endTime?: boolean;
  results?: JobResult[];
  protocols?: NegotiatedProtocol[];
  transfer?: Transfer;
  /** The data node the negotiation of a push made (see Job.createdNode). */
  createdNode?: number;
  error?: JobError | null;
}

/**
 * Moves a job to a new phase if it is in one of `from`; returns the job as it
 * now is (`owner`: its owner's name, as a read joins it), or undefined if it
 * was in none. With `notify`, the same statement sends that NOTIFY (delivered
 * when the change commits).
 */
export async function changePhase(
  db: Db,
  job: { id: string; owner: string | null },
  from: Phase[],
  c: PhaseChange,
  notify?: { channel: string; payload: string },
): Promise<AnyJob | undefined> {
  const { id } = job;
  let transfer: string | null = null;
  if (c.protocols || c.transfer) {
    // Both kept in one column: read the one not given (negotiation gives both, and saves the read).
    const found = c.protocols && c.transfer ? undefined : await getJob(db, id);
    if (!(c.transfer ?? found?.transfer)) return undefined;
    transfer = JSON.stringify({
      transfer: c.transfer ?? found!.transfer,
      protocols: c.protocols ?? found?.protocols ?? [],
      createdNode: c.createdNode ?? found?.createdNode ?? undefined,
    });
  }
  const rows = await runSql<JobRow>(db, notify ? CHANGE_PHASE_NOTIFY : CHANGE_PHASE, [
    id,
    from,
    c.phase,
    !!c.startTime,
    !!c.endTime,
    c.results ? JSON.stringify(c.results) : null,
    c.error !== undefined,
    c.error ? JSON.stringify(c.error) : null,
    transfer,
    ...(notify ? [notify.channel, notify.payload] : []),
  ]);
  return rows.length ? toJob({ ...rows[0], owner: job.owner }) : undefined;
}

export async function setDestruction(db: Db, id: string, when: Date): Promise<void> {
  await db('jobs').where('id', id).update({ destruction: when });
}

export async function setExecutionDuration(db: Db, id: string, seconds: number): Promise<void> {
  await db('jobs').where('id', id).update({ execution_duration: seconds });
}

/** Claims a job's endpoint for one use by one storage server; false if already used or no longer executing. */
export async function claimEndpoint(db: Db, id: string, storageId: number | null): Promise<boolean> {
  const n = await db('jobs').where({ id, endpoint_used: false, phase: 'EXECUTING' }).update({ endpoint_used: true, claimed_by: storageId });
  return n > 0;
}

export async function deleteJob(db: Db, id: string): Promise<boolean> {
  return (await db('jobs').where('id', id).delete()) > 0;
}

/** Ids of jobs past their destruction time. */
export async function expiredJobIds(db: Db, now: Date): Promise<string[]> {
  const rows: { id: string }[] = await db('jobs').select('id').where('destruction', '<', now).limit(1000);
  return rows.map((r) => r.id);
}

/** Executing jobs that ran past their execution duration (0 = unlimited). */
export async function overdueJobIds(db: Db): Promise<string[]> {
  const rows: { id: string }[] = await db('jobs')
    .select('id')
    .where('phase', 'EXECUTING')
    .andWhere('execution_duration', '>', 0)
    .andWhereRaw(`start_time + make_interval(secs => execution_duration) < now()`)
    .limit(1000);
  return rows.map((r) => r.id);
}

/** Executing jobs claimed by storage servers not heard from for `seconds` (they died with them). */
export async function jobsOfSilentServers(db: Db, seconds: number): Promise<string[]> {
  const rows: { id: string }[] = await db('jobs as j')
    .join('storage_servers as s', 's.id', 'j.claimed_by')
    .select('j.id')
    .where('j.phase', 'EXECUTING')
    .andWhereRaw(`s.heartbeat_at < now() - make_interval(secs => ?)`, [seconds]);
  return rows.map((r) => r.id);
}

/** Executing jobs whose endpoint a given storage server had claimed (it restarted: they died with it). */
export async function jobsClaimedBy(db: Db, storageId: number): Promise<string[]> {
  const rows: { id: string }[] = await db('jobs').select('id').where({ claimed_by: storageId, phase: 'EXECUTING' });
  return rows.map((r) => r.id);
}

/** Which server claimed each of the jobs `ids` and what phase it is in (jobs that are gone are left out). */
export async function claimsOf(db: Db, ids: string[]): Promise<Map<string, { claimedBy: number | null; phase: Phase }>> {
  if (!ids.length) return new Map();
  const rows: { id: string; claimed_by: number | null; phase: Phase }[] = await db('jobs').select('id', 'claimed_by', 'phase').whereIn('id', ids);
  return new Map(rows.map((r) => [r.id, { claimedBy: r.claimed_by === null ? null : Number(r.claimed_by), phase: r.phase }]));
}
