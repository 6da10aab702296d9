/**
 * Recursive jobs (the CADC client's `vrm -R`, `vchmod -R`, `vtag -R`):
 * delete, or set properties on, a node and everything below it. Each node is
 * judged on its own, by the same policy and rules as deleteNode and setNode:
 * what the caller may not change is left alone and counted in errorcount,
 * the rest in successcount. A fault on the top node itself (missing, a link
 * in its path, its ancestors unreadable) ends the job in ERROR instead.
 *
 * Like a move or copy, the work goes on after PHASE=RUN returns, and waiters
 * see it end; an ABORT stops it between two nodes (what is done stays done).
 */
import type { Identity } from '../auth/identity';
import * as store from '../db/nodeStore';
import { fault, isFault } from '../domain/faults';
import { FINAL_PHASES, countResults, type Phase, type RecursiveJob, type RecursiveKind } from '../domain/job';
import type { NodeRecord } from '../domain/node';
import { isContainer } from '../domain/nodeTypes';
import type { PropertyChange } from '../domain/properties';
import type { Services } from './context';
import { failJob, transition } from './jobPhases';
import { allow, ancestorsOf, changeNode, parentOfNode, permitted, rememberAncestors, removeBytes, requireNode, walkBelow } from './nodes';
import { checkPropertySyntax } from './propertyRules';
import { publicFault } from './publicFault';

/** Refuses, before a job is made, what no node could take. */
export function checkRecursiveRequest(kind: RecursiveKind, properties: PropertyChange[]): void {
  if (kind === 'setprops') checkPropertySyntax(properties);
}

/** Children read per statement when walking deepest first. */
const CHILD_PAGE = 500;

/**
 * The nodes below `parent`, each after everything below it, with their
 * ancestors remembered for the policy. Children are read a page at a time,
 * so memory grows with the depth of the tree, not its size; a child deleted
 * meanwhile does not move the next page, which starts after a name.
 */
async function* deepestFirst(svc: Services, parent: NodeRecord): AsyncGenerator<NodeRecord> {
  const above = [...(await ancestorsOf(svc, parent)), parent];
  for (let after: string | undefined; ; ) {
    const page = await store.listChildren(svc.db, parent.id, { after, limit: CHILD_PAGE, withProps: true });
    for (const child of page) {
      rememberAncestors(child, above);
      if (isContainer(child.type)) yield* deepestFirst(svc, child);
      yield child;
    }
    if (page.length < CHILD_PAGE) return;
    after = page[page.length - 1].name;
  }
}

/** Every node a job visits: for a delete the deepest first, so a container comes after what it held; for setprops the top first. */
async function* visited(svc: Services, job: RecursiveJob, top: NodeRecord): AsyncGenerator<NodeRecord> {
  if (job.kind === 'delete') {
    if (isContainer(top.type)) yield* deepestFirst(svc, top);
    yield top;
    return;
  }
  yield top;
  if (isContainer(top.type)) for await (const page of walkBelow(svc, top)) yield* page;
}

/** The top node, or the fault that ends the job: missing, a link in the way, its ancestors unreadable, the root to delete. */
async function topNode(svc: Services, who: Identity, job: RecursiveJob): Promise<NodeRecord> {
  const top = await requireNode(svc, svc.db, job.target);
  if (top.path === '') {
    if (job.kind === 'delete') throw fault('PermissionDenied', 'the root container cannot be deleted');
    return top;
  }
  await allow(svc, who, 'read', await parentOfNode(svc, top));
  return top;
}

/**
 * Deletes `node` alone, as deleteNode would let the caller delete it: true if
 * it went. It stays when the policy refuses, a transfer holds it, or (a
 * container) it still holds what the caller could not delete.
 */
async function deleteAlone(svc: Services, who: Identity, node: NodeRecord): Promise<boolean> {
  if (!(await permitted(svc, who, 'delete', await parentOfNode(svc, node), node))) return false;
  const gone = await svc.db.transaction((trx) => store.deleteChildless(trx, node.id));
  if (!gone) return false;
  if (gone.location) await removeBytes(svc, [gone.location]);
  return true;
}

/** setNode on `node`: true if the caller may make the changes there (a refusal is a fault, which leaves the node as it was). */
async function changeAlone(svc: Services, who: Identity, node: NodeRecord, changes: PropertyChange[]): Promise<boolean> {
  try {
    await changeNode(svc, who, node, changes);
    return true;
  } catch (e) {
    if (isFault(e)) return false;
    throw e;
  }
}

/**
 * Runs a QUEUED recursive job to its end: COMPLETED with the counts as
 * results, or ERROR with the fault met on the top node. An ABORT (or the
 * sweep) is heard through the job's phase changes: the walk then stops
 * before the next node, and the job stays as they left it.
 */
export async function executeRecursive(svc: Services, who: Identity, job: RecursiveJob): Promise<void> {
  let ended: Phase | undefined;
  const off = svc.events.subscribe(job.id, (p) => {
    if (FINAL_PHASES.has(p)) ended = p;
  });
  try {
    if (!(await transition(svc, job, ['QUEUED'], { phase: 'EXECUTING', startTime: true }))) return;
    const top = await topNode(svc, who, job);
    let success = 0;
    let error = 0;
    for await (const node of visited(svc, job, top)) {
      // The embedded database answers without a turn of the event loop: let requests in (an ABORT among them) between nodes.
      await new Promise((resolve) => setImmediate(resolve));
      if (ended) break;
      const done = job.kind === 'delete' ? await deleteAlone(svc, who, node) : await changeAlone(svc, who, node, job.properties);
      if (done) success++;
      else error++;
    }
    const results = countResults(success, error);
    await transition(svc, job, ['EXECUTING'], { phase: 'COMPLETED', endTime: true, results });
  } catch (e) {
    await failJob(svc, job, publicFault(e, { job: job.id }, 'InternalFault', `the recursive ${job.kind} failed`));
  } finally {
    off();
  }
}
