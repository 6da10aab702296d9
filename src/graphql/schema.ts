import 'reflect-metadata';
import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { ConnectionResolver, NodeResolver } from './resolvers';
import { JobResolver } from './jobResolvers';
import { RecursiveResolver } from './recursiveResolvers';
import { AccountResolver, AdminResolver } from './adminResolvers';
import { SessionResolver } from './sessionResolvers';
import { TokenResolver } from './tokenResolvers';

let built: Promise<GraphQLSchema> | undefined;

/**
 * Every subscription here makes its own stream from svc.events
 * (`@Subscription({ subscribe })`); type-graphql still asks for a PubSub,
 * which nothing publishes to or reads from.
 */
const NO_TOPICS: PubSub = {
  publish() {
    throw new Error('GraphQL subscriptions here read svc.events, not topics');
  },
  subscribe() {
    throw new Error('GraphQL subscriptions here read svc.events, not topics');
  },
};

/** The schema, built once per process from the type-graphql classes. */
export function schema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [NodeResolver, ConnectionResolver, JobResolver, RecursiveResolver, AccountResolver, AdminResolver, TokenResolver, SessionResolver],
    pubSub: NO_TOPICS,
    validate: false,
  });
  return built;
}

export const SCHEMA_FILE = 'schema/schema.graphql';

export async function schemaText(): Promise<string> {
  return `# Generated from the type-graphql classes in src/graphql: run \`npm run schema\`.\n\n${printSchema(await schema())}\n`;
}
