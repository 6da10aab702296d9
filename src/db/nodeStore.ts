/**
 * SQL for nodes and their properties. Every function takes the connection or
 * transaction to run on (`Db`), never a global: the embedded database has
 * a single connection.
 */
import type { Knex } from 'knex';
import { NAME_ORDER, type ChildPosition, type ChildSort, type ChildSortBy, type ChildSummary, type NodeRecord, type SqlCondition } from '../domain/node';
import type { NodeType } from '../domain/nodeTypes';
import { parentOf } from '../domain/paths';
import type { Property, PropertyChange } from '../domain/properties';
import { runSql } from './runSql';

export type Db = Knex | Knex.Transaction;

const PROPS_SQL = `COALESCE((SELECT json_agg(json_build_array(p.uri, p.value, p.read_only) ORDER BY p.uri COLLATE "C")
  FROM properties p WHERE p.node_id = n.id), '[]'::json) AS props`;

/** The columns of a node (NodeRow), from `nodes n LEFT JOIN users u`. */
const NODE_COLUMNS = `n.id, n.parent_id, n.path, n.name, n.type, n.owner_id, u.name AS owner, n.target,
  n.size, n.md5, n.busy_job, n.location, n.ctime, n.mtime, n.btime`;

function selectNodes(db: Db, withProps: boolean) {
  return db('nodes as n')
    .leftJoin('users as u', 'u.id', 'n.owner_id')
    .select(db.raw(withProps ? `${NODE_COLUMNS}, ${PROPS_SQL}` : NODE_COLUMNS));
}

/** A node, or a node and its ancestors, by path: fixed texts (runSql), the statements of every node request. */
const FROM_NODES = 'FROM nodes n LEFT JOIN users u ON u.id = n.owner_id';
const BY_PATH_SQL = `SELECT ${NODE_COLUMNS}, ${PROPS_SQL} ${FROM_NODES} WHERE n.path = $1`;
const BY_PATH_NO_PROPS_SQL = `SELECT ${NODE_COLUMNS} ${FROM_NODES} WHERE n.path = $1`;
/**
 * One text per number of prefixes, `n.path IN ($1, …, $k)`: PostgreSQL then
 * estimates a generic plan exactly as a custom one and keeps it, so the
 * statement is planned once per connection. With `= ANY($1::text[])` the
 * generic plan assumed ten elements, lost to a custom plan, and every call
 * was planned again: ~300 of its ~400 µs of PostgreSQL CPU.
 */
const chainSql: string[] = [];
function chainSqlFor(k: number): string {
  return (chainSql[k] ??= `SELECT ${NODE_COLUMNS}, ${PROPS_SQL} ${FROM_NODES} WHERE n.path IN (${Array.from({ length: k }, (_, i) => `$${i + 1}`).join(', ')}) ORDER BY length(n.path)`);
}

interface NodeRow {
  id: string | number;
  parent_id: string | number | null;
  path: string;
  name: string;
  type: NodeType;
  owner_id: number | null;
  owner: string | null;
  target: string | null;
  size: string | number;
  md5: string | null;
  busy_job: string | null;
  location: string | null;
  ctime: Date | string;
  mtime: Date | string;
  btime: Date | string;
  props?: [string, string, boolean][] | string;
  mtime_exact?: string;
}

const toDate = (d: Date | string) => (d instanceof Date ? d : new Date(d));

function toNode(r: NodeRow): NodeRecord {
  const raw = typeof r.props === 'string' ? JSON.parse(r.props) : (r.props ?? []);
  return {
    id: Number(r.id),
    parentId: r.parent_id === null ? null : Number(r.parent_id),
    path: r.path,
    name: r.name,
    type: r.type,
    ownerId: r.owner_id,
    owner: r.owner,
    target: r.target,
    size: Number(r.size),
    md5: r.md5,
    busy: r.busy_job !== null,
    location: r.location,
    ctime: toDate(r.ctime),
    mtime: toDate(r.mtime),
    btime: toDate(r.btime),
    properties: (raw as [string, string, boolean][]).map(([uri, value, readOnly]) => ({ uri, value, readOnly })),
    ...(r.mtime_exact === undefined ? {} : { mtimeExact: r.mtime_exact }),
  };
}

export async function getByPath(db: Db, path: string, withProps = true): Promise<NodeRecord | undefined> {
  const [row] = await runSql<NodeRow>(db, withProps ? BY_PATH_SQL : BY_PATH_NO_PROPS_SQL, [path]);
  return row ? toNode(row) : undefined;
}

