// When and how to repair an EVPN data plane FRR left broken (see
// dataplane/evpn-health.ts). Pure: the caller gives the faults it observed and
// the time; this answers which repair to run now, if any.
//
// - A fault must persist `confirmMs` before anything is done: zebra installs a
//   route, its router-MAC neighbour and its FDB entry one after the other.
// - Repairs climb a ladder from the least disruptive step; each attempt waits
//   the one backoff policy's delay before the next (rate limit).
// - At most `maxAttempts` per episode (bounded): a fault no repair fixes is left
//   to the operator, named in status, rather than FRR being restarted forever.
// - A healthy observation ends the episode: the next fault starts from the bottom.
import type { EvpnFault } from '../dataplane/evpn-health.js';
import type { EvpnRepairStep } from '../frr/evpn-repair.js';
import { Backoff, type BackoffPolicy } from '../util/backoff.js';

/**
 * Repair steps, least disruptive first:
 * - `resync-vni`: the faulty L3VNIs taken off their VRF in zebra and put back
 *   (that VRF's EVPN routes are withdrawn and imported again: about a second
 *   of loss for that VRF only, on a VRF that forwards nothing anyway);
 * - `restart-frr`: the configured FRR restart command (every VRF is affected).
 * A soft re-import (`clear bgp l2vpn evpn * soft in`) was measured too: it does
 * not bring the router MAC back on FRR 8.4 (bgpd sends zebra nothing for
 * unchanged routes), so it is no step.
 */
export type { EvpnRepairStep };

export interface EvpnRepairOptions {
  steps: EvpnRepairStep[];
  confirmMs: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
}

export const DEFAULT_EVPN_REPAIR: EvpnRepairOptions = {
  steps: ['resync-vni', 'resync-vni', 'restart-frr'],
  confirmMs: 1000,
  maxAttempts: 5,
  backoff: { initialMs: 2000, maxMs: 60_000 },
};

export type RepairDecision =
  | { action: 'none'; why: 'healthy' | 'confirming' | 'waiting' | 'gave-up' | 'suppressed' }
  | { action: 'repair'; step: EvpnRepairStep; attempt: number };

export class EvpnRepairPolicy {
  private readonly backoff: Backoff;
  private firstSeen: number | undefined;
  private notBefore = 0;
  private attempts = 0;
  private suppressedUntil = 0;

  constructor(private readonly o: EvpnRepairOptions = DEFAULT_EVPN_REPAIR) {
    this.backoff = new Backoff(o.backoff);
  }

  /** No repair before `until` (e.g. FRR just restarted and is still converging). */
  suppress(until: number): void {
    this.suppressedUntil = Math.max(this.suppressedUntil, until);
  }

  /** Repairs attempted in the current episode. */
  get attemptsInEpisode(): number {
    return this.attempts;
  }

  decide(faults: EvpnFault[], now: number): RepairDecision {
    if (faults.length === 0) {
      this.firstSeen = undefined;
      this.attempts = 0;
      this.notBefore = 0;
      this.backoff.reset();
      return { action: 'none', why: 'healthy' };
    }
    this.firstSeen ??= now;
    if (now < this.suppressedUntil) return { action: 'none', why: 'suppressed' };
    if (now - this.firstSeen < this.o.confirmMs) return { action: 'none', why: 'confirming' };
    if (this.attempts >= this.o.maxAttempts || this.o.steps.length === 0) return { action: 'none', why: 'gave-up' };
    if (now < this.notBefore) return { action: 'none', why: 'waiting' };
    const step = this.o.steps[Math.min(this.attempts, this.o.steps.length - 1)]!;
    this.attempts++;
    this.notBefore = now + this.backoff.next();
    return { action: 'repair', step, attempt: this.attempts };
  }
}
