/**
 * The UWS 1.1 life of a job, whatever its kind (a transfer, a recursive
 * delete or setprops): create, read, list, run, abort, wait, delete, expire.
 * Given a kind, a function finds only a job of that kind (each job list
 * shows its own).
 */
import { randomBytes } from 'node:crypto';
import type { Identity } from '../auth/identity';
import type { JobAction } from '../auth/policy';
import * as jobStore from '../db/jobStore';
import { clearBusy } from '../db/transferStore';
import { fault } from '../domain/faults';
import { ACTIVE_PHASES, FINAL_PHASES, MAX_JOB_LIST, type AnyJob, type Job, type JobKind, type Phase, type RecursiveKind } from '../domain/job';
import type { PropertyChange } from '../domain/properties';
import { isMoveOrCopy, type Transfer } from '../domain/transfer';
import { logger } from '../log';
import type { Services } from './context';
import { failJob, forgetCreatedNode, transition } from './jobPhases';
import { checkRecursiveRequest, executeRecursive } from './recursive';
import { execute } from './transfers';

/** Defaults for new jobs. */
export const JOB_DEFAULTS = {
  /** Seconds a job may stay EXECUTING (0 = unlimited). */
  executionDuration: 3600,
  /** Seconds until a job is destroyed. */
  lifetime: 7 * 24 * 3600,
  /** Longest a WAIT blocks, in seconds. */
  maxWait: 60,
};

const newJobId = () => randomBytes(12).toString('base64url');

/** The job `id` (of `kind`, if given), if the policy lets `who` do `action` with it. */
async function jobFor(svc: Services, who: Identity, id: string, action: JobAction, kind?: JobKind): Promise<AnyJob> {
  const job = /^[A-Za-z0-9_-]{1,64}$/.test(id) ? await jobStore.getAnyJob(svc.db, id) : undefined;
  if (!job || (kind && job.kind !== kind)) throw fault('NotFound', `no job ${id.slice(0, 64)}`);
  await mayDo(svc, who, action, job);
  return job;
}

async function mayDo(svc: Services, who: Identity, action: JobAction, job: AnyJob): Promise<void> {
  if (!(await svc.policy.permits(who, action, { job }))) throw fault('PermissionDenied', `${who.name ?? 'anonymous'} may not ${action} ${job.id}`);
}

export function readJob(svc: Services, who: Identity, id: string, kind: 'transfer'): Promise<Job>;
export function readJob(svc: Services, who: Identity, id: string, kind?: JobKind): Promise<AnyJob>;
export function readJob(svc: Services, who: Identity, id: string, kind?: JobKind): Promise<AnyJob> {
  return jobFor(svc, who, id, 'readJob', kind);
}

export interface CreateOptions {
  /** PHASE=RUN at once. */
  run?: boolean;
  runId?: string;
}

/** Inserts a PENDING job for `who`, and runs it if asked. */
async function newJob(svc: Services, who: Identity, what: jobStore.JobRequest, opts: CreateOptions): Promise<AnyJob> {
  const job = await jobStore.insertJob(
    svc.db,
    {
      id: newJobId(),
      ownerId: who.userId,
      runId: opts.runId?.slice(0, 256) ?? null,
      executionDuration: JOB_DEFAULTS.executionDuration,
      destruction: new Date(Date.now() + JOB_DEFAULTS.lifetime * 1000),
      ...what,
    },
    who.userId === null ? null : who.name, // the owner's name, as a read of the job joins it
  );
  if (!opts.run) return job;
  // Just made: the job is at hand, only the policy is asked.
  await mayDo(svc, who, 'runJob', job);
  return start(svc, who, job);
}

export async function createJob(svc: Services, who: Identity, transfer: Transfer, opts: CreateOptions = {}): Promise<Job> {
  // A job's kind never changes: a transfer job reads back as one.
  return (await newJob(svc, who, { transfer }, opts)) as Job;
}

/** A recursive delete or setprops job of the node at `target` (a path) and everything below it. */
export async function createRecursiveJob(
  svc: Services,
  who: Identity,
  kind: RecursiveKind,
  target: string,
  properties: PropertyChange[],
  opts: CreateOptions = {},
): Promise<AnyJob> {
  checkRecursiveRequest(kind, properties);
  return newJob(svc, who, { kind, target, properties: kind === 'setprops' ? properties : [] }, opts);
}

export interface ListOptions {
  /** Only jobs of these kinds (a job list shows one); undefined: every kind. */
  kinds?: JobKind[];
  phases?: Phase[];
  after?: Date;
  last?: number;
  /** Only jobs after this one in creation order (a page cursor; `createdAt` is used if the job is gone). */
  afterJob?: { id: string; createdAt: Date };
  /** At most this many, oldest first (ignored with `last`); MAX_JOB_LIST when neither is given. */
  first?: number;
}

