// NETLINK_ROUTE request socket.
//
// - Opened inside the target netns with a synchronous main-thread setns()
//   bracket (netns.ts); a socket keeps its netns for life, so later I/O may run
//   on any thread.
// - The kernel executes a request inside sendmsg() (DELLINK ~28 ms, a group
//   delete seconds, unbounded under rtnl_lock contention), so send() runs on the
//   libuv threadpool, never on the event loop. One send at a time keeps the
//   order; queued requests are coalesced into one datagram (the kernel handles
//   each message in turn and acks each one).
// - recv() also runs on the pool, and only while requests are sent and
//   unanswered: their replies are already queued by the time send() returns, so
//   it practically never blocks. SO_RCVTIMEO (1 s) bounds it anyway.
//   => each socket occupies at most 2 threadpool threads (one send + one recv).
//   Size UV_THREADPOOL_SIZE accordingly (the CLI does).
// - At most `window` requests are outstanding; replies are matched on
//   (seq, our port id).
// - ENOBUFS (receive queue overflow) rejects every outstanding request with
//   NetlinkError 'ENOBUFS' (outcome unknown: re-dump), drains the queue and
//   keeps the socket usable.
// - No event subscriptions: a request's notifications carry its seq/pid and
//   would be confused with its reply. Use a separate socket for events.
// Opening the socket is socket-open.ts; what each reply message does to its request
// (dump parts, interrupted or busy dumps retried, ACKs, errors) is socket-reply.ts.

import { decodeNlMsgs, encodeNlMsg, type NlMsg } from './codec.js';
import * as K from './constants.js';
import { EAGAIN, ECANCELED, EINTR, EMSGSIZE, ENOBUFS, ETIMEDOUT } from './errno.js';
import { NetlinkError } from './error.js';
import { libc } from './libc.js';
import { openNetlinkSocket } from './socket-open.js';
import { replyOutcome, type Request } from './socket-reply.js';

export interface NetlinkSocketOptions {
  /** netns file to open the socket in (default: the caller's current netns). */
  netnsPath?: string;
  /** Alternatively an open netns fd. */
  netnsFd?: number;
  /** Max outstanding requests (default 32). */
  window?: number;
  /** @internal tests: plain SO_RCVBUF instead of the 8 MiB SO_RCVBUFFORCE, to provoke ENOBUFS. */
  testRcvBuf?: number;
}

const RECV_BUF_LEN = 64 << 10; // dump datagrams are <= 32 KiB; MSG_TRUNC detects more
const MAX_BATCH_BYTES = 32 << 10;
const IDLE_TIMEOUTS = 10; // x SO_RCVTIMEO: sent requests with no reply at all -> ETIMEDOUT

/** Told when each request ends: its kind (`RTM_NEWLINK`) and, when it failed, the errno name. */
export type RequestListener = (kind: string, errno?: string) => void;
let requestListener: RequestListener | undefined;

/**
 * One listener for every socket of the process (the metrics count requests and errors by
 * kind here instead of at each call site). It must be cheap and never throw.
 */
export function setRequestListener(l: RequestListener | undefined): void {
  requestListener = l;
}

export class NetlinkSocket {
  readonly fd: number;
  /** Our netlink port id (nl_pid), assigned by the kernel at bind. */
  readonly pid: number;
  private readonly window: number;
  private seq = 0;
  private readonly queue: Request[] = [];
  private readonly inflight = new Map<number, Request>();
  /** Interrupted dumps waiting to be sent again (requests queued later may overtake them). */
  private readonly waiting = new Set<Request>();
  private dumpInFlight = false;
  private sendBusy = false;
  private recvBusy = false;
  private draining = false;
  private idleTimeouts = 0;
  private closed = false;
  private fdClosed = false;
  private readonly rbuf = Buffer.alloc(RECV_BUF_LEN);
  /** Counters for logs/metrics and tests. */
  readonly stats = { sends: 0, datagrams: 0, dumpRetries: 0, overruns: 0 };

  constructor(opts: NetlinkSocketOptions = {}) {
    this.window = Math.max(1, opts.window ?? 32);
    ({ fd: this.fd, pid: this.pid } = openNetlinkSocket(opts));
  }

  /** Requests sent or queued and not yet answered. */
  get pending(): number {
    return this.queue.length + this.waiting.size + this.inflight.size;
  }

