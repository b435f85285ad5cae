// Each VNI's plan, kept per resource object (router-plan.ts puts them together): an unchanged
// resource keeps the same plan object, which the renderer's and the kernel planner's memos
// then recognise.
import type { HostSession, L2VNIResource, L3VNIResource } from '../config/model.js';
import { pickVtep, type UnderlayAddressFamily } from '../config/vtep.js';
import { distributedGatewayMac, vethIPs } from '../net/ipam.js';
import { formatNetwork, parseCidr } from '../net/ipnet.js';
import { names } from '../net/names.js';
import type { HostSessionPlan, L2VniPlan, L3VniPlan, UnderlayPlan } from './plan-types.js';

export const bare = (addr: string): string => addr.split('/')[0] ?? addr;

export function remoteAsOf(n: { asn?: number; type?: 'External' | 'Internal' }, localAsn: number): { remoteAs: string; internal: boolean } {
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

/** The local VTEP of an overlay (src/config/vtep.ts decides which; validation made sure there is one). */
function vtepOf(u: Pick<UnderlayPlan, 'vtepIPv4' | 'vtepIPv6'> | undefined, family: UnderlayAddressFamily): string {
  const v = u ? pickVtep({ v4: u.vtepIPv4, v6: u.vtepIPv6 }, family) : undefined;
  if (!v) throw new Error(`no ${family ?? 'local'} VTEP for an overlay: the configuration was not validated`);
  return v;
}

/** Gateway IPs are host addresses in a subnet (192.170.1.1/24); FRR advertises the network. */
export const maskedNetwork = (cidr: string): string => formatNetwork(parseCidr(cidr));

export interface NodeContext {
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
export interface KeptL3vni {
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

export function keptL3vni(r: L3VNIResource): KeptL3vni {
  let k = keptL3vnis.get(r);
  if (!k) keptL3vnis.set(r, (k = { resource: r, name: r.name, vrf: r.spec.vrf }));
  return k;
}

/** The plan of the kept L3VNI `k` on `node` with its VRF's gateway networks (sorted, one a line). */
export function l3vniPlan(k: KeptL3vni, node: NodeContext, networks: string): L3VniPlan {
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
export function keptL2vniPlan(
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
