/**
 * Bounds on what one GraphQL operation may ask for, the same over HTTP and
 * over graphql-ws: tokens (parse), depth, aliases, introspection (validation
 * rules), and an estimated cost (after validation, with the variables) in
 * which a paged list multiplies its subtree by its page size. A refused
 * operation is answered 400 GRAPHQL_VALIDATION_FAILED and nothing of it runs.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  GraphQLError,
  Kind,
  Lexer,
  NoSchemaIntrospectionCustomRule,
  Source,
  TokenKind,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type OperationDefinitionNode,
  type GraphQLSchema,
  type ValidationRule,
  getOperationAST,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import type { SpaceConfig } from '../config';
import { DEFAULT_PAGE } from './types';

/** Most lexical tokens in one document: bounds parsing and the validation rules' work (a portal query has about 100). */
export const MAX_TOKENS = 10_000;
/** Most aliased fields in one document (a portal may batch a few hundred createNode or deleteNode in one mutation). */
export const MAX_ALIASES = 1000;
/** Deepest nesting of brackets ({, (, [) the parser is given: graphql-js parses recursively, and overflows the stack near 1500. */
export const MAX_NESTING = 256;
/** Most selections the cost estimate walks (fragments expanded) before it gives up and refuses. */
const MAX_COST_NODES = 20_000;

export const VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED';

export type Limits = Pick<SpaceConfig, 'graphqlMaxDepth' | 'graphqlMaxCost' | 'graphqlIntrospection' | 'maxChildren'>;

export const parseOptions = { maxTokens: MAX_TOKENS };

const OPENING = new Set<string>([TokenKind.BRACE_L, TokenKind.PAREN_L, TokenKind.BRACKET_L]);
const CLOSING = new Set<string>([TokenKind.BRACE_R, TokenKind.PAREN_R, TokenKind.BRACKET_R]);

/** A parse error for a document nested deeper than MAX_NESTING, found with graphql-js's lexer before anything parses it. */
export function nestingError(query: string): GraphQLError | undefined {
  const lexer = new Lexer(new Source(query));
  let depth = 0;
  try {
    for (let tok = lexer.advance(); tok.kind !== TokenKind.EOF; tok = lexer.advance()) {
      if (OPENING.has(tok.kind) && ++depth > MAX_NESTING) {
        return new GraphQLError(`Syntax Error: the document nests brackets more than ${MAX_NESTING} deep`, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
      }
      if (CLOSING.has(tok.kind)) depth--;
    }
  } catch {
    // A lexical error: the parser reports it.
  }
  return undefined;
}

function refusal(message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: VALIDATION_FAILED, ...extra } });
}

const aliasRule =
  (max: number): ValidationRule =>
  (context) => {
    let count = 0;
    return {
      Field(node) {
        if (node.alias && ++count === max + 1) context.reportError(refusal(`the operation has more than ${max} aliases`, { limit: max }));
      },
    };
  };

/** Validation rules added to graphql-js's own; they need no variables. */
export function limitRules(limits: Limits): ValidationRule[] {
  const rules: ValidationRule[] = [
    maxDepthRule({
      n: limits.graphqlMaxDepth,
      // Depth of fields (of the answer): a fragment spread adds none.
      flattenFragments: true,
      // The library throws by default, which Apollo would answer with a 500: report instead.
      propagateOnRejection: false,
      onReject: [
        (context, error) =>
          context?.reportError(refusal(`${error.message.replace(/^Syntax Error: /, '')} (graphql_max_depth)`, { limit: limits.graphqlMaxDepth })),
      ],
    }),
    aliasRule(MAX_ALIASES),
  ];
  if (!limits.graphqlIntrospection) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}

/** A field with a `first` argument returns that many items (at most max_children), each costing its subtree. */
const pagedEstimator =
  (limits: Limits): ComplexityEstimator =>
  ({ field, args, childComplexity }) => {
    if (!field.args.some((a) => a.name === 'first')) return undefined;
    const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE;
    return 1 + Math.min(Math.max(first, 0), limits.maxChildren) * childComplexity;
  };

