/**
 * What must hold in a service's database and storage directory whatever it
 * was sent, and snapshots to show that a refused request changed nothing.
 * Read through the service's own Knex handle: an embedded database can be
 * open in one process only. The bytes are looked for in the service's
 * backend, posix or S3.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TestService } from '../helpers/service';

/** One query per invariant; each returns the rows that break it. */
const BROKEN: Record<string, string> = {
  'exactly one root, with no parent': `SELECT count(*)::int AS roots FROM nodes WHERE path = '' AND parent_id IS NULL HAVING count(*) <> 1`,
  'every node but the root has a parent that exists and is a ContainerNode': `
    SELECT c.path, p.type AS parent_type FROM nodes c LEFT JOIN nodes p ON p.id = c.parent_id
    WHERE c.path <> '' AND (p.id IS NULL OR p.type <> 'ContainerNode')`,
  "a node's path is its parent's path, '/', its name": `
    SELECT c.path, p.path AS parent_path, c.name FROM nodes c JOIN nodes p ON p.id = c.parent_id
    WHERE c.path <> CASE WHEN p.path = '' THEN c.name ELSE p.path || '/' || c.name END`,
  'names are not empty, ".", ".." and hold no "/"': `
    SELECT path FROM nodes WHERE path <> '' AND (name IN ('', '.', '..') OR position('/' in name) > 0)`,
  'sizes are not negative': `SELECT path, size FROM nodes WHERE size < 0`,
  'every property belongs to a node': `
    SELECT pr.node_id, pr.uri FROM properties pr LEFT JOIN nodes n ON n.id = pr.node_id WHERE n.id IS NULL`,
  'every busy node names a job that exists': `
    SELECT n.path, n.busy_job FROM nodes n LEFT JOIN jobs j ON j.id = n.busy_job WHERE n.busy_job IS NOT NULL AND j.id IS NULL`,
};

/** Every broken invariant with (up to five of) its rows; {} when all hold. */
export async function brokenInvariants(t: TestService): Promise<Record<string, unknown[]>> {
  const db = t.running.svc.db;
  const out: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(BROKEN)) {
    const rows = (await db.raw(sql)).rows as unknown[];
    if (rows.length) out[name] = rows.slice(0, 5);
  }
  const located = (await db('nodes').whereNotNull('location').select('path', 'location')) as { path: string; location: string }[];
  const stored = new Set(await t.objects());
  const missing = located.filter((n) => !stored.has(n.location));
  if (missing.length) out['the bytes of every node with a location are stored'] = missing.slice(0, 5);
  return out;
}

/** Files below `dir` (relative, sorted) with the sha256 of each. */
export function filesIn(dir: string, skip: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(e.parentPath, e.name);
    if (!e.isFile() || skip.some((s) => full === s || full.startsWith(`${s}${path.sep}`))) continue;
    out[path.relative(dir, full)] = createHash('sha256').update(fs.readFileSync(full)).digest('hex');
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export interface Snapshot {
  nodes: unknown[];
  properties: unknown[];
  storage: Record<string, string>;
  staging: Record<string, string>;
}

/** The node and property rows and the storage directories' files: equal snapshots mean nothing was written. */
export async function snapshot(t: TestService): Promise<Snapshot> {
  const db = t.running.svc.db;
  return {
    nodes: await db('nodes').select('id', 'parent_id', 'path', 'type', 'size', 'md5', 'location', 'busy_job', 'target', 'owner_id').orderBy('id'),
    properties: await db('properties').select('node_id', 'uri', 'value', 'read_only').orderBy(['node_id', 'uri']),
    storage: filesIn(t.dirs.root),
    staging: filesIn(t.dirs.staging),
  };
}
