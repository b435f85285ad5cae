// Per-kind spec checks, shared by the static files and the custom resources: the checks
// JSON Schema cannot express, run on a spec that passed the schema. Paths are relative to
// the spec; checkStaticFile prefixes them with the file's own paths.

import type { HostSession, L2VNISpec, L3VNISpec, Neighbor, StaticConfigFile, UnderlaySpec } from '../model.js';
import { type Cidr, cidrContains, isIPv6LinkLocalPrefix, tryParseCidr, tryParseIP } from '../../net/ipnet.js';
import type { PathSeg } from '../yaml-source.js';
import type { RuleIssue } from './issue.js';
import { unsupportedIssues } from './unsupported.js';
import { cidrError, cidrListError, kubeCidrError, kubeIPError, routeTargetError } from './values.js';

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
  const addrError = n.address !== undefined ? kubeIPError(n.address) : undefined;
  const addr = n.address !== undefined && !addrError ? tryParseIP(n.address) : undefined;
  if (addrError) out.push({ severity: 'error', path: [...path, 'address'], message: addrError });
  if (n.listenRange !== undefined) {
    const rangeError = kubeCidrError(n.listenRange);
    const c = tryParseCidr(n.listenRange);
    if (rangeError || !c) out.push({ severity: 'error', path: [...path, 'listenRange'], message: rangeError ?? 'not a valid CIDR' });
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
    // A list-map keyed by type in the CRD (as upstream's): each property once.
    const seenProp = new Set<string>();
    (f.properties ?? []).forEach((p, k) => {
      if (seenProp.has(p.type)) {
        out.push({
          severity: 'error',
          path: [...path, 'addressFamilies', i, 'properties', k, 'type'],
          message: `duplicate property ${p.type}`,
        });
      }
      seenProp.add(p.type);
    });
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

/** The kinds a spec check knows, with where their specs sit in a static file. */
export type SpecKind = 'Underlay' | 'L3VNI' | 'L2VNI' | 'L3Passthrough' | 'RawFRRConfig';

/** Every code-level check of one spec of `kind` (unsupported features included), paths relative to the spec. */
export function specIssues(kind: SpecKind, spec: unknown): RuleIssue[] {
  const out = unsupportedIssues(kind, spec);
  switch (kind) {
    case 'Underlay':
      return [...out, ...underlayIssues(spec as UnderlaySpec, [])];
    case 'L3VNI':
      return [...out, ...l3vniIssues(spec as L3VNISpec, [])];
    case 'L2VNI':
      return [...out, ...l2vniIssues(spec as L2VNISpec, [])];
    case 'L3Passthrough': {
      const p = spec as StaticConfigFile['bgppassthrough'] & object;
      return [
        ...out,
        ...(p.nodeSelector !== undefined ? [nodeSelectorIgnored([])] : []),
        ...hostSessionIssues(p.hostSession, ['hostSession'], false),
      ];
    }
    case 'RawFRRConfig':
      return (spec as { nodeSelector?: unknown }).nodeSelector !== undefined ? [nodeSelectorIgnored([])] : [];
  }
}

/** The errors of specIssues as `spec.<path>: <message>` lines (custom resources have no file to point into). */
export function specErrors(kind: SpecKind, spec: unknown): string[] {
  return specIssues(kind, spec)
    .filter((i) => i.severity === 'error')
    .map((i) => `spec${i.path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('')}: ${i.message}`);
}

/** All code-level rules for one schema-valid static file (unsupported features excepted: checked on raw data). */
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
