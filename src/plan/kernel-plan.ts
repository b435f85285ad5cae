// RouterPlan → the kernel objects that must exist. Pure; the dataplane adapter
// diffs this against what it observes and issues only the missing changes.
// Written as Steps (pausing every CHUNK VNIs): at 10,000 VNIs building the
// 54,000 link objects takes 50-200 ms, most of it garbage collection.
import { names, UNDERLAY_LINK_GROUP } from '../net/names.js';
import { CHUNK, runSync, type Steps } from '../util/steps.js';
import { VXLAN_OVERHEAD, type L2VniPlan, type L3VniPlan, type RouterPlan, type VethAddressing } from './router-plan.js';

import type { NetnsRole } from '../net/names.js';
export type { NetnsRole };

export type DesiredLinkKind =
  | { kind: 'vrf' }
  | { kind: 'bridge' }
  | { kind: 'vxlan'; vni: number; local: string; port: number }
  /** A veth created from this side (master set at creation), with its peer placed directly in `peerNs`. */
  | { kind: 'veth'; peer: string; peerNs: NetnsRole }
  /** The far end of a veth that another DesiredLink creates; never created on its own. */
  | { kind: 'veth-peer'; peer: string; peerNs: NetnsRole };

export interface DesiredLink {
  ns: NetnsRole;
  name: string;
  type: DesiredLinkKind;
  /** Name of the master device in the same namespace (VRF or bridge). */
  master?: string;
  /** Addresses with prefix length, in the order they should be added. */
  addresses: string[];
  /** Veth legs follow the underlay MTU minus VXLAN overhead (50), as upstream's internal/hostnetwork/vni.go. */
  mtuFromUnderlay?: boolean;
  mac?: string;
  /** IPv6 addr_gen_mode "none": no link-local on L3VNI bridges and vxlans. */
  noIpv6LinkLocal?: boolean;
  /** Bridge-port neighbour suppression (ARP/ND answered from EVPN). */
  neighSuppress?: boolean;
  /** Addresses put there by someone else are left alone (the host bridges belong to the host). */
  keepForeignAddresses?: boolean;
  /** Which resource this object serves, for logs and status. */
  owner: string;
}

export interface DesiredSysctl {
  path: string;
  value: string;
  /** Missing on older kernels (accept_untracked_na needs 5.18): warn, don't fail. */
  optional?: boolean;
}

export interface KernelPlan {
  underlayNics: string[];
  underlayGroup: number;
  /** VTEP addresses (/32, /128) on the router namespace's `lo`. */
  loopbackAddresses: string[];
  links: DesiredLink[];
  sysctls: DesiredSysctl[];
  /** Subtracted from the underlay MTU for veth legs; results <= 1280 leave MTU alone. */
  vxlanOverhead: number;
}

export const ROUTER_SYSCTLS: DesiredSysctl[] = [
  { path: 'net/ipv4/conf/all/forwarding', value: '1' },
  { path: 'net/ipv6/conf/all/forwarding', value: '1' },
  { path: 'net/ipv4/conf/all/arp_accept', value: '1' },
  { path: 'net/ipv4/conf/default/arp_accept', value: '1' },
  { path: 'net/ipv6/conf/default/accept_untracked_na', value: '1', optional: true },
  { path: 'net/ipv6/conf/all/accept_untracked_na', value: '1', optional: true },
];

function vethPair(
  hostName: string,
  peName: string,
  owner: string,
  opts: { peMaster?: string; addrs?: VethAddressing[]; mtuFromUnderlay: boolean; hostMaster?: string },
): DesiredLink[] {
  // Created from the router side with its master set in the same request, so the
  // router leg is born inside its VRF/bridge: with FRR 8.4, a leg created in the
  // default VRF and enslaved a moment later sometimes left bgpd without the
  // interface ("nexthop_set failed … intf (Unknown)"), and the host session never
  // came up (seen in the lab in about half the runs).
  const host: DesiredLink = {
    ns: 'host',
    name: hostName,
    type: { kind: 'veth-peer', peer: peName, peerNs: 'router' },
    addresses: (opts.addrs ?? []).map((a) => a.host),
    owner,
  };
  const pe: DesiredLink = {
    ns: 'router',
    name: peName,
    type: { kind: 'veth', peer: hostName, peerNs: 'host' },
    addresses: (opts.addrs ?? []).map((a) => a.pe),
    owner,
  };
  if (opts.mtuFromUnderlay) host.mtuFromUnderlay = pe.mtuFromUnderlay = true;
  if (opts.peMaster) pe.master = opts.peMaster;
  if (opts.hostMaster) host.master = opts.hostMaster;
  return [host, pe];
}

/** The VXLAN device of a VNI: local VTEP, no learning, ARP/ND suppressed, in the VNI's bridge. */
function vxlanOf(v: { vni: number; vtep: string; vxlanPort: number }, owner: string): DesiredLink {
  return {
    ns: 'router',
    name: names.vxlan(v.vni),
    type: { kind: 'vxlan', vni: v.vni, local: v.vtep, port: v.vxlanPort },
    master: names.peBridge(v.vni),
    addresses: [],
    noIpv6LinkLocal: true,
    neighSuppress: true,
    owner,
  };
}

