// An index of an EVPN observation for the health check (evpn-health.ts) and the
// patch (evpn-patch.ts), each building one per check: both look up, per L3VNI, the
// routes of its VRF table, the neighbour of each gateway on its bridge and the FDB
// entry of a router MAC on its VXLAN device. Scanning the whole observation for each
// was quadratic in the VNIs (every 500 ms at 1000 VNIs: ~10 M comparisons).
import type { EvpnObservation } from './evpn-health.js';
import type { NeighInfo, RouteInfo } from './netlink/index.js';

export interface EvpnIndex {
  routesOf(table: number): readonly RouteInfo[];
  /** The neighbour `dst` on `ifindex` (one per device and address, as in the kernel). */
  neighbour(ifindex: number, dst: string): NeighInfo | undefined;
  /** The first FDB entry `mac` -> `dst` on `ifindex`. */
  fdb(ifindex: number, mac: string, dst: string): NeighInfo | undefined;
}

export function evpnIndex(o: EvpnObservation): EvpnIndex {
  const routes = new Map<number, RouteInfo[]>();
  for (const r of o.routes) {
    const list = routes.get(r.table);
    if (list) list.push(r);
    else routes.set(r.table, [r]);
  }
  const firstBy = (entries: NeighInfo[], key: (e: NeighInfo) => string | undefined): Map<string, NeighInfo> => {
    const m = new Map<string, NeighInfo>();
    for (const e of entries) {
      const k = key(e);
      if (k !== undefined && !m.has(k)) m.set(k, e);
    }
    return m;
  };
  const neigh = firstBy(o.neighbours, (n) => (n.dst === undefined ? undefined : `${n.ifindex} ${n.dst}`));
  const fdb = firstBy(o.fdb, (e) => (e.mac === undefined || e.dst === undefined ? undefined : `${e.ifindex} ${e.mac} ${e.dst}`));
  return {
    routesOf: (table) => routes.get(table) ?? [],
    neighbour: (ifindex, dst) => neigh.get(`${ifindex} ${dst}`),
    fdb: (ifindex, mac, dst) => fdb.get(`${ifindex} ${mac} ${dst}`),
  };
}
