// Desired state of one node's router, resolved from validated configuration:
// every name, address and number that the kernel and FRR need is decided here,
// once, so the FRR renderer and the kernel planner never disagree.
import type { Neighbor, NodeSettings, RouterConfig, UnderlaySpec } from '../config/model.js';
import { routerID, vtepIP } from '../net/ipam.js';
import { canonicalIP, formatNetwork, parseCidr } from '../net/ipnet.js';
import { eachInChunks, runSync, type Steps } from '../util/steps.js';
import type { L2VniPlan, L3VniPlan, NeighborPlan, RouterPlan, UnderlayPlan } from './plan-types.js';
import {
  bare,
  keptL2vniPlan,
  keptL3vni,
  l3vniPlan,
  maskedNetwork,
  planHostSession,
  remoteAsOf,
  type KeptL3vni,
  type NodeContext,
} from './vni-plan.js';

export * from './plan-types.js';
export { planHostSession };

const isV6 = (addr: string): boolean => addr.includes(':');

function neighborFamily(n: Neighbor): 4 | 6 {
  const peer = n.address ?? n.listenRange;
  return peer !== undefined && isV6(peer) ? 6 : 4;
}

/** Connect timer every underlay neighbour gets under graceful restart unless it sets its own (upstream applyGracefulRestart). */
export const GRACEFUL_RESTART_CONNECT_TIME = 5;

/**
 * The peer as FRR prints it back: addresses canonical (lower-case, compressed),
 * listen ranges masked (FRR masks `bgp listen range`, and the peer-group is named
 * after the same text), interface names as given.
 */
function peerOf(n: Neighbor): { peer: string; form: NeighborPlan['form'] } {
  if (n.address !== undefined) return { peer: canonicalIP(n.address), form: 'address' };
  if (n.interface !== undefined) return { peer: n.interface, form: 'interface' };
  return { peer: formatNetwork(parseCidr(n.listenRange ?? '')), form: 'listenRange' };
}

function planNeighbors(u: UnderlaySpec, cfg: RouterConfig): NeighborPlan[] {
  // Upstream activates EVPN only while some VNI exists, so adding the first VNI
  // or removing the last one changes the session's families and resets the
  // underlay session. perouterd keeps EVPN active whenever the node is a VTEP
  // (tunnelEndpoint set): VNIs come and go without touching the underlay.
  const hasVnis = cfg.l3vnis.length > 0 || cfg.l2vnis.length > 0 || (u.tunnelEndpoint?.cidrs.length ?? 0) > 0;
  const pt = cfg.l3passthroughs[0]?.spec.hostSession.localCIDR;
  return u.neighbors.map((n) => {
    const family = neighborFamily(n);
    const { remoteAs, internal } = remoteAsOf(n, u.asn);
    const families = new Set<NeighborPlan['families'][number]>();
    const rrClient = new Set<string>();
    if (n.addressFamilies && n.addressFamilies.length > 0) {
      for (const af of n.addressFamilies) {
        // ipv4vpn / ipv6vpn belong to L3VPN (SRv6), which perouterd rejects: nothing to activate.
        if (af.type === 'ipv4unicast' || af.type === 'ipv6unicast' || af.type === 'evpn') families.add(af.type);
        if (af.properties?.some((p) => p.type === 'routeReflectorClient')) rrClient.add(af.type);
      }
    } else {
      // Upstream's default families (defaultNLPsForNeighbor in its internal/conversion/frr_conversion.go).
      families.add(family === 6 ? 'ipv6unicast' : 'ipv4unicast');
      if (pt?.ipv4) families.add('ipv4unicast');
      if (pt?.ipv6) families.add('ipv6unicast');
      if (hasVnis) {
        families.add('ipv4unicast');
        families.add('evpn');
      }
      for (const c of u.tunnelEndpoint?.cidrs ?? []) families.add(isV6(c) ? 'ipv6unicast' : 'ipv4unicast');
    }
    const { peer, form } = peerOf(n);
    const multihop = n.properties?.find((p) => p.type === 'ebgpMultiHop');
    const plan: NeighborPlan = {
      peer,
      form,
      family,
      remoteAs,
      internal,
      families: [...families].sort(),
      routeReflectorClient: rrClient,
    };
    if (n.port !== undefined) plan.port = n.port;
    if (n.password !== undefined) plan.password = n.password;
    if (n.keepaliveTimeSeconds !== undefined && n.holdTimeSeconds !== undefined) {
      plan.keepalive = n.keepaliveTimeSeconds;
      plan.hold = n.holdTimeSeconds;
    }
    if (n.connectTimeSeconds !== undefined) plan.connectTime = n.connectTimeSeconds;
    else if (u.gracefulRestart) plan.connectTime = GRACEFUL_RESTART_CONNECT_TIME;
    if (multihop) plan.ebgpMultiHopTtl = multihop.ebgpMultiHop?.ttl ?? 'default';
    if (n.bfd !== undefined) {
      // `bfd: {}` enables BFD with FRR's defaults and no profile; any setting makes a profile.
      const hasSettings = Object.values(n.bfd).some((v) => v !== undefined);
      // Named after the peer, as upstream does: stable when neighbours are reordered, and what
      // RawFRRConfig snippets and monitoring refer to.
      plan.bfd = hasSettings ? { profile: `neighbor-${peer}`, settings: n.bfd } : { settings: n.bfd };
    }
    return plan;
  });
}

