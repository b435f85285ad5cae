// What the reconcile loop needs from the world, and nothing more. Adapters (src/dataplane,
// src/frr, src/k8s) satisfy these structurally and are wired in src/cli; the daemon imports
// no adapter, so its unit test drives the loop with fakes (test/support/fake-*.ts).
import type { FileEventSink } from '../config/dir-changes.js';
import type { FailedResource, RouterConfig } from '../config/model.js';
import type { KernelPlan } from '../plan/kernel-plan.js';
import type { EvpnCheck } from '../dataplane/evpn-patcher.js';
import type { NeighbourRefreshReport } from '../dataplane/bridge-refresh.js';
import type { EvpnRepairStep, EvpnRepairTarget } from '../frr/evpn-repair.js';
import type { FrrConfigTree } from '../frr/frr-config.js';
import type { DesiredState, PipelineResult } from './desired-state.js';
import type { DaemonState, Outcome } from './outcome.js';

/** One phase of a kernel reconcile (observe, diff, apply the ops of that phase). */
export interface KernelReport {
  /** Kernel-changing requests made (0 when the kernel already matched). */
  writes: number;
  /** What was done, one line per op. */
  ops: string[];
  /** One line per op that failed, naming the op and the error. */
  errors: string[];
}

/** The kernel's changes for one plan, from one observation: applied in two steps. */
export interface KernelChanges {
  /** Before the FRR reload: new and changed objects. */
  additions(): Promise<KernelReport>;
  /** After the FRR reload: objects no longer configured (README "Ordering"). */
  removals(): Promise<KernelReport>;
  /** Configured underlay NICs found in neither namespace: nothing carries the underlay. */
  missingNics: string[];
  /** perouterd's host veths whose peer is in a namespace it cannot see: kept, never deleted. */
  heldVeths: string[];
}

export interface KernelPort {
  /** Creates the router namespace when missing; true when it was created now. */
  ensureRouterNamespace(): boolean;
  /**
   * Observes the kernel once and diffs it against `plan`. Without `full`, an adapter
   * that trusts its last clean apply may look at and diff only what changed since.
   */
  changes(plan: KernelPlan, opts?: { full?: boolean }): Promise<KernelChanges>;
  /**
   * What FRR installed for the routes through remote VTEPs that is missing (router MAC,
   * FDB), and what perouterd's EVPN patch put back of it (README "EVPN data-plane health").
   */
  checkEvpn(l3vnis: EvpnRepairTarget[]): Promise<EvpnCheck>;
  /** Calls `changed` as soon as the kernel announces a change that may break a route through a remote VTEP. */
  watchEvpn?(changed: (why: string) => void): EvpnWatchPort;
  /** Has the kernel re-confirm the STALE ARP/ND entries on the bridges of these L2VNIs (bridge refresher). */
  refreshStaleNeighbours(l2vnis: number[]): Promise<NeighbourRefreshReport>;
  close(): void;
}

/** The kernel event watch behind the EVPN check. */
export interface EvpnWatchPort {
  /** Subscribes when not yet (or again, when the router namespace was rebuilt); why it cannot, else undefined. Cheap. */
  ensure(): string | undefined;
  close(): void;
}

export type FrrApplyOutcome =
  | { outcome: 'applied'; attempts: number; diff: { toAdd: string[]; toDelete: string[] } }
  | { outcome: 'unchanged' }
  /** `unanswered`: FRR did not answer in time (frr-unanswered.ts decides whether to restart it). */
  | { outcome: 'failed'; error: string; attempts: number; unanswered?: boolean };

export interface FrrPort {
  /** True when the FRR daemons perouterd needs answer in the router namespace. */
  isRunning(): Promise<boolean>;
  /** PIDs of the FRR daemons, to notice a restart (a restarted FRR starts from frr.conf). */
  daemonPids(): Promise<Record<string, number>>;
  /** FRR's own parser on `config` (`parsed`: its parse, when known): undefined when accepted, else FRR's message. */
  check(config: string, parsed?: FrrConfigTree): Promise<string | undefined>;
  /** Makes FRR's running configuration equal to `config`; `verify`: read it from FRR rather than trust the last apply. */
  apply(config: string, opts?: { verify?: boolean; parsed?: FrrConfigTree }): Promise<FrrApplyOutcome>;
  /** Runs one EVPN repair step for `targets`; undefined when it ran, else why not. */
  repairEvpn(step: EvpnRepairStep, targets: EvpnRepairTarget[]): Promise<string | undefined>;
}