/** The node at `path` and those of its ancestors that exist, root first, in one statement. */
export async function getChain(db: Db, path: string): Promise<NodeRecord[]> {
  const paths = prefixes(path);
  return (await runSql<NodeRow>(db, chainSqlFor(paths.length), paths)).map(toNode);
}

/** 'a/b/c' → ['', 'a', 'a/b', 'a/b/c']. */
export function prefixes(path: string): string[] {
  if (path === '') return [''];
  const names = path.split('/');
  return ['', ...names.map((_, i) => names.slice(0, i + 1).join('/'))];
}

/** Adds a readability condition (from the policy) on `nodes n`. */
function visibleTo(q: Knex.QueryBuilder, visible: SqlCondition | null | undefined): Knex.QueryBuilder {
  return visible ? q.whereRaw(visible.sql, visible.bindings as Knex.RawBinding[]) : q;
}

/** The sort columns other than the name, and the type a cursor's key is cast to. */
const SORT_COLUMNS: Record<Exclude<ChildSortBy, 'name'>, { sql: string; type: string }> = {
  size: { sql: 'n.size', type: 'bigint' },
  mtime: { sql: 'n.mtime', type: 'timestamptz' },
};

const MTIME_EXACT_SQL = `to_char(n.mtime AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS mtime_exact`;

/** Orders rows of `nodes n` in `sort`. */
function inOrder(q: Knex.QueryBuilder, sort: ChildSort): Knex.QueryBuilder {
  const dir = sort.descending ? 'desc' : 'asc';
  return sort.by === 'name' ? q.orderBy('n.name', dir) : q.orderByRaw(`${SORT_COLUMNS[sort.by].sql} ${dir}, n.name ${dir}`);
}

/** Keeps the children of one parent after `after` in `sort` (keyset: an index range read where an index has the sort's columns) and orders them so. */
function keyset(q: Knex.QueryBuilder, sort: ChildSort, after: ChildPosition | undefined): Knex.QueryBuilder {
  const op = sort.descending ? '<' : '>';
  if (after !== undefined && sort.by === 'name') q.where('n.name', op, after.name);
  if (after !== undefined && sort.by !== 'name') {
    const col = SORT_COLUMNS[sort.by];
    q.whereRaw(`(${col.sql}, n.name) ${op} (?::${col.type}, ?)`, [after.key ?? null, after.name]);
  }
  return inOrder(q, sort);
}

export interface ChildPage {
  /** Start at this name, inclusive (name order only). */
  from?: string;
  limit: number;
  /** Start after this name, exclusive… */
  after?: string;
  /** …and this key, in a sort by size or mtime (see ChildPosition). */
  afterKey?: string;
  /** By name ascending unless given. */
  sort?: ChildSort;
  withProps: boolean;
  /** Only the children this condition selects. */
  visible?: SqlCondition | null;
}

/** Narrows a query on `nodes n` (the children of one parent) to the page: readable, from/after a position, in order. */
function childPage(q: Knex.QueryBuilder, page: Omit<ChildPage, 'withProps'>): Knex.QueryBuilder {
  visibleTo(q, page.visible);
  const sort = page.sort ?? NAME_ORDER;
  if (page.from !== undefined) {
    if (sort.by !== 'name' || sort.descending) throw new Error('from is for ascending name order only');
    q.where('n.name', '>=', page.from);
  }
  const after = page.after === undefined ? undefined : { name: page.after, key: page.afterKey };
  return keyset(q, sort, after).limit(page.limit);
}

export async function listChildren(db: Db, parentId: number, page: ChildPage): Promise<NodeRecord[]> {
  if (page.limit <= 0) return [];
  const q = selectNodes(db, page.withProps).where('n.parent_id', parentId);
  if (page.sort?.by === 'mtime') q.select(db.raw(MTIME_EXACT_SQL));
  const rows = await childPage(q, page);
  return rows.map(toNode);
}

/**
 * A page of the children of `parent` as a `detail=min` listing shows them: four columns, no join, no
 * properties. The parent is found by its path when its id is not known yet.
 */
