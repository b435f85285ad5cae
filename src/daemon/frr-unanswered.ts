// When FRR stops answering configuration, and when perouterd restarts it. Pure: the
// caller reports each push's fate and the time; this answers whether to restart FRR now.
//
// Seen in the lab (FRR 10.3, CI): a boot load (`vtysh -b`) whose commit failed inside
// mgmtd left mgmtd's candidate lock taken for good. Every later `vtysh -f` waits on that
// lock (mgmtd logs `Lock already taken on DS by another session!` ten times a second) and
// no configuration can be pushed, ever: the VNI whose line the failed commit carried
// stays down. Only a restart of FRR clears it. A stopped or hung daemon looks the same
// from here: vtysh does not finish in its time.
//
// - `threshold` pushes in a row that FRR did not answer before a restart: one timeout can
//   be a loaded machine;
// - at most one restart per `minIntervalMs`: an FRR that a restart does not cure is left
//   to the operator, named in status, rather than restarted in a loop;
// - any push FRR answers (applied, unchanged or refused) clears the count.
import type { Logger } from 'pino';
import type { FrrPort } from './ports.js';

export interface UnansweredOptions {
  threshold: number;
  minIntervalMs: number;
}

export const DEFAULT_UNANSWERED: UnansweredOptions = { threshold: 2, minIntervalMs: 300_000 };

export type UnansweredDecision =
  { action: 'wait'; inARow: number } | { action: 'restart'; inARow: number } | { action: 'rate-limited'; inARow: number; nextAt: number };

export class FrrUnansweredPolicy {
  private inARow = 0;
  private lastRestart: number | undefined;

  constructor(private readonly o: UnansweredOptions = DEFAULT_UNANSWERED) {}

  /** FRR answered a push (whatever it said). */
  answered(): void {
    this.inARow = 0;
  }

  /** A push FRR did not answer in time, at `now`. */
  unanswered(now: number): UnansweredDecision {
    this.inARow++;
    if (this.inARow < this.o.threshold) return { action: 'wait', inARow: this.inARow };
    if (this.lastRestart !== undefined && now - this.lastRestart < this.o.minIntervalMs)
      return { action: 'rate-limited', inARow: this.inARow, nextAt: this.lastRestart + this.o.minIntervalMs };
    this.lastRestart = now;
    const inARow = this.inARow;
    this.inARow = 0;
    return { action: 'restart', inARow };
  }
}

/** The policy with its one action: FRR's restart through the port (the operator's restart command). */
export class FrrUnansweredGuard {
  private readonly policy: FrrUnansweredPolicy;

  constructor(
    private readonly frr: Pick<FrrPort, 'repairEvpn'>,
    opts?: UnansweredOptions,
  ) {
    this.policy = new FrrUnansweredPolicy(opts);
  }

  answered(): void {
    this.policy.answered();
  }

  /** A push FRR did not answer (`error` says which call); true when FRR was restarted (its new PIDs bring the push again). */
  async notAnswering(error: string, log: Logger): Promise<boolean> {
    const d = this.policy.unanswered(Date.now());
    if (d.action === 'wait') {
      log.error({ inARow: d.inARow }, `${error}; trying again`);
      return false;
    }
    if (d.action === 'rate-limited') {
      const at = new Date(d.nextAt).toISOString();
      log.error({ inARow: d.inARow, nextRestartAt: at }, `${error}; FRR was restarted shortly before: the next restart not before ${at}`);
      return false;
    }
    log.error({ inARow: d.inARow }, `${error}; ${d.inARow} pushes in a row unanswered: restarting FRR`);
    const why = await this.frr.repairEvpn('restart-frr', []);
    if (why !== undefined) {
      log.error(`cannot restart FRR: ${why}`);
      return false;
    }
    log.warn('FRR restarted: its configuration is pushed again once it runs');
    return true;
  }
}
