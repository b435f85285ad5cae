// Merge policy between the static files and the API (issue "Hot-swap to Kubernetes"):
// duplicates and conflicts are settled deterministically, the static side wins, and the losing
// object is reported in status.
//
// Upstream gives no source precedence (sorted-name first-wins, its underlay_vni_controller.go) and relies
// on its admission webhook to refuse a new CR that clashes with a mirrored static object. Without
// a webhook here, this function enforces "static wins" itself: an API object that conflicts with
// a static one is dropped (ValidationFailed, naming the static object that wins). Conflicts among
// API objects only are left to src/config/validate.ts (sorted by namespace/name, first wins).
//
// An API object conflicts with the static side when it has:
//   * the namespace/name of a static object of the same kind;
//   * Underlay: any static underlay (one underlay per node);
//   * L3Passthrough: any static passthrough (one per node);
//   * L3VNI: the VNI of a static L3VNI or L2VNI, the VRF of a static L3VNI;
//   * L2VNI: the VNI of a static L3VNI or L2VNI; gateway IPs overlapping a subnet of the static
//     VRF it attaches to (validate.ts would reject the whole VRF, static objects included);
//   * L3VNI / L3Passthrough: a host-session CIDR overlapping a static one (validate.ts would
//     refuse the whole configuration).
// A static object that later fails validation still wins its conflicts: the outcome depends only
// on what the files say, never on the order in which things were created.

import type { FailedResource, HostSession, L2VNIResource, L3VNIResource, Resource, ResourceKind, RouterConfig } from '../config/model.js';
import { sortByName } from '../config/validate.js';
import { type Cidr, formatNetwork, overlaps, tryParseCidr } from '../net/ipnet.js';

type AnyResource = Resource<ResourceKind, unknown>;

export interface MergeResult {
  /** Static resources first, then the API resources that survived. */
  merged: RouterConfig;
  /** API resources dropped because a static resource wins. */
  conflicts: FailedResource[];
}

function label(r: AnyResource): string {
  return `${r.kind} ${r.namespace}/${r.name}`;
}

function sessionCidrs(hs: HostSession | undefined): Cidr[] {
  const out: Cidr[] = [];
  for (const s of [hs?.localCIDR?.ipv4, hs?.localCIDR?.ipv6]) {
    const c = s === undefined ? undefined : tryParseCidr(s);
    if (c) out.push(c);
  }
  return out;
}

function gatewayCidrs(v: L2VNIResource): Cidr[] {
  const out: Cidr[] = [];
  for (const s of v.spec.gatewayIPs ?? []) {
    const c = tryParseCidr(s);
    if (c) out.push(c);
  }
  return out;
}

