// Reading a file someone else may control (a pod writing through a hostPath, a config directory):
// links are followed to regular files only, the size is capped, and nothing blocks the event
// loop. The file is opened O_NONBLOCK (a FIFO opens at once instead of waiting for a writer) and
// checked with fstat on the open descriptor, so what is checked is what is read. Errors name the
// file and the problem, never its content.

import { closeSync, constants, fstatSync, openSync, promises as fsp, readSync, type Stats } from 'node:fs';

export const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

export type BoundedReadProblem = 'missing' | 'not-regular' | 'too-large' | 'unreadable';

export class BoundedReadError extends Error {
  constructor(
    readonly file: string,
    readonly problem: BoundedReadProblem,
    message: string,
  ) {
    super(message);
    this.name = 'BoundedReadError';
  }
}

function kindOf(mode: number): string {
  switch (mode & constants.S_IFMT) {
    case constants.S_IFDIR:
      return 'a directory';
    case constants.S_IFIFO:
      return 'a FIFO';
    case constants.S_IFCHR:
      return 'a character device';
    case constants.S_IFBLK:
      return 'a block device';
    case constants.S_IFSOCK:
      return 'a socket';
    default:
      return 'not a regular file';
  }
}

export interface BoundedReadOptions {
  /** Sees the descriptor's fstat before any byte is read (e.g. to check who may write the file). */
  onStat?: (st: Stats) => void;
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

function checkStat(file: string, st: Stats, maxBytes: number, opts: BoundedReadOptions): void {
  if (!st.isFile()) throw new BoundedReadError(file, 'not-regular', `${file}: not a regular file (${kindOf(st.mode)})`);
  opts.onStat?.(st);
  if (st.size > maxBytes) throw new BoundedReadError(file, 'too-large', `${file}: larger than ${maxBytes} bytes (${st.size})`);
}

function openError(file: string, e: unknown): BoundedReadError {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  if (code === 'ENOENT') return new BoundedReadError(file, 'missing', `${file}: does not exist`);
  return new BoundedReadError(file, 'unreadable', `${file}: cannot open (${code})`);
}

/** The same as readFileBounded, blocking: for one-shot commands (the CLI), never the daemon. */
export function readFileBoundedSync(file: string, maxBytes = DEFAULT_MAX_BYTES, opts: BoundedReadOptions = {}): Buffer {
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (e) {
    throw openError(file, e);
  }
  try {
    const st = fstatSync(fd);
    checkStat(file, st, maxBytes, opts);
    // One buffer the size fstat gave (+1: a file that grows while being read is still
    // caught), as readFileBounded: two zero-filled 64 KiB chunks per file cost
    // `perouterd render` ~40 MB of RSS at 1000 files.
    let buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, st.size + 1));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n > maxBytes) throw new BoundedReadError(file, 'too-large', `${file}: larger than ${maxBytes} bytes (grew while read)`);
        const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got <= 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  } catch (e) {
    if (e instanceof BoundedReadError) throw e;
    throw new BoundedReadError(file, 'unreadable', `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    closeSync(fd);
  }
}

/** The content of `file`, a regular file of at most `maxBytes` bytes; a BoundedReadError otherwise. */
export async function readFileBounded(file: string, maxBytes = DEFAULT_MAX_BYTES, opts: BoundedReadOptions = {}): Promise<Buffer> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, OPEN_FLAGS);
  } catch (e) {
    throw openError(file, e);
  }
  try {
    const st = await fh.stat();
    checkStat(file, st, maxBytes, opts);
    // Read at most maxBytes + 1: a file that grows while being read is still caught.
    let buf = Buffer.alloc(Math.min(maxBytes + 1, st.size + 1));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n > maxBytes) throw new BoundedReadError(file, 'too-large', `${file}: larger than ${maxBytes} bytes (grew while read)`);
        const bigger = Buffer.alloc(Math.min(maxBytes + 1, buf.length * 2));
        buf.copy(bigger);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return buf.subarray(0, n);
  } catch (e) {
    if (e instanceof BoundedReadError) throw e;
    throw new BoundedReadError(file, 'unreadable', `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    await fh.close().catch(() => undefined);
  }
}