/** What the Kubernetes side is told after each reconcile (upstream's node status). */
export interface ApiStatusReport {
  ok: boolean;
  underlayFailed?: boolean;
  message: string;
  failed: FailedResource[];
}

export interface ApiPort {
  /** The API objects for this node; undefined before the first sync. */
  snapshot(): RouterConfig | undefined;
  mirrorStatic(staticCfg: RouterConfig | undefined, nodeIndex: number): Promise<void>;
  reportStatus(s: ApiStatusReport): Promise<void>;
  /** Connection state for status.json (must carry no secret). */
  state(): unknown;
  /** The API answers now (absent: treated as connected while a snapshot exists). */
  readonly connected?: boolean;
}

/** The files: read for stability, then turned into the desired state. */
export interface SourcesPort {
  /**
   * A digest of every input file as it is now (names, types, contents), or why the set
   * cannot be read (a missing configuration directory). Cheap; never parses.
   */
  digest(): Promise<{ ok: true; digest: string } | { ok: false; reason: string }>;
  /**
   * Parse, validate and plan, with `apiConfig` merged under the static files. The files'
   * adapter does it without blocking the event loop for long (a promise); fakes may answer at once.
   */
  build(apiConfig?: RouterConfig): PipelineResult | Promise<PipelineResult>;
  /** Told what the configuration directory's watch sees, when reads can use it (src/config/dir-changes.ts). */
  events?: FileEventSink;
  /** The next digest and build look at every file: the reconcile has another cause than file events. */
  rescan?(): void;
}

/** Where status.json goes (root-only file in the state directory). */
export interface StatusSink {
  write(json: string): Promise<void>;
}

/** What the FRR step of one reconcile did. `not-needed`: frr.conf unchanged, FRR not asked. */
export interface FrrReloadRecord {
  result: 'applied' | 'unchanged' | 'failed' | 'not-needed';
  /** Lines sent to FRR (added, and removed with `no …`); 0 unless applied. */
  linesAdded: number;
  linesRemoved: number;
  /** Time spent in the reload (0 when not needed). */
  durationMs: number;
  error?: string;
}

/** One reconcile as observers see it (status, metrics, health): facts only, no secrets. */
export interface ReconcileRecord {
  /** ISO time the reconcile started. */
  startedAt: string;
  /** What asked for it (`start`, `sighup`, `file-change`, `resync`, `frr-restart`, `api-change`, `retry: …`), coalesced. */
  triggers: string[];
  /** The typed outcome's kind and the daemon state it maps to (src/daemon/outcome.ts). */
  outcome: Outcome['kind'];
  state: DaemonState;
  message: string;
  durationMs: number;
  /** Kernel-changing netlink requests made, and what they were (one line per op, first word = op kind). */
  netlinkWrites: number;
  kernelOps: string[];
  kernelErrors: string[];
  frr: FrrReloadRecord;
  /** Resources skipped, with the reason. */
  failed: FailedResource[];
}

/** Where the desired state comes from (README "The API stage"). */
export type SourceState =
  | { kind: 'static-only' }
  /** Static files merged with the API objects; `since`: when the API first answered. */
  | { kind: 'merged'; since: string }
  /** The API is gone: the last API objects stay applied (or the persisted ones) since `since`. */
  | { kind: 'api-lost'; since: string };

/** Told after each reconcile and when the source state changes. Must not throw and must be quick. */
export interface DaemonObserver {
  /** `desired`: the desired state this reconcile worked from; undefined when none could be built. */
  reconciled(record: ReconcileRecord, desired: DesiredState | undefined): void;
  sourceChanged(state: SourceState): void;
}
