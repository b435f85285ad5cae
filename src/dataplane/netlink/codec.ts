// Pure encode/decode of rtnetlink messages (no I/O).
// Netlink uses host byte order; this assumes a little-endian host (x86_64,
// arm64, riscv64). Network-order fields (IFLA_VXLAN_PORT) are big-endian.

import * as K from './constants.js';
import type { AddrInfo, LinkChange, LinkInfo, NewLink, NewLinkSpec, RouteInfo, RouteSpec } from './types.js';

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
const afToFamily = (af: number): 4 | 6 | undefined => (af === K.AF_INET ? 4 : af === K.AF_INET6 ? 6 : undefined);
export { familyToAf };

// --- links ------------------------------------------------------------------------

/** IFLA_LINKINFO for a new link: kind + kind-specific IFLA_INFO_DATA. */
export function encodeLinkInfo(spec: NewLinkSpec): Buffer {
  const data: Buffer[] = [];
  switch (spec.kind) {
    case 'bridge':
    case 'dummy':
      break;
    case 'vrf':
      data.push(attrU32(K.IFLA_VRF_TABLE, spec.table));
      break;
    case 'vxlan': {
      const local = parseIp(spec.local);
      data.push(attrU32(K.IFLA_VXLAN_ID, spec.vni));
      data.push(attr(local.family === 4 ? K.IFLA_VXLAN_LOCAL : K.IFLA_VXLAN_LOCAL6, local.bytes));
      data.push(attrBe16(K.IFLA_VXLAN_PORT, spec.port)); // network order; omitted = 8472
      data.push(attrU8(K.IFLA_VXLAN_LEARNING, spec.learning ? 1 : 0));
      if (spec.dev !== undefined) data.push(attrU32(K.IFLA_VXLAN_LINK, spec.dev));
      break;
    }
    case 'veth': {
      // VETH_INFO_PEER carries a whole struct ifinfomsg + IFLA_* attributes, not a plain nest.
      const peer: Buffer[] = [encodeIfInfoMsg({}), attrStr(K.IFLA_IFNAME, spec.peerName)];
      if (spec.peerMtu !== undefined) peer.push(attrU32(K.IFLA_MTU, spec.peerMtu));
      if (spec.peerNetnsFd !== undefined) peer.push(attrU32(K.IFLA_NET_NS_FD, spec.peerNetnsFd));
      data.push(attr(K.VETH_INFO_PEER, Buffer.concat(peer)));
      break;
    }
    default: {
      const never: never = spec;
      throw new TypeError(`unsupported link kind ${(never as { kind: string }).kind}`);
    }
  }
  const info = [attrStr(K.IFLA_INFO_KIND, spec.kind)];
  if (data.length) info.push(attrNest(K.IFLA_INFO_DATA, data));
  return attrNest(K.IFLA_LINKINFO, info);
}

function upFlags(up: boolean | undefined): { flags: number; change: number } {
  // ifi_change == 0 would mean "don't care"; only touch IFF_UP when asked.
  return up === undefined ? { flags: 0, change: 0 } : { flags: up ? K.IFF_UP : 0, change: K.IFF_UP };
}

/** RTM_NEWLINK payload for a new link. */
export function encodeNewLink(link: NewLink): Buffer {
  const parts = [encodeIfInfoMsg({ family: K.AF_UNSPEC, ...upFlags(link.up) }), attrStr(K.IFLA_IFNAME, link.name)];
  if (link.mtu !== undefined) parts.push(attrU32(K.IFLA_MTU, link.mtu));
  if (link.master !== undefined) parts.push(attrU32(K.IFLA_MASTER, link.master));
  if (link.group !== undefined) parts.push(attrU32(K.IFLA_GROUP, link.group));
  if (link.mac !== undefined) parts.push(attr(K.IFLA_ADDRESS, parseMac(link.mac)));
  if (link.netnsFd !== undefined) parts.push(attrU32(K.IFLA_NET_NS_FD, link.netnsFd));
  let spec = link.spec;
  // A veth pair with different MTUs silently drops large frames; default the peer to ours.
  if (spec.kind === 'veth' && spec.peerMtu === undefined && link.mtu !== undefined) {
    spec = { ...spec, peerMtu: link.mtu };
  }
  parts.push(encodeLinkInfo(spec));
  return Buffer.concat(parts);
}

