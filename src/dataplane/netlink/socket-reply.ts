// What a reply message does to the request it answers (socket.ts does the I/O and
// matches replies to requests on seq and port id):
// - a dump collects every part up to NLMSG_DONE, decoded as it arrives; it is retried
//   when the kernel says the object list changed meanwhile (NLM_F_DUMP_INTR) or that
//   another dump still runs on the socket (EBUSY), at most DUMP_RETRIES times;
// - another RTM_GET* is completed by its single reply message;
// - a change is completed by its ACK (NLMSG_ERROR with errno 0);
// - NLMSG_ERROR with an errno rejects the request.
import { parseDonePayload, parseErrorPayload, type NlMsg } from './codec.js';
import * as K from './constants.js';
import { EBUSY, EINTR } from './errno.js';
import { NetlinkError } from './error.js';

const DUMP_RETRIES = 5;
/**
 * Pause before each retry of an interrupted dump. Right after links come up, IPv6
 * autoconfiguration keeps changing addresses for about a second (DAD): an address dump
 * retried at once was interrupted every time (seen at 1000 VNIs on the host), so later
 * retries wait, 1.75 s in all.
 */
const INTR_RETRY_MS = [0, 50, 200, 500, 1000];

export interface Request {
  seq: number;
  op: string;
  type: number;
  flags: number;
  payload: Buffer;
  dump: boolean;
  /** Non-dump RTM_GET*: completed by its one reply. */
  get: boolean;
  sent: boolean;
  intr: boolean;
  retries: number;
  /** Reply messages (copies), or what `decode` made of them. */
  replies: unknown[];
  /** Decodes each reply message where it was received (dumps read by the thousand). */
  decode?: (m: NlMsg) => unknown;
  /** What `decode` threw: the dump is read to its end (the socket stays usable), then rejected with it. */
  decodeError?: Error;
  resolve: (replies: unknown[]) => void;
  reject: (e: Error) => void;
}

/** What the socket does with a request after one of its reply messages. */
export type ReplyOutcome =
  | { kind: 'wait' } // more to come (dump parts), or nothing for this request
  | { kind: 'resolve' }
  | { kind: 'reject'; error: Error }
  | { kind: 'retry'; delayMs: number };

const WAIT: ReplyOutcome = { kind: 'wait' };
const RESOLVE: ReplyOutcome = { kind: 'resolve' };

/** Takes `m` into `req` (its replies, its interrupted flag) and says what follows. */
export function replyOutcome(req: Request, m: NlMsg): ReplyOutcome {
  switch (m.type) {
    case K.NLMSG_NOOP:
    case K.NLMSG_OVERRUN:
      return WAIT;
    case K.NLMSG_ERROR: {
      const info = parseErrorPayload(m.payload, m.flags);
      if (info.errno === 0) return req.dump ? WAIT : RESOLVE; // a dump ends with DONE, not an ACK
      // Another dump (one we abandoned after ENOBUFS) is still running in the kernel.
      if (req.dump && info.errno === EBUSY && req.retries < DUMP_RETRIES) return { kind: 'retry', delayMs: 0 };
      return { kind: 'reject', error: new NetlinkError(req.op, info.errno, info.extack, info.badAttrOffset) };
    }
    case K.NLMSG_DONE: {
      if (!req.dump) return WAIT;
      const info = parseDonePayload(m.payload, m.flags);
      if ((m.flags & K.NLM_F_DUMP_INTR) !== 0) req.intr = true;
      if (info.errno !== 0 || req.decodeError)
        return { kind: 'reject', error: req.decodeError ?? new NetlinkError(req.op, info.errno, info.extack) };
      // The object list changed during the dump: it may be inconsistent. Start over.
      if (req.intr && req.retries < DUMP_RETRIES) return { kind: 'retry', delayMs: INTR_RETRY_MS[req.retries] ?? 0 };
      if (req.intr) return { kind: 'reject', error: new NetlinkError(req.op, EINTR, 'dump kept being interrupted (NLM_F_DUMP_INTR)') };
      return RESOLVE;
    }
    default:
      if ((m.flags & K.NLM_F_DUMP_INTR) !== 0) req.intr = true;
      if (req.decode) decodeInto(req, m);
      // Copy: the receive buffer is reused for the next datagram.
      else req.replies.push({ ...m, payload: Buffer.from(m.payload) });
      return req.get && !req.dump ? RESOLVE : WAIT;
  }
}

function decodeInto(req: Request, m: NlMsg): void {
  if (req.decodeError) return;
  try {
    const v = req.decode!(m);
    if (v !== undefined) req.replies.push(v);
  } catch (e) {
    req.decodeError = e instanceof Error ? e : new Error(String(e));
  }
}
