// The kernel side of the EVPN health check: observe the router namespace, find the
// faults (evpn-health.ts), write or delete the patch entries (evpn-patch.ts decides),
// and watch the kernel's neighbour/FDB events so a check runs as soon as zebra drops
// an entry instead of at the next poll.
import type { Dataplane } from './dataplane.js';
import { evpnDevices, evpnEventReason, evpnFaults, type EvpnDevices, type EvpnFault } from './evpn-health.js';
import { describeHeldPatch, planEvpnPatch, type HeldPatch } from './evpn-patch.js';
import type { NeighEntry, RtSubscription } from './netlink/index.js';

/** One check: the faults seen, and what the patch did about them. */
export interface EvpnCheck {
  /** Faults observed (before the patch). */
  faults: EvpnFault[];
  /** `vni/vtep` of the faults the patch repaired in this check. */
  patched: string[];
  /** One line per remote VTEP whose entries perouterd holds now. */
  held: string[];
  /** What the patch wrote, deleted or gave back to zebra, one line each (for the log). */
  actions: string[];
  errors: string[];
}

type PatchDataplane = Pick<Dataplane, 'observeEvpn' | 'replaceNeighbour' | 'deleteNeighbour'>;

const describeEntry = (e: NeighEntry): string =>
  e.family === 'bridge'
    ? `FDB ${e.mac ?? ''} dst ${e.dst} (ifindex ${e.ifindex})`
    : `neighbour ${e.dst} lladdr ${e.mac ?? ''} (ifindex ${e.ifindex})`;

export class EvpnPatcher {
  private known = new Map<string, string>();
  private held = new Map<string, HeldPatch>();
  /** The L3VNI devices of the last observation (the event filter's view). */
  devices: EvpnDevices | undefined;

  constructor(
    private readonly dp: PatchDataplane,
    private readonly enabled: boolean,
  ) {}

  async check(l3vnis: Array<{ vni: number; vrf: string }>): Promise<EvpnCheck> {
    const observed = await this.dp.observeEvpn();
    this.devices = evpnDevices(l3vnis, observed.links);
    const faults = evpnFaults(l3vnis, observed);
    const plan = planEvpnPatch({ l3vnis, observed, known: this.known, held: this.held, enabled: this.enabled });
    const out: EvpnCheck = { faults, patched: [], held: [], actions: [], errors: [] };
    const failed = new Set<string>();
    for (const { entry, why } of plan.remove) {
      await this.dp.deleteNeighbour(entry).then(
        () => out.actions.push(`deleted ${describeEntry(entry)}: ${why}`),
        (e: unknown) => out.errors.push(`delete ${describeEntry(entry)}: ${(e as Error).message}`),
      );
    }
    for (const { entry, why, key } of plan.write) {
      await this.dp.replaceNeighbour(entry).then(
        () => out.actions.push(`wrote ${describeEntry(entry)}: ${why}`),
        (e: unknown) => {
          out.errors.push(`write ${describeEntry(entry)}: ${(e as Error).message}`);
          failed.add(key);
        },
      );
    }
    for (const key of plan.released) out.actions.push(`zebra holds ${key} again: perouterd's patch released`);
    this.known = plan.known;
    this.held = plan.held;
    // A fault whose write failed stays a fault (the next check writes again, the
    // escalation takes it); what was written is held, so it is deleted in time.
    out.patched = plan.fixes.filter((k) => !failed.has(k));
    out.held = [...this.held.values()].map(describeHeldPatch);
    return out;
  }
}

type WatchDataplane = Pick<Dataplane, 'subscribeRouter' | 'routerNamespaceId'>;

/**
 * Neighbour/FDB events of the router namespace, filtered to what can break a route
 * through a remote VTEP. (Re)subscribes at each `ensure()` when there is no
 * subscription yet or the namespace behind the name changed (rebuilt).
 */
export class EvpnWatch {
  private sub: RtSubscription | undefined;
  private nsId: number | undefined;
  private closed = false;

  constructor(
    private readonly dp: WatchDataplane,
    private readonly devices: () => EvpnDevices | undefined,
    private readonly changed: (why: string) => void,
  ) {}

  /** Subscribed (or already); the error when the namespace cannot be watched now. */
  ensure(): string | undefined {
    if (this.closed) return undefined;
    const id = this.dp.routerNamespaceId();
    if (this.sub && id === this.nsId) return undefined;
    this.sub?.close();
    this.sub = undefined;
    if (id === undefined) return 'no router namespace';
    try {
      this.sub = this.dp.subscribeRouter(['neigh'], {
        event: (e) => {
          const why = evpnEventReason(e, this.devices());
          if (why) this.changed(why);
        },
        overrun: (why) => this.changed(`events lost (${why})`),
      });
      this.nsId = id;
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  }

  close(): void {
    this.closed = true;
    this.sub?.close();
    this.sub = undefined;
  }
}
