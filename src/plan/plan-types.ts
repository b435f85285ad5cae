// The router plan's shape: what the FRR renderer and the kernel planner read (src/plan/router-plan.ts builds it).
import type { BFDSettings, NodeSettings } from '../config/model.js';

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