/** A list of jobs, oldest first; `more`: jobs past the list match too (the next page of `first`, older ones for `last`). */
export interface JobList {
  jobs: AnyJob[];
  more: boolean;
}

/** The caller's jobs (everyone's for an admin); never more than MAX_JOB_LIST at once. */
export async function listJobs(svc: Services, who: Identity, o: ListOptions): Promise<JobList> {
  const n = o.last ?? o.first ?? MAX_JOB_LIST;
  if (!Number.isInteger(n) || n < 0 || n > MAX_JOB_LIST) throw fault('InvalidArgument', `a job list gives from 0 to ${MAX_JOB_LIST} jobs at once, not ${n}`);
  if (who.userId === null && !who.admin) return { jobs: [], more: false };
  // One job past the list tells whether more match.
  const found = await jobStore.listJobs(svc.db, { ownerId: who.admin ? undefined : who.userId, ...o, ...(o.last !== undefined ? { last: n + 1 } : { first: n + 1 }) });
  const more = found.length > n;
  if (!more) return { jobs: found, more };
  return { jobs: o.last !== undefined ? found.slice(1) : found.slice(0, n), more };
}

/**
 * PHASE=RUN. A data transfer is negotiated before this returns (it is quick);
 * a move or copy, or a recursive job, carries on after, and waiters see it finish.
 */
export async function runJob(svc: Services, who: Identity, id: string, kind?: JobKind): Promise<AnyJob> {
  return start(svc, who, await jobFor(svc, who, id, 'runJob', kind));
}

async function start(svc: Services, who: Identity, job: AnyJob): Promise<AnyJob> {
  const { id } = job;
  if (!(await transition(svc, job, ['PENDING', 'HELD'], { phase: 'QUEUED' }))) return job;
  const queued = { ...job, phase: 'QUEUED' as Phase };
  if (queued.kind !== 'transfer') {
    executeRecursive(svc, who, queued).catch((err) => logger.error({ err, job: id }, `recursive ${queued.kind} failed`));
    return readJob(svc, who, id);
  }
  const running = execute(svc, who, queued);
  if (isMoveOrCopy(queued.transfer)) {
    running.catch((err) => logger.error({ err, job: id }, 'move/copy failed'));
    return readJob(svc, who, id);
  }
  // Negotiated: the job as it went to EXECUTING, without reading it back.
  return (await running) ?? readJob(svc, who, id);
}

export async function abortJob(svc: Services, who: Identity, id: string, kind?: JobKind): Promise<AnyJob> {
  const job = await jobFor(svc, who, id, 'abortJob', kind);
  const active: Phase[] = ['PENDING', 'QUEUED', 'EXECUTING', 'HELD', 'SUSPENDED'];
  if (await transition(svc, job, active, { phase: 'ABORTED', endTime: true })) {
    if (job.kind === 'transfer') await forgetCreatedNode(svc, job);
  }
  return readJob(svc, who, id);
}

export async function deleteJob(svc: Services, who: Identity, id: string, kind?: JobKind): Promise<void> {
  await jobFor(svc, who, id, 'deleteJob', kind);
  await abortJob(svc, who, id);
  await jobStore.deleteJob(svc.db, id);
}

export async function setDestruction(svc: Services, who: Identity, id: string, raw: string, kind?: JobKind): Promise<AnyJob> {
  await jobFor(svc, who, id, 'updateJob', kind);
  const when = new Date(raw);
  if (!/^\d{4}-\d\d-\d\dT/.test(raw) || Number.isNaN(when.getTime())) throw fault('InvalidArgument', `DESTRUCTION must be an ISO 8601 time: ${raw.slice(0, 64)}`);
  await jobStore.setDestruction(svc.db, id, when);
  return readJob(svc, who, id);
}

export async function setExecutionDuration(svc: Services, who: Identity, id: string, raw: string, kind?: JobKind): Promise<AnyJob> {
  const job = await jobFor(svc, who, id, 'updateJob', kind);
  if (!/^\d{1,9}$/.test(raw)) throw fault('InvalidArgument', `EXECUTIONDURATION must be whole seconds: ${raw.slice(0, 64)}`);
  if (job.phase !== 'PENDING') throw fault('InvalidArgument', 'the execution duration may change only while the job is PENDING');
  await jobStore.setExecutionDuration(svc.db, id, Number(raw));
  return readJob(svc, who, id);
}

