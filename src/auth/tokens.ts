/**
 * Bearer tokens. Only a SHA-256 of each token is stored, so a copy of the
 * database gives no one a way in. Lookups are cached briefly: a busy client
 * sends thousands of requests a minute with the same token. An entry lives
 * CACHE_MS from its lookup, never past the token's expiry, and is not
 * extended by hits: a token revoked by another process stops within CACHE_MS,
 * and an expired one at once. The process that revokes calls forget().
 */
import { createHash, randomBytes } from 'node:crypto';
import { fault } from '../domain/faults';
import type { Db } from '../db/nodeStore';
import { useToken } from '../db/tokenStore';
import { ANONYMOUS, type Identity } from './identity';

export const newToken = () => `vos_${randomBytes(32).toString('base64url')}`;
export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

const CACHE_MS = 5000;
const CACHE_MAX = 10000;

export class TokenAuthenticator {
  private cache = new Map<string, { identity: Identity; until: number }>();
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
    const identity: Identity = Object.freeze({ userId: user.id, name: user.name, admin: user.isAdmin, groups: user.groups });
    if (generation !== this.generation) return identity; // it may have been revoked meanwhile
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    // msLeft is counted from the lookup's start in the database, after `now`: the entry ends at the expiry or just before.
    this.cache.set(header, { identity, until: now + Math.min(CACHE_MS, msLeft ?? CACHE_MS) });
    return identity;
  }

  /** Forget cached identities (after a change to users, groups or tokens). */
  forget(): void {
    this.generation++;
    this.cache.clear();
  }
}
