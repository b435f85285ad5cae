// Small, dependency-free IP address and prefix helpers shared by config validation and
// address planning. Addresses are held as BigInt so IPv4 and IPv6 share one code path.

export type Family = 4 | 6;

export interface IPAddr {
  family: Family;
  value: bigint;
}

/** A parsed prefix. `addr` is the address as written, `network` has the host bits cleared. */
export interface Cidr {
  family: Family;
  addr: bigint;
  network: bigint;
  prefixLen: number;
}

export function familyBits(f: Family): number {
  return f === 4 ? 32 : 128;
}

function allOnes(f: Family): bigint {
  return (1n << BigInt(familyBits(f))) - 1n;
}

/** Netmask of `prefixLen` bits for the family, as an integer. */
export function maskOf(f: Family, prefixLen: number): bigint {
  const bits = familyBits(f);
  return (allOnes(f) >> BigInt(bits - prefixLen)) << BigInt(bits - prefixLen);
}

// ---------------------------------------------------------------- parsing

function parseIPv4Value(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    // Decimal only, no leading zeros (Go's net.ParseIP refuses them too).
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIPv6Value(s: string): bigint | undefined {
  if (s.length === 0 || s.includes('%')) return undefined;
  let head = s;
  let tailV4: bigint | undefined;
  // An embedded dotted-quad is allowed as the last 32 bits.
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.slice(lastColon + 1).includes('.')) {
    tailV4 = parseIPv4Value(s.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = s.slice(0, lastColon + 1);
    // "::1.2.3.4" leaves "::" which is fine; "1::2:1.2.3.4" leaves "1::2:" -> strip one colon.
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const groupsWanted = tailV4 === undefined ? 8 : 6;
  const dbl = head.indexOf('::');
  if (dbl !== head.lastIndexOf('::')) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const left = parseGroups(head.slice(0, dbl));
    const right = parseGroups(head.slice(dbl + 2));
    if (!left || !right) return undefined;
    const missing = groupsWanted - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  } else {
    const all = parseGroups(head);
    if (!all || all.length !== groupsWanted) return undefined;
    groups = all;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  if (tailV4 !== undefined) v = (v << 32n) | tailV4;
  return v;
}

/** Parses an IPv4 or IPv6 address; undefined when invalid. Zones (`%eth0`) are refused. */
export function tryParseIP(s: string): IPAddr | undefined {
  if (typeof s !== 'string') return undefined;
  if (s.includes(':')) {
    const v = parseIPv6Value(s);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseIPv4Value(s);
  return v === undefined ? undefined : { family: 4, value: v };
}

export function parseIP(s: string): IPAddr {
  const ip = tryParseIP(s);
  if (!ip) throw new Error(`invalid IP address "${s}"`);
  return ip;
}

/**
 * Parses `addr/len`. Host bits may be set (like Go's net.ParseCIDR, the network is
 * the masked address); `addr` keeps the address as written.
 */
export function tryParseCidr(s: string): Cidr | undefined {
  if (typeof s !== 'string') return undefined;
  const slash = s.indexOf('/');
  if (slash < 0 || slash !== s.lastIndexOf('/')) return undefined;
  const ip = tryParseIP(s.slice(0, slash));
  const lenStr = s.slice(slash + 1);
  if (!ip || !/^(0|[1-9][0-9]{0,2})$/.test(lenStr)) return undefined;
  const prefixLen = Number(lenStr);
  if (prefixLen > familyBits(ip.family)) return undefined;
  return { family: ip.family, addr: ip.value, prefixLen, network: ip.value & maskOf(ip.family, prefixLen) };
}

export function parseCidr(s: string): Cidr {
  const c = tryParseCidr(s);
  if (!c) throw new Error(`invalid CIDR "${s}"`);
  return c;
}

/** Family of an address or prefix string; undefined when it is neither. */
export function family(s: string): Family | undefined {
  return (s.includes('/') ? tryParseCidr(s) : tryParseIP(s))?.family;
}

// ---------------------------------------------------------------- formatting

export function formatIP(f: Family, value: bigint): string {
  if (f === 4) {
    return [24n, 16n, 8n, 0n].map((sh) => ((value >> sh) & 0xffn).toString()).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on ties.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]): string => g.map((x) => x.toString(16)).join(':');
  if (bestLen < 2) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

export function formatAddr(ip: IPAddr): string {
  return formatIP(ip.family, ip.value);
}

/** `network/len`, the canonical masked form. */
export function formatNetwork(c: Cidr): string {
  return `${formatIP(c.family, c.network)}/${c.prefixLen}`;
}

/** Canonical text of an address string (lower-case, compressed); the input when invalid. */
export function canonicalIP(s: string): string {
  const ip = tryParseIP(s);
  return ip ? formatAddr(ip) : s;
}

// ---------------------------------------------------------------- relations

function asCidr(c: Cidr | string): Cidr {
  return typeof c === 'string' ? parseCidr(c) : c;
}

function asAddr(a: IPAddr | string): IPAddr {
  return typeof a === 'string' ? parseIP(a) : a;
}

/** Whether `ip` lies inside the prefix (different families never match). */
export function cidrContains(cidr: Cidr | string, ip: IPAddr | string): boolean {
  const c = asCidr(cidr);
  const a = asAddr(ip);
  if (c.family !== a.family) return false;
  return (a.value & maskOf(c.family, c.prefixLen)) === c.network;
}

/** Two prefixes overlap when one contains the other's network address. */
export function overlaps(a: Cidr | string, b: Cidr | string): boolean {
  const x = asCidr(a);
  const y = asCidr(b);
  if (x.family !== y.family) return false;
  return cidrContains(x, { family: y.family, value: y.network }) || cidrContains(y, { family: x.family, value: x.network });
}

/** The host part of an address: address AND NOT mask. */
export function hostPart(ip: IPAddr, prefixLen: number): bigint {
  return ip.value & ~maskOf(ip.family, prefixLen) & allOnes(ip.family);
}

/** Go's net.IP.IsGlobalUnicast for IPv6: not ::, ::1, multicast or link-local unicast. */
export function isGlobalUnicast(ip: IPAddr): boolean {
  if (ip.family === 4) {
    const v = ip.value;
    if (v === 0n || v === 0xffffffffn) return false;
    const first = v >> 24n;
    if (first === 127n || first >= 224n) return false; // loopback, multicast/reserved
    if (v >> 16n === 0xa9fen) return false; // 169.254/16
    return true;
  }
  if (ip.value === 0n || ip.value === 1n) return false;
  if (ip.value >> 120n === 0xffn) return false; // ff00::/8
  if (ip.value >> 118n === 0x3fan) return false; // fe80::/10
  return true;
}

/** ::ffff:a.b.c.d, an IPv4 address written as IPv6 (Kubernetes' isIP/isCIDR refuse it). */
export function isIPv4Mapped(ip: IPAddr): boolean {
  return ip.family === 6 && ip.value >> 32n === 0xffffn;
}

/**
 * Whether an IPv6 range is a link-local one: its address (as written, host bits included) lies
 * in fe80::/10. Upstream's CRD rule (cidr(x).ip().isLinkLocalUnicast()) means exactly this, so
 * a wider range that merely covers fe80::/10 (::/0) is not one.
 */
export function isIPv6LinkLocalPrefix(c: Cidr): boolean {
  return c.family === 6 && c.addr >> 118n === 0x3fan;
}
