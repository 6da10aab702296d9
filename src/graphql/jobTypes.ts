/** GraphQL types over UWS jobs (src/domain/job.ts): thin views, no rules. */
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { JOB_KINDS, PHASES, type JobKind, type Phase } from '../domain/job';
import { PageInfo } from './types';

export const PhaseEnum = Object.fromEntries(PHASES.map((p) => [p, p])) as { [K in Phase]: K };
registerEnumType(PhaseEnum, { name: 'Phase', description: 'The UWS 1.1 execution phase of a job.' });

export const JobKindEnum = Object.fromEntries(JOB_KINDS.map((k) => [k, k])) as { [K in JobKind]: K };
registerEnumType(JobKindEnum, {
  name: 'JobKind',
  description: 'What a job does: a transfer, or a recursive delete or setprops of a node and everything below it.',
});

@ObjectType('TransferProtocol', { description: 'A protocol negotiated for a data transfer, with the endpoint handed out for it.' })
export class TransferProtocolObject {
  @Field(() => String) uri!: string;
  @Field(() => String, { description: 'One-shot URL to PUT the bytes to or GET them from.' }) endpoint!: string;
  @Field(() => String, { nullable: true }) securityMethod!: string | null;
}

@ObjectType('JobResult', { description: 'A UWS result of a job.' })
export class JobResultObject {
  @Field(() => String) id!: string;
  @Field(() => String, { description: 'Absolute URL (or, for a move or copy, the vos:// URI of the node made).' }) href!: string;
}

@ObjectType('JobError', { description: 'Why a job ended in ERROR.' })
export class JobErrorObject {
  @Field(() => String, { description: 'The VOSpace fault name, e.g. NodeNotFound.' }) fault!: string;
  @Field(() => String) message!: string;
}

@ObjectType('JobProperty', { description: 'A property a setprops job sets (a null value deletes it).' })
export class JobPropertyObject {
  @Field(() => String) uri!: string;
  @Field(() => String, { nullable: true }) value!: string | null;
}

@ObjectType('Job', {
  description: 'A UWS job: a transfer (a negotiated data transfer, or a move or copy), or a recursive delete or setprops of a node and everything below it.',
})
export class JobObject {
  @Field(() => ID) id!: string;
  @Field(() => JobKindEnum) kind!: JobKind;
  @Field(() => PhaseEnum) phase!: Phase;
  @Field(() => String, { nullable: true, description: 'Name of the owning user; null for a job made anonymously.' }) owner!: string | null;
  @Field(() => String, { nullable: true }) runId!: string | null;
  @Field(() => Date) creationTime!: Date;
  @Field(() => Date, { nullable: true }) startTime!: Date | null;
  @Field(() => Date, { nullable: true }) endTime!: Date | null;
  @Field(() => Int, { description: 'Seconds the job may run; 0 = unlimited.' }) executionDuration!: number;
  @Field(() => Date, { description: 'When the service destroys the job.' }) destruction!: Date;
  @Field(() => String, { description: 'vos:// URI of the transfer target, or of the top node of a recursive job.' }) target!: string;
  @Field(() => String, { nullable: true, description: 'pushToVoSpace, pullFromVoSpace, …, or the vos:// URI a move or copy goes to; null for a recursive job.' })
  direction!: string | null;
  @Field(() => String, { nullable: true, description: 'View URI asked for, if any.' }) view!: string | null;
  @Field(() => Boolean, { description: 'For a move or copy: true copies, false moves.' }) keepBytes!: boolean;
  @Field(() => [TransferProtocolObject], { description: 'Endpoints of a negotiated data transfer (empty before negotiation, and for a move or copy).' })
  protocols!: TransferProtocolObject[];
  @Field(() => [JobPropertyObject], { description: 'What a setprops job sets (empty for other kinds).' }) properties!: JobPropertyObject[];
  @Field(() => [JobResultObject]) results!: JobResultObject[];
  @Field(() => Int, { nullable: true, description: 'A recursive job that has ended: the nodes it deleted or changed.' }) successCount!: number | null;
  @Field(() => Int, { nullable: true, description: 'A recursive job that has ended: the nodes it had to leave alone (refused, busy, or holding what it could not delete).' })
  errorCount!: number | null;
  @Field(() => JobErrorObject, { nullable: true }) error!: JobErrorObject | null;
}

@ObjectType('JobEdge')
export class JobEdge {
  @Field(() => String, { description: 'Opaque cursor: pass it as `cursor` to continue after this job.' }) cursor!: string;
  @Field(() => JobObject) node!: JobObject;
}

@ObjectType('JobConnection', { description: 'A page of the caller’s jobs (everyone’s for an admin), in creation order.' })
export class JobConnection {
  @Field(() => [JobEdge]) edges!: JobEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}
