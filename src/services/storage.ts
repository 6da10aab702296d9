/**
 * A storage server's standing with the space: it registers its URL, beats
 * its heart (with the room left where it keeps bytes), and after a crash
 * fails the transfers it was serving and clears what they staged.
 */
import * as jobStore from '../db/jobStore';
import { heartbeat, registerServer, type SpaceReport } from '../db/storageStore';
import { fault } from '../domain/faults';
import { logger } from '../log';
import type { Services } from './context';
import { failJob } from './jobPhases';

export type { SpaceReport };

/** Registers (or re-registers) the server at `url`; returns its id. */
export function registerStorage(svc: Services, name: string, url: string): Promise<number> {
  return registerServer(svc.db, name, url);
}

/** A sign of life from server `id`, with the space left when it could measure it. */
export function storageHeartbeat(svc: Services, id: number, space?: SpaceReport): Promise<void> {
  return heartbeat(svc.db, id, space);
}

/**
 * Start-up after a crash: the uploads server `storageId` had claimed died
 * with it, and what they staged is garbage. Staging may be shared with other
 * servers: only the objects of jobs this server claimed, and that no longer
 * run, are removed.
 */
export async function recoverStorage(svc: Services, storageId: number): Promise<void> {
  for (const id of await jobStore.jobsClaimedBy(svc.db, storageId)) {
    const job = await jobStore.getJob(svc.db, id);
    if (job) await failJob(svc, job, fault('TransferFailed', 'the storage server restarted during the transfer'));
  }
  const staged = await svc.backend.listStaged();
  const claims = await jobStore.claimsOf(svc.db, [...new Set(staged.map((s) => s.jobId))]);
  const mine = staged.filter((s) => {
    const c = claims.get(s.jobId);
    return c?.claimedBy === storageId && c.phase !== 'EXECUTING';
  });
  for (const s of mine) await svc.backend.discard(s.ref);
  if (mine.length) logger.info({ removed: mine.length, kept: staged.length - mine.length }, 'removed staged uploads left by a previous run');
}
