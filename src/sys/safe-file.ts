// Files written by root into directories it does not fully trust (FRR's path space is owned
// by `frr`; the state directory might have been pre-created by someone else). Rules:
//  - the directory is reached component by component with O_NOFOLLOW, so no symlink planted
//    anywhere on the path redirects the write (each step resolves through /proc/self/fd/N of
//    the directory opened before it, so nothing can be swapped between check and use);
//  - the file is created new (O_CREAT|O_EXCL|O_NOFOLLOW) under a temporary name and renamed
//    over the target: a symlink at the target is replaced, never followed;
//  - `rootOnly` directories must be owned by us and writable by nobody else, or nothing is written.
import { constants, promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_WRONLY, O_CREAT, O_EXCL } = constants;

export class UnsafePathError extends Error {}

const at = (dir: fs.FileHandle, name: string): string => `/proc/self/fd/${dir.fd}/${name}`;

/** Opens the absolute directory `dir` without following any symlink on the way. */
export async function openDirNoFollow(dir: string): Promise<fs.FileHandle> {
  if (!path.isAbsolute(dir)) dir = path.resolve(dir);
  const parts = path.normalize(dir).split('/').filter(Boolean);
  let cur = await fs.open('/', O_RDONLY | O_DIRECTORY);
  try {
    for (const p of parts) {
      const next = await fs.open(at(cur, p), O_RDONLY | O_DIRECTORY | O_NOFOLLOW).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ELOOP' || e.code === 'ENOTDIR')
          throw new UnsafePathError(`${dir}: ${p} is a symbolic link or not a directory; refusing to write through it`);
        throw e;
      });
      await cur.close();
      cur = next;
    }
    return cur;
  } catch (e) {
    await cur.close();
    throw e;
  }
}

/** Throws unless `dir` is owned by this process's user and writable by no one else. */
async function assertRootOnly(dirFh: fs.FileHandle, dir: string): Promise<void> {
  const st = await dirFh.stat();
  const uid = process.getuid?.() ?? 0;
  if (st.uid !== uid || (st.mode & 0o022) !== 0)
    throw new UnsafePathError(
      `${dir} is owned by uid ${st.uid} with mode ${(st.mode & 0o7777).toString(8)}; it must be owned by uid ${uid} and writable by no one else`,
    );
}

export interface SafeWriteOptions {
  /** Mode of the new file (default 0600). */
  mode?: number;
  /** Refuse unless the directory is owned by us and not group/other-writable. */
  rootOnly?: boolean;
  /** Group of the new file (e.g. FRR's, so it can read what it must). */
  gid?: number;
}

/** Writes `data` as `dir/name` with no-follow, exclusive-create then rename semantics. */
export async function writeFileSafe(dir: string, name: string, data: string | Uint8Array, o: SafeWriteOptions = {}): Promise<void> {
  if (name.includes('/') || name === '.' || name === '..') throw new UnsafePathError(`bad file name ${name}`);
  const d = await openDirNoFollow(dir);
  try {
    if (o.rootOnly) await assertRootOnly(d, dir);
    const tmp = `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const mode = o.mode ?? 0o600;
    const fh = await fs.open(at(d, tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
    try {
      await fh.chmod(mode); // the umask may have narrowed or the caller widened it
      if (o.gid !== undefined) await fh.chown(-1, o.gid);
      await fh.writeFile(data);
      await fh.sync();
    } catch (e) {
      await fh.close();
      await fs.rm(at(d, tmp), { force: true });
      throw e;
    }
    await fh.close();
    await fs.rename(at(d, tmp), at(d, name));
  } finally {
    await d.close();
  }
}

/** Creates `dir/name` empty when it does not exist; never opens an existing entry. */
export async function ensureFileSafe(dir: string, name: string, o: SafeWriteOptions = {}): Promise<void> {
  const d = await openDirNoFollow(dir);
  try {
    const fh = await fs.open(at(d, name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, o.mode ?? 0o600).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') return undefined;
      throw e;
    });
    if (fh && o.gid !== undefined) await fh.chown(-1, o.gid);
    await fh?.close();
  } finally {
    await d.close();
  }
}

/** Removes `dir/name` (no error when missing), reaching `dir` without following symlinks. */
export async function removeFileSafe(dir: string, name: string): Promise<void> {
  const d = await openDirNoFollow(dir);
  try {
    await fs.rm(at(d, name), { force: true });
  } finally {
    await d.close();
  }
}

/**
 * Creates `dir` (and missing parents) for our own use: mode `mode` (0700 or 0750), owned by
 * us; an existing one is tightened to `mode`. Refuses a directory someone else owns.
 */
export async function ensurePrivateDir(dir: string, mode = 0o700, gid?: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode });
  const d = await openDirNoFollow(dir);
  try {
    const st = await d.stat();
    const uid = process.getuid?.() ?? 0;
    if (st.uid !== uid) throw new UnsafePathError(`${dir} is owned by uid ${st.uid}, not by uid ${uid}; refusing to use it`);
    if ((st.mode & 0o7777) !== mode) await d.chmod(mode);
    if (gid !== undefined && st.gid !== gid) await d.chown(uid, gid);
  } finally {
    await d.close();
  }
}
