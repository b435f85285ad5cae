// Desired state of one node's router, resolved from validated configuration:
// every name, address and number that the kernel and FRR need is decided here,
// once, so the FRR renderer and the kernel planner never disagree.
import type {
  BFDSettings,
  HostSession,
  L2VNIResource,
  L3VNIResource,
  Neighbor,
  NodeSettings,
  RouterConfig,
  UnderlaySpec,
} from '../config/model.js';
import { pickVtep, type UnderlayAddressFamily } from '../config/vtep.js';
import { routerID, vethIPs, vtepIP, distributedGatewayMac } from '../net/ipam.js';
import { canonicalIP, formatNetwork, parseCidr } from '../net/ipnet.js';

import { names } from '../net/names.js';
import { eachInChunks, runSync, type Steps } from '../util/steps.js';

/** VXLAN overhead subtracted from the underlay MTU for the veth legs. */
export const VXLAN_OVERHEAD = 50;

export interface VethAddressing {
  /** Router (PE) side address with prefix length, e.g. 192.169.10.1/24. */
  pe: string;
  /** Host side address with prefix length, e.g. 192.169.10.5/24. */
  host: string;
}

export interface HostSessionPlan {
  /** ASN of the router side of the session (the per-VRF BGP instance). */
  asn: number;
  /** `remote-as` value: a number, `external` or `internal`. */
  remoteAs: string;
  /** True when the host speaker is iBGP relative to the underlay ASN (needs next-hop-self). */
  internal: boolean;
  ipv4?: VethAddressing;
  ipv6?: VethAddressing;
}

export interface NeighborPlan {
  /** Address, interface name or listen-range CIDR, as FRR spells the peer. */
  peer: string;
  form: 'address' | 'interface' | 'listenRange';
  family: 4 | 6;
  remoteAs: string;
  internal: boolean;
  port?: number;
  password?: string;
  keepalive?: number;
  hold?: number;
  /** `timers connect`: the neighbour's own, else 5 under graceful restart, else unset. */
  connectTime?: number;
  /** ebgpMultiHop property: its TTL, or 'default' when it has none (FRR's 255). */
  ebgpMultiHopTtl?: number | 'default';
  bfd?: { profile?: string; settings: BFDSettings };
  /** Address families to activate, already defaulted. */
  families: Array<'ipv4unicast' | 'ipv6unicast' | 'evpn'>;
  routeReflectorClient: Set<string>;
}

export interface UnderlayPlan {
  asn: number;
  routerId: string;
  nics: string[];
  neighbors: NeighborPlan[];
  /** VTEP addresses without prefix length, put on the router namespace's lo. */
  vtepIPv4?: string;
  vtepIPv6?: string;
  gracefulRestart?: { restartTime: number; stalePathTime: number };
  clusterId?: string;
  /** `bgp listen limit` (upstream's --bgplistenlimit, default 65535), used when a listen range exists. */
  listenLimit: number;
}

export interface L3VniPlan {
  name: string;
  vrf: string;
  vni: number;
  vxlanPort: number;
  /** Local VTEP address (family chosen by underlayAddressFamily). */
  vtep: string;
  hostSession?: HostSessionPlan;
  importRTs: string[];
  exportRTs: string[];
  /** Gateway subnets of L2VNIs attached to this VRF, advertised as networks. */
  gatewayNetworks: string[];
}

export interface L2VniPlan {
  name: string;
  vni: number;
  vxlanPort: number;
  vtep: string;
  vrf?: string;
  gatewayIPs: string[];
  gatewayMac?: string;
  hostBridge?: { name: string; managed: boolean };
}

export interface PassthroughPlan {
  name: string;
  hostSession: HostSessionPlan;
}

export interface RouterPlan {
  nodeName: string;
  nodeIndex: number;
  logLevel: NodeSettings['logLevel'];
  underlay?: UnderlayPlan;
  l3vnis: L3VniPlan[];
  l2vnis: L2VniPlan[];
  passthrough?: PassthroughPlan;
  rawSnippets: string[];
}

const bare = (addr: string): string => addr.split('/')[0] ?? addr;
const isV6 = (addr: string): boolean => addr.includes(':');

function remoteAsOf(n: { asn?: number; type?: 'External' | 'Internal' }, localAsn: number): { remoteAs: string; internal: boolean } {
  if (n.asn !== undefined) return { remoteAs: String(n.asn), internal: n.asn === localAsn };
  return n.type === 'Internal' ? { remoteAs: 'internal', internal: true } : { remoteAs: 'external', internal: false };
}

export function planHostSession(hs: HostSession, nodeIndex: number, underlayAsn: number | undefined): HostSessionPlan {
  const { remoteAs } = remoteAsOf({ asn: hs.hostASN, type: hs.hostType }, hs.asn);
  // Upstream decides next-hop-self on iBGP relative to the underlay ASN, not the VRF ASN.
  const internal = hs.hostASN !== undefined ? hs.hostASN === (underlayAsn ?? hs.asn) : hs.hostType === 'Internal';
  const plan: HostSessionPlan = { asn: hs.asn, remoteAs, internal };
  if (hs.localCIDR.ipv4) plan.ipv4 = vethIPs(hs.localCIDR.ipv4, nodeIndex);
  if (hs.localCIDR.ipv6) plan.ipv6 = vethIPs(hs.localCIDR.ipv6, nodeIndex);
  return plan;
}

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

/** The local VTEP of an overlay (src/config/vtep.ts decides which; validation made sure there is one). */
function vtepOf(u: Pick<UnderlayPlan, 'vtepIPv4' | 'vtepIPv6'> | undefined, family: UnderlayAddressFamily): string {
  const v = u ? pickVtep({ v4: u.vtepIPv4, v6: u.vtepIPv6 }, family) : undefined;
  if (!v) throw new Error(`no ${family ?? 'local'} VTEP for an overlay: the configuration was not validated`);
  return v;
}

