// Reading a file someone else may control (a pod writing through a hostPath, a config directory):
// links are followed to regular files only, the size is capped, and nothing blocks the event
// loop. The file is opened O_NONBLOCK (a FIFO opens at once instead of waiting for a writer) and
// checked with fstat on the open descriptor, so what is checked is what is read. Errors name the
// file and the problem, never its content.

import { constants, promises as fsp } from 'node:fs';

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

/** The content of `file`, a regular file of at most `maxBytes` bytes; a BoundedReadError otherwise. */
export async function readFileBounded(file: string, maxBytes = DEFAULT_MAX_BYTES): Promise<Buffer> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT') throw new BoundedReadError(file, 'missing', `${file}: does not exist`);
    throw new BoundedReadError(file, 'unreadable', `${file}: cannot open (${code})`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new BoundedReadError(file, 'not-regular', `${file}: not a regular file (${kindOf(st.mode)})`);
    if (st.size > maxBytes) throw new BoundedReadError(file, 'too-large', `${file}: larger than ${maxBytes} bytes (${st.size})`);
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
