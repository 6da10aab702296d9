/**
 * Every node operation, once, for both the REST facade and GraphQL. Each
 * checks the policy, then runs its writes in one transaction.
 */
import type { Identity } from '../auth/identity';
import type { NodeAction } from '../auth/policy';
import { PG_DEADLOCK_DETECTED, PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, pgCode, retryDeadlocks } from '../db/errors';
import * as store from '../db/nodeStore';
import { locationsUnder } from '../db/transferStore';
import { logger } from '../log';
import { fault } from '../domain/faults';
import { NAME_ORDER, positionOf, type ChildPosition, type ChildSort, type ChildSummary, type Detail, type NodeListing, type NodeRecord } from '../domain/node';
import { isContainer, isDataType, isLink, type NodeType } from '../domain/nodeTypes';
import { nameOf, newNodePath, parentOf } from '../domain/paths';
import type { Property, PropertyChange } from '../domain/properties';
import type { Loaders } from '../db/loaders';
import type { Services } from './context';
import { checkPropertyBounds, checkPropertyChanges, propertyBytes } from './propertyRules';
import { availableSpace, nearestQuota, withinQuotas } from './quota';

export interface CreateInput {
  type: NodeType;
  properties: PropertyChange[];
  target?: string | null;
}

export interface ReadOptions {
  detail: Detail;
  /** Most children to list, capped by the configured maximum; without it, every child, a page at a time. */
  limit?: number;
  /** Child name to start the listing from, inclusive. */
  from?: string;
}

/** The ancestors of nodes found by requireNode, kept so that the policy check needs no second statement. */
const knownAncestors = new WeakMap<NodeRecord, readonly NodeRecord[]>();

/** Records `node`'s ancestors (root first) when the caller has them already, as for children of a listed container. */
export function rememberAncestors(node: NodeRecord, ancestors: readonly NodeRecord[]): void {
  knownAncestors.set(node, ancestors);
}

/** The ancestors of `node`, root first. */
export async function ancestorsOf(svc: Services, node: NodeRecord): Promise<readonly NodeRecord[]> {
  const known = knownAncestors.get(node);
  if (known) return known;
  const chain = node.path === '' ? [] : (await store.getChain(svc.db, parentOf(node.path))).filter((n) => n.path !== node.path);
  knownAncestors.set(node, chain);
  return chain;
}

/** Whether the policy lets `who` do `action` on `node` (ancestors looked up as needed). */
export async function permitted(svc: Services, who: Identity, action: NodeAction, node: NodeRecord, target?: NodeRecord): Promise<boolean> {
  return svc.policy.permits(who, action, { node, ancestors: await ancestorsOf(svc, node), target });
}

export async function allow(svc: Services, who: Identity, action: NodeAction, node: NodeRecord, target?: NodeRecord): Promise<void> {
  if (!(await permitted(svc, who, action, node, target))) {
    throw fault('PermissionDenied', `${who.name ?? 'anonymous'} may not ${action} ${svc.uris.format((target ?? node).path)}`);
  }
}

/**
 * The containers above `node`, from the root's child down to its parent
 * (the root left out), each with its own ancestors remembered. Whoever may
 * read `node` may read every one of them (the policy asks read on every
 * ancestor), so none is hidden.
 */
export async function ancestorsShown(svc: Services, who: Identity, node: NodeRecord): Promise<NodeRecord[]> {
  await allow(svc, who, 'read', node);
  const chain = await ancestorsOf(svc, node);
  chain.forEach((a, i) => rememberAncestors(a, chain.slice(0, i)));
  return chain.filter((a) => a.path !== '');
}

export interface QuotaUsage {
  /** Where the core#quota is set. */
  path: string;
  limit: number;
  /** Bytes under it, as quotas count them. */
  used: number;
}

/** The nearest quota that binds `node` (its own, or its closest ancestor's) and the bytes under it, for a caller who may read `node`; undefined when none does. */
export async function quotaUsage(svc: Services, who: Identity, node: NodeRecord, loaders: Loaders): Promise<QuotaUsage | undefined> {
  await allow(svc, who, 'read', node);
  const q = nearestQuota([...(await ancestorsOf(svc, node)), node]);
  return q && { path: q.path, limit: q.limit, used: await loaders.bytesUnder.load(q.path) };
}

/** Explains why `path` is not there: a link or a data node in the way, or simply absent. */
function missing(svc: Services, chain: NodeRecord[], path: string, asContainer: boolean): never {
  const found = chain[chain.length - 1];
  const uri = svc.uris.format(path);
  if (found && isLink(found.type)) throw fault('LinkFound', svc.uris.format(found.path));
  if (asContainer) throw fault('ContainerNotFound', uri);
  if (found && !isContainer(found.type)) throw fault('ContainerNotFound', svc.uris.format(parentOf(path)));
  throw fault('NodeNotFound', uri);
}

