// rtnetlink payloads: links, addresses, routes, and the NLMSG_ERROR / NLMSG_DONE replies.

import * as K from './constants.js';
import type { LinkChange, NewLink, NewLinkSpec, RouteInfo, RouteNexthop, RouteSpec } from './types.js';
import {
  afToFamily,
  align4,
  attr,
  attrBe16,
  attrNest,
  attrStr,
  attrU32,
  attrU8,
  decodeRtMsg,
  encodeIfAddrMsg,
  encodeIfInfoMsg,
  encodeRtMsg,
  familyToAf,
  formatIp,
  getStr,
  getU32,
  parseAttrs,
  parseCidr,
  parseIp,
  parseMac,
} from './codec-core.js';

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
  if (h.flags & K.RTNH_F_ONLINK) route.onlink = true;
  const mp = a.get(K.RTA_MULTIPATH);
  if (mp) route.nexthops = decodeMultipath(mp);
  return route;
}

/** RTA_MULTIPATH: a sequence of struct rtnexthop (len u16, flags u8, hops u8, ifindex s32) + attributes. */
function decodeMultipath(b: Buffer): RouteNexthop[] {
  const out: RouteNexthop[] = [];
  for (let off = 0; off + 8 <= b.length;) {
    const len = b.readUInt16LE(off);
    if (len < 8 || off + len > b.length) break;
    const nh: RouteNexthop = { oif: b.readInt32LE(off + 4) };
    if (b.readUInt8(off + 2) & K.RTNH_F_ONLINK) nh.onlink = true;
    const gw = parseAttrs(b, off + 8, off + len).get(K.RTA_GATEWAY);
    if (gw) nh.gateway = formatIp(gw);
    out.push(nh);
    off += align4(len);
  }
  return out;
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
    [K.RTM_NEWNEIGH]: 'RTM_NEWNEIGH',
    [K.RTM_GETNEIGH]: 'RTM_GETNEIGH',
  };
  return names[type] ?? `nlmsg type ${type}`;
}
