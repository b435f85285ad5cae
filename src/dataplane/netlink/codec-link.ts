// Decoding of the two messages every observation reads by the thousand (RTM_NEWLINK,
// RTM_NEWADDR): one pass over the attributes, reading the few that perouterd uses in place.
// A link message is ~1.5 KiB of ~50 attributes (bridge options, IPv6 settings, queue
// counts); building a map of views of all of them cost more than the rest of the diff
// (13 µs a link, 70 ms at 5400 links). Same results as parseAttrs + get*: a repeated
// attribute counts by its last occurrence, a short one as absent.
import * as K from './constants.js';
import { afToFamily, align4, formatIp, formatMac } from './codec-core.js';
import type { AddrInfo, LinkInfo } from './types.js';

/** Calls `each(type, valueStart, valueEnd)` for the attributes in buf[start, end). */
function eachAttr(buf: Buffer, start: number, end: number, each: (type: number, v: number, vEnd: number) => void): void {
  let off = start;
  while (off + 4 <= end) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > end) return; // truncated tail: ignore, like the kernel's nla_for_each
    each(buf.readUInt16LE(off + 2) & K.NLA_TYPE_MASK, off + 4, off + len);
    off += align4(len);
  }
}

const u32 = (b: Buffer, v: number, e: number): number | undefined => (e - v >= 4 ? b.readUInt32LE(v) : undefined);
const u8 = (b: Buffer, v: number, e: number): number | undefined => (e - v >= 1 ? b[v] : undefined);
function str(b: Buffer, v: number, e: number): string {
  const nul = b.indexOf(0, v);
  return b.toString('utf8', v, nul < 0 || nul >= e ? e : nul);
}

/** A range of `b`, or undefined. */
type Span = [number, number] | undefined;

function vxlanOf(b: Buffer, [start, end]: [number, number]): NonNullable<LinkInfo['vxlan']> {
  let vni: number | undefined;
  let port: number | undefined;
  let learning: number | undefined;
  let local4: Span;
  let local6: Span;
  let dev: number | undefined;
  eachAttr(b, start, end, (t, v, e) => {
    if (t === K.IFLA_VXLAN_ID) vni = u32(b, v, e);
    else if (t === K.IFLA_VXLAN_PORT) port = e - v >= 2 ? b.readUInt16BE(v) : undefined;
    else if (t === K.IFLA_VXLAN_LEARNING) learning = u8(b, v, e);
    else if (t === K.IFLA_VXLAN_LOCAL) local4 = [v, e];
    else if (t === K.IFLA_VXLAN_LOCAL6) local6 = [v, e];
    else if (t === K.IFLA_VXLAN_LINK) dev = u32(b, v, e);
  });
  const vx: NonNullable<LinkInfo['vxlan']> = { vni: vni ?? 0, port: port ?? 0, learning: (learning ?? 0) !== 0 };
  const local = local4 ?? local6;
  if (local && (local[1] - local[0] === 4 || local[1] - local[0] === 16)) vx.local = formatIp(b.subarray(local[0], local[1]));
  if (dev !== undefined && dev !== 0) vx.dev = dev;
  return vx;
}

function bridgePortOf(b: Buffer, [start, end]: [number, number]): NonNullable<LinkInfo['bridgePort']> {
  const port: NonNullable<LinkInfo['bridgePort']> = {};
  eachAttr(b, start, end, (t, v, e) => {
    if (t === K.IFLA_BRPORT_NEIGH_SUPPRESS) {
      const x = u8(b, v, e);
      if (x === undefined) delete port.neighSuppress;
      else port.neighSuppress = x !== 0;
    } else if (t === K.IFLA_BRPORT_LEARNING) {
      const x = u8(b, v, e);
      if (x === undefined) delete port.learning;
      else port.learning = x !== 0;
    }
  });
  return port;
}

