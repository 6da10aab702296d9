/**
 * Per-request DataLoaders for GraphQL. Properties travel in the same
 * statement as their nodes (a json_agg subselect), so the N+1 left to batch is
 * children lists and counts across many parents (and the bytes under
 * quotas): each batch is one query,
 * whatever the number of parents. Loaders live for one request, so their
 * cache never serves another caller or a later request.
 */
import DataLoader from 'dataloader';
import type { ChildPosition, ChildSort, NodeRecord, SqlCondition } from '../domain/node';
import { countChildrenOf, listChildrenOf, type Db } from './nodeStore';
import { bytesUnder } from './quotaStore';

export interface ChildrenKey {
  parentId: number;
  limit: number;
  sort: ChildSort;
  /** Start after this position (exclusive). */
  after?: ChildPosition;
}

export class Loaders {
  private readonly pages = new Map<string, DataLoader<number, NodeRecord[]>>();
  readonly childCount: DataLoader<number, number>;
  /** Bytes under each quota'd container asked for (by path), as quotas count them: one statement per batch. */
  readonly bytesUnder: DataLoader<string, number>;

  /**
   * @param visible the caller's readability condition from the policy (null:
   * sees every node; undefined: the policy has none, and services/ filters
   * node by node instead of using these loaders)
   */
  constructor(
    private readonly db: Db,
    readonly visible: SqlCondition | null | undefined,
  ) {
    this.childCount = new DataLoader(async (ids) => {
      const counts = await countChildrenOf(db, ids, visible);
      return ids.map((id) => counts.get(id) ?? 0);
    });
    this.bytesUnder = new DataLoader((paths) => bytesUnder(db, paths));
  }

  /** One loader per page shape (limit, sort, after): parents asked for the same shape share a query. */
  children({ parentId, limit, sort, after }: ChildrenKey): Promise<NodeRecord[]> {
    const shape = JSON.stringify([limit, sort.by, sort.descending, after?.name ?? null, after?.key ?? null]);
    let loader = this.pages.get(shape);
    if (!loader) {
      loader = new DataLoader(async (ids) => {
        const rows = await listChildrenOf(this.db, ids, limit, sort, after, this.visible);
        const byParent = new Map<number, NodeRecord[]>(ids.map((id) => [id, []]));
        for (const r of rows) byParent.get(r.parentId!)?.push(r);
        return ids.map((id) => byParent.get(id)!);
      });
      this.pages.set(shape, loader);
    }
    return loader.load(parentId);
  }
}
