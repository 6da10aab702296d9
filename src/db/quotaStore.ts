/** SQL for quotas: which containers carry one, and how many bytes lie under a container. */
import { P } from '../domain/properties';
import type { Db } from './nodeStore';

export interface QuotaRow {
  id: number;
  path: string;
  /** The property as stored; quota.ts reads it. */
  value: string;
}

/** A node and everything below it (the root holds everything), as SQL on `nodes`. */
function under(path: string, column = 'path'): { sql: string; bindings: string[] } {
  if (path === '') return { sql: 'TRUE', bindings: [] };
  return { sql: `(${column} = ? OR (${column} > ? AND ${column} < ?))`, bindings: [path, `${path}/`, `${path}0`] };
}

/**
 * The nodes at `paths` that carry a quota, and with `below` also those
 * under that path, in path order. With `lock` the rows are locked FOR
 * UPDATE (in that order, so two commits under one quota take turns and
 * never deadlock).
 */
export async function quotasAt(db: Db, paths: readonly string[], opts: { below?: string; lock?: boolean } = {}): Promise<QuotaRow[]> {
  const q = db('nodes as n')
    .join('properties as p', (j) => j.on('p.node_id', 'n.id').andOnVal('p.uri', P.quota))
    .select('n.id', 'n.path', 'p.value')
    .where((w) => {
      w.whereIn('n.path', paths as string[]);
      if (opts.below !== undefined) {
        const b = under(opts.below, 'n.path');
        w.orWhereRaw(b.sql, b.bindings);
      }
    })
    .orderBy('n.path');
  if (opts.lock) q.forUpdate('n');
  const rows: { id: string | number; path: string; value: string }[] = await q;
  return rows.map((r) => ({ id: Number(r.id), path: r.path, value: r.value }));
}

/** Bytes held under each of `paths` (the node and its subtree), in one statement. */
export async function bytesUnder(db: Db, paths: readonly string[]): Promise<number[]> {
  if (!paths.length) return [];
  const conds = paths.map((p) => under(p));
  const sums = conds.map((c, i) => `COALESCE(SUM(size) FILTER (WHERE ${c.sql}), 0) AS u${i}`).join(', ');
  const where = conds.map((c) => c.sql).join(' OR ');
  const bindings = [...conds.flatMap((c) => c.bindings), ...conds.flatMap((c) => c.bindings)];
  const result = await db.raw(`SELECT ${sums} FROM nodes WHERE ${where}`, bindings);
  const row = (result.rows as Record<string, string | number>[])[0];
  return paths.map((_, i) => Number(row[`u${i}`]));
}
