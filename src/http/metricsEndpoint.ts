/**
 * GET /metrics, on both servers: the Prometheus text for an admin's bearer
 * token, or with no token from an address of [Space] metrics_allow (what a
 * scraper uses). The address is the socket's peer, never X-Forwarded-For,
 * whatever trust_proxy says: behind a proxy every request comes from the
 * proxy, so list only the scraper's own address, not the proxy's.
 */
import type { RequestHandler } from 'express';
import proxyaddr from 'proxy-addr';
import { OPERATOR, type Identity } from '../auth/identity';
import * as admin from '../services/admin';
import type { Services } from '../services/context';
import { requireAdmin } from '../services/users';
import type { Metrics } from './metrics';

export function metricsEndpoint(svc: Services, metrics: Metrics, opts: { jobs: boolean }): RequestHandler {
  const allowed = proxyaddr.compile(svc.space.metricsAllow);
  return async (req, res) => {
    const address = req.socket.remoteAddress;
    let who: Identity;
    if (address && allowed(address, 0)) {
      // An operator's scraper, as the admin socket's CLI is an operator's: it may read the service figures.
      who = OPERATOR;
    } else {
      // The metadata app has resolved the caller already (src/http/rateLimit.ts); the storage server has not.
      if (res.locals.authFault) throw res.locals.authFault;
      who = (res.locals.identity as Identity | undefined) ?? (await svc.tokens.authenticate(req.headers.authorization));
    }
    requireAdmin(who, 'read the metrics (a scraper without a token needs its address in [Space] metrics_allow)');
    const text = await metrics.exposition(opts.jobs ? await admin.jobsByKindAndPhase(svc, who) : undefined);
    res.type(metrics.registry.contentType).send(text);
  };
}
