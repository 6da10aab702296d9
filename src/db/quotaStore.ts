/** SQL for quotas: which containers carry one, and how many bytes lie under a container. */
import { P } from '../domain/properties';
import type { Db } from './nodeStore';
import { runSql } from './runSql';

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
  // A fixed text per form (runSql: every upload runs this twice, and Knex's builder cost more than the statement).
  const b = opts.below === undefined ? undefined : under(opts.below, 'n.path');
  let n = 2;
  const orBelow = b ? ` OR ${b.sql.replace(/\?/g, () => `$${++n}`)}` : '';
  const rows = await runSql<{ id: string | number; path: string; value: string }>(
    db,
    `SELECT n.id, n.path, p.value FROM nodes n JOIN properties p ON p.node_id = n.id AND p.uri = $1
     WHERE (n.path = ANY($2::text[])${orBelow}) ORDER BY n.path${opts.lock ? ' FOR UPDATE OF n' : ''}`,
    [P.quota, paths, ...(b?.bindings ?? [])],
  );
  return rows.map((r) => ({ id: Number(r.id), path: r.path, value: r.value }));
}

/** The nodes strictly below a node (everything but the root, for the root), as SQL on `nodes`. */
function below(path: string): { sql: string; bindings: string[] } {
  if (path === '') return { sql: "path <> ''", bindings: [] };
  return { sql: '(path > ? AND path < ?)', bindings: [`${path}/`, `${path}0`] };
}

/**
 * Bytes held under each of `paths`, in one statement: the data bytes of the
 * node there and of its subtree, plus the property bytes (UTF-8 bytes of the
 * stored values, core#quota's left out as in propertyRules.propertyBytes)
 * of the nodes below it. A quota'd container's own properties so count
 * under the quotas above it and not under its own, and a data node's figure
 * is its data alone. With `tree`, one figure more, last: everything the
 * subtree at `tree` holds, the properties of its top node included (what a
 * copy or move brings).
 */
export async function bytesUnder(db: Db, paths: readonly string[], tree?: string): Promise<number[]> {
  const all = tree === undefined ? paths : [...paths, tree];
  if (!all.length) return [];
  const sums = all.map((p, i) => {
    const data = under(p);
    const props = i === paths.length ? data : below(p);
    return {
      sql: `COALESCE(SUM(n.size) FILTER (WHERE ${data.sql}), 0) + COALESCE(SUM(pb.bytes) FILTER (WHERE ${props.sql}), 0) AS u${i}`,
      bindings: [...data.bindings, ...props.bindings],
    };
  });
  const conds = all.map((p) => under(p));
  const result = await db.raw(
    `SELECT ${sums.map((s) => s.sql).join(', ')}
     FROM nodes n CROSS JOIN LATERAL (SELECT SUM(octet_length(p.value)) AS bytes FROM properties p WHERE p.node_id = n.id AND p.uri <> ?) pb
     WHERE ${conds.map((c) => c.sql).join(' OR ')}`,
    [...sums.flatMap((s) => s.bindings), P.quota, ...conds.flatMap((c) => c.bindings)],
  );
  const row = (result.rows as Record<string, string | number>[])[0];
  return all.map((_, i) => Number(row[`u${i}`]));
}
