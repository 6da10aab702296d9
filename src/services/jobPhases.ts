/**
 * The one way a job's phase changes: the change is written (only from one of
 * the phases expected, so two racing changes cannot both win) and published
 * to whoever waits on the job (jobEvents.ts): on PostgreSQL by a NOTIFY the
 * changing statement sends, which is delivered on commit. Inside a
 * transaction the rest of the publish (the log; the embedded database's
 * waiters) waits for the commit, so a phase that rolled back is never heard.
 */
import type { Knex } from 'knex';
import * as jobStore from '../db/jobStore';
import { deleteIfEmpty } from '../db/nodeStore';
import { clearBusy } from '../db/transferStore';
import type { VOSpaceFault } from '../domain/faults';
import type { AnyJob, Job, JobError, Phase } from '../domain/job';
import { logger } from '../log';
import type { Services } from './context';

export type PhaseChange = jobStore.PhaseChange;

/** Publishes waiting for their transaction to commit, by outermost transaction. */
const afterCommit = new WeakMap<Knex.Transaction, Promise<void>[]>();

/** The transaction whose commit makes a change durable (a savepoint's parent may still roll back). */
function outermost(trx: Knex.Transaction): Knex.Transaction {
  let t = trx as Knex.Transaction & { parentTransaction?: Knex.Transaction };
  while (t.parentTransaction) t = t.parentTransaction as typeof t;
  return t;
}

/**
 * Moves the job to `to` if it is in one of `from`, and publishes the change;
 * returns the job as it now is, or undefined if it did not move. With `trx`
 * the change is part of that transaction and is published once it commits
 * (nothing if it rolls back); run the transaction through inTransaction() to
 * have the publish done when it returns.
 */
export async function transition(svc: Services, job: Pick<AnyJob, 'id' | 'owner'>, from: Phase[], to: PhaseChange, trx?: Knex.Transaction): Promise<AnyJob | undefined> {
  const changed = await jobStore.changePhase(trx ?? svc.db, job, from, to, svc.events.notification(job.id, to.phase));
  if (!changed) return undefined;
  if (!trx) {
    await svc.events.changed(job.id, to.phase, job.owner);
    return changed;
  }
  const root = outermost(trx);
  const publishing = root.executionPromise.then(
    () => svc.events.changed(job.id, to.phase, job.owner).catch((err) => logger.warn({ err, job: job.id }, 'could not publish a phase change')),
    () => {}, // rolled back: the change never happened
  );
  const pending = afterCommit.get(root) ?? [];
  pending.push(publishing);
  afterCommit.set(root, pending);
  return changed;
}

/** Runs `work` in one transaction; resolves after it commits and the phase changes made in it are published. */
export async function inTransaction<T>(svc: Services, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  let root: Knex.Transaction | undefined;
  const out = await svc.db.transaction((trx) => {
    root = trx;
    return work(trx);
  });
  if (root) await Promise.all(afterCommit.get(root) ?? []);
  return out;
}

/**
 * A push that ended without its bytes (refused, failed, aborted, expired):
 * the data node its negotiation made goes again, unless something has used
 * it since (see nodeStore.deleteIfEmpty). Never throws.
 */
export async function forgetCreatedNode(svc: Services, job: Pick<Job, 'id' | 'createdNode'>): Promise<void> {
  if (job.createdNode === null) return;
  await deleteIfEmpty(svc.db, job.createdNode, job.id).catch((err) => logger.warn({ err, job: job.id }, 'could not remove the node a failed push made'));
}

/**
 * The one way a job fails: it ends in ERROR with the fault (unless it ended
 * otherwise meanwhile), the nodes it held busy are freed, and the node a
 * push made goes again. Used by the storage server for the transfer it
 * serves, by the sweep for one left behind, and by a job's own run.
 */
export async function failJob(svc: Services, job: AnyJob, f: VOSpaceFault): Promise<void> {
  await clearBusy(svc.db, job.id);
  const error: JobError = { fault: f.fault, message: f.detail };
  if (!(await transition(svc, job, ['QUEUED', 'EXECUTING'], { phase: 'ERROR', endTime: true, error }))) return;
  if (job.kind === 'transfer') await forgetCreatedNode(svc, job);
}
