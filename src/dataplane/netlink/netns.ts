// Named network namespaces, iproute2-compatible (`ip netns list/exec` work on
// ours and we work on theirs), and the main-thread setns() bracket.
//
// setns() only affects the calling thread. Everything here runs synchronously
// on the JS thread, never on the libuv threadpool (whose threads stay in the
// host netns), and never awaits while switched: while the thread is in another
// netns, any socket it opens (including Node's own) lands there.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as K from './constants.js';
import { errnoName } from './errno.js';
import { NetlinkError } from './error.js';
import { libc } from './libc.js';

const SELF_NETNS = '/proc/thread-self/ns/net'; // not /proc/self: that is the thread-group leader

/** Directory of named netns files: '/run/netns', or $PEROUTERD_NETNS_DIR (tests). */
export function netnsDir(): string {
  return process.env['PEROUTERD_NETNS_DIR'] || '/run/netns';
}

function nsFile(name: string): string {
  if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\0') || name.length > 255) {
    throw new TypeError(`invalid netns name: ${JSON.stringify(name)}`);
  }
  return path.join(netnsDir(), name);
}

/** A netns file argument: a path (contains '/') or a name under netnsDir(). */
export function resolveNetnsPath(nameOrPath: string): string {
  return nameOrPath.includes('/') ? nameOrPath : nsFile(nameOrPath);
}

function sysFail(op: string, errno: number): never {
  throw new NetlinkError(op, errno);
}

function isNsfs(p: string): boolean {
  try {
    return fs.statfsSync(p).type === K.NSFS_MAGIC;
  } catch {
    return false;
  }
}

/** True if /run/netns/NAME exists and is a mounted netns (not a stale file). */
export function netnsExists(name: string): boolean {
  return isNsfs(nsFile(name));
}

function restoreOrAbort(origFd: number): void {
  const r = libc.setns(origFd, K.CLONE_NEWNET);
  if (r.ret < 0) {
    // Continuing would run the daemon (and every socket it opens) in the wrong netns.
    process.stderr.write(`perouterd: FATAL: cannot return to the original network namespace: ${errnoName(r.errno)}\n`);
    libc.abort();
  }
}

/**
 * Run `fn` with the calling thread switched into the netns of `targetFd`.
 * `fn` must be synchronous; the original netns is restored in all cases
 * (the process aborts if that fails).
 */
export function withNetnsFd<T>(targetFd: number, fn: () => T): T {
  const orig = fs.openSync(SELF_NETNS, fs.constants.O_RDONLY);
  try {
    const r = libc.setns(targetFd, K.CLONE_NEWNET);
    if (r.ret < 0) sysFail('setns', r.errno);
    let result: T;
    try {
      result = fn();
    } finally {
      restoreOrAbort(orig);
    }
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
      throw new TypeError('runInNetns: fn must be synchronous (it returned a promise; its async part ran in the original netns)');
    }
    return result;
  } finally {
    fs.closeSync(orig);
  }
}

/** Like withNetnsFd, for a netns file path. */
export function withNetnsPath<T>(nsPath: string, fn: () => T): T {
  const fd = fs.openSync(nsPath, fs.constants.O_RDONLY);
  try {
    return withNetnsFd(fd, fn);
  } finally {
    fs.closeSync(fd);
  }
}

/** Run a synchronous fn inside the named netns on the main thread. */
export function runInNetnsSync<T>(name: string, fn: () => T): T {
  return withNetnsPath(nsFile(name), fn);
}

/** O_RDONLY fd of the named netns (for IFLA_NET_NS_FD); close with closeFd. libuv adds O_CLOEXEC. */
export function openNetnsFd(name: string): number {
  return fs.openSync(nsFile(name), fs.constants.O_RDONLY);
}

export function closeFd(fd: number): void {
  fs.closeSync(fd);
}

/**
 * Make the netns directory a shared mount point so the netns mounts propagate
 * to (and their removal from) other mount namespaces, like iproute2.
 */
function makeDirShared(dir: string): void {
  let bound = false;
  for (;;) {
    const r = libc.mount('', dir, 'none', K.MS_SHARED | K.MS_REC);
    if (r.ret === 0) return;
    // EINVAL: not a mount point yet. Bind it onto itself once, then retry.
    if (r.errno !== 22 || bound) sysFail(`mount --make-rshared ${dir}`, r.errno);
    const b = libc.mount(dir, dir, 'none', K.MS_BIND | K.MS_REC);
    if (b.ret < 0) sysFail(`mount --rbind ${dir} ${dir}`, b.errno);
    bound = true;
  }
}

/** Create /run/netns/NAME like `ip netns add`; returns quietly if it already exists (mounted). */
export function createNamedNetns(name: string): void {
  const file = nsFile(name);
  if (isNsfs(file)) return;
  const dir = netnsDir();
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  // Serialise the one-time mount setup with concurrent `ip netns add` (they lock the same directory).
  const lockFd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    libc.flock(lockFd, K.LOCK_EX); // best effort, as iproute2
    if (isNsfs(file)) return;
    makeDirShared(dir);
    let created = false;
    try {
      fs.closeSync(fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0));
      created = true;
    } catch (e) {
      // A stale, unmounted file (e.g. after a crash) is reused.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const orig = fs.openSync(SELF_NETNS, fs.constants.O_RDONLY);
    let failure: NetlinkError | undefined;
    try {
      const u = libc.unshare(K.CLONE_NEWNET);
      if (u.ret < 0) {
        failure = new NetlinkError('unshare(CLONE_NEWNET)', u.errno);
      } else {
        try {
          // Path resolution happens on this thread, so thread-self is the new netns.
          const m = libc.mount(SELF_NETNS, file, 'none', K.MS_BIND);
          if (m.ret < 0) failure = new NetlinkError(`mount --bind ${SELF_NETNS} ${file}`, m.errno);
        } finally {
          restoreOrAbort(orig);
        }
      }
    } finally {
      fs.closeSync(orig);
    }
    if (failure) {
      if (created) fs.rmSync(file, { force: true });
      throw failure;
    }
  } finally {
    libc.flock(lockFd, K.LOCK_UN);
    fs.closeSync(lockFd);
  }
}

/** `ip netns del`: detach the mount and remove the file; a missing netns is fine. */
export function deleteNamedNetns(name: string): void {
  const file = nsFile(name);
  const r = libc.umount2(file, K.MNT_DETACH);
  // EINVAL: not mounted (stale file); ENOENT: gone.
  if (r.ret < 0 && r.errno !== 22 && r.errno !== 2) sysFail(`umount ${file}`, r.errno);
  try {
    fs.unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/**
 * Puts a live namespace back at /run/netns/NAME (after someone deleted the
 * file while processes still run in it), like `ip netns attach`: a bind mount
 * of `nsPath` (an open fd's /proc/self/fd/N, or /proc/PID/ns/net).
 */
export function attachNamedNetns(name: string, nsPath: string): void {
  const file = nsFile(name);
  if (isNsfs(file)) return;
  if (!isNsfs(nsPath)) throw new NetlinkError(`attach ${name}: ${nsPath} is not a network namespace`, 22);
  const dir = netnsDir();
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  makeDirShared(dir);
  fs.closeSync(fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_CREAT, 0));
  const m = libc.mount(nsPath, file, 'none', K.MS_BIND);
  if (m.ret < 0) sysFail(`mount --bind ${nsPath} ${file}`, m.errno);
}

/** Inode of a namespace file (identity of the namespace), undefined when it cannot be read. */
export function netnsInode(nsPath: string): number | undefined {
  try {
    return fs.statSync(nsPath).ino;
  } catch {
    return undefined;
  }
}