/** The node at `path`, fetched with its ancestors in one statement, or the fault that says why there is none. */
export async function requireNode(svc: Services, db: store.Db, path: string): Promise<NodeRecord> {
  const chain = await store.getChain(db, path);
  const node = chain[chain.length - 1];
  if (!node || node.path !== path) missing(svc, chain, path, false);
  knownAncestors.set(node, chain.slice(0, -1));
  return node;
}

export async function requireContainer(svc: Services, db: store.Db, path: string): Promise<NodeRecord> {
  return containerIn(svc, await store.getChain(db, path), path);
}

/**
 * For a write at `path`: the node there, or else its parent container (or
 * requireContainer's fault for it), from the one statement that reads the
 * chain down to `path`.
 */
export async function nodeOrParent(svc: Services, db: store.Db, path: string): Promise<{ node: NodeRecord } | { parent: NodeRecord }> {
  const chain = await store.getChain(db, path);
  const node = chain[chain.length - 1];
  if (node?.path === path) {
    knownAncestors.set(node, chain.slice(0, -1));
    return { node };
  }
  // Without a node at `path`, the chain is its parent's.
  return { parent: containerIn(svc, chain, parentOf(path)) };
}

/** requireContainer's checks on the chain of `path` (root first, as far down as it exists). */
function containerIn(svc: Services, chain: NodeRecord[], path: string): NodeRecord {
  const node = chain[chain.length - 1];
  if (!node || node.path !== path) missing(svc, chain, path, true);
  knownAncestors.set(node, chain.slice(0, -1));
  if (isLink(node.type)) throw fault('LinkFound', svc.uris.format(node.path));
  if (!isContainer(node.type)) throw fault('ContainerNotFound', `${svc.uris.format(node.path)} is not a container`);
  return node;
}

/** Properties in byte order of URI, as the store reads them. */
const byUri = (props: Property[]) => props.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));

/** The properties that changes set (deletions left out). */
const setBy = (changes: PropertyChange[]): Property[] =>
  changes.flatMap((c) => (c.value === null ? [] : [{ uri: c.uri, value: c.value, readOnly: c.readOnly ?? false }]));

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
  return createIn(svc, who, await requireContainer(svc, svc.db, parentOf(path)), path, input);
}

/** createNode in `parent`, a container the caller has just found with requireContainer (so its ancestors are known). */
export async function createIn(svc: Services, who: Identity, parent: NodeRecord, path: string, input: CreateInput): Promise<NodeRecord> {
  await allow(svc, who, 'create', parent);
  const finalPath = newNodePath(path);
  const target = checkTarget(input);
  const now = new Date();
  const draft: NodeRecord = {
    id: 0, parentId: parent.id, path: finalPath, name: nameOf(finalPath), type: input.type, ownerId: who.userId,
    owner: who.name, target, size: 0, md5: null, busy: false, location: null, ctime: now, mtime: now, btime: now, properties: [],
  };
  const props = setBy(checkPropertyChanges(who, input.properties, draft));
  checkPropertyBounds(svc.space, svc.uris.format(finalPath), [], props);
  const above = [...(await ancestorsOf(svc, parent)), parent];
  let inserted: store.Inserted;
  try {
    inserted = await withinQuotas(svc, above, finalPath, propertyBytes(props), async (db) => {
      const row = await store.insertNode(
        db,
        { parentId: parent.id, path: finalPath, name: draft.name, type: input.type, ownerId: who.userId, target },
        props,
      );
      if (!row) throw fault('ContainerNotFound', `${svc.uris.format(parent.path)} moved or went away`);
      return row;
    });
  } catch (e) {
    if (pgCode(e) === PG_UNIQUE_VIOLATION) throw fault('DuplicateNode', svc.uris.format(finalPath));
    if (pgCode(e) === PG_FOREIGN_KEY_VIOLATION) throw fault('ContainerNotFound', svc.uris.format(parent.path));
    throw e;
  }
  // What was written is known: no need to read it back.
  const node: NodeRecord = { ...draft, ...inserted, properties: byUri(props) };
  rememberAncestors(node, above);
  return node;
}

/** Fills in core#availableSpace of a container under a quota: a sum over its subtree, so only for a node shown whole. */
async function withSpace(svc: Services, node: NodeRecord): Promise<NodeRecord> {
  if (isContainer(node.type)) node.availableSpace = await availableSpace(svc, [...(await ancestorsOf(svc, node)), node]);
  return node;
}

