// Semantic validation across all resources that apply to this node (static files and API
// objects together), in the order of upstream's internal/controller/routerconfiguration/reconcile.go:
//
//   1. sort L3VNIs, L2VNIs and L3Passthroughs by namespace/name: on duplicates the first wins
//   2. underlay checks                    → `fatal` (nothing may be applied)
//   4. per-L3VNI checks (VRF name, route targets, host-session CIDRs, VTEP family)
//   8. per-L2VNI checks (host master, gateway IPs, VTEP family)
//   9. unique L3VNI VNIs
//  11. unique L2VNI VNIs (against L3VNIs and earlier L2VNIs)
//  12. one L3VNI per VRF
//  13. L2VNI routing domains must name a still-valid L3VNI → DependencyFailed
//  14. no overlapping subnets inside a VRF: the whole VRF is rejected
//  15. at most one L3Passthrough: otherwise all of them are rejected
//  16. host-session CIDRs must not overlap  → `fatal`
//
// Upstream checks the tunnel endpoint / VTEP family of VNIs only while converting (and then
// fails the whole reconcile); perouterd checks them with the per-resource steps 4 and 8 and
// drops just the resource, so later steps (duplicates, references) see the outcome.
// Steps 3, 5-7 and 10 concern the grout datapath and L3VPN, which perouterd does not have.

import {
  emptyRouterConfig,
  type FailedResource,
  type FailureReason,
  type HostSession,
  type L2VNIResource,
  type L3PassthroughResource,
  type L3VNIResource,
  type Resource,
  type ResourceKind,
  type RouterConfig,
  type UnderlayResource,
} from './model.js';
import { cidrListError, interfaceNameError, NOT_SUPPORTED, routeTargetError } from './spec/index.js';
import { canonicalIP, type Cidr, cidrContains, type Family, formatNetwork, overlaps, tryParseCidr } from '../net/ipnet.js';
import { routerID, vethIPs, vtepIP } from '../net/ipam.js';
import { isReservedLinkName } from '../net/names.js';

export interface ValidateOptions {
  /** When known, also check that every CIDR has room for this node's addresses. */
  nodeIndex?: number;
}

export interface ValidationResult {
  /** What may be applied. Empty when `fatal` is set. */
  valid: RouterConfig;
  /** Resources dropped one by one; the rest of the configuration still applies. */
  failed: FailedResource[];
  /** Set when nothing at all may be applied (underlay failure, host-session overlap). */
  fatal?: { message: string; failed: FailedResource[] };
}

type AnyResource = Resource<ResourceKind, unknown>;

