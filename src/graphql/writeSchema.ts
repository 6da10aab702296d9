/** Writes schema/schema.graphql from the classes (npm run schema). */
import fs from 'node:fs';
import path from 'node:path';
import { SCHEMA_FILE, schemaText } from './schema';

schemaText().then((text) => {
  const file = path.resolve(__dirname, '../../..', SCHEMA_FILE);
  fs.writeFileSync(file, text);
  process.stdout.write(`wrote ${file}\n`);
});
