/** GraphQL resolvers: arguments in, one call into services/, objects out. No rules here. */
import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { isFault } from '../domain/faults';
import { allProperties, positionOf, type ChildSort, type NodeRecord } from '../domain/node';
import { pathFromPlain } from '../domain/paths';
import * as nodes from '../services/nodes';
import type { GqlContext } from './context';
import { groupNames, isPublic } from '../auth/policy';
import { P } from '../domain/properties';
import { ChildOrder, DEFAULT_PAGE, GrantsObject, NodeConnection, NodeKind, NodeObject, PropertyInput, PropertyType, QuotaUsageObject, UserObject } from './types';
import { decodeChildCursor, encodeChildCursor } from './childCursor';
import type { NodeType } from '../domain/nodeTypes';

export function toObject(n: NodeRecord, ctx: GqlContext): NodeObject {
  return Object.assign(new NodeObject(), {
    record: n,
    id: String(n.id),
    path: `/${n.path}`,
    uri: ctx.svc.uris.format(n.path),
    name: n.name,
    type: n.type,
    owner: n.owner,
    target: n.target,
    size: n.size,
    md5: n.md5,
    busy: n.busy,
    ctime: n.ctime,
    mtime: n.mtime,
    btime: n.btime,
  });
}

/** A path argument: '/a/b', 'a/b' or a vos:// URI. */
export function pathArg(ctx: GqlContext, p: string): string {
  return p.startsWith('vos:') ? ctx.svc.uris.parse(p) : pathFromPlain(p);
}

/** Faults a node query answers with null: the node is not there, or not the caller's to see. */
const HIDDEN_AS_MISSING: ReadonlySet<string> = new Set(['NodeNotFound', 'ContainerNotFound', 'LinkFound', 'PermissionDenied']);

const SORTS: Record<ChildOrder, ChildSort['by']> = { NAME: 'name', SIZE: 'size', MTIME: 'mtime' };

@Resolver(() => NodeObject)
export class NodeResolver {
  @Query(() => NodeObject, {
    nullable: true,
    description: 'A node by path or vos:// URI; null when there is none or the caller may not read it (the two look the same).',
  })
  async node(@Arg('path', () => String) path: string, @Ctx() ctx: GqlContext): Promise<NodeObject | null> {
    try {
      const { node } = await nodes.getNode(ctx.svc, ctx.who, pathArg(ctx, path), { detail: 'properties' });
      return toObject(node, ctx);
    } catch (e) {
      if (isFault(e) && HIDDEN_AS_MISSING.has(e.fault)) return null;
      throw e;
    }
  }

  @FieldResolver(() => [PropertyType], { description: 'Stored and computed properties.' })
  properties(@Root() n: NodeObject): PropertyType[] {
    return allProperties(n.record);
  }

  @FieldResolver(() => GrantsObject, { description: 'Who may read and write this node.' })
  grants(@Root() n: NodeObject): GrantsObject {
    const value = (uri: string) => n.record.properties.find((p) => p.uri === uri)?.value;
    return Object.assign(new GrantsObject(), {
      owner: n.record.owner,
      groupRead: groupNames(value(P.groupread)),
      groupWrite: groupNames(value(P.groupwrite)),
      public: isPublic(n.record),
    });
  }

  @FieldResolver(() => Boolean, { description: 'Whether the caller may read this node (get it, list it, pull its bytes).' })
  canRead(@Root() n: NodeObject, @Ctx() ctx: GqlContext): Promise<boolean> {
    return nodes.permitted(ctx.svc, ctx.who, 'read', n.record);
  }

  @FieldResolver(() => Boolean, { description: 'Whether the caller may write this node (set its properties, push its bytes).' })
  canWrite(@Root() n: NodeObject, @Ctx() ctx: GqlContext): Promise<boolean> {
    return nodes.permitted(ctx.svc, ctx.who, 'update', n.record);
  }