export async function listChildSummaries(db: Db, parent: { path: string; id?: number }, page: Omit<ChildPage, 'withProps'>): Promise<ChildSummary[]> {
  if (page.limit <= 0) return [];
  const parentId = parent.id ?? db('nodes').select('id').where('path', parent.path);
  const rows: { name: string; type: NodeType; busy_job: string | null; target: string | null }[] = await childPage(
    db('nodes as n').select('n.name', 'n.type', 'n.busy_job', 'n.target').where('n.parent_id', parentId),
    page,
  );
  const prefix = parent.path === '' ? '' : `${parent.path}/`;
  return rows.map((r) => ({ path: prefix + r.name, type: r.type, busy: r.busy_job !== null, target: r.target }));
}

/**
 * Children of many containers at once, for DataLoader batches: each list
 * holds at most `limit`, in `sort`, after `after` (exclusive) if given.
 */
export async function listChildrenOf(
  db: Db,
  parentIds: readonly number[],
  limit: number,
  sort: ChildSort = NAME_ORDER,
  after?: ChildPosition,
  visible?: SqlCondition | null,
): Promise<NodeRecord[]> {
  if (!parentIds.length || limit <= 0) return [];
  // Per parent, an index range read that stops after `limit` rows (LATERAL … LIMIT): a page costs the
  // same wherever it starts, where ranking every child after the cursor grew with the container.
  const page = keyset(visibleTo(db('nodes as n').select('n.id').whereRaw('n.parent_id = pid.id'), visible), sort, after).limit(limit).toSQL();
  const q = selectNodes(db, true).joinRaw(
    `JOIN ((VALUES ${parentIds.map(() => '(?::bigint)').join(', ')}) AS pid(id) CROSS JOIN LATERAL (${page.sql}) AS r) ON r.id = n.id`,
    [...parentIds, ...page.bindings],
  );
  inOrder(q.orderBy('n.parent_id'), sort);
  if (sort.by === 'mtime') q.select(db.raw(MTIME_EXACT_SQL));
  const rows = await q;
  return rows.map(toNode);
}

export async function countChildrenOf(
  db: Db,
  parentIds: readonly number[],
  visible?: SqlCondition | null,
): Promise<Map<number, number>> {
  const rows: { parent_id: string; count: string }[] = await visibleTo(
    db('nodes as n')
      .select('n.parent_id')
      .count('* as count')
      .whereIn('n.parent_id', parentIds as number[])
      .groupBy('n.parent_id'),
    visible,
  );
  return new Map(rows.map((r) => [Number(r.parent_id), Number(r.count)]));
}

export interface NewNode {
  parentId: number;
  path: string;
  name: string;
  type: NodeType;
  ownerId: number | null;
  target?: string | null;
}

export interface Inserted {
  id: number;
  ctime: Date;
  mtime: Date;
  btime: Date;
}

/**
 * Inserts a node and its properties under its parent, in one statement (so
 * atomic without a transaction of its own), provided the parent is still at
 * the parent path: a move that commits meanwhile makes this insert find
 * nothing (returns undefined) instead of leaving a child under the old path.
 */
export async function insertNode(db: Db, n: NewNode, properties: Property[]): Promise<Inserted | undefined> {
  const [row] = await runSql<{ id: string | number; ctime: Date | string; mtime: Date | string; btime: Date | string }>(
    db,
    `WITH parent AS (SELECT id FROM nodes WHERE id = $1 AND path = $2 FOR SHARE),
     node AS (INSERT INTO nodes (parent_id, path, name, type, owner_id, target)
       SELECT parent.id, $3, $4, $5, $6, $7 FROM parent RETURNING id, ctime, mtime, btime),
     props AS (INSERT INTO properties (node_id, uri, value, read_only)
       SELECT node.id, p.uri, p.value, p.read_only FROM node, json_to_recordset($8::json) AS p(uri text, value text, read_only boolean))
     SELECT * FROM node`,
    [n.parentId, parentOf(n.path), n.path, n.name, n.type, n.ownerId, n.target ?? null,
      JSON.stringify(properties.map((p) => ({ uri: p.uri, value: p.value, read_only: p.readOnly })))],
  );
  return row && { id: Number(row.id), ctime: toDate(row.ctime), mtime: toDate(row.mtime), btime: toDate(row.btime) };
}

/**
 * Sets (value) or deletes (null) properties (one change per URI), and marks
 * the node's metadata changed, in one statement; returns the new ctime
 * (undefined: the node is gone). The node's row is updated first and the
 * properties changed only through it, so a node a delete took away meanwhile
 * changes nothing (inserting properties for a node the statement's snapshot
 * still showed failed the foreign key instead), and the statement locks the
 * node once, for the update, rather than first for the key check.
 */
