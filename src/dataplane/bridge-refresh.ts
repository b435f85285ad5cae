// Silent hosts on an L2VNI stay reachable (upstream's bridge refresher). zebra
// advertises an EVPN type-2 MAC+IP route for every ARP/ND entry on br-pe-<vni>
// and withdraws it when the kernel drops the entry. The kernel drops an entry
// that went STALE (no confirmation for reachable_time) and stayed unused for
// gc_stale_time, so a VM that never talks first loses its route and, with it,
// every routed path from other nodes (their anycast gateway answers for the
// subnet, and the VM's ARP reply to that gateway MAC stops at its own node).
//
// The remedy is to make the kernel re-confirm STALE entries before they are
// dropped: the kernel probes the host by unicast ARP/NS, a live host answers
// (REACHABLE again, route kept), a gone host does not (FAILED, removed: its route
// is withdrawn, as it should be). Pure: the adapter dumps the router namespace,
// this picks the entries, the adapter asks the kernel (NTF_USE) for each.
import { cidrContains } from '../net/ipnet.js';
import { names } from '../net/names.js';
import * as K from './netlink/constants.js';
import type { LinkInfo, NeighInfo } from './netlink/index.js';

export interface NeighbourObservation {
  /** Router namespace links. */
  links: LinkInfo[];
  /** ARP and ND entries of the router namespace. */
  neighbours: NeighInfo[];
}

/** One ARP/ND entry the kernel must re-confirm. */
export interface NeighbourRefresh {
  vni: number;
  bridge: string;
  ifindex: number;
  ip: string;
  mac: string;
}

/** One round of the refresher: what was asked, what had gone meanwhile, what failed. */
export interface NeighbourRefreshReport {
  /** `<bridge> <ip> <mac>` of each entry the kernel now re-confirms. */
  refreshed: string[];
  /** Entries gone between the dump and the request. */
  gone: number;
  errors: string[];
}

// Link-local neighbours never become type-2 routes (zebra ignores them).
const LINK_LOCAL = ['169.254.0.0/16', 'fe80::/10'];

/** Why an entry on an L2VNI bridge is left alone; undefined when it needs a refresh. */
export function leaveAlone(n: NeighInfo): string | undefined {
  if ((n.state & K.NUD_STALE) === 0) return 'not stale'; // REACHABLE, DELAY, PROBE: the kernel is on it
  if (n.mac === undefined || n.dst === undefined) return 'no MAC or IP: no type-2 route';
  // zebra's remote entries (the other VTEPs' hosts): their liveness is the remote
  // node's business, and an update without the flag would clear it.
  if ((n.flags & K.NTF_EXT_LEARNED) !== 0) return 'installed by zebra';
  if (LINK_LOCAL.some((c) => cidrContains(c, n.dst!))) return 'link-local';
  return undefined;
}

/** The STALE entries on the bridges of `l2vnis` (the VNIs of the plan applied). */
export function staleNeighbours(l2vnis: number[], o: NeighbourObservation): NeighbourRefresh[] {
  const bridges = new Map<number, { vni: number; bridge: string }>();
  const byName = new Map(o.links.map((l) => [l.name, l]));
  for (const vni of l2vnis) {
    const bridge = byName.get(names.peBridge(vni));
    // A missing bridge is the kernel reconcile's business, not the refresher's.
    if (bridge) bridges.set(bridge.index, { vni, bridge: bridge.name });
  }
  const out: NeighbourRefresh[] = [];
  for (const n of o.neighbours) {
    const b = bridges.get(n.ifindex);
    if (!b || n.family === 'bridge' || leaveAlone(n) !== undefined) continue;
    out.push({ vni: b.vni, bridge: b.bridge, ifindex: n.ifindex, ip: n.dst!, mac: n.mac! });
  }
  return out;
}
