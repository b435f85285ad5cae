// Writes deploy/crds/*.yaml and deploy/rbac.yaml from tools/crds/crds.ts (build-time tooling).
//
//   npm run gen:crds [-- --out <package root>] [--check]
//
// --check writes nothing and exits 1 when a file on disk differs from what would be generated.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot, renderManifests } from './crds.js';

function main(argv: string[]): number {
  let out = fileURLToPath(packageRoot());
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') check = true;
    else if (a === '--out' && argv[i + 1] !== undefined) out = argv[++i] as string;
    else {
      process.stderr.write(`usage: gen-crds [--out <package root>] [--check]\n`);
      return 2;
    }
  }
  let stale = 0;
  for (const m of renderManifests()) {
    const file = join(out, m.path);
    if (check) {
      let current = '';
      try {
        current = readFileSync(file, 'utf8');
      } catch {
        // missing counts as stale
      }
      if (current !== m.content) {
        process.stderr.write(`stale: ${m.path}\n`);
        stale++;
      }
      continue;
    }
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, m.content);
    process.stdout.write(`wrote ${m.path}\n`);
  }
  return stale > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
