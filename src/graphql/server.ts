/** Apollo Server on /graphql, sharing services/ with the REST facade. */
import { ApolloServer } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { Loaders } from '../db/loaders';
import { isFault } from '../domain/faults';
import { logger } from '../log';
import { toFault } from '../rest/faults';
import type { Services } from '../services/context';
import type { GqlContext } from './context';
import { schema } from './schema';

/** Faults keep their name as the error code and message prefix, as on the REST side. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (isFault(original)) {
    return { ...formatted, message: original.message, extensions: { code: original.fault, status: original.status } };
  }
  if (original instanceof GraphQLError || formatted.extensions?.code !== 'INTERNAL_SERVER_ERROR') return formatted;
  logger.error({ err: original }, 'graphql internal error');
  return { message: 'InternalFault: the service failed; the error is logged', extensions: { code: 'InternalFault' } };
}

export async function graphqlRouter(svc: Services): Promise<{ router: express.Router; stop: () => Promise<void> }> {
  const apollo = new ApolloServer<GqlContext>({ schema: await schema(),
    formatError,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // We own shutdown (src/main.ts): Apollo's own signal handler would race it.
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  const router = express.Router();
  router.use(
    express.json({ limit: svc.space.maxXmlBytes }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        let who;
        try {
          who = await svc.tokens.authenticate(req.headers.authorization);
        } catch (e) {
          if (!isFault(e)) throw e;
          throw new GraphQLError(e.message, { extensions: { code: e.fault, http: { status: e.status } } });
        }
        return { svc, who, loaders: new Loaders(svc.db) };
      },
    }),
  );
  // A body that never reaches Apollo (bad JSON, too large) still gets a GraphQL-shaped fault.
  router.use(((err, _req, res, _next) => {
    const f = toFault(err);
    res.status(f.status).json({ errors: [{ message: f.message, extensions: { code: f.fault, status: f.status } }] });
  }) as express.ErrorRequestHandler);
  return { router, stop: () => apollo.stop() };
}
