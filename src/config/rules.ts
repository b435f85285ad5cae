// Checks JSON Schema cannot express (upstream: CEL rules and the isIP/isCIDR helpers),
// run on one static file after it passed the schema. Each issue carries the data path, so
// the loader can locate it in the YAML. The value checkers are shared with the semantic
// validation in validate.ts.

import type { HostSession, L2VNISpec, L3VNISpec, Neighbor, Severity, StaticConfigFile, UnderlaySpec } from './model.js';
import { type Cidr, cidrContains, type Family, isIPv6LinkLocalPrefix, tryParseCidr, tryParseIP } from '../net/ipnet.js';
import type { PathSeg } from './yaml-source.js';

export interface RuleIssue {
  severity: Severity;
  /** Data path of the offending value (`['l3vnis', 0, 'exportRTs', 1]`). */
  path: PathSeg[];
  message: string;
  /** Point at the key rather than at the value. */
  key?: boolean;
}

export const NOT_SUPPORTED = 'not supported yet by perouterd';

// ---------------------------------------------------------------- shared value checks

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
    if (!c) return { index: i, message: `"${v}" is not a valid CIDR` };
    const prev = seen.get(c.family);
    if (prev !== undefined) {
      return { index: i, message: `${what}: at most one IPv4 and one IPv6 CIDR (${prev} and ${v} are both IPv${c.family})` };
    }
    seen.set(c.family, v);
  }
  return undefined;
}

// ---------------------------------------------------------------- per-object rules

function hostSessionIssues(hs: HostSession, path: PathSeg[], distinctASN: boolean): RuleIssue[] {
  const out: RuleIssue[] = [];
  const { ipv4, ipv6 } = hs.localCIDR;
  if (ipv4 !== undefined) {
    const m = cidrError(ipv4, 4);
    if (m) out.push({ severity: 'error', path: [...path, 'localCIDR', 'ipv4'], message: m });
  }
  if (ipv6 !== undefined) {
    const m = cidrError(ipv6, 6);
    if (m) out.push({ severity: 'error', path: [...path, 'localCIDR', 'ipv6'], message: m });
  }
  if (distinctASN && hs.hostASN !== undefined && hs.hostASN === hs.asn) {
    out.push({ severity: 'error', path: [...path, 'hostASN'], message: `hostASN must differ from asn (${hs.asn})` });
  }
  return out;
}

function neighborIssues(n: Neighbor, path: PathSeg[]): RuleIssue[] {
  const out: RuleIssue[] = [];
  const addr = n.address !== undefined ? tryParseIP(n.address) : undefined;
  if (n.address !== undefined && !addr) {
    out.push({ severity: 'error', path: [...path, 'address'], message: `"${n.address}" is not a valid IPv4 or IPv6 address` });
  }
  if (n.listenRange !== undefined) {
    const c = tryParseCidr(n.listenRange);
    if (!c) out.push({ severity: 'error', path: [...path, 'listenRange'], message: `"${n.listenRange}" is not a valid CIDR` });
    else if (isIPv6LinkLocalPrefix(c)) {
      out.push({ severity: 'error', path: [...path, 'listenRange'], message: 'listenRange must not be an IPv6 link-local range' });
    }
  }
  if (n.holdTimeSeconds !== undefined && n.keepaliveTimeSeconds !== undefined && n.keepaliveTimeSeconds > n.holdTimeSeconds) {
    out.push({
      severity: 'error',
      path: [...path, 'keepaliveTimeSeconds'],
      message: `must be <= holdTimeSeconds (${n.holdTimeSeconds})`,
    });
  }
  const afs = n.addressFamilies ?? [];
  const hasVPN = afs.some((f) => f.type === 'ipv4vpn' || f.type === 'ipv6vpn');
  if (hasVPN && addr?.family === 4) {
    out.push({ severity: 'error', path: [...path, 'addressFamilies'], message: 'ipv4vpn and ipv6vpn need an IPv6 neighbor address' });
  }
  const seenAF = new Set<string>();
  afs.forEach((f, i) => {
    if (seenAF.has(f.type))
      out.push({ severity: 'error', path: [...path, 'addressFamilies', i, 'type'], message: `duplicate address family ${f.type}` });
    seenAF.add(f.type);
  });
  if (n.passwordSecret !== undefined) {
    out.push({
      severity: 'warning',
      path: [...path, 'passwordSecret'],
      key: true,
      message: 'passwordSecret: not used (upstream has no consumer either); set password instead',
    });
  }
  return out;
}

