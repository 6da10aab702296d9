/**
 * The VOSpace 2.1 REST binding, mounted at /vospace: parse, call services/, print.
 * Express 5 passes rejected promises and throws on to faultHandler.
 */
import express from 'express';
import type { Services } from '../services/context';
import { authenticate } from './identity';
import { faultHandler } from '../http/faults';
import { filesHandler } from './files';
import { nodeHandler } from './nodes';
import { recursiveRouter } from './recursive';
import { serviceHandlers } from './service';
import { transferRouter } from './transfers';

/** Where the REST binding is mounted on the service's HTTP app. */
export const REST_MOUNT = '/vospace';

export function restRouter(svc: Services): express.Router {
  const r = express.Router({ caseSensitive: true, strict: true });
  const s = serviceHandlers(svc);
  r.get('/protocols', s.protocols);
  r.get('/views', s.views);
  r.get('/properties', s.properties);
  r.get('/capabilities', s.capabilities);
  r.get('/availability', s.availability);
  r.use(authenticate(svc));
  // Non-capturing: nodePath() decodes the path itself, with URI faults for bad encodings.
  r.all(/^\/nodes(?:\/.*)?$/s, nodeHandler(svc));
  r.get(/^\/files(?:\/.*)?$/s, filesHandler(svc));
  r.use(transferRouter(svc));
  r.use(recursiveRouter(svc));
  r.use(faultHandler);
  return r;
}
