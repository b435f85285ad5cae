// Watches the EVPN data plane between reconciles: as soon as the kernel announces
// that a router-MAC neighbour or FDB entry of an L3VNI went (debounced by
// EVENT_DEBOUNCE_MS), and every `intervalMs` as a backstop, it asks the kernel which
// routes through remote VTEPs lack them (dataplane/evpn-health.ts). The kernel side
// puts back what zebra lost when it knows the router MAC (the EVPN patch,
// dataplane/evpn-patch.ts); what remains is kept for the status (the daemon derives
// `degraded` from it), counted, and repaired by the step the policy (evpn-repair.ts)
// chooses. Never while a reconcile runs: it would observe a half-applied state.
import type { Logger } from 'pino';
import { describeEvpnFault, type EvpnFault } from '../dataplane/evpn-health.js';
import type { EvpnRepairTarget } from '../frr/evpn-repair.js';
import { EvpnRepairPolicy, type EvpnRepairOptions, type EvpnRepairStep } from './evpn-repair.js';
import type { EvpnWatchPort, FrrPort, KernelPort } from './ports.js';

export interface EvpnHealthStatus {
  /** One line per VNI and remote VTEP whose routes blackhole now. */
  faults: string[];
  /** Faults that appeared (a VNI/VTEP pair going from healthy to faulty): the metric. */
  faultsDetected: number;
  /** Repairs run, in total and per step. */
  repairs: number;
  repairsByStep: Partial<Record<EvpnRepairStep, number>>;
  lastRepair?: { step: EvpnRepairStep; at: string; error?: string };
  /** Faults perouterd's patch repaired by writing the lost entries itself. */
  patches: number;
  /** Remote VTEPs whose entries perouterd holds now (zebra lost them; forwarding works). */
  held: string[];
  /** Checks run at once because the kernel announced a change (the rest are the poll's). */
  eventChecks: number;
  /** True once the repairs of the current episode are used up (left to the operator). */
  gaveUp: boolean;
}

export interface EvpnMonitorDeps {
  kernel: Pick<KernelPort, 'checkEvpn' | 'watchEvpn'>;
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

/** A kernel event is followed by a check this much later: zebra removes a neighbour and an FDB entry in a burst. */
export const EVENT_DEBOUNCE_MS = 30;
/**
 * A VTEP patched this often within PATCH_WINDOW_MS is no longer counted as repaired by
 * the patch: something keeps undoing it, so the repair ladder takes over.
 */
const PATCH_LIMIT = 3;
const PATCH_WINDOW_MS = 30_000;

export const emptyEvpnStatus = (): EvpnHealthStatus => ({
  faults: [],
  faultsDetected: 0,
  repairs: 0,
  repairsByStep: {},
  gaveUp: false,
  patches: 0,
  held: [],
  eventChecks: 0,
});

export class EvpnMonitor {
  readonly status: EvpnHealthStatus = emptyEvpnStatus();
  private current: EvpnFault[] = [];
  private readonly policy: EvpnRepairPolicy;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private watch: EvpnWatchPort | undefined;
  private watchError: string | undefined;
  private debounce: NodeJS.Timeout | undefined;
  /** An event arrived while a check ran: check once more after it. */
  private again = false;
  private readonly patchedAt = new Map<string, number[]>();

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
    this.watch = this.d.kernel.watchEvpn?.((why) => this.kernelChanged(why));
    this.ensureWatch();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    clearTimeout(this.debounce);
    this.debounce = undefined;
    this.watch?.close();
    this.watch = undefined;
  }

  /** The kernel announced a change that may break a route through a remote VTEP: check soon. */
  kernelChanged(why: string): void {
    if (!this.timer) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    if (this.debounce) return;
    this.d.log.debug({ why }, 'EVPN check on a kernel event');
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.status.eventChecks++;
      void this.tick();
    }, EVENT_DEBOUNCE_MS);
  }

  private ensureWatch(): void {
    const err = this.watch?.ensure();
    if (err !== this.watchError && err !== undefined) this.d.log.debug({ err }, 'kernel events not watched yet: the poll checks alone');
    this.watchError = err;
  }

  /** FRR restarted: it reinstalls everything; no repair while it converges. */
  frrRestarted(graceMs: number): void {
    this.policy.suppress(this.now() + graceMs);
  }

  /** One check (and at most one repair). */
  async tick(): Promise<void> {
    if (this.ticking || this.d.busy()) return;
    this.ticking = true;
    this.ensureWatch();
    try {
      await this.check();
    } catch (e) {
      this.d.log.debug({ err: (e as Error).message }, 'EVPN health check could not observe the kernel');
    } finally {
      this.ticking = false;
    }
    if (this.again) {
      this.again = false;
      this.kernelChanged('changed during the last check');
    }
  }

  private async check(): Promise<void> {
    const l3vnis = this.d.l3vnis();
    const r = l3vnis.length === 0 ? undefined : await this.d.kernel.checkEvpn(l3vnis);
    const patched = this.acceptPatches(r?.patched ?? []);
    const observed = r?.faults ?? [];
    const faults = observed.filter((f) => !patched.has(key(f)));
    for (const a of r?.actions ?? []) this.d.log.warn(`EVPN patch: ${a}`);
    for (const e of r?.errors ?? []) this.d.log.error(`EVPN patch failed: ${e}`);
    this.status.patches += patched.size;
    const held = r?.held ?? [];
    const heldChanged = held.join('\n') !== this.status.held.join('\n');
    this.status.held = held;
    this.record(observed, faults, patched);
    if (heldChanged || patched.size > 0) this.d.changed();
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

  /** The patched VTEPs still counted as repaired by the patch (PATCH_LIMIT). */
  private acceptPatches(keys: string[]): Set<string> {
    const now = this.now();
    const out = new Set<string>();
    for (const k of keys) {
      const times = (this.patchedAt.get(k) ?? []).filter((t) => now - t < PATCH_WINDOW_MS);
      times.push(now);
      this.patchedAt.set(k, times);
      if (times.length <= PATCH_LIMIT) out.add(k);
      else
        this.d.log.warn(
          { vtep: k },
          `EVPN patch of ${k} undone ${times.length} times in ${PATCH_WINDOW_MS / 1000} s: repaired by the ladder instead`,
        );
    }
    return out;
  }

  /** `observed`: the faults seen (counted when new); `faults`: those left after the patch (the status). */
  private record(observed: EvpnFault[], faults: EvpnFault[], patched: Set<string>): void {
    const before = new Set(this.current.map(key));
    const fresh = observed.filter((f) => !before.has(key(f)));
    const healed = this.current.filter((f) => !faults.some((g) => key(g) === key(f)));
    this.current = faults;
    if (fresh.length === 0 && healed.length === 0) return;
    this.status.faultsDetected += fresh.length;
    this.status.faults = faults.map(describeEvpnFault);
    for (const f of fresh) {
      const fixed = patched.has(key(f)) ? ': put back by perouterd' : '';
      this.d.log.warn({ vni: f.vni, vtep: f.vtep, missing: f.missing }, `${describeEvpnFault(f)}${fixed}`);
    }
    for (const f of healed) this.d.log.info({ vni: f.vni, vtep: f.vtep }, `EVPN VNI ${f.vni}: remote VTEP ${f.vtep} forwards again`);
    this.d.changed();
  }
}
