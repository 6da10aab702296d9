/**
 * The portal's session cookie, `vospace_session`: HttpOnly (no script reads
 * it), SameSite=Strict (no other site's page sends it), Path=/, and Secure
 * when the request came over TLS (req.secure, which believes a proxy only as
 * trust_proxy says). And the CSRF token a cookie's mutations carry.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parse } from 'cookie';
import type { CookieOptions, Request, Response } from 'express';
import type { SessionCaller } from '../auth/tokens';

export const SESSION_COOKIE = 'vospace_session';
export const CSRF_HEADER = 'X-CSRF-Token';
export const CSRF_REFUSAL = 'missing or wrong CSRF token';

const VALUE = /^[A-Za-z0-9_-]{43}$/;

/** The session cookie's value, if the request has one of the right shape. */
export function readSessionCookie(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  const value = header ? parse(header)[SESSION_COOKIE] : undefined;
  return value !== undefined && VALUE.test(value) ? value : undefined;
}

const options = (req: Request): CookieOptions => ({ httpOnly: true, sameSite: 'strict', path: '/', secure: req.secure });

/** Sets the cookie, to expire with its session. */
export function setSessionCookie(req: Request, res: Response, token: string, expires: Date): void {
  res.cookie(SESSION_COOKIE, token, { ...options(req), expires });
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, options(req));
}

/** Whether `given` (a header or a connection parameter) is the session's CSRF token. */
export function csrfMatches(given: unknown, session: SessionCaller): boolean {
  if (typeof given !== 'string') return false;
  const [a, b] = [Buffer.from(given), Buffer.from(session.csrfToken)];
  return a.length === b.length && timingSafeEqual(a, b);
}
