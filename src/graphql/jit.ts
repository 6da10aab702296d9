/**
 * Apollo runs operations through graphql-jit instead of graphql-js's
 * execute: a document seen a second time is compiled to a function that
 * resolves and completes its fields without graphql-js's per-field
 * interpretation (a portal page is thousands of fields, which cost about
 * as much CPU as its SQL). Apollo takes a custom executor only from a
 * gateway, so this is a gateway that serves our own schema. Apollo still
 * parses, validates and caches the documents (its document store, keyed by
 * the query's hash, hands back the same DocumentNode for the same text), and
 * runs every plugin as before.
 */
import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import { GraphQLError, execute, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

type Gateway = ApolloServerOptionsWithGateway<never>['gateway'];

/** Compiled operations of one document, by operation name; a number counts the runs before compiling. */
type Compiled = Map<string | null, CompiledQuery | number>;

/** Runs before a document is compiled: a one-off document (a literal in it, say) is not worth the compile. */
const RUNS_BEFORE_COMPILE = 1;

/**
 * An error as graphql-js makes it: graphql-jit's own class leaves
 * `extensions` undefined where graphql-js gives {}, which Apollo's error
 * formatting reads (it then answers INTERNAL_SERVER_ERROR for any fault).
 */
function asGraphqlJs(e: GraphQLError): GraphQLError {
  const out = new GraphQLError(e.message, { path: e.path, originalError: e.originalError, extensions: e.extensions });
  return Object.assign(out, { locations: e.locations });
}

export function jitGateway(schema: GraphQLSchema): Gateway {
  // Weak: a document Apollo's store has let go takes its compiled code with it.
  const byDocument = new WeakMap<DocumentNode, Compiled>();

  function compiled(document: DocumentNode, operationName: string | null): CompiledQuery | undefined {
    let ops = byDocument.get(document);
    if (!ops) byDocument.set(document, (ops = new Map()));
    const seen = ops.get(operationName) ?? 0;
    if (typeof seen !== 'number') return seen;
    if (seen < RUNS_BEFORE_COMPILE) {
      ops.set(operationName, seen + 1);
      return undefined;
    }
    const c = compileQuery(schema, document, operationName ?? undefined);
    // Not compilable (graphql-jit found an error): graphql-js reports it, every time.
    if (!isCompiledQuery(c)) return undefined;
    ops.set(operationName, c);
    return c;
  }

  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    async load() {
      return {
        executor: async ({ document, operationName, request, context }) => {
          const c = compiled(document, operationName);
          const variables = request.variables ?? {};
          const byGraphqlJs = () => execute({ schema, document, operationName, contextValue: context, variableValues: variables });
          if (!c) return byGraphqlJs();
          const result = (await c.query(undefined, context, variables)) as ExecutionResult;
          // No data: the variables did not fit, and nothing ran. graphql-js says why in its words, with the
          // variable's node, by which Apollo answers 400 BAD_USER_INPUT.
          if (!('data' in result)) return byGraphqlJs();
          return result.errors ? { ...result, errors: result.errors.map(asGraphqlJs) } : result;
        },
      };
    },
    async stop() {},
  };
}
