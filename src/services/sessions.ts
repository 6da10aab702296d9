/**
 * Portal sessions: started for a user however they proved who they are
 * (startSession takes only the user's id), ended by signing out or a
 * password change. The cookie carries the session; mutations by cookie also
 * send its CSRF token (src/graphql/csrf.ts).
 */
import { randomBytes } from 'node:crypto';
import { hashToken, newSessionToken } from '../auth/tokens';
import * as store from '../db/sessionStore';
import { findUserById, type UserRow } from '../db/userStore';
import { fault } from '../domain/faults';
import type { Services } from './context';
import { provePassword } from './passwords';

export interface NewSession {
  /** The cookie's value: given out once, stored only as its hash. */
  token: string;
  user: UserRow;
  csrfToken: string;
  expires: Date;
}

/** Starts a session of session_hours for the user; the rows of sessions that have ended go on the way. */
export async function startSession(svc: Services, userId: number): Promise<NewSession> {
  const user = await findUserById(svc.db, userId);
  if (!user) throw fault('NodeNotFound', `no user ${userId}`);
  await store.deleteExpiredSessions(svc.db);
  const token = newSessionToken();
  const csrfToken = randomBytes(32).toString('base64url');
  const expires = await store.insertSession(svc.db, user.id, hashToken(token), csrfToken, svc.space.sessionHours);
  return { token, user, csrfToken, expires };
}

/**
 * Signs in with a name and password from a client at `address`; the session
 * the client had (the hash of its cookie), if any, ends.
 */
export async function signIn(svc: Services, name: string, password: string, address: string, previous?: string): Promise<NewSession> {
  const user = await provePassword(svc, name, password, address);
  if (previous !== undefined) await endSession(svc, previous);
  return startSession(svc, user.id);
}

/** Ends the session of a cookie's hash, in this process at once; whether there was one. */
export async function endSession(svc: Services, hash: string): Promise<boolean> {
  const ended = await store.deleteSession(svc.db, hash);
  svc.tokens.forget();
  return ended;
}
