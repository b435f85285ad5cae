// Public data types of the rtnetlink module (re-exported by index.ts).

export interface LinkInfo {
  index: number;
  name: string;
  /** IFLA_INFO_KIND (bridge, vxlan, vrf, veth, dummy, ...); undefined for e.g. lo. */
  kind?: string;
  /** IFF_UP in ifi_flags (administratively up). */
  up: boolean;
  /**
   * Operational state: IFLA_OPERSTATE == UP, or UNKNOWN with IFF_LOWER_UP (lo,
   * dummy and other drivers that never report an operstate). undefined if the
   * kernel sent no IFLA_OPERSTATE.
   */
  operUp?: boolean;
  mtu: number;
  master?: number;
  group: number;
  /** aa:bb:cc:dd:ee:ff */
  mac?: string;
  /** IFLA_LINK (veth peer index, vxlan lower device...). */
  linkIndex?: number;
  /** IFLA_LINK_NETNSID: the peer/lower device lives in another netns. */
  linkNetnsId?: number;
  vxlan?: { vni: number; port: number; local?: string; learning: boolean; dev?: number };
  vrf?: { table: number };
  /** From IFLA_INFO_SLAVE_DATA when the link is a bridge port (free in every dump). */
  bridgePort?: { neighSuppress?: boolean; learning?: boolean };
}

export interface AddrInfo {
  index: number;
  family: 4 | 6;
  address: string;
  prefixLen: number;
  scope: number;
  /** IFA_FLAGS (u32) when present, else ifa_flags. */
  flags: number;
}

export interface RouteInfo {
  table: number;
  family: 4 | 6;
  /** CIDR; '0.0.0.0/0' / '::/0' for default. */
  dst: string;
  gateway?: string;
  oif?: number;
  protocol: number;
  type: number;
  /** RTA_PRIORITY. */
  metric?: number;
  /** RTNH_F_ONLINK in rtm_flags (single-path routes). */
  onlink?: boolean;
  /** RTA_MULTIPATH: the paths of an ECMP route (gateway/oif above are then unset). */
  nexthops?: RouteNexthop[];
}

export interface RouteNexthop {
  gateway?: string;
  oif: number;
  onlink?: boolean;
}

/** A neighbour (ARP/ND) or, with family 'bridge', a bridge/VXLAN FDB entry. */
export interface NeighInfo {
  family: 4 | 6 | 'bridge';
  ifindex: number;
  /** NUD_* bits. */
  state: number;
  /** NTF_* bits. */
  flags: number;
  /** NDA_DST: the neighbour's IP, or a VXLAN FDB entry's remote VTEP. */
  dst?: string;
  /** NDA_LLADDR: aa:bb:cc:dd:ee:ff */
  mac?: string;
}

/** One neighbour or FDB entry to write or delete (see encodeNeighEntry). */
export interface NeighEntry {
  /** 4 or 6: ARP/ND entry for `dst`; 'bridge': FDB entry `mac` -> `dst` (NTF_SELF on a VXLAN device). */
  family: 4 | 6 | 'bridge';
  ifindex: number;
  dst: string;
  mac?: string;
  /** NUD_* (writes). */
  state?: number;
  /** NTF_* (writes; NTF_SELF for a VXLAN device's own FDB). */
  flags?: number;
}

export type NewLinkSpec =
  | { kind: 'bridge' }
  | { kind: 'vrf'; table: number }
  | { kind: 'dummy' }
  | { kind: 'vxlan'; vni: number; local: string; port: number; learning: boolean; dev?: number }
  /** peerNetnsFd: keep it open until the promise settles. peerMtu defaults to NewLink.mtu. */
  | { kind: 'veth'; peerName: string; peerNetnsFd?: number; peerMtu?: number };

export interface NewLink {
  name: string;
  spec: NewLinkSpec;
  mtu?: number;
  master?: number;
  up?: boolean;
  group?: number;
  mac?: string;
  /** Create the link directly in the netns of this fd (keep it open until the promise settles). */
  netnsFd?: number;
}

export interface LinkChange {
  up?: boolean;
  mtu?: number;
  /** 0 detaches. */
  master?: number;
  group?: number;
  mac?: string;
  /** Move the link into that netns (keep the fd open until the promise settles). Bridges cannot move (EINVAL). */
  netnsFd?: number;
  name?: string;
  /** IFLA_AF_SPEC/AF_INET6/IFLA_INET6_ADDR_GEN_MODE; 1 = none. */
  ipv6AddrGenMode?: number;
}

export interface RouteSpec {
  family: 4 | 6;
  dst: string;
  gateway?: string;
  oif?: number;
  /** Default 254 (main). > 255 goes in RTA_TABLE. */
  table?: number;
  /** Route type, default RTN_UNICAST (1); e.g. 7 = unreachable. */
  type?: number;
  /** RTA_PRIORITY. */
  metric?: number;
  /** rtm_protocol on replace, default RTPROT_STATIC (4). Ignored on delete unless set. */
  protocol?: number;
}