/** Sorted copy by `namespace/name` (byte order for ASCII names, like Go); stable. */
export function sortByName<T extends { namespace: string; name: string }>(items: readonly T[]): T[] {
  const key = (x: T): string => `${x.namespace}/${x.name}`;
  return items
    .map((item, i) => ({ item, i, k: key(item) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i))
    .map((x) => x.item);
}

function failure(r: AnyResource, reason: FailureReason, message: string): FailedResource {
  const f: FailedResource = { kind: r.kind, name: r.name, reason, message };
  if (r.origin.source === 'static') f.location = r.origin.location;
  return f;
}

// ---------------------------------------------------------------- step 2: underlay

/** Underlay checks; any failure makes the whole configuration unusable. */
export function validateUnderlays(underlays: readonly UnderlayResource[], opts: ValidateOptions = {}): FailedResource[] {
  const first = underlays[0];
  if (!first) return [];
  if (underlays.length > 1) {
    return [
      failure(
        first,
        'ValidationFailed',
        `can't have more than one underlay per node (found ${underlays.length}: ${underlays.map((u) => u.name).join(', ')})`,
      ),
    ];
  }
  const u = first;
  const s = u.spec;
  const msgs: string[] = [];
  if (!s.asn) msgs.push('must have a valid ASN');
  if (!s.neighbors || s.neighbors.length === 0) msgs.push('must have at least one neighbor configured');

  const addresses = new Set<string>();
  const ifaces = new Set<string>();
  const ranges: Array<{ text: string; c: Cidr }> = [];
  for (const n of s.neighbors ?? []) {
    if (n.address !== undefined) {
      const a = canonicalIP(n.address);
      if (addresses.has(a)) msgs.push(`has duplicate neighbor address ${n.address}`);
      addresses.add(a);
    }
    if (n.interface !== undefined) {
      if (ifaces.has(n.interface)) msgs.push(`has duplicate neighbor interface ${n.interface}: only one peer is allowed per interface`);
      ifaces.add(n.interface);
    }
    if (n.listenRange !== undefined) {
      const c = tryParseCidr(n.listenRange);
      if (!c) msgs.push(`invalid listenRange ${n.listenRange}`);
      else ranges.push({ text: n.listenRange, c });
    }
  }
  ranges.sort((a, b) => (a.c.network < b.c.network ? -1 : a.c.network > b.c.network ? 1 : a.c.prefixLen - b.c.prefixLen));
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i];
      const b = ranges[j];
      if (a && b && overlaps(a.c, b.c)) msgs.push(`listenRange ${b.text} overlaps with listenRange ${a.text}`);
    }
  }

  const kinds = new Set((s.interfaces ?? []).map((i) => i.type));
  if (kinds.size > 1) msgs.push('all interfaces must be of the same type');
  const names = new Set<string>();
  for (const itf of s.interfaces ?? []) {
    if (itf.type === 'CNIDevice') {
      msgs.push(`CNIDevice interfaces: ${NOT_SUPPORTED}`);
      continue;
    }
    const name = itf.networkDevice?.interfaceName ?? '';
    const err =
      interfaceNameError(name) ?? (isReservedLinkName(name) ? `interface "${name}" is reserved for perouterd's own interfaces` : undefined);
    if (err) msgs.push(err);
    else if (names.has(name)) msgs.push(`duplicate interface name ${name}`);
    names.add(name);
  }

  if (s.tunnelEndpoint) {
    const cidrs = s.tunnelEndpoint.cidrs ?? [];
    if (cidrs.length === 0) msgs.push('tunnelEndpoint.cidrs must not be empty');
    else if (cidrs.length > 2) msgs.push('tunnelEndpoint.cidrs can have at most 2 entries');
    else {
      const e = cidrListError(cidrs, 'tunnelEndpoint.cidrs');
      if (e) msgs.push(e.message);
      else if (opts.nodeIndex !== undefined) {
        for (const c of cidrs) {
          try {
            vtepIP(c, opts.nodeIndex);
          } catch {
            msgs.push(`tunnelEndpoint cidr ${c} has no room for node index ${opts.nodeIndex}`);
          }
        }
      }
    }
  }

  const rid = tryParseCidr(s.routerIDCIDR ?? '10.0.0.0/24');
  if (!rid || rid.family !== 4) msgs.push(`routerIDCIDR ${s.routerIDCIDR} must be an IPv4 CIDR`);
  else if (opts.nodeIndex !== undefined) {
    try {
      routerID(s.routerIDCIDR, opts.nodeIndex);
    } catch {
      msgs.push(`routerIDCIDR ${s.routerIDCIDR} has no room for node index ${opts.nodeIndex}`);
    }
  }
  if (s.isis !== undefined) msgs.push(`isis: ${NOT_SUPPORTED}`);
  if (s.srv6 !== undefined) msgs.push(`srv6: ${NOT_SUPPORTED}`);

  return msgs.map((m) => failure(u, 'ValidationFailed', m));
}

// ---------------------------------------------------------------- helpers for VNIs

/** Families of the VTEPs the underlay provides. */
function vtepFamilies(u: UnderlayResource | undefined): Set<Family> {
  const out = new Set<Family>();
  for (const c of u?.spec.tunnelEndpoint?.cidrs ?? []) {
    const p = tryParseCidr(c);
    if (p) out.add(p.family);
  }
  return out;
}

/** Dependency on the underlay's tunnel endpoint; a message when it is not satisfied. */
function vtepDependencyError(
  kind: 'L3VNI' | 'L2VNI',
  family: 'IPv4' | 'IPv6' | undefined,
  u: UnderlayResource | undefined,
): string | undefined {
  if (!u) return `no underlay configured on this node: an ${kind} needs the underlay's tunnelEndpoint`;
  if (!u.spec.tunnelEndpoint) return `underlay tunnel endpoint configuration is required when ${kind}s are defined`;
  const fams = vtepFamilies(u);
  if (family === 'IPv4' && !fams.has(4)) return 'underlayAddressFamily is IPv4 but the underlay has no IPv4 tunnelEndpoint CIDR';
  if (family === 'IPv6' && !fams.has(6)) return 'underlayAddressFamily is IPv6 but the underlay has no IPv6 tunnelEndpoint CIDR';
  return undefined;
}

