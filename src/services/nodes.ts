/**
 * Every node operation, once, for both the REST facade and GraphQL. Each
 * checks the policy, then runs its writes in one transaction.
 */
import type { Identity } from '../auth/identity';
import type { Action, PolicyContext } from '../auth/policy';
import { PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, pgCode } from '../db/errors';
import * as store from '../db/nodeStore';
import { locationsUnder } from '../db/transferStore';
import { logger } from '../log';
import { fault } from '../domain/faults';
import type { Detail, NodeRecord, NodeView } from '../domain/node';
import { isContainer, isDataType, isLink, type NodeType } from '../domain/nodeTypes';
import { nameOf, newNodePath, parentOf } from '../domain/paths';
import type { PropertyChange } from '../domain/properties';
import type { Loaders } from '../db/loaders';
import type { Services } from './context';
import { checkPropertyChanges } from './propertyRules';

export interface CreateInput {
  type: NodeType;
  properties: PropertyChange[];
  target?: string | null;
}

export interface ReadOptions {
  detail: Detail;
  /** Most children to list; capped by the configured maximum. */
  limit?: number;
  /** Child name to start the listing from, inclusive. */
  from?: string;
}

export async function allow(svc: Services, who: Identity, action: Action, ctx: PolicyContext): Promise<void> {
  if (!(await svc.policy.permits(who, action, ctx))) {
    throw fault('PermissionDenied', `${who.name ?? 'anonymous'} may not ${action} ${svc.uris.format((ctx.target ?? ctx.node).path)}`);
  }
}

/** Ancestors of a path, nearest last: 'a/b/c' → ['', 'a', 'a/b']. */
function ancestors(path: string): string[] {
  const names = path.split('/');
  return names.map((_, i) => names.slice(0, i).join('/'));
}

/** Explains why `path` is not there: a link or a data node in the way, or simply absent. */
async function missing(svc: Services, db: store.Db, path: string, asContainer: boolean): Promise<never> {
  const found = await store.deepestExisting(db, ancestors(path));
  const uri = svc.uris.format(path);
  if (found && isLink(found.type)) throw fault('LinkFound', svc.uris.format(found.path));
  if (asContainer) throw fault('ContainerNotFound', uri);
  if (found && !isContainer(found.type)) throw fault('ContainerNotFound', svc.uris.format(parentOf(path)));
  throw fault('NodeNotFound', uri);
}

export async function requireNode(svc: Services, db: store.Db, path: string): Promise<NodeRecord> {
  return (await store.getByPath(db, path)) ?? missing(svc, db, path, false);
}

export async function requireContainer(svc: Services, db: store.Db, path: string): Promise<NodeRecord> {
  const node = (await store.getByPath(db, path)) ?? (await missing(svc, db, path, true));
  if (isLink(node.type)) throw fault('LinkFound', svc.uris.format(node.path));
  if (!isContainer(node.type)) throw fault('ContainerNotFound', `${svc.uris.format(node.path)} is not a container`);
  return node;
}

function checkTarget(input: CreateInput): string | null {
  if (input.type !== 'LinkNode') return null;
  const target = input.target?.trim();
  if (!target) throw fault('InvalidArgument', 'a LinkNode needs a target');
  if (target.length > 4096 || /\s/.test(target) || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(target)) {
    throw fault('InvalidArgument', `link target is not a URI: ${target.slice(0, 200)}`);
  }
  return target;
}

export async function createNode(svc: Services, who: Identity, path: string, input: CreateInput): Promise<NodeRecord> {
  if (path === '') throw fault('DuplicateNode', svc.uris.format(''));
  const parent = await requireContainer(svc, svc.db, parentOf(path));
  await allow(svc, who, 'create', { node: parent });
  const finalPath = newNodePath(path);
  const target = checkTarget(input);
  const now = new Date();
  const draft: NodeRecord = {
    id: 0, parentId: parent.id, path: finalPath, name: nameOf(finalPath), type: input.type, ownerId: who.userId,
    owner: who.name, target, size: 0, md5: null, busy: false, location: null, ctime: now, mtime: now, btime: now, properties: [],
  };
  const props = checkPropertyChanges(who, input.properties, draft).filter((c) => c.value !== null);
  let id: number | undefined;
  try {
    id = await svc.db.transaction((trx) =>
      store.insertNode(
        trx,
        { parentId: parent.id, path: finalPath, name: draft.name, type: input.type, ownerId: who.userId, target },
        props.map((c) => ({ uri: c.uri, value: c.value as string, readOnly: c.readOnly ?? false })),
      ),
    );
  } catch (e) {
    if (pgCode(e) === PG_UNIQUE_VIOLATION) throw fault('DuplicateNode', svc.uris.format(finalPath));
    if (pgCode(e) === PG_FOREIGN_KEY_VIOLATION) throw fault('ContainerNotFound', svc.uris.format(parent.path));
    throw e;
  }
  if (id === undefined) throw fault('ContainerNotFound', `${svc.uris.format(parent.path)} moved or went away`);
  return requireNode(svc, svc.db, finalPath);
}