export async function getNode(svc: Services, who: Identity, path: string, opts: ReadOptions): Promise<NodeListing> {
  // With a limit, one page of at most max_children; without, every child, a page at a time.
  const all = opts.limit === undefined;
  const limit = opts.limit === undefined ? LISTING_PAGE + 1 : Math.min(opts.limit, svc.space.maxChildren);
  const visible = opts.detail === 'min' ? svc.policy.readableSql?.(who) : undefined;
  if (visible !== undefined) {
    // A lean listing is read alongside its container (a round trip less), and shown only once the container is found readable.
    const [node, first] = await Promise.all([
      requireNode(svc, svc.db, path),
      store.listChildSummaries(svc.db, { path }, { from: opts.from, limit, visible }),
    ]);
    await allow(svc, who, 'read', node);
    if (!isContainer(node.type)) return { node };
    const next = (after: string) => store.listChildSummaries(svc.db, node, { after, limit, visible });
    return { node, summaries: all ? pagesFrom(first, next) : onePage(first) };
  }
  const node = await requireNode(svc, svc.db, path);
  await allow(svc, who, 'read', node);
  if (opts.detail !== 'min') await withSpace(svc, node);
  if (!isContainer(node.type) || opts.detail === 'properties') return { node };
  const children = all
    ? await everyChild(svc, who, node, opts.from)
    : onePage(await readableChildren(svc, who, node, { from: opts.from, limit, withProps: true }));
  return opts.detail === 'min' ? { node, summaries: children } : { node, children };
}

export async function setNode(svc: Services, who: Identity, path: string, changes: PropertyChange[]): Promise<NodeRecord> {
  const node = await requireNode(svc, svc.db, path);
  const after = await changeNode(svc, who, node, changes);
  // Left unchanged, it shows its space already (changeNode filled it in to judge the changes).
  return after === node ? node : withSpace(svc, after);
}

/** setNode on `node`, which the caller has found with its ancestors known (requireNode, walkBelow). */
export async function changeNode(svc: Services, who: Identity, node: NodeRecord, changes: PropertyChange[]): Promise<NodeRecord> {
  const path = node.path;
  await allow(svc, who, 'update', node);
  const apply = checkPropertyChanges(who, changes, await withSpace(svc, node));
  if (!apply.length) return node;
  // The properties as this change leaves them: judged before it is made, and shown after without reading them back.
  const changed = new Map(apply.map((c) => [c.uri, c]));
  const properties = byUri([...node.properties.filter((p) => !changed.has(p.uri)), ...setBy(apply)]);
  checkPropertyBounds(svc.space, svc.uris.format(path), node.properties, properties);
  const above = await ancestorsOf(svc, node);
  const ctime = await pastDeadlocks(svc, path, () =>
    withinQuotas(svc, above, path, propertyBytes(properties) - propertyBytes(node.properties), async (db) => {
      const at = await store.changeProperties(db, node.id, apply);
      if (!at) throw fault('NodeNotFound', svc.uris.format(path));
      return at;
    }),
  );
  const after: NodeRecord = { ...node, ctime, properties };
  rememberAncestors(after, above);
  return after;
}

export async function deleteNode(svc: Services, who: Identity, path: string): Promise<void> {
  if (path === '') throw fault('PermissionDenied', 'the root container cannot be deleted');
  const node = await requireNode(svc, svc.db, path);
  await allow(svc, who, 'delete', await parentOfNode(svc, node), node);
  const locations = await pastDeadlocks(svc, path, () =>
    svc.db.transaction(async (trx) => {
      if (await store.countBusyIn(trx, path)) throw fault('NodeBusy', `${svc.uris.format(path)} has a transfer in progress`);
      const held = await locationsUnder(trx, path);
      if (!(await store.deleteSubtree(trx, path))) throw fault('NodeNotFound', svc.uris.format(path));
      return held;
    }),
  );
  await removeBytes(svc, locations);
}

/**
 * Runs a change of the node at `path` again where PostgreSQL rolled it back
 * to end a deadlock (retryDeadlocks): moves, copies and recursive jobs carry
 * on after their answers and lock the same rows in their own orders. A change
 * that is the victim every time is NodeBusy.
 */
async function pastDeadlocks<T>(svc: Services, path: string, change: () => Promise<T>): Promise<T> {
  return retryDeadlocks(change).catch((e: unknown) => {
    if (pgCode(e) === PG_DEADLOCK_DETECTED) throw fault('NodeBusy', `${svc.uris.format(path)}: concurrent changes kept getting in the way, try again`);
    throw e;
  });
}

