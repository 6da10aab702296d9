/** What the admin page shows: usage, storage servers, jobs. Administrators only. */
import * as store from '../db/adminStore';
import { fault } from '../domain/faults';
import { MAX_JOB_LIST, PHASES, type JobKind, type Phase } from '../domain/job';
import type { Identity, Services } from './context';
import { LIVE_SERVER_SECONDS } from './transfers';
import { requireAdmin } from './users';

const WHAT = 'read usage and service figures';

export async function usageByUser(svc: Services, who: Identity): Promise<store.UserUsage[]> {
  requireAdmin(who, WHAT);
  return store.usageByUser(svc.db);
}

export interface ContainerUsageReport extends store.ContainerUsage {
  children: store.ContainerUsage[];
}

/** The usage of a node's subtree and, with `children`, of each of its child containers' subtrees. */
export async function containerUsage(svc: Services, who: Identity, path: string, children = false): Promise<ContainerUsageReport> {
  requireAdmin(who, WHAT);
  const [node, ...below] = await store.usageOfContainers(svc.db, path, children);
  if (node?.path !== path) throw fault('NodeNotFound', svc.uris.format(path));
  return { ...node, children: below };
}

export async function storageServers(svc: Services, who: Identity): Promise<store.StorageServerUsage[]> {
  requireAdmin(who, WHAT);
  return store.storageServers(svc.db, LIVE_SERVER_SECONDS);
}

/** Jobs in each phase, every phase listed (in UWS order), zeros included. */
export async function jobsByPhase(svc: Services, who: Identity): Promise<{ phase: Phase; count: number }[]> {
  requireAdmin(who, WHAT);
  const counts = new Map<Phase, number>();
  for (const c of await store.jobsByKindAndPhase(svc.db)) counts.set(c.phase, (counts.get(c.phase) ?? 0) + c.count);
  return PHASES.map((phase) => ({ phase, count: counts.get(phase) ?? 0 }));
}

/** For the metrics: jobs by kind and phase (those with none left out). */
export async function jobsByKindAndPhase(svc: Services, who: Identity): Promise<{ kind: JobKind; phase: Phase; count: number }[]> {
  requireAdmin(who, WHAT);
  return store.jobsByKindAndPhase(svc.db);
}

export async function recentFailures(svc: Services, who: Identity, last: number): Promise<store.FailedJob[]> {
  requireAdmin(who, WHAT);
  if (!Number.isInteger(last) || last < 0 || last > MAX_JOB_LIST) {
    throw fault('InvalidArgument', `last must be a whole number from 0 to ${MAX_JOB_LIST}`);
  }
  return store.recentFailures(svc.db, last);
}