export async function getNode(svc: Services, who: Identity, path: string, opts: ReadOptions): Promise<NodeView> {
  const node = await requireNode(svc, svc.db, path);
  await allow(svc, who, 'read', { node });
  if (!isContainer(node.type) || opts.detail === 'properties') return { node };
  const limit = Math.min(opts.limit ?? svc.space.maxChildren, svc.space.maxChildren);
  const children = await store.listChildren(svc.db, node.id, { from: opts.from, limit, withProps: opts.detail === 'max' });
  return { node, children };
}

export async function setNode(svc: Services, who: Identity, path: string, changes: PropertyChange[]): Promise<NodeRecord> {
  const node = await requireNode(svc, svc.db, path);
  await allow(svc, who, 'update', { node });
  const apply = checkPropertyChanges(who, changes, node);
  if (apply.length) await svc.db.transaction((trx) => store.changeProperties(trx, node.id, apply));
  return requireNode(svc, svc.db, path);
}

export async function deleteNode(svc: Services, who: Identity, path: string): Promise<void> {
  if (path === '') throw fault('PermissionDenied', 'the root container cannot be deleted');
  const node = await requireNode(svc, svc.db, path);
  const parent = await requireNode(svc, svc.db, parentOf(path));
  await allow(svc, who, 'delete', { node: parent, target: node });
  const locations = await svc.db.transaction(async (trx) => {
    if (await store.countBusyIn(trx, path)) throw fault('NodeBusy', `${svc.uris.format(path)} has a transfer in progress`);
    const held = await locationsUnder(trx, path);
    if (!(await store.deleteSubtree(trx, path))) throw fault('NodeNotFound', svc.uris.format(path));
    return held;
  });
  // Bytes go only once the metadata is gone for good; a failure here leaves an orphan file, never a dangling node.
  for (const l of locations) await svc.backend.remove(l).catch((err) => logger.warn({ err, location: l }, 'could not remove bytes'));
}

export interface ChildCursor {
  /** Page size; capped at the configured maximum. */
  first: number;
  /** Continue after this child name (exclusive). */
  after?: string;
}

export interface ChildrenPage {
  children: NodeRecord[];
  hasNextPage: boolean;
}

/** A page of the children of a container the caller may read, through the request's batching loaders. */
export async function pageChildren(
  svc: Services,
  who: Identity,
  parent: NodeRecord,
  cursor: ChildCursor,
  loaders: Loaders,
): Promise<ChildrenPage> {
  if (!Number.isInteger(cursor.first) || cursor.first < 0) throw fault('InvalidArgument', 'first must be a non-negative whole number');
  await allow(svc, who, 'read', { node: parent });
  const first = Math.min(cursor.first, svc.space.maxChildren);
  if (!isContainer(parent.type) || first === 0) return { children: [], hasNextPage: false };
  // One row past the page tells whether another page follows.
  const rows = await loaders.children({ parentId: parent.id, limit: first + 1, after: cursor.after });
  return { children: rows.slice(0, first), hasNextPage: rows.length > first };
}

export async function countChildren(svc: Services, who: Identity, parent: NodeRecord, loaders: Loaders): Promise<number> {
  await allow(svc, who, 'read', { node: parent });
  return isContainer(parent.type) ? loaders.childCount.load(parent.id) : 0;
}

/** A data node the caller may read, for a direct download (GET /files/{path}). */
export async function readableDataNode(svc: Services, who: Identity, path: string): Promise<NodeRecord> {
  const node = await requireNode(svc, svc.db, path);
  if (isLink(node.type)) throw fault('LinkFound', svc.uris.format(node.path));
  await allow(svc, who, 'read', { node });
  if (!isDataType(node.type)) throw fault('InvalidArgument', `${svc.uris.format(node.path)} is a ${node.type}, which holds no bytes`);
  return node;
}