  /**
   * Send one request and collect its reply messages:
   * - a dump (RTM_GET* with NLM_F_DUMP): every part up to NLMSG_DONE;
   * - another RTM_GET*: its single reply message (no ACK asked: it would only
   *   double the messages and receive-queue use);
   * - a change: nothing, completed by the ACK (NLM_F_ACK is always added, so
   *   success is confirmed, not assumed).
   * Errors arrive as NLMSG_ERROR in every case. NLM_F_REQUEST is added.
   */
  request(op: string, type: number, flags: number, payload: Buffer): Promise<NlMsg[]> {
    return this.enqueue(op, type, flags, payload) as Promise<NlMsg[]>;
  }

  /**
   * A dump whose messages are decoded as each datagram arrives, straight from the
   * receive buffer: no copy of the messages, and the decoding is spread over the
   * receive callbacks (~20 links each) instead of one block after the last part.
   * `decode` returning undefined skips the message; a throw fails this dump only (once
   * it is read to its end, so the socket stays usable).
   */
  dump<T>(op: string, type: number, payload: Buffer, decode: (m: NlMsg) => T | undefined): Promise<T[]> {
    return this.enqueue(op, type, K.NLM_F_DUMP, payload, decode) as Promise<T[]>;
  }

  private enqueue(op: string, type: number, flags: number, payload: Buffer, decode?: (m: NlMsg) => unknown): Promise<unknown[]> {
    if (this.closed) return Promise.reject(new NetlinkError(op, ECANCELED));
    const get = isGet(type);
    const dump = get && (flags & K.NLM_F_DUMP) === K.NLM_F_DUMP;
    const p = new Promise<unknown[]>((resolve, reject) => {
      this.queue.push({
        seq: 0,
        op,
        type,
        flags: flags | K.NLM_F_REQUEST | (get ? 0 : K.NLM_F_ACK),
        payload,
        dump,
        get,
        sent: false,
        intr: false,
        retries: 0,
        replies: [],
        ...(decode ? { decode } : {}),
        resolve,
        reject,
      });
      this.pump();
    });
    const listener = requestListener;
    if (listener !== undefined) {
      const kind = op.split(' ', 1)[0] ?? op;
      // A side branch: the caller still sees p's own rejection.
      p.then(
        () => listener(kind),
        (e: unknown) => listener(kind, e instanceof NetlinkError ? e.code : 'unknown'),
      );
    }
    return p;
  }

