// Watches the EVPN data plane between reconciles: every `intervalMs` it asks the
// kernel which routes through remote VTEPs lack their router-MAC neighbour or FDB
// entry (dataplane/evpn-health.ts), keeps the faults for the status (the daemon
// derives `degraded` from them), counts them, and runs the repair the policy
// (evpn-repair.ts) chooses. Never while a reconcile runs: it would observe a
// half-applied state.
import type { Logger } from 'pino';
import { describeEvpnFault, type EvpnFault } from '../dataplane/evpn-health.js';
import type { EvpnRepairTarget } from '../frr/evpn-repair.js';
import { EvpnRepairPolicy, type EvpnRepairOptions, type EvpnRepairStep } from './evpn-repair.js';
import type { FrrPort, KernelPort } from './ports.js';

export interface EvpnHealthStatus {
  /** One line per VNI and remote VTEP whose routes blackhole now. */
  faults: string[];
  /** Faults that appeared (a VNI/VTEP pair going from healthy to faulty): the metric. */
  faultsDetected: number;
  /** Repairs run, in total and per step. */
  repairs: number;
  repairsByStep: Partial<Record<EvpnRepairStep, number>>;
  lastRepair?: { step: EvpnRepairStep; at: string; error?: string };
  /** True once the repairs of the current episode are used up (left to the operator). */
  gaveUp: boolean;
}

export interface EvpnMonitorDeps {
  kernel: Pick<KernelPort, 'evpnFaults'>;
  frr: Pick<FrrPort, 'repairEvpn'>;
  /** The L3VNIs of the configuration last applied. */
  l3vnis(): EvpnRepairTarget[];
  /** True while a reconcile runs. */
  busy(): boolean;
  /** The faults changed (status must be written again). */
  changed(): void;
  log: Logger;
  now?: () => number;
  repair?: EvpnRepairOptions;
}

const key = (f: EvpnFault): string => `${f.vni}/${f.vtep}`;

export class EvpnMonitor {
  readonly status: EvpnHealthStatus = { faults: [], faultsDetected: 0, repairs: 0, repairsByStep: {}, gaveUp: false };
  private current: EvpnFault[] = [];
  private readonly policy: EvpnRepairPolicy;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(private readonly d: EvpnMonitorDeps) {
    this.policy = new EvpnRepairPolicy(d.repair);
  }

  private now(): number {
    return (this.d.now ?? Date.now)();
  }

  /** The faults of the last check. */
  faults(): EvpnFault[] {
    return this.current;
  }

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** FRR restarted: it reinstalls everything; no repair while it converges. */
  frrRestarted(graceMs: number): void {
    this.policy.suppress(this.now() + graceMs);
  }

  /** One check (and at most one repair). */
  async tick(): Promise<void> {
    if (this.ticking || this.d.busy()) return;
    this.ticking = true;
    try {
      await this.check();
    } catch (e) {
      this.d.log.debug({ err: (e as Error).message }, 'EVPN health check could not observe the kernel');
    } finally {
      this.ticking = false;
    }
  }

  private async check(): Promise<void> {
    const l3vnis = this.d.l3vnis();
    const faults = l3vnis.length === 0 ? [] : await this.d.kernel.evpnFaults(l3vnis);
    this.record(faults);
    const decision = this.policy.decide(faults, this.now());
    const gaveUp = decision.action === 'none' && decision.why === 'gave-up';
    if (gaveUp !== this.status.gaveUp) {
      this.status.gaveUp = gaveUp;
      if (gaveUp) this.d.log.error({ faults: this.status.faults }, 'EVPN data plane still broken after every repair: left to the operator');
      this.d.changed();
    }
    if (decision.action !== 'repair') return;
    const targets = [...new Map(faults.map((f) => [f.vni, { vni: f.vni, vrf: f.vrf }])).values()];
    this.d.log.warn(
      { step: decision.step, attempt: decision.attempt, faults: this.status.faults },
      `EVPN data plane broken: repair (${decision.step})`,
    );
    const error = await this.d.frr.repairEvpn(decision.step, targets);
    this.status.repairs++;
    this.status.repairsByStep[decision.step] = (this.status.repairsByStep[decision.step] ?? 0) + 1;
    this.status.lastRepair = { step: decision.step, at: new Date(this.now()).toISOString(), ...(error ? { error } : {}) };
    if (error) this.d.log.error({ step: decision.step, error }, 'EVPN repair could not run');
    this.d.changed();
  }

  private record(faults: EvpnFault[]): void {
    const before = new Set(this.current.map(key));
    const fresh = faults.filter((f) => !before.has(key(f)));
    const healed = this.current.filter((f) => !faults.some((g) => key(g) === key(f)));
    this.current = faults;
    if (fresh.length === 0 && healed.length === 0) return;
    this.status.faultsDetected += fresh.length;
    this.status.faults = faults.map(describeEvpnFault);
    for (const f of fresh) this.d.log.warn({ vni: f.vni, vtep: f.vtep, missing: f.missing }, describeEvpnFault(f));
    for (const f of healed) this.d.log.info({ vni: f.vni, vtep: f.vtep }, `EVPN VNI ${f.vni}: remote VTEP ${f.vtep} forwards again`);
    this.d.changed();
  }
}
