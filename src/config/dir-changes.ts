// Which static files a read must look at, given what the directory watch saw since the last
// read: the one decision that lets a file change cost what it changes. A read looks at
// every file (lstat, and file-cache.ts's identity rule) unless the watch's record since the
// reader's last read is complete; then it looks only at the files an event named, plus those
// an event in this directory may miss. Kept results of the others are served as they are:
// a change made after their read raises an event (in this read's record when it came before
// the record was taken, in the next one otherwise, which asks for another reconcile).
//
// The record is not complete, and the read scans the directory whole, when: nothing was
// watched yet (start), the watch was lost or attached anew (an error, the directory
// replaced, an event without a name), the directory read is not the one watched (a link
// above it swapped), the reader was told to (a reconcile for any other cause than file
// events: resync, API, retry, SIGHUP), or more than FULL_SCAN_ABOVE names piled up (a
// burst that may have overflowed the kernel's event queue, which Node does not report).
// A change the watch cannot see at all (a write through a hard link elsewhere or into a
// link's target, a network filesystem) is found by the next full scan: the periodic resync.

/** A directory's identity (what the watch follows, and what a read finds at the path). */
export interface DirId {
  dev: number;
  ino: number;
}

/** What the watch saw since a reader last took its record. */
export type Changes =
  | { complete: false }
  /** `dir`: the directory watched while these names were collected. */
  | { complete: true; names: ReadonlySet<string>; dir: DirId };

/** More names than this since the last read: scan the whole directory instead. */
export const FULL_SCAN_ABOVE = 512;

/** What a reader's record is fed with (the watch's side). */
export interface FileEventSink {
  /** An event in the configuration directory named `name` (a static file). */
  changed(name: string): void;
  /** Events may have been missed: every reader scans the whole directory next time. */
  lost(): void;
  /** The configuration directory the watch now follows, or none. */
  watching(dir: DirId | undefined): void;
}

/** One reader's record since its last read (the digest and the build each keep one). */
export class ChangeRecord {
  private names = new Set<string>();
  private lostSince = true;

  constructor(private readonly dir: () => DirId | undefined) {}

  changed(name: string): void {
    if (this.lostSince) return;
    this.names.add(name);
    if (this.names.size > FULL_SCAN_ABOVE) this.lost();
  }

  lost(): void {
    this.lostSince = true;
    this.names = new Set();
  }

  /** The record since the last take, and a new one from now: taken before the read it serves. */
  take(): Changes {
    const dir = this.dir();
    const out: Changes = this.lostSince || !dir ? { complete: false } : { complete: true, names: this.names, dir };
    this.names = new Set();
    this.lostSince = false;
    return out;
  }
}

/** Feeds every reader's record from the watch. */
export class ChangeFeed implements FileEventSink {
  private readonly records: ChangeRecord[] = [];
  private dir: DirId | undefined;

  /** A new reader: its first read scans the whole directory. */
  record(): ChangeRecord {
    const r = new ChangeRecord(() => this.dir);
    this.records.push(r);
    return r;
  }

  changed(name: string): void {
    for (const r of this.records) r.changed(name);
  }

  lost(): void {
    for (const r of this.records) r.lost();
  }

  watching(dir: DirId | undefined): void {
    if (dir?.dev === this.dir?.dev && dir?.ino === this.dir?.ino) return;
    this.dir = dir;
    this.lost(); // events before the watch was attached are unknown
  }
}

/** The names a read may limit itself to, or undefined: scan the whole directory. `now`: the directory at the path now. */
export function namedOnly(changes: Changes | undefined, now: DirId): ReadonlySet<string> | undefined {
  if (!changes?.complete) return undefined;
  if (changes.dir.dev !== now.dev || changes.dir.ino !== now.ino) return undefined;
  return changes.names;
}

/**
 * Whether a read looks at the file `name` (lstat and the identity rule), or serves what is
 * kept of it. `named`: namedOnly's answer; `keptRegular`: a result is kept for it and came
 * from a regular file with a single link (a link's target, or a file written through another
 * hard link, changes with no event in this directory).
 */
export function mustLook(name: string, named: ReadonlySet<string> | undefined, keptRegular: boolean): boolean {
  return named === undefined || named.has(name) || !keptRegular;
}