const sessionAddrs = (hs: { ipv4?: VethAddressing; ipv6?: VethAddressing } | undefined): VethAddressing[] =>
  [hs?.ipv4, hs?.ipv6].filter((a): a is VethAddressing => a !== undefined);

export function planKernel(plan: RouterPlan): KernelPlan {
  return runSync(planKernelSteps(plan));
}

/** planKernel, pausing every CHUNK VNIs. */
export function* planKernelSteps(plan: RouterPlan): Steps<KernelPlan> {
  const links: DesiredLink[] = [];
  const u = plan.underlay;
  const loopbackAddresses: string[] = [];
  if (u?.vtepIPv4) loopbackAddresses.push(`${u.vtepIPv4}/32`);
  if (u?.vtepIPv6) loopbackAddresses.push(`${u.vtepIPv6}/128`);

  const vrfs = new Set<string>();
  for (const v of plan.l3vnis) vrfs.add(v.vrf);
  for (const v of plan.l2vnis) if (v.vrf) vrfs.add(v.vrf);
  for (const vrf of [...vrfs].sort()) links.push({ ns: 'router', name: vrf, type: { kind: 'vrf' }, addresses: [], owner: `vrf ${vrf}` });

  let n = 0;
  for (const v of plan.l3vnis) {
    if (++n % CHUNK === 0) yield;
    for (const l of kept(l3Links, v, l3vniLinks)) links.push(l);
  }
  for (const v of plan.l2vnis) {
    if (++n % CHUNK === 0) yield;
    for (const l of kept(l2Links, v, l2vniLinks)) links.push(l);
  }

  if (plan.passthrough) {
    links.push(
      ...vethPair(names.passthroughHost, names.passthroughPe, `L3Passthrough ${plan.passthrough.name}`, {
        addrs: sessionAddrs(plan.passthrough.hostSession),
        mtuFromUnderlay: false,
      }),
    );
  }

  return {
    underlayNics: u?.nics ?? [],
    underlayGroup: UNDERLAY_LINK_GROUP,
    loopbackAddresses,
    links,
    sysctls: u ? ROUTER_SYSCTLS : [],
    vxlanOverhead: VXLAN_OVERHEAD,
  };
}

/**
 * Each VNI's links, kept per plan object (a VNI's links depend on its plan alone): an
 * unchanged VNI keeps its plan object (router-plan.ts), so a reconcile builds the links of
 * the VNIs that changed only. Plans and links are never mutated.
 */
const l3Links = new WeakMap<L3VniPlan, readonly DesiredLink[]>();
const l2Links = new WeakMap<L2VniPlan, readonly DesiredLink[]>();

function kept<P extends object>(memo: WeakMap<P, readonly DesiredLink[]>, v: P, build: (v: P) => DesiredLink[]): readonly DesiredLink[] {
  let out = memo.get(v);
  if (!out) memo.set(v, (out = build(v)));
  return out;
}

/** An L3VNI's bridge in its VRF, its VXLAN, and its host session's veth pair. */
function l3vniLinks(v: L3VniPlan): DesiredLink[] {
  const owner = `L3VNI ${v.name}`;
  const links: DesiredLink[] = [
    { ns: 'router', name: names.peBridge(v.vni), type: { kind: 'bridge' }, master: v.vrf, addresses: [], noIpv6LinkLocal: true, owner },
    vxlanOf(v, owner),
  ];
  if (v.hostSession) {
    const addrs = sessionAddrs(v.hostSession);
    links.push(...vethPair(names.hostVeth(v.vni), names.peVeth(v.vni), owner, { peMaster: v.vrf, addrs, mtuFromUnderlay: true }));
  }
  return links;
}

/** An L2VNI's bridge (in its VRF, with the gateway addresses), its VXLAN, a managed host bridge and the veth pair. */
function l2vniLinks(v: L2VniPlan): DesiredLink[] {
  const owner = `L2VNI ${v.name}`;
  const bridge: DesiredLink = { ns: 'router', name: names.peBridge(v.vni), type: { kind: 'bridge' }, addresses: [...v.gatewayIPs], owner };
  if (v.vrf) bridge.master = v.vrf;
  if (v.gatewayMac) bridge.mac = v.gatewayMac;
  const links = [bridge, vxlanOf(v, owner)];
  if (v.hostBridge?.managed)
    links.push({ ns: 'host', name: v.hostBridge.name, type: { kind: 'bridge' }, addresses: [], keepForeignAddresses: true, owner });
  const opts: Parameters<typeof vethPair>[3] = { peMaster: names.peBridge(v.vni), mtuFromUnderlay: true };
  if (v.hostBridge) opts.hostMaster = v.hostBridge.name;
  links.push(...vethPair(names.hostVeth(v.vni), names.peVeth(v.vni), owner, opts));
  return links;
}
