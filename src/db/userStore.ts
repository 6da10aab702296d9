/** SQL for users, groups and token hashes. */
import type { Db } from './nodeStore';

export interface UserRow {
  id: number;
  name: string;
  isAdmin: boolean;
  groups: string[];
}

const GROUPS_SQL = `COALESCE((SELECT array_agg(g.name ORDER BY g.name) FROM user_groups ug JOIN groups g ON g.id = ug.group_id
  WHERE ug.user_id = u.id), '{}') AS groups`;

function toUser(r: { id: number; name: string; is_admin: boolean; groups: string[] | string }): UserRow {
  const groups = Array.isArray(r.groups) ? r.groups : String(r.groups).replace(/^\{|\}$/g, '').split(',').filter(Boolean);
  return { id: Number(r.id), name: r.name, isAdmin: r.is_admin, groups };
}

export async function findUser(db: Db, name: string): Promise<UserRow | undefined> {
  const row = await db('users as u').select('u.id', 'u.name', 'u.is_admin', db.raw(GROUPS_SQL)).where('u.name', name).first();
  return row ? toUser(row) : undefined;
}

export async function listUsers(db: Db): Promise<UserRow[]> {
  const rows = await db('users as u').select('u.id', 'u.name', 'u.is_admin', db.raw(GROUPS_SQL)).orderBy('u.name');
  return rows.map(toUser);
}

export async function userByTokenHash(db: Db, hash: string): Promise<UserRow | undefined> {
  const row = await db('tokens as t')
    .join('users as u', 'u.id', 't.user_id')
    .select('u.id', 'u.name', 'u.is_admin', db.raw(GROUPS_SQL))
    .where('t.token_hash', hash)
    .andWhere((w) => w.whereNull('t.expires_at').orWhere('t.expires_at', '>', db.fn.now()))
    .first();
  return row ? toUser(row) : undefined;
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

export async function insertToken(db: Db, userId: number, hash: string, label: string | null, expiresAt: Date | null) {
  await db('tokens').insert({ user_id: userId, token_hash: hash, label, expires_at: expiresAt });
}
