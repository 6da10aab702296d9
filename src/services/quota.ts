/**
 * Quotas. `core#quota` on a container bounds the bytes below it: the data
 * bytes of its data nodes and the property bytes (UTF-8 bytes of stored
 * values) of the nodes below it (see bytesUnder); every quota above a node
 * binds (nested quotas all apply). A write
 * may not leave the bytes under a quota above its limit, unless it adds none
 * (replacing a file by one no larger is always allowed, so a tree that went
 * over, say because an admin lowered the quota, can still be cleaned up).
 *
 * Checked three times: at negotiation against a declared core#length, on the
 * storage server before and while the bytes arrive (Content-Length, then a
 * running count), and in the commit transaction with the quota rows locked,
 * which alone is authoritative when uploads race. A move or copy is checked
 * once, in its own transaction with the same rows locked (lockArrival, then
 * refuseArrival): its bytes are all known before anything changes. A
 * createNode or setNode adding property bytes is checked in its own
 * transaction the same way (withinQuotas).
 *
 * Summing a subtree costs a range scan, so nothing is summed where no quota
 * applies.
 */
import { finished, Transform, type Readable, type TransformCallback } from 'node:stream';
import * as store from '../db/quotaStore';
import { prefixes, type Db } from '../db/nodeStore';
import { fault } from '../domain/faults';
import { byteCount, type NodeRecord } from '../domain/node';
import { parentOf } from '../domain/paths';
import { P } from '../domain/properties';
import type { Services } from './context';

export interface Quota {
  id: number;
  path: string;
  limit: number;
}

function toQuotas(rows: { id: number; path: string; value: string }[]): Quota[] {
  const out: Quota[] = [];
  for (const r of rows) {
    const limit = byteCount(r.value);
    if (limit !== undefined) out.push({ id: r.id, path: r.path, limit });
  }
  return out;
}

/** The quotas among a chain of nodes (a node and its ancestors, as fetched with their properties). */
export function quotasIn(chain: readonly NodeRecord[]): Quota[] {
  return toQuotas(chain.flatMap((n) => n.properties.filter((p) => p.uri === P.quota).map((p) => ({ id: n.id, path: n.path, value: p.value }))));
}

/** The quota that binds the last node of `chain` (a node after its ancestors) nearest to it: its own, or its closest ancestor's. */
export function nearestQuota(chain: readonly NodeRecord[]): Quota | undefined {
  return quotasIn(chain).at(-1);
}

const isUnder = (path: string, q: Quota) => q.path === '' || path === q.path || path.startsWith(`${q.path}/`);

const pathsOf = (quotas: Quota[]) => quotas.map((q) => q.path);

/** Bytes that may still be added under all of `quotas`, given the bytes `used` under each: the least of (quota − used), never below 0. */
const room = (quotas: Quota[], used: number[]) => Math.max(0, Math.min(...quotas.map((q, i) => q.limit - used[i])));

/** core#availableSpace of a container (the last of `chain`, after its ancestors): undefined when no quota applies. */
export async function availableSpace(svc: Services, chain: readonly NodeRecord[]): Promise<number | undefined> {
  const quotas = quotasIn(chain);
  return quotas.length ? room(quotas, await store.bytesUnder(svc.db, pathsOf(quotas))) : undefined;
}

/**
 * Negotiation of a push: refuses one whose declared length would not fit.
 * `chain` is the data node written (or the container a new one goes into)
 * with its ancestors; `replaced` the bytes it holds now.
 */
export async function checkDeclaredLength(svc: Services, chain: readonly NodeRecord[], replaced: number, declared: number | undefined): Promise<void> {
  if (declared === undefined || declared <= replaced) return;
  const quotas = quotasIn(chain);
  if (!quotas.length) return;
  const used = await store.bytesUnder(svc.db, pathsOf(quotas));
  const i = quotas.findIndex((q, k) => declared - replaced > q.limit - used[k]);
  if (i < 0) return;
  const q = quotas[i];
  throw fault('QuotaExceeded', `the declared length ${declared} does not fit: ${svc.uris.format(q.path)} holds ${used[i]} bytes of its ${q.limit}-byte quota`);
}

/** How many more bytes an upload may bring; spent as they arrive. */
export interface Budget {
  left: number;
}

/**
 * Storage server, before reading a body: the budget of an upload to
 * `target`, or undefined when no quota applies. `replacing` counts the bytes
 * the target holds now as freed (a data node; not a container a tar unpacks
 * into). A declared length past the budget is refused here.
 */
export async function uploadBudget(svc: Services, target: string, opts: { replacing: boolean; contentLength?: string }): Promise<Budget | undefined> {
  const quotas = toQuotas(await store.quotasAt(svc.db, prefixes(target)));
  if (!quotas.length) return undefined;
  // Summed with the quotas, the target's own "subtree" is the data node alone: the bytes it holds now.
  const used = await store.bytesUnder(svc.db, opts.replacing ? [...pathsOf(quotas), target] : pathsOf(quotas));
  const budget = { left: room(quotas, used) + (opts.replacing ? used[quotas.length] : 0) };
  const declared = opts.contentLength === undefined ? NaN : Number(opts.contentLength);
  if (declared > budget.left) throw fault('QuotaExceeded', `${declared} bytes do not fit: the quotas above leave room for ${budget.left}; nothing was read`);
  return budget;
}

