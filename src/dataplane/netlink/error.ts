import { errnoMessage, errnoName } from './errno.js';

/**
 * A failed kernel operation. `errno` is the positive Linux errno, `code` its
 * name ('EEXIST'), `op` what we asked for ('RTM_NEWLINK vx100'), `extack` the
 * kernel's extended-ack text when it sent one (it is the only way to tell
 * "module missing" from "cannot change" behind EOPNOTSUPP).
 *
 * code 'ENOBUFS' from a request means the socket's receive queue overflowed:
 * the request may or may not have been applied; re-dump to learn the state.
 */
export class NetlinkError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly op: string;
  readonly extack?: string;
  /** NLMSGERR_ATTR_OFFS: byte offset of the offending attribute in our request. */
  readonly badAttrOffset?: number;

  constructor(op: string, errno: number, extack?: string, badAttrOffset?: number) {
    const code = errnoName(errno);
    super(`${op}: ${code} (${errno}) ${errnoMessage(errno)}${extack ? `: ${extack}` : ''}`);
    this.name = 'NetlinkError';
    this.errno = errno;
    this.code = code;
    this.op = op;
    if (extack !== undefined) this.extack = extack;
    if (badAttrOffset !== undefined) this.badAttrOffset = badAttrOffset;
  }
}

export function isNetlinkError(e: unknown, code?: string): e is NetlinkError {
  return e instanceof NetlinkError && (code === undefined || e.code === code);
}

/** One short line for a failed request (`op: CODE (extack)`, no strerror text); other errors their message. */
export function errorText(e: unknown): string {
  if (e instanceof NetlinkError) return `${e.op}: ${e.code}${e.extack ? ` (${e.extack})` : ''}`;
  return e instanceof Error ? e.message : String(e);
}