/** Removes the bytes of deleted nodes. Call once the metadata is gone for good: a failure here leaves an orphan file, never a dangling node. */
export async function removeBytes(svc: Services, locations: readonly string[]): Promise<void> {
  for (const l of locations) await svc.backend.remove(l).catch((err) => logger.warn({ err, location: l }, 'could not remove bytes'));
}

export interface ChildCursor {
  /** Page size; capped at the configured maximum. */
  first: number;
  /** By name ascending unless given. */
  sort?: ChildSort;
  /** Continue after this child (exclusive), a position in `sort`. */
  after?: ChildPosition;
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
  await allow(svc, who, 'read', parent);
  const first = Math.min(cursor.first, svc.space.maxChildren);
  if (!isContainer(parent.type) || first === 0) return { children: [], hasNextPage: false };
  // One row past the page tells whether another page follows.
  const rows = await readableChildren(svc, who, parent, { sort: cursor.sort, after: cursor.after, limit: first + 1, withProps: true }, loaders);
  return { children: rows.slice(0, first), hasNextPage: rows.length > first };
}

/** How many children of `parent` the caller may read. */
export async function countChildren(svc: Services, who: Identity, parent: NodeRecord, loaders: Loaders): Promise<number> {
  await allow(svc, who, 'read', parent);
  if (!isContainer(parent.type)) return 0;
  if (loaders.visible !== undefined) return loaders.childCount.load(parent.id);
  let count = 0;
  for (let after: ChildPosition | undefined, rows: NodeRecord[]; ; after = { name: rows[rows.length - 1].name }) {
    rows = await readableChildren(svc, who, parent, { after, limit: COUNT_PAGE, withProps: true });
    count += rows.length;
    if (rows.length < COUNT_PAGE) return count;
  }
}

const COUNT_PAGE = 1000;

interface ChildrenQuery {
  /** By name ascending unless given. */
  sort?: ChildSort;
  /** Start at this name (inclusive; name order only)… */
  from?: string;
  /** …or after this position (exclusive). */
  after?: ChildPosition;
  limit: number;
  withProps: boolean;
}

/**
 * Up to `limit` children of `parent` that `who` may read, in `q.sort` (by name unless given).
 * With the policy's SQL condition this is one statement (batched across
 * parents by the loaders when given); otherwise children are read a page at
 * a time and kept if permits() allows, until `limit` are found or none are
 * left.
 */
async function readableChildren(
  svc: Services,
  who: Identity,
  parent: NodeRecord,
  q: ChildrenQuery,
  loaders?: Loaders,
): Promise<NodeRecord[]> {
  const ancestors = [...(await ancestorsOf(svc, parent)), parent];
  const remember = (rows: NodeRecord[]) => {
    for (const r of rows) rememberAncestors(r, ancestors);
    return rows;
  };
  const sort = q.sort ?? NAME_ORDER;
  const page = (from: string | undefined, after: ChildPosition | undefined) =>
    ({ sort, from, after: after?.name, afterKey: after?.key, limit: q.limit, withProps: q.withProps }) satisfies store.ChildPage;
  const visible = svc.policy.readableSql?.(who);
  if (visible !== undefined) {
    if (loaders && q.from === undefined && q.withProps) return remember(await loaders.children({ parentId: parent.id, limit: q.limit, sort, after: q.after }));
    return remember(await store.listChildren(svc.db, parent.id, { ...page(q.from, q.after), visible }));
  }
  const out: NodeRecord[] = [];
  for (let { from, after } = q; out.length < q.limit; ) {
    const rows = await store.listChildren(svc.db, parent.id, { ...page(from, after), withProps: true });
    out.push(...(await permittedOf(svc, who, ancestors, rows, q.limit - out.length)));
    if (rows.length < q.limit) break;
    from = undefined;
    after = positionOf(rows[rows.length - 1], sort);
  }
  return remember(out);
}

/** Children read per statement by a listing without limit. */
export const LISTING_PAGE = 1000;

async function* onePage<T>(rows: T[]): AsyncGenerator<T[]> {
  yield rows;
}

/**
 * The pages of a listing without limit, from its first, already read: each
 * next one is read (`next`, after the last name of the one before) only when
 * taken, in a statement of its own. No transaction spans the pages, so the
 * embedded database's one connection serves other requests between them
 * (each child is listed at most once, in name order, even if the container
 * changes meanwhile). A page is read with one row more than LISTING_PAGE,
 * which tells whether another follows; `keep` filters each page read.
 */
