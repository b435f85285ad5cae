// An FrrPort for the daemon's unit test: a running flag, PIDs that change on "restart", a
// parser stand-in (reject lines matching `rejects`), and the configuration it last applied.
import type { FrrApplyOutcome, FrrPort } from '../../src/daemon/ports.js';
import type { EvpnRepairStep, EvpnRepairTarget } from '../../src/frr/evpn-repair.js';

export class FakeFrr implements FrrPort {
  running = true;
  pids: Record<string, number> = { zebra: 100, bgpd: 101 };
  /** A line matching this makes check() fail with FRR-like output naming the line. */
  rejects: RegExp | undefined;
  /** The next apply() fails with this error. */
  failApply: string | undefined;
  /** Applies fail this many more times as FRR not answering (a vtysh call ran out of time). */
  unansweredApplies = 0;
  running_config: string | undefined;
  checks = 0;
  applies = 0;
  /** Applies asked to read FRR's running configuration (drift check, restart). */
  verifies = 0;
  /** EVPN repairs run, as `step vni,vni`. */
  repairs: string[] = [];
  /** The first repair step that fixes the EVPN data plane (this FRR's "version"); calls `healed` then. */
  repairsWith: EvpnRepairStep | undefined;
  healed: () => void = () => undefined;

  constructor(private readonly events: string[]) {}

  async isRunning(): Promise<boolean> {
    return this.running;
  }

  async daemonPids(): Promise<Record<string, number>> {
    return this.running ? { ...this.pids } : {};
  }

  /** Simulates a restart: new PIDs, and FRR starts from what was last applied. */
  restart(): void {
    this.pids = Object.fromEntries(Object.entries(this.pids).map(([d, p]) => [d, p + 1000]));
  }

  async check(config: string): Promise<string | undefined> {
    this.checks++;
    const bad = this.rejects ? config.split('\n').find((l) => this.rejects!.test(l)) : undefined;
    this.events.push(bad ? `frr check: rejected` : 'frr check');
    return bad ? `% Unknown command: ${bad.trim()}` : undefined;
  }

  async repairEvpn(step: EvpnRepairStep, targets: EvpnRepairTarget[]): Promise<string | undefined> {
    this.repairs.push(`${step} ${targets.map((t) => t.vni).join(',')}`);
    this.events.push(`frr repair ${step}`);
    if (step === this.repairsWith) this.healed();
    return undefined;
  }

  async apply(config: string, opts: { verify?: boolean } = {}): Promise<FrrApplyOutcome> {
    this.applies++;
    if (opts.verify) this.verifies++;
    if (this.unansweredApplies > 0) {
      this.unansweredApplies--;
      this.events.push('frr apply: unanswered');
      return { outcome: 'failed', error: 'FRR does not answer: vtysh -f did not finish in 30 s', attempts: 1, unanswered: true };
    }
    if (this.failApply) {
      const error = this.failApply;
      this.failApply = undefined;
      this.events.push('frr apply: failed');
      return { outcome: 'failed', error, attempts: 4 };
    }
    this.events.push('frr apply');
    if (config === this.running_config) return { outcome: 'unchanged' };
    this.running_config = config;
    return { outcome: 'applied', attempts: 1, diff: { toAdd: ['x'], toDelete: [] } };
  }
}
