// Opening a NETLINK_ROUTE socket: created inside the target netns (a socket keeps its
// netns for life), then configured (extended ACKs, capped ACKs, strict dump checks, a
// receive buffer large enough for pipelined ACKs, a 1 s receive timeout) and bound.
import * as fs from 'node:fs';
import * as K from './constants.js';
import { NetlinkError } from './error.js';
import { libc } from './libc.js';
import { withNetnsFd } from './netns.js';
import type { NetlinkSocketOptions } from './socket.js';

const RCVBUF = 8 << 20; // pipelined ACKs overflow the 208 KiB default

function setInt(fd: number, level: number, name: number, value: number): ReturnType<typeof libc.setsockopt> {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value, 0);
  return libc.setsockopt(fd, level, name, b);
}

/** A configured, bound socket: its fd and the port id the kernel gave it. */
export function openNetlinkSocket(opts: NetlinkSocketOptions): { fd: number; pid: number } {
  const create = (): ReturnType<typeof libc.socket> => libc.socket(K.AF_NETLINK, K.SOCK_RAW | K.SOCK_CLOEXEC, K.NETLINK_ROUTE);
  let r: ReturnType<typeof libc.socket>;
  if (opts.netnsFd !== undefined) {
    r = withNetnsFd(opts.netnsFd, create);
  } else if (opts.netnsPath !== undefined) {
    const nsFd = fs.openSync(opts.netnsPath, fs.constants.O_RDONLY);
    try {
      r = withNetnsFd(nsFd, create);
    } finally {
      fs.closeSync(nsFd);
    }
  } else {
    r = create();
  }
  if (r.ret < 0) throw new NetlinkError('socket(AF_NETLINK)', r.errno);
  const fd = r.ret;
  try {
    return { fd, pid: configure(fd, opts) };
  } catch (e) {
    libc.close(fd);
    throw e;
  }
}

/** Socket options and bind; returns the port id. */
function configure(fd: number, opts: NetlinkSocketOptions): number {
  const check = (what: string, res: { ret: number; errno: number }): void => {
    if (res.ret < 0) throw new NetlinkError(what, res.errno);
  };
  // Extended ACK text, capped ACKs (no echo of our request) and strict
  // dump-filter checking.
  check('setsockopt(NETLINK_EXT_ACK)', setInt(fd, K.SOL_NETLINK, K.NETLINK_EXT_ACK, 1));
  check('setsockopt(NETLINK_CAP_ACK)', setInt(fd, K.SOL_NETLINK, K.NETLINK_CAP_ACK, 1));
  check('setsockopt(NETLINK_GET_STRICT_CHK)', setInt(fd, K.SOL_NETLINK, K.NETLINK_GET_STRICT_CHK, 1));
  if (opts.testRcvBuf !== undefined) {
    check('setsockopt(SO_RCVBUF)', setInt(fd, K.SOL_SOCKET, K.SO_RCVBUF, opts.testRcvBuf));
  } else if (setInt(fd, K.SOL_SOCKET, K.SO_RCVBUFFORCE, RCVBUF).ret < 0) {
    // No CAP_NET_ADMIN: take what rmem_max allows.
    setInt(fd, K.SOL_SOCKET, K.SO_RCVBUF, RCVBUF);
  }
  const tv = Buffer.alloc(16); // struct timeval { long tv_sec; long tv_usec; }
  tv.writeBigInt64LE(1n, 0);
  check('setsockopt(SO_RCVTIMEO)', libc.setsockopt(fd, K.SOL_SOCKET, K.SO_RCVTIMEO, tv));

  const sa = Buffer.alloc(12); // sockaddr_nl { u16 family; u16 pad; u32 pid; u32 groups }
  sa.writeUInt16LE(K.AF_NETLINK, 0);
  check('bind(AF_NETLINK)', libc.bind(fd, sa));
  const out = Buffer.alloc(12);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(12, 0);
  check('getsockname(AF_NETLINK)', libc.getsockname(fd, out, len));
  return out.readUInt32LE(4);
}
