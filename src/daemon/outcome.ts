// One typed result per reconcile. status.json and the Kubernetes node status are both
// derived from it, so they cannot disagree, and "ready" is decided in exactly one place:
// only an applied configuration with nothing failed is ready.
import type { FailedResource } from '../config/model.js';
import type { ApiStatusReport } from './ports.js';

export type Outcome =
  /** Everything configured runs; `failed` lists resources skipped (validation, FRR rejection). */
  | { kind: 'applied'; failed: FailedResource[] }
  /** Input cannot be applied (invalid, missing, still changing): nothing changed. */
  | { kind: 'config-invalid'; reason: string; failed: FailedResource[] }
  | { kind: 'waiting-for-frr' }
  /** FRR's parser rejects the configuration that remains once API RawFRRConfigs are isolated. */
  | { kind: 'frr-rejected'; error: string; failed: FailedResource[] }
  /** The reload itself failed; additions were applied, stale objects were kept. */
  | { kind: 'frr-failed'; error: string; failed: FailedResource[] }
  /** Some kernel changes failed; retried with backoff. */
  | { kind: 'kernel-failed'; errors: string[]; failed: FailedResource[] };

export type DaemonState = 'starting' | 'ready' | 'degraded' | 'waiting-for-frr' | 'config-invalid';

/**
 * What is broken although the configuration was applied, observed in the kernel: a
 * configured underlay NIC in neither namespace, a host veth whose peer is out of
 * sight (kept, never deleted), routes through a remote VTEP that
 * FRR left without router MAC or FDB entry. Either keeps the state off `ready`.
 */
export interface Health {
  missingNics: string[];
  heldVeths: string[];
  evpnFaults: string[];
}

export const HEALTHY: Health = { missingNics: [], heldVeths: [], evpnFaults: [] };

function healthProblems(h: Health): string[] {
  const nics = h.missingNics.map((n) => `underlay NIC ${n} is in neither the host nor the router namespace`);
  const veths = h.heldVeths.map((n) => `host veth ${n} kept: its peer is in a namespace perouterd cannot see`);
  return [...nics, ...veths, ...h.evpnFaults];
}

export function outcomeState(o: Outcome, health: Health = HEALTHY): { state: DaemonState; message: string } {
  switch (o.kind) {
    case 'applied': {
      const broken = healthProblems(health);
      if (broken.length > 0) return { state: 'degraded', message: `configuration applied but: ${broken.join('; ')}` };
      return o.failed.length === 0
        ? { state: 'ready', message: 'all configuration applied' }
        : { state: 'degraded', message: `${o.failed.length} resource(s) failed; the rest is applied` };
    }
    case 'config-invalid':
      return { state: 'config-invalid', message: `${o.reason}; running configuration left unchanged` };
    case 'waiting-for-frr':
      return { state: 'waiting-for-frr', message: 'FRR is not running in the router namespace yet' };
    case 'frr-rejected':
      return { state: 'degraded', message: `FRR rejects the configuration; nothing changed: ${o.error}` };
    case 'frr-failed':
      return { state: 'degraded', message: `FRR reload failed; stale kernel objects kept: ${o.error}` };
    case 'kernel-failed':
      return { state: 'degraded', message: `${o.errors.length} kernel change(s) failed` };
  }
}

/** True when the outcome is not final and the loop should try again later. */
export function needsRetry(o: Outcome): boolean {
  return o.kind === 'waiting-for-frr' || o.kind === 'frr-rejected' || o.kind === 'frr-failed' || o.kind === 'kernel-failed';
}

/** The node status upstream writes: Ready when the configuration is applied (skipped resources listed). */
export function apiStatus(o: Outcome, health: Health = HEALTHY): ApiStatusReport {
  const { message } = outcomeState(o, health);
  const failed = o.kind === 'waiting-for-frr' ? [] : o.failed;
  return { ok: o.kind === 'applied' && healthProblems(health).length === 0, message, failed };
}
