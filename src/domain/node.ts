import type { NodeType } from './nodeTypes';
import { P, type Property } from './properties';

/** A node as the service knows it, with the properties stored for it. */
export interface NodeRecord {
  id: number;
  parentId: number | null;
  path: string;
  name: string;
  type: NodeType;
  ownerId: number | null;
  owner: string | null;
  target: string | null;
  size: number;
  md5: string | null;
  busy: boolean;
  /** Where the storage backend keeps the bytes; null until some arrive. */
  location: string | null;
  ctime: Date;
  mtime: Date;
  btime: Date;
  properties: Property[];
  /** mtime to the microsecond (ISO 8601 text), read only for a page of children in mtime order, whose cursors need it. */
  mtimeExact?: string;
  /** core#availableSpace: set (services/quota.ts) only on a container shown whole that a quota applies to. */
  availableSpace?: number;
}

/** What children can be ordered by; the name breaks ties (and is unique among siblings). */
export type ChildSortBy = 'name' | 'size' | 'mtime';

export interface ChildSort {
  by: ChildSortBy;
  descending: boolean;
}

export const NAME_ORDER: ChildSort = { by: 'name', descending: false };

/**
 * Where a child sits in a sort, to page on after it: its name, and for size
 * and mtime that column's value as text (`key`), compared in SQL as the
 * column's type. An mtime is text to the microsecond (mtimeExact), which a
 * Date would round to the millisecond, repeating or skipping children.
 */
export interface ChildPosition {
  name: string;
  key?: string;
}

/** The position of `n` in `sort`; `n` must have been read for a page in that sort (mtimeExact). */
export function positionOf(n: NodeRecord, sort: ChildSort): ChildPosition {
  if (sort.by === 'name') return { name: n.name };
  if (sort.by === 'size') return { name: n.name, key: String(n.size) };
  if (n.mtimeExact === undefined) throw new Error(`${n.path} was not read for a page in mtime order`);
  return { name: n.name, key: n.mtimeExact };
}

export type Detail = 'min' | 'max' | 'properties';

/** What a `detail=min` listing shows of a child: no properties, so no owner, sizes or dates to read. */
export type ChildSummary = Pick<NodeRecord, 'path' | 'type' | 'busy' | 'target'>;

/**
 * A node ready to print: the node, and for a container listing the children
 * shown, whole (`children`) or, for `detail=min`, as summaries.
 */
export interface NodeView {
  node: NodeRecord;
  children?: NodeRecord[];
  summaries?: ChildSummary[];
}

/**
 * A node ready to print whose children (of a container listing) come a page
 * at a time, each read only when taken: whole (`children`) or, for
 * `detail=min`, as summaries.
 */
export interface NodeListing {
  node: NodeRecord;
  children?: AsyncIterable<NodeRecord[]>;
  summaries?: AsyncIterable<ChildSummary[]>;
}

/** A byte count as properties write it (core#length, core#quota): a whole, non-negative number; undefined when it is not one. */
export function byteCount(value: string): number | undefined {
  const s = value.trim();
  const n = Number(s);
  return /^\d{1,16}$/.test(s) && Number.isSafeInteger(n) ? n : undefined;
}

const ro = (uri: string, value: string): Property => ({ uri, value, readOnly: true });

/** What the service computes for a node; clients may read these but never set them. */
export function computedProperties(n: NodeRecord): Property[] {
  const mtime = n.mtime.toISOString();
  const out = [
    ro(P.length, String(n.size)),
    ro(P.date, mtime),
    ro(P.ctime, n.ctime.toISOString()),
    ro(P.mtime, mtime),
    ro(P.btime, n.btime.toISOString()),
  ];
  if (n.owner) out.push(ro(P.creator, n.owner));
  if (n.md5) out.push(ro(P.md5, n.md5));
  if (n.availableSpace !== undefined) out.push(ro(P.availableSpace, String(n.availableSpace)));
  return out;
}

/** Stored and computed properties together, computed ones winning. */
export function allProperties(n: NodeRecord): Property[] {
  const computed = computedProperties(n);
  const names = new Set(computed.map((p) => p.uri));
  return [...n.properties.filter((p) => !names.has(p.uri)), ...computed];
}

/** A SQL condition on `nodes n` (with `?` bindings) that a policy's readableSql gives; null selects every node. */
export interface SqlCondition {
  sql: string;
  bindings: unknown[];
}