/** Passes bytes on until more than the budget has gone through, then fails with QuotaExceeded. */
export class QuotaGuard extends Transform {
  constructor(private readonly budget: Budget) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.budget.left -= chunk.length;
    if (this.budget.left < 0) return done(fault('QuotaExceeded', 'the upload ran past the room the quotas above leave; nothing was changed'));
    done(null, chunk);
  }
}

/**
 * A request body through a QuotaGuard. The request is piped rather than put
 * in a pipeline, which would destroy it on a refusal: left open, the rest of
 * the body is drained (src/http/faults.ts) and the client reads the 413.
 */
export function guarded(req: Readable, budget: Budget): Readable {
  const guard = new QuotaGuard(budget);
  req.pipe(guard);
  finished(req, (err) => {
    if (err) guard.destroy(err);
  });
  return guard;
}

/**
 * Inside a commit transaction, before the nodes change: the quotas above
 * `path` (and with `below`, those under it too), their rows locked.
 */
export async function lockQuotas(db: Db, path: string, below = false): Promise<Quota[]> {
  return toQuotas(await store.quotasAt(db, prefixes(path), { below: below ? path : undefined, lock: true }));
}

/**
 * Inside the commit transaction, after the nodes changed: refuses (the
 * transaction then rolls back) if a write left a locked quota over its limit
 * while adding bytes under it. `changes` are the nodes written and how many
 * bytes each grew by.
 */
export async function refuseOverrun(svc: Services, db: Db, quotas: Quota[], changes: { path: string; delta: number }[]): Promise<void> {
  const grown = quotas.filter((q) => changes.reduce((sum, c) => sum + (isUnder(c.path, q) ? c.delta : 0), 0) > 0);
  if (!grown.length) return;
  const used = await store.bytesUnder(db, pathsOf(grown));
  grown.forEach((q, i) => {
    if (used[i] > q.limit) throw fault('QuotaExceeded', `${svc.uris.format(q.path)} would hold ${used[i]} bytes, over its ${q.limit}-byte quota; nothing was changed`);
  });
}

/**
 * A createNode or setNode that adds `added` property bytes to the node at
 * `path`, below `above` (its ancestors, as fetched with their properties):
 * where a quota above applies, `write` runs in a transaction with those
 * quotas locked and is undone (QuotaExceeded) if it leaves one over its
 * limit. Otherwise, or when nothing is added, `write` runs as it is, at no
 * cost of a statement.
 */
export async function withinQuotas<T>(svc: Services, above: readonly NodeRecord[], path: string, added: number, write: (db: Db) => Promise<T>): Promise<T> {
  if (added <= 0 || !quotasIn(above).length) return write(svc.db);
  return svc.db.transaction(async (trx) => {
    const quotas = await lockQuotas(trx, parentOf(path));
    const out = await write(trx);
    await refuseOverrun(svc, trx, quotas, [{ path, delta: added }]);
    return out;
  });
}

/**
 * A move or copy, first thing in its transaction: the quotas the subtree at
 * `src` newly comes under in the container `into`, their rows locked. For a
 * copy that is every quota at or above `into`; a move also takes its bytes
 * away from the quotas above `src`, so one above both sees no change and is
 * left out (a move inside one quota'd container locks nothing and is never
 * refused).
 *
 * Taken before the move or copy locks `into` FOR SHARE: two copies into one
 * quota'd container would otherwise both hold that row shared and then each
 * wait for the other to let go of it to lock it for update (a deadlock).
 */
export async function lockArrival(db: Db, src: string, into: string, verb: 'move' | 'copy'): Promise<Quota[]> {
  const left = new Set(verb === 'move' ? prefixes(src) : []);
  const above = prefixes(into).filter((p) => !left.has(p));
  return above.length ? toQuotas(await store.quotasAt(db, above, { lock: true })) : [];
}

/**
 * The same transaction, once the subtree and the destination are locked and
 * before any node changes: refuses (nothing is then changed) if the bytes
 * under `src` would leave one of `quotas` (from lockArrival) over its limit.
 * A subtree with no bytes (neither data nor property values) adds nothing
 * and always goes. The bytes of the subtree and under each quota are summed
 * in one statement.
 */
export async function refuseArrival(svc: Services, db: Db, quotas: Quota[], src: string, verb: 'move' | 'copy'): Promise<void> {
  if (!quotas.length) return;
  const used = await store.bytesUnder(db, pathsOf(quotas), src);
  const adds = used[quotas.length];
  if (adds <= 0) return;
  const i = quotas.findIndex((q, k) => used[k] + adds > q.limit);
  if (i < 0) return;
  const q = quotas[i];
  throw fault(
    'QuotaExceeded',
    `${svc.uris.format(q.path)} would hold ${used[i] + adds} bytes, over its ${q.limit}-byte quota, with the ${adds} bytes ${verb === 'move' ? 'moved' : 'copied'} from ${svc.uris.format(src)}; nothing was changed`,
  );
}
