/** SQL for portal sessions: only the SHA-256 of each session's cookie is stored (src/auth/tokens.ts). */
import type { Db } from './nodeStore';
import { GROUPS_SQL, toUser, type UserRow } from './userStore';

export interface SessionRow {
  user: UserRow;
  csrfToken: string;
  expires: Date;
}

/**
 * The live (unexpired) session of a cookie's hash: its user, CSRF token and
 * expiry, and how many milliseconds it has left as the database's clock tells;
 * last_seen_at is set on the way. One statement, as for tokens.
 */
export async function useSession(db: Db, hash: string): Promise<(SessionRow & { msLeft: number }) | undefined> {
  const result = await db.raw(
    `WITH used AS (UPDATE sessions SET last_seen_at = now()
       WHERE token_hash = ? AND expires_at > now() RETURNING user_id, csrf_token, expires_at)
     SELECT u.id, u.name, u.is_admin, ${GROUPS_SQL}, used.csrf_token, used.expires_at,
       (EXTRACT(EPOCH FROM used.expires_at - now()) * 1000)::float8 AS ms_left
     FROM used JOIN users u ON u.id = used.user_id`,
    [hash],
  );
  const row = result.rows[0];
  return row && { user: toUser(row), csrfToken: row.csrf_token, expires: new Date(row.expires_at), msLeft: Number(row.ms_left) };
}

/** A new session ending `hours` from now by the database's clock; its expiry. */
export async function insertSession(db: Db, userId: number, hash: string, csrfToken: string, hours: number): Promise<Date> {
  const [row] = await db('sessions')
    .insert({ user_id: userId, token_hash: hash, csrf_token: csrfToken, expires_at: db.raw(`now() + make_interval(hours => ?)`, [hours]) })
    .returning('expires_at');
  return new Date(row.expires_at);
}

/** Ends one session; whether there was one. */
export async function deleteSession(db: Db, hash: string): Promise<boolean> {
  return (await db('sessions').where('token_hash', hash).delete()) > 0;
}

/** Ends every session of a user but the one whose hash is `keep`; how many went. */
export async function deleteUserSessions(db: Db, userId: number, keep?: string): Promise<number> {
  const q = db('sessions').where('user_id', userId);
  if (keep !== undefined) q.andWhereNot('token_hash', keep);
  return q.delete();
}

/** Removes the rows of sessions that have ended by themselves. */
export async function deleteExpiredSessions(db: Db): Promise<number> {
  return db('sessions').where('expires_at', '<=', db.fn.now()).delete();
}
