/**
 * Move and copy of a node and everything below it: the transfers whose
 * direction is a node URI (keepBytes false = move, true = copy).
 *
 * The destination: an existing ContainerNode means "into it" (the node keeps
 * its name there); any other path names the node's new path, whose parent
 * must be a container. A move rewrites the subtree's paths in one statement
 * and keeps ids, owners, properties and bytes. A copy duplicates the
 * subtree's metadata with set-based SQL, owned by the caller, and gives every
 * copied data node bytes of its own, so deleting either side never touches
 * the other's bytes.
 *
 * Permissions go through the policy as everywhere (see nodes.ts): a move is
 * a delete from the source's parent and a create in the destination
 * container; a copy is a read of every node copied and a create in the
 * destination container.
 *
 * Quotas (quota.ts): a copy adds the subtree's bytes under every quota above
 * the destination, a move under those above the destination but not above
 * the source. If that would leave one over its limit the transfer is
 * QuotaExceeded and nothing changes; checked in the transaction that moves or
 * copies, with those quota rows locked, so racing copies take turns.
 */
import type { Identity } from '../auth/identity';
import { PG_DEADLOCK_DETECTED, PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, pgCode } from '../db/errors';
import * as store from '../db/nodeStore';
import * as tree from '../db/treeStore';
import { fault, isFault } from '../domain/faults';
import type { NodeRecord } from '../domain/node';
import { isContainer } from '../domain/nodeTypes';
import { isSelfOrDescendant, joinPath, newNodePath, parentOf } from '../domain/paths';
import { ADMIN_PROPERTIES } from '../domain/properties';
import type { Services } from './context';
import { allow, parentOfNode, requireContainer, requireNode, walkBelow } from './nodes';
import { publicFault } from './publicFault';
import { lockArrival, refuseArrival } from './quota';

/** Byte copies run this many at a time. */
const BYTE_COPY_CONCURRENCY = 4;

/** Where a moved or copied node ends up. */
interface Destination {
  /** The container it goes into. */
  container: NodeRecord;
  /** Its final path. */
  path: string;
}

type Verb = 'move' | 'copy';

/** The source node: never the root. */
async function source(svc: Services, path: string, verb: Verb): Promise<NodeRecord> {
  if (path === '') throw fault('PermissionDenied', `the root container cannot be ${verb === 'move' ? 'moved' : 'copied'}`);
  return requireNode(svc, svc.db, path);
}

/** A container may not go into itself or any of its descendants. */
function checkNotInside(svc: Services, src: NodeRecord, dest: string): void {
  if (isContainer(src.type) && isSelfOrDescendant(dest, src.path)) {
    throw fault('InvalidURI', `${svc.uris.format(dest)} lies inside ${svc.uris.format(src.path)}: a container cannot go into itself`);
  }
}

/**
 * Resolves the destination (into an existing container, or to a new path in
 * an existing container), checks that the caller may create there, and that
 * nothing is there already.
 */
async function destination(svc: Services, who: Identity, src: NodeRecord, dest: string): Promise<Destination> {
  const existing = await store.getByPath(svc.db, dest);
  let container: NodeRecord;
  let path: string;
  if (existing && isContainer(existing.type)) {
    container = existing;
    path = joinPath(existing.path, src.name);
  } else {
    container = await requireContainer(svc, svc.db, parentOf(dest));
    path = existing ? dest : newNodePath(dest);
  }
  await allow(svc, who, 'create', container);
  // An existing non-container at dest is in the way (then path = dest); so is a node named like src in dest.
  const taken = existing && !isContainer(existing.type) ? existing : await store.getByPath(svc.db, path, false);
  if (taken) throw fault('DuplicateNode', svc.uris.format(path));
  return { container, path };
}

/**
 * Copying hands the caller the contents of every node below the source too:
 * each must be readable, not only the source (a readable container may hold
 * nodes its reader may not open).
 */
async function allowCopyBelow(svc: Services, who: Identity, src: NodeRecord): Promise<void> {
  if (!isContainer(src.type)) return;
  for await (const page of walkBelow(svc, src)) for (const node of page) await allow(svc, who, 'copy', node);
}

/**
 * Inside the transaction, before anything changes: locks the quotas the
 * subtree newly comes under (first: see lockArrival), the source subtree and
 * the destination container; checks that neither changed since they were
 * resolved, that no transfer holds any node of the subtree, and that the
 * subtree's bytes fit under those quotas.
 */
