/**
 * What a storage server asks of the service while it moves a transfer's
 * bytes: the job an endpoint serves, its one use, the nodes it writes, and
 * the ONE commit that points the nodes at their new bytes and completes the
 * job (a data upload and a tar unpack alike). The storage server streams;
 * every database step of a transfer is here.
 */
import { ANONYMOUS, type Identity } from '../auth/identity';
import { verifyEndpointToken, type EndpointDirection } from '../auth/endpoints';
import * as jobStore from '../db/jobStore';
import * as nodeStore from '../db/nodeStore';
import { claimPushEndpoint, clearBusy, commitBytes, markBusy } from '../db/transferStore';
import { findUser } from '../db/userStore';
import { fault } from '../domain/faults';
import type { AnyJob, Job } from '../domain/job';
import type { NodeRecord } from '../domain/node';
import { logger } from '../log';
import type { Services } from './context';
import { inTransaction, transition } from './jobPhases';
import { lockQuotas, refuseOverrun } from './quota';

/** The job a one-shot endpoint (`token`) belongs to, if the endpoint is for `want`. */
async function endpointJobId(svc: Services, token: string, want: EndpointDirection): Promise<string> {
  const claim = verifyEndpointToken(await svc.storageServers.secret(), token);
  if (claim.direction !== want) throw fault('PermissionDenied', `this endpoint is for ${claim.direction.toUpperCase()}`);
  return claim.jobId;
}

/** Refuses a job an endpoint cannot serve (gone, or no longer executing). */
function executing(job: AnyJob | undefined): Job {
  if (!job || job.kind !== 'transfer') throw fault('PermissionDenied', 'the transfer this endpoint belonged to is gone');
  if (job.phase !== 'EXECUTING') throw fault('PermissionDenied', `the transfer is ${job.phase}`);
  return job;
}

/** The executing transfer a one-shot endpoint (`token`) serves, if it is for `want`. */
export async function endpointJob(svc: Services, token: string, want: EndpointDirection): Promise<Job> {
  return executing(await jobStore.getAnyJob(svc.db, await endpointJobId(svc, token, want)));
}

/** Uses up a download's endpoint, for the storage server `storageId`. */
export async function claimDownload(svc: Services, job: Job, storageId: number): Promise<void> {
  if (!(await jobStore.claimEndpoint(svc.db, job.id, storageId))) throw fault('PermissionDenied', 'this endpoint has been used');
}

/**
 * Uses up an upload's endpoint (`token`) for the storage server `storageId`
 * and marks its target busy for the job (both or neither, in one statement
 * that reads the job too); returns the job and the target's id.
 */
export async function claimUpload(svc: Services, token: string, storageId: number): Promise<{ job: Job; nodeId: number }> {
  const found = await claimPushEndpoint(svc.db, await endpointJobId(svc, token, 'put'), storageId);
  const job = executing(found.job);
  if (job.transfer.direction !== 'pushToVoSpace') throw fault('PermissionDenied', 'this endpoint is not for an upload');
  if (found.node !== null) return { job, nodeId: found.node };
  if (job.endpointUsed) throw fault('PermissionDenied', 'this endpoint has been used');
  const target = job.transfer.target;
  refuseUnlessMarked(svc, found.targetExists ? 'busy' : 'missing', target, svc.uris.format(target));
  throw fault('InternalFault', 'the upload could not claim its node');
}

/** Marks the node at `path` busy for the job (one more node a tar upload writes). */
export async function markWriting(svc: Services, job: Job, path: string): Promise<void> {
  refuseUnlessMarked(svc, await markBusy(svc.db, path, job.id), path, `${svc.uris.format(path)} went away during the upload`);
}

function refuseUnlessMarked(svc: Services, state: 'ok' | 'busy' | 'missing' | number, path: string, missing: string): void {
  if (state === 'busy') throw fault('NodeBusy', `${svc.uris.format(path)} is being written by another transfer`);
  if (state === 'missing') throw fault('NodeNotFound', missing);
}

/** The node at `path`, if any (`withProps`: with its properties). */
export function nodeAt(svc: Services, path: string, withProps = true): Promise<NodeRecord | undefined> {
  return nodeStore.getByPath(svc.db, path, withProps);
}

/** The identity the job's owner has now (rights may have changed since negotiation). */
export async function ownerOf(svc: Services, job: Job): Promise<Identity> {
  if (job.ownerId === null || !job.owner) return ANONYMOUS;
  const u = await findUser(svc.db, job.owner);
  if (!u || u.id !== job.ownerId) return ANONYMOUS;
  return { userId: u.id, name: u.name, admin: u.isAdmin, groups: u.groups };
}

/** A download ended with its last byte out: the job is COMPLETED (unless aborted meanwhile). */
export async function completeDownload(svc: Services, job: Job): Promise<void> {
  await transition(svc, job, ['EXECUTING'], { phase: 'COMPLETED', endTime: true });
}

/** One file an upload wrote: the node (marked busy by the job) and its new bytes, durable in the backend. */
export interface UploadedFile {
  nodeId: number;
  path: string;
  size: number;
  /** Hex. */
  md5: string;
  location: string;
}

/**
 * Commits an upload, in ONE transaction: points every node written at its
 * new bytes, checks the quotas above `root` (and below it, with `below`:
 * a tar unpack writes inside the container) against what the files added,
 * clears the job's busy marks and completes the job. Any refusal rolls it all
 * back: the nodes keep their old bytes, and the job is for the caller to fail.
 * Once committed, the bytes the nodes held before are removed.
 */
export async function commitUpload(svc: Services, job: Job, storageId: number, root: { path: string; below: boolean }, files: Iterable<UploadedFile>): Promise<void> {
  const replaced = await inTransaction(svc, async (trx) => {
    // First, so that the job's row is locked (an ABORT waits) before anything else is.
    if (!(await transition(svc, job, ['EXECUTING'], { phase: 'COMPLETED', endTime: true }, trx))) {
      const current = await jobStore.getJob(trx, job.id);
      throw fault('TransferFailed', `the transfer is ${current?.phase ?? 'gone'}`);
    }
    const quotas = await lockQuotas(trx, root.path, root.below);
    const old: string[] = [];
    const changes: { path: string; delta: number }[] = [];
    for (const f of files) {
      const swapped = await commitBytes(trx, job.id, { size: f.size, md5: f.md5, location: f.location, storageId }, f.nodeId);
      if (!swapped) throw fault('NodeNotFound', `${svc.uris.format(f.path)} was deleted during the upload`);
      if (swapped.old) old.push(swapped.old);
      changes.push({ path: f.path, delta: f.size - swapped.oldSize });
    }
    await refuseOverrun(svc, trx, quotas, changes);
    // Each file's commit cleared its node's mark; a tar unpack marked its container too.
    if (root.below) await clearBusy(trx, job.id);
    return old;
  });
  for (const l of replaced) await svc.backend.remove(l).catch((err) => logger.warn({ err }, 'could not remove replaced bytes'));
}

/** After a failed tar upload: deletes the nodes it made (deepest first), as long as they are still empty. Never throws. */
export async function forgetNodes(svc: Services, job: Job, made: readonly NodeRecord[]): Promise<void> {
  const depth = (n: NodeRecord) => n.path.split('/').length;
  try {
    for (const n of [...made].sort((a, b) => depth(b) - depth(a))) await nodeStore.deleteIfEmpty(svc.db, n.id, job.id);
  } catch (err) {
    logger.warn({ err, job: job.id }, 'could not remove the nodes a failed tar upload made');
  }
}
