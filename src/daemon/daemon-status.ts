// What the daemon tells about itself (status.json, the status socket, metrics, the API):
// its shape and its value before the first reconcile.
import type { FailedResource } from '../config/model.js';
import type { BridgeRefreshStatus } from './bridge-refresher.js';
import { emptyEvpnStatus, type EvpnHealthStatus } from './evpn-monitor.js';
import type { DaemonState } from './outcome.js';

export interface DaemonStatus {
  state: DaemonState;
  message: string;
  reconciles: number;
  lastReconcileAt?: string;
  /** `restarts`: FRR restarts perouterd ran because FRR did not answer configuration. */
  frr: { reloads: number; restarts: number; lastOutcome?: string; lastError?: string };
  kernel: { writesLast: number; writesTotal: number; lastErrors: string[] };
  failedResources: FailedResource[];
  problems: string[];
  applied?: { l3vnis: number[]; l2vnis: number[]; passthrough: boolean };
  /** Configured underlay NICs in neither namespace (status is not ready then). */
  missingNics: string[];
  /** Host veths kept because their peer is in a namespace perouterd cannot see (not ready either). */
  heldVeths: string[];
  /** EVPN data-plane health: faults now, how many appeared, repairs run. */
  evpn: EvpnHealthStatus;
  /** The bridge refresher: its period (0 = off) and what it re-confirmed. */
  bridgeRefresh: BridgeRefreshStatus;
  k8s?: unknown;
}

export function initialStatus(): DaemonStatus {
  return {
    state: 'starting',
    message: 'starting',
    reconciles: 0,
    frr: { reloads: 0, restarts: 0 },
    kernel: { writesLast: 0, writesTotal: 0, lastErrors: [] },
    failedResources: [],
    problems: [],
    missingNics: [],
    heldVeths: [],
    evpn: emptyEvpnStatus(),
    bridgeRefresh: { intervalMs: 0, rounds: 0, refreshes: 0, gone: 0 },
  };
}
