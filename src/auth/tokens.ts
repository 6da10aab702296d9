/**
 * Bearer tokens, and the session cookies of the web portal, which are tokens
 * too. Only a SHA-256 of each is stored, so a copy of the database gives no
 * one a way in. Lookups are cached briefly: a busy client sends thousands of
 * requests a minute with the same token. An entry lives CACHE_MS from its
 * lookup, never past the token's (or session's) expiry, and is not extended
 * by hits: a token revoked (a session ended) by another process stops within
 * CACHE_MS, and an expired one at once. The process that revokes calls
 * forget(), which also drops the identities (groups, admin flag) cached with
 * both kinds.
 */
import { createHash, randomBytes } from 'node:crypto';
import { fault } from '../domain/faults';
import type { Db } from '../db/nodeStore';
import { useSession } from '../db/sessionStore';
import { useToken } from '../db/tokenStore';
import { ANONYMOUS, type Identity } from './identity';

export const newToken = () => `vos_${randomBytes(32).toString('base64url')}`;
/** A session cookie's value: 32 random bytes, base64url. */
export const newSessionToken = () => randomBytes(32).toString('base64url');
export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

const CACHE_MS = 5000;
const CACHE_MAX = 10000;

/** Who a session cookie signs in, with what the session needs checked. */
export interface SessionCaller {
  identity: Identity;
  /** What mutations by this cookie must send as X-CSRF-Token. */
  csrfToken: string;
  /** The hash of the cookie: what ends the session. */
  hash: string;
  expires: Date;
}

const identityOf = (user: { id: number; name: string; isAdmin: boolean; groups: string[] }): Identity =>
  Object.freeze({ userId: user.id, name: user.name, admin: user.isAdmin, groups: user.groups });

export class TokenAuthenticator {
  private cache = new Map<string, { identity: Identity; until: number }>();
  private sessions = new Map<string, { caller: SessionCaller; until: number }>();
  /** Counts forget() calls: a lookup that was in flight across one does not fill the cache. */
  private generation = 0;
  constructor(private readonly db: Db) {}

  /** Identity for an Authorization header; no header is anonymous, a bad token is InvalidToken. */
  async authenticate(header: string | undefined): Promise<Identity> {
    if (!header) return ANONYMOUS;
    // Keyed by the header as sent: a hit costs neither the parse nor the hash.
    const now = Date.now();
    const hit = this.cache.get(header);
    if (hit && hit.until > now) return hit.identity;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw fault('InvalidToken', 'expected Authorization: Bearer <token>');
    const generation = this.generation;
    const found = await useToken(this.db, hashToken(m[1]));
    if (!found) throw fault('InvalidToken', 'unknown, revoked or expired token');
    const { user, msLeft } = found;
    const identity = identityOf(user);
    if (generation !== this.generation) return identity; // it may have been revoked meanwhile
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    // msLeft is counted from the lookup's start in the database, after `now`: the entry ends at the expiry or just before.
    this.cache.set(header, { identity, until: now + Math.min(CACHE_MS, msLeft ?? CACHE_MS) });
    return identity;
  }

  /** The live session of a session cookie's value; undefined for none, an unknown, ended or expired one. */
  async session(token: string | undefined): Promise<SessionCaller | undefined> {
    if (!token) return undefined;
    const now = Date.now();
    const hit = this.sessions.get(token);
    if (hit && hit.until > now) return hit.caller;
    const generation = this.generation;
    const hash = hashToken(token);
    const found = await useSession(this.db, hash);
    if (!found) return undefined;
    const caller: SessionCaller = Object.freeze({ identity: identityOf(found.user), csrfToken: found.csrfToken, hash, expires: found.expires });
    if (generation !== this.generation) return caller;
    if (this.sessions.size >= CACHE_MAX) this.sessions.clear();
    this.sessions.set(token, { caller, until: now + Math.min(CACHE_MS, found.msLeft) });
    return caller;
  }

  /** Forget cached identities (after a change to users, groups, tokens or sessions). */
  forget(): void {
    this.generation++;
    this.cache.clear();
    this.sessions.clear();
  }
}

