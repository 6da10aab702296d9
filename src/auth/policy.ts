/**
 * Who may do what. services/ asks the policy before every action and nowhere
 * else decides; a deployment may supply its own Policy (see README).
 *
 * The default rules: admins may do anything; anonymous callers may read what
 * is public and write nothing; a user may read what they own, what is public
 * and what is shared with one of their groups (groupread), and may write
 * what they own or what is shared with one of their groups for writing
 * (groupwrite). The root is readable by all and writable by admins only.
 */
import type { NodeRecord } from '../domain/node';
import { P } from '../domain/properties';
import type { Identity } from './identity';

export type Action =
  | 'read' // get a node, list a container
  | 'create' // make a child in `node` (a container)
  | 'update' // change a node's properties
  | 'delete'; // remove a child of `node` (the parent); `target` is the child

export interface PolicyContext {
  /** The node acted on: for create and delete, the parent container. */
  node: NodeRecord;
  /** For delete: the child being removed. */
  target?: NodeRecord;
}

export interface Policy {
  permits(identity: Identity, action: Action, ctx: PolicyContext): boolean | Promise<boolean>;
}

const prop = (n: NodeRecord, uri: string) => n.properties.find((p) => p.uri === uri)?.value;

/** A group list holds names or URIs such as ivo://example.org/gms?name; either form matches. */
export function groupListIncludes(list: string | undefined, groups: readonly string[]): boolean {
  if (!list || !groups.length) return false;
  return list.split(/\s+/).some((entry) => {
    const name = entry.replace(/^.*[?#/]/, '');
    return groups.includes(entry) || groups.includes(name);
  });
}

const isTrue = (v: string | undefined) => v !== undefined && ['true', '1', 'yes'].includes(v.trim().toLowerCase());

export function isPublic(n: NodeRecord): boolean {
  return n.path === '' || isTrue(prop(n, P.publicread)) || isTrue(prop(n, P.ispublic));
}

const owns = (who: Identity, n: NodeRecord) => who.userId !== null && n.ownerId === who.userId;

export function canRead(who: Identity, n: NodeRecord): boolean {
  return who.admin || isPublic(n) || owns(who, n) || groupListIncludes(prop(n, P.groupread), who.groups) || canWrite(who, n);
}

export function canWrite(who: Identity, n: NodeRecord): boolean {
  if (who.admin) return true;
  if (who.userId === null || n.path === '') return false;
  return owns(who, n) || groupListIncludes(prop(n, P.groupwrite), who.groups);
}

export const defaultPolicy: Policy = {
  permits(who, action, { node }) {
    return action === 'read' ? canRead(who, node) : canWrite(who, node);
  },
};