export function mergeApiOverStatic(staticCfg: RouterConfig, apiCfg: RouterConfig): MergeResult {
  const conflicts: FailedResource[] = [];
  const lose = (r: AnyResource, why: string, winner: AnyResource): void => {
    conflicts.push({
      kind: r.kind,
      name: r.name,
      reason: 'ValidationFailed',
      message: `${why}: conflicts with static ${label(winner)}, the static configuration wins`,
    });
  };

  // Index of the static side.
  const byName = new Map<string, AnyResource>();
  for (const list of [
    staticCfg.underlays,
    staticCfg.l3vnis,
    staticCfg.l2vnis,
    staticCfg.l3passthroughs,
    staticCfg.rawFrrConfigs,
  ] as const) {
    for (const r of list as readonly AnyResource[]) {
      const key = `${r.kind}|${r.namespace}/${r.name}`;
      if (!byName.has(key)) byName.set(key, r);
    }
  }
  const nameClash = (r: AnyResource): AnyResource | undefined => byName.get(`${r.kind}|${r.namespace}/${r.name}`);

  const staticL3 = sortByName(staticCfg.l3vnis);
  const staticL2 = sortByName(staticCfg.l2vnis);
  const vniOwner = new Map<number, AnyResource>();
  for (const v of [...staticL3, ...staticL2]) if (!vniOwner.has(v.spec.vni)) vniOwner.set(v.spec.vni, v);
  const vrfOwner = new Map<string, L3VNIResource>();
  for (const v of staticL3) if (!vrfOwner.has(v.spec.vrf)) vrfOwner.set(v.spec.vrf, v);
  const staticL3ByName = new Map<string, L3VNIResource>();
  for (const v of staticL3) if (!staticL3ByName.has(v.name)) staticL3ByName.set(v.name, v);

  const sessions: Array<{ r: AnyResource; c: Cidr }> = [];
  for (const v of staticL3) for (const c of sessionCidrs(v.spec.hostSession)) sessions.push({ r: v, c });
  for (const p of sortByName(staticCfg.l3passthroughs)) for (const c of sessionCidrs(p.spec.hostSession)) sessions.push({ r: p, c });
  const sessionClash = (hs: HostSession | undefined): { r: AnyResource; mine: Cidr; theirs: Cidr } | undefined => {
    for (const mine of sessionCidrs(hs)) {
      for (const s of sessions) if (s.c.family === mine.family && overlaps(s.c, mine)) return { r: s.r, mine, theirs: s.c };
    }
    return undefined;
  };

  // Subnets of each VRF held by static objects (host sessions of its L3VNI, gateways of the
  // static L2VNIs attached to it), as validate.ts step 14 sees them.
  const vrfSubnets = new Map<string, Array<{ r: AnyResource; c: Cidr }>>();
  const addSubnet = (vrf: string, r: AnyResource, c: Cidr): void => {
    const list = vrfSubnets.get(vrf) ?? [];
    list.push({ r, c });
    vrfSubnets.set(vrf, list);
  };
  for (const v of staticL3) for (const c of sessionCidrs(v.spec.hostSession)) addSubnet(v.spec.vrf, v, c);
  for (const v of staticL2) {
    const ref = v.spec.routingDomain?.l3vni?.name;
    const l3 = ref === undefined ? undefined : staticL3ByName.get(ref);
    if (l3) for (const c of gatewayCidrs(v)) addSubnet(l3.spec.vrf, v, c);
  }

  const merged: RouterConfig = {
    underlays: [...staticCfg.underlays],
    l3vnis: [...staticCfg.l3vnis],
    l2vnis: [...staticCfg.l2vnis],
    l3passthroughs: [...staticCfg.l3passthroughs],
    rawFrrConfigs: [...staticCfg.rawFrrConfigs],
  };

  const staticUnderlay = staticCfg.underlays[0];
  for (const u of sortByName(apiCfg.underlays)) {
    const same = nameClash(u);
    if (same) lose(u, 'same name as a static object', same);
    else if (staticUnderlay) lose(u, "can't have more than one underlay per node", staticUnderlay);
    else merged.underlays.push(u);
  }

  for (const v of sortByName(apiCfg.l3vnis)) {
    const same = nameClash(v);
    const vniWinner = vniOwner.get(v.spec.vni);
    const vrfWinner = vrfOwner.get(v.spec.vrf);
    const hs = sessionClash(v.spec.hostSession);
    if (same) lose(v, 'same name as a static object', same);
    else if (vniWinner) lose(v, `duplicate vni ${v.spec.vni}`, vniWinner);
    else if (vrfWinner) lose(v, `more than one L3VNI in VRF "${v.spec.vrf}"`, vrfWinner);
    else if (hs) lose(v, `host-session cidr ${v.spec.hostSession?.localCIDR[hs.mine.family === 4 ? 'ipv4' : 'ipv6']} overlaps`, hs.r);
    else merged.l3vnis.push(v);
  }

  for (const v of sortByName(apiCfg.l2vnis)) {
    const same = nameClash(v);
    const vniWinner = vniOwner.get(v.spec.vni);
    // Routing domains are resolved by name only, whatever the namespace (like validate.ts).
    const ref = v.spec.routingDomain?.l3vni?.name;
    const l3 = ref === undefined ? undefined : staticL3ByName.get(ref);
    let subnet: { r: AnyResource; text: string } | undefined;
    for (const g of l3 ? (v.spec.gatewayIPs ?? []) : []) {
      const mine = tryParseCidr(g);
      const hit = mine && (vrfSubnets.get(l3?.spec.vrf ?? '') ?? []).find((s) => s.c.family === mine.family && overlaps(s.c, mine));
      if (hit) {
        subnet = { r: hit.r, text: `gateway ${g} overlaps ${formatNetwork(hit.c)}` };
        break;
      }
    }
    if (same) lose(v, 'same name as a static object', same);
    else if (vniWinner) lose(v, `duplicate vni ${v.spec.vni}`, vniWinner);
    else if (subnet && l3) lose(v, `subnet overlap in VRF "${l3.spec.vrf}": ${subnet.text}`, subnet.r);
    else merged.l2vnis.push(v);
  }

  const staticPassthrough = sortByName(staticCfg.l3passthroughs)[0];
  for (const p of sortByName(apiCfg.l3passthroughs)) {
    const same = nameClash(p);
    const hs = sessionClash(p.spec.hostSession);
    if (same) lose(p, 'same name as a static object', same);
    else if (staticPassthrough) lose(p, "can't have more than one l3passthrough per node", staticPassthrough);
    else if (hs) lose(p, `host-session cidr ${p.spec.hostSession.localCIDR[hs.mine.family === 4 ? 'ipv4' : 'ipv6']} overlaps`, hs.r);
    else merged.l3passthroughs.push(p);
  }

  for (const r of sortByName(apiCfg.rawFrrConfigs)) {
    const same = nameClash(r);
    if (same) lose(r, 'same name as a static object', same);
    else merged.rawFrrConfigs.push(r);
  }

  return { merged, conflicts };
}
