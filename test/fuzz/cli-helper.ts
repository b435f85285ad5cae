// Helpers shared by the CLI-level tests (examples.test.ts, cli.test.ts): make sure the
// compiled CLI in dist/ is there and not older than src/, and run it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');
export const CLI = join(ROOT, 'dist/cli/main.js');
export const EXAMPLES = join(ROOT, 'examples');

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p, ext));
    else if (e.name.endsWith(ext)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function distIsFresh(): boolean {
  if (!existsSync(CLI)) return false;
  return newestMtime(join(ROOT, 'dist'), '.js') >= newestMtime(join(ROOT, 'src'), '.ts');
}

const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * Builds dist/ with `npx tsc -p tsconfig.json` when dist/cli/main.js is missing or older
 * than a file of src/. Test files run in parallel workers, so the build is serialised by a
 * lock directory; a second worker waits and then re-checks. Type errors (other people may
 * be editing src/) only warn as long as tsc still emitted the CLI; a missing CLI fails.
 */
export function ensureDist(): void {
  if (distIsFresh()) return;
  const lock = join(tmpdir(), `perouterd-test-build-${createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another worker builds; a lock older than 3 minutes is left over from a killed run.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (another test worker building dist/); remove it if stale`);
      sleep(200);
    }
  }
  try {
    if (distIsFresh()) return;
    const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
    if (r.status !== 0) {
      const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
      if (!existsSync(CLI)) throw new Error(`dist/cli/main.js is missing and \`npx tsc -p tsconfig.json\` failed:\n${out}`);
      console.warn(`npx tsc -p tsconfig.json reported errors (the CLI was still emitted, testing it):\n${out}`);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  if (!existsSync(CLI)) throw new Error('dist/cli/main.js is missing: build with `npx tsc -p tsconfig.json`');
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli/main.js …args` from the repository root. */
export function runCli(args: readonly string[]): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The example scenarios: directories of examples/ holding a node-config.yaml. */
export function exampleNames(): string[] {
  return readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(EXAMPLES, e.name, 'node-config.yaml')))
    .map((e) => e.name)
    .sort();
}
