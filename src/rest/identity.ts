import type { NextFunction, Request, Response } from 'express';
import { ANONYMOUS, type Identity } from '../auth/identity';
import type { Services } from '../services/context';

/** Resolves the caller from the Authorization header once per request. */
export function authenticate(svc: Services) {
  return async (req: Request, res: Response, next: NextFunction) => {
    res.locals.identity = await svc.tokens.authenticate(req.headers.authorization);
    next();
  };
}

export const identityOf = (res: Response): Identity => (res.locals.identity as Identity | undefined) ?? ANONYMOUS;
