/**
 * SQL for the admin page: usage, storage servers, jobs. Each answer is one
 * aggregate statement, however many users, nodes or jobs there are.
 * Byte sums are numeric in SQL (a bigint sum may exceed bigint) and numbers here.
 */
import type { Knex } from 'knex';
import type { JobKind, Phase } from '../domain/job';
import { P } from '../domain/properties';
import type { Db } from './nodeStore';

const num = (v: string | number | null): number | null => (v === null ? null : Number(v));
const date = (d: Date | string) => (d instanceof Date ? d : new Date(d));

export interface UserUsage {
  user: string;
  nodes: number;
  dataNodes: number;
  bytes: number;
}

/** For every user, the nodes it owns, how many of them hold bytes, and their total size. */
export async function usageByUser(db: Db): Promise<UserUsage[]> {
  const { rows } = await raw<{ name: string; nodes: string; data_nodes: string; bytes: string }>(
    db,
    `SELECT u.name, count(n.id) AS nodes,
       count(n.id) FILTER (WHERE n.type IN ('DataNode', 'UnstructuredDataNode', 'StructuredDataNode')) AS data_nodes,
       COALESCE(sum(n.size), 0) AS bytes
     FROM users u LEFT JOIN nodes n ON n.owner_id = u.id
     GROUP BY u.id, u.name ORDER BY u.name`,
  );
  return rows.map((r) => ({ user: r.name, nodes: Number(r.nodes), dataNodes: Number(r.data_nodes), bytes: Number(r.bytes) }));
}

export interface ContainerUsage {
  path: string;
  nodes: number;
  bytes: number;
  /** core#quota when it is a whole number of bytes, else null. */
  quota: number | null;
  /** quota - bytes (negative when over quota); null without a quota. */
  bytesLeft: number | null;
}

/**
 * Nodes and bytes in the subtree of `path` (the node itself included) and,
 * with `children`, in that of each of its child containers: the node first,
 * then the children in name order. None when there is no node at `path`.
 */
export async function usageOfContainers(db: Db, path: string, children: boolean): Promise<ContainerUsage[]> {
  // A subtree is one range scan of the path index per container, except the root's, which is every node.
  // The two cases are two arms, each gated on the container, so neither OR defeats the index.
  const { rows } = await raw<{ path: string; nodes: string; bytes: string; quota: string | null; bytes_left: string | null }>(
    db,
    `SELECT c.path, s.nodes, s.bytes, q.quota, q.quota - s.bytes AS bytes_left
     FROM nodes c CROSS JOIN LATERAL (
       SELECT sum(k) AS nodes, sum(b) AS bytes FROM (
         SELECT count(*) AS k, COALESCE(sum(n.size), 0) AS b FROM nodes n WHERE c.path = ''
         UNION ALL
         SELECT count(*), COALESCE(sum(n.size), 0) FROM nodes n
         WHERE c.path <> '' AND (n.path = c.path OR (n.path > c.path || '/' AND n.path < c.path || '0'))
       ) arms
     ) s
     LEFT JOIN LATERAL (
       -- A whole number of bytes, read as byteCount (src/domain/node.ts) reads it for enforcement.
       SELECT substring(p.value from '^\\s*([0-9]{1,16})\\s*$')::numeric AS quota
       FROM properties p WHERE p.node_id = c.id AND p.uri = ?
     ) q ON true
     WHERE c.path = ? OR (? AND c.type = 'ContainerNode' AND c.parent_id = (SELECT id FROM nodes WHERE path = ?))
     ORDER BY c.path = ? DESC, c.path`,
    [P.quota, path, children, path, path],
  );
  return rows.map((r) => ({
    path: r.path,
    nodes: Number(r.nodes),
    bytes: Number(r.bytes),
    quota: num(r.quota),
    bytesLeft: num(r.bytes_left),
  }));
}

export interface StorageServerUsage {
  name: string;
  url: string;
  registeredAt: Date;
  heartbeatAt: Date;
  live: boolean;
  bytesStored: number;
  freeBytes: number | null;
  totalBytes: number | null;
}

/** Every storage server ever registered, with the bytes of the nodes it holds and the space it last reported. */
export async function storageServers(db: Db, liveSeconds: number): Promise<StorageServerUsage[]> {
  const { rows } = await raw<{
    name: string;
    url: string;
    registered_at: Date | string;
    heartbeat_at: Date | string;
    live: boolean;
    bytes: string;
    free_bytes: string | null;
    total_bytes: string | null;
  }>(
    db,
    `SELECT s.name, s.url, s.registered_at, s.heartbeat_at, s.heartbeat_at > now() - make_interval(secs => ?) AS live,
       COALESCE(b.bytes, 0) AS bytes, s.free_bytes, s.total_bytes
     FROM storage_servers s
     LEFT JOIN (SELECT storage_id, sum(size) AS bytes FROM nodes WHERE storage_id IS NOT NULL GROUP BY storage_id) b
       ON b.storage_id = s.id
     ORDER BY s.id`,
    [liveSeconds],
  );
  return rows.map((r) => ({
    name: r.name,
    url: r.url,
    registeredAt: date(r.registered_at),
    heartbeatAt: date(r.heartbeat_at),
    live: r.live,
    bytesStored: Number(r.bytes),
    freeBytes: num(r.free_bytes),
    totalBytes: num(r.total_bytes),
  }));
}

/** How many jobs there are of each kind in each phase; a kind and phase with none is left out. */
export async function jobsByKindAndPhase(db: Db): Promise<{ kind: JobKind; phase: Phase; count: number }[]> {
  const { rows } = await raw<{ kind: JobKind; phase: Phase; count: string }>(db, 'SELECT kind, phase, count(*) AS count FROM jobs GROUP BY kind, phase');
  return rows.map((r) => ({ kind: r.kind, phase: r.phase, count: Number(r.count) }));
}

export interface FailedJob {
  id: string;
  owner: string | null;
  createdAt: Date;
  endTime: Date | null;
  fault: string | null;
  message: string | null;
}

/** The `last` jobs to end in ERROR, most recent first. */
export async function recentFailures(db: Db, last: number): Promise<FailedJob[]> {
  const { rows } = await raw<{
    id: string;
    owner: string | null;
    created_at: Date | string;
    end_time: Date | string | null;
    fault: string | null;
    message: string | null;
  }>(
    db,
    `SELECT j.id, u.name AS owner, j.created_at, j.end_time, j.error->>'fault' AS fault, j.error->>'message' AS message
     FROM jobs j LEFT JOIN users u ON u.id = j.owner_id
     WHERE j.phase = 'ERROR'
     ORDER BY COALESCE(j.end_time, j.created_at) DESC, j.id DESC LIMIT ?`,
    [last],
  );
  return rows.map((r) => ({
    id: r.id,
    owner: r.owner,
    createdAt: date(r.created_at),
    endTime: r.end_time === null ? null : date(r.end_time),
    fault: r.fault,
    message: r.message,
  }));
}

/** db.raw, answered as { rows } by both drivers. */
async function raw<R>(db: Db, sql: string, bindings: readonly Knex.RawBinding[] = []): Promise<{ rows: R[] }> {
  return (await db.raw(sql, bindings)) as { rows: R[] };
}
