import 'reflect-metadata';
import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { ConnectionResolver, NodeResolver } from './resolvers';

let built: Promise<GraphQLSchema> | undefined;

/** The schema, built once per process from the type-graphql classes. */
export function schema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers: [NodeResolver, ConnectionResolver], validate: false });
  return built;
}

export const SCHEMA_FILE = 'schema/schema.graphql';

export async function schemaText(): Promise<string> {
  return `# Generated from the type-graphql classes in src/graphql: run \`npm run schema\`.\n\n${printSchema(await schema())}\n`;
}