function underlayIssues(u: UnderlaySpec, path: PathSeg[]): RuleIssue[] {
  const out: RuleIssue[] = [];
  if (u.nodeSelector !== undefined) out.push(nodeSelectorIgnored(path));
  let routerNet: Cidr | undefined;
  const rid = tryParseCidr(u.routerIDCIDR);
  if (!rid) out.push({ severity: 'error', path: [...path, 'routerIDCIDR'], message: `"${u.routerIDCIDR}" is not a valid CIDR` });
  else if (rid.family !== 4)
    out.push({
      severity: 'error',
      path: [...path, 'routerIDCIDR'],
      message: 'must be an IPv4 CIDR (the BGP router-id is an IPv4 address)',
    });
  else routerNet = rid;
  if (u.routeReflector) {
    const id = tryParseIP(u.routeReflector.clusterID);
    const p = [...path, 'routeReflector', 'clusterID'];
    if (!id || id.family !== 4)
      out.push({ severity: 'error', path: p, message: `"${u.routeReflector.clusterID}" is not a valid IPv4 address` });
    else if (routerNet && cidrContains(routerNet, id)) {
      out.push({ severity: 'error', path: p, message: `clusterID must lie outside routerIDCIDR ${u.routerIDCIDR}` });
    }
  }
  if (u.tunnelEndpoint) {
    const e = cidrListError(u.tunnelEndpoint.cidrs, 'tunnelEndpoint.cidrs');
    if (e)
      out.push({
        severity: 'error',
        path: [...path, 'tunnelEndpoint', 'cidrs', ...(e.index !== undefined ? [e.index] : [])],
        message: e.message,
      });
  }
  u.neighbors.forEach((n, i) => out.push(...neighborIssues(n, [...path, 'neighbors', i])));
  if (u.isis !== undefined) {
    const itfs = (u.isis as { interfaces?: Array<{ name: string }> }).interfaces ?? [];
    const names = new Set<string>();
    itfs.forEach((itf, i) => {
      if (names.has(itf.name))
        out.push({ severity: 'error', path: [...path, 'isis', 'interfaces', i, 'name'], message: `duplicate isis interface ${itf.name}` });
      names.add(itf.name);
    });
  }
  if (u.srv6 !== undefined) {
    const base = (u.srv6 as { locator?: { basePrefix?: string } }).locator?.basePrefix;
    if (base !== undefined) {
      const m = cidrError(base, 6);
      if (m) out.push({ severity: 'error', path: [...path, 'srv6', 'locator', 'basePrefix'], message: m });
    }
    const hasV6 = (u.tunnelEndpoint?.cidrs ?? []).some((c) => tryParseCidr(c)?.family === 6);
    if (!hasV6)
      out.push({ severity: 'error', path: [...path, 'srv6'], key: true, message: 'srv6 needs an IPv6 CIDR in tunnelEndpoint.cidrs' });
  }
  return out;
}

function routeTargetIssues(spec: { exportRTs?: string[]; importRTs?: string[] }, path: PathSeg[]): RuleIssue[] {
  const out: RuleIssue[] = [];
  for (const field of ['exportRTs', 'importRTs'] as const) {
    (spec[field] ?? []).forEach((rt, i) => {
      const m = routeTargetError(rt);
      if (m) out.push({ severity: 'error', path: [...path, field, i], message: m });
    });
  }
  return out;
}

function l3vniIssues(v: L3VNISpec, path: PathSeg[]): RuleIssue[] {
  const out: RuleIssue[] = [];
  if (v.nodeSelector !== undefined) out.push(nodeSelectorIgnored(path));
  if (v.hostSession) out.push(...hostSessionIssues(v.hostSession, [...path, 'hostSession'], true));
  out.push(...routeTargetIssues(v, path));
  return out;
}

function l2vniIssues(v: L2VNISpec, path: PathSeg[]): RuleIssue[] {
  const out: RuleIssue[] = [];
  if (v.nodeSelector !== undefined) out.push(nodeSelectorIgnored(path));
  if (v.gatewayIPs) {
    const e = cidrListError(v.gatewayIPs, 'gatewayIPs');
    if (e) out.push({ severity: 'error', path: [...path, 'gatewayIPs', ...(e.index !== undefined ? [e.index] : [])], message: e.message });
  }
  return out;
}

