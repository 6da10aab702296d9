/**
 * Who may do what. services/ asks the policy before every action and nowhere
 * else decides; a deployment may supply its own Policy (see README, Security).
 *
 * The default rules:
 * - admins may do anything;
 * - a node is readable by its owner, by everyone when publicread (or
 *   ispublic) is true, by members of a group named in groupread or
 *   groupwrite; writable by its owner and members of a group in groupwrite;
 *   anonymous callers write nothing; the root is readable by all and
 *   writable by admins only;
 * - grants are per node, never inherited, and every action needs read on
 *   every ancestor of the node it names (a private container hides what is
 *   inside it, public or not);
 * - read, pull and copy need read on the node; update (properties) and push
 *   (bytes) need write on the node; create, delete and move need write on the
 *   container they change (a move also creates in its destination);
 * - a job is open to its owner and admins; a job made anonymously to anyone
 *   holding its unguessable id.
 */
import type { NodeRecord, SqlCondition } from '../domain/node';
import { P } from '../domain/properties';
import type { Identity } from './identity';

export type NodeAction =
  | 'read' // get a node, list a container
  | 'create' // make a child in `node` (a container)
  | 'update' // change a node's properties
  | 'delete' // remove `target` from `node`, its parent
  | 'move' // take `target` out of `node`, its parent (the destination is asked as create)
  | 'copy' // copy `node` (asked for it and for every node below it)
  | 'push' // write bytes into `node`
  | 'pull'; // read the bytes of `node`

export type JobAction = 'readJob' | 'runJob' | 'abortJob' | 'updateJob' | 'deleteJob';

export type Action = NodeAction | JobAction;

export interface NodeContext {
  /** The node acted on; for create, delete and move the container changed. */
  node: NodeRecord;
  /** The ancestors of `node`, root first. */
  ancestors: readonly NodeRecord[];
  /** For delete and move: the child removed from `node`. */
  target?: NodeRecord;
}

export interface JobContext {
  job: { id: string; ownerId: number | null };
}

// Defined in domain/ so db/ can take it without importing auth/; policy modules find it here.
export type { SqlCondition };

export interface Policy {
  permits(who: Identity, action: NodeAction, ctx: NodeContext): boolean | Promise<boolean>;
  permits(who: Identity, action: JobAction, ctx: JobContext): boolean | Promise<boolean>;
  /**
   * Optional: the nodes `who` may read (given that their parent is
   * readable), as a SQL condition, so listings and counts are filtered in
   * the database. A policy without it has listings filtered node by node
   * through permits().
   */
  readableSql?(who: Identity): SqlCondition | null;
}

const prop = (n: NodeRecord, uri: string) => n.properties.find((p) => p.uri === uri)?.value;

// The separators and truth values below are matched the same way by readableSql (test/unit/policySql.test.ts).
const GROUP_SEPARATORS = /[ \t\r\n]+/;
const TRUE_VALUES = ['true', '1', 'yes'];
/** What goes before a group's name in a group URI (ivo://example.org/gms?name). */
const GROUP_URI_PREFIX = /^.*[?#/]/;
const trimAscii = (v: string) => v.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');

/** A group list holds names or URIs such as ivo://example.org/gms?name; either form matches. */
export function groupListIncludes(list: string | undefined, groups: readonly string[]): boolean {
  if (!list || !groups.length) return false;
  return list.split(GROUP_SEPARATORS).some((entry) => {
    const name = entry.replace(GROUP_URI_PREFIX, '');
    return groups.includes(entry) || groups.includes(name);
  });
}

export const groupNames = (list: string | undefined): string[] => (list ? list.split(GROUP_SEPARATORS).filter(Boolean) : []);

const isTrue = (v: string | undefined) => v !== undefined && TRUE_VALUES.includes(trimAscii(v).toLowerCase());

export function isPublic(n: NodeRecord): boolean {
  return n.path === '' || isTrue(prop(n, P.publicread)) || isTrue(prop(n, P.ispublic));
}

const owns = (who: Identity, n: NodeRecord) => who.userId !== null && n.ownerId === who.userId;

/** Read granted on this node alone (ancestors not considered). */
export function canRead(who: Identity, n: NodeRecord): boolean {
  return who.admin || isPublic(n) || owns(who, n) || groupListIncludes(prop(n, P.groupread), who.groups) || canWrite(who, n);
}

/** Write granted on this node alone (ancestors not considered). */
export function canWrite(who: Identity, n: NodeRecord): boolean {
  if (who.admin) return true;
  if (who.userId === null || n.path === '') return false;
  return owns(who, n) || groupListIncludes(prop(n, P.groupwrite), who.groups);
}

const READS: ReadonlySet<NodeAction> = new Set(['read', 'pull', 'copy']);

function permits(who: Identity, action: NodeAction, ctx: NodeContext): boolean;
function permits(who: Identity, action: JobAction, ctx: JobContext): boolean;
function permits(who: Identity, action: Action, ctx: NodeContext | JobContext): boolean {
  if (who.admin) return true;
  if ('job' in ctx) return ctx.job.ownerId === null || ctx.job.ownerId === who.userId;
  const n = ctx as NodeContext;
  if (!n.ancestors.every((a) => canRead(who, a))) return false;
  return READS.has(action as NodeAction) ? canRead(who, n.node) : canWrite(who, n.node);
}

/** canRead as SQL, for listings and counts; keep the two in step. */
function readableSql(who: Identity): SqlCondition | null {
  if (who.admin) return null;
  const truth = `lower(btrim(p.value, E' \\t\\r\\n')) IN (${TRUE_VALUES.map(() => '?').join(', ')})`;
  const publicGrant = `(p.uri IN (?, ?) AND ${truth})`;
  const bindings: unknown[] = [P.publicread, P.ispublic, ...TRUE_VALUES];
  let groupGrant = 'false';
  if (who.groups.length) {
    groupGrant = `(p.uri IN (?, ?) AND EXISTS (SELECT 1 FROM regexp_split_to_table(p.value, '[ \\t\\r\\n]+') AS g(entry)
      WHERE g.entry = ANY(?::text[]) OR regexp_replace(g.entry, ?, '') = ANY(?::text[])))`;
    bindings.push(P.groupread, P.groupwrite, [...who.groups], GROUP_URI_PREFIX.source, [...who.groups]);
  }
  const granted = `EXISTS (SELECT 1 FROM properties p WHERE p.node_id = n.id AND (${publicGrant} OR ${groupGrant}))`;
  if (who.userId === null) return { sql: `(${granted})`, bindings };
  return { sql: `(n.owner_id = ? OR ${granted})`, bindings: [who.userId, ...bindings] };
}

export const defaultPolicy: Policy = { permits, readableSql };