/** Host-session CIDR parse (and room for this node) problems. */
function hostSessionError(hs: HostSession, opts: ValidateOptions): string | undefined {
  const { ipv4, ipv6 } = hs.localCIDR ?? {};
  if (ipv4 === undefined && ipv6 === undefined) return 'hostSession.localCIDR needs at least one of ipv4, ipv6';
  for (const [field, value, fam] of [
    ['ipv4', ipv4, 4],
    ['ipv6', ipv6, 6],
  ] as const) {
    if (value === undefined) continue;
    const c = tryParseCidr(value);
    if (!c || c.family !== fam) return `hostSession.localCIDR.${field} "${value}" is not a valid IPv${fam} CIDR`;
    if (opts.nodeIndex !== undefined) {
      try {
        vethIPs(c, opts.nodeIndex);
      } catch {
        return `hostSession.localCIDR.${field} ${value} has no room for node index ${opts.nodeIndex}`;
      }
    }
  }
  return undefined;
}

function reservedNameError(name: string, u: UnderlayResource | undefined): string | undefined {
  if (isReservedLinkName(name)) return `"${name}" is reserved for perouterd's own interfaces`;
  if (u?.spec.interfaces?.some((i) => i.networkDevice?.interfaceName === name)) return `"${name}" is the underlay interface`;
  return undefined;
}

function l3vniError(
  v: L3VNIResource,
  u: UnderlayResource | undefined,
  opts: ValidateOptions,
): { reason: FailureReason; message: string } | undefined {
  const s = v.spec;
  const vrfErr = interfaceNameError(s.vrf ?? '') ?? reservedNameError(s.vrf ?? '', u);
  if (vrfErr) return { reason: 'ValidationFailed', message: `invalid vrf name for vni "${v.name}", vrf "${s.vrf}": ${vrfErr}` };
  for (const rt of [...(s.exportRTs ?? []), ...(s.importRTs ?? [])]) {
    const m = routeTargetError(rt);
    if (m) return { reason: 'ValidationFailed', message: `invalid route targets for vni "${v.name}": ${m}` };
  }
  if (s.hostSession) {
    const m = hostSessionError(s.hostSession, opts);
    if (m) return { reason: 'ValidationFailed', message: m };
  }
  const dep = vtepDependencyError('L3VNI', s.underlayAddressFamily, u);
  if (dep) return { reason: 'DependencyFailed', message: dep };
  return undefined;
}

function l2vniError(v: L2VNIResource, u: UnderlayResource | undefined): { reason: FailureReason; message: string } | undefined {
  const s = v.spec;
  const hm = s.hostMaster;
  if (hm) {
    if (hm.type === 'OVSBridge') return { reason: 'ValidationFailed', message: `hostMaster type OVSBridge: ${NOT_SUPPORTED}` };
    if (hm.type !== 'LinuxBridge') return { reason: 'ValidationFailed', message: `invalid hostmaster type "${String(hm.type)}"` };
    const name = hm.linuxBridge?.name;
    if (name) {
      const m = interfaceNameError(name) ?? reservedNameError(name, u);
      if (m) return { reason: 'ValidationFailed', message: `invalid hostmaster name for vni ${v.name}: ${name} - ${m}` };
    }
  }
  const gw = s.gatewayIPs ?? [];
  if (gw.length > 0) {
    const e = gw.length > 2 ? { message: 'at most 2 gatewayIPs' } : cidrListError(gw, 'gatewayIPs');
    if (e) return { reason: 'ValidationFailed', message: `invalid gatewayIPs for vni "${v.name}" = [${gw.join(' ')}]: ${e.message}` };
  }
  const dep = vtepDependencyError('L2VNI', s.underlayAddressFamily, u);
  if (dep) return { reason: 'DependencyFailed', message: dep };
  return undefined;
}

function firstOfFamily(cidrs: readonly string[], fam: Family): Cidr | undefined {
  for (const s of cidrs) {
    const c = tryParseCidr(s);
    if (c && c.family === fam) return c;
  }
  return undefined;
}

// ---------------------------------------------------------------- pipeline

