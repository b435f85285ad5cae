// The router namespace's neighbour side, as the EVPN check (evpn-patcher.ts) and the
// bridge refresher (bridge-refresh.ts) use it: what they read (links, routes, ARP/ND
// and FDB entries, dumped together) and the neighbour/FDB writes they make. The
// Dataplane port (dataplane.ts) includes this one and answers it here, on its
// router-namespace socket.
import { staleNeighbours, type NeighbourObservation, type NeighbourRefreshReport } from './bridge-refresh.js';
import type { EvpnObservation } from './evpn-health.js';
import { errorText, type NeighEntry, type RtNetlink } from './netlink/index.js';

export interface RouterNeighbours {
  /** What the EVPN data-plane health check reads: the router namespace's links, routes, neighbours, FDB. */
  observeEvpn(): Promise<EvpnObservation>;
  /** What the bridge refresher reads: the router namespace's links and ARP/ND entries. */
  observeNeighbours(): Promise<NeighbourObservation>;
  /** Asks the kernel to re-confirm an existing router-namespace neighbour (NTF_USE); false when it is gone. */
  useNeighbour(ifindex: number, ip: string): Promise<boolean>;
  /** Writes (CREATE|REPLACE) or deletes one router-namespace neighbour or FDB entry (the EVPN patch). */
  replaceNeighbour(e: NeighEntry): Promise<void>;
  deleteNeighbour(e: NeighEntry): Promise<void>;
}

/** RouterNeighbours on the router namespace's socket (`nl()` gives the current one). */
export class NetlinkRouterNeighbours implements RouterNeighbours {
  constructor(private readonly nl: () => RtNetlink) {}

  async observeEvpn(): Promise<EvpnObservation> {
    const nl = this.nl();
    const [links, routes, n4, n6, fdb] = await Promise.all([
      nl.dumpLinks(),
      nl.dumpRoutes(),
      nl.dumpNeighbours(4),
      nl.dumpNeighbours(6),
      nl.dumpNeighbours('bridge'),
    ]);
    return { links, routes, neighbours: [...n4, ...n6], fdb };
  }

  async observeNeighbours(): Promise<NeighbourObservation> {
    const nl = this.nl();
    const [links, n4, n6] = await Promise.all([nl.dumpLinks(), nl.dumpNeighbours(4), nl.dumpNeighbours(6)]);
    return { links, neighbours: [...n4, ...n6] };
  }

  useNeighbour(ifindex: number, ip: string): Promise<boolean> {
    return this.nl().useNeighbour(ifindex, ip);
  }

  replaceNeighbour(e: NeighEntry): Promise<void> {
    return this.nl().replaceNeighbour(e);
  }

  deleteNeighbour(e: NeighEntry): Promise<void> {
    return this.nl().deleteNeighbour(e);
  }
}

/** One round of the bridge refresher: re-confirm every STALE entry on the bridges of `l2vnis`. */
export async function refreshStaleNeighbours(
  dp: Pick<RouterNeighbours, 'observeNeighbours' | 'useNeighbour'>,
  l2vnis: number[],
): Promise<NeighbourRefreshReport> {
  const report: NeighbourRefreshReport = { refreshed: [], gone: 0, errors: [] };
  const stale = staleNeighbours(l2vnis, await dp.observeNeighbours());
  await Promise.all(
    stale.map(async (n) => {
      try {
        if (await dp.useNeighbour(n.ifindex, n.ip)) report.refreshed.push(`${n.bridge} ${n.ip} ${n.mac}`);
        else report.gone++;
      } catch (e) {
        report.errors.push(`${n.bridge} ${n.ip}: ${errorText(e)}`);
      }
    }),
  );
  return report;
}