async function lockAndCheck(svc: Services, trx: store.Db, src: NodeRecord, to: Destination, verb: Verb): Promise<void> {
  const quotas = await lockArrival(trx, src.path, to.container.path, verb);
  const lock = await tree.lockSubtree(trx, src.path, verb === 'move' ? 'update' : 'share');
  if (lock.rootId !== src.id) throw fault('NodeNotFound', svc.uris.format(src.path));
  if (lock.busy) throw fault('NodeBusy', `${svc.uris.format(src.path)} has a transfer in progress`);
  if (!(await tree.lockContainer(trx, to.container.id, to.container.path))) {
    throw fault('ContainerNotFound', svc.uris.format(to.container.path));
  }
  await refuseArrival(svc, trx, quotas, src.path, verb);
}

/** Database errors a concurrent change can cause, as faults. */
function asFault(svc: Services, e: unknown, to: Destination): unknown {
  if (isFault(e)) return e;
  if (pgCode(e) === PG_UNIQUE_VIOLATION) return fault('DuplicateNode', svc.uris.format(to.path));
  if (pgCode(e) === PG_FOREIGN_KEY_VIOLATION) return fault('ContainerNotFound', svc.uris.format(to.container.path));
  if (pgCode(e) === PG_DEADLOCK_DETECTED) return fault('NodeBusy', `${svc.uris.format(to.path)}: a concurrent change got in the way, try again`);
  return e;
}

/**
 * Moves the node at `src` (and everything below it) to `dest`, or into
 * `dest` when that is an existing container. Returns the node at its new path.
 */
export async function moveNode(svc: Services, who: Identity, src: string, dest: string): Promise<NodeRecord> {
  const node = await source(svc, src, 'move');
  await allow(svc, who, 'move', await parentOfNode(svc, node), node);
  checkNotInside(svc, node, dest);
  const to = await destination(svc, who, node, dest);
  try {
    await svc.db.transaction(async (trx) => {
      await lockAndCheck(svc, trx, node, to, 'move');
      await tree.moveSubtree(trx, node.path, to.path, to.container.id);
    });
  } catch (e) {
    throw asFault(svc, e, to);
  }
  return requireNode(svc, svc.db, to.path);
}

/** Makes the bytes of each copy; records every object made in `made`, even when another fails. */
async function copyBytes(svc: Services, todo: tree.BytesToCopy[], made: string[]): Promise<{ id: number; location: string }[]> {
  const located: { id: number; location: string }[] = [];
  let next = 0;
  let failure: { error: unknown; item: tree.BytesToCopy } | undefined;
  const worker = async () => {
    while (!failure && next < todo.length) {
      const item = todo[next++];
      try {
        const location = await svc.backend.copy(item.sourceLocation, item.id);
        made.push(location);
        located.push({ id: item.id, location });
      } catch (error) {
        failure ??= { error, item };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(BYTE_COPY_CONCURRENCY, todo.length) }, worker));
  if (failure) throw publicFault(failure.error, { source: failure.item.sourcePath }, 'TransferFailed', `copying the bytes of ${svc.uris.format(failure.item.sourcePath)} failed`);
  return located;
}

/**
 * Copies the node at `src` (and everything below it) to `dest`, or into
 * `dest` when that is an existing container. The copies belong to the caller.
 * Either everything is copied, metadata and bytes, or nothing is left behind.
 * Returns the copy.
 */
export async function copyNode(svc: Services, who: Identity, src: string, dest: string): Promise<NodeRecord> {
  const node = await source(svc, src, 'copy');
  await allow(svc, who, 'copy', node);
  checkNotInside(svc, node, dest);
  const to = await destination(svc, who, node, dest);
  await allowCopyBelow(svc, who, node);
  // The bytes are copied before the metadata commits: a failure (or a crash)
  // leaves no copied node behind, only byte objects no node names.
  const made: string[] = [];
  try {
    await svc.db.transaction(async (trx) => {
      await lockAndCheck(svc, trx, node, to, 'copy');
      // The copy is the caller's: admin properties (a quota) only come along when an admin copies.
      const todo = await tree.copySubtree(trx, node.path, to.path, to.container.id, who.userId, who.admin ? [] : [...ADMIN_PROPERTIES]);
      const located = await copyBytes(svc, todo, made);
      if ((await tree.setLocations(trx, located)) !== located.length) {
        throw fault('InternalFault', `copied nodes under ${svc.uris.format(to.path)} vanished during the copy`);
      }
    });
  } catch (e) {
    await Promise.all(made.map((location) => svc.backend.remove(location).catch(() => undefined)));
    throw asFault(svc, e, to);
  }
  return requireNode(svc, svc.db, to.path);
}