/**
 * WAIT=n: blocks while the job is active (and, with PHASE=p, while it is in
 * p) until it changes or n seconds pass (n < 0: the longest we allow).
 */
export async function waitJob(svc: Services, who: Identity, id: string, seconds: number, inPhase?: Phase, kind?: JobKind): Promise<AnyJob> {
  const ms = Math.min(seconds < 0 ? JOB_DEFAULTS.maxWait : seconds, JOB_DEFAULTS.maxWait) * 1000;
  const deadline = Date.now() + ms;
  let seen: Phase | undefined;
  for (;;) {
    // Listen before looking, so a change between the look and the wait is not missed.
    const next = svc.events.next(id, Math.max(0, deadline - Date.now()));
    const job = await readJob(svc, who, id, kind);
    seen ??= job.phase;
    // A wake-up that finds the phase unchanged (a listener re-checking after a reconnect) waits on.
    if (job.phase !== seen || Date.now() >= deadline || !ACTIVE_PHASES.has(job.phase) || (inPhase && job.phase !== inPhase)) {
      next.cancel();
      return job;
    }
    await next.promise;
  }
}

/** A job, or the fault met reading it again: what the subscription's source stream yields. */
export type JobOrFault = AnyJob | Error;

/**
 * The job as the caller may read it now, then again at each change of its
 * phase, ending after a final phase (COMPLETED, ERROR, ABORTED, ARCHIVED).
 * It listens before the first read, so a change in between is not missed;
 * each change is read back with the subscriber's identity (a GraphQL
 * subscription's source stream). A plain iterator rather than an async generator, so that
 * return() (the client unsubscribing, the socket closing) ends it at once
 * even while it waits for the next change.
 */
export async function watchJob(svc: Services, who: Identity, id: string): Promise<AsyncIterableIterator<JobOrFault>> {
  let changed = false;
  let closed = false;
  let wake: (() => void) | undefined;
  const off = svc.events.subscribe(id, () => {
    changed = true;
    wake?.();
  });
  let pending: AnyJob | undefined;
  try {
    pending = await readJob(svc, who, id);
  } catch (e) {
    off();
    throw e;
  }
  let last: Phase | undefined;
  const close = () => {
    closed = true;
    off();
    wake?.();
  };
  const done = (): IteratorResult<JobOrFault> => ({ value: undefined, done: true });
  const stream: AsyncIterableIterator<JobOrFault> = {
    async next(): Promise<IteratorResult<JobOrFault>> {
      while (!closed) {
        let job = pending;
        pending = undefined;
        if (!job) {
          if (!changed) await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          if (closed) break;
          changed = false;
          try {
            job = await readJob(svc, who, id);
          } catch (e) {
            // Deleted (or no longer readable) since: say so once, and end.
            close();
            return { value: e instanceof Error ? e : new Error(String(e)), done: false };
          }
        }
        if (job.phase === last) continue;
        last = job.phase;
        if (FINAL_PHASES.has(job.phase)) close();
        return { value: job, done: false };
      }
      return done();
    },
    async return(): Promise<IteratorResult<JobOrFault>> {
      close();
      return done();
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}

/** A storage server silent this long is taken for dead, with the uploads it was serving. */
const SILENT_SERVER_SECONDS = 300;

/** Fails an executing job the sweep found, and frees the node it was writing (if any). */
async function failLeftBehind(svc: Services, id: string, message: string): Promise<void> {
  const job = await jobStore.getAnyJob(svc.db, id);
  if (job) await failJob(svc, job, fault('TransferFailed', message));
  else await clearBusy(svc.db, id);
}

/**
 * Destroys jobs past their destruction time, and fails those past their
 * execution duration or left behind by a storage server that went silent
 * (one restarted at another URL never reclaims them), freeing their nodes.
 */
export async function sweepJobs(svc: Services): Promise<void> {
  for (const id of await jobStore.overdueJobIds(svc.db)) await failLeftBehind(svc, id, 'the job ran past its execution duration');
  for (const id of await jobStore.jobsOfSilentServers(svc.db, SILENT_SERVER_SECONDS)) {
    await failLeftBehind(svc, id, 'the storage server serving it stopped answering');
  }
  for (const id of await jobStore.expiredJobIds(svc.db, new Date())) {
    const job = await jobStore.getAnyJob(svc.db, id);
    if (job && !FINAL_PHASES.has(job.phase)) await transition(svc, job, [job.phase], { phase: 'ABORTED', endTime: true });
    await clearBusy(svc.db, id);
    if (job?.kind === 'transfer' && !FINAL_PHASES.has(job.phase)) await forgetCreatedNode(svc, job);
    await jobStore.deleteJob(svc.db, id);
  }
}
