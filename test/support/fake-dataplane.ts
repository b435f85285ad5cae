// A KernelPort for the daemon's unit test: diffs VNIs once per reconcile, records each phase
// in a shared event log and fails the ops it is told to fail.
import type { KernelPlan } from '../../src/plan/kernel-plan.js';
import type { EvpnWatchPort, KernelChanges, KernelPort, KernelReport } from '../../src/daemon/ports.js';
import type { EvpnFault } from '../../src/dataplane/evpn-health.js';
import type { EvpnCheck } from '../../src/dataplane/evpn-patcher.js';
import type { EvpnRepairTarget } from '../../src/frr/evpn-repair.js';
import type { NeighbourRefreshReport } from '../../src/dataplane/bridge-refresh.js';

export class FakeDataplane implements KernelPort {
  /** Per phase: errors the next reconcile of that phase reports (then cleared unless sticky). */
  failNext: Partial<Record<'additions' | 'removals', string[]>> = {};
  sticky = false;
  /** Configured NICs the fake kernel has in neither namespace. */
  missingNics: string[] = [];
  /** Host veths the fake kernel reports kept (peer out of sight). */
  heldVeths: string[] = [];
  /** What the EVPN health check finds (set by the test, healed by FakeFrr's repairs). */
  evpn: EvpnFault[] = [];
  evpnChecks = 0;
  /** `vni/vtep` of faults the fake EVPN patch puts back (then healed) at the next check. */
  patchable = new Set<string>();
  /** The EVPN watch's callback (fire it as the kernel would), and whether it is subscribed. */
  evpnEvent: ((why: string) => void) | undefined;
  evpnWatched = false;
  /** The L2VNIs of each bridge-refresher round, and what the next rounds report. */
  refreshRounds: number[][] = [];
  refreshReport: NeighbourRefreshReport = { refreshed: [], gone: 0, errors: [] };
  namespaceCreated = false;
  closed = false;
  /** The last plan diffed. */
  plan: KernelPlan | undefined;
  private appliedVnis = new Set<number>();

  constructor(private readonly events: string[]) {}

  ensureRouterNamespace(): boolean {
    const created = !this.namespaceCreated;
    this.namespaceCreated = true;
    return created;
  }

  async changes(plan: KernelPlan): Promise<KernelChanges> {
    this.plan = plan;
    const vnis = new Set(plan.links.flatMap((l) => (l.type.kind === 'vxlan' ? [l.type.vni] : [])));
    const add = [...vnis].filter((v) => !this.appliedVnis.has(v));
    const remove = [...this.appliedVnis].filter((v) => !vnis.has(v));
    const run = async (phase: 'additions' | 'removals', list: number[]): Promise<KernelReport> => {
      const ops = list.map((v) => `${phase === 'additions' ? 'create' : 'delete'} vni${v}`);
      this.events.push(`kernel ${phase}${ops.length ? `: ${ops.join(', ')}` : ''}`);
      const errors = this.failNext[phase] ?? [];
      if (!this.sticky) delete this.failNext[phase];
      for (const v of list) {
        if (phase === 'additions') this.appliedVnis.add(v);
        else this.appliedVnis.delete(v);
      }
      return { writes: ops.length, ops, errors };
    };
    return {
      additions: () => run('additions', add),
      removals: () => run('removals', remove),
      missingNics: [...this.missingNics],
      heldVeths: [...this.heldVeths],
    };
  }

  async checkEvpn(l3vnis: EvpnRepairTarget[]): Promise<EvpnCheck> {
    this.evpnChecks++;
    const faults = this.evpn.filter((f) => l3vnis.some((v) => v.vni === f.vni));
    const patched = faults.map((f) => `${f.vni}/${f.vtep}`).filter((k) => this.patchable.has(k));
    this.evpn = this.evpn.filter((f) => !patched.includes(`${f.vni}/${f.vtep}`));
    return { faults, patched, held: patched.map((k) => `held ${k}`), actions: patched.map((k) => `wrote ${k}`), errors: [] };
  }

  watchEvpn(changed: (why: string) => void): EvpnWatchPort {
    this.evpnEvent = changed;
    return {
      ensure: () => {
        this.evpnWatched = true;
        return undefined;
      },
      close: () => {
        this.evpnWatched = false;
        this.evpnEvent = undefined;
      },
    };
  }

  async refreshStaleNeighbours(l2vnis: number[]): Promise<NeighbourRefreshReport> {
    this.refreshRounds.push(l2vnis);
    return this.refreshReport;
  }

  /** VNIs the fake kernel holds now. */
  vnis(): number[] {
    return [...this.appliedVnis].sort((a, b) => a - b);
  }

  close(): void {
    this.closed = true;
  }
}
