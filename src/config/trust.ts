// Who besides root can change the configuration: a file or directory that another user can
// write, or a directory above it (up to /) that another user can write or owns, lets that
// user reconfigure a root daemon's networks (what sshd's StrictModes checks). Such a
// configuration is an error: nothing is applied and what runs stays (see README, "Input is
// bounded"). Trusted are root and the user running perouterd (a non-root `validate` or
// `render` on one's own files changes no one's privileges), with their primary groups.
//
// A directory above may be world-writable when it has the sticky bit and a trusted owner
// (/tmp): there, only an entry's owner can rename or remove it. The configuration directory
// itself may not (anyone could add a file to it).
//
// The decisions are pure (on Stats); TrustCheck does the I/O, synchronously for the
// one-shot commands or asynchronously for the daemon, and remembers every directory it
// looked at, so thousands of files in one directory cost one walk.

import { realpathSync, type Stats, statSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ConfigProblem } from './model.js';

type Mode = Pick<Stats, 'mode' | 'uid' | 'gid'>;

const S_ISVTX = 0o1000;

function trustedUid(uid: number): boolean {
  return uid === 0 || uid === (process.getuid?.() ?? 0);
}

function trustedGid(gid: number): boolean {
  return gid === 0 || gid === (process.getgid?.() ?? 0);
}

/** Who besides root (and the user running perouterd) can write what `st` describes, if anyone. */
export function writableByOthers(st: Mode): string | undefined {
  if (st.mode & 0o002) return 'every user';
  if (st.mode & 0o020 && !trustedGid(st.gid)) return `group ${st.gid}`;
  if (!trustedUid(st.uid)) return `user ${st.uid} (its owner)`;
  return undefined;
}

/** The same for a directory above the configuration: a sticky directory with a trusted owner is safe. */
export function ancestorWritableByOthers(st: Mode): string | undefined {
  if (st.mode & S_ISVTX && trustedUid(st.uid)) return undefined;
  return writableByOthers(st);
}

function at(file: string): ConfigProblem['location'] {
  return { file, line: 1, column: 1, field: '' };
}

/** `what` (at `path`) is writable by another user: an error. */
export function writableProblem(path: string, st: Mode, what: string): ConfigProblem | undefined {
  const who = writableByOthers(st);
  if (!who) return undefined;
  return {
    severity: 'error',
    message: `${what} is writable by ${who}, who can thereby reconfigure this node's networks; make it writable by root only (nothing is applied until then)`,
    location: at(path),
  };
}

function ancestorProblem(path: string, dir: string, who: string, what: string): ConfigProblem {
  return {
    severity: 'error',
    message: `${what} lies under ${dir}, which is writable by ${who}, who can thereby replace it and reconfigure this node's networks; make every directory above it writable by root only (nothing is applied until then)`,
    location: at(path),
  };
}

/** The directories from `dir` up to /, nearest first. */
function upToRoot(dir: string): string[] {
  const out = [dir];
  for (let d = dir, up = dirname(d); up !== d; d = up, up = dirname(up)) out.push(up);
  return out;
}

/** Remembers each directory's verdict (undefined: safe; a string: who else can write it). */
export class TrustCheck {
  private readonly verdicts = new Map<string, string | undefined>();
  /** Directories already reported: one error each, not one per file under it. */
  private readonly reported = new Set<string>();
  /** Real directories whose whole chain up to / was judged safe. */
  private readonly safeDirs = new Set<string>();

  /** Problem of the directories above `path` (after links), for the one-shot commands. */
  aboveSync(path: string, what: string): ConfigProblem | undefined {
    const real = this.realSync(path);
    return real === undefined ? undefined : this.judge(path, real, what, (d) => statSync(d));
  }

  /** The same without blocking (the daemon's). */
  async above(path: string, what: string): Promise<ConfigProblem | undefined> {
    const real = await realpath(path).catch(() => undefined);
    return real === undefined ? undefined : this.judge(path, real, what, await this.statsAbove(real));
  }

