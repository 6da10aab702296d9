/**
 * The checked-in SDL (schema/schema.graphql) is the public contract: it must
 * be exactly what the type-graphql classes generate, and what the running
 * service serves.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildClientSchema, getIntrospectionQuery, printSchema, type IntrospectionQuery } from 'graphql';
import { SCHEMA_FILE, schema, schemaText } from '../../src/graphql/schema';
import { startTestService } from '../helpers/service';
import { gqlOk } from '../helpers/gql';

const CHECKED_IN = path.resolve(__dirname, '../..', SCHEMA_FILE);

/** Why the checked-in text is not the generated one, or null when they agree. */
function staleness(checkedIn: string | undefined, generated: string): string | null {
  if (checkedIn === undefined) return `${SCHEMA_FILE} is missing: run \`npm run schema\` and commit it`;
  if (checkedIn === generated) return null;
  const a = checkedIn.split('\n');
  const b = generated.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return (
    `${SCHEMA_FILE} is stale (it differs from the type-graphql classes in src/graphql): run \`npm run schema\` and commit it.\n` +
    `First difference at line ${i + 1}:\n  checked in: ${JSON.stringify(a[i] ?? '<end of file>')}\n  generated:  ${JSON.stringify(b[i] ?? '<end of file>')}`
  );
}

test('schema/schema.graphql is what `npm run schema` generates from the classes', async () => {
  const generated = await schemaText();
  const checkedIn = fs.existsSync(CHECKED_IN) ? fs.readFileSync(CHECKED_IN, 'utf8') : undefined;
  const why = staleness(checkedIn, generated);
  if (why) throw new Error(why);
});

test('the staleness check notices a missing field, a changed description and a missing file', async () => {
  const generated = await schemaText();
  // The generated schema is the real one, not an empty string that would compare equal to anything empty.
  for (const s of ['type Query', 'node(path: String!): Node', 'me: User', 'type Mutation', 'createNode(', 'setProperties(', 'deleteNode(', 'totalCount: Int!']) {
    expect(generated).toContain(s);
  }
  expect(staleness(generated, generated)).toBeNull();
  expect(staleness(generated.replace(/^\s*totalCount: Int!\n/m, ''), generated)).toMatch(/stale.*run `npm run schema`/s);
  expect(staleness(generated.replace('A VOSpace node.', 'A node.'), generated)).toMatch(/line \d+/);
  expect(staleness(`${generated}\n`, generated)).toMatch(/stale/);
  expect(staleness(undefined, generated)).toMatch(/missing: run `npm run schema`/);
});

test('the running service serves the same schema', async () => {
  const t = await startTestService();
  try {
    const served = await gqlOk<IntrospectionQuery>(t, getIntrospectionQuery({ descriptions: true }));
    expect(printSchema(buildClientSchema(served))).toBe(printSchema(await schema()));
  } finally {
    await t.close();
  }
});
