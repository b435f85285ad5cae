// Writes schemas/validators.generated.cjs (the ajv standalone validators of schemas/*.schema.json).
//
//   npm run gen:validators [-- --check]
//
// --check writes nothing and exits 1 when the file on disk differs from what would be generated.
import { readFileSync, writeFileSync } from 'node:fs';
import { SCHEMA_FILES, validatorsSource } from './validators.js';
import { packageRoot } from '../crds/schema.js';

const root = packageRoot();
const read = (f: string): string => readFileSync(new URL(`schemas/${f}`, root), 'utf8');
const text = validatorsSource({ openpe: read(SCHEMA_FILES.openpe), node: read(SCHEMA_FILES.node) });
const target = new URL('schemas/validators.generated.cjs', root);
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    /* absent: stale */
  }
  if (current !== text) {
    process.stderr.write('schemas/validators.generated.cjs is stale: run npm run gen:validators\n');
    process.exitCode = 1;
  }
} else writeFileSync(target, text);