export async function changeProperties(db: Db, nodeId: number, changes: PropertyChange[]): Promise<Date | undefined> {
  const sets = changes.filter((c) => c.value !== null).map((c) => ({ uri: c.uri, value: c.value, read_only: c.readOnly ?? false }));
  const deletes = changes.filter((c) => c.value === null).map((c) => c.uri);
  const [row] = await runSql<{ ctime: Date | string }>(
    db,
    `WITH node AS (UPDATE nodes SET ctime = now() WHERE id = $1 RETURNING id, ctime),
     gone AS (DELETE FROM properties WHERE node_id IN (SELECT id FROM node) AND uri IN (SELECT json_array_elements_text($2::json))),
     upserted AS (INSERT INTO properties (node_id, uri, value, read_only)
       SELECT node.id, p.uri, p.value, p.read_only FROM node, json_to_recordset($3::json) AS p(uri text, value text, read_only boolean)
       ON CONFLICT (node_id, uri) DO UPDATE SET value = excluded.value, read_only = excluded.read_only)
     SELECT ctime FROM node`,
    [nodeId, JSON.stringify(deletes), JSON.stringify(sets)],
  );
  return row && toDate(row.ctime);
}

/** Range condition for a node and everything below it (paths compare in byte order). */
function subtree(q: Knex.QueryBuilder, path: string): Knex.QueryBuilder {
  return q.where((w) => w.where('path', path).orWhere((r) => r.where('path', '>', `${path}/`).andWhere('path', '<', `${path}0`)));
}

/** The next page of the nodes below `root` (not `root` itself) in path order, after the path `after`. */
export async function subtreePage(db: Db, root: string, after: string | undefined, limit: number): Promise<NodeRecord[]> {
  const q = selectNodes(db, true).orderBy('n.path').limit(limit);
  if (root === '') q.where('n.path', '>', after ?? '');
  else q.where('n.path', '>', after ?? `${root}/`).andWhere('n.path', '<', `${root}0`);
  return (await q).map(toNode);
}

/**
 * Deletes a node an upload made, if nothing has used it since: it holds no
 * bytes and no children, no other writer has claimed it, its properties are
 * as made (ctime = btime), and no other transfer under way targets it.
 * Returns whether it went.
 */
export async function deleteIfEmpty(db: Db, id: number, jobId: string): Promise<boolean> {
  const n = await db('nodes')
    .where('id', id)
    .whereNull('location')
    .andWhere((w) => w.whereNull('busy_job').orWhere('busy_job', jobId))
    .whereRaw('ctime = btime')
    .whereNotExists(db('nodes as c').select(db.raw('1')).whereRaw('c.parent_id = nodes.id'))
    .whereNotExists(
      db('jobs as j')
        .select(db.raw('1'))
        .whereNot('j.id', jobId)
        .whereIn('j.phase', ['QUEUED', 'EXECUTING'])
        .whereRaw(`j.transfer->'transfer'->>'target' = nodes.path`),
    )
    .delete();
  return n > 0;
}

export async function countBusyIn(db: Db, path: string): Promise<number> {
  const row = await subtree(db('nodes'), path).whereNotNull('busy_job').count<{ count: string }[]>('* as count').first();
  return Number(row?.count ?? 0);
}

/** Deletes a node and its whole subtree in one statement; returns how many nodes went. */
export async function deleteSubtree(db: Db, path: string): Promise<number> {
  return subtree(db('nodes'), path).delete();
}

/**
 * Deletes the node `id` alone, if no transfer holds it and it has no
 * children; returns the location of the bytes it held (null: none), or
 * undefined when it stays (or is gone already). Run it in a transaction: the
 * node's row is locked first, so a child made meanwhile is seen instead of
 * going with it (parent_id cascades).
 */
export async function deleteChildless(trx: Knex.Transaction, id: number): Promise<{ location: string | null } | undefined> {
  const row: { busy_job: string | null; location: string | null } | undefined = await trx('nodes').where('id', id).forUpdate().first('busy_job', 'location');
  if (!row || row.busy_job !== null) return undefined;
  const gone = await trx('nodes')
    .where('id', id)
    .whereNotExists(trx('nodes as c').select(trx.raw('1')).whereRaw('c.parent_id = nodes.id'))
    .delete();
  return gone ? { location: row.location } : undefined;
}
