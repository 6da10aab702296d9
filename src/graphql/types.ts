/**
 * GraphQL types over the domain: thin views of NodeRecord and Property.
 * `simpleResolvers`: a plain field is read by graphql-js's default resolver,
 * not wrapped by type-graphql for middlewares and auth checks that this
 * schema has none of (a portal page has thousands of such fields).
 */
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { NodeRecord } from '../domain/node';
import { NODE_TYPES, type NodeType } from '../domain/nodeTypes';

export const NodeKind = Object.fromEntries(NODE_TYPES.map((t) => [t, t])) as { [K in NodeType]: K };
registerEnumType(NodeKind, { name: 'NodeKind', description: 'The VOSpace node type (xsi:type without the vos: prefix).' });

@ObjectType('Property', { simpleResolvers: true, description: 'A node property; readOnly ones are computed by the service.' })
export class PropertyType {
  @Field(() => String) uri!: string;
  @Field(() => String) value!: string;
  @Field(() => Boolean) readOnly!: boolean;
}

@ObjectType('Node', { simpleResolvers: true, description: 'A VOSpace node.' })
export class NodeObject {
  /** The record behind the fields below, kept for the field resolvers. */
  record!: NodeRecord;

  @Field(() => ID) id!: string;
  @Field(() => String, { description: "Path from the root, with a leading '/'." }) path!: string;
  @Field(() => String, { description: 'vos:// URI of the node.' }) uri!: string;
  @Field(() => String) name!: string;
  @Field(() => NodeKind) type!: NodeType;
  @Field(() => String, { nullable: true, description: 'Name of the owning user.' }) owner!: string | null;
  @Field(() => String, { nullable: true, description: 'Target URI of a LinkNode.' }) target!: string | null;
  @Field(() => Float, { description: 'Bytes stored (0 for containers and links).' }) size!: number;
  @Field(() => String, { nullable: true }) md5!: string | null;
  @Field(() => Boolean) busy!: boolean;
  @Field(() => Date) ctime!: Date;
  @Field(() => Date) mtime!: Date;
  @Field(() => Date) btime!: Date;
}

@ObjectType('Grants', { simpleResolvers: true, description: 'Who may read and write a node, from its owner and its sharing properties. Grants are per node, never inherited.' })
export class GrantsObject {
  @Field(() => String, { nullable: true, description: 'The owner, who may read and write it.' }) owner!: string | null;
  @Field(() => [String], { description: 'Groups that may read it (core#groupread).' }) groupRead!: string[];
  @Field(() => [String], { description: 'Groups that may read and write it (core#groupwrite).' }) groupWrite!: string[];
  @Field(() => Boolean, { description: 'Anyone may read it (core#publicread or core#ispublic).' }) public!: boolean;
}

export const ChildOrder = { NAME: 'NAME', SIZE: 'SIZE', MTIME: 'MTIME' } as const;
export type ChildOrder = keyof typeof ChildOrder;
registerEnumType(ChildOrder, {
  name: 'ChildOrder',
  description: 'What children are ordered by; the name breaks ties, in the same direction.',
  valuesConfig: {
    NAME: { description: 'Byte order of the names.' },
    SIZE: { description: 'Bytes stored (containers and links hold 0).' },
    MTIME: { description: 'Last change of the content.' },
  },
});

@ObjectType('QuotaUsage', { simpleResolvers: true, description: 'A core#quota and the bytes it counts.' })
export class QuotaUsageObject {
  @Field(() => String, { description: "Path of the container the core#quota is set on, with a leading '/'." }) path!: string;
  @Field(() => Float, { description: 'The quota, in bytes.' }) limit!: number;
  @Field(() => Float, { description: 'Bytes counted under it, as quotas count them (data bytes and property bytes below the container).' }) used!: number;
}

@ObjectType('NodeEdge', { simpleResolvers: true })
export class NodeEdge {
  @Field(() => String, { description: 'Opaque cursor: pass it as `after` to continue after this child.' }) cursor!: string;
  @Field(() => NodeObject) node!: NodeObject;
}

@ObjectType('PageInfo', { simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

@ObjectType('NodeConnection', { simpleResolvers: true, description: 'A page of a container’s children, in the order asked for.' })
export class NodeConnection {
  @Field(() => [NodeEdge]) edges!: NodeEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  /** The parent, for totalCount. */
  parent!: NodeRecord;
}

@ObjectType('User', { simpleResolvers: true, description: 'The authenticated caller.' })
export class UserObject {
  @Field(() => String) name!: string;
  @Field(() => Boolean) admin!: boolean;
  @Field(() => [String]) groups!: string[];
}

@InputType('PropertyInput', { description: 'Set a property; a null value deletes it.' })
export class PropertyInput {
  @Field(() => String) uri!: string;
  @Field(() => String, { nullable: true }) value!: string | null;
  @Field(() => Boolean, { nullable: true }) readOnly?: boolean;
}

export const DEFAULT_PAGE = 100;
export { Int };