/** Gateway IPs are host addresses in a subnet (192.170.1.1/24); FRR advertises the network. */
const maskedNetwork = (cidr: string): string => formatNetwork(parseCidr(cidr));

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

/** What every L3VNI's plan depends on besides its resource and its VRF's gateway networks. */
interface NodeContext {
  nodeIndex: number;
  asn: number | undefined;
  vtepIPv4: string | undefined;
  vtepIPv6: string | undefined;
}

const sameNode = (a: NodeContext, b: NodeContext): boolean =>
  a === b || (a.nodeIndex === b.nodeIndex && a.asn === b.asn && a.vtepIPv4 === b.vtepIPv4 && a.vtepIPv6 === b.vtepIPv6);

/**
 * What is kept of an L3VNI resource: its name and VRF, read once (the resources come from
 * thousands of parsed files, and reading their fields costs more than the rest of an
 * unchanged VNI's planning), and its last plan with what that plan was made from.
 */
interface KeptL3vni {
  resource: L3VNIResource;
  name: string;
  vrf: string;
  plan?: { node: NodeContext; networks: string; plan: L3VniPlan };
}

/**
 * Kept per resource object: an unchanged L3VNI (a static file's resources stay the same
 * objects until the file changes, src/config/file-cache.ts) keeps the same plan object, which
 * the renderer's and the kernel planner's own memos then recognise. Resources and plans are
 * never mutated.
 */
const keptL3vnis = new WeakMap<L3VNIResource, KeptL3vni>();

function keptL3vni(r: L3VNIResource): KeptL3vni {
  let k = keptL3vnis.get(r);
  if (!k) keptL3vnis.set(r, (k = { resource: r, name: r.name, vrf: r.spec.vrf }));
  return k;
}

/** The plan of the kept L3VNI `k` on `node` with its VRF's gateway networks (sorted, one a line). */
function l3vniPlan(k: KeptL3vni, node: NodeContext, networks: string): L3VniPlan {
  const was = k.plan;
  if (was && was.networks === networks && sameNode(was.node, node)) return was.plan;
  const r = k.resource;
  const s = r.spec;
  const u = node.asn === undefined ? undefined : { vtepIPv4: node.vtepIPv4, vtepIPv6: node.vtepIPv6 };
  const plan: L3VniPlan = {
    name: r.name,
    vrf: s.vrf,
    vni: s.vni,
    vxlanPort: s.vxlanPort,
    vtep: vtepOf(u, s.underlayAddressFamily),
    importRTs: s.importRTs ?? [],
    exportRTs: s.exportRTs ?? [],
    gatewayNetworks: networks === '' ? [] : networks.split('\n'),
  };
  if (s.hostSession) plan.hostSession = planHostSession(s.hostSession, node.nodeIndex, node.asn);
  k.plan = { node, networks, plan };
  return plan;
}

/**
 * Each L2VNI's plan with its gateway networks, kept per resource object with what else it
 * depends on (the underlay's VTEPs, the VRF of the L3VNI it routes through), as L3VNIs are;
 * `ref`: the name of that L3VNI, read once.
 */
const l2vniPlans = new WeakMap<
  L2VNIResource,
  {
    ref: string | undefined;
    vtepIPv4: string | undefined;
    vtepIPv6: string | undefined;
    vrf: string | undefined;
    plan: L2VniPlan;
    networks: string[];
  }
>();

/** An L2VNI's plan and its gateway networks (`vrfOfL3vni`: the VRF of each L3VNI by name). */
function keptL2vniPlan(
  r: L2VNIResource,
  underlay: UnderlayPlan | undefined,
  vrfOfL3vni: ReadonlyMap<string, string>,
): { plan: L2VniPlan; networks: string[] } {
  const k = l2vniPlans.get(r);
  const ref = k ? k.ref : r.spec.routingDomain?.l3vni?.name;
  const vrf = ref === undefined ? undefined : vrfOfL3vni.get(ref);
  if (k && k.vtepIPv4 === underlay?.vtepIPv4 && k.vtepIPv6 === underlay?.vtepIPv6 && k.vrf === vrf) return k;
  const plan = l2vniPlan(r, underlay, vrfOfL3vni);
  const kept = { ref, vtepIPv4: underlay?.vtepIPv4, vtepIPv6: underlay?.vtepIPv6, vrf, plan, networks: plan.gatewayIPs.map(maskedNetwork) };
  l2vniPlans.set(r, kept);
  return kept;
}

/** An L2VNI's plan (`vrfOfL3vni`: the VRF of each L3VNI by name). */
function l2vniPlan(r: L2VNIResource, underlay: UnderlayPlan | undefined, vrfOfL3vni: ReadonlyMap<string, string>): L2VniPlan {
  const s = r.spec;
  const p: L2VniPlan = {
    name: r.name,
    vni: s.vni,
    vxlanPort: s.vxlanPort,
    vtep: vtepOf(underlay, s.underlayAddressFamily),
    gatewayIPs: s.gatewayIPs ?? [],
  };
  const ref = s.routingDomain?.l3vni?.name;
  if (ref !== undefined) {
    const vrf = vrfOfL3vni.get(ref);
    if (vrf) p.vrf = vrf;
  }
  if (p.gatewayIPs.length > 0) p.gatewayMac = distributedGatewayMac(s.vni);
  const lb = s.hostMaster?.linuxBridge;
  if (s.hostMaster?.type === 'LinuxBridge' && lb) {
    p.hostBridge = lb.lifecycle === 'Managed' ? { name: names.hostBridge(s.vni), managed: true } : { name: lb.name ?? '', managed: false };
  }
  return p;
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
