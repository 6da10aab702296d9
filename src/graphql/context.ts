import type { Request, Response } from 'express';
import type { Identity } from '../auth/identity';
import type { SessionCaller } from '../auth/tokens';
import type { Loaders } from '../db/loaders';
import type { Services } from '../services/context';

export interface GqlContext {
  svc: Services;
  who: Identity;
  loaders: Loaders;
  /** Base URL of the REST binding as the caller reached the service, e.g. http://host:8080/vospace */
  restBase: string;
  /** The client's address (as trust_proxy lets the service believe it), for the sign-in failure limits. */
  address: string;
  /** The session, when the caller is signed in by the session cookie (not by a bearer token). */
  session?: SessionCaller;
  /** The HTTP exchange, to set and clear the session cookie; absent over the WebSocket. */
  http?: { req: Request; res: Response };
}