/** The underlay of the plan: ASN, router ID, NICs, neighbours, VTEPs, graceful restart, route reflection. */
function planUnderlay(u: UnderlaySpec, cfg: RouterConfig, node: NodeSettings, listenLimit: number | undefined): UnderlayPlan {
  const underlay: UnderlayPlan = {
    asn: u.asn,
    routerId: bare(routerID(u.routerIDCIDR, node.nodeIndex)),
    nics: u.interfaces.flatMap((i) => (i.networkDevice ? [i.networkDevice.interfaceName] : [])),
    neighbors: planNeighbors(u, cfg),
    listenLimit: listenLimit ?? 65535,
  };
  for (const c of u.tunnelEndpoint?.cidrs ?? []) {
    const ip = bare(vtepIP(c, node.nodeIndex));
    if (isV6(ip)) underlay.vtepIPv6 = ip;
    else underlay.vtepIPv4 = ip;
  }
  if (u.gracefulRestart) {
    underlay.gracefulRestart = {
      restartTime: u.gracefulRestart.restartTimeSeconds,
      stalePathTime: u.gracefulRestart.stalePathTimeSeconds,
    };
  }
  if (u.routeReflector) underlay.clusterId = canonicalIP(u.routeReflector.clusterID);
  return underlay;
}

/**
 * Resolves a validated configuration into the router plan. Pure: same input, same plan.
 * The config must already have passed semantic validation (src/config/validate/).
 */
export function planRouter(cfg: RouterConfig, node: NodeSettings, opts: { listenLimit?: number } = {}): RouterPlan {
  return runSync(planRouterSteps(cfg, node, opts));
}

/** planRouter as pausing work (src/util/steps.ts): a pause every CHUNK VNIs, the same plan. */
export function* planRouterSteps(cfg: RouterConfig, node: NodeSettings, opts: { listenLimit?: number } = {}): Steps<RouterPlan> {
  const u = cfg.underlays[0]?.spec;
  const underlay = u ? planUnderlay(u, cfg, node, opts.listenLimit) : undefined;
  const l3kept: KeptL3vni[] = [];
  const vrfOfL3vni = new Map<string, string>();
  yield* eachInChunks(cfg.l3vnis, (r) => {
    const k = keptL3vni(r);
    l3kept.push(k);
    vrfOfL3vni.set(k.name, k.vrf);
  });
  const l2vnis: L2VniPlan[] = [];
  // L2 gateway subnets are advertised from the VRF instance they are attached to (grouped
  // by VRF first: one pass, not every L3VNI against every L2VNI).
  const gatewaysByVrf = new Map<string, Set<string>>();
  yield* eachInChunks(cfg.l2vnis, (r) => {
    const { plan: l2, networks } = keptL2vniPlan(r, underlay, vrfOfL3vni);
    l2vnis.push(l2);
    if (l2.vrf === undefined) return;
    let nets = gatewaysByVrf.get(l2.vrf);
    if (!nets) gatewaysByVrf.set(l2.vrf, (nets = new Set()));
    for (const n of networks) nets.add(n);
  });
  const networksByVrf = new Map([...gatewaysByVrf].map(([vrf, nets]) => [vrf, [...nets].sort().join('\n')]));
  const l3vnis: L3VniPlan[] = [];
  const nodeContext: NodeContext = {
    nodeIndex: node.nodeIndex,
    asn: underlay?.asn,
    vtepIPv4: underlay?.vtepIPv4,
    vtepIPv6: underlay?.vtepIPv6,
  };
  yield* eachInChunks(l3kept, (k) => void l3vnis.push(l3vniPlan(k, nodeContext, networksByVrf.get(k.vrf) ?? '')));

  const pt = cfg.l3passthroughs[0];
  const plan: RouterPlan = {
    nodeName: node.nodeName,
    nodeIndex: node.nodeIndex,
    logLevel: node.logLevel,
    l3vnis: l3vnis.sort((a, b) => a.vni - b.vni),
    l2vnis: l2vnis.sort((a, b) => a.vni - b.vni),
    rawSnippets: [...cfg.rawFrrConfigs].sort((a, b) => a.spec.priority - b.spec.priority).map((r) => r.spec.rawConfig),
  };
  if (underlay) plan.underlay = underlay;
  if (pt) plan.passthrough = { name: pt.name, hostSession: planHostSession(pt.spec.hostSession, node.nodeIndex, underlay?.asn) };
  return plan;
}

export { maskedNetwork, bare as addressOf };