  /** Reject everything pending; the fd is closed once no pool call uses it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.queue, ...this.waiting, ...this.inflight.values()];
    this.waiting.clear();
    this.queue.length = 0;
    this.inflight.clear();
    for (const r of all) r.reject(new NetlinkError(r.op, ECANCELED));
    this.maybeCloseFd();
  }

  private maybeCloseFd(): void {
    // Closing while a pool thread is inside send/recv could let the fd number
    // be reused under it; wait (at most SO_RCVTIMEO) for it to return.
    if (this.closed && !this.fdClosed && !this.sendBusy && !this.recvBusy) {
      this.fdClosed = true;
      libc.close(this.fd);
    }
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0 || 1;
    return this.seq;
  }

  private pump(): void {
    if (this.closed || this.sendBusy || this.draining) return;
    const batch: Request[] = [];
    const bufs: Buffer[] = [];
    let bytes = 0;
    let dumpInBatch = this.dumpInFlight;
    while (this.queue.length > 0 && this.inflight.size < this.window) {
      const req = this.queue[0]!;
      // The kernel runs one dump per socket at a time (EBUSY otherwise): a dump
      // waits for the previous one's DONE; later requests keep their order.
      if (req.dump && dumpInBatch) break;
      req.seq = this.nextSeq();
      const msg = encodeNlMsg(req.type, req.flags, req.seq, this.pid, req.payload);
      if (batch.length > 0 && bytes + msg.length > MAX_BATCH_BYTES) break;
      this.queue.shift();
      if (req.dump) {
        dumpInBatch = true;
        this.dumpInFlight = true;
      }
      this.inflight.set(req.seq, req);
      batch.push(req);
      bufs.push(msg);
      bytes += msg.length;
    }
    if (batch.length === 0) return;
    const data = bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs);
    this.sendBusy = true;
    this.stats.sends++;
    libc.sendAsync(this.fd, data, 0, (res) => {
      this.sendBusy = false;
      if (this.closed) return this.maybeCloseFd();
      if (res.ret < 0 || res.error) {
        for (const req of batch) {
          if (this.inflight.get(req.seq) !== req) continue;
          this.complete(req);
          req.reject(res.error ?? new NetlinkError(req.op, res.errno));
        }
      } else {
        // Replies may have been handled already by a recv that raced this callback.
        for (const req of batch) req.sent = true;
        this.startRecv();
      }
      this.pump();
    });
  }

  private hasSentInflight(): boolean {
    for (const r of this.inflight.values()) if (r.sent) return true;
    return false;
  }

  private startRecv(): void {
    if (this.closed || this.recvBusy) return;
    if (!this.draining && !this.hasSentInflight()) return;
    this.recvBusy = true;
    const flags = K.MSG_TRUNC | (this.draining ? K.MSG_DONTWAIT : 0);
    libc.recvAsync(this.fd, this.rbuf, flags, (res) => {
      this.recvBusy = false;
      if (this.closed) return this.maybeCloseFd();
      try {
        this.onRecv(res.ret, res.errno, res.error);
      } catch (e) {
        // A bug in parsing must not leave promises hanging or kill the process.
        this.failInflight(() => (e instanceof Error ? e : new Error(String(e))));
      }
      this.startRecv();
      this.pump();
    });
  }

  private onRecv(ret: number, errno: number, error: Error | undefined): void {
    if (error) {
      this.failInflight(() => error);
      return;
    }
    if (ret < 0) {
      if (errno === EAGAIN || errno === EINTR) {
        if (this.draining) {
          this.draining = false; // queue empty: resume sending
        } else if (errno === EAGAIN && ++this.idleTimeouts >= IDLE_TIMEOUTS) {
          this.idleTimeouts = 0;
          this.failInflight((r) => new NetlinkError(r.op, ETIMEDOUT), true);
        }
        return;
      }
      // ENOBUFS: replies were dropped; nobody can tell which requests were applied.
      this.failInflight((r) => new NetlinkError(r.op, errno));
      if (errno === ENOBUFS) {
        this.stats.overruns++;
        this.draining = true;
      }
      return;
    }
    this.idleTimeouts = 0;
    this.stats.datagrams++;
    if (ret > this.rbuf.length) {
      // MSG_TRUNC: the datagram was larger than our buffer and its tail is lost.
      this.failInflight((r) => new NetlinkError(r.op, EMSGSIZE));
      this.draining = true;
      return;
    }
    for (const m of decodeNlMsgs(this.rbuf, ret)) this.dispatch(m);
  }

  private dispatch(m: NlMsg): void {
    if (m.pid !== this.pid) return;
    const req = this.inflight.get(m.seq);
    if (!req) return; // stale reply of a request we already gave up on
    const out = replyOutcome(req, m);
    switch (out.kind) {
      case 'wait':
        return;
      case 'resolve':
        this.complete(req);
        req.resolve(req.replies);
        return;
      case 'reject':
        this.complete(req);
        req.reject(out.error);
        return;
      case 'retry':
        this.retry(req, out.delayMs);
    }
  }

  private complete(req: Request): void {
    this.inflight.delete(req.seq);
    if (req.dump) this.dumpInFlight = false;
  }

  private retry(req: Request, delayMs = 0): void {
    this.stats.dumpRetries++;
    this.complete(req);
    req.retries++;
    req.intr = false;
    req.sent = false;
    req.replies = [];
    if (delayMs === 0) {
      this.queue.unshift(req);
      return;
    }
    this.waiting.add(req);
    setTimeout(() => {
      if (!this.waiting.delete(req)) return; // closed meanwhile
      this.queue.unshift(req);
      this.pump();
    }, delayMs);
  }

  private failInflight(mkErr: (r: Request) => Error, sentOnly = false): void {
    for (const r of [...this.inflight.values()]) {
      if (sentOnly && !r.sent) continue;
      this.complete(r);
      r.reject(mkErr(r));
    }
  }
}

function isGet(type: number): boolean {
  // RTM_GET* are type % 4 == 2 in the rtnetlink numbering.
  return type >= K.RTM_NEWLINK && (type & 3) === 2;
}
