// libc bindings through koffi (prebuilt FFI: no compiler, no download at install).
//
// errno: koffi (>= 3.2) saves errno on the worker thread right after an
// `.async()` call returns and restores it around the JS completion callback, so
// `koffi.errno()` read as the FIRST thing in that callback is the worker's errno.
// The wrappers below do exactly that and hand back (result, errno) so no other
// code path can clobber it in between. Sync calls read errno immediately too.

import koffi from 'koffi';

const lib = koffi.load('libc.so.6');

const c = {
  socket: lib.func('int socket(int domain, int type, int protocol)'),
  bind: lib.func('int bind(int fd, void *addr, uint32_t addrlen)'),
  getsockname: lib.func('int getsockname(int fd, void *addr, void *addrlen)'),
  setsockopt: lib.func('int setsockopt(int fd, int level, int name, void *val, uint32_t len)'),
  getsockopt: lib.func('int getsockopt(int fd, int level, int name, void *val, void *len)'),
  send: lib.func('long send(int fd, void *buf, size_t len, int flags)'),
  recv: lib.func('long recv(int fd, void *buf, size_t len, int flags)'),
  close: lib.func('int close(int fd)'),
  setns: lib.func('int setns(int fd, int nstype)'),
  unshare: lib.func('int unshare(int flags)'),
  mount: lib.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, void *data)'),
  umount2: lib.func('int umount2(const char *target, int flags)'),
  flock: lib.func('int flock(int fd, int op)'),
  abort: lib.func('void abort()'),
};

/**
 * Buffers handed to a pool-thread call. koffi keeps only the callback of an
 * async call alive, not its arguments: it passes the raw pointer. A request
 * buffer nobody else references could be garbage-collected (and its memory
 * reused) while the call waits for a pool thread, so the kernel would read
 * whatever lies there, find no valid message and answer nothing: requests
 * then failed with ETIMEDOUT under load (GC pressure plus a busy threadpool,
 * e.g. `npm run bench` at 100 VNIs). Pinning them here until the callback
 * closes that hole.
 */
const pinned = new Set<Buffer>();

/** Result of a syscall: `ret` < 0 means failure and `errno` is set. */
export interface SysResult {
  ret: number;
  errno: number;
  /** Set only when koffi itself failed to make the call (a bug, not a syscall error). */
  error?: Error;
}

function asyncResult(err: unknown, ret: unknown, errno: number): SysResult {
  if (err) return { ret: -1, errno: 0, error: err instanceof Error ? err : new Error(String(err)) };
  const n = Number(ret);
  return { ret: n, errno: n < 0 ? errno : 0 };
}

function sync(fn: () => number): SysResult {
  const ret = fn();
  const errno = ret < 0 ? koffi.errno() : 0;
  return { ret, errno };
}

export const libc = {
  socket: (domain: number, type: number, protocol: number): SysResult => sync(() => c.socket(domain, type, protocol) as number),
  bind: (fd: number, addr: Buffer): SysResult => sync(() => c.bind(fd, addr, addr.length) as number),
  getsockname: (fd: number, addr: Buffer, lenBuf: Buffer): SysResult => sync(() => c.getsockname(fd, addr, lenBuf) as number),
  setsockopt: (fd: number, level: number, name: number, val: Buffer): SysResult =>
    sync(() => c.setsockopt(fd, level, name, val, val.length) as number),
  getsockopt: (fd: number, level: number, name: number, val: Buffer, lenBuf: Buffer): SysResult =>
    sync(() => c.getsockopt(fd, level, name, val, lenBuf) as number),
  close: (fd: number): SysResult => sync(() => c.close(fd) as number),
  setns: (fd: number, nstype: number): SysResult => sync(() => c.setns(fd, nstype) as number),
  unshare: (flags: number): SysResult => sync(() => c.unshare(flags) as number),
  mount: (source: string | null, target: string, fstype: string | null, flags: number): SysResult =>
    sync(() => c.mount(source, target, fstype, flags, null) as number),
  umount2: (target: string, flags: number): SysResult => sync(() => c.umount2(target, flags) as number),
  flock: (fd: number, op: number): SysResult => sync(() => c.flock(fd, op) as number),
  abort: (): never => {
    c.abort();
    throw new Error('abort() returned');
  },

  /**
   * send(2) on a libuv threadpool thread: the kernel runs a netlink request
   * inside sendmsg() (a DELLINK takes ~28 ms, a group delete seconds), so it
   * must never run on the event loop. `buf` is pinned until `cb` (see `pinned`).
   */
  sendAsync(fd: number, buf: Buffer, flags: number, cb: (r: SysResult) => void): void {
    pinned.add(buf);
    c.send.async(fd, buf, buf.length, flags, (err: unknown, ret: unknown) => {
      const errno = koffi.errno(); // first: see the header comment
      pinned.delete(buf);
      cb(asyncResult(err, ret, errno));
    });
  },

  /** recv(2) on a threadpool thread (same errno handling and pinning as sendAsync). */
  recvAsync(fd: number, buf: Buffer, flags: number, cb: (r: SysResult) => void): void {
    pinned.add(buf);
    c.recv.async(fd, buf, buf.length, flags, (err: unknown, ret: unknown) => {
      const errno = koffi.errno();
      pinned.delete(buf);
      cb(asyncResult(err, ret, errno));
    });
  },
};
