// perouterd's version, read from its package.json so `--version` always names the
// installed package (a test build's version included). The file sits two levels
// up from dist/cli (the package, a checkout) or three from build/src/cli (tests).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageVersion(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const p = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (p.name === 'perouterd' && p.version) return p.version;
    } catch {
      // not here: keep walking up
    }
  }
  return 'unknown';
}
