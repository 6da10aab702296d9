/**
 * GraphQL over recursive jobs (delete, or set properties on, a node and
 * everything below it): arguments in, one call into services/jobs, the job
 * out. They are jobs like transfers: job(id), jobs and jobPhase show them.
 */
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import * as jobs from '../services/jobs';
import type { GqlContext } from './context';
import { toJobObject } from './jobResolvers';
import { JobObject } from './jobTypes';
import { pathArg } from './resolvers';
import { PropertyInput } from './types';

const RUN = { defaultValue: true, description: 'Run at once (PHASE=RUN); false leaves the job PENDING.' };

@Resolver()
export class RecursiveResolver {
  @Mutation(() => JobObject, {
    description:
      'A recursive delete job of the node and everything below it (run by default; it carries on after this returns). Each node is deleted if the caller may delete it and nothing is left in it; the job ends with successCount and errorCount.',
  })
  async deleteRecursive(
    @Ctx() ctx: GqlContext,
    @Arg('path', () => String, { description: 'Path or vos:// URI of the top node.' }) path: string,
    @Arg('run', () => Boolean, RUN) run: boolean,
  ): Promise<JobObject> {
    return toJobObject(await jobs.createRecursiveJob(ctx.svc, ctx.who, 'delete', pathArg(ctx, path), [], { run }), ctx);
  }

  @Mutation(() => JobObject, {
    description:
      'A recursive setprops job: the properties (a null value deletes) set on the node and everything below it where the caller may set them (run by default; it carries on after this returns); the job ends with successCount and errorCount.',
  })
  async setPropertiesRecursive(
    @Ctx() ctx: GqlContext,
    @Arg('path', () => String, { description: 'Path or vos:// URI of the top node.' }) path: string,
    @Arg('properties', () => [PropertyInput]) properties: PropertyInput[],
    @Arg('run', () => Boolean, RUN) run: boolean,
  ): Promise<JobObject> {
    return toJobObject(await jobs.createRecursiveJob(ctx.svc, ctx.who, 'setprops', pathArg(ctx, path), properties, { run }), ctx);
  }
}
