/** Users and groups: operator actions (CLI, admin socket, admin GraphQL). Tokens: tokens.ts. */
import type { Identity } from '../auth/identity';
import { PG_UNIQUE_VIOLATION, pgCode } from '../db/errors';
import * as nodes from '../db/nodeStore';
import * as users from '../db/userStore';
import { fault } from '../domain/faults';
import type { Services } from './context';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** Whether a string could name a user (or group). */
export const isUserName = (name: string) => NAME_RE.test(name);

function checkName(kind: string, name: string): string {
  if (!NAME_RE.test(name)) {
    throw fault('InvalidArgument', `${kind} name '${name}' must be 1-64 letters, digits, '.', '_', '@' or '-'`);
  }
  return name;
}

export function requireAdmin(who: Identity, what = 'manage users, groups and tokens'): void {
  if (!who.admin) throw fault('PermissionDenied', `only an administrator may ${what}`);
}

export interface AddUser {
  name: string;
  admin?: boolean;
  groups?: string[];
}

/** Creates the user, its groups, and its home container /NAME, which it owns. */
export async function addUser(svc: Services, who: Identity, u: AddUser): Promise<users.UserRow> {
  requireAdmin(who);
  const name = checkName('user', u.name);
  const groups = (u.groups ?? []).map((g) => checkName('group', g));
  try {
    await svc.db.transaction(async (trx) => {
      const id = await users.insertUser(trx, name, !!u.admin);
      await users.addMemberships(trx, id, await users.ensureGroups(trx, groups));
      const root = await nodes.getByPath(trx, '', false);
      await nodes.insertNode(trx, { parentId: root!.id, path: name, name, type: 'ContainerNode', ownerId: id }, []);
    });
  } catch (e) {
    if (pgCode(e) === PG_UNIQUE_VIOLATION) throw fault('DuplicateNode', `user or home container '${name}' already exists`);
    throw e;
  }
  svc.tokens.forget();
  return (await users.findUser(svc.db, name))!;
}

/** Creates the group if it is new, and adds the members (existing users) to it. */
export async function addGroup(svc: Services, who: Identity, name: string, members: string[] = []): Promise<users.GroupRow> {
  requireAdmin(who);
  await svc.db.transaction(async (trx) => {
    const [groupId] = await users.ensureGroups(trx, [checkName('group', name)]);
    for (const m of members) {
      const user = await users.findUser(trx, m);
      if (!user) throw fault('NodeNotFound', `no user '${m}'`);
      await users.addMemberships(trx, user.id, [groupId]);
    }
  });
  svc.tokens.forget();
  return (await users.listGroups(svc.db, name))[0];
}

export async function listGroups(svc: Services, who: Identity): Promise<users.GroupRow[]> {
  requireAdmin(who);
  return users.listGroups(svc.db);
}

export interface MembershipChange {
  add?: string[];
  remove?: string[];
}

/**
 * Adds a user to groups and takes it out of others, in one transaction. The
 * groups must exist (only user add and group add create groups, so a typo
 * makes none); removing a membership the user does not have changes nothing.
 */
export async function changeMemberships(svc: Services, who: Identity, userName: string, change: MembershipChange): Promise<users.UserRow> {
  requireAdmin(who);
  const add = change.add ?? [];
  const remove = change.remove ?? [];
  const both = add.find((g) => remove.includes(g));
  if (both) throw fault('InvalidArgument', `group '${both}' is both to add and to remove`);
  await svc.db.transaction(async (trx) => {
    const user = await users.findUser(trx, userName);
    if (!user) throw fault('NodeNotFound', `no user '${userName}'`);
    const ids = await users.groupIdsByName(trx, [...add, ...remove]);
    const missing = [...add, ...remove].find((g) => !ids.has(g));
    if (missing) throw fault('NodeNotFound', `no group '${missing}'`);
    await users.addMemberships(trx, user.id, add.map((g) => ids.get(g)!));
    await users.removeMemberships(trx, user.id, remove.map((g) => ids.get(g)!));
  });
  svc.tokens.forget();
  return (await users.findUser(svc.db, userName))!;
}

export async function addGroupMember(svc: Services, who: Identity, group: string, user: string): Promise<users.GroupRow> {
  await changeMemberships(svc, who, user, { add: [group] });
  return (await users.listGroups(svc.db, group))[0];
}

export async function removeGroupMember(svc: Services, who: Identity, group: string, user: string): Promise<users.GroupRow> {
  await changeMemberships(svc, who, user, { remove: [group] });
  return (await users.listGroups(svc.db, group))[0];
}

/**
 * Deletes a group and its memberships. Sharing properties (groupread,
 * groupwrite) that name it are left as they are: they grant nothing until a
 * group of that name is made again.
 */
export async function deleteGroup(svc: Services, who: Identity, name: string): Promise<void> {
  requireAdmin(who);
  if (!(await users.deleteGroup(svc.db, name))) throw fault('NodeNotFound', `no group '${name}'`);
  svc.tokens.forget();
}

export async function listUsers(svc: Services, who: Identity): Promise<users.UserRow[]> {
  requireAdmin(who);
  return users.listUsers(svc.db);
}

/**
 * Gives or takes a user's administrator flag. The last administrator keeps
 * theirs, so the portal always has one (the operator's CLI needs none).
 */
export async function setAdmin(svc: Services, who: Identity, userName: string, admin: boolean): Promise<users.UserRow> {
  requireAdmin(who, 'make or unmake administrators');
  await svc.db.transaction(async (trx) => {
    const user = await users.findUser(trx, userName);
    if (!user) throw fault('NodeNotFound', `no user '${userName}'`);
    if (!admin && user.isAdmin) {
      const admins = await users.lockAdmins(trx);
      if (admins.length === 1 && admins[0] === user.id) {
        throw fault('PermissionDenied', `'${userName}' is the last administrator; make another one first`);
      }
    }
    await users.setAdminFlag(trx, user.id, admin);
  });
  svc.tokens.forget();
  return (await users.findUser(svc.db, userName))!;
}
