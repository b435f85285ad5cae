// What the reconcile loop needs from the world, and nothing more. Adapters (src/dataplane,
// src/frr, src/k8s) satisfy these structurally and are wired in src/cli; the daemon imports
// no adapter, so its unit test drives the loop with fakes (test/support/fake-*.ts).
import type { FailedResource, RouterConfig } from '../config/model.js';
import type { KernelPlan } from '../plan/kernel-plan.js';
import type { PipelineResult } from './desired-state.js';

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
}

export interface KernelPort {
  /** Creates the router namespace when missing; true when it was created now. */
  ensureRouterNamespace(): boolean;
  /** Observes the kernel once and diffs it against `plan`. */
  changes(plan: KernelPlan): Promise<KernelChanges>;
  close(): void;
}

export type FrrApplyOutcome =
  | { outcome: 'applied'; attempts: number; diff: { toAdd: string[]; toDelete: string[] } }
  | { outcome: 'unchanged' }
  | { outcome: 'failed'; error: string; attempts: number };

export interface FrrPort {
  /** True when the FRR daemons perouterd needs answer in the router namespace. */
  isRunning(): Promise<boolean>;
  /** PIDs of the FRR daemons, to notice a restart (a restarted FRR starts from frr.conf). */
  daemonPids(): Promise<Record<string, number>>;
  /** FRR's own parser on `config`: undefined when accepted, else FRR's message. */
  check(config: string): Promise<string | undefined>;
  /** Makes FRR's running configuration equal to `config`. */
  apply(config: string): Promise<FrrApplyOutcome>;
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
}

/** The files: read for stability, then turned into the desired state. */
export interface SourcesPort {
  /**
   * A digest of every input file as it is now (names, types, contents), or why the set
   * cannot be read (a missing configuration directory). Cheap; never parses.
   */
  digest(): Promise<{ ok: true; digest: string } | { ok: false; reason: string }>;
  /** Parse, validate and plan, with `apiConfig` merged under the static files. */
  build(apiConfig?: RouterConfig): PipelineResult;
}

/** Where status.json goes (root-only file in the state directory). */
export interface StatusSink {
  write(json: string): Promise<void>;
}
