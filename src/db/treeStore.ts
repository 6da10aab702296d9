/**
 * SQL for whole subtrees: move and copy. Each is a fixed number of
 * statements however many nodes the subtree holds.
 *
 * A subtree is a range of the `path` column (COLLATE "C", byte order):
 * `path = p OR (path > p || '/' AND path < p || '0')` ('0' is the byte after
 * '/'), so a sibling such as 'd b', 'd0' or 'd_x' is never inside 'd'.
 * Rewriting a path keeps its tail: `to || substr(path, char_length(from) + 1)`
 * (characters on both sides, so multi-byte names are safe).
 *
 * The callers guarantee that `to` does not exist and lies neither inside
 * `from` nor above it, so the old and the new paths never collide.
 */
import type { Db } from './nodeStore';

/** `col` is the node `path` or lies below it; bindings are [path, path/, path0]. */
const IN_SUBTREE = (col: string) => `(${col} = ? OR (${col} > ? AND ${col} < ?))`;
const subtreeBindings = (path: string) => [path, `${path}/`, `${path}0`];

/** The path a node of the subtree `from` gets when the subtree is put at `to`. */
const REWRITTEN = (col: string) => `(?::text || substr(${col}, char_length(?::text) + 1))`;

const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);

export interface SubtreeLock {
  /** Id of the node at the subtree's root, undefined when it is gone. */
  rootId: number | undefined;
  /** Nodes in the subtree, its root included. */
  nodes: number;
  /** Of those, how many a transfer holds (busy_job set). */
  busy: number;
}

/**
 * Locks every node of a subtree for the rest of the transaction (FOR UPDATE to
 * move it, FOR SHARE to copy it: no transfer can mark one busy meanwhile, and
 * no delete or move can take it away) and counts them and the busy ones.
 */
export async function lockSubtree(db: Db, path: string, mode: 'update' | 'share'): Promise<SubtreeLock> {
  const res = await db.raw(
    `SELECT count(*) AS nodes, count(s.busy_job) AS busy, max(s.id) FILTER (WHERE s.path = ?) AS root_id
       FROM (SELECT id, path, busy_job FROM nodes WHERE ${IN_SUBTREE('path')} FOR ${mode === 'update' ? 'UPDATE' : 'SHARE'}) s`,
    [path, ...subtreeBindings(path)],
  );
  const row = res.rows[0];
  return {
    rootId: row.root_id === null ? undefined : Number(row.root_id),
    nodes: Number(row.nodes),
    busy: Number(row.busy),
  };
}

/**
 * Locks a container against being moved or deleted until the transaction
 * ends; false when no container with this id is at this path any more.
 */
export async function lockContainer(db: Db, id: number, path: string): Promise<boolean> {
  const res = await db.raw(`SELECT id FROM nodes WHERE id = ? AND path = ? AND type = 'ContainerNode' FOR SHARE`, [id, path]);
  return res.rows.length === 1;
}

/**
 * Moves the subtree at `from` to `to` under the container `parentId` in ONE
 * statement: every path is rewritten; the root also gets its new name, parent
 * and ctime. Ids, properties, owners and bytes (locations) stay as they are.
 * Returns how many nodes moved.
 */
export async function moveSubtree(db: Db, from: string, to: string, parentId: number): Promise<number> {
  const res = await db.raw(
    `UPDATE nodes SET
        path = ${REWRITTEN('path')},
        name = CASE WHEN path = ? THEN ? ELSE name END,
        parent_id = CASE WHEN path = ? THEN ?::bigint ELSE parent_id END,
        ctime = CASE WHEN path = ? THEN now() ELSE ctime END
      WHERE ${IN_SUBTREE('path')}`,
    [to, from, from, nameOf(to), from, parentId, from, ...subtreeBindings(from)],
  );
  return Number(res.rowCount ?? 0);
}

/** A copied data node that needs its own bytes: the copy's id and the source's location. */
export interface BytesToCopy {
  id: number;
  sourceLocation: string;
  /** Path of the source node, for messages. */
  sourcePath: string;
}

/**
 * Copies the metadata of the subtree at `from` to `to` under the container
 * `parentId`, in four statements whatever its size:
 *   1. INSERT … SELECT the nodes (the root with its new name and parent, the
 *      others with no parent yet), owned by `ownerId`, fresh btime/ctime/mtime,
 *      size, md5, type, target and storage server kept, not busy, and with
 *      no location: a copy never shares the source's bytes;
 *   2. set each copied node's parent by joining on its parent's path;
 *   3. INSERT … SELECT the properties, but those named in `leaveOut`;
 *   4. list the copies whose source has bytes, for the caller to copy them
 *      and record their new locations with setLocations.
 */
export async function copySubtree(
  db: Db,
  from: string,
  to: string,
  parentId: number,
  ownerId: number | null,
  leaveOut: readonly string[] = [],
): Promise<BytesToCopy[]> {
  await db.raw(
    `INSERT INTO nodes (parent_id, path, name, type, owner_id, target, size, md5, busy_job, location, storage_id, ctime, mtime, btime)
     SELECT CASE WHEN path = ? THEN ?::bigint END, ${REWRITTEN('path')}, CASE WHEN path = ? THEN ? ELSE name END,
            type, ?::integer, target, size, md5, NULL, NULL, storage_id, now(), now(), now()
       FROM nodes WHERE ${IN_SUBTREE('path')}`,
    [from, parentId, to, from, from, nameOf(to), ownerId, ...subtreeBindings(from)],
  );
  // Every copy but the root has no parent yet; the parent of 'x/y/z' is the copy at 'x/y'.
  await db.raw(
    `UPDATE nodes AS c SET parent_id = p.id
       FROM nodes AS p
      WHERE c.parent_id IS NULL AND c.path > ? AND c.path < ?
        AND p.path = left(c.path, char_length(c.path) - char_length(c.name) - 1)`,
    [`${to}/`, `${to}0`],
  );
  await db.raw(
    `INSERT INTO properties (node_id, uri, value, read_only)
     SELECT c.id, p.uri, p.value, p.read_only
       FROM nodes s JOIN properties p ON p.node_id = s.id JOIN nodes c ON c.path = ${REWRITTEN('s.path')}
      WHERE ${IN_SUBTREE('s.path')} AND p.uri NOT IN (SELECT json_array_elements_text(?::json))`,
    [to, from, ...subtreeBindings(from), JSON.stringify(leaveOut)],
  );
  const res = await db.raw(
    `SELECT c.id, s.location, s.path
       FROM nodes s JOIN nodes c ON c.path = ${REWRITTEN('s.path')}
      WHERE ${IN_SUBTREE('s.path')} AND s.location IS NOT NULL
      ORDER BY c.id`,
    [to, from, ...subtreeBindings(from)],
  );
  return (res.rows as { id: string | number; location: string; path: string }[]).map((r) => ({
    id: Number(r.id),
    sourceLocation: r.location,
    sourcePath: r.path,
  }));
}

/** Records where the bytes of many nodes now live, in one statement. */
export async function setLocations(db: Db, located: { id: number; location: string }[]): Promise<number> {
  if (!located.length) return 0;
  const res = await db.raw(
    `UPDATE nodes AS n SET location = v.location
       FROM json_to_recordset(?::json) AS v(id bigint, location text)
      WHERE n.id = v.id`,
    [JSON.stringify(located)],
  );
  return Number(res.rowCount ?? 0);
}

