/**
 * GraphQL over UWS jobs: arguments in, one call into services/jobs,
 * objects out. Who may see or change a job is decided there, not here.
 */
import { Arg, Ctx, Float, Int, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { fault, isFault } from '../domain/faults';
import { MAX_JOB_LIST, resultCount, resultHref, type AnyJob, type JobKind, type Phase } from '../domain/job';
import { P } from '../domain/properties';
import { isMoveOrCopy, readDirection, type Transfer } from '../domain/transfer';
import * as jobs from '../services/jobs';
import type { GqlContext } from './context';
import { JobConnection, JobKindEnum, JobObject, PhaseEnum } from './jobTypes';
import { DEFAULT_PAGE } from './types';

/** The context as src/graphql/server.ts builds it: GqlContext and where the REST binding is, for absolute result links. */
export function toJobObject(job: AnyJob, ctx: GqlContext): JobObject {
  const uris = ctx.svc.uris;
  const t = job.kind === 'transfer' ? job.transfer : undefined;
  return Object.assign(new JobObject(), {
    id: job.id,
    kind: job.kind,
    phase: job.phase,
    owner: job.owner,
    runId: job.runId,
    creationTime: job.createdAt,
    startTime: job.startTime,
    endTime: job.endTime,
    executionDuration: job.executionDuration,
    destruction: job.destruction,
    target: uris.format(job.kind === 'transfer' ? job.transfer.target : job.target),
    direction: !t ? null : isMoveOrCopy(t) ? uris.format(t.direction.destination) : t.direction,
    view: t?.view ?? null,
    keepBytes: t?.keepBytes ?? false,
    protocols: job.kind === 'transfer' ? job.protocols.map((p) => ({ uri: p.uri, endpoint: p.endpoint, securityMethod: p.securityMethod ?? null })) : [],
    properties: job.kind === 'transfer' ? [] : job.properties.map((p) => ({ uri: p.uri, value: p.value })),
    results: job.results.map((r) => ({ id: r.id, href: resultHref(ctx.restBase, r.href) })),
    successCount: resultCount(job, 'successcount'),
    errorCount: resultCount(job, 'errorcount'),
    error: job.error ? { fault: job.error.fault, message: job.error.message } : null,
  });
}

/** A cursor names the job a page ended at, and its creation time in case that job is deleted before the next page. */
const cursorOf = (j: AnyJob) => Buffer.from(`${j.createdAt.toISOString()} ${j.id}`, 'utf8').toString('base64url');

function jobOfCursor(c: string): { id: string; createdAt: Date } {
  const m = /^(\S+) ([A-Za-z0-9_-]{1,64})$/.exec(Buffer.from(c, 'base64url').toString('utf8'));
  const createdAt = new Date(m?.[1] ?? NaN);
  if (!m || Number.isNaN(createdAt.getTime())) throw fault('InvalidArgument', 'not a job cursor (pass an endCursor or edge cursor back unchanged)');
  return { id: m[2], createdAt };
}

@Resolver(() => JobObject)
export class JobResolver {
  @Query(() => JobObject, { nullable: true, description: 'A job of any kind by id; null when there is none.' })
  async job(@Arg('id', () => String) id: string, @Ctx() ctx: GqlContext): Promise<JobObject | null> {
    try {
      return toJobObject(await jobs.readJob(ctx.svc, ctx.who, id), ctx);
    } catch (e) {
      if (isFault(e) && e.fault === 'NotFound') return null;
      throw e;
    }
  }

  @Query(() => JobConnection, { description: 'The caller’s jobs (everyone’s for an admin), oldest first, paged.' })
  async jobs(
    @Ctx() ctx: GqlContext,
    @Arg('phases', () => [PhaseEnum], { nullable: true, description: 'Only jobs in one of these phases.' }) phases: Phase[] | null,
    @Arg('kinds', () => [JobKindEnum], { nullable: true, description: 'Only jobs of these kinds (by default every kind).' }) kinds: JobKind[] | null,
    @Arg('after', () => Date, { nullable: true, description: 'Only jobs created after this time.' }) after: Date | null,
    @Arg('first', () => Int, { defaultValue: DEFAULT_PAGE, description: `Page size (at most ${MAX_JOB_LIST}).` }) first: number,
    @Arg('cursor', () => String, { nullable: true, description: 'Continue after this cursor (a pageInfo.endCursor).' }) cursor: string | null,
  ): Promise<JobConnection> {
    const { jobs: page, more } = await jobs.listJobs(ctx.svc, ctx.who, {
      kinds: kinds ?? undefined,
      phases: phases ?? undefined,
      after: after ?? undefined,
      afterJob: cursor ? jobOfCursor(cursor) : undefined,
      first,
    });
    const last = page[page.length - 1];
    return Object.assign(new JobConnection(), {
      edges: page.map((j) => ({ cursor: cursorOf(j), node: toJobObject(j, ctx) })),
      pageInfo: { hasNextPage: more, endCursor: last ? cursorOf(last) : null },
    });
  }

  @Mutation(() => JobObject, {
    description:
      'Creates a transfer job (run by default). A data transfer returns negotiated, with its endpoints; a move or copy (direction a vos:// URI) carries on after it returns.',
  })
  async negotiateTransfer(
    @Ctx() ctx: GqlContext,
    @Arg('target', () => String, { description: 'vos:// URI (or /path) of the node.' }) target: string,
    @Arg('direction', () => String, { description: 'pushToVoSpace, pullFromVoSpace, …, or the vos:// URI to move or copy to.' }) direction: string,
    @Arg('protocols', () => [String], { nullable: true, description: 'Protocol URIs asked for; by default every one the service offers.' })
    protocols: string[] | null,
    @Arg('view', () => String, { nullable: true }) view: string | null,
    @Arg('keepBytes', () => Boolean, { defaultValue: false, description: 'For a move or copy: true copies.' }) keepBytes: boolean,
    @Arg('run', () => Boolean, { defaultValue: true, description: 'Run at once (PHASE=RUN); false leaves the job PENDING.' }) run: boolean,
    @Arg('length', () => Float, {
      nullable: true,
      description: 'For a push: the bytes it will send (as the core#length param of a REST transfer), checked against the quotas above at negotiation.',
    })
    length: number | null,
  ): Promise<JobObject> {
    const transfer: Transfer = {
      target: ctx.svc.uris.parse(target),
      direction: readDirection(ctx.svc.uris, direction),
      view: view ?? undefined,
      protocols: (protocols ?? []).map((uri) => ({ uri })),
      keepBytes,
      params: length === null || length === undefined ? [] : [{ uri: P.length, value: String(length) }],
    };
    return toJobObject(await jobs.createJob(ctx.svc, ctx.who, transfer, { run }), ctx);
  }

  @Mutation(() => JobObject, { description: 'PHASE=ABORT: the job, aborted if it was still active.' })
  async abortJob(@Arg('id', () => String) id: string, @Ctx() ctx: GqlContext): Promise<JobObject> {
    return toJobObject(await jobs.abortJob(ctx.svc, ctx.who, id), ctx);
  }

  @Mutation(() => Boolean, { description: 'ACTION=DELETE: aborts the job if active, then deletes it.' })
  async deleteJob(@Arg('id', () => String) id: string, @Ctx() ctx: GqlContext): Promise<boolean> {
    await jobs.deleteJob(ctx.svc, ctx.who, id);
    return true;
  }

  @Subscription(() => JobObject, {
    description:
      'The job now, then at each change of its phase, until it reaches a final phase (COMPLETED, ERROR, ABORTED). Over graphql-ws on /graphql.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { id: string }, GqlContext>) => jobs.watchJob(context.svc, context.who, args.id),
  })
  jobPhase(@Root() event: jobs.JobOrFault, @Arg('id', () => String) _id: string, @Ctx() ctx: GqlContext): JobObject {
    if (event instanceof Error) throw event;
    return toJobObject(event, ctx);
  }
}
