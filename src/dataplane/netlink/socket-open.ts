// Opening a NETLINK_ROUTE socket: created inside the target netns (a socket keeps its
// netns for life), then configured (extended ACKs, capped ACKs, strict dump checks, a
// receive buffer large enough for pipelined ACKs, a 1 s receive timeout) and bound.
// An event socket is created the same way and joins multicast groups instead.
import * as fs from 'node:fs';
import * as K from './constants.js';
import { NetlinkError } from './error.js';
import { libc } from './libc.js';
import { withNetnsFd } from './netns.js';
import type { NetlinkSocketOptions } from './socket.js';

const RCVBUF = 8 << 20; // pipelined ACKs overflow the 208 KiB default
// Events queue while the event loop is busy (a reconcile, a GC): a burst of thousands of
// neighbour or route changes fits; beyond it the reader sees ENOBUFS and resyncs.
const EVENT_RCVBUF = 16 << 20;

function setInt(fd: number, level: number, name: number, value: number): ReturnType<typeof libc.setsockopt> {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value, 0);
  return libc.setsockopt(fd, level, name, b);
}

/** A NETLINK_ROUTE socket created inside the netns `opts` names (the caller's when none). */
function createInNetns(opts: Pick<NetlinkSocketOptions, 'netnsFd' | 'netnsPath'>): number {
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
  return r.ret;
}

/** A configured, bound socket: its fd and the port id the kernel gave it. */
export function openNetlinkSocket(opts: NetlinkSocketOptions): { fd: number; pid: number } {
  const fd = createInNetns(opts);
  try {
    return { fd, pid: configure(fd, opts) };
  } catch (e) {
    libc.close(fd);
    throw e;
  }
}

/**
 * An event socket: bound, member of `groups` (RTNLGRP_*), with a receive buffer large
 * enough for bursts (EVENT_RCVBUF) and the 1 s receive timeout that lets its reader
 * notice a close. It sends nothing.
 */
export function openEventSocket(opts: Pick<NetlinkSocketOptions, 'netnsFd' | 'netnsPath' | 'testRcvBuf'>, groups: number[]): number {
  const fd = createInNetns(opts);
  const check = (what: string, res: { ret: number; errno: number }): void => {
    if (res.ret < 0) throw new NetlinkError(what, res.errno);
  };
  try {
    setRcvBuf(fd, opts.testRcvBuf, EVENT_RCVBUF, check);
    setRcvTimeout(fd, check);
    bind(fd, check);
    for (const g of groups) check(`setsockopt(NETLINK_ADD_MEMBERSHIP ${g})`, setInt(fd, K.SOL_NETLINK, K.NETLINK_ADD_MEMBERSHIP, g));
    return fd;
  } catch (e) {
    libc.close(fd);
    throw e;
  }
}

type Check = (what: string, res: { ret: number; errno: number }) => void;

function setRcvBuf(fd: number, test: number | undefined, size: number, check: Check): void {
  if (test !== undefined) {
    check('setsockopt(SO_RCVBUF)', setInt(fd, K.SOL_SOCKET, K.SO_RCVBUF, test));
  } else if (setInt(fd, K.SOL_SOCKET, K.SO_RCVBUFFORCE, size).ret < 0) {
    // No CAP_NET_ADMIN: take what rmem_max allows.
    setInt(fd, K.SOL_SOCKET, K.SO_RCVBUF, size);
  }
}

function setRcvTimeout(fd: number, check: Check): void {
  const tv = Buffer.alloc(16); // struct timeval { long tv_sec; long tv_usec; }
  tv.writeBigInt64LE(1n, 0);
  check('setsockopt(SO_RCVTIMEO)', libc.setsockopt(fd, K.SOL_SOCKET, K.SO_RCVTIMEO, tv));
}

function bind(fd: number, check: Check): number {
  const sa = Buffer.alloc(12); // sockaddr_nl { u16 family; u16 pad; u32 pid; u32 groups }
  sa.writeUInt16LE(K.AF_NETLINK, 0);
  check('bind(AF_NETLINK)', libc.bind(fd, sa));
  const out = Buffer.alloc(12);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(12, 0);
  check('getsockname(AF_NETLINK)', libc.getsockname(fd, out, len));
  return out.readUInt32LE(4);
}

/** Socket options and bind; returns the port id. */
function configure(fd: number, opts: NetlinkSocketOptions): number {
  const check: Check = (what, res) => {
    if (res.ret < 0) throw new NetlinkError(what, res.errno);
  };
  // Extended ACK text, capped ACKs (no echo of our request) and strict
  // dump-filter checking.
  check('setsockopt(NETLINK_EXT_ACK)', setInt(fd, K.SOL_NETLINK, K.NETLINK_EXT_ACK, 1));
  check('setsockopt(NETLINK_CAP_ACK)', setInt(fd, K.SOL_NETLINK, K.NETLINK_CAP_ACK, 1));
  check('setsockopt(NETLINK_GET_STRICT_CHK)', setInt(fd, K.SOL_NETLINK, K.NETLINK_GET_STRICT_CHK, 1));
  setRcvBuf(fd, opts.testRcvBuf, RCVBUF, check);
  setRcvTimeout(fd, check);
  return bind(fd, check);
}