/**
 * The estimated cost of one operation of a validated document, or the error
 * that refuses it: too costly, too many selections, or variables that do not
 * fit their declarations.
 */
export function costError(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined, limits: Limits): GraphQLError | undefined {
  // Only the operation that will run, with every fragment (the library trips over anonymous operations beside named ones).
  const query: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)] };
  let cost: number;
  try {
    cost = getComplexity({ schema, query, variables, maxQueryNodes: MAX_COST_NODES, estimators: [pagedEstimator(limits), simpleEstimator({ defaultComplexity: 1 })] });
  } catch (e) {
    if (!(e instanceof GraphQLError)) throw e;
    if (/maximum allowed number of nodes/.test(e.message)) {
      return refusal(`the operation selects more than ${MAX_COST_NODES} fields once its fragments are expanded`, { limit: MAX_COST_NODES });
    }
    return new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'BAD_USER_INPUT' } });
  }
  if (cost > limits.graphqlMaxCost) {
    return refusal(
      `the operation's estimated cost ${cost} is over the limit of ${limits.graphqlMaxCost} (graphql_max_cost; a list field costs its page size, \`first\`, times its selection): ask for smaller pages`,
      { limit: limits.graphqlMaxCost, cost },
    );
  }
  return undefined;
}

/** Estimates kept per document: one with more variable sets than this starts again (a client that varies without end). */
const MAX_ESTIMATES_PER_DOCUMENT = 64;

/**
 * The Apollo plugin that refuses a costly operation after validation, before
 * anything runs. An estimate depends only on the document, the operation and
 * the variables, so it is worked out once for each: Apollo's document store
 * hands back the same DocumentNode for the same text.
 */
export function costPlugin(limits: Limits): ApolloServerPlugin {
  const estimates = new WeakMap<DocumentNode, Map<string, GraphQLError | undefined>>();
  const estimate = (schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined) => {
    let known = estimates.get(document);
    if (!known || known.size >= MAX_ESTIMATES_PER_DOCUMENT) estimates.set(document, (known = new Map()));
    const key = `${operation.name?.value ?? ''} ${JSON.stringify(variables ?? {})}`;
    if (!known.has(key)) known.set(key, costError(schema, document, operation, variables, limits));
    return known.get(key);
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          // No operation (a bad operationName): execution answers that without running anything.
          if (!operation) return;
          const error = estimate(schema, document, operation, request.variables);
          if (error) throw new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, http: { status: 400 } } });
        },
      };
    },
  };
}

/** Everything Apollo does for an HTTP request, for a graphql-ws operation: parse, validate, cost. */
export function prepareOperation(
  schema: GraphQLSchema,
  payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  limits: Limits,
): ExecutionArgs | GraphQLError[] {
  const tooDeep = nestingError(payload.query);
  if (tooDeep) return [tooDeep];
  let document: DocumentNode;
  try {
    document = parse(payload.query, parseOptions);
  } catch (e) {
    if (e instanceof GraphQLError) return [new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
    throw e;
  }
  const errors = validate(schema, document, [...specifiedRules, ...limitRules(limits)]);
  if (errors.length) {
    return errors.map((e) => (e.extensions.code ? e : new GraphQLError(e.message, { nodes: e.nodes, extensions: { ...e.extensions, code: VALIDATION_FAILED } })));
  }
  const operation = getOperationAST(document, payload.operationName);
  if (!operation) return [new GraphQLError('no operation to run: name one with operationName', { extensions: { code: 'BAD_USER_INPUT' } })];
  const variables = payload.variables ?? undefined;
  const tooCostly = costError(schema, document, operation, variables, limits);
  if (tooCostly) return [tooCostly];
  return { schema, document, operationName: payload.operationName, variableValues: variables };
}
