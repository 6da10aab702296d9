import type { NextFunction, Request, Response } from 'express';
import { ANONYMOUS, type Identity } from '../auth/identity';
import type { Services } from '../services/context';

/** The caller, as resolveCaller (src/http/rateLimit.ts) found it for the whole app; a bad token is a fault here. */
export function authenticate(svc: Services) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (res.locals.authFault) throw res.locals.authFault;
    res.locals.identity ??= await svc.tokens.authenticate(req.headers.authorization);
    next();
  };
}

export const identityOf = (res: Response): Identity => (res.locals.identity as Identity | undefined) ?? ANONYMOUS;
