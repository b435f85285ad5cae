// What the static files said, kept between reconciles so that a file is parsed again only
// when it changed. Two levels:
//   identity: a regular file whose lstat (device, inode, size, mode, owner, mtime and ctime in
//     ns) is the one taken before it was last read is not read at all, provided its ctime was
//     already CONCLUSIVE_NS old when it was read: a change made afterwards moves ctime (which
//     no user can set) past the recorded one, while a change in the same clock tick as the
//     read could otherwise keep every field equal ("racy" files, as git calls them);
//   content: a file read again (changed identity, too recent, a link) whose text hashes as
//     before keeps its parsed result.
// The result of a file depends on its path (locations), its text, the node name and the
// namespace (object names); the cache is emptied when either of those two changes. Files
// that had read problems (permissions, links, size) are never kept: they are read each time.
import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import type { ConfigProblem, RouterConfig } from './model.js';
import type { FileSeen, KnownFiles, SourceFile } from './read.js';

/** A file whose ctime is younger than this when read is read again next time (content compared). */
export const CONCLUSIVE_NS = 2_000_000_000n;

/** What one static file contributes: its resources and its problems (loadStaticFile's result). */
export interface FileResult {
  config: RouterConfig;
  problems: ConfigProblem[];
}

interface Entry {
  /** Undefined for a link: compared by content only, its identity never trusted. */
  identity: Identity | undefined;
  /** A regular file with a single link (dir-changes.ts): a number compared per file, not a bigint. */
  regular1: boolean;
  /** ctime, and when the file was seen before the read whose text is `hash`. */
  ctimeNs: bigint;
  readAtNs: bigint;
  hash: string;
  result: FileResult;
}

/** The lstat fields that identify a file's version (compared one by one: no string built per file). */
const IDENTITY = ['dev', 'ino', 'size', 'mode', 'uid', 'gid', 'nlink', 'mtimeNs', 'ctimeNs'] as const;
type Identity = Pick<BigIntStats, (typeof IDENTITY)[number]>;

const identityOf = (st: BigIntStats): Identity => Object.fromEntries(IDENTITY.map((k) => [k, st[k]])) as unknown as Identity;
const sameIdentity = (a: Identity, b: BigIntStats): boolean => IDENTITY.every((k) => a[k] === b[k]);

const hashOf = (text: string): string => createHash('sha256').update(text).digest('base64');

/**
 * A value derived from a regular file's content (the settle digest's hash of it), kept while
 * the file's identity proves the content unchanged: the same rule as the static files' cache.
 */
export class ByIdentity<T> {
  private readonly entries = new Map<string, { identity: Identity; readAtNs: bigint; value: T; regular1: boolean }>();

  constructor(private readonly conclusiveNs = CONCLUSIVE_NS) {}

  /** The value kept for `path` when `seen` (its lstat now) proves it unchanged since it was read. */
  get(path: string, seen: FileSeen): T | undefined {
    const e = this.entries.get(path);
    if (!e || !sameIdentity(e.identity, seen.st) || !(e.identity.ctimeNs + this.conclusiveNs < e.readAtNs)) return undefined;
    return e.value;
  }

  /** `value` was derived from what `path` held after `seen` (its lstat, taken before the read). */
  set(path: string, seen: FileSeen, value: T): void {
    this.entries.set(path, { identity: identityOf(seen.st), readAtNs: seen.atNs, value, regular1: seen.st.nlink === 1n });
  }

  keepOnly(paths: ReadonlySet<string>): void {
    for (const p of this.entries.keys()) if (!paths.has(p)) this.entries.delete(p);
  }

  /** The value kept for `path`, unchecked (dir-changes.ts says when that is enough). */
  value(path: string): T | undefined {
    return this.entries.get(path)?.value;
  }

  /** A value is kept for `path`, derived from a regular file with a single link. */
  keptRegular(path: string): boolean {
    return this.entries.get(path)?.regular1 === true;
  }
}

export class StaticFileCache implements KnownFiles {
  private readonly entries = new Map<string, Entry>();
  private readonly conclusiveNs: bigint;
  private key: string | undefined;
  /** Counters for tests and the bench: files served from identity, from content, parsed. */
  readonly stats = { unchanged: 0, sameContent: 0, parsed: 0 };

  /** `conclusiveNs`: tests shorten it to see files served by identity without waiting. */
  constructor(opts: { conclusiveNs?: bigint } = {}) {
    this.conclusiveNs = opts.conclusiveNs ?? CONCLUSIVE_NS;
  }

  /** Results are for this node name and namespace; a change empties the cache. */
  use(nodeName: string, namespace: string): void {
    const key = `${nodeName}\0${namespace}`;
    if (key !== this.key) this.entries.clear();
    this.key = key;
  }

  unchanged(path: string, seen: FileSeen): boolean {
    const e = this.entries.get(path);
    return e?.identity !== undefined && sameIdentity(e.identity, seen.st) && e.ctimeNs + this.conclusiveNs < e.readAtNs;
  }

  keptRegular(path: string): boolean {
    return this.entries.get(path)?.regular1 === true;
  }

  /** The result of `file` as read (`load` parses it when nothing kept says what it holds). */
  result(file: SourceFile, load: (f: SourceFile) => FileResult): FileResult {
    const kept = this.entries.get(file.path);
    if (file.unchanged) {
      if (!kept) throw new Error(`${file.path}: not read, yet nothing is known of it`);
      this.stats.unchanged++;
      return kept.result;
    }
    if (file.text === undefined || file.problems.length > 0) {
      this.entries.delete(file.path);
      this.stats.parsed++;
      return load(file);
    }
    const hash = hashOf(file.text);
    const same = kept?.hash === hash;
    const result = same ? kept.result : load(file);
    this.stats[same ? 'sameContent' : 'parsed']++;
    // A link (no lstat of a regular file) is compared by content only: its identity is never trusted.
    const st = file.seen?.st;
    const identity = st ? identityOf(st) : undefined;
    const regular1 = st?.nlink === 1n;
    this.entries.set(file.path, { identity, regular1, ctimeNs: st?.ctimeNs ?? 0n, readAtNs: file.seen?.atNs ?? 0n, hash, result });
    return result;
  }

  /** Forgets the files no longer there. */
  keepOnly(paths: readonly string[]): void {
    const keep = new Set(paths);
    for (const p of this.entries.keys()) if (!keep.has(p)) this.entries.delete(p);
  }
}
