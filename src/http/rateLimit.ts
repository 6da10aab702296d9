/**
 * Who is calling, resolved once at the top of the metadata app, and a per-
 * caller request limit over it (express-rate-limit, a fixed one-minute window
 * in this process's memory).
 */
import type { RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Identity } from '../auth/identity';
import type { SessionCaller } from '../auth/tokens';
import { isFault } from '../domain/faults';
import { logger } from '../log';
import { readSessionCookie } from './sessionCookie';
import type { Services } from '../services/context';

/**
 * Puts the caller in res.locals.identity (and a portal session in res.locals.session, looked up once here for GraphQL too) for the request log and the limiter.
 * A bad token is left for the REST and GraphQL layers to refuse in their own
 * shape (the REST layer takes the fault from res.locals.authFault, so a bad
 * token is looked up once).
 */
export function resolveCaller(svc: Services): RequestHandler {
  return async (req, res, next) => {
    try {
      res.locals.identity = await svc.tokens.authenticate(req.headers.authorization);
      // A portal session counts (and is logged) as its user; only GraphQL lets it act (src/graphql/server.ts).
      if (!req.headers.authorization) res.locals.session = await svc.tokens.session(readSessionCookie(req));
    } catch (e) {
      if (!isFault(e)) throw e;
      res.locals.authFault = e; // the REST binding answers with it (src/rest/identity.ts); GraphQL decides on its own
    }
    next();
  };
}

/** Who the request is from, for the limiter and the log: a portal session's user, else the bearer token's (or anonymous). */
export const callerOf = (res: Response): Identity | undefined =>
  ((res.locals.session as SessionCaller | undefined)?.identity ?? res.locals.identity) as Identity | undefined;

/** At most `perMinute` requests a minute per user (anonymous and bad-token callers: per address); undefined when 0. */
export function rateLimitPerCaller(perMinute: number): RequestHandler | undefined {
  if (perMinute <= 0) return undefined;
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req, res) => {
      const who = callerOf(res);
      return who?.userId != null ? `user:${who.userId}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
    },
    handler: (_req, res) => {
      res
        .status(429)
        .type('text/plain; charset=utf-8')
        .send(`TooManyRequests: more than ${perMinute} requests in a minute; retry after ${res.getHeader('retry-after')} s\n`);
    },
    logger,
  });
}
