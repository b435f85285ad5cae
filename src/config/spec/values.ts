// Value checks JSON Schema cannot express (upstream: CEL rules and the isIP/isCIDR helpers),
// shared by the per-kind spec checks and the validation steps.

import { type Family, isIPv4Mapped, tryParseCidr, tryParseIP } from '../../net/ipnet.js';

const INTERFACE_NAME_RE = /^[a-zA-Z][a-zA-Z0-9._-]*$/;
const IPV4_LIKE_RE = /^\d+\.\d+\.\d+\.\d+$/;
const DIGITS_RE = /^[0-9]+$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kernel-safe link name (VRFs, bridges, NICs): 1..15 chars of `[a-zA-Z0-9._-]`, starting with a letter. */
export function interfaceNameError(name: string): string | undefined {
  if (name.length === 0) return 'interface name cannot be empty';
  if (name.length > 15) return `interface name ${name} can't be longer than 15 characters`;
  if (!INTERFACE_NAME_RE.test(name)) return `interface name ${name} contains invalid characters`;
  return undefined;
}

/**
 * Route target syntax: `ASN:MN` or `A.B.C.D:MN`.
 * IPv4 admin → MN <= 65535; 2-byte ASN → MN <= 4294967295; 4-byte ASN → MN <= 65535.
 */
export function routeTargetError(rt: string): string | undefined {
  const parts = rt.split(':');
  if (parts.length !== 2) return `route target "${rt}" must be ASN:MN or A.B.C.D:MN`;
  const [admin, mnText] = parts as [string, string];
  const mn = DIGITS_RE.test(mnText) ? BigInt(mnText) : undefined;
  if (tryParseIP(admin)?.family === 4) {
    if (mn === undefined || mn > 65535n) return `route target "${rt}": A.B.C.D:MN needs MN <= 65535`;
    return undefined;
  }
  if (IPV4_LIKE_RE.test(admin)) return `route target "${rt}": ${admin} is not a valid IPv4 address`;
  if (!DIGITS_RE.test(admin) || BigInt(admin) > 4294967295n) {
    return `route target "${rt}" must be ASN:MN (ASN a number up to 4294967295) or A.B.C.D:MN`;
  }
  if (mn === undefined || mn > 18446744073709551615n) return `route target "${rt}": MN must be a number`;
  const asn = BigInt(admin);
  if (asn <= 65535n && mn > 4294967295n) return `route target "${rt}": with a 2-byte ASN, MN must be <= 4294967295`;
  if (asn > 65535n && mn > 65535n) return `route target "${rt}": with a 4-byte ASN, MN must be <= 65535`;
  return undefined;
}

/** Whether `name` is a valid Kubernetes object name (DNS-1123 subdomain). */
export function isValidObjectName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && DNS1123_SUBDOMAIN_RE.test(name);
}

/** A CIDR of the given family (or any family), or an error message. */
/** Why an address is not one Kubernetes' isIP() accepts (upstream's CEL rule on it), if it is not. */
export function kubeIPError(value: string): string | undefined {
  const ip = tryParseIP(value);
  if (!ip) return `"${value}" is not a valid IPv4 or IPv6 address`;
  if (isIPv4Mapped(ip)) return `"${value}" is an IPv4-mapped IPv6 address: write the IPv4 address`;
  return undefined;
}

/** Why a CIDR is not one Kubernetes' isCIDR() accepts (upstream's CEL rule on it), if it is not. */
export function kubeCidrError(value: string): string | undefined {
  const c = tryParseCidr(value);
  if (!c) return `"${value}" is not a valid CIDR`;
  if (isIPv4Mapped({ family: c.family, value: c.addr })) return `"${value}" is an IPv4-mapped IPv6 range: write it as IPv4`;
  return undefined;
}

export function cidrError(value: string, want?: Family): string | undefined {
  const c = tryParseCidr(value);
  if (!c) return `"${value}" is not a valid CIDR`;
  if (want !== undefined && c.family !== want) return `"${value}" must be an IPv${want} CIDR`;
  return undefined;
}

/** Gateway / tunnel CIDR lists: each a CIDR, at most one per family. */
export function cidrListError(values: readonly string[], what: string): { index?: number; message: string } | undefined {
  const seen = new Map<Family, string>();
  for (const [i, v] of values.entries()) {
    const c = tryParseCidr(v);
    const bad = kubeCidrError(v);
    if (!c || bad) return { index: i, message: bad ?? `"${v}" is not a valid CIDR` };
    const prev = seen.get(c.family);
    if (prev !== undefined) {
      return { index: i, message: `${what}: at most one IPv4 and one IPv6 CIDR (${prev} and ${v} are both IPv${c.family})` };
    }
    seen.set(c.family, v);
  }
  return undefined;
}
