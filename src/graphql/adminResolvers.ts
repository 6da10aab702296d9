/**
 * GraphQL for administrators: users and groups, and the figures of the admin
 * page. Arguments in, one call into services/, objects out; services/ decides
 * who may (administrators only).
 */
import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { ContainerUsage } from '../db/adminStore';
import type { GroupRow, UserRow } from '../db/userStore';
import { pathFromPlain } from '../domain/paths';
import { MAX_JOB_LIST } from '../domain/job';
import * as admin from '../services/admin';
import * as users from '../services/users';
import {
  ContainerUsageObject, ContainerUsageReportObject, FailedJobObject, GroupObject, PhaseCountObject, StorageServerObject, UserUsageObject,
} from './adminTypes';
import type { GqlContext } from './context';
import { UserObject } from './types';

const userObject = (u: UserRow) => Object.assign(new UserObject(), { name: u.name, admin: u.isAdmin, groups: u.groups });
const groupObject = (g: GroupRow) => Object.assign(new GroupObject(), g);
const usageObject = (u: ContainerUsage) => Object.assign(new ContainerUsageObject(), { ...u, path: `/${u.path}` });

@Resolver()
export class AccountResolver {
  @Query(() => [UserObject], { description: 'Every user, in byte order of names (administrators only).' })
  async users(@Ctx() ctx: GqlContext): Promise<UserObject[]> {
    return (await users.listUsers(ctx.svc, ctx.who)).map(userObject);
  }

  @Query(() => [GroupObject], { description: 'Every group with its members (administrators only).' })
  async groups(@Ctx() ctx: GqlContext): Promise<GroupObject[]> {
    return (await users.listGroups(ctx.svc, ctx.who)).map(groupObject);
  }

  @Mutation(() => UserObject, { description: 'A new user with its home container /NAME; missing groups are created.' })
  async addUser(
    @Arg('name', () => String) name: string,
    @Arg('admin', () => Boolean, { defaultValue: false }) isAdmin: boolean,
    @Arg('groups', () => [String], { defaultValue: [] }) groups: string[],
    @Ctx() ctx: GqlContext,
  ): Promise<UserObject> {
    return userObject(await users.addUser(ctx.svc, ctx.who, { name, admin: isAdmin, groups }));
  }

  @Mutation(() => GroupObject, { description: 'Creates the group if it is new, and adds these (existing) users to it.' })
  async addGroup(
    @Arg('name', () => String) name: string,
    @Arg('members', () => [String], { defaultValue: [] }) members: string[],
    @Ctx() ctx: GqlContext,
  ): Promise<GroupObject> {
    return groupObject(await users.addGroup(ctx.svc, ctx.who, name, members));
  }

  @Mutation(() => GroupObject, { description: 'Adds a user to an existing group (no change if already in it).' })
  async addGroupMember(
    @Arg('group', () => String) group: string,
    @Arg('user', () => String) user: string,
    @Ctx() ctx: GqlContext,
  ): Promise<GroupObject> {
    return groupObject(await users.addGroupMember(ctx.svc, ctx.who, group, user));
  }

  @Mutation(() => GroupObject, { description: 'Takes a user out of a group (no change if not in it).' })
  async removeGroupMember(
    @Arg('group', () => String) group: string,
    @Arg('user', () => String) user: string,
    @Ctx() ctx: GqlContext,
  ): Promise<GroupObject> {
    return groupObject(await users.removeGroupMember(ctx.svc, ctx.who, group, user));
  }

  @Mutation(() => Boolean, { description: 'Deletes a group and its memberships.' })
  async deleteGroup(@Arg('name', () => String) name: string, @Ctx() ctx: GqlContext): Promise<boolean> {
    await users.deleteGroup(ctx.svc, ctx.who, name);
    return true;
  }
}

@Resolver()
export class AdminResolver {
  @Query(() => [UserUsageObject], { description: 'For every user: nodes, data nodes and bytes owned (administrators only).' })
  async usageByUser(@Ctx() ctx: GqlContext): Promise<UserUsageObject[]> {
    return (await admin.usageByUser(ctx.svc, ctx.who)).map((u) => Object.assign(new UserUsageObject(), u));
  }

  @Query(() => ContainerUsageReportObject, { description: 'Nodes, bytes and quota of a subtree, and of its child containers’ (administrators only).' })
  async containerUsage(
    @Arg('path', () => String, { description: 'A path or a vos:// URI.' }) path: string,
    @Arg('children', () => Boolean, { defaultValue: false, description: 'Also each direct child container.' }) children: boolean,
    @Ctx() ctx: GqlContext,
  ): Promise<ContainerUsageReportObject> {
    const p = path.startsWith('vos:') ? ctx.svc.uris.parse(path) : pathFromPlain(path);
    const r = await admin.containerUsage(ctx.svc, ctx.who, p, children);
    return Object.assign(new ContainerUsageReportObject(), { container: usageObject(r), children: r.children.map(usageObject) });
  }

  @Query(() => [StorageServerObject], { description: 'Every registered storage server (administrators only).' })
  async storageServers(@Ctx() ctx: GqlContext): Promise<StorageServerObject[]> {
    return (await admin.storageServers(ctx.svc, ctx.who)).map(({ registeredAt, heartbeatAt, ...s }) =>
      Object.assign(new StorageServerObject(), { ...s, registered: registeredAt, lastHeartbeat: heartbeatAt }),
    );
  }

  @Query(() => [PhaseCountObject], { description: 'How many jobs are in each phase, every phase listed (administrators only).' })
  async jobPhaseCounts(@Ctx() ctx: GqlContext): Promise<PhaseCountObject[]> {
    return (await admin.jobsByPhase(ctx.svc, ctx.who)).map((c) => Object.assign(new PhaseCountObject(), c));
  }

  @Query(() => [FailedJobObject], { description: 'The most recent jobs to end in ERROR, newest first (administrators only).' })
  async failedJobs(
    @Arg('last', () => Int, { defaultValue: 20, description: `How many (at most ${MAX_JOB_LIST}).` }) last: number,
    @Ctx() ctx: GqlContext,
  ): Promise<FailedJobObject[]> {
    return (await admin.recentFailures(ctx.svc, ctx.who, last)).map(({ createdAt, ...j }) =>
      Object.assign(new FailedJobObject(), { ...j, creationTime: createdAt }),
    );
  }
}