async function* pagesFrom<T extends ChildSummary>(
  first: T[],
  next: (after: string) => Promise<T[]>,
  keep: (rows: T[]) => Promise<T[]> | T[] = (rows) => rows,
): AsyncGenerator<T[]> {
  for (let rows = first; ; rows = await next(nameOf(rows[LISTING_PAGE - 1].path))) {
    yield await keep(rows.slice(0, LISTING_PAGE));
    if (rows.length <= LISTING_PAGE) return;
  }
}

/** Every child of `parent` that `who` may read, from `from` (inclusive): the first page read now, the others as they are taken. */
async function everyChild(svc: Services, who: Identity, parent: NodeRecord, from?: string): Promise<AsyncIterable<NodeRecord[]>> {
  const visible = svc.policy.readableSql?.(who);
  const read = (start: { from?: string; after?: string }) =>
    store.listChildren(svc.db, parent.id, { ...start, limit: LISTING_PAGE + 1, withProps: true, visible });
  const first = await read({ from });
  const next = (after: string) => read({ after });
  if (visible !== undefined) return pagesFrom(first, next);
  const ancestors = [...(await ancestorsOf(svc, parent)), parent];
  return pagesFrom(first, next, (rows) => permittedOf(svc, who, ancestors, rows));
}

/** The nodes of `rows` (children of the last of `ancestors`) that permits() lets `who` read, at most `max`. */
async function permittedOf(svc: Services, who: Identity, ancestors: NodeRecord[], rows: NodeRecord[], max = rows.length): Promise<NodeRecord[]> {
  const out: NodeRecord[] = [];
  for (const node of rows) {
    if (out.length < max && (await svc.policy.permits(who, 'read', { node, ancestors }))) out.push(node);
  }
  return out;
}

/** Nodes read per statement when walking a subtree. */
const WALK_PAGE = 5000;

/**
 * The nodes below `root` (not `root` itself) in path order, a page at a
 * time, each with its ancestors remembered for the policy. Paths sort
 * parents before children, so every container is met before what it holds.
 */
export async function* walkBelow(svc: Services, root: NodeRecord, pageSize = WALK_PAGE): AsyncGenerator<NodeRecord[]> {
  const above = [...(await ancestorsOf(svc, root)), root];
  const containers = new Map<string, NodeRecord>();
  for (let after: string | undefined; ; ) {
    const page = await store.subtreePage(svc.db, root.path, after, pageSize);
    if (!page.length) return;
    after = page[page.length - 1].path;
    for (const node of page) {
      const between: NodeRecord[] = [];
      for (let p = parentOf(node.path); p !== root.path; p = parentOf(p)) {
        const c = containers.get(p);
        if (c) between.unshift(c);
      }
      rememberAncestors(node, [...above, ...between]);
      if (isContainer(node.type)) containers.set(node.path, node);
    }
    yield page;
  }
}

/** The container holding `node` (the last of its ancestors). */
export async function parentOfNode(svc: Services, node: NodeRecord): Promise<NodeRecord> {
  const parent = (await ancestorsOf(svc, node)).at(-1);
  if (!parent) throw fault('NodeNotFound', svc.uris.format(parentOf(node.path)));
  return parent;
}

/** Most links followed in a row for a direct download: a longer chain (or a loop) is refused. */
export const MAX_LINK_HOPS = 8;

/**
 * What a direct download (GET /files/{path}) serves: a data node the caller
 * may read, or where to send the caller. A LinkNode is followed, as the CADC
 * client's `vcp -L` expects: to the data node its vos: target names (each
 * link on the way readable by the caller), or, for an http(s) target, a
 * redirect there. Any other target cannot be served (LinkFound).
 */
export async function fileToServe(svc: Services, who: Identity, path: string): Promise<{ node: NodeRecord } | { redirect: string }> {
  for (let hops = 0; ; hops++) {
    const node = await requireNode(svc, svc.db, path);
    if (!isLink(node.type)) {
      await allow(svc, who, 'pull', node);
      if (!isDataType(node.type)) throw fault('InvalidArgument', `${svc.uris.format(node.path)} is a ${node.type}, which holds no bytes`);
      return { node };
    }
    await allow(svc, who, 'read', node);
    const uri = svc.uris.format(node.path);
    if (hops >= MAX_LINK_HOPS) throw fault('LinkFound', `${uri}: more than ${MAX_LINK_HOPS} links in a row`);
    const target = node.target ?? '';
    if (/^https?:\/\//i.test(target)) return { redirect: target };
    try {
      path = svc.uris.parse(target);
    } catch {
      throw fault('LinkFound', `${uri} links to ${target.slice(0, 300)}, which this service cannot serve`);
    }
  }
}
