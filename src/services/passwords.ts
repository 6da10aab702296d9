/**
 * Proving who you are with a password, and setting passwords. Starting a
 * session is apart (sessions.ts), so another proof (an OpenID Connect
 * provider) can start one too.
 */
import type { Identity } from '../auth/identity';
import { checkPassword, hashPassword, verifyPassword } from '../auth/passwords';
import { deleteUserSessions } from '../db/sessionStore';
import * as users from '../db/userStore';
import { fault } from '../domain/faults';
import type { Services } from './context';
import { isUserName } from './users';

/** The one answer to a wrong name, a wrong password and a user without one. */
export const WRONG_SIGN_IN = 'wrong user name or password';

/**
 * The user a name and password prove, from a client at `address`. Refused
 * (TooManyRequests) past the failure limits before anything is checked; a
 * failure is PermissionDenied, the same for every cause, and takes as long.
 */
export async function provePassword(svc: Services, name: string, password: string, address: string): Promise<users.UserRow> {
  await svc.signIns.check(name, address);
  const user = isUserName(name) ? await users.findUserWithPassword(svc.db, name) : undefined;
  const right = await verifyPassword(password, user?.passwordHash ?? null);
  if (!user || !right) {
    await svc.signIns.failed(name, address);
    throw fault('PermissionDenied', WRONG_SIGN_IN);
  }
  await svc.signIns.succeeded(name);
  const { passwordHash: _, ...row } = user;
  return row;
}

export interface PasswordChange {
  /** The caller's password: needed when a user sets their own, not from an administrator. */
  currentPassword?: string | null;
  /** The caller's address, for the failure limits. */
  address?: string;
  /** The hash of the caller's session cookie, which stays signed in. */
  keepSession?: string;
}

/**
 * Sets a user's password: an administrator anyone's, a user their own with
 * the right current password (a wrong one counts as a failed sign-in). Every
 * other session of that user ends.
 */
export async function setPassword(svc: Services, who: Identity, userName: string, password: string, o: PasswordChange = {}): Promise<void> {
  if (!who.admin && (who.userId === null || who.name !== userName)) {
    throw fault('PermissionDenied', "only an administrator may set another user's password");
  }
  checkPassword(password);
  const user = who.admin ? await users.findUser(svc.db, userName) : await provePassword(svc, userName, o.currentPassword ?? '', o.address ?? '');
  if (!user) throw fault('NodeNotFound', `no user '${userName}'`);
  const hash = await hashPassword(password);
  await svc.db.transaction(async (trx) => {
    await users.setPasswordHash(trx, user.id, hash);
    await deleteUserSessions(trx, user.id, o.keepSession);
  });
  svc.tokens.forget();
}