/** RTM_SETLINK payload. */
export function encodeLinkChange(index: number, change: LinkChange): Buffer {
  const parts = [encodeIfInfoMsg({ family: K.AF_UNSPEC, index, ...upFlags(change.up) })];
  if (change.name !== undefined) parts.push(attrStr(K.IFLA_IFNAME, change.name));
  if (change.mtu !== undefined) parts.push(attrU32(K.IFLA_MTU, change.mtu));
  if (change.master !== undefined) parts.push(attrU32(K.IFLA_MASTER, change.master));
  if (change.group !== undefined) parts.push(attrU32(K.IFLA_GROUP, change.group));
  if (change.mac !== undefined) parts.push(attr(K.IFLA_ADDRESS, parseMac(change.mac)));
  if (change.netnsFd !== undefined) parts.push(attrU32(K.IFLA_NET_NS_FD, change.netnsFd));
  if (change.ipv6AddrGenMode !== undefined) {
    parts.push(attrNest(K.IFLA_AF_SPEC, [attrNest(K.AF_INET6, [attrU8(K.IFLA_INET6_ADDR_GEN_MODE, change.ipv6AddrGenMode)])]));
  }
  return Buffer.concat(parts);
}

/** AF_BRIDGE RTM_SETLINK payload setting bridge-port flags (`bridge link set dev X neigh_suppress on`). */
export function encodeBridgePortFlags(index: number, flags: { neighSuppress?: boolean; learning?: boolean }): Buffer {
  const port: Buffer[] = [];
  if (flags.neighSuppress !== undefined) port.push(attrU8(K.IFLA_BRPORT_NEIGH_SUPPRESS, flags.neighSuppress ? 1 : 0));
  if (flags.learning !== undefined) port.push(attrU8(K.IFLA_BRPORT_LEARNING, flags.learning ? 1 : 0));
  // The bridge parses IFLA_PROTINFO as a nest only when NLA_F_NESTED is set.
  return Buffer.concat([encodeIfInfoMsg({ family: K.AF_BRIDGE, index }), attrNest(K.IFLA_PROTINFO, port, true)]);
}

/** RTM_GETLINK payload for one link, by index or name. */
export function encodeGetLink(nameOrIndex: string | number): Buffer {
  if (typeof nameOrIndex === 'number') return encodeIfInfoMsg({ index: nameOrIndex });
  return Buffer.concat([encodeIfInfoMsg({}), attrStr(K.IFLA_IFNAME, nameOrIndex)]);
}

export function decodeLink(payload: Buffer): LinkInfo {
  const h = decodeIfInfoMsg(payload);
  const a = parseAttrs(payload, K.IFINFOMSG_LEN);
  const link: LinkInfo = {
    index: h.index,
    name: getStr(a.get(K.IFLA_IFNAME)) ?? '',
    up: (h.flags & K.IFF_UP) !== 0,
    mtu: getU32(a.get(K.IFLA_MTU)) ?? 0,
    group: getU32(a.get(K.IFLA_GROUP)) ?? 0,
  };
  const oper = getU8(a.get(K.IFLA_OPERSTATE));
  if (oper !== undefined) {
    link.operUp = oper === K.IF_OPER_UP || (oper === K.IF_OPER_UNKNOWN && (h.flags & K.IFF_LOWER_UP) !== 0);
  }
  const master = getU32(a.get(K.IFLA_MASTER));
  if (master !== undefined && master !== 0) link.master = master;
  const mac = a.get(K.IFLA_ADDRESS);
  if (mac && mac.length > 0) link.mac = formatMac(mac);
  const li = getU32(a.get(K.IFLA_LINK));
  if (li !== undefined) link.linkIndex = li;
  const nsid = getS32(a.get(K.IFLA_LINK_NETNSID));
  if (nsid !== undefined) link.linkNetnsId = nsid;

  const infoBuf = a.get(K.IFLA_LINKINFO);
  if (infoBuf) {
    const info = parseAttrs(infoBuf);
    const kind = getStr(info.get(K.IFLA_INFO_KIND));
    if (kind) link.kind = kind;
    const data = info.get(K.IFLA_INFO_DATA);
    if (data && kind === 'vxlan') {
      const d = parseAttrs(data);
      const local4 = d.get(K.IFLA_VXLAN_LOCAL);
      const local6 = d.get(K.IFLA_VXLAN_LOCAL6);
      const local = local4 ?? local6;
      const vx: NonNullable<LinkInfo['vxlan']> = {
        vni: getU32(d.get(K.IFLA_VXLAN_ID)) ?? 0,
        port: getBe16(d.get(K.IFLA_VXLAN_PORT)) ?? 0,
        learning: (getU8(d.get(K.IFLA_VXLAN_LEARNING)) ?? 0) !== 0,
      };
      if (local && (local.length === 4 || local.length === 16)) vx.local = formatIp(local);
      const dev = getU32(d.get(K.IFLA_VXLAN_LINK));
      if (dev !== undefined && dev !== 0) vx.dev = dev;
      link.vxlan = vx;
    } else if (data && kind === 'vrf') {
      link.vrf = { table: getU32(parseAttrs(data).get(K.IFLA_VRF_TABLE)) ?? 0 };
    }
    const slaveKind = getStr(info.get(K.IFLA_INFO_SLAVE_KIND));
    const slaveData = info.get(K.IFLA_INFO_SLAVE_DATA);
    if (slaveKind === 'bridge' && slaveData) {
      const d = parseAttrs(slaveData);
      const port: NonNullable<LinkInfo['bridgePort']> = {};
      const ns = getU8(d.get(K.IFLA_BRPORT_NEIGH_SUPPRESS));
      if (ns !== undefined) port.neighSuppress = ns !== 0;
      const learning = getU8(d.get(K.IFLA_BRPORT_LEARNING));
      if (learning !== undefined) port.learning = learning !== 0;
      link.bridgePort = port;
    }
  }
  return link;
}

