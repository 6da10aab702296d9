/** The metadata service's HTTP app: REST at /vospace, GraphQL at /graphql, Prometheus at /metrics, the web portal at /. */
import express from 'express';
import { graphqlRouter } from './graphql/server';
import { fault } from './domain/faults';
import { rateLimitPerCaller, resolveCaller } from './http/rateLimit';
import { originOf } from './http/origin';
import { portal } from './http/portal';
import { requestLog } from './http/requestLog';
import { securityHeaders } from './http/securityHeaders';
import { faultHandler } from './http/faults';
import type { Metrics } from './http/metrics';
import { metricsEndpoint } from './http/metricsEndpoint';
import { metadataOperation } from './http/operations';
import { REST_MOUNT, restRouter } from './rest/router';
import type { Services } from './services/context';

export async function createApp(svc: Services, metrics: Metrics): Promise<{ app: express.Express; stop: () => Promise<void> }> {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.set('trust proxy', svc.space.trustProxy);
  const gql = await graphqlRouter(svc);
  app.use(metrics.timeRequests(metadataOperation(REST_MOUNT)), securityHeaders(), requestLog(), resolveCaller(svc));
  // Before the rate limit: a scraper is not to be refused for the traffic it measures.
  app.get('/metrics', metricsEndpoint(svc, metrics, { jobs: true }));
  const limit = rateLimitPerCaller(svc.space.rateLimitPerMinute);
  if (limit) app.use(limit);
  app.use(REST_MOUNT, restRouter(svc));
  // A registry of one: the line the CADC client asks for when pointed at a service by host name,
  // from the resource id of vos://{uri}!vospace/… URIs to this service's capabilities.
  app.get('/reg/resource-caps', (req, res) => {
    res.type('text/plain').send(`ivo://${svc.space.uri}/vospace = ${originOf(req)}${REST_MOUNT}/capabilities\n`);
  });
  app.use('/graphql', gql.router);
  const web = portal(svc);
  if (web) app.use(web);
  // Without the portal built (or for a client that does not take HTML): what this service is.
  app.get('/', (_req, res) => {
    res.type('text/plain').send(`VOSpace 2.1 service "${svc.space.name}": REST at /vospace, GraphQL at /graphql\n`);
  });
  app.use((req, _res, next) => next(fault('NotFound', `no resource at ${req.method} ${req.path}`)));
  app.use(faultHandler);
  return { app, stop: gql.stop };
}
