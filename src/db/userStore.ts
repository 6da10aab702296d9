/** SQL for users and groups (tokens: tokenStore.ts). */
import type { Db } from './nodeStore';

export interface UserRow {
  id: number;
  name: string;
  isAdmin: boolean;
  groups: string[];
}

/** A user's group names, as column `groups` of a query on `users u`. */
export const GROUPS_SQL = `COALESCE((SELECT array_agg(g.name ORDER BY g.name) FROM user_groups ug JOIN groups g ON g.id = ug.group_id
  WHERE ug.user_id = u.id), '{}') AS groups`;

/** A text[] as a driver may return it: an array, or its literal ('{a,b}'; names never need quoting). */
const textArray = (v: string[] | string) => (Array.isArray(v) ? v : String(v).replace(/^\{|\}$/g, '').split(',').filter(Boolean));

export function toUser(r: { id: number; name: string; is_admin: boolean; groups: string[] | string }): UserRow {
  return { id: Number(r.id), name: r.name, isAdmin: r.is_admin, groups: textArray(r.groups) };
}

export async function findUser(db: Db, name: string): Promise<UserRow | undefined> {
  const row = await db('users as u').select('u.id', 'u.name', 'u.is_admin', db.raw(GROUPS_SQL)).where('u.name', name).first();
  return row ? toUser(row) : undefined;
}

export async function listUsers(db: Db): Promise<UserRow[]> {
  const rows = await db('users as u').select('u.id', 'u.name', 'u.is_admin', db.raw(GROUPS_SQL)).orderBy('u.name');
  return rows.map(toUser);
}

export async function insertUser(db: Db, name: string, isAdmin: boolean): Promise<number> {
  const [row] = await db('users').insert({ name, is_admin: isAdmin }).returning('id');
  return Number(row.id);
}

export async function ensureGroups(db: Db, names: string[]): Promise<number[]> {
  if (!names.length) return [];
  await db('groups').insert(names.map((name) => ({ name }))).onConflict('name').ignore();
  const rows: { id: number }[] = await db('groups').select('id').whereIn('name', names);
  return rows.map((r) => Number(r.id));
}

export async function addMemberships(db: Db, userId: number, groupIds: number[]): Promise<void> {
  if (!groupIds.length) return;
  await db('user_groups')
    .insert(groupIds.map((group_id) => ({ user_id: userId, group_id })))
    .onConflict(['user_id', 'group_id'])
    .ignore();
}

export async function removeMemberships(db: Db, userId: number, groupIds: number[]): Promise<void> {
  if (!groupIds.length) return;
  await db('user_groups').where('user_id', userId).whereIn('group_id', groupIds).delete();
}

/** Ids of the named groups that exist, by name. */
export async function groupIdsByName(db: Db, names: string[]): Promise<Map<string, number>> {
  if (!names.length) return new Map();
  const rows: { id: number; name: string }[] = await db('groups').select('id', 'name').whereIn('name', names);
  return new Map(rows.map((r) => [r.name, Number(r.id)]));
}

export interface GroupRow {
  name: string;
  members: string[];
}

/** Groups with their members' names, all of them or the one named; one statement. */
export async function listGroups(db: Db, name?: string): Promise<GroupRow[]> {
  const q = db('groups as g')
    .leftJoin('user_groups as ug', 'ug.group_id', 'g.id')
    .leftJoin('users as u', 'u.id', 'ug.user_id')
    .select('g.name', db.raw(`COALESCE(array_agg(u.name ORDER BY u.name) FILTER (WHERE u.id IS NOT NULL), '{}') AS members`))
    .groupBy('g.id', 'g.name')
    .orderBy('g.name');
  if (name !== undefined) q.where('g.name', name);
  const rows: { name: string; members: string[] | string }[] = await q;
  return rows.map((r) => ({ name: r.name, members: textArray(r.members) }));
}

/** Deletes a group (its memberships go with it); whether there was one. */
export async function deleteGroup(db: Db, name: string): Promise<boolean> {
  return (await db('groups').where('name', name).delete()) > 0;
}

/** A user and their password hash (null: no password), by name. */
export async function findUserWithPassword(db: Db, name: string): Promise<(UserRow & { passwordHash: string | null }) | undefined> {
  const row = await db('users as u').select('u.id', 'u.name', 'u.is_admin', 'u.password_hash', db.raw(GROUPS_SQL)).where('u.name', name).first();
  return row ? { ...toUser(row), passwordHash: row.password_hash } : undefined;
}

export async function setPasswordHash(db: Db, userId: number, hash: string | null): Promise<void> {
  await db('users').where('id', userId).update({ password_hash: hash });
}

export async function setAdminFlag(db: Db, userId: number, isAdmin: boolean): Promise<void> {
  await db('users').where('id', userId).update({ is_admin: isAdmin });
}

/** Ids of the administrators, their rows locked until the transaction ends (so two cannot each remove the other). */
export async function lockAdmins(db: Db): Promise<number[]> {
  const rows: { id: number }[] = await db('users').select('id').where('is_admin', true).orderBy('id').forUpdate();
  return rows.map((r) => Number(r.id));
}

export async function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  const row = await db('users as u').select('u.id', 'u.name', 'u.is_admin', db.raw(GROUPS_SQL)).where('u.id', id).first();
  return row ? toUser(row) : undefined;
}
