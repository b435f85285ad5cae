// rtnetlink event subscription: a socket of its own (never a request socket: a
// request's notifications carry its seq and would be taken for its reply), joined
// to multicast groups, opened inside the target netns like every socket here.
//
// - Reading: one recv() at a time on a libuv pool thread, which waits there for
//   the next event (SO_RCVTIMEO, 1 s, bounds each wait so a close is noticed).
//   It holds one pool thread for the subscription's life: the event loop itself
//   has no way to watch a netlink fd (libuv only adopts TCP, UDP and pipes), and
//   a timer polling with MSG_DONTWAIT would add its period to every event. The
//   CLI sizes UV_THREADPOOL_SIZE for it.
// - Overrun: when the receive queue overflows (the event loop was busy for long),
//   recv() fails with ENOBUFS and events are lost; `onOverrun` is told, so the
//   caller re-reads the whole state, and reading goes on.
import { decodeNlMsgs } from './codec-core.js';
import { decodeNeigh } from './codec-neigh.js';
import { decodeRoute } from './codec-rt.js';
import * as K from './constants.js';
import { EAGAIN, EINTR, ENOBUFS, errnoName } from './errno.js';
import { libc } from './libc.js';
import { resolveNetnsPath } from './netns.js';
import { openEventSocket } from './socket-open.js';
import type { NeighInfo, RouteInfo } from './types.js';

/** One change the kernel announced. `neigh` covers ARP/ND entries and (family 'bridge') FDB entries. */
export type RtEvent = { kind: 'neigh'; deleted: boolean; neigh: NeighInfo } | { kind: 'route'; deleted: boolean; route: RouteInfo };

export type RtEventGroup = 'neigh' | 'ipv4-route' | 'ipv6-route';

const GROUPS: Record<RtEventGroup, number> = {
  neigh: K.RTNLGRP_NEIGH,
  'ipv4-route': K.RTNLGRP_IPV4_ROUTE,
  'ipv6-route': K.RTNLGRP_IPV6_ROUTE,
};

export interface RtSubscriptionOptions {
  /** netns file ('/run/netns/NAME') or a bare name; undefined = the caller's netns. */
  netnsPath?: string;
  netnsFd?: number;
  groups: RtEventGroup[];
  /** @internal tests: a small plain SO_RCVBUF, to provoke ENOBUFS. */
  testRcvBuf?: number;
}

export interface RtSubscriptionHandlers {
  /** Each event, in the kernel's order. Must not throw. */
  event(e: RtEvent): void;
  /** Events were lost (ENOBUFS, or a datagram larger than the buffer): re-read the state. */
  overrun(why: string): void;
}

export interface RtSubscription {
  /** Stops reading; the fd is closed once the pool thread's wait returns (at most 1 s). */
  close(): void;
  readonly stats: { datagrams: number; events: number; overruns: number };
}

const RECV_BUF_LEN = 64 << 10;
/** After an unexpected receive error: wait before reading again rather than spin. */
const ERROR_PAUSE_MS = 1000;

export function subscribeRtNetlink(opts: RtSubscriptionOptions, on: RtSubscriptionHandlers): RtSubscription {
  const fd = openEventSocket(
    {
      ...(opts.netnsFd !== undefined ? { netnsFd: opts.netnsFd } : {}),
      ...(opts.netnsPath !== undefined ? { netnsPath: resolveNetnsPath(opts.netnsPath) } : {}),
      ...(opts.testRcvBuf !== undefined ? { testRcvBuf: opts.testRcvBuf } : {}),
    },
    opts.groups.map((g) => GROUPS[g]),
  );
  return new Subscription(fd, on);
}

class Subscription implements RtSubscription {
  readonly stats = { datagrams: 0, events: 0, overruns: 0 };
  private closed = false;
  private reading = false;
  private fdClosed = false;
  private pause: NodeJS.Timeout | undefined;
  private readonly buf = Buffer.alloc(RECV_BUF_LEN);

  constructor(
    private readonly fd: number,
    private readonly on: RtSubscriptionHandlers,
  ) {
    this.read();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.pause);
    this.maybeCloseFd();
  }

  private maybeCloseFd(): void {
    // Not while a pool thread waits in recv() on it: the number could be reused under it.
    if (this.closed && !this.reading && !this.fdClosed) {
      this.fdClosed = true;
      libc.close(this.fd);
    }
  }

  private read(): void {
    if (this.closed) return this.maybeCloseFd();
    this.reading = true;
    libc.recvAsync(this.fd, this.buf, K.MSG_TRUNC, (res) => {
      this.reading = false;
      if (this.closed) return this.maybeCloseFd();
      if (res.error || (res.ret < 0 && res.errno !== EAGAIN && res.errno !== EINTR && res.errno !== ENOBUFS)) {
        this.overrun(res.error ? res.error.message : `recv: ${errnoName(res.errno)}`);
        this.pause = setTimeout(() => this.read(), ERROR_PAUSE_MS);
        return;
      }
      if (res.ret < 0 && res.errno === ENOBUFS) this.overrun('ENOBUFS: the receive queue overflowed');
      else if (res.ret > this.buf.length) this.overrun(`a ${res.ret}-byte datagram did not fit the buffer`);
      else if (res.ret > 0) this.dispatch(res.ret);
      this.read();
    });
  }

  private overrun(why: string): void {
    this.stats.overruns++;
    this.on.overrun(why);
  }

  private dispatch(len: number): void {
    this.stats.datagrams++;
    for (const m of decodeNlMsgs(this.buf, len)) {
      const e = decodeEvent(m.type, m.payload);
      if (!e) continue;
      this.stats.events++;
      this.on.event(e);
    }
  }
}

/** An event message, decoded; undefined for what the subscription does not report. */
export function decodeEvent(type: number, payload: Buffer): RtEvent | undefined {
  if (type === K.RTM_NEWNEIGH || type === K.RTM_DELNEIGH) {
    const neigh = decodeNeigh(payload);
    return neigh && { kind: 'neigh', deleted: type === K.RTM_DELNEIGH, neigh };
  }
  if (type === K.RTM_NEWROUTE || type === K.RTM_DELROUTE) {
    const route = decodeRoute(payload);
    return route && { kind: 'route', deleted: type === K.RTM_DELROUTE, route };
  }
  return undefined;
}
