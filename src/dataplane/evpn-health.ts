// EVPN data-plane health: what FRR's zebra must have installed for the routes it
// put in the VRF tables to forward. A route through a remote VTEP is
// `<prefix> via <vtep> dev br-pe-<vni> onlink`; the kernel sends it only when
//   - the bridge holds a neighbour for <vtep> with the VTEP's router MAC (zebra's
//     extern_learn entry), and
//   - the VXLAN device holds an FDB entry <router MAC> -> dst <vtep>.
// FRR 8.4 can lose both after a redundant EVPN session flaps (FRR issue 12391)
// while BGP and the routes look right: the VRF then blackholes. Pure: the
// adapter (dataplane.ts) dumps the kernel, this decides.
import { names } from '../net/names.js';
import { evpnIndex } from './evpn-index.js';
import * as K from './netlink/constants.js';
import type { LinkInfo, NeighInfo, RouteInfo, RtEvent } from './netlink/index.js';

export interface EvpnObservation {
  /** Router namespace links. */
  links: LinkInfo[];
  /** Router namespace routes, every table, both families. */
  routes: RouteInfo[];
  /** ARP and ND entries of the router namespace. */
  neighbours: NeighInfo[];
  /** Bridge/VXLAN FDB entries of the router namespace. */
  fdb: NeighInfo[];
}

export interface EvpnFault {
  vni: number;
  vrf: string;
  /** The remote VTEP the routes point at. */
  vtep: string;
  /** What is missing: the router-MAC neighbour on br-pe-<vni>, or the FDB entry on the VXLAN device. */
  missing: 'router-mac' | 'fdb';
  /** Routes of the VRF through that VTEP (all blackholed). */
  routes: number;
}

export function describeEvpnFault(f: EvpnFault): string {
  const what =
    f.missing === 'router-mac'
      ? `no router-MAC neighbour on ${names.peBridge(f.vni)}`
      : `no FDB entry for its router MAC on ${names.vxlan(f.vni)}`;
  return `EVPN VNI ${f.vni} (VRF ${f.vrf}): remote VTEP ${f.vtep}: ${what} (${f.routes} route(s) blackholed)`;
}

/** `::ffff:a.b.c.d` (how zebra gives an IPv6 route an IPv4 VTEP) -> a.b.c.d. */
export const vtepOf = (gateway: string): string => /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(gateway)?.[1] ?? gateway;

/** A neighbour that forwards: it has a MAC and is not unresolved. */
const usable = (n: NeighInfo): boolean => n.mac !== undefined && (n.state & (K.NUD_INCOMPLETE | K.NUD_FAILED)) === 0;

/** Gateways of the routes in `table` that leave through `oif`, with how many routes use each. */
function gatewaysVia(routes: readonly RouteInfo[], oif: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of routes) {
    const paths = r.nexthops ?? [{ gateway: r.gateway, oif: r.oif }];
    const gws = new Set(paths.filter((p) => p.oif === oif && p.gateway !== undefined).map((p) => p.gateway!));
    for (const g of gws) out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

/** The faults of each L3VNI's remote VTEPs; [] when every route has what it needs. */
export function evpnFaults(l3vnis: Array<{ vni: number; vrf: string }>, o: EvpnObservation): EvpnFault[] {
  const byName = new Map(o.links.map((l) => [l.name, l]));
  const idx = evpnIndex(o);
  const faults: EvpnFault[] = [];
  for (const { vni, vrf } of l3vnis) {
    const bridge = byName.get(names.peBridge(vni));
    const vxlan = byName.get(names.vxlan(vni));
    const table = byName.get(vrf)?.vrf?.table;
    // Missing devices are the kernel reconcile's business, not this check's.
    if (!bridge || !vxlan || table === undefined) continue;
    const perVtep = new Map<string, { routes: number; missing?: EvpnFault['missing'] }>();
    for (const [gw, routes] of gatewaysVia(idx.routesOf(table), bridge.index)) {
      const vtep = vtepOf(gw);
      const found = idx.neighbour(bridge.index, gw);
      const nb = found && usable(found) ? found : undefined;
      const fdb = nb && idx.fdb(vxlan.index, nb.mac!, vtep) !== undefined;
      const missing = !nb ? 'router-mac' : !fdb ? 'fdb' : undefined;
      const cur = perVtep.get(vtep) ?? { routes: 0 };
      cur.routes += routes;
      // One fault per VTEP; a missing neighbour is the worse of the two.
      if (missing === 'router-mac' || (missing && !cur.missing)) cur.missing = missing;
      perVtep.set(vtep, cur);
    }
    for (const [vtep, v] of perVtep) if (v.missing) faults.push({ vni, vrf, vtep, missing: v.missing, routes: v.routes });
  }
  return faults;
}

/** The ifindexes of the L3VNIs' bridges (router-MAC neighbours) and VXLAN devices (their FDB entries). */
export interface EvpnDevices {
  bridges: Set<number>;
  vxlans: Set<number>;
}

export function evpnDevices(l3vnis: Array<{ vni: number }>, links: LinkInfo[]): EvpnDevices {
  const byName = new Map(links.map((l) => [l.name, l.index]));
  const idx = (name: string): number[] => (byName.has(name) ? [byName.get(name)!] : []);
  return {
    bridges: new Set(l3vnis.flatMap((v) => idx(names.peBridge(v.vni)))),
    vxlans: new Set(l3vnis.flatMap((v) => idx(names.vxlan(v.vni)))),
  };
}

/**
 * Why a kernel event may have broken a route through a remote VTEP, or undefined: a
 * neighbour on an L3VNI bridge deleted or unresolved (the kernel makes an INCOMPLETE
 * entry for a lost one as soon as traffic needs it), or a remote FDB entry (with a
 * VTEP) on an L3VNI's VXLAN device deleted. Additions cannot break anything. `d` undefined (no
 * observation yet): every such event counts.
 */
export function evpnEventReason(e: RtEvent, d: EvpnDevices | undefined): string | undefined {
  if (e.kind !== 'neigh') return undefined;
  const n = e.neigh;
  if (!e.deleted && (n.state & (K.NUD_INCOMPLETE | K.NUD_FAILED)) === 0) return undefined;
  const what = e.deleted ? 'deleted' : 'unresolved';
  // Only a remote entry (with a VTEP) of an L3VNI's VXLAN device carries a router MAC.
  if (n.family === 'bridge')
    return !e.deleted || n.dst === undefined || (d && !d.vxlans.has(n.ifindex))
      ? undefined
      : `FDB entry ${n.mac ?? '?'} dst ${n.dst} deleted`;
  return d && !d.bridges.has(n.ifindex) ? undefined : `neighbour ${n.dst ?? '?'} ${what}`;
}
