/** SQL for the byte side of transfers: claiming a node for a writer, and committing what was written. */
import type { Db } from './nodeStore';

/**
 * Marks the node busy for this job, unless another writer has it.
 * Returns 'ok', 'busy', or 'missing'.
 */
export async function markBusy(db: Db, path: string, jobId: string): Promise<'ok' | 'busy' | 'missing'> {
  const n = await db('nodes').where('path', path).whereNull('busy_job').update({ busy_job: jobId });
  if (n) return 'ok';
  return (await db('nodes').where('path', path).first('id')) ? 'busy' : 'missing';
}

export async function clearBusy(db: Db, jobId: string): Promise<void> {
  await db('nodes').where('busy_job', jobId).update({ busy_job: null });
}

export interface CommittedBytes {
  size: number;
  md5: string;
  location: string;
  storageId: number | null;
}

/**
 * Points a node this job is writing at its new bytes (the one it has busy, or
 * `nodeId` among several). Returns the location and size it had before (to
 * remove once committed, and to weigh against quotas), or undefined when the
 * node is no longer this job's to write (deleted meanwhile).
 */
export async function commitBytes(db: Db, jobId: string, b: CommittedBytes, nodeId?: number): Promise<{ old: string | null; oldSize: number } | undefined> {
  const q = db('nodes').where('busy_job', jobId).forUpdate();
  if (nodeId !== undefined) q.where('id', nodeId);
  const node: { id: number; location: string | null; size: string | number } | undefined = await q.first('id', 'location', 'size');
  if (!node) return undefined;
  await db('nodes').where('id', node.id).update({
    size: b.size,
    md5: b.md5,
    location: b.location,
    storage_id: b.storageId,
    busy_job: null,
    mtime: db.fn.now(),
    ctime: db.fn.now(),
  });
  return { old: node.location, oldSize: Number(node.size) };
}

/** Storage locations of a node and its subtree (to remove their bytes after a delete). */
export async function locationsUnder(db: Db, path: string): Promise<string[]> {
  const rows: { location: string }[] = await db('nodes')
    .select('location')
    .whereNotNull('location')
    .andWhere((w) => w.where('path', path).orWhere((r) => r.where('path', '>', `${path}/`).andWhere('path', '<', `${path}0`)));
  return rows.map((r) => r.location);
}
