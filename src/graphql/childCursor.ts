/**
 * Cursors of a children connection: opaque to clients, they name the order
 * they were made in, the child's sort key and its name (base64url of a JSON
 * array), so a page goes on exactly after that child (keyset paging). A
 * cursor given to another order, or not made here, is InvalidArgument.
 */
import type { ChildPosition, ChildSort } from '../domain/node';
import { fault } from '../domain/faults';

const orderName = (sort: ChildSort) => `${sort.by}${sort.descending ? ' descending' : ''}`;

export function encodeChildCursor(sort: ChildSort, at: ChildPosition): string {
  const parts = sort.by === 'name' ? [orderName(sort), at.name] : [orderName(sort), at.key, at.name];
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

/** Keys as the store casts them: a whole number of bytes that fits a bigint; a UTC time to the microsecond that is a real date. */
const validKey: Record<Exclude<ChildSort['by'], 'name'>, (k: string) => boolean> = {
  size: (k) => /^\d{1,18}$/.test(k),
  mtime: (k) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(k) && !k.startsWith('0000') && isoMillis(`${k.slice(0, 23)}Z`) === `${k.slice(0, 23)}Z`,
};

/** A time as toISOString writes it, or undefined (JS rolls 02-31 over to 03-03: the round trip catches it). */
function isoMillis(s: string): string | undefined {
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function decodeChildCursor(sort: ChildSort, cursor: string): ChildPosition {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  const bad = () => fault('InvalidArgument', 'not a children cursor (pass an endCursor or edge cursor back unchanged)');
  if (!Array.isArray(parts) || typeof parts[0] !== 'string' || !parts.every((p) => typeof p === 'string')) throw bad();
  if (parts[0] !== orderName(sort)) {
    throw fault('InvalidArgument', `this cursor is from children in ${parts[0].slice(0, 40)} order, not ${orderName(sort)}: start again without after`);
  }
  if (sort.by === 'name') {
    if (parts.length !== 2) throw bad();
    return { name: parts[1] };
  }
  if (parts.length !== 3 || !validKey[sort.by](parts[1])) throw bad();
  return { key: parts[1], name: parts[2] };
}