  /**
   * `above` for a file known (by lstat) not to be a link, in the directory whose real path is
   * `realDir`: the same verdict without resolving the file's path (one realpath per file saved).
   */
  async aboveIn(path: string, realDir: string, what: string): Promise<ConfigProblem | undefined> {
    if (this.safe(realDir)) return undefined;
    const real = join(realDir, basename(path));
    return this.judge(path, real, what, await this.statsAbove(real));
  }

  /** True when `realDir` and every directory above it were judged safe (no I/O: what aboveIn answers at once). */
  safe(realDir: string): boolean {
    if (this.safeDirs.has(realDir)) return true;
    const chain = upToRoot(realDir);
    if (!chain.every((d) => this.verdicts.has(d) && this.verdicts.get(d) === undefined)) return false;
    this.safeDirs.add(realDir);
    return true;
  }

  /**
   * safe(), after judging what was not judged yet of `realDir` and the directories above it
   * (nothing reported: reading a file under an unsafe one reports it).
   */
  async judgedSafe(realDir: string): Promise<boolean> {
    const chain = upToRoot(realDir);
    for (const d of chain) {
      if (this.verdicts.has(d)) continue;
      const st = await stat(d).catch(() => undefined);
      this.verdicts.set(d, st && ancestorWritableByOthers(st));
    }
    return this.safe(realDir);
  }

  /** The real path of `dir`, or undefined when it cannot be resolved. */
  async realDirectory(dir: string): Promise<string | undefined> {
    return realpath(dir).catch(() => undefined);
  }

  /** The configuration directory (`st`: its stat): who else can write it or a directory above it. */
  directorySync(dir: string, st: Mode, what: string): ConfigProblem[] {
    const real = this.realSync(dir);
    return this.judgeDirectory(dir, real, st, what, (d) => statSync(d));
  }

  /** The same without blocking (the daemon's). */
  async directory(dir: string, st: Mode, what: string): Promise<ConfigProblem[]> {
    const real = await realpath(dir).catch(() => undefined);
    return this.judgeDirectory(dir, real, st, what, real === undefined ? () => undefined : await this.statsAbove(real));
  }

  private realSync(path: string): string | undefined {
    try {
      return realpathSync.native(path);
    } catch {
      return undefined; // reading it reports why
    }
  }

  /** Stats of the directories above `real` not judged yet (so that judging needs no I/O). */
  private async statsAbove(real: string): Promise<(dir: string) => Stats | undefined> {
    const stats = new Map<string, Stats | undefined>();
    for (const d of upToRoot(dirname(real))) if (!this.verdicts.has(d)) stats.set(d, await stat(d).catch(() => undefined));
    return (d) => stats.get(d);
  }

  private judgeDirectory(
    dir: string,
    real: string | undefined,
    st: Mode,
    what: string,
    statOf: (dir: string) => Stats | undefined,
  ): ConfigProblem[] {
    const own = writableProblem(dir, st, what);
    // Files under it need not say it again.
    if (own && real !== undefined) this.reported.add(real);
    const above = real === undefined ? undefined : this.judge(dir, real, what, statOf);
    return [own, above].filter((p): p is ConfigProblem => p !== undefined);
  }

  private judge(path: string, real: string, what: string, statOf: (dir: string) => Stats | undefined): ConfigProblem | undefined {
    for (const d of upToRoot(dirname(real))) {
      if (!this.verdicts.has(d)) {
        let st: Stats | undefined;
        try {
          st = statOf(d);
        } catch {
          st = undefined; // vanished while read: reading the file reports it
        }
        this.verdicts.set(d, st && ancestorWritableByOthers(st));
      }
      const who = this.verdicts.get(d);
      if (!who) continue;
      if (this.reported.has(d)) return undefined;
      this.reported.add(d);
      return ancestorProblem(path, d, who, what);
    }
    return undefined;
  }
}