// --- addresses ------------------------------------------------------------------------

/** RTM_NEWADDR / RTM_DELADDR payload. */
export function encodeAddr(index: number, cidr: string, opts: { noPrefixRoute?: boolean } = {}): Buffer {
  const c = parseCidr(cidr);
  // Like iproute2: loopback IPv4 addresses get host scope; the kernel picks for IPv6.
  const scope = c.family === 4 && c.bytes[0] === 127 ? K.RT_SCOPE_HOST : K.RT_SCOPE_UNIVERSE;
  const parts = [
    encodeIfAddrMsg({ family: familyToAf(c.family), prefixLen: c.prefixLen, scope, index }),
    attr(K.IFA_LOCAL, c.bytes),
    attr(K.IFA_ADDRESS, c.bytes),
  ];
  if (opts.noPrefixRoute) parts.push(attrU32(K.IFA_FLAGS, K.IFA_F_NOPREFIXROUTE));
  return Buffer.concat(parts);
}

export function decodeAddr(payload: Buffer): AddrInfo | undefined {
  const h = decodeIfAddrMsg(payload);
  const family = afToFamily(h.family);
  if (!family) return undefined;
  const a = parseAttrs(payload, K.IFADDRMSG_LEN);
  // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point links.
  const addr = a.get(K.IFA_LOCAL) ?? a.get(K.IFA_ADDRESS);
  if (!addr) return undefined;
  return {
    index: h.index,
    family,
    address: formatIp(addr),
    prefixLen: h.prefixLen,
    scope: h.scope,
    flags: getU32(a.get(K.IFA_FLAGS)) ?? h.flags,
  };
}

// --- routes ------------------------------------------------------------------------------

/** RTM_NEWROUTE (replace) or RTM_DELROUTE payload. */
export function encodeRoute(r: RouteSpec, forDelete: boolean): Buffer {
  const dst = parseCidr(r.dst);
  if (dst.family !== r.family) throw new TypeError(`route ${r.dst} is not IPv${r.family}`);
  const table = r.table ?? K.RT_TABLE_MAIN;
  const type = r.type ?? (forDelete ? K.RTN_UNSPEC : K.RTN_UNICAST);
  let scope: number;
  if (forDelete)
    scope = K.RT_SCOPE_NOWHERE; // "any scope", like `ip route del`
  else if (r.family === 4 && type === K.RTN_UNICAST && r.gateway === undefined && r.oif !== undefined) {
    scope = K.RT_SCOPE_LINK; // directly connected
  } else scope = K.RT_SCOPE_UNIVERSE;
  const parts = [
    encodeRtMsg({
      family: familyToAf(r.family),
      dstLen: dst.prefixLen,
      table: table > 255 ? K.RT_TABLE_COMPAT : table,
      protocol: r.protocol ?? (forDelete ? K.RTPROT_UNSPEC : K.RTPROT_STATIC),
      scope,
      type,
    }),
    attrU32(K.RTA_TABLE, table),
  ];
  if (dst.prefixLen > 0) parts.push(attr(K.RTA_DST, dst.bytes));
  if (r.gateway !== undefined) {
    const gw = parseIp(r.gateway);
    if (gw.family !== r.family) throw new TypeError(`gateway ${r.gateway} is not IPv${r.family}`);
    parts.push(attr(K.RTA_GATEWAY, gw.bytes));
  }
  if (r.oif !== undefined) parts.push(attrU32(K.RTA_OIF, r.oif));
  if (r.metric !== undefined) parts.push(attrU32(K.RTA_PRIORITY, r.metric));
  return Buffer.concat(parts);
}

