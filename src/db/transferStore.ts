/** SQL for the byte side of transfers: claiming a node for a writer, and committing what was written. */
import type { AnyJob } from '../domain/job';
import { GET_JOB_FOR_UPDATE, toJob, type JobRow } from './jobStore';
import type { Db } from './nodeStore';
import { runSql } from './runSql';

/**
 * Marks the node busy for this job, unless another writer has it.
 * Returns 'ok', 'busy', or 'missing'.
 */
export async function markBusy(db: Db, path: string, jobId: string): Promise<'ok' | 'busy' | 'missing'> {
  const n = await db('nodes').where('path', path).whereNull('busy_job').update({ busy_job: jobId });
  if (n) return 'ok';
  return (await db('nodes').where('path', path).first('id')) ? 'busy' : 'missing';
}

/**
 * Uses up a push endpoint of job `jobId` for the storage server `storageId`
 * and marks the node it writes busy for the job, in one statement: both or
 * neither, and only while the job is an executing push whose endpoint is
 * unused. Returns the job as it was found (undefined if gone), the node's id
 * when claimed, and whether a node is at the target (to tell busy from
 * missing when not).
 */
export async function claimPushEndpoint(db: Db, jobId: string, storageId: number | null): Promise<{ job?: AnyJob; node: number | null; targetExists: boolean }> {
  // Run by runSql (a fixed text: no builder), as are the other statements every upload makes.
  const rows = await runSql<JobRow & { claimed_node: string | number | null; target_exists: boolean }>(
    db,
    `WITH job AS (${GET_JOB_FOR_UPDATE}),
     usable AS (SELECT id, transfer->'transfer'->>'target' AS target FROM job
       WHERE kind = 'transfer' AND phase = 'EXECUTING' AND NOT endpoint_used AND transfer->'transfer'->>'direction' = 'pushToVoSpace'),
     busy AS (UPDATE nodes SET busy_job = $1 WHERE path = (SELECT target FROM usable) AND busy_job IS NULL RETURNING id),
     claimed AS (UPDATE jobs SET endpoint_used = TRUE, claimed_by = $2 WHERE id IN (SELECT id FROM usable) AND EXISTS (SELECT 1 FROM busy) RETURNING id)
     SELECT job.*, (SELECT b.id FROM busy b WHERE EXISTS (SELECT 1 FROM claimed)) AS claimed_node,
       EXISTS (SELECT 1 FROM nodes WHERE path = (SELECT target FROM usable)) AS target_exists
     FROM job`,
    [jobId, storageId],
  );
  const r = rows[0];
  if (!r) return { node: null, targetExists: false };
  return { job: toJob(r), node: r.claimed_node === null ? null : Number(r.claimed_node), targetExists: r.target_exists };
}

export async function clearBusy(db: Db, jobId: string): Promise<void> {
  await runSql(db, 'UPDATE nodes SET busy_job = NULL WHERE busy_job = $1', [jobId]);
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
  // One statement: the node locked as it was (its old bytes), then pointed at the new ones.
  const rows = await runSql<{ location: string | null; size: string | number }>(
    db,
    `UPDATE nodes n SET size = $1, md5 = $2, location = $3, storage_id = $4, busy_job = NULL, mtime = now(), ctime = now()
     FROM (SELECT id, location, size FROM nodes WHERE busy_job = $5${nodeId === undefined ? '' : ' AND id = $6'} LIMIT 1 FOR UPDATE) old
     WHERE n.id = old.id RETURNING old.location, old.size`,
    [b.size, b.md5, b.location, b.storageId, jobId, ...(nodeId === undefined ? [] : [nodeId])],
  );
  return rows.length ? { old: rows[0].location, oldSize: Number(rows[0].size) } : undefined;
}

/** Storage locations of a node and its subtree (to remove their bytes after a delete). */
export async function locationsUnder(db: Db, path: string): Promise<string[]> {
  const rows: { location: string }[] = await db('nodes')
    .select('location')
    .whereNotNull('location')
    .andWhere((w) => w.where('path', path).orWhere((r) => r.where('path', '>', `${path}/`).andWhere('path', '<', `${path}0`)));
  return rows.map((r) => r.location);
}
