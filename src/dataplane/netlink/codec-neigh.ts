// Neighbour messages (RTM_GETNEIGH/RTM_NEWNEIGH): ARP/ND entries and, in the
// AF_BRIDGE family, bridge and VXLAN FDB entries. perouterd observes what FRR's
// zebra installs (the EVPN data-plane health check). Its writes: NTF_USE, which
// asks the kernel to re-confirm an entry that exists (the bridge refresher), and
// the EVPN patch, which puts back a router-MAC neighbour and its VXLAN FDB entry
// that zebra lost (dataplane/evpn-patch.ts).
import * as K from './constants.js';
import { afToFamily, attr, formatIp, formatMac, parseAttrs, parseIp, parseMac } from './codec-core.js';
import type { NeighEntry, NeighInfo } from './types.js';

/** struct ndmsg for a dump of one family (AF_BRIDGE: the FDB). */
export function encodeNeighDump(family: 4 | 6 | 'bridge'): Buffer {
  const b = Buffer.alloc(K.NDMSG_LEN);
  b.writeUInt8(family === 'bridge' ? K.AF_BRIDGE : family === 4 ? K.AF_INET : K.AF_INET6, 0);
  return b;
}

/**
 * RTM_NEWNEIGH body with NTF_USE for the entry `dst` on `ifindex`: no state and no
 * link-layer address, so the kernel treats it as a packet sent to that neighbour
 * (a STALE entry goes to DELAY and is probed by unicast ARP/NS). Sent without
 * NLM_F_CREATE it never makes an entry that is not there (ENOENT).
 */
export function encodeNeighUse(ifindex: number, dst: string): Buffer {
  const ip = parseIp(dst);
  const b = Buffer.alloc(K.NDMSG_LEN);
  b.writeUInt8(ip.family === 4 ? K.AF_INET : K.AF_INET6, 0);
  b.writeInt32LE(ifindex, 4);
  b.writeUInt16LE(0, 8); // ndm_state: left as it is
  b.writeUInt8(K.NTF_USE, 10);
  return Buffer.concat([b, attr(K.NDA_DST, ip.bytes)]);
}

/**
 * ndmsg + attributes naming one entry: an ARP/ND entry (family 4/6, `dst` the IP) or a
 * VXLAN FDB entry (family 'bridge', `mac`, `dst` the remote VTEP). Body of
 * RTM_NEWNEIGH (with the state and flags) and RTM_DELNEIGH.
 */
export function encodeNeighEntry(e: NeighEntry): Buffer {
  const b = Buffer.alloc(K.NDMSG_LEN);
  const dst = parseIp(e.dst);
  const af = e.family === 'bridge' ? K.AF_BRIDGE : dst.family === 4 ? K.AF_INET : K.AF_INET6;
  b.writeUInt8(af, 0);
  b.writeInt32LE(e.ifindex, 4);
  b.writeUInt16LE(e.state ?? 0, 8);
  b.writeUInt8(e.flags ?? 0, 10);
  return Buffer.concat([b, attr(K.NDA_DST, dst.bytes), ...(e.mac !== undefined ? [attr(K.NDA_LLADDR, parseMac(e.mac))] : [])]);
}

export function decodeNeigh(payload: Buffer): NeighInfo | undefined {
  if (payload.length < K.NDMSG_LEN) return undefined;
  const af = payload.readUInt8(0);
  const family = af === K.AF_BRIDGE ? 'bridge' : afToFamily(af);
  if (!family) return undefined;
  const n: NeighInfo = {
    family,
    ifindex: payload.readInt32LE(4),
    state: payload.readUInt16LE(8),
    flags: payload.readUInt8(10),
  };
  const a = parseAttrs(payload, K.NDMSG_LEN);
  const dst = a.get(K.NDA_DST);
  if (dst && (dst.length === 4 || dst.length === 16)) n.dst = formatIp(dst);
  const ll = a.get(K.NDA_LLADDR);
  if (ll && ll.length === 6) n.mac = formatMac(ll);
  return n;
}
