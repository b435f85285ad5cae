// IP addresses and prefixes parsed the way Go's net/netip parses them (ParseAddr, ParsePrefix),
// which is what kube-apiserver's CEL library (isIP, ip(), isCIDR, cidr()) builds on: IPv4 in
// dotted decimal only, no leading zeros, exactly four fields; IPv6 with at most one `::` that
// stands for at least one zero field, at most four hex digits per field, an embedded IPv4 only
// in the last 32 bits; a prefix length in decimal without sign or leading zero. Zones are
// refused here outright: Kubernetes refuses them after parsing, so its verdicts are the same.
// Test code only (the stand-in); perouterd's own IP library is src/net/ipnet.ts.

export interface Addr {
  /** 4 bytes (IPv4) or 16 (IPv6). */
  bytes: Uint8Array;
}

export interface Prefix {
  addr: Addr;
  bits: number;
}

function parseV4Fields(s: string, out: Uint8Array, at: number): boolean {
  const fields = s.split('.');
  if (fields.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const f = fields[i] as string;
    if (!/^[0-9]{1,3}$/.test(f)) return false;
    if (f.length > 1 && f[0] === '0') return false; // leading zeros: octal in some parsers, refused by Go
    const v = Number(f);
    if (v > 255) return false;
    out[at + i] = v;
  }
  return true;
}

function parseV6(s: string): Uint8Array | undefined {
  const ip = new Uint8Array(16);
  let ellipsis = -1;
  let rest = s;
  if (rest.startsWith('::')) {
    ellipsis = 0;
    rest = rest.slice(2);
    if (rest === '') return ip;
  }
  let i = 0;
  while (i < 16) {
    const m = /^[0-9a-fA-F]*/.exec(rest);
    const digits = m ? m[0] : '';
    if (digits.length === 0 || digits.length > 4) return undefined;
    if (rest[digits.length] === '.') {
      // Embedded IPv4: the last 32 bits, or anywhere after a `::`.
      if ((ellipsis < 0 && i !== 12) || i + 4 > 16) return undefined;
      if (!parseV4Fields(rest, ip, i)) return undefined;
      rest = '';
      i += 4;
      break;
    }
    const v = parseInt(digits, 16);
    ip[i] = v >> 8;
    ip[i + 1] = v & 0xff;
    i += 2;
    rest = rest.slice(digits.length);
    if (rest === '') break;
    if (rest[0] !== ':' || rest.length === 1) return undefined;
    rest = rest.slice(1);
    if (rest[0] === ':') {
      if (ellipsis >= 0) return undefined; // a second `::`
      ellipsis = i;
      rest = rest.slice(1);
      if (rest === '') break;
    }
  }
  if (rest !== '') return undefined;
  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const n = 16 - i;
    ip.copyWithin(ellipsis + n, ellipsis, i);
    ip.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    return undefined; // `::` standing for no field at all
  }
  return ip;
}

/** Go's netip.ParseAddr, zones refused. */
export function parseAddr(s: string): Addr | undefined {
  for (const c of s) {
    if (c === '.') {
      const b = new Uint8Array(4);
      return parseV4Fields(s, b, 0) ? { bytes: b } : undefined;
    }
    if (c === ':') {
      const b = parseV6(s);
      return b ? { bytes: b } : undefined;
    }
    if (c === '%') return undefined;
  }
  return undefined;
}

/** Go's netip.ParsePrefix (the address keeps its host bits). */
export function parsePrefix(s: string): Prefix | undefined {
  const slash = s.lastIndexOf('/');
  if (slash < 0) return undefined;
  const addr = parseAddr(s.slice(0, slash));
  if (!addr) return undefined;
  const bitsText = s.slice(slash + 1);
  if (!/^(0|[1-9][0-9]*)$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > addr.bytes.length * 8) return undefined;
  return { addr, bits };
}

export function family(a: Addr): 4 | 6 {
  return a.bytes.length === 4 ? 4 : 6;
}

/** ::ffff:a.b.c.d, which Kubernetes refuses. */
export function is4In6(a: Addr): boolean {
  const b = a.bytes;
  return b.length === 16 && b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
}

/** Go's Addr.String(): dotted decimal, or RFC 5952 (lower case, the first longest run of two or more zero fields as `::`). */
export function addrString(a: Addr): string {
  const b = a.bytes;
  if (b.length === 4) return [...b].join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((b[2 * i] as number) << 8) | (b[2 * i + 1] as number));
  let zs = -1;
  let ze = -1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i >= 2 && j - i > ze - zs) [zs, ze] = [i, j];
  }
  const hex = (from: number, to: number): string =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  return zs < 0 ? hex(0, 8) : `${hex(0, zs)}::${hex(ze, 8)}`;
}

export function masked(p: Prefix): Prefix {
  const out = new Uint8Array(p.addr.bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, p.bits - 8 * i));
    out[i] = (out[i] as number) & ((0xff << (8 - keep)) & 0xff);
  }
  return { addr: { bytes: out }, bits: p.bits };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Go's Prefix.Contains: false across families. */
export function prefixContains(p: Prefix, a: Addr): boolean {
  if (p.addr.bytes.length !== a.bytes.length) return false;
  return sameBytes(masked(p).addr.bytes, masked({ addr: a, bits: p.bits }).addr.bytes);
}

export function isUnspecified(a: Addr): boolean {
  return a.bytes.every((x) => x === 0);
}

export function isLoopback(a: Addr): boolean {
  const b = a.bytes;
  return b.length === 4 ? b[0] === 127 : b.slice(0, 15).every((x) => x === 0) && b[15] === 1;
}

export function isMulticast(a: Addr): boolean {
  const b = a.bytes;
  return b.length === 4 ? ((b[0] as number) & 0xf0) === 0xe0 : b[0] === 0xff;
}

/** 224.0.0.0/24, or ff02::/16 (Go checks the scope nibble). */
export function isLinkLocalMulticast(a: Addr): boolean {
  const b = a.bytes;
  return b.length === 4 ? b[0] === 224 && b[1] === 0 && b[2] === 0 : b[0] === 0xff && ((b[1] as number) & 0x0f) === 0x02;
}

/** 169.254.0.0/16, or fe80::/10. */
export function isLinkLocalUnicast(a: Addr): boolean {
  const b = a.bytes;
  return b.length === 4 ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && ((b[1] as number) & 0xc0) === 0x80;
}

/** As Go (and package net): private and ULA addresses count as global unicast. */
export function isGlobalUnicast(a: Addr): boolean {
  if (a.bytes.length === 4 && a.bytes.every((x) => x === 255)) return false;
  return !isUnspecified(a) && !isLoopback(a) && !isMulticast(a) && !isLinkLocalUnicast(a);
}