/** Route dump request header; with NETLINK_GET_STRICT_CHK the kernel filters by table. */
export function encodeRouteDump(family: 4 | 6 | undefined, table?: number): Buffer {
  const parts = [encodeRtMsg({ family: familyToAf(family) })];
  if (table !== undefined) parts.push(attrU32(K.RTA_TABLE, table));
  return Buffer.concat(parts);
}

export function decodeRoute(payload: Buffer): RouteInfo | undefined {
  const h = decodeRtMsg(payload);
  const family = afToFamily(h.family);
  if (!family) return undefined;
  const a = parseAttrs(payload, K.RTMSG_LEN);
  const dstBuf = a.get(K.RTA_DST);
  const dst = dstBuf ? formatIp(dstBuf) : family === 4 ? '0.0.0.0' : '::';
  const route: RouteInfo = {
    table: getU32(a.get(K.RTA_TABLE)) ?? h.table,
    family,
    dst: `${dst}/${h.dstLen}`,
    protocol: h.protocol,
    type: h.type,
  };
  const gw = a.get(K.RTA_GATEWAY);
  if (gw) route.gateway = formatIp(gw);
  const oif = getU32(a.get(K.RTA_OIF));
  if (oif !== undefined) route.oif = oif;
  const metric = getU32(a.get(K.RTA_PRIORITY));
  if (metric !== undefined) route.metric = metric;
  return route;
}

// --- replies: NLMSG_ERROR / NLMSG_DONE ----------------------------------------------------

export interface NlErrorInfo {
  /** Positive errno; 0 = ACK. */
  errno: number;
  extack?: string;
  badAttrOffset?: number;
}

function parseExtack(payload: Buffer, tlvStart: number, info: NlErrorInfo): NlErrorInfo {
  if (tlvStart >= payload.length) return info;
  const tlv = parseAttrs(payload, tlvStart);
  const msg = getStr(tlv.get(K.NLMSGERR_ATTR_MSG));
  if (msg) info.extack = msg;
  const offs = getU32(tlv.get(K.NLMSGERR_ATTR_OFFS));
  if (offs !== undefined) info.badAttrOffset = offs;
  return info;
}

/**
 * struct nlmsgerr: int error, then the request's nlmsghdr (only the header when
 * NLM_F_CAPPED, i.e. NETLINK_CAP_ACK is on; the whole request otherwise), then
 * extack TLVs when NLM_F_ACK_TLVS.
 */
export function parseErrorPayload(payload: Buffer, flags: number): NlErrorInfo {
  if (payload.length < 4) return { errno: 0 };
  const info: NlErrorInfo = { errno: -payload.readInt32LE(0) || 0 }; // no -0
  if (!(flags & K.NLM_F_ACK_TLVS)) return info;
  let tlvStart = 4 + K.NLMSG_HDRLEN;
  if (!(flags & K.NLM_F_CAPPED) && payload.length >= 4 + K.NLMSG_HDRLEN) {
    tlvStart = 4 + align4(payload.readUInt32LE(4));
  }
  return parseExtack(payload, tlvStart, info);
}

/** NLMSG_DONE: int error (a dump can fail at its end), then extack TLVs when NLM_F_ACK_TLVS. */
export function parseDonePayload(payload: Buffer, flags: number): NlErrorInfo {
  if (payload.length < 4) return { errno: 0 };
  const info: NlErrorInfo = { errno: -payload.readInt32LE(0) || 0 }; // no -0
  return flags & K.NLM_F_ACK_TLVS ? parseExtack(payload, 4, info) : info;
}

/** Human-readable request name for errors, e.g. 'RTM_NEWLINK'. */
export function msgTypeName(type: number): string {
  const names: Record<number, string> = {
    [K.RTM_NEWLINK]: 'RTM_NEWLINK',
    [K.RTM_DELLINK]: 'RTM_DELLINK',
    [K.RTM_GETLINK]: 'RTM_GETLINK',
    [K.RTM_SETLINK]: 'RTM_SETLINK',
    [K.RTM_NEWADDR]: 'RTM_NEWADDR',
    [K.RTM_DELADDR]: 'RTM_DELADDR',
    [K.RTM_GETADDR]: 'RTM_GETADDR',
    [K.RTM_NEWROUTE]: 'RTM_NEWROUTE',
    [K.RTM_DELROUTE]: 'RTM_DELROUTE',
    [K.RTM_GETROUTE]: 'RTM_GETROUTE',
  };
  return names[type] ?? `nlmsg type ${type}`;
}
