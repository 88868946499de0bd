// Validates an SDL file with the reference GraphQL implementation (graphql-js):
// `node tests/audit/validate-sdl.mjs schema/schema.graphql` prints `valid` and exits 0,
// or prints the problems and exits 1.
import { buildSchema, validateSchema } from 'graphql';
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node validate-sdl.mjs FILE.graphql');
  process.exit(2);
}
let schema;
try {
  schema = buildSchema(readFileSync(file, 'utf8'));
} catch (error) {
  console.error(`${file}: ${error.message}`);
  process.exit(1);
}
const problems = validateSchema(schema);
for (const problem of problems) {
  console.error(`${file}: ${problem.message}`);
}
if (problems.length > 0) process.exit(1);
console.log('valid');
