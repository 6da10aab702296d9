/** GraphQL types for administrators: groups, usage, storage servers, job figures. Thin views, no rules. */
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { Phase } from '../domain/job';
import { PhaseEnum } from './jobTypes';

@ObjectType('Group', { description: 'A group of users, as the sharing properties (core#groupread, core#groupwrite) name it.' })
export class GroupObject {
  @Field(() => String) name!: string;
  @Field(() => [String], { description: 'Names of its users, in byte order.' }) members!: string[];
}

@ObjectType('UserUsage', { description: 'What one user owns.' })
export class UserUsageObject {
  @Field(() => String) user!: string;
  @Field(() => Int, { description: 'Nodes it owns, of every type.' }) nodes!: number;
  @Field(() => Int, { description: 'Of those, the data nodes (DataNode, UnstructuredDataNode, StructuredDataNode).' }) dataNodes!: number;
  @Field(() => Float, { description: 'Bytes of the nodes it owns.' }) bytes!: number;
}

@ObjectType('ContainerUsage', { description: 'What one subtree holds: the node itself and everything below it.' })
export class ContainerUsageObject {
  @Field(() => String, { description: "Path from the root, with a leading '/'." }) path!: string;
  @Field(() => Int) nodes!: number;
  @Field(() => Float) bytes!: number;
  @Field(() => Float, { nullable: true, description: 'core#quota in bytes; null when unset or not a whole number.' }) quota!: number | null;
  @Field(() => Float, { nullable: true, description: 'quota - bytes (negative when over quota); null without a quota.' }) bytesLeft!: number | null;
}

@ObjectType('ContainerUsageReport')
export class ContainerUsageReportObject {
  @Field(() => ContainerUsageObject) container!: ContainerUsageObject;
  @Field(() => [ContainerUsageObject], { description: 'Its child containers, in name order (empty unless asked for).' })
  children!: ContainerUsageObject[];
}

@ObjectType('StorageServer', { description: 'A storage server that has registered with the space.' })
export class StorageServerObject {
  @Field(() => String) name!: string;
  @Field(() => String) url!: string;
  @Field(() => Date) registered!: Date;
  @Field(() => Date) lastHeartbeat!: Date;
  @Field(() => Boolean, { description: 'Heard from within the last 90 s: transfers get endpoints on it.' }) live!: boolean;
  @Field(() => Float, { description: 'Bytes of the data nodes whose bytes it holds.' }) bytesStored!: number;
  @Field(() => Float, { nullable: true, description: 'Free bytes of its root_dir at the last heartbeat.' }) freeBytes!: number | null;
  @Field(() => Float, { nullable: true, description: 'Size in bytes of the filesystem of its root_dir.' }) totalBytes!: number | null;
}

@ObjectType('PhaseCount')
export class PhaseCountObject {
  @Field(() => PhaseEnum) phase!: Phase;
  @Field(() => Int) count!: number;
}

@ObjectType('FailedJob', { description: 'A job that ended in ERROR.' })
export class FailedJobObject {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true, description: 'Null for a job made anonymously.' }) owner!: string | null;
  @Field(() => Date) creationTime!: Date;
  @Field(() => Date, { nullable: true }) endTime!: Date | null;
  @Field(() => String, { nullable: true, description: 'The VOSpace fault name, e.g. NodeNotFound.' }) fault!: string | null;
  @Field(() => String, { nullable: true }) message!: string | null;
}
