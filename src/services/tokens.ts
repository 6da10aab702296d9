/**
 * Bearer tokens: a user makes, lists and revokes their own; administrators
 * (and the operator's CLI) those of anyone. A revoked token is refused at once
 * by this process (its cache is dropped) and by others within the cache time
 * of src/auth/tokens.ts.
 */
import type { Identity } from '../auth/identity';
import { hashToken, newToken } from '../auth/tokens';
import * as store from '../db/tokenStore';
import { findUser } from '../db/userStore';
import { fault } from '../domain/faults';
import type { Services } from './context';
import { requireAdmin } from './users';

/** A token as listed: never the token itself or its hash. */
export interface TokenInfo extends store.TokenRow {
  user: string;
}

/** A new token: the only time the token itself is given out. */
export interface NewToken extends TokenInfo {
  token: string;
}

export interface TokenOptions {
  label?: string | null;
  expiresInSeconds?: number | null;
}

const MAX_LABEL = 256;
/** The largest GraphQL Int: about 68 years. */
const MAX_SECONDS = 2_147_483_647;

/**
 * The user whose tokens are meant: the caller (no name, or their own name),
 * or, for administrators, the user named.
 */
async function tokenOwner(svc: Services, who: Identity, userName?: string | null): Promise<{ id: number; name: string }> {
  if (userName === undefined || userName === null || (who.userId !== null && userName === who.name)) {
    if (who.userId === null || who.name === null) throw fault('PermissionDenied', 'only a signed-in user has tokens of their own');
    return { id: who.userId, name: who.name };
  }
  requireAdmin(who, "manage another user's tokens");
  const user = await findUser(svc.db, userName);
  if (!user) throw fault('NodeNotFound', `no user '${userName}'`);
  return user;
}

function checkOptions(o: TokenOptions): { label: string | null; expires: Date | null } {
  const label = o.label ?? null;
  if (label !== null && label.length > MAX_LABEL) throw fault('InvalidArgument', `a token label may be at most ${MAX_LABEL} characters`);
  const s = o.expiresInSeconds ?? null;
  if (s !== null && !(Number.isInteger(s) && s >= 1 && s <= MAX_SECONDS)) {
    throw fault('InvalidArgument', `a token's lifetime must be a whole number of seconds from 1 to ${MAX_SECONDS}, not ${s}`);
  }
  return { label, expires: s === null ? null : new Date(Date.now() + s * 1000) };
}

/** Makes a token for a user (the caller when none is named); the token itself is returned once and never stored. */
export async function createToken(svc: Services, who: Identity, userName?: string | null, opts: TokenOptions = {}): Promise<NewToken> {
  const owner = await tokenOwner(svc, who, userName);
  const { label, expires } = checkOptions(opts);
  const token = newToken();
  const row = await store.insertToken(svc.db, owner.id, hashToken(token), label, expires);
  return { ...row, user: owner.name, token };
}

/** A user's tokens (the caller's when none is named), oldest first, expired ones included. */
export async function listTokens(svc: Services, who: Identity, userName?: string | null): Promise<TokenInfo[]> {
  const owner = await tokenOwner(svc, who, userName);
  return (await store.listTokens(svc.db, owner.id)).map((t) => ({ ...t, user: owner.name }));
}

const ID_RE = /^[1-9][0-9]{0,9}$/;

/**
 * Revokes one token by its id. A user may revoke only their own: another
 * user's token answers exactly as a missing one, so ids reveal nothing.
 */
export async function revokeToken(svc: Services, who: Identity, id: string | number): Promise<void> {
  const n = Number(id);
  if (!ID_RE.test(String(id)) || n > MAX_SECONDS) throw fault('InvalidArgument', `'${id}' is not a token id`);
  if (!who.admin && who.userId === null) throw fault('PermissionDenied', 'only a signed-in user has tokens of their own');
  const gone = await store.deleteToken(svc.db, n, who.admin ? undefined : who.userId!);
  if (!gone) throw fault('NodeNotFound', who.admin ? `no token ${n}` : `no token ${n} among yours`);
  svc.tokens.forget();
}

/** Revokes every token of a user (the caller's when none is named); how many there were. */
export async function revokeAllTokens(svc: Services, who: Identity, userName?: string | null): Promise<number> {
  const owner = await tokenOwner(svc, who, userName);
  const count = await store.deleteUserTokens(svc.db, owner.id);
  svc.tokens.forget();
  return count;
}
