// The few libc calls the service side needs and Node lacks: unix datagram
// sockets (sd_notify) and flock(2) (one instance per router namespace). Bound
// through koffi like the netlink transport, with its own tiny binding so the
// service side does not reach into the dataplane adapter.
import koffi from 'koffi';

const lib = koffi.load('libc.so.6');
const c = {
  socket: lib.func('int socket(int domain, int type, int protocol)'),
  sendto: lib.func('long sendto(int fd, void *buf, size_t len, int flags, void *addr, uint32_t addrlen)'),
  close: lib.func('int close(int fd)'),
  flock: lib.func('int flock(int fd, int op)'),
};

export const AF_UNIX = 1;
export const SOCK_DGRAM = 2;
export const SOCK_CLOEXEC = 0o2000000;
export const MSG_NOSIGNAL = 0x4000;
export const LOCK_EX = 2;
export const LOCK_NB = 4;

/** Returns the result, or -errno on failure. */
function call(fn: () => number): number {
  const r = fn();
  return r < 0 ? -koffi.errno() : r;
}

export const serviceLibc = {
  socket: (domain: number, type: number): number => call(() => c.socket(domain, type, 0) as number),
  sendto: (fd: number, buf: Buffer, addr: Buffer): number =>
    call(() => Number(c.sendto(fd, buf, buf.length, MSG_NOSIGNAL, addr, addr.length))),
  close: (fd: number): number => call(() => c.close(fd) as number),
  flock: (fd: number, op: number): number => call(() => c.flock(fd, op) as number),
};
