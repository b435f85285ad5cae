// Pure encode/decode of rtnetlink messages (no I/O): framing, attributes,
// addresses, fixed headers. Links, addresses, routes and replies: codec-rt.ts.
// Netlink uses host byte order; this assumes a little-endian host (x86_64,
// arm64, riscv64). Network-order fields (IFLA_VXLAN_PORT) are big-endian.

import * as K from './constants.js';

export const align4 = (n: number): number => (n + 3) & ~3;

// --- nlmsghdr -----------------------------------------------------------------

export interface NlMsg {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  /** Bytes after the 16-byte header (nlmsg_len - 16). */
  payload: Buffer;
}

export function encodeNlMsg(type: number, flags: number, seq: number, pid: number, payload: Buffer): Buffer {
  const len = K.NLMSG_HDRLEN + payload.length;
  const out = Buffer.alloc(align4(len));
  out.writeUInt32LE(len, 0);
  out.writeUInt16LE(type, 4);
  out.writeUInt16LE(flags, 6);
  out.writeUInt32LE(seq >>> 0, 8);
  out.writeUInt32LE(pid >>> 0, 12);
  payload.copy(out, K.NLMSG_HDRLEN);
  return out;
}

/** Split a datagram into messages. Payloads are views into `buf` (copy if `buf` is reused). */
export function decodeNlMsgs(buf: Buffer, len = buf.length): NlMsg[] {
  const msgs: NlMsg[] = [];
  let off = 0;
  while (off + K.NLMSG_HDRLEN <= len) {
    const mlen = buf.readUInt32LE(off);
    if (mlen < K.NLMSG_HDRLEN || off + mlen > len) {
      throw new Error(`malformed netlink message at offset ${off}: nlmsg_len=${mlen}, datagram=${len}`);
    }
    msgs.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + K.NLMSG_HDRLEN, off + mlen),
    });
    off += align4(mlen);
  }
  return msgs;
}

// --- attributes (struct nlattr / rtattr: u16 len, u16 type, payload, pad to 4) --

export function attr(type: number, payload: Buffer): Buffer {
  const len = 4 + payload.length;
  const out = Buffer.alloc(align4(len));
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  payload.copy(out, 4);
  return out;
}

export const attrU8 = (type: number, v: number): Buffer => attr(type, Buffer.from([v & 0xff]));
export function attrU16(type: number, v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v, 0);
  return attr(type, b);
}
export function attrBe16(type: number, v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v, 0);
  return attr(type, b);
}
export function attrU32(type: number, v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0, 0);
  return attr(type, b);
}
export function attrS32(type: number, v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v, 0);
  return attr(type, b);
}
/** NUL-terminated string (NLA_STRING / NLA_NUL_STRING both accept it). */
export const attrStr = (type: number, s: string): Buffer => attr(type, Buffer.from(`${s}\0`, 'utf8'));

/**
 * Nested attribute. iproute2 leaves NLA_F_NESTED off for IFLA_LINKINFO and
 * friends and the kernel accepts both; strict-validated nests (bridge port
 * IFLA_PROTINFO) want it, so it is per call.
 */
export function attrNest(type: number, children: Buffer[], nestedFlag = false): Buffer {
  return attr(nestedFlag ? type | K.NLA_F_NESTED : type, Buffer.concat(children));
}

export type AttrMap = Map<number, Buffer>;

/** Attributes in buf[start, end) keyed by type (flag bits masked); payloads are views. */
export function parseAttrs(buf: Buffer, start = 0, end = buf.length): AttrMap {
  const out: AttrMap = new Map();
  let off = start;
  while (off + 4 <= end) {
    const len = buf.readUInt16LE(off);
    const type = buf.readUInt16LE(off + 2) & K.NLA_TYPE_MASK;
    if (len < 4 || off + len > end) break; // truncated tail: ignore, like the kernel's nla_for_each
    out.set(type, buf.subarray(off + 4, off + len));
    off += align4(len);
  }
  return out;
}

export const getU8 = (b: Buffer | undefined): number | undefined => (b && b.length >= 1 ? b.readUInt8(0) : undefined);
export const getU16 = (b: Buffer | undefined): number | undefined => (b && b.length >= 2 ? b.readUInt16LE(0) : undefined);
export const getBe16 = (b: Buffer | undefined): number | undefined => (b && b.length >= 2 ? b.readUInt16BE(0) : undefined);
export const getU32 = (b: Buffer | undefined): number | undefined => (b && b.length >= 4 ? b.readUInt32LE(0) : undefined);
export const getS32 = (b: Buffer | undefined): number | undefined => (b && b.length >= 4 ? b.readInt32LE(0) : undefined);
export function getStr(b: Buffer | undefined): string | undefined {
  if (!b) return undefined;
  const nul = b.indexOf(0);
  return b.toString('utf8', 0, nul < 0 ? b.length : nul);
}

// --- addresses ------------------------------------------------------------------

export interface IpAddr {
  family: 4 | 6;
  bytes: Buffer;
}

function parseIpv4(s: string): Buffer | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const b = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    b[i] = v;
  }
  return b;
}

function parseIpv6(s: string): Buffer | undefined {
  let text = s;
  const pct = text.indexOf('%');
  if (pct >= 0) text = text.slice(0, pct); // zone id is not part of the address
  let tail: Buffer | undefined; // embedded IPv4 (::ffff:1.2.3.4)
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.includes('.', lastColon)) {
    tail = parseIpv4(text.slice(lastColon + 1));
    if (!tail) return undefined;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0] ?? '');
  const rest = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (!head || !rest) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return undefined;
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(g, i * 2));
  if (tail) tail.copy(b, 12);
  return b;
}