/** IFLA_LINKINFO: kind, VXLAN and VRF data, bridge-port flags. */
function linkInfoInto(link: LinkInfo, b: Buffer, start: number, end: number): void {
  let kind: string | undefined;
  let slaveKind: string | undefined;
  let data: Span;
  let slaveData: Span;
  eachAttr(b, start, end, (t, v, e) => {
    if (t === K.IFLA_INFO_KIND) kind = str(b, v, e);
    else if (t === K.IFLA_INFO_DATA) data = [v, e];
    else if (t === K.IFLA_INFO_SLAVE_KIND) slaveKind = str(b, v, e);
    else if (t === K.IFLA_INFO_SLAVE_DATA) slaveData = [v, e];
  });
  if (kind) link.kind = kind;
  if (data && kind === 'vxlan') link.vxlan = vxlanOf(b, data);
  else if (data && kind === 'vrf') {
    let table: number | undefined;
    eachAttr(b, data[0], data[1], (t, v, e) => {
      if (t === K.IFLA_VRF_TABLE) table = u32(b, v, e);
    });
    link.vrf = { table: table ?? 0 };
  }
  if (slaveKind === 'bridge' && slaveData) link.bridgePort = bridgePortOf(b, slaveData);
}

export function decodeLink(payload: Buffer): LinkInfo {
  const b = payload;
  if (b.length < K.IFINFOMSG_LEN) throw new Error('short ifinfomsg');
  const flags = b.readUInt32LE(8);
  let name: string | undefined;
  let mtu: number | undefined;
  let group: number | undefined;
  let oper: number | undefined;
  let master: number | undefined;
  let mac: Span;
  let linkIndex: number | undefined;
  let nsid: number | undefined;
  let info: Span;
  eachAttr(b, K.IFINFOMSG_LEN, b.length, (t, v, e) => {
    switch (t) {
      case K.IFLA_IFNAME:
        name = str(b, v, e);
        break;
      case K.IFLA_MTU:
        mtu = u32(b, v, e);
        break;
      case K.IFLA_GROUP:
        group = u32(b, v, e);
        break;
      case K.IFLA_OPERSTATE:
        oper = u8(b, v, e);
        break;
      case K.IFLA_MASTER:
        master = u32(b, v, e);
        break;
      case K.IFLA_ADDRESS:
        mac = [v, e];
        break;
      case K.IFLA_LINK:
        linkIndex = u32(b, v, e);
        break;
      case K.IFLA_LINK_NETNSID:
        nsid = e - v >= 4 ? b.readInt32LE(v) : undefined;
        break;
      case K.IFLA_LINKINFO:
        info = [v, e];
        break;
    }
  });
  const link: LinkInfo = { index: b.readInt32LE(4), name: name ?? '', up: (flags & K.IFF_UP) !== 0, mtu: mtu ?? 0, group: group ?? 0 };
  if (oper !== undefined) link.operUp = oper === K.IF_OPER_UP || (oper === K.IF_OPER_UNKNOWN && (flags & K.IFF_LOWER_UP) !== 0);
  if (master !== undefined && master !== 0) link.master = master;
  if (mac && mac[1] > mac[0]) link.mac = formatMac(b.subarray(mac[0], mac[1]));
  if (linkIndex !== undefined) link.linkIndex = linkIndex;
  if (nsid !== undefined) link.linkNetnsId = nsid;
  if (info) linkInfoInto(link, b, info[0], info[1]);
  return link;
}

export function decodeAddr(payload: Buffer): AddrInfo | undefined {
  const b = payload;
  if (b.length < K.IFADDRMSG_LEN) throw new Error('short ifaddrmsg');
  const family = afToFamily(b[0] ?? 0);
  if (!family) return undefined;
  let local: Span;
  let address: Span;
  let flags: number | undefined;
  eachAttr(b, K.IFADDRMSG_LEN, b.length, (t, v, e) => {
    if (t === K.IFA_LOCAL) local = [v, e];
    else if (t === K.IFA_ADDRESS) address = [v, e];
    else if (t === K.IFA_FLAGS) flags = u32(b, v, e);
  });
  // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point links.
  const addr = local ?? address;
  if (!addr) return undefined;
  return {
    index: b.readUInt32LE(4),
    family,
    address: formatIp(b.subarray(addr[0], addr[1])),
    prefixLen: b[1] ?? 0,
    scope: b[3] ?? 0,
    flags: flags ?? b[2] ?? 0,
  };
}