export function validateRouterConfig(cfg: RouterConfig, opts: ValidateOptions = {}): ValidationResult {
  // 1. deterministic order; the first of duplicates wins.
  let l3 = sortByName(cfg.l3vnis);
  let l2 = sortByName(cfg.l2vnis);
  let pt: L3PassthroughResource[] = sortByName(cfg.l3passthroughs);

  // 2. underlay
  const underlayFailures = validateUnderlays(cfg.underlays, opts);
  if (underlayFailures.length > 0) {
    return {
      valid: emptyRouterConfig(),
      failed: [],
      fatal: {
        message: `underlay failed validation, nothing applied: ${underlayFailures.map((f) => f.message).join('; ')}`,
        failed: underlayFailures,
      },
    };
  }
  const underlay = cfg.underlays[0];
  const failed: FailedResource[] = [];

  // 4. per-L3VNI checks
  l3 = l3.filter((v) => {
    const e = l3vniError(v, underlay, opts);
    if (e) failed.push(failure(v, e.reason, e.message));
    return !e;
  });

  // 8. per-L2VNI checks
  l2 = l2.filter((v) => {
    const e = l2vniError(v, underlay);
    if (e) failed.push(failure(v, e.reason, e.message));
    return !e;
  });

  // 9. unique L3VNI VNIs
  const taken = new Map<number, string>();
  l3 = l3.filter((v) => {
    const prev = taken.get(v.spec.vni);
    if (prev !== undefined) {
      failed.push(failure(v, 'ValidationFailed', `duplicate vni ${v.spec.vni}: already used by ${prev}`));
      return false;
    }
    taken.set(v.spec.vni, `L3VNI/${v.name}`);
    return true;
  });

  // 11. unique L2VNI VNIs, against L3VNIs and earlier L2VNIs
  l2 = l2.filter((v) => {
    const prev = taken.get(v.spec.vni);
    if (prev !== undefined) {
      failed.push(failure(v, 'ValidationFailed', `duplicate vni ${v.spec.vni}: already used by ${prev}`));
      return false;
    }
    taken.set(v.spec.vni, `L2VNI/${v.name}`);
    return true;
  });

  // 12. one L3VNI per VRF
  const vrfOwner = new Map<string, string>();
  l3 = l3.filter((v) => {
    const prev = vrfOwner.get(v.spec.vrf);
    if (prev !== undefined) {
      failed.push(failure(v, 'ValidationFailed', `more than one L3VNI detected in VRF "${v.spec.vrf}": "${prev}" already exists`));
      return false;
    }
    vrfOwner.set(v.spec.vrf, `${v.namespace}/${v.name}`);
    return true;
  });

  // 13. routing-domain references must name a still-valid L3VNI (by name, like upstream)
  const l3ByName = new Map(l3.map((v) => [v.name, v] as const));
  l2 = l2.filter((v) => {
    const rd = v.spec.routingDomain;
    if (!rd) return true;
    if (rd.type === 'L3VPN' || rd.l3vpn) {
      failed.push(failure(v, 'DependencyFailed', `referenced L3VPN "${rd.l3vpn?.name ?? ''}" not found (L3VPN is ${NOT_SUPPORTED})`));
      return false;
    }
    const ref = rd.l3vni?.name ?? '';
    if (!l3ByName.has(ref)) {
      failed.push(failure(v, 'DependencyFailed', `referenced L3VNI "${ref}" not found`));
      return false;
    }
    return true;
  });

  // 14. no overlapping subnets inside a VRF
  const vrfOfL2 = (v: L2VNIResource): string | undefined => {
    const ref = v.spec.routingDomain?.l3vni?.name;
    return ref === undefined ? undefined : l3ByName.get(ref)?.spec.vrf;
  };
  type Sub = { c: Cidr; source: string };
  const perVrf = new Map<string, { 4: Sub[]; 6: Sub[] }>();
  const add = (vrf: string, c: Cidr | undefined, source: string): void => {
    if (!c) return;
    let e = perVrf.get(vrf);
    if (!e) perVrf.set(vrf, (e = { 4: [], 6: [] }));
    e[c.family].push({ c, source });
  };
  for (const v of l2) {
    const vrf = vrfOfL2(v);
    if (vrf === undefined) continue;
    const src = `L2VNI ${v.namespace}/${v.name}`;
    add(vrf, firstOfFamily(v.spec.gatewayIPs ?? [], 4), src);
    add(vrf, firstOfFamily(v.spec.gatewayIPs ?? [], 6), src);
  }
  for (const v of l3) {
    const lc = v.spec.hostSession?.localCIDR;
    const src = `L3VNI ${v.namespace}/${v.name}`;
    if (lc?.ipv4) add(v.spec.vrf, tryParseCidr(lc.ipv4), src);
    if (lc?.ipv6) add(v.spec.vrf, tryParseCidr(lc.ipv6), src);
  }
  const failedVrfs = new Map<string, string>();
  for (const [vrf, fams] of perVrf) {
    for (const list of [fams[4], fams[6]]) {
      if (failedVrfs.has(vrf)) break;
      const sorted = [...list].sort((a, b) =>
        a.c.network < b.c.network
          ? -1
          : a.c.network > b.c.network
            ? 1
            : b.c.prefixLen - a.c.prefixLen || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0),
      );
      for (let i = 0; i + 1 < sorted.length; i++) {
        const cur = sorted[i] as Sub;
        const next = sorted[i + 1] as Sub;
        if (cidrContains(cur.c, { family: next.c.family, value: next.c.network })) {
          failedVrfs.set(
            vrf,
            `subnet overlap in VRF "${vrf}": ${formatNetwork(next.c)} (${next.source}) overlaps with ${formatNetwork(cur.c)} (${cur.source})`,
          );
          break;
        }
      }
    }
  }
  if (failedVrfs.size > 0) {
    l3 = l3.filter((v) => {
      const m = failedVrfs.get(v.spec.vrf);
      if (m) failed.push(failure(v, 'ValidationFailed', m));
      return !m;
    });
    l2 = l2.filter((v) => {
      const vrf = vrfOfL2(v);
      const m = vrf === undefined ? undefined : failedVrfs.get(vrf);
      if (m) failed.push(failure(v, 'ValidationFailed', m));
      return !m;
    });
  }

  // 15. passthrough: at most one per node, and it needs the underlay's BGP instance
  if (pt.length > 1) {
    for (const p of pt) failed.push(failure(p, 'ValidationFailed', `can't have more than one l3passthrough per node (found ${pt.length})`));
    pt = [];
  }
  pt = pt.filter((p) => {
    const m = hostSessionError(p.spec.hostSession, opts);
    if (m) failed.push(failure(p, 'ValidationFailed', m));
    else if (!underlay)
      failed.push(
        failure(p, 'DependencyFailed', 'no underlay configured on this node: the passthrough session lives in the underlay BGP instance'),
      );
    return !m && underlay !== undefined;
  });

  // 16. host-session CIDRs must not overlap (non-resource error: nothing is applied)
  const sessions: Array<{ r: AnyResource; label: string; hs: HostSession }> = [
    ...l3
      .filter((v) => v.spec.hostSession)
      .map((v) => ({ r: v as AnyResource, label: `l3vni ${v.name}`, hs: v.spec.hostSession as HostSession })),
    ...pt.map((p) => ({ r: p as AnyResource, label: `l3passthrough ${p.name}`, hs: p.spec.hostSession })),
  ];
  for (const fam of ['ipv4', 'ipv6'] as const) {
    for (let i = 0; i < sessions.length; i++) {
      for (let j = i + 1; j < sessions.length; j++) {
        const a = sessions[i];
        const b = sessions[j];
        const ca = a?.hs.localCIDR[fam];
        const cb = b?.hs.localCIDR[fam];
        if (!a || !b || ca === undefined || cb === undefined) continue;
        const pa = tryParseCidr(ca);
        const pb = tryParseCidr(cb);
        if (pa && pb && overlaps(pa, pb)) {
          const message = `overlapping host-session cidrs ${ca} - ${cb} for ${a.label} - ${b.label}`;
          return {
            valid: emptyRouterConfig(),
            failed,
            fatal: { message, failed: [failure(a.r, 'ValidationFailed', message), failure(b.r, 'ValidationFailed', message)] },
          };
        }
      }
    }
  }

  return {
    valid: { underlays: [...cfg.underlays], l3vnis: l3, l2vnis: l2, l3passthroughs: pt, rawFrrConfigs: [...cfg.rawFrrConfigs] },
    failed,
  };
}
