/**
 * Apollo Server on /graphql, sharing services/ with the REST facade; and
 * graphql-ws on the same path of the same HTTP server, for subscriptions.
 */
import type http from 'node:http';
import type https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { ApolloServer } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { ANONYMOUS, type Identity } from '../auth/identity';
import type { SessionCaller } from '../auth/tokens';
import { Loaders } from '../db/loaders';
import { fault, isFault } from '../domain/faults';
import { originOf } from '../http/origin';
import { csrfMatches, readSessionCookie } from '../http/sessionCookie';
import { logger } from '../log';
import { toFault } from '../http/faults';
import { REST_MOUNT } from '../rest/router';
import type { Services } from '../services/context';
import type { GqlContext } from './context';
import { csrfPlugin } from './csrf';
import { jitGateway } from './jit';
import { schema } from './schema';
import { costPlugin, limitRules, nestingError, parseOptions, prepareOperation } from './limits';

/** Where src/app.ts mounts the REST binding: absolute links in GraphQL answers (job results) point there. */

/** How the caller got in, besides who they are: the session cookie (if that), the HTTP exchange (not over the WebSocket), the address. */
type Caller = Pick<GqlContext, 'address' | 'session' | 'http'>;

/** The context every resolver gets, over HTTP and over the WebSocket alike. */
function contextOf(svc: Services, who: Identity, origin: string, caller: Caller): GqlContext {
  return { svc, who, loaders: new Loaders(svc.db, svc.policy.readableSql?.(who)), restBase: `${origin}${REST_MOUNT}`, ...caller };
}

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
  const apollo = new ApolloServer<GqlContext>({
    // Our schema, executed by graphql-jit (src/graphql/jit.ts).
    gateway: jitGateway(await schema()),
    formatError,
    // Introspection is refused by limitRules (with a message naming the setting), not by Apollo's own rule.
    introspection: true,
    validationRules: limitRules(svc.space),
    parseOptions,
    // Cache control is on by default and wraps every field resolver; nothing here sets cache hints.
    plugins: [costPlugin(svc.space), csrfPlugin, ApolloServerPluginCacheControlDisabled()],
    // csrfPrevention is on (Apollo's default) and stays on: the session cookie relies on it.
    // No automatic persisted queries: no client here needs them, and their cache is memory any caller could fill.
    persistedQueries: false,
    // One operation per request (Apollo's default, kept on purpose): a batch would multiply every limit.
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    // We own shutdown (src/main.ts): Apollo's own signal handler would race it.
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  const router = express.Router();
  router.use(
    express.json({ limit: svc.space.maxXmlBytes }),
    // Apollo's parser would overflow the stack on deep nesting: refuse that before it parses.
    ((req, res, next) => {
      const query: unknown = req.body?.query ?? req.query.query;
      const error = typeof query === 'string' ? nestingError(query) : undefined;
      if (!error) return next();
      res.status(400).json({ errors: [{ message: error.message, extensions: error.extensions }] });
    }) as express.RequestHandler,
    expressMiddleware(apollo, {
      // A bearer token wins; without one the session cookie signs the caller in, and a bad or ended one is anonymous.
      context: async ({ req, res }) => {
        const caller: Caller = { address: req.ip ?? '', http: { req, res } };
        let who;
        if (req.headers.authorization) {
          try {
            who = await svc.tokens.authenticate(req.headers.authorization);
          } catch (e) {
            if (!isFault(e)) throw e;
            throw new GraphQLError(e.message, { extensions: { code: e.fault, http: { status: e.status } } });
          }
        } else {
          // resolveCaller (src/http/rateLimit.ts) has looked the cookie up for the whole app.
          caller.session = res.locals.session as SessionCaller | undefined;
          who = caller.session?.identity ?? ANONYMOUS;
        }
        return contextOf(svc, who, originOf(req), caller);
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

/** formatError for results sent over the WebSocket, where Apollo does not label errors it does not know. */
function formatWsError(e: GraphQLError): GraphQLFormattedError {
  const formatted = e.toJSON();
  const known = formatted.extensions?.code !== undefined || unwrapResolverError(e) instanceof GraphQLError;
  return formatError(known ? formatted : { ...formatted, extensions: { ...formatted.extensions, code: 'INTERNAL_SERVER_ERROR' } }, e);
}

/**
 * The graphql-ws connection's own state: the Authorization it connected with,
 * or the session cookie it was let in by, and who that is.
 */
type WsExtra = { authorization?: string; sessionToken?: string; session?: SessionCaller; who?: Identity };

/** Who the connection acts as, looked up again (a cache hit, mostly): a fault for a bad token or an ended session. */
async function wsCaller(svc: Services, extra: WsExtra): Promise<void> {
  if (extra.sessionToken === undefined) {
    extra.who = await svc.tokens.authenticate(extra.authorization);
    return;
  }
  extra.session = await svc.tokens.session(extra.sessionToken);
  if (!extra.session) throw fault('InvalidToken', 'the session has ended (signed out, expired, or its password changed)');
  extra.who = extra.session.identity;
}

/**
 * graphql-ws (the graphql-transport-ws protocol) on `path` of the service's
 * HTTP server: subscriptions, and queries and mutations too, with the same
 * schema, context and authentication as over HTTP. The token comes from the
 * connection_init payload (`{ authorization: 'Bearer …' }`) or else the
 * upgrade request's Authorization header; a bad one closes the socket with
 * 4403 and the InvalidToken message as the reason. Without a token, the
 * upgrade request's session cookie signs the connection in, but only when the
 * payload also carries the session's CSRF token (`{ csrfToken }`), which a
 * page of another site cannot read: else the connection is anonymous.
 */
export function graphqlWebSocket(svc: Services, server: http.Server | https.Server, path = '/graphql'): { close: () => Promise<void> } {
  const wss = new WebSocketServer({ server, path, maxPayload: svc.space.maxXmlBytes });
  const ws = useServer<Record<string, unknown> | undefined, WsExtra>(
    {
      schema: () => schema(),
      // The token is checked again for every operation (a cache hit, mostly): a revoked or expired one opens none.
      onSubscribe: async (ctx, _id, payload) => {
        try {
          await wsCaller(svc, ctx.extra);
        } catch (e) {
          if (!isFault(e)) throw e;
          return [new GraphQLError(e.message, { extensions: { code: e.fault, status: e.status } })];
        }
        // Parse, validate and cost the operation as Apollo does over HTTP (src/graphql/limits.ts).
        return prepareOperation(await schema(), payload, svc.space);
      },
      onConnect: async (ctx) => {
        const given = ctx.connectionParams?.authorization;
        ctx.extra.authorization = typeof given === 'string' ? given : ctx.extra.request.headers.authorization;
        if (!ctx.extra.authorization) {
          const token = readSessionCookie(ctx.extra.request);
          const session = await svc.tokens.session(token);
          if (session && csrfMatches(ctx.connectionParams?.csrfToken, session)) Object.assign(ctx.extra, { sessionToken: token, session });
        }
        try {
          await wsCaller(svc, ctx.extra);
          return true;
        } catch (e) {
          if (!isFault(e)) throw e;
          // Close with the fault as the reason (at most 123 bytes); graphql-ws then finds the socket closing.
          ctx.extra.socket.close(4403, Buffer.from(e.message, 'utf8').subarray(0, 123).toString('utf8').replace(/\uFFFD$/, ''));
          return false;
        }
      },
      context: (ctx) => {
        const req = ctx.extra.request;
        const tls = (req.socket as TLSSocket).encrypted === true;
        const caller: Caller = { address: req.socket.remoteAddress ?? '', session: ctx.extra.session };
        return contextOf(svc, ctx.extra.who!, `${tls ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`, caller);
      },
      onNext: (_ctx, _id, _payload, _args, result): FormattedExecutionResult | void => {
        if (result.errors?.length) return { ...result, errors: result.errors.map(formatWsError) } as FormattedExecutionResult;
      },
    },
    wss,
  );
  wss.on('error', (err) => logger.error({ err }, 'graphql websocket server failed'));
  return {
    async close() {
      const sockets = [...wss.clients];
      await ws.dispose();
      // dispose() asked every client to close (1001); one that does not answer soon is cut off.
      const timer = setTimeout(() => sockets.forEach((s) => s.terminate()), 1000);
      await Promise.all(sockets.map((s) => (s.readyState === s.CLOSED ? undefined : new Promise((r) => s.once('close', r)))));
      clearTimeout(timer);
    },
  };
}