export function parseIp(s: string): IpAddr {
  const v4 = parseIpv4(s);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = s.includes(':') ? parseIpv6(s) : undefined;
  if (v6) return { family: 6, bytes: v6 };
  throw new TypeError(`invalid IP address: ${JSON.stringify(s)}`);
}

export interface Cidr extends IpAddr {
  prefixLen: number;
}

/** '10.0.0.1/24' (a bare address means a host prefix). */
export function parseCidr(s: string): Cidr {
  const slash = s.indexOf('/');
  const ip = parseIp(slash < 0 ? s : s.slice(0, slash));
  const max = ip.family === 4 ? 32 : 128;
  let prefixLen = max;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) throw new TypeError(`invalid prefix length: ${JSON.stringify(s)}`);
    prefixLen = Number(p);
  }
  return { ...ip, prefixLen };
}

/** inet_ntop() output (same zero-run compression and embedded-IPv4 rules as glibc, so it matches `ip`). */
export function formatIp(b: Buffer): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) throw new TypeError(`address of ${b.length} bytes`);
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push(b.readUInt16BE(i * 2));
  // Longest run of >= 2 zero words, first one on ties.
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && w[i] === 0) {
      if (curBase < 0) curBase = i;
    } else if (curBase >= 0) {
      if (i - curBase > bestLen) {
        bestBase = curBase;
        bestLen = i - curBase;
      }
      curBase = -1;
    }
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    // ::a.b.c.d and ::ffff:a.b.c.d
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 7 && w[7] !== 1) || (bestLen === 5 && w[5] === 0xffff))) {
      out += `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
      break;
    }
    out += (w[i] ?? 0).toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

export function parseMac(s: string): Buffer {
  const parts = s.split(':');
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) {
    throw new TypeError(`invalid MAC address: ${JSON.stringify(s)}`);
  }
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

export const formatMac = (b: Buffer): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');

// --- fixed headers ----------------------------------------------------------------

export interface IfInfoMsg {
  family: number;
  type: number;
  index: number;
  flags: number;
  change: number;
}

export function encodeIfInfoMsg(m: Partial<IfInfoMsg>): Buffer {
  const b = Buffer.alloc(K.IFINFOMSG_LEN);
  b.writeUInt8(m.family ?? K.AF_UNSPEC, 0);
  b.writeUInt16LE(m.type ?? 0, 2);
  b.writeInt32LE(m.index ?? 0, 4);
  b.writeUInt32LE((m.flags ?? 0) >>> 0, 8);
  b.writeUInt32LE((m.change ?? 0) >>> 0, 12);
  return b;
}

export function decodeIfInfoMsg(b: Buffer): IfInfoMsg {
  if (b.length < K.IFINFOMSG_LEN) throw new Error('short ifinfomsg');
  return {
    family: b.readUInt8(0),
    type: b.readUInt16LE(2),
    index: b.readInt32LE(4),
    flags: b.readUInt32LE(8),
    change: b.readUInt32LE(12),
  };
}

export interface IfAddrMsg {
  family: number;
  prefixLen: number;
  flags: number;
  scope: number;
  index: number;
}

export function encodeIfAddrMsg(m: Partial<IfAddrMsg>): Buffer {
  const b = Buffer.alloc(K.IFADDRMSG_LEN);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeUInt8(m.prefixLen ?? 0, 1);
  b.writeUInt8(m.flags ?? 0, 2);
  b.writeUInt8(m.scope ?? 0, 3);
  b.writeUInt32LE(m.index ?? 0, 4);
  return b;
}

export function decodeIfAddrMsg(b: Buffer): IfAddrMsg {
  if (b.length < K.IFADDRMSG_LEN) throw new Error('short ifaddrmsg');
  return { family: b[0] ?? 0, prefixLen: b[1] ?? 0, flags: b[2] ?? 0, scope: b[3] ?? 0, index: b.readUInt32LE(4) };
}

export interface RtMsg {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
}

export function encodeRtMsg(m: Partial<RtMsg>): Buffer {
  const b = Buffer.alloc(K.RTMSG_LEN);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeUInt8(m.dstLen ?? 0, 1);
  b.writeUInt8(m.srcLen ?? 0, 2);
  b.writeUInt8(m.tos ?? 0, 3);
  b.writeUInt8(m.table ?? 0, 4);
  b.writeUInt8(m.protocol ?? 0, 5);
  b.writeUInt8(m.scope ?? 0, 6);
  b.writeUInt8(m.type ?? 0, 7);
  b.writeUInt32LE(m.flags ?? 0, 8);
  return b;
}

export function decodeRtMsg(b: Buffer): RtMsg {
  if (b.length < K.RTMSG_LEN) throw new Error('short rtmsg');
  return {
    family: b[0] ?? 0,
    dstLen: b[1] ?? 0,
    srcLen: b[2] ?? 0,
    tos: b[3] ?? 0,
    table: b[4] ?? 0,
    protocol: b[5] ?? 0,
    scope: b[6] ?? 0,
    type: b[7] ?? 0,
    flags: b.readUInt32LE(8),
  };
}

const familyToAf = (f: 4 | 6 | undefined): number => (f === 4 ? K.AF_INET : f === 6 ? K.AF_INET6 : K.AF_UNSPEC);
export const afToFamily = (af: number): 4 | 6 | undefined => (af === K.AF_INET ? 4 : af === K.AF_INET6 ? 6 : undefined);
export { familyToAf };