function nodeSelectorIgnored(path: PathSeg[]): RuleIssue {
  return {
    severity: 'warning',
    path: [...path, 'nodeSelector'],
    key: true,
    message: 'nodeSelector: ignored in static files (static objects always apply to this node only)',
  };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function listOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/**
 * Features upstream has and perouterd does not build yet: they are parsed (and validated
 * by the schema) but always rejected, never silently ignored. Works on the raw data (keys
 * already normalised) so the rejection shows even when the schema finds other errors.
 */
export function unsupportedFeatureIssues(raw: unknown): RuleIssue[] {
  const out: RuleIssue[] = [];
  if (!isObj(raw)) return out;
  listOf(raw.underlays).forEach((u, i) => {
    if (!isObj(u)) return;
    for (const f of ['isis', 'srv6'] as const) {
      if (u[f] !== undefined) out.push({ severity: 'error', path: ['underlays', i, f], key: true, message: `${f}: ${NOT_SUPPORTED}` });
    }
    listOf(u.interfaces).forEach((itf, j) => {
      if (!isObj(itf)) return;
      if (itf.cniDevice !== undefined) {
        out.push({
          severity: 'error',
          path: ['underlays', i, 'interfaces', j, 'cniDevice'],
          key: true,
          message: `cniDevice: ${NOT_SUPPORTED} (use type NetworkDevice)`,
        });
      } else if (itf.type === 'CNIDevice') {
        out.push({
          severity: 'error',
          path: ['underlays', i, 'interfaces', j, 'type'],
          message: `CNIDevice: ${NOT_SUPPORTED} (use type NetworkDevice)`,
        });
      }
    });
  });
  listOf(raw.l2vnis).forEach((v, i) => {
    if (!isObj(v)) return;
    const hm = v.hostMaster;
    if (isObj(hm)) {
      if (hm.ovsBridge !== undefined) {
        out.push({
          severity: 'error',
          path: ['l2vnis', i, 'hostMaster', 'ovsBridge'],
          key: true,
          message: `ovsBridge: ${NOT_SUPPORTED} (use type LinuxBridge)`,
        });
      } else if (hm.type === 'OVSBridge') {
        out.push({
          severity: 'error',
          path: ['l2vnis', i, 'hostMaster', 'type'],
          message: `OVSBridge: ${NOT_SUPPORTED} (use type LinuxBridge)`,
        });
      }
    }
    const rd = v.routingDomain;
    if (isObj(rd) && (rd.type === 'L3VPN' || rd.l3vpn !== undefined)) {
      out.push({
        severity: 'error',
        path: ['l2vnis', i, 'routingDomain'],
        key: true,
        message: `routingDomain of type L3VPN: ${NOT_SUPPORTED}`,
      });
    }
  });
  if (raw.l3vpns !== undefined) {
    if (Array.isArray(raw.l3vpns) && raw.l3vpns.length === 0) {
      out.push({ severity: 'warning', path: ['l3vpns'], key: true, message: `l3vpns: empty list ignored (L3VPN is ${NOT_SUPPORTED})` });
    } else {
      out.push({ severity: 'error', path: ['l3vpns'], key: true, message: `l3vpns: ${NOT_SUPPORTED}` });
    }
  }
  return out;
}

/** All code-level rules for one schema-valid static file (unsupported features excepted). */
export function checkStaticFile(f: StaticConfigFile): RuleIssue[] {
  const out: RuleIssue[] = [];
  (f.underlays ?? []).forEach((u, i) => out.push(...underlayIssues(u, ['underlays', i])));
  (f.l3vnis ?? []).forEach((v, i) => out.push(...l3vniIssues(v, ['l3vnis', i])));
  (f.l2vnis ?? []).forEach((v, i) => out.push(...l2vniIssues(v, ['l2vnis', i])));
  if (f.bgppassthrough) {
    if (f.bgppassthrough.nodeSelector !== undefined) out.push(nodeSelectorIgnored(['bgppassthrough']));
    out.push(...hostSessionIssues(f.bgppassthrough.hostSession, ['bgppassthrough', 'hostSession'], false));
  }
  (f.rawfrrconfigs ?? []).forEach((r, i) => {
    if (r.nodeSelector !== undefined) out.push(nodeSelectorIgnored(['rawfrrconfigs', i]));
  });
  return out;
}