  @FieldResolver(() => NodeConnection, { description: 'Children of a container, a page at a time, in the order asked for (empty for other nodes).' })
  async children(
    @Root() n: NodeObject,
    @Ctx() ctx: GqlContext,
    // type-graphql lists arguments last first: these come out as (after, first, orderBy, descending).
    @Arg('descending', () => Boolean, { defaultValue: false }) descending: boolean,
    @Arg('orderBy', () => ChildOrder, { defaultValue: 'NAME' }) orderBy: ChildOrder,
    @Arg('first', () => Int, { defaultValue: DEFAULT_PAGE }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'Continue after this cursor, made in the same order.' }) afterCursor: string | null,
  ): Promise<NodeConnection> {
    const sort: ChildSort = { by: SORTS[orderBy], descending };
    const after = afterCursor ? decodeChildCursor(sort, afterCursor) : undefined;
    const page = await nodes.pageChildren(ctx.svc, ctx.who, n.record, { first, sort, after }, ctx.loaders);
    const cursorOf = (r: NodeRecord) => encodeChildCursor(sort, positionOf(r, sort));
    const last = page.children[page.children.length - 1];
    return Object.assign(new NodeConnection(), {
      parent: n.record,
      // A cursor is made only when asked for: a page that shows none (the bench's portal query) makes none.
      edges: page.children.map((r) => ({
        get cursor() {
          return cursorOf(r);
        },
        node: toObject(r, ctx),
      })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: last ? cursorOf(last) : null },
    });
  }

  @FieldResolver(() => [NodeObject], {
    description: "The containers above this node, from the root's child down to its parent (the root left out; [] for the root and its children).",
  })
  async ancestors(@Root() n: NodeObject, @Ctx() ctx: GqlContext): Promise<NodeObject[]> {
    return (await nodes.ancestorsShown(ctx.svc, ctx.who, n.record)).map((a) => toObject(a, ctx));
  }

  @FieldResolver(() => QuotaUsageObject, {
    nullable: true,
    description: 'The nearest core#quota that binds this node (its own, or its closest ancestor’s) and the bytes it counts; null when none does.',
  })
  async quota(@Root() n: NodeObject, @Ctx() ctx: GqlContext): Promise<QuotaUsageObject | null> {
    const q = await nodes.quotaUsage(ctx.svc, ctx.who, n.record, ctx.loaders);
    return q ? Object.assign(new QuotaUsageObject(), { path: `/${q.path}`, limit: q.limit, used: q.used }) : null;
  }

  @Query(() => UserObject, { nullable: true, description: 'The caller; null when anonymous.' })
  me(@Ctx() ctx: GqlContext): UserObject | null {
    const w = ctx.who;
    return w.userId === null || !w.name ? null : Object.assign(new UserObject(), { name: w.name, admin: w.admin, groups: [...w.groups] });
  }

  @Mutation(() => NodeObject, { description: 'createNode: a new node at path (its parent must be a container).' })
  async createNode(
    @Arg('path', () => String) path: string,
    @Arg('type', () => NodeKind, { defaultValue: 'ContainerNode' }) type: NodeType,
    @Arg('properties', () => [PropertyInput], { nullable: true }) properties: PropertyInput[] | null,
    @Arg('target', () => String, { nullable: true }) target: string | null,
    @Ctx() ctx: GqlContext,
  ): Promise<NodeObject> {
    const node = await nodes.createNode(ctx.svc, ctx.who, pathArg(ctx, path), { type, properties: properties ?? [], target });
    return toObject(node, ctx);
  }

  @Mutation(() => NodeObject, { description: 'setNode: merge properties; a null value deletes one.' })
  async setProperties(
    @Arg('path', () => String) path: string,
    @Arg('properties', () => [PropertyInput]) properties: PropertyInput[],
    @Ctx() ctx: GqlContext,
  ): Promise<NodeObject> {
    return toObject(await nodes.setNode(ctx.svc, ctx.who, pathArg(ctx, path), properties), ctx);
  }

  @Mutation(() => Boolean, { description: 'deleteNode: the node and everything below it.' })
  async deleteNode(@Arg('path', () => String) path: string, @Ctx() ctx: GqlContext): Promise<boolean> {
    await nodes.deleteNode(ctx.svc, ctx.who, pathArg(ctx, path));
    return true;
  }
}

@Resolver(() => NodeConnection)
export class ConnectionResolver {
  @FieldResolver(() => Int, { description: 'How many children the container has.' })
  totalCount(@Root() c: NodeConnection, @Ctx() ctx: GqlContext): Promise<number> {
    return nodes.countChildren(ctx.svc, ctx.who, c.parent, ctx.loaders);
  }
}
