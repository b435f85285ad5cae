// Reading the configuration files from disk, bounded and without trusting what is there:
// regular files only (a link is followed, but to a regular file only: a FIFO, a device or a
// directory named `openpe_*.yaml` is reported), at most MAX_CONFIG_BYTES each, opened
// non-blocking (a FIFO never stalls the daemon), and a file or directory that a user other
// than root can write, or that lies under a directory another user can write, is an error,
// since that user could reconfigure a root daemon (what sshd's StrictModes checks;
// trust.ts). A missing directory is an error, never an empty configuration.
//
// `readSources` is the daemon's (async: the event loop keeps running); `readSourcesSync`
// serves the one-shot CLI commands. Both share every decision below; only the I/O differs.

import { type BigIntStats, lstatSync, readdirSync, type Stats, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { CHUNK, turn } from '../util/steps.js';
import { BoundedReadError, readFileBounded, readFileBoundedSync } from '../sys/bounded-read.js';
import { join } from 'node:path';
import { type Changes, mustLook, namedOnly } from './dir-changes.js';
import type { ConfigProblem } from './model.js';
import { TrustCheck, writableProblem } from './trust.js';

/** Largest configuration file read (a located error beyond). */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** One file as read: its text, or the problems that kept it from being read. */
export interface SourceFile {
  path: string;
  text?: string;
  problems: ConfigProblem[];
  /** Not read: a cache (KnownFiles) holds what the file says, and its identity proves it unchanged. */
  unchanged?: true;
  /** The file's identity (lstat) taken before it was read, and when (for the cache). */
  seen?: FileSeen;
}

/** What lstat said of a regular file just before it was read, and the wall-clock time then. */
export interface FileSeen {
  st: BigIntStats;
  atNs: bigint;
}

/** What a cache of parsed files knows: whether a file (lstat before reading) is unchanged since it was read. */
export interface KnownFiles {
  unchanged(path: string, seen: FileSeen): boolean;
  /** A result is kept for `path`, read from a regular file with a single link (dir-changes.ts). */
  keptRegular(path: string): boolean;
}

/** Everything the configuration is made of, read once: parsing works on this, never on the disk. */
export interface SourceSnapshot {
  configDir: string;
  nodeConfig: SourceFile;
  /** The `openpe_*.yaml` files (regular files, read or not), in Go's filepath.Glob order. */
  files: SourceFile[];
  /** Problems of the directory itself and of its entries (missing directory, `.yml`, FIFOs, permissions). */
  problems: ConfigProblem[];
}

const STATIC_FILE_RE = /^openpe_.*\.yaml$/;
const NEAR_MISS_RE = /^openpe_.*\.ya?ml$/i;

function at(file: string): ConfigProblem['location'] {
  return { file, line: 1, column: 1, field: '' };
}

function errorAt(file: string, message: string): ConfigProblem {
  return { severity: 'error', message, location: at(file) };
}

/**
 * Text of a configuration file: UTF-8 (a BOM is dropped), or UTF-16 with its BOM. CR-only
 * line breaks become LF (a lone CR is a line break in YAML too).
 */
export function decodeText(buf: Buffer): string | undefined {
  let text: string;
  try {
    if (buf[0] === 0xff && buf[1] === 0xfe) text = new TextDecoder('utf-16le', { fatal: true }).decode(buf.subarray(2));
    else if (buf[0] === 0xfe && buf[1] === 0xff) text = new TextDecoder('utf-16be', { fatal: true }).decode(buf.subarray(2));
    else text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
  } catch {
    return undefined;
  }
  // A file with CR-only line breaks (old Mac style) is valid YAML the parser would read as one line.
  return text.includes('\n') ? text : text.replace(/\r/g, '\n');
}

/** The file's text, or why not: what the bounded read found, as located problems. */
function judge(path: string, what: string, above: ConfigProblem | undefined, read: (onStat: (st: Stats) => void) => Buffer): SourceFile {
  const problems: ConfigProblem[] = above ? [above] : [];
  const onStat = (st: Stats): void => {
    const perm = writableProblem(path, st, what);
    if (perm) problems.push(perm);
  };
  let buf: Buffer;
  try {
    buf = read(onStat);
  } catch (e) {
    problems.push(errorAt(path, readError(path, e)));
    return { path, problems };
  }
  const text = decodeText(buf);
  if (text === undefined) problems.push(errorAt(path, 'is not text (neither UTF-8 nor UTF-16 with a byte-order mark)'));
  return text === undefined ? { path, problems } : { path, text, problems };
}

function readError(path: string, e: unknown): string {
  if (!(e instanceof BoundedReadError)) return 'cannot read file';
  if (e.problem === 'missing') return 'file not found';
  if (e.problem === 'too-large') return `is larger than ${MAX_CONFIG_BYTES} bytes, more than a configuration file may have`;
  const rest = e.message.startsWith(`${path}: `) ? e.message.slice(path.length + 2) : e.message;
  return e.problem === 'not-regular' ? `is ${rest.replace(/^not a regular file \((.*)\)$/, '$1')}, not a regular file` : rest;
}

/** One file read with the bounds and checks above (for callers given a single path). */
export function readConfigFileSync(path: string, what = 'this configuration file', trust = new TrustCheck()): SourceFile {
  const above = trust.aboveSync(path, what);
  return judge(path, what, above, (onStat) => readFileBoundedSync(path, MAX_CONFIG_BYTES, { onStat }));
}

/** One file read with the bounds and checks above, without blocking (`above`: the trust verdict, when known already). */
export async function readConfigFile(
  path: string,
  what: string,
  trust: TrustCheck,
  above?: { problem: ConfigProblem | undefined },
): Promise<SourceFile> {
  above ??= { problem: await trust.above(path, what) };
  let buf: Buffer | undefined;
  let failure: unknown;
  let seen: Stats | undefined;
  try {
    buf = await readFileBounded(path, MAX_CONFIG_BYTES, { onStat: (st) => (seen = st) });
  } catch (e) {
    failure = e;
  }
  return judge(path, what, above.problem, (onStat) => {
    if (seen) onStat(seen);
    if (buf === undefined) throw failure;
    return buf;
  });
}

/** Names in byte-wise order (Go's filepath.Glob order); each name encoded once, not at every comparison. */
function sortedByBytes(names: readonly string[]): string[] {
  return names
    .map((name) => ({ name, bytes: Buffer.from(name) }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map((x) => x.name);
}

/**
 * join(dir, name) for the names readdir gives (no `/`, never `.` or `..`), with `dir`
 * normalized once: path.join per file of thousands was a third of a load that reads none.
 */
export function inDirectory(dir: string): (name: string) => string {
  const prefix = join(dir, 'x').slice(0, -1);
  return (name) => prefix + name;
}

/** The directory's entries split into files to read and names to report. */
function classify(dir: string, names: readonly string[]): { read: string[]; readNames: string[]; problems: ConfigProblem[] } {
  const read: string[] = [];
  const readNames: string[] = [];
  const problems: ConfigProblem[] = [];
  const child = inDirectory(dir);
  for (const name of sortedByBytes(names)) {
    if (STATIC_FILE_RE.test(name)) {
      read.push(child(name));
      readNames.push(name);
    } else if (NEAR_MISS_RE.test(name)) {
      problems.push({
        severity: 'warning',
        message: 'ignored: only files named openpe_*.yaml (lower case .yaml) are read; rename it to read it',
        location: at(join(dir, name)),
      });
    }
  }
  return { read, readNames, problems };
}

function dirProblem(dir: string, err: unknown): ConfigProblem {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : `cannot be read (${code ?? 'error'})`;
  return {
    severity: 'error',
    message: `configuration directory ${dir} ${why}: nothing is changed (an empty directory, not a missing one, means no static configuration)`,
  };
}

const DIR = 'the configuration directory';

function notADirectory(dir: string): ConfigProblem {
  return dirProblem(dir, Object.assign(new Error(), { code: 'ENOTDIR' }));
}

/** The static files of a directory as read (files that are not regular are only in `problems`). */
export interface DirRead {
  files: SourceFile[];
  problems: ConfigProblem[];
}

function collect(files: SourceFile[], problems: ConfigProblem[]): DirRead {
  const out: DirRead = { files: [], problems };
  for (const f of files) {
    if (f.text === undefined && f.problems.some((p) => p.severity === 'error' && /not a regular file/.test(p.message))) {
      out.problems.push(...f.problems);
    } else out.files.push(f);
  }
  return out;
}

const FILE = 'this configuration file';

/**
 * A static file through a cache (`known`): a regular file whose lstat proves it unchanged and
 * that nothing makes untrusted now is not read again (`unchanged`); any other is read as
 * without a cache, with its lstat (`seen`) for the cache to remember.
 */
async function readKnownFile(
  path: string,
  look: { st: BigIntStats | undefined; atNs: bigint },
  realDir: string | undefined,
  trust: TrustCheck,
  known: KnownFiles,
): Promise<SourceFile> {
  const { st, atNs } = look;
  if (!st?.isFile() || realDir === undefined) return readConfigFile(path, FILE, trust);
  const problem = await trust.aboveIn(path, realDir, FILE);
  const seen = { st, atNs };
  if (!problem && unchanged(path, seen, known)) return { path, problems: [], unchanged: true };
  return { ...(await readConfigFile(path, FILE, trust, { problem })), seen };
}

/** A regular file that no other user can write and that `known` says is unchanged. */
function unchanged(path: string, seen: FileSeen, known: KnownFiles): boolean {
  const st = seen.st;
  const numbers = { mode: Number(st.mode), uid: Number(st.uid), gid: Number(st.gid) };
  return st.isFile() && !writableProblem(path, numbers, FILE) && known.unchanged(path, seen);
}

/** lstat, or undefined when it fails (reading the file then reports why). */
function lstatOrNot(path: string): BigIntStats | undefined {
  try {
    return lstatSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** lstats between two turns: 256 took 1-15 ms on the loaded 2-core machine, and once 60-70 ms. */
const LSTAT_CHUNK = 64;

/**
 * The lstat of every path (undefined when it failed), each with the wall-clock time taken
 * before it. Synchronous, LSTAT_CHUNK paths between two turns of the event loop: an lstat opens
 * nothing (a FIFO cannot stall it) and answers from the inode cache of a local directory in
 * microseconds, where a round trip to the thread pool costs several times that (17 ms for
 * 1000 files against 4 ms).
 */
export async function lstatAll(paths: readonly string[]): Promise<Array<{ st: BigIntStats | undefined; atNs: bigint }>> {
  const out: Array<{ st: BigIntStats | undefined; atNs: bigint }> = [];
  for (let i = 0; i < paths.length; i += LSTAT_CHUNK) {
    if (i > 0) await turn();
    const atNs = BigInt(Date.now()) * 1_000_000n;
    for (const p of paths.slice(i, i + LSTAT_CHUNK)) out.push({ st: lstatOrNot(p), atNs });
  }
  return out;
}

/**
 * Every `openpe_*.yaml` of `dir`, without blocking the event loop; through `known` when given.
 * With `changes` (what the directory watch saw since this reader's last read), only the files
 * dir-changes.ts says to look at are looked at; the others are served from `known`.
 */
export async function readConfigDir(dir: string, trust = new TrustCheck(), known?: KnownFiles, changes?: Changes): Promise<DirRead> {
  const problems: ConfigProblem[] = [];
  let names: string[];
  let named: ReadonlySet<string> | undefined;
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) return { files: [], problems: [notADirectory(dir)] };
    problems.push(...(await trust.directory(dir, st, DIR)));
    named = namedOnly(changes, st);
    names = await readdir(dir);
  } catch (err) {
    return { files: [], problems: [dirProblem(dir, err)] };
  }
  const c = classify(dir, names);
  const files: SourceFile[] = [];
  if (!known) for (const path of c.read) files.push(await readConfigFile(path, FILE, trust));
  else {
    const realDir = await trust.realDirectory(dir);
    const safe = realDir !== undefined && (await trust.judgedSafe(realDir));
    if (!safe) named = undefined;
    const look = named === undefined ? c.read : c.read.filter((p, i) => mustLook(c.readNames[i]!, named, known.keptRegular(p)));
    const looks = new Map((await lstatAll(look)).map((l, i) => [look[i]!, l]));
    for (const [i, path] of c.read.entries()) {
      if (i > 0 && i % CHUNK === 0) await turn(); // thousands of files: a few ms at a time
      const l = looks.get(path);
      if (!l) {
        files.push({ path, problems: [], unchanged: true }); // kept, and no event named it
        continue;
      }
      const { st, atNs } = l;
      // The common case answered without a promise: a trusted directory, an unchanged file.
      const known1 = safe && st !== undefined && unchanged(path, { st, atNs }, known);
      files.push(known1 ? { path, problems: [], unchanged: true } : await readKnownFile(path, { st, atNs }, realDir, trust, known));
    }
  }
  return collect(files, [...problems, ...c.problems]);
}

/** The same as readConfigDir, blocking: for the one-shot CLI commands and tests. */
export function readConfigDirSync(dir: string, trust = new TrustCheck()): DirRead {
  const problems: ConfigProblem[] = [];
  let names: string[];
  try {
    const st = statSync(dir);
    if (!st.isDirectory()) return { files: [], problems: [notADirectory(dir)] };
    problems.push(...trust.directorySync(dir, st, DIR));
    names = readdirSync(dir);
  } catch (err) {
    return { files: [], problems: [dirProblem(dir, err)] };
  }
  const c = classify(dir, names);
  return collect(
    c.read.map((path) => readConfigFileSync(path, 'this configuration file', trust)),
    [...problems, ...c.problems],
  );
}

/** Reads the node configuration and every static file, without blocking the event loop. */
export async function readSources(configDir: string, nodeConfigPath: string): Promise<SourceSnapshot> {
  const trust = new TrustCheck();
  const nodeConfig = await readConfigFile(nodeConfigPath, 'the node configuration', trust);
  const dir = await readConfigDir(configDir, trust);
  return { configDir, nodeConfig, files: dir.files, problems: dir.problems };
}

/** The same as readSources, blocking: for the one-shot CLI commands and tests. */
export function readSourcesSync(configDir: string, nodeConfigPath: string): SourceSnapshot {
  const trust = new TrustCheck();
  const nodeConfig = readConfigFileSync(nodeConfigPath, 'the node configuration', trust);
  const dir = readConfigDirSync(configDir, trust);
  return { configDir, nodeConfig, files: dir.files, problems: dir.problems };
}
