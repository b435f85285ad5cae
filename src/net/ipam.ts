// Per-node address planning (pure). Every node derives its addresses from the shared
// CIDRs and its own node index, so no coordination between nodes is needed:
//   VTEP       = host(tunnelEndpoint cidr, index)        as /32 or /128
//   router-id  = host(routerIDCIDR, index)  (upstream dropped its +1 in PR #693, Aug 2026)
//   veth PE    = host(pool, 0), or host(pool, 1) when the pool's network address ends in a 0 byte
//   veth host  = host(pool, index + 1), shifted by one more when the PE side moved to host(pool, 1)
// `host(cidr, n)` is the n-th address of the network, n = 0 being the network address.

import { type Cidr, familyBits, formatIP, parseCidr } from './ipnet.js';

export const DEFAULT_ROUTER_ID_CIDR = '10.0.0.0/24';

function toCidr(c: Cidr | string): Cidr {
  return typeof c === 'string' ? parseCidr(c) : c;
}

function hostValue(c: Cidr, n: number | bigint): bigint {
  const num = BigInt(n);
  if (num < 0n) throw new Error(`host number ${num} must not be negative`);
  const size = 1n << BigInt(familyBits(c.family) - c.prefixLen);
  if (num >= size) {
    throw new Error(`prefix ${formatIP(c.family, c.network)}/${c.prefixLen} does not accommodate host ${num}`);
  }
  return c.network + num;
}

/** The n-th address of the network (no prefix length), n = 0 being the network address. */
export function hostAddress(cidr: Cidr | string, n: number | bigint): string {
  const c = toCidr(cidr);
  return formatIP(c.family, hostValue(c, n));
}

/** VTEP address of this node in one tunnelEndpoint CIDR, as `/32` or `/128`. Index 0 gets the network address. */
export function vtepIP(cidr: Cidr | string, nodeIndex: number): string {
  const c = toCidr(cidr);
  return `${hostAddress(c, nodeIndex)}/${familyBits(c.family)}`;
}

/** VTEP addresses for all tunnelEndpoint CIDRs (at most one per family). */
export function vtepIPs(cidrs: readonly string[], nodeIndex: number): { ipv4?: string; ipv6?: string } {
  const out: { ipv4?: string; ipv6?: string } = {};
  for (const s of cidrs) {
    const c = parseCidr(s);
    if (c.family === 4) out.ipv4 = vtepIP(c, nodeIndex);
    else out.ipv6 = vtepIP(c, nodeIndex);
  }
  return out;
}

/** BGP router-id: host(routerIDCIDR, index), like the VTEP. The CIDR must be IPv4. */
export function routerID(routerIDCIDR: string | undefined, nodeIndex: number): string {
  const c = toCidr(routerIDCIDR ?? DEFAULT_ROUTER_ID_CIDR);
  if (c.family !== 4) throw new Error(`routerIDCIDR ${routerIDCIDR} must be an IPv4 CIDR`);
  return hostAddress(c, nodeIndex);
}

/**
 * Addresses of the two veth legs for one host-session pool, both with the pool's prefix
 * length. The router (PE) side is the same on every node; the host side differs.
 */
export function vethIPs(poolCidr: Cidr | string, nodeIndex: number): { pe: string; host: string } {
  const c = toCidr(poolCidr);
  const lastByteZero = (c.network & 0xffn) === 0n;
  const peN = lastByteZero ? 1 : 0;
  const hostN = BigInt(nodeIndex) + 1n + BigInt(peN);
  return {
    pe: `${hostAddress(c, peN)}/${c.prefixLen}`,
    host: `${hostAddress(c, hostN)}/${c.prefixLen}`,
  };
}

/** Fixed MAC of an L2VNI's distributed gateway: `00:f3` followed by (vni + 1) as 4 big-endian bytes. */
export function distributedGatewayMac(vni: number): string {
  const v = (vni + 1) >>> 0;
  const bytes = [0x00, 0xf3, (v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
