/** SQL for bearer tokens: only their SHA-256 hashes are stored (src/auth/tokens.ts). */
import type { Db } from './nodeStore';
import { GROUPS_SQL, toUser, type UserRow } from './userStore';

/** A token as its owner and admins may see it: never the token or its hash. */
export interface TokenRow {
  id: number;
  label: string | null;
  created: Date;
  expires: Date | null;
  lastUsed: Date | null;
}

const COLUMNS = ['id', 'label', 'created_at', 'expires_at', 'last_used_at'];

const date = (d: Date | string) => (d instanceof Date ? d : new Date(d));

function toToken(r: { id: number | string; label: string | null; created_at: Date | string; expires_at: Date | string | null; last_used_at: Date | string | null }): TokenRow {
  return {
    id: Number(r.id),
    label: r.label,
    created: date(r.created_at),
    expires: r.expires_at === null ? null : date(r.expires_at),
    lastUsed: r.last_used_at === null ? null : date(r.last_used_at),
  };
}

/**
 * The user a live (unexpired) token acts as, and how many milliseconds it has
 * left (null: no expiry), as the database's clock tells; the token's
 * last_used_at is set on the way. One statement: it runs for every request
 * whose token is not cached.
 */
export async function useToken(db: Db, hash: string): Promise<{ user: UserRow; msLeft: number | null } | undefined> {
  const result = await db.raw(
    `WITH used AS (UPDATE tokens SET last_used_at = now()
       WHERE token_hash = ? AND (expires_at IS NULL OR expires_at > now()) RETURNING user_id, expires_at)
     SELECT u.id, u.name, u.is_admin, ${GROUPS_SQL}, (EXTRACT(EPOCH FROM used.expires_at - now()) * 1000)::float8 AS ms_left
     FROM used JOIN users u ON u.id = used.user_id`,
    [hash],
  );
  const row = result.rows[0];
  return row && { user: toUser(row), msLeft: row.ms_left === null ? null : Number(row.ms_left) };
}

export async function insertToken(db: Db, userId: number, hash: string, label: string | null, expiresAt: Date | null): Promise<TokenRow> {
  const [row] = await db('tokens').insert({ user_id: userId, token_hash: hash, label, expires_at: expiresAt }).returning(COLUMNS);
  return toToken(row);
}

/** A user's tokens, oldest first, expired ones included. */
export async function listTokens(db: Db, userId: number): Promise<TokenRow[]> {
  return (await db('tokens').select(COLUMNS).where('user_id', userId).orderBy('id')).map(toToken);
}

/** Deletes a token, only if it belongs to `userId` when one is given; whether one went. */
export async function deleteToken(db: Db, id: number, userId?: number): Promise<boolean> {
  const q = db('tokens').where('id', id);
  if (userId !== undefined) q.andWhere('user_id', userId);
  return (await q.delete()) > 0;
}

/** Deletes every token of a user; how many went. */
export async function deleteUserTokens(db: Db, userId: number): Promise<number> {
  return db('tokens').where('user_id', userId).delete();
}
